import { setMaxListeners } from 'node:events';
import { keyComparator, type SortKeys } from '../contract/order.js';
import { SyncError } from '../contract/errors.js';
import type { ListParams, SortBy, SortOrder, StateFilter } from '../contract/types.js';
import type { Page } from './client.js';
import type { ConcurrencyControl } from './concurrency.js';
import { collectGarbage } from './memory.js';
import { MAX_CONCURRENCY } from './concurrency.js';

/**
 * Paging through one list order, believing only what the remote proves
 * (docs/sync.md#evidence-rules). Each answer is evidence about the range
 * it covers and nothing more:
 * - a page is trusted only when it reaches back to (or before) the last case
 *   already seen (the overlap): no case slipped between two pages;
 * - a page shorter than asked while `offset + count < total` is not the
 *   end: the walk goes on from `offset + count` and learns the page size;
 * - the end is proven by an anchored short page that reaches the `total`
 *   the previous answer also reported (or an empty list at offset 0);
 * - anything that contradicts (a total below what a page holds, a page with
 *   no usable id to anchor, an end the totals do not agree on, fewer cases
 *   seen than the total) leaves the walk *unverified*: its cases are kept,
 *   but nothing may be concluded from what it did not see;
 * - the requests are bounded over the whole walk: more than about twice the
 *   pages that brought new cases, plus a small constant, ends the run with
 *   E_REMOTE_INCONSISTENT instead of a loop.
 */

/** What the walk needs from the remote client (worker/client.ts implements it). */
export interface PageSource {
  readonly requests: number;
  listCases(p: Partial<ListParams> & { id: string }, signal?: AbortSignal): Promise<RemotePage>;
}

/** A list page as the walk reads it (the client's Page; `attempts`/`bytes` optional for other sources). */
export type RemotePage = Omit<Page, 'attempts' | 'bytes'> & Partial<Pick<Page, 'attempts' | 'bytes'>>;

export interface WalkSpec {
  state: StateFilter;
  sortBy: SortBy;
  sortOrder: SortOrder;
}

/**
 * Where a walk stands, and what it has proven so far. Saved as the full
 * sweep's checkpoint, so a resumed sweep keeps its evidence.
 */
export interface WalkCursor {
  /** the remote position just after `last` */
  offset: number;
  /** keys of the last case seen, in walk order */
  last: SortKeys | null;
  /** the `total` of the previous answer (null before the first) */
  total: number | null;
  /** the remote's effective page size as learned from short pages (cases) */
  pageSize: number;
  /** cases seen so far: distinct (each after the previous in walk order) plus refused ones */
  seen: number;
  /** why the walk's coverage is not verified; null while it is */
  doubt: string | null;
  /** the count of the first page shorter than asked that was not the end (a cap, or a lost case) */
  shortCount?: number;
  /** the previous page held no usable id: the next page cannot be anchored to it */
  unanchored?: boolean;
}

export interface WalkStep {
  page: RemotePage;
  /** the request's offset */
  offset: number;
  /** cases after the cursor's `last` in walk order (new to this walk) */
  fresh: RemotePage['cases'];
  /** the cursor's `last` before this page (null on the first page) */
  before: SortKeys | null;
  cursor: WalkCursor;
  /**
   * set on the last step: 'proven' (the end of the list, shown by the
   * remote's answers), 'unproven' (the walk stopped without that proof:
   * see cursor.doubt), 'until' (the caller's `until` said enough)
   */
  end: 'proven' | 'unproven' | 'until' | null;
  /** step-backs taken before this page because the list shifted under the walk */
  drift: number;
}

export interface WalkOptions {
  source: PageSource;
  helpcenter: string;
  spec: WalkSpec;
  /** where to start (a resumed sweep's checkpoint); default the beginning */
  start?: WalkCursor;
  signal?: AbortSignal;
  /** the caller needs nothing after this page: end here, and do not prefetch */
  until?: (page: RemotePage) => boolean;
  /** cases of the previous page each page re-reads (default OVERLAP) */
  overlap?: number;
  /**
   * pages kept in flight, adaptively (a walk with `until` keeps one: it cannot
   * know where it stops, and its requests are budgeted). Default: one.
   */
  concurrency?: ConcurrencyControl;
}

