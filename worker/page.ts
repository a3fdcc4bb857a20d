import { TransientError } from '../contract/errors.js';
import { splitListBytes } from '../contract/jsontext.js';
import { validateCase } from '../contract/validate.js';
import type { Page } from './client.js';
import { excerpt } from './remote-errors.js';

/** A whole body as text, as TextDecoder reads UTF-8 (a leading BOM dropped, malformed sequences U+FFFD): error bodies and `verify`. */
export function textOf(body: Uint8Array): string {
  return new TextDecoder('utf-8').decode(body);
}

/**
 * JSON values (objects, arrays and their members) a page's cases may hold.
 * Text size does not bound parsed size: 2 bytes of `{}` parse into a ~50-byte
 * object, so a page of tiny values under the byte cap could take gigabytes.
 * A real page holds ~50k values; 2M parse into at most ~200 MB.
 */
export const MAX_PAGE_VALUES = 2_000_000;

/**
 * Read a 2xx list answer (its bytes) into a Page: only the fields the sync uses are
 * parsed, each case on its own, so unknown top-level fields (however large)
 * are skipped and each case keeps its exact text. Cases are read tolerantly
 * (docs/sync.md#tolerant-reading): one without a usable `_id` is set apart as
 * rejected. A body that is not a case list, or holds more than
 * MAX_PAGE_VALUES values, is a TransientError (docs/sync.md#bounded).
 * `redact` removes the token from any excerpt of the body.
 */
export function readPage(a: { status: number; body: Buffer; bytes: number }, redact: (s: string) => string): Omit<Page, 'attempts'> {
  // Only the fields we use are parsed, each case on its own: unknown top-level
  // fields (however large) are skipped, and each case keeps its exact text.
  const split = splitListBytes(a.body, MAX_PAGE_VALUES);
  if (split === undefined) {
    throw new TransientError('E_BAD_BODY', `HTTP ${a.status} with a body that is not JSON: ${excerpt(redact(textOf(a.body.subarray(0, 4096))), a.bytes) || 'empty'}`, {
      status: a.status,
    });
  }
  const num = (k: string): number => {
    try {
      const v: unknown = JSON.parse(split.fields.get(k) ?? 'null');
      return typeof v === 'number' ? v : Number.NaN;
    } catch {
      return Number.NaN;
    }
  };
  const head = { offset: num('offset'), limit: num('limit'), total: num('total') };
  if (!Number.isFinite(head.offset) || !Number.isFinite(head.limit) || !Number.isFinite(head.total) || split.cases === undefined) {
    throw new TransientError('E_BAD_BODY', `HTTP ${a.status} with JSON that is not a case list (offset, limit, total, cases)`, {
      status: a.status,
    });
  }
  if (split.caseValues > MAX_PAGE_VALUES) {
    throw new TransientError(
      'E_BODY_TOO_LARGE',
      `HTTP ${a.status} with ${split.caseValues} JSON values in its cases, more than the ${MAX_PAGE_VALUES} one page may hold (a real page holds ~50,000)`,
      { status: a.status },
    );
  }
  const page: Omit<Page, 'attempts'> = { ...head, cases: [], rejected: [], bytes: a.bytes };
  for (const json of split.cases) {
    let raw: unknown;
    try {
      raw = JSON.parse(json);
    } catch {
      throw new TransientError('E_BAD_BODY', `HTTP ${a.status} with a case that is not JSON`, { status: a.status });
    }
    const c = validateCase(raw);
    if (c.ok) page.cases.push({ case: c.case, keys: c.keys, json, warnings: c.warnings });
    else page.rejected.push({ id: c.id, reason: c.reason, raw });
  }
  return page;
}
