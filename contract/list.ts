import { keyComparator, matchesState, type SortKeys } from './order.js';
import type { ListParams, ListResponse } from './types.js';

export interface Keyed<C> {
  keys: SortKeys;
  case: C;
}

/**
 * The list contract (docs/contract.md#ordering) over an in-memory array: filter by state, order totally, slice.
 * The simulator answers with it; the store answers the same queries in SQL
 * and the differential tests hold the two to each other.
 */
export function listInMemory<C>(all: readonly Keyed<C>[], p: ListParams): ListResponse<C> {
  const matching = p.state === 'ALL' ? all.slice() : all.filter((e) => matchesState(e.keys, p.state));
  const cmp = keyComparator(p.sortBy, p.sortOrder);
  matching.sort((a, b) => cmp(a.keys, b.keys));
  return {
    offset: p.offset,
    limit: p.limit,
    total: matching.length,
    cases: matching.slice(p.offset, p.offset + p.limit).map((e) => e.case),
  };
}
