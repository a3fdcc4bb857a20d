import { keyComparator, type SortKeys } from '../contract/order.js';
import { SyncError } from '../contract/errors.js';
import type { Case, ListParams, SortBy, SortOrder, StateFilter } from '../contract/types.js';

/** What the walk needs from the remote client (worker/client.ts implements it). */
export interface PageSource {
  readonly requests: number;
  listCases(p: Partial<ListParams> & { id: string }, signal?: AbortSignal): Promise<RemotePage>;
}

export interface RemotePage {
  offset: number;
  limit: number;
  total: number;
  cases: { case: Case; keys: SortKeys }[];
  rejected: { id: string | undefined; reason: string; raw: unknown }[];
}

export interface WalkSpec {
  state: StateFilter;
  sortBy: SortBy;
  sortOrder: SortOrder;
}

/** Where a walk stands: `offset` is the remote position just after `last`. */
export interface WalkCursor {
  offset: number;
  last: SortKeys | null;
}

export interface WalkStep {
  page: RemotePage;
  /** valid cases after the cursor's `last` in the walk order */
  fresh: RemotePage['cases'];
  /** the cursor's `last` before this page (null on the first page) */
  before: SortKeys | null;
  cursor: WalkCursor;
  /** the end of the list (or the caller's `until`) was reached with this page */
  done: boolean;
  /** re-fetches this step needed because the list shifted under the walk */
  drift: number;
}

export const PAGE_LIMIT = 500;
/**
 * Each page re-reads this many cases of the previous one. A page is only
 * trusted when it reaches back to (or before) the last case already seen:
 * that proves no case slipped between the two pages, whatever the remote
 * deleted or inserted meanwhile. Up to OVERLAP deletions before the cursor
 * cost nothing; more cost one step back.
 */
export const OVERLAP = 8;
/**
 * The incremental walks re-read just one case: their quiet run is what the
 * request budget counts (1 + ⌈U/500⌉ + ⌈H/500⌉), and 8 cases of overlap per
 * page would exceed it beyond ~30k open cases. A shift there costs a step back.
 */
export const MIN_OVERLAP = 1;
/** bound on step-backs in one walk: beyond it the remote changes faster than we can page */
const MAX_DRIFT_STEPS = 200;

/**
 * Pages through one ordering with overlap-and-anchor drift detection. The
 * next page is requested before the caller processes the current one (the
 * fetch overlaps the caller's synchronous writes); a step back discards it.
 */
export async function* walk(
  source: PageSource,
  helpcenter: string,
  spec: WalkSpec,
  start: WalkCursor,
  signal?: AbortSignal,
  /** the caller needs nothing after this page: end here, and do not prefetch */
  until?: (page: RemotePage) => boolean,
  overlap = OVERLAP,
): AsyncGenerator<WalkStep, void, undefined> {
  const cmp = keyComparator(spec.sortBy, spec.sortOrder);
  const fetchAt = (offset: number) => {
    const p = source.listCases({ id: helpcenter, ...spec, offset, limit: PAGE_LIMIT }, signal);
    p.catch(() => {}); // a discarded prefetch must not become an unhandled rejection
    return { offset, page: p };
  };
  let cursor = start;
  let pending = fetchAt(Math.max(0, cursor.offset - overlap));
  let driftSteps = 0;
  for (;;) {
    const o = pending.offset;
    const page = await pending.page;
    const last = cursor.last;
    // the remote's effective page size (it may clamp lower than we asked)
    const lim = page.limit > 0 ? Math.min(page.limit, PAGE_LIMIT) : PAGE_LIMIT;
    const count = page.cases.length + page.rejected.length;
    const anchored = o === 0 || last === null || page.cases.some((c) => cmp(c.keys, last) <= 0);
    if (!anchored) {
      // The list shifted left past our overlap (deletions before the cursor): step back a page.
      if (++driftSteps > MAX_DRIFT_STEPS) {
        throw new SyncError('E_DRIFT', `the remote list kept shifting: gave up after ${MAX_DRIFT_STEPS} step-backs`);
      }
      cursor = { offset: Math.max(0, o - (lim - overlap)) + overlap, last };
      pending = fetchAt(Math.max(0, cursor.offset - overlap));
      continue;
    }
    const fresh = last === null ? page.cases : page.cases.filter((c) => cmp(c.keys, last) > 0);
    const newLast = fresh.length ? fresh[fresh.length - 1]!.keys : last;
    const next: WalkCursor = { offset: o + count, last: newLast };
    // `total` comes with the page, so a full last page needs no empty page after it
    const done = count < lim || o + count >= page.total || (until?.(page) ?? false);
    if (!done) pending = fetchAt(Math.max(0, next.offset - overlap));
    const step: WalkStep = { page, fresh, before: last, cursor: next, done, drift: driftSteps };
    driftSteps = 0;
    cursor = next;
    yield step;
    if (done) return;
  }
}