/** The limit every walk asks for (the contract's maximum). */
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
 * request budget counts (1 + ⌈U/500⌉ + ⌈H/500⌉ + 2), and 8 cases of overlap
 * per page would exceed it beyond ~30k open cases. A shift there costs a step back.
 */
export const MIN_OVERLAP = 1;
/** requests a walk may make beyond twice its productive pages (step-backs, end confirmations, short pages) */
export const WALK_SLACK = 12;
/** answers at the end whose totals may disagree before the end is called unproven */
const END_CONFIRMATIONS = 3;
/** consecutive pages without one usable id before the remote is called inconsistent */
const MAX_UNANCHORED_PAGES = 3;

/**
 * After a page this large (bytes), the next is requested only once the
 * caller is done with it: two such pages in memory at once could pass the
 * sync's memory bound (docs/sync.md#bounded). Real pages are ~1.6 MB.
 */
export const PREFETCH_MAX_BYTES = 32 * 1024 * 1024;

/** A cursor at the start of a walk. */
export function startCursor(): WalkCursor {
  return { offset: 0, last: null, total: null, pageSize: PAGE_LIMIT, seen: 0, doubt: null };
}

/**
 * Pages through one ordering (see the module comment for the rules),
 * yielding pages strictly in order. Requests for the following pages
 * (`concurrency`: up to its limit; else one) are on the wire before the
 * caller processes the current page, so fetches overlap the caller's
 * synchronous writes; a short page or a step back aborts them.
 * Throws SyncError E_REMOTE_INCONSISTENT when the request bound is passed,
 * and whatever the source throws (UpstreamError, AuthError, an abort).
 */
