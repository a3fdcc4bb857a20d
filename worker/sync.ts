import { HcsyncError, SyncError } from '../contract/errors.js';
import type { Store, RunCounters, SyncMode, LockOwner, RejectedCase, WriteCounts, DeliveredCase, DeleteLimit, SyncLock } from '../store/index.js';
import { lockOwner, zeroCounters } from '../store/index.js';
import { ConcurrencyControl, DEFAULT_CONCURRENCY } from './concurrency.js';
import { DEFAULTS } from './defaults.js';
import { SyncEmitter, type SyncSummary } from './events.js';
import { MIN_OVERLAP, startCursor, walk, type PageSource, type RemotePage, type WalkCursor, type WalkSpec, type WalkStep } from './walk.js';

/** The mass-deletion guard's default (docs/sync.md#mass-deletion-guard): 10 % of the live cases. */
export const DEFAULT_MAX_DELETE: DeleteLimit = DEFAULTS.maxDelete;
/** The incremental's default lookback: activity this far before the watermark is read again. */
export const DEFAULT_LOOKBACK_MS: number = DEFAULTS.lookbackMs;

export interface SyncOptions {
  helpcenter: string;
  /** 'full' sweeps everything; 'incremental' falls back to full when no full sweep ever finished */
  mode: SyncMode;
  /** incremental: also re-read activity this far before the watermark (ms; late or skewed timestamps) */
  lookbackMs?: number;
  /** mass-deletion guard: the most one sweep may tombstone (default DEFAULT_MAX_DELETE) */
  maxDelete?: DeleteLimit;
  /** pages a full sweep keeps in flight, at most (adaptive below it; default DEFAULT_CONCURRENCY, 1..16) */
  concurrency?: number;
  /** who runs it, shown to a run that finds the helpcenter busy (default: this process, with a random id) */
  owner?: LockOwner;
  signal?: AbortSignal;
  events?: SyncEmitter;
  now?: () => number;
}

const FULL: WalkSpec = { state: 'ALL', sortBy: 'CREATED', sortOrder: 'asc' };
const RECENT: WalkSpec = { state: 'ALL', sortBy: 'SENT', sortOrder: 'desc' };
const OPEN_FIRST: WalkSpec = { state: 'ALL', sortBy: 'STATE', sortOrder: 'asc' };
const CLOSED_RANK = 2;

interface FullCheckpoint {
  /** the run that began this sweep: cases found missing are recorded under it */
  sweepId: number;
  cursor: WalkCursor;
}

/**
 * One sync run of one helpcenter: takes the helpcenter's sync lock (held by
 * the kernel: released when this process dies), resumes an interrupted full
 * sweep from its checkpoint, pages the remote, writes each page with its
 * checkpoint in one transaction, and records the run. Resolves with the
 * run's summary; rejects with the typed error that ended it (the run is
 * recorded failed or interrupted first): SyncBusyError at once while
 * another run of the helpcenter holds the lock (any process on this host),
 * UpstreamError/AuthError/RemoteRejectedError from the client, SyncError
 * E_REMOTE_INCONSISTENT when the remote's answers contradict each other
 * beyond the walk's bound.
 */
export async function runSync(store: Store, source: PageSource, opts: SyncOptions): Promise<SyncSummary> {
  let lock: SyncLock | undefined;
  try {
    // inside the try: whatever throws after this releases the lock
    lock = store.lockHelpcenter(opts.helpcenter, opts.owner ?? lockOwner(), (opts.now ?? Date.now)());
    return await runLocked(store, source, opts, lock.owner);
  } finally {
    lock?.release();
  }
}

