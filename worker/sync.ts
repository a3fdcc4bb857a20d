import { HcsyncError, SyncError } from '../contract/errors.js';
import type { Store, RunCounters, SyncMode, LockOwner, RejectedInput, SyncLock } from '../store/index.js';
import { lockOwner, zeroCounters } from '../store/index.js';
import { SyncEmitter, type SyncSummary } from './events.js';
import { MIN_OVERLAP, walk, type PageSource, type RemotePage, type WalkCursor, type WalkSpec } from './walk.js';

export interface SyncOptions {
  helpcenter: string;
  /** 'full' sweeps everything; 'incremental' falls back to full when no full sweep ever finished */
  mode: SyncMode;
  /** incremental: also re-read activity this far before the watermark (late or skewed timestamps) */
  lookbackMs?: number;
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
 * One sync run of one helpcenter: takes the helpcenter's sync lock, resumes
 * an interrupted full sweep from its checkpoint, pages the remote, writes
 * each page with its checkpoint in one transaction, and records the run.
 * Throws SyncBusyError at once while another run of the helpcenter holds
 * the lock (in any process on this host).
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
  const started = now();
  const hc = store.runs.ensureHelpcenter(helpcenter);
  const row = store.runs.helpcenter(helpcenter)!;
  const mode: SyncMode = opts.mode === 'incremental' && row.last_full_ms === null ? 'full' : opts.mode;
  const resume = mode === 'full' ? store.runs.resumable(hc, 'full') : undefined;
  const runId = store.runs.startRun(hc, mode, owner.owner, started, resume?.run_id ?? null);
  const counters = zeroCounters();
  const requests0 = source.requests;
  const ctx: RunContext = { store, source, hc, helpcenter, runId, counters, events, now, requests0, signal: opts.signal, rejectedSeen: new Set() };
  events.emit('start', { helpcenter, runId, mode, resumedFrom: resume?.run_id ?? null });
  try {
    if (mode === 'full') {
      const cp = resume?.checkpoint ? (JSON.parse(resume.checkpoint) as FullCheckpoint) : undefined;
      await fullSweep(ctx, cp ?? { sweepId: runId, cursor: { offset: 0, last: null } });
    } else {
      await incremental(ctx, row.watermark_ms ?? 0, opts.lookbackMs ?? 15 * 60_000);
    }
    counters.requests = source.requests - requests0;
    store.runs.saveProgress(runId, counters, null);
    const watermark = Math.min(started, store.runs.lastActivityMs(hc));
    store.runs.completeRun(runId, hc, mode, now(), watermark);
    const summary: SyncSummary = {
      helpcenter, runId, mode, status: 'ok', resumedFrom: resume?.run_id ?? null, ...counters, durationMs: now() - started,
    };
    events.emit('finish', summary);
    return summary;
  } catch (e) {
    counters.requests = source.requests - requests0;
    const aborted = opts.signal?.aborted === true;
    const err = e instanceof HcsyncError ? e : new SyncError('E_INTERNAL', e instanceof Error ? e.message : String(e));
    // keep the checkpoint saved with the last page: the next run resumes there
    store.runs.finishRun(runId, aborted ? 'interrupted' : 'failed', now(), { code: aborted ? 'E_ABORTED' : err.code, message: err.message });
    throw e;
  }
}

interface RunContext {
  store: Store;
  source: PageSource;
  hc: number;
  helpcenter: string;
  runId: number;
  counters: RunCounters;
  events: SyncEmitter;
  now: () => number;
  requests0: number;
  signal: AbortSignal | undefined;
  rejectedSeen: Set<string>;
}

