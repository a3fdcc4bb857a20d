import { apiError } from './errors.js';
import type { ListParams, SortBy, SortOrder, StateFilter } from './types.js';

export const DEFAULT_LIMIT = 100;
export const MIN_LIMIT = 1;
export const MAX_LIMIT = 500;

const HEX24 = /^[0-9a-fA-F]{24}$/;
const UINT = /^[0-9]+$/;
const INT = /^-?[0-9]+$/;

/** Anything that answers `get(name)` with the FIRST value or null: URLSearchParams does. */
export interface ParamSource {
  get(name: string): string | null;
}

const STATE_FILTERS = ['ALL', 'UNHANDLED', 'HANDLING', 'CLOSED'] as const;

/** A state filter as the list reads it (case-insensitive, ASCII only); undefined when invalid. */
export function parseStateFilter(raw: string): StateFilter | undefined {
  return pickEnum(raw, STATE_FILTERS, 'ALL', true);
}

export function isHelpcenterId(s: string): boolean {
  return HEX24.test(s);
}

/**
 * Parse and validate list parameters exactly as docs/contract.md#parameters: required id, enums
 * case-insensitive, present-but-empty is invalid, first of repeated values
 * counts (URLSearchParams.get), errors reported in the order
 * id, state, sortBy, sortOrder, offset, limit; limit clamped into [1, 500].
 * Throws ApiError(422, key).
 */
export function parseListParams(q: ParamSource): ListParams {
  const id = q.get('id');
  if (id === null || !HEX24.test(id)) throw apiError('id');

  const state = pickEnum(q.get('state'), STATE_FILTERS, 'ALL', true);
  if (state === undefined) throw apiError('state');
  const sortBy = pickEnum(q.get('sortBy'), ['SENT', 'CREATED', 'STATE'] as const, 'SENT', true);
  if (sortBy === undefined) throw apiError('sortBy');
  const sortOrder = pickEnum(q.get('sortOrder'), ['asc', 'desc'] as const, 'asc', false);
  if (sortOrder === undefined) throw apiError('sortOrder');

  const offsetRaw = q.get('offset');
  let offset = 0;
  if (offsetRaw !== null) {
    // Offsets past 2^53-1 cannot be echoed exactly in JSON: rejected.
    if (!UINT.test(offsetRaw)) throw apiError('offset');
    offset = Number(offsetRaw);
    if (!Number.isSafeInteger(offset)) throw apiError('offset');
  }

  const limitRaw = q.get('limit');
  let limit = DEFAULT_LIMIT;
  if (limitRaw !== null) {
    if (!INT.test(limitRaw)) throw apiError('limit');
    const n = Number(limitRaw); // huge digit strings become large floats: still clamp correctly
    limit = Math.min(MAX_LIMIT, Math.max(MIN_LIMIT, n));
  }

  return { id: id.toLowerCase(), state: state as StateFilter, sortBy: sortBy as SortBy, sortOrder: sortOrder as SortOrder, offset, limit };
}

function pickEnum<T extends string>(raw: string | null, allowed: readonly T[], dflt: T, upper: boolean): T | undefined {
  if (raw === null) return dflt;
  // ASCII only: toUpperCase folds 'ſ' to 'S' and 'ı' to 'I', which must not pass
  if (!/^[A-Za-z]+$/.test(raw)) return undefined;
  const v = upper ? raw.toUpperCase() : raw.toLowerCase();
  return (allowed as readonly string[]).includes(v) ? (v as T) : undefined;
}

/** Build the query string for a list request (canonical spelling). */
export function listQuery(p: Partial<ListParams> & { id: string }): URLSearchParams {
  const q = new URLSearchParams();
  q.set('id', p.id);
  if (p.state !== undefined) q.set('state', p.state);
  if (p.sortBy !== undefined) q.set('sortBy', p.sortBy);
  if (p.sortOrder !== undefined) q.set('sortOrder', p.sortOrder);
  if (p.offset !== undefined) q.set('offset', String(p.offset));
  if (p.limit !== undefined) q.set('limit', String(p.limit));
  return q;
}