async function runLocked(store: Store, source: PageSource, opts: SyncOptions, owner: LockOwner): Promise<SyncSummary> {
  const now = opts.now ?? Date.now;
  const events = opts.events ?? new SyncEmitter();
  const helpcenter = opts.helpcenter.toLowerCase();
  let runId: number | undefined;
  const requests0 = source.requests;
  let ctx: RunContext | undefined;
  try {
    const started = now();
    const hc = store.runs.ensureHelpcenter(helpcenter);
    const row = store.runs.helpcenter(helpcenter)!;
    const mode: SyncMode = opts.mode === 'incremental' && row.last_full_ms === null ? 'full' : opts.mode;
    const resume = mode === 'full' ? store.runs.resumable(hc, 'full') : undefined;
    runId = store.runs.startRun(hc, mode, owner.owner, started, resume?.run_id ?? null);
    const control = new ConcurrencyControl(opts.concurrency ?? DEFAULT_CONCURRENCY, (c) => events.emit('concurrency', { helpcenter, runId: runId!, ...c }));
    ctx = {
      store, source, hc, helpcenter, runId, events, now, signal: opts.signal, control,
      counters: zeroCounters(), rejectedSeen: new Set(),
      requests: () => source.requests - requests0,
    };
    events.emit('start', { helpcenter, runId, mode, resumedFrom: resume?.run_id ?? null });
    if (mode === 'full') {
      events.emit('concurrency', { helpcenter, runId, from: 0, to: control.limit, reason: 'the sweep starts' });
      const cp = resume?.checkpoint ? (JSON.parse(resume.checkpoint) as FullCheckpoint) : undefined;
      await fullSweep(ctx, cp ?? { sweepId: runId, cursor: startCursor() }, opts.maxDelete ?? DEFAULT_MAX_DELETE);
    } else {
      await incremental(ctx, row.watermark_ms ?? 0, opts.lookbackMs ?? DEFAULT_LOOKBACK_MS);
    }
    ctx.counters = { ...ctx.counters, requests: ctx.requests() };
    store.runs.saveProgress(runId, ctx.counters, null);
    const watermark = Math.min(started, store.runs.lastActivityMs(hc));
    store.runs.completeRun(runId, hc, mode, now(), watermark);
    const summary: SyncSummary = {
      helpcenter, runId, mode, status: 'ok', resumedFrom: resume?.run_id ?? null, ...ctx.counters,
      concurrency: mode === 'full' ? control.reached : 1, durationMs: now() - started,
    };
    events.emit('finish', summary);
    return summary;
  } catch (e) {
    if (runId !== undefined) {
      const aborted = opts.signal?.aborted === true;
      const err = e instanceof HcsyncError ? e : new SyncError('E_INTERNAL', e instanceof Error ? e.message : String(e));
      if (ctx) store.runs.saveProgress(runId, { ...ctx.counters, requests: ctx.requests() }, undefined);
      // the checkpoint saved with the last page stays: the next run resumes there
      store.runs.finishRun(runId, aborted ? 'interrupted' : 'failed', now(), { code: aborted ? 'E_ABORTED' : err.code, message: err.message });
    }
    throw e;
  }
}

interface RunContext {
  store: Store;
  source: PageSource;
  hc: number;
  helpcenter: string;
  runId: number;
  /** the run's counters: replaced (never mutated) after each committed page */
  counters: RunCounters;
  events: SyncEmitter;
  now: () => number;
  signal: AbortSignal | undefined;
  /** pages in flight for the full sweep */
  control: ConcurrencyControl;
  rejectedSeen: Set<string>;
  /** HTTP requests this run has sent, retries included: the one place this is computed */
  requests: () => number;
}

/** The counters after one committed page. */
function afterPage(c: RunCounters, w: WriteCounts, requests: number): RunCounters {
  return {
    ...c,
    pages: c.pages + 1,
    requests,
    casesUpserted: c.casesUpserted + w.inserted + w.updated,
    messagesUpserted: c.messagesUpserted + w.messages,
    unchanged: c.unchanged + w.unchanged,
    rejected: c.rejected + w.rejected,
    warnings: c.warnings + w.warnings,
  };
}

/** Write one page (and the full sweep's checkpoint) in one transaction; the counters follow. */
function commitPage(
  ctx: RunContext,
  cases: readonly DeliveredCase[],
  rejected: readonly RejectedCase[],
  sweep?: { sweepId: number; verified: { afterId: string; throughId: string | null; seenIds: readonly string[] }; checkpoint: FullCheckpoint },
): void {
  const { counters } = ctx.store.writePage({
    hc: ctx.hc,
    runId: ctx.runId,
    nowMs: ctx.now(),
    cases,
    rejected: newRejections(ctx, rejected),
    ...(sweep ? { sweepId: sweep.sweepId, verified: sweep.verified, checkpoint: sweep.checkpoint } : { checkpoint: undefined }),
    progress: (w) => afterPage(ctx.counters, w, ctx.requests()),
  });
  ctx.counters = counters;
}

/**
 * Full sweep: CREATED ascending (new cases append at the end), every range
 * checked by the walk. Only a sweep the walk proved complete may tombstone,
 * and then no more than the mass-deletion guard allows (docs/sync.md#mass-deletion-guard).
 */
