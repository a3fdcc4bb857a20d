import { UsageError, apiError } from '../contract/errors.js';
import { parseListParams, type ParamSource } from '../contract/params.js';
import type { ListParams, ListResponse } from '../contract/types.js';
import type { Store } from '../store/index.js';

/**
 * The offline list, as the exact JSON text the API would answer. Cases are
 * stored as JSON already, so the response is assembled, not re-serialised;
 * key order matches `JSON.stringify({offset, limit, total, cases})`.
 * Count and page are read in one read transaction: one committed state.
 * Throws ApiError (422 for parameters, 404 not_synced).
 */
export function listCasesJson(store: Store, q: ParamSource): string {
  return listCasesJsonFor(store, parseListParams(q));
}

export function listCasesJsonFor(store: Store, p: ListParams): string {
  return Buffer.concat(listCasesBody(store, p)).toString('utf8');
}

const CLOSE = Buffer.from(']}');

/**
 * The response body as UTF-8 bytes, in three chunks (head, the stored cases
 * joined by SQLite, close): what `serve` writes as they are. A limit-500
 * page is ~1.6 MB; joining the chunks would copy it once more for nothing.
 */
export function listCasesBody(store: Store, p: ListParams): Buffer[] {
  const rows = store.read(() => store.listPage(p));
  if (rows === undefined) throw apiError('not_synced');
  return [Buffer.from(`{"offset":${p.offset},"limit":${p.limit},"total":${rows.total},"cases":[`), rows.json, CLOSE];
}

/** The same, parsed: for library users. */
export function listCases(store: Store, q: ParamSource | (Partial<Omit<ListParams, 'limit' | 'offset'>> & { id: string; offset?: number; limit?: number })): ListResponse {
  if (typeof q !== 'object' || q === null) throw new UsageError('listCases needs the list parameters: an object with at least id, or URLSearchParams');
  const src: ParamSource = 'get' in q && typeof q.get === 'function' ? (q as ParamSource) : toParams(q as Record<string, unknown>);
  return JSON.parse(listCasesJson(store, src)) as ListResponse;
}

function toParams(o: Record<string, unknown>): URLSearchParams {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined) u.set(k, String(v));
  return u;
}