/** Full sweep: CREATED ascending (new cases append at the end), every range verified, then tombstones. */
async function fullSweep(ctx: RunContext, start: FullCheckpoint): Promise<void> {
  const { sweepId } = start;
  for await (const step of walk(ctx.source, ctx.helpcenter, FULL, start.cursor, ctx.signal)) {
    ctx.signal?.throwIfAborted();
    noteDrift(ctx, step.drift, step.cursor.offset);
    const seenIds = step.page.cases.map((c) => c.keys.id);
    for (const r of step.page.rejected) if (r.id) seenIds.push(r.id.toLowerCase());
    ctx.counters.requests = ctx.source.requests - ctx.requests0;
    const checkpoint: FullCheckpoint = { sweepId, cursor: step.cursor };
    ctx.store.writePage({
      hc: ctx.hc,
      runId: ctx.runId,
      sweepId,
      nowMs: ctx.now(),
      cases: step.fresh,
      rejected: newRejections(ctx, step.page.rejected),
      verified: { afterId: step.before?.id ?? '', throughId: step.done ? null : step.cursor.last?.id ?? null, seenIds },
      counters: ctx.counters,
      checkpoint,
    });
    emitPage(ctx, 'sweep', step.page.total, step.cursor.offset);
  }
  ctx.counters.deleted += ctx.store.applyTombstones(sweepId, ctx.runId, ctx.hc, ctx.now());
}

/**
 * Incremental: recent activity (SENT descending down to the watermark minus
 * the lookback), then the open cases in full (STATE ascending until the
 * first CLOSED). Open cases the remote no longer lists as open are inferred
 * closed.
 */
async function incremental(ctx: RunContext, watermarkMs: number, lookbackMs: number): Promise<void> {
  const stopBefore = watermarkMs - lookbackMs;
  const olderThanWatermark = (page: RemotePage) => {
    const last = page.cases[page.cases.length - 1];
    return last !== undefined && last.keys.sentMs < stopBefore;
  };
  for await (const step of walk(ctx.source, ctx.helpcenter, RECENT, { offset: 0, last: null }, ctx.signal, olderThanWatermark, MIN_OVERLAP)) {
    ctx.signal?.throwIfAborted();
    noteDrift(ctx, step.drift, step.cursor.offset);
    writeSimple(ctx, step.fresh, step.page.rejected);
    emitPage(ctx, 'recent', step.page.total, step.cursor.offset);
  }
  const openIds: string[] = [];
  const reachesClosed = (page: RemotePage) => page.cases.some((c) => c.keys.stateRank === CLOSED_RANK);
  for await (const step of walk(ctx.source, ctx.helpcenter, OPEN_FIRST, { offset: 0, last: null }, ctx.signal, reachesClosed, MIN_OVERLAP)) {
    ctx.signal?.throwIfAborted();
    noteDrift(ctx, step.drift, step.cursor.offset);
    const open = step.page.cases.filter((c) => c.keys.stateRank < CLOSED_RANK);
    for (const c of open) openIds.push(c.keys.id);
    for (const r of step.page.rejected) if (r.id) openIds.push(r.id.toLowerCase());
    const fresh = step.fresh.filter((c) => c.keys.stateRank < CLOSED_RANK);
    writeSimple(ctx, fresh, step.page.rejected);
    emitPage(ctx, 'open', step.page.total, step.cursor.offset);
  }
  ctx.counters.inferredClosed += ctx.store.inferClosed(ctx.runId, ctx.hc, ctx.now(), openIds);
}

function writeSimple(ctx: RunContext, cases: Parameters<Store['writePage']>[0]['cases'], rejected: Parameters<Store['writePage']>[0]['rejected']): void {
  ctx.counters.requests = ctx.source.requests - ctx.requests0;
  ctx.store.writePage({ hc: ctx.hc, runId: ctx.runId, nowMs: ctx.now(), cases, rejected: newRejections(ctx, rejected), counters: ctx.counters, checkpoint: undefined });
}

/** Overlapping pages deliver some cases twice: record each rejection once per run. */
function newRejections(ctx: RunContext, rejected: readonly RejectedInput[]): RejectedInput[] {
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

function noteDrift(ctx: RunContext, steps: number, offset: number): void {
  if (steps === 0) return;
  ctx.counters.drift += steps;
  ctx.events.emit('drift', { helpcenter: ctx.helpcenter, runId: ctx.runId, steps, offset });
}

function emitPage(ctx: RunContext, phase: 'sweep' | 'recent' | 'open', total: number, offset: number): void {
  const c = ctx.counters;
  ctx.events.emit('page', { helpcenter: ctx.helpcenter, runId: ctx.runId, phase, pages: c.pages, cases: c.casesUpserted + c.unchanged, total, offset });
}