async function fullSweep(ctx: RunContext, start: FullCheckpoint, maxDelete: DeleteLimit): Promise<void> {
  const { sweepId } = start;
  let lastStep: WalkStep | undefined;
  let previous = new Set<string>();
  for await (const step of walk({ source: ctx.source, helpcenter: ctx.helpcenter, spec: FULL, start: start.cursor, signal: ctx.signal, concurrency: ctx.control })) {
    ctx.signal?.throwIfAborted();
    noteDrift(ctx, step);
    const seenIds = step.page.cases.map((c) => c.keys.id);
    for (const r of step.page.rejected) if (r.id) seenIds.push(r.id.toLowerCase());
    // the range this page checked: to the end of the list only when the walk proved the end
    const verified = { afterId: step.before?.id ?? '', throughId: step.end === 'proven' ? null : (step.cursor.last?.id ?? ''), seenIds };
    // the new cases, and any the remote listed out of order (behind the cursor, but not a re-read of the
    // previous page's overlap): such a case is written too, so a change to it is not lost
    const fresh = new Set(step.fresh.map((c) => c.keys.id));
    const cases = step.page.cases.filter((c) => fresh.has(c.keys.id) || !previous.has(c.keys.id));
    previous = new Set(step.page.cases.map((c) => c.keys.id));
    commitPage(ctx, cases, step.page.rejected, { sweepId, verified, checkpoint: { sweepId, cursor: step.cursor } });
    emitPage(ctx, 'sweep', step.page.total, step.cursor.offset);
    lastStep = step;
  }
  const doubt = lastStep?.cursor.doubt ?? 'the sweep ended without an answer';
  if (lastStep?.end === 'proven' && lastStep.cursor.doubt === null) {
    const r = ctx.store.applyTombstones({ sweepId, runId: ctx.runId, hc: ctx.hc, nowMs: ctx.now(), maxDelete });
    ctx.counters = { ...ctx.counters, deleted: ctx.counters.deleted + r.deleted, heldDeletions: r.held, warnings: ctx.counters.warnings + (r.held > 0 ? 1 : 0) };
    if (r.held > 0) {
      ctx.events.emit('warning', { helpcenter: ctx.helpcenter, runId: ctx.runId, field: 'sweep', detail: r.message });
    }
  } else {
    // what this sweep did not see proves nothing: no tombstone, and the absences it noted are dropped
    ctx.store.abandonSweep(ctx.hc);
    const detail = `sweep not verified complete, nothing tombstoned: ${doubt}`;
    ctx.store.runs.recordRunWarning(ctx.runId, ctx.hc, 'sweep', detail, ctx.now());
    ctx.counters = { ...ctx.counters, warnings: ctx.counters.warnings + 1, heldDeletions: ctx.store.heldDeletions(ctx.hc) };
    ctx.events.emit('warning', { helpcenter: ctx.helpcenter, runId: ctx.runId, field: 'sweep', detail });
  }
}

/** What one walk of the open cases saw: each open id with the state rank it was seen in. */
interface OpenWalk {
  seen: Map<string, number>;
  doubt: string | null;
}

/**
 * Incremental: recent activity (SENT descending down to the watermark minus
 * the lookback), then the open cases (STATE ascending until the first
 * CLOSED). A local open case the open walk did not list is inferred closed
 * only with evidence (docs/sync.md#inferred-closes): the remote's own UNHANDLED and HANDLING
 * totals equal what the walk saw in each, or a second walk misses it too.
 */
async function incremental(ctx: RunContext, watermarkMs: number, lookbackMs: number): Promise<void> {
  const stopBefore = watermarkMs - lookbackMs;
  const olderThanWatermark = (page: RemotePage) => {
    const last = page.cases[page.cases.length - 1];
    return last !== undefined && last.keys.sentMs < stopBefore;
  };
  for await (const step of walk({ source: ctx.source, helpcenter: ctx.helpcenter, spec: RECENT, signal: ctx.signal, until: olderThanWatermark, overlap: MIN_OVERLAP })) {
    ctx.signal?.throwIfAborted();
    noteDrift(ctx, step);
    commitPage(ctx, step.fresh, step.page.rejected);
    emitPage(ctx, 'recent', step.page.total, step.cursor.offset);
  }
  const first = await walkOpen(ctx);
  let candidates = ctx.store.openCasesNotIn(ctx.hc, [...first.seen.keys()]);
  if (candidates.length === 0) return;
  if (!(await countsConfirm(ctx, first))) {
    // The counts contradict the walk (a case moved behind it, or the remote
    // orders STATE differently than assumed): walk the UNHANDLED and HANDLING
    // lists themselves, which assume no state order, and infer only what they miss too.
    const second = await walkOpenLists(ctx);
    if (second === undefined) return;
    candidates = candidates.filter((id) => !second.has(id));
  }
  ctx.counters = { ...ctx.counters, requests: ctx.requests(), inferredClosed: ctx.counters.inferredClosed + ctx.store.inferClosed(ctx.runId, ctx.hc, ctx.now(), candidates) };
}