export async function* walk(opts: WalkOptions): AsyncGenerator<WalkStep, void, undefined> {
  const { source, helpcenter, spec, signal, until } = opts;
  const baseOverlap = opts.overlap ?? OVERLAP;
  const control = until === undefined ? opts.concurrency : undefined;
  const cmp = keyComparator(spec.sortBy, spec.sortOrder);
  // the overlap must leave room for new cases on a page the remote caps small
  const overlapFor = (c: WalkCursor) => Math.max(0, Math.min(baseOverlap, c.pageSize - 1));
  const requestOffset = (c: WalkCursor) => (c.last === null ? c.offset : Math.max(0, c.offset - overlapFor(c)));
  let cursor: WalkCursor = opts.start ? { ...opts.start } : startCursor();
  /**
   * Requests in flight, in walk order: the head is the next page; the rest
   * are predicted (each a page on from the one before). Pages are checked
   * and yielded strictly in order; a page that breaks the prediction (a
   * short one, a step back) discards the rest, whose answers are ignored.
   */
  type InFlight = { offset: number; page: Promise<RemotePage>; sentMs: number; answeredMs: number; abort: AbortController };
  const inflight: InFlight[] = [];
  // one abort listener per request in flight: up to MAX_CONCURRENCY on the caller's signal, not a leak
  if (signal) setMaxListeners(MAX_CONCURRENCY + 10, signal);
  const fetchAt = (offset: number) => {
    // each request can be called off alone: a discarded one must not go on loading the remote
    const abort = new AbortController();
    const onAbort = () => abort.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const page = source.listCases({ id: helpcenter, ...spec, offset, limit: PAGE_LIMIT }, abort.signal);
    const f: InFlight = { offset, sentMs: performance.now(), answeredMs: Number.NaN, page, abort };
    page.then(
      () => (f.answeredMs = performance.now()),
      () => {}, // a discarded request must not become an unhandled rejection
    ).finally(() => signal?.removeEventListener('abort', onAbort));
    inflight.push(f);
  };
  /** Call off every request in flight (their answers would be ignored). */
  const discard = () => {
    for (const f of inflight.splice(0)) f.abort.abort();
  };
  /** Keep the window full from `offset` on; true when a request was sent. */
  const fill = (offset: number, c: WalkCursor): boolean => {
    if (inflight.length > 0 && inflight[0]!.offset !== offset) discard();
    const stride = Math.max(1, c.pageSize - overlapFor(c));
    const want = control?.limit ?? 1;
    // no page is predicted past the total the last answer reported: it would only be discarded
    const end = c.total !== null && Number.isFinite(c.total) ? c.total : Number.POSITIVE_INFINITY;
    let sent = false;
    while (inflight.length < want) {
      const next = inflight.length === 0 ? offset : inflight[inflight.length - 1]!.offset + stride;
      if (inflight.length > 0 && next >= end) break;
      fetchAt(next);
      sent = true;
    }
    return sent;
  };
  fill(requestOffset(cursor), cursor);
  let fetches = 0;
  let productive = 0;
  let drift = 0;
  let confirmations = 0;
  let unanchoredRun = 0;
  /** the first answer's total and where the walk began: what the whole walk should cost */
  let firstTotal: number | undefined;
  const startOffset = cursor.offset;
  const inconsistent = (why: string) =>
    new SyncError(
      'E_REMOTE_INCONSISTENT',
      `the remote's answers contradict each other (${why}); gave up after ${fetches} requests for ${productive} pages of new cases`,
    );
  try {
  for (;;) {
    const head = inflight.shift()!;
    const o = head.offset;
    const waitFrom = performance.now();
    const page = await head.page;
    // Only an answer we waited for says how fast the remote is: one that came in
    // while we were writing was read late, and its "latency" is our own backlog.
    const waited = performance.now() - waitFrom > 1;
    if ((page.bytes ?? 0) > PREFETCH_MAX_BYTES) control?.large(`a page of ${page.bytes} bytes`);
    else control?.observe(page.attempts ?? 1, waited ? head.answeredMs - head.sentMs : undefined);
    fetches++;
    const last = cursor.last;
    const count = page.cases.length + page.rejected.length;
    const total = Number.isFinite(page.total) ? page.total : Number.NaN;
    let doubt = cursor.doubt;
    if (!(total >= o + count)) doubt ??= `the page at offset ${o} held ${count} cases but reported total ${page.total}`;
    const keyed = page.cases;
    // o > 0 with no case seen yet (the list began with cases without a usable _id): nothing to reach back to
    const anchoredHere = o === 0 || (last !== null && keyed.some((c) => cmp(c.keys, last) <= 0));
    // the previous page held no usable id: this one cannot reach back to it, so it is taken as it comes
    const follows = cursor.unanchored === true || (last === null && o > 0);
    if (!anchoredHere && !follows && !(keyed.length === 0 && count > 0)) {
      // The list shifted left past our overlap (deletions before the cursor), or
      // an empty page where cases were: step back a page and read again.
      drift++;
      if (fetches > 2 * productive + WALK_SLACK) throw inconsistent(`the list kept shifting at offset ${o}`);
      const back = Math.max(1, cursor.pageSize - overlapFor(cursor));
      cursor = { ...cursor, offset: Math.max(overlapFor(cursor), cursor.offset - back), total };
      discard();
      fill(requestOffset(cursor), cursor);
      continue;
    }
    const unanchored = !anchoredHere;
    if (unanchored) {
      // nothing to anchor on: keep going, but the walk can no longer prove it missed nothing
      if (++unanchoredRun > MAX_UNANCHORED_PAGES) throw inconsistent(`${unanchoredRun} pages in a row could not be placed in the list (no case with a usable _id)`);
      doubt ??= `the page at offset ${o} could not be placed in the list (no case with a usable _id to check it against)`;
    } else unanchoredRun = 0;
    const fresh = last === null ? keyed : keyed.filter((c) => cmp(c.keys, last) > 0);
    const newLast = fresh.length ? fresh[fresh.length - 1]!.keys : last;
    // refused cases carry no key: count those of the part of the page not re-read
    const rereadRefused = last === null ? 0 : Math.min(page.rejected.length, Math.max(0, cursor.offset - o));
    const seen = cursor.seen + fresh.length + page.rejected.length - rereadRefused;
    if (fresh.length > 0 || unanchored) productive++;
    const short = count < PAGE_LIMIT;
    let pageSize = cursor.pageSize;
    let end: WalkStep['end'] = null;
    // a short page that reaches its own total exactly: what an honest end looks like
    const atTotal = short && o + count === total;
    // a page as full as this remote ever gives (it caps below PAGE_LIMIT) is no sign of the end, whatever
    // the total says: a total that is consistently low would end the walk early; ask one page more
    const fullForRemote = pageSize < PAGE_LIMIT && count >= pageSize;
    const agreed = atTotal && cursor.total === total && doubt === null && !fullForRemote;
    if (until?.(page)) end = 'until';
    else if (short && fresh.length === 0 && !unanchored) {
      // nothing beyond the cursor: the list ends here
      if (agreed) end = 'proven';
      else if (atTotal && doubt === null && ++confirmations <= END_CONFIRMATIONS) end = null; // ask once more
      else {
        doubt ??= atTotal
          ? `the remote's totals kept changing at the end of the list (last ${page.total})`
          : `the list ended at ${o + count} cases but the remote reported total ${page.total}`;
        end = 'unproven';
      }
    } else if (atTotal) {
      // new cases up to the total: the end, if the previous answer agrees on the total
      if (agreed) end = 'proven';
      else if (++confirmations > END_CONFIRMATIONS) {
        doubt ??= `the remote's totals kept changing at the end of the list (last ${page.total})`;
        end = 'unproven';
      }
    } else if (short && count > 0) {
      // shorter than asked, and not the end: the remote caps its pages (or dropped a case)
      pageSize = Math.min(pageSize, count);
    }
    let shortCount = cursor.shortCount;
    if (end === null && short && count > 0) shortCount ??= count;
    // a later page holding more than an earlier short one: that one was no cap, it lost a case
    if (shortCount !== undefined && count > shortCount) {
      doubt ??= `a page held ${shortCount} cases where a later one held ${count}: a case may be missing from the shorter one`;
    }
    if (end === 'proven' && seen < total) {
      doubt = `the walk saw ${seen} cases but the remote reported total ${total}`;
      end = 'unproven';
    }
    const next: WalkCursor = { offset: o + count, last: newLast, total, pageSize, seen, doubt };
    if (shortCount !== undefined) next.shortCount = shortCount;
    if (keyed.length === 0 && count > 0) next.unanchored = true;
    if (fetches > 2 * productive + WALK_SLACK) throw inconsistent(`no new cases after offset ${o}`);
    firstTotal ??= Number.isFinite(total) ? total : undefined;
    // a list that keeps growing as it is read (each answer's total past the last): bounded by what the first answer promised
    const expected = Math.ceil(Math.max(0, (firstTotal ?? 0) - startOffset) / Math.max(1, pageSize - overlapFor(next)));
    if (until === undefined && fetches > 2 * expected + 2 * WALK_SLACK) {
      throw inconsistent(`the list grew past what its first answer reported (${firstTotal}) at every page; last total ${page.total}`);
    }
    const prefetch = !((page.bytes ?? 0) > PREFETCH_MAX_BYTES);
    if (end !== null || !prefetch) discard();
    // on the wire before the caller's synchronous write: undici sends when the event loop turns
    else if (fill(requestOffset(next), next)) await new Promise((r) => setImmediate(r));
    const step: WalkStep = { page, offset: o, fresh, before: last, cursor: next, end, drift };
    drift = 0;
    cursor = next;
    yield step;
    if (!prefetch) collectGarbage(); // the caller is done with a very large page: free it before the next
    if (end !== null) return;
    if (!prefetch) fill(requestOffset(next), next);
  }
  } finally {
    discard(); // a walk that ends, throws or is abandoned leaves nothing running
  }
}