/** One walk of the open cases, writing what it brings. */
async function walkOpen(ctx: RunContext): Promise<OpenWalk> {
  const seen = new Map<string, number>();
  let doubt: string | null = null;
  const reachesClosed = (page: RemotePage) => page.cases.some((c) => c.keys.stateRank >= CLOSED_RANK);
  for await (const step of walk({ source: ctx.source, helpcenter: ctx.helpcenter, spec: OPEN_FIRST, signal: ctx.signal, until: reachesClosed, overlap: MIN_OVERLAP })) {
    ctx.signal?.throwIfAborted();
    noteDrift(ctx, step);
    for (const c of step.page.cases) if (c.keys.stateRank < CLOSED_RANK) seen.set(c.keys.id, c.keys.stateRank);
    commitPage(ctx, step.fresh.filter((c) => c.keys.stateRank < CLOSED_RANK), step.page.rejected);
    emitPage(ctx, 'open', step.page.total, step.cursor.offset);
    doubt = step.cursor.doubt;
  }
  return { seen, doubt };
}

/**
 * The second look: each open state's own list (CREATED ascending), walked
 * to its proven end. Undefined when either walk could not prove it saw the
 * whole list: then nothing may be inferred this run.
 */
async function walkOpenLists(ctx: RunContext): Promise<Set<string> | undefined> {
  const seen = new Set<string>();
  for (const state of ['UNHANDLED', 'HANDLING'] as const) {
    let end: WalkStep['end'] = null;
    for await (const step of walk({ source: ctx.source, helpcenter: ctx.helpcenter, spec: { state, sortBy: 'CREATED', sortOrder: 'asc' }, signal: ctx.signal, overlap: MIN_OVERLAP })) {
      ctx.signal?.throwIfAborted();
      noteDrift(ctx, step);
      for (const c of step.page.cases) seen.add(c.keys.id);
      commitPage(ctx, step.fresh, step.page.rejected);
      emitPage(ctx, 'open', step.page.total, step.cursor.offset);
      end = step.end;
    }
    if (end !== 'proven') return undefined;
  }
  return seen;
}

/** Ask the remote how many cases are UNHANDLED and HANDLING (two limit-1 requests): do they match what the walk saw? */
async function countsConfirm(ctx: RunContext, w: OpenWalk): Promise<boolean> {
  if (w.doubt !== null) return false;
  const count = async (state: 'UNHANDLED' | 'HANDLING') =>
    (await ctx.source.listCases({ id: ctx.helpcenter, state, sortBy: 'CREATED', sortOrder: 'asc', offset: 0, limit: 1 }, ctx.signal)).total;
  const [u, h] = [await count('UNHANDLED'), await count('HANDLING')];
  let seenU = 0;
  let seenH = 0;
  for (const rank of w.seen.values()) rank === 0 ? seenU++ : seenH++;
  return u === seenU && h === seenH;
}

/** Overlapping pages deliver some refused cases twice: record each once per run. */
function newRejections(ctx: RunContext, rejected: readonly RejectedCase[]): RejectedCase[] {
  return rejected.filter((r) => {
    let sig: string;
    try {
      sig = `${r.reason}\u0000${JSON.stringify(r.raw)}`;
    } catch {
      sig = `${r.reason}\u0000${r.id}`;
    }
    if (ctx.rejectedSeen.has(sig)) return false;
    ctx.rejectedSeen.add(sig);
    return true;
  });
}

function noteDrift(ctx: RunContext, step: WalkStep): void {
  if (step.drift === 0) return;
  ctx.counters = { ...ctx.counters, drift: ctx.counters.drift + step.drift };
  ctx.events.emit('drift', { helpcenter: ctx.helpcenter, runId: ctx.runId, steps: step.drift, offset: step.offset });
}

function emitPage(ctx: RunContext, phase: 'sweep' | 'recent' | 'open', total: number, offset: number): void {
  const c = ctx.counters;
  ctx.events.emit('page', {
    helpcenter: ctx.helpcenter, runId: ctx.runId, phase, pages: c.pages, cases: c.casesUpserted + c.unchanged, upserted: c.casesUpserted, warnings: c.warnings, total, offset,
  });
}
