import { hostname } from 'node:os';
import { DelayedError, MetricsTime, UnrecoverableError, Worker } from 'bullmq';
import { AuthError, HcsyncError, StoreError, SyncBusyError } from '../contract/errors.js';
import { lockOwner, type Store } from '../store/index.js';
import type { RemoteClient } from './client.js';
import { SyncEmitter } from './events.js';
import { oneLine, type LogFields, type Logger } from './log.js';
import type { ClientHooks, WorkerMetrics } from './metrics.js';
import { both, listenerErrorLogger, logRunEvents, refusalWarner, retryLogger } from './runlog.js';
import { describeRedisUrl, parseJobData, workerConnection, type SyncJob, type SyncJobData, type SyncJobResult, type WorkerConfig } from './queue.js';
import { runSync } from './sync.js';

/**
 * The BullMQ worker that runs sync jobs: one `runSync` per job, the
 * helpcenter's sync lock (store/lock.ts) as the real guard against two runs
 * of a helpcenter (delivery is at least once), typed errors mapped to
 * BullMQ's control flow (a permanent one, e.g. a corrupt store, is an
 * UnrecoverableError), and a
 * supervisor that recreates the BullMQ Worker when Redis does not come back
 * `ready` after a disconnect (workers have stopped after Redis restarts:
 * bullmq 648, 2466, 2964).
 */

/**
 * A job may be found stalled (its worker killed or frozen past its lock)
 * twice and still run; the third time it fails. One crash is routine
 * (deploys, OOM kills); a job that keeps killing its worker should stop.
 */
const MAX_STALLED_COUNT = 2;
/** A job interrupted by shutdown goes back to the queue this soon, for another worker or the next start. */
const REQUEUE_DELAY_MS = 1000;
/** Identical worker errors (Redis down: one per command) are logged at most this often. */
const ERROR_LOG_EVERY_MS = 5000;

export interface WorkerDeps {
  store: Store;
  /** a fresh client per job, with the run's hooks (log, metrics): each run counts its own requests; the token lives only in here */
  remote: (hooks: ClientHooks) => RemoteClient;
  log: Logger;
  /** counted when given (`worker --metrics-port`) */
  metrics?: WorkerMetrics;
  /** whether a token was configured: a refused sync without one says so, once per helpcenter */
  tokenGiven?: boolean;
}

/** What /healthz asks of the worker. */
export interface WorkerHealth {
  /** a BullMQ Worker exists and is taking jobs */
  running: boolean;
  /** Redis closed the worker's connection and it is not ready again yet */
  redisDown: boolean;
  stopping: boolean;
  activeRuns: number;
  /** the last run failed on the store itself (full disk, corrupt, deleted…) and no run has succeeded since: its error */
  storeFailure?: string;
}

class ShutdownAbort extends Error {
  constructor() {
    super('worker shutting down');
  }
}

export class SyncWorker {
  private worker: Worker<SyncJobData, SyncJobResult, string> | undefined;
  /** abort controllers of the runs in progress (of every Worker this process created) */
  private readonly running = new Set<AbortController>();
  private stopping = false;
  private readyTimer: NodeJS.Timeout | undefined;
  private down = false;
  /** see WorkerHealth.storeFailure */
  private storeFailure: string | undefined;
  private generation = 0;
  private readonly lastErrors = new Map<string, number>();
  private readonly warnRefused: (helpcenter: string, e: AuthError) => void;

  constructor(
    private readonly cfg: WorkerConfig,
    private readonly deps: WorkerDeps,
  ) {
    this.warnRefused = refusalWarner(deps.log, deps.tokenGiven !== false);
  }

  start(): void {
    this.deps.log.info('worker.start', {
      queue: this.cfg.queue,
      redis: describeRedisUrl(this.cfg.redisUrl),
      concurrency: this.cfg.concurrency,
      pid: process.pid,
      host: hostname(),
      lockDurationMs: this.cfg.lockDurationMs,
      stalledIntervalMs: this.cfg.stalledIntervalMs,
    });
    this.worker = this.createWorker();
  }

  /** For GET /healthz: is a Worker taking jobs, is Redis there, how many runs are going. */
  health(): WorkerHealth {
    return {
      running: !this.stopping && this.worker !== undefined && this.worker.isRunning(),
      redisDown: this.down,
      stopping: this.stopping,
      activeRuns: this.running.size,
      ...(this.storeFailure !== undefined ? { storeFailure: this.storeFailure } : {}),
    };
  }

  /**
   * Stop taking jobs, abort the runs in progress (each records 'interrupted'
   * with its last checkpoint and goes back to the queue), and close — within
   * `timeoutMs`, since `Worker.close()` has no timeout of its own.
   */
  async stop(timeoutMs: number, reason = 'stop'): Promise<boolean> {
    if (this.stopping) return false;
    this.stopping = true;
    clearTimeout(this.readyTimer);
    const w = this.worker;
    const t0 = Date.now();
    this.deps.log.info('worker.stopping', { reason, activeRuns: this.running.size });
    // close() first: it marks the worker closing, so a job that fails or is delayed now does not fetch the next
    const closing = w ? w.close() : Promise.resolve();
    for (const ac of this.running) ac.abort(new ShutdownAbort());
    const clean = await within(closing, timeoutMs);
    // the runs did not end in time: drop the connections (close(true) would only return the pending close);
    // their jobs are recovered as stalled
    if (!clean && w) await within(w.disconnect(), 1000);
    this.deps.log.info('worker.stop', { reason, outcome: clean ? 'clean' : 'timeout', durationMs: Date.now() - t0, activeRuns: this.running.size });
    return clean;
  }

  private createWorker(): Worker<SyncJobData, SyncJobResult, string> {
    const generation = ++this.generation;
    const w = new Worker<SyncJobData, SyncJobResult, string>(this.cfg.queue, (job, token) => this.process(job, token), {
      connection: workerConnection(this.cfg.redisUrl),
      concurrency: this.cfg.concurrency,
      lockDuration: this.cfg.lockDurationMs,
      stalledInterval: this.cfg.stalledIntervalMs,
      maxStalledCount: MAX_STALLED_COUNT,
      // completed/failed counts per minute, for BullMQ's own Prometheus export (bullmq_job_completed_total, …)
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
      name: `hcsync@${hostname()}:${process.pid}`,
    });
    w.on('error', (e: Error) => this.logError(e));
    w.on('ioredis:close', () => {
      if (w !== this.worker || this.stopping) return;
      if (!this.down) this.deps.log.warn('redis.down', { queue: this.cfg.queue, redis: describeRedisUrl(this.cfg.redisUrl) });
      this.down = true;
      this.watchReady(w);
    });
    let readyOnce = false;
    w.on('ready', () => {
      if (w !== this.worker) return;
      clearTimeout(this.readyTimer);
      this.readyTimer = undefined;
      if (this.down) this.deps.log.info('redis.ready', { queue: this.cfg.queue, generation });
      this.down = false;
      if (!readyOnce) this.deps.log.info('worker.ready', { queue: this.cfg.queue, generation });
      readyOnce = true;
    });
    w.on('stalled', (jobId: string) => this.deps.log.warn('job.stalled', { jobId }));
    // until the first `ready`, a Redis that never answers is also a reason to start over
    this.watchReady(w);
    return w;
  }

  private watchReady(w: Worker<SyncJobData, SyncJobResult, string>): void {
    if (this.readyTimer !== undefined || this.stopping) return;
    this.readyTimer = setTimeout(() => {
      this.readyTimer = undefined;
      void this.recreate(w);
    }, this.cfg.readyTimeoutMs);
  }

  /** Replace a Worker that did not get `ready` in time. Its runs go on; their jobs are recovered as stalled if needed. */
  private async recreate(old: Worker<SyncJobData, SyncJobResult, string>): Promise<void> {
    if (old !== this.worker || this.stopping) return;
    this.deps.log.warn('worker.recreate', { queue: this.cfg.queue, reason: `no Redis ready within ${this.cfg.readyTimeoutMs} ms`, activeRuns: this.running.size });
    this.worker = undefined;
    if (!(await within(old.close(true), 5000))) await within(old.disconnect(), 1000);
    if (this.stopping) return;
    this.worker = this.createWorker();
  }

  private logError(e: Error): void {
    const msg = oneLine(e);
    const now = Date.now();
    const last = this.lastErrors.get(msg);
    if (last !== undefined && now - last < ERROR_LOG_EVERY_MS) return;
    this.lastErrors.set(msg, now);
    if (this.lastErrors.size > 100) this.lastErrors.clear();
    this.deps.log.warn('worker.error', { error: msg });
  }

  private async process(job: SyncJob, token: string | undefined): Promise<SyncJobResult> {
    const { log } = this.deps;
    let data: SyncJobData;
    try {
      data = parseJobData(job.data);
    } catch (e) {
      log.error('job.finish', { jobId: job.id, outcome: 'failed', error: oneLine(e) });
      throw new UnrecoverableError(oneLine(e));
    }
    if (this.stopping) {
      // fetched while closing: leave it to the next worker without recording a run
      await job.moveToDelayed(Date.now() + REQUEUE_DELAY_MS, token);
      throw new DelayedError();
    }
    const ac = new AbortController();
    this.running.add(ac);
    const attempt = job.attemptsMade + 1;
    const fields: Record<string, string | number | null | undefined> = { jobId: job.id, helpcenter: data.helpcenter, mode: data.mode, attempt };
    const t0 = Date.now();
    const progress = { pages: 0, cases: 0, total: 0 };
    let progressPending = false;
    const events = new SyncEmitter(listenerErrorLogger(log, () => fields));
    logRunEvents(events, log, () => fields);
    const observed = this.deps.metrics?.observeRun(data.helpcenter, events);
    const ended = (outcome: string, ran: boolean) => this.deps.metrics?.runEnded(data.helpcenter, String(fields.mode), outcome, Date.now() - t0, ran);
    events.on('start', (e) => {
      Object.assign(fields, { runId: e.runId, mode: e.mode, resumedFrom: e.resumedFrom });
      log.info('job.start', { ...fields, scheduler: job.repeatJobKey ?? null });
    });
    events.on('page', (e) => {
      Object.assign(progress, { pages: e.pages, cases: e.cases, total: e.total });
      if (!progressPending) {
        // one update in flight at a time: while Redis is away they would queue up, one per page
        progressPending = true;
        job
          .updateProgress({ ...progress })
          .catch(() => {})
          .finally(() => (progressPending = false));
      }
      if (e.pages === 1 || e.pages % this.cfg.logEveryPages === 0) log.info('job.page', { ...fields, phase: e.phase, ...progress });
    });
    const client = this.deps.remote({ onRetry: both(retryLogger(log, () => fields), observed?.onRetry), onAttempt: observed?.onAttempt });
    try {
      const s = await runSync(this.deps.store, client, {
        helpcenter: data.helpcenter,
        mode: data.mode,
        lookbackMs: this.cfg.lookbackMs,
        maxDelete: data.maxDelete ?? this.cfg.maxDelete,
        concurrency: data.concurrency ?? this.cfg.pageConcurrency,
        signal: ac.signal,
        events,
        // a random id per run: two runs of this process never pass for one
        owner: lockOwner('worker'),
      });
      log.info('job.finish', {
        ...fields,
        outcome: 'ok',
        pages: s.pages,
        cases: s.casesUpserted + s.unchanged,
        casesUpserted: s.casesUpserted,
        messagesUpserted: s.messagesUpserted,
        deleted: s.deleted,
        requests: s.requests,
        durationMs: s.durationMs,
      });
      ended('ok', true);
      this.storeFailure = undefined;
      return s;
    } catch (e) {
      const end = (outcome: string, extra: LogFields = {}) => {
        ended(outcome, !outcome.endsWith('-busy'));
        const line = { ...fields, outcome, pages: progress.pages, cases: progress.cases, durationMs: Date.now() - t0, ...extra };
        if (outcome === 'failed') log.error('job.finish', line);
        else log.info('job.finish', line);
      };
      if (e instanceof SyncBusyError) {
        // a scheduled incremental tick while a run is going: that run covers it, the next tick comes anyway
        if (job.repeatJobKey && data.mode === 'incremental') {
          end('skipped-busy', { holder: e.owner });
          return { skipped: 'busy', helpcenter: data.helpcenter, mode: data.mode };
        }
        const delayMs = Math.round(this.cfg.busyDelayMs * (1 + Math.random() / 2));
        await job.moveToDelayed(Date.now() + delayMs, token);
        end('delayed-busy', { holder: e.owner, delayMs });
        throw new DelayedError();
      }
      if (ac.signal.aborted && ac.signal.reason instanceof ShutdownAbort) {
        // back to the queue without using an attempt; the next run resumes from the checkpoint
        await job.moveToDelayed(Date.now() + REQUEUE_DELAY_MS, token).catch((err: unknown) => this.logError(err instanceof Error ? err : new Error(String(err))));
        end('interrupted');
        throw new DelayedError();
      }
      if (e instanceof AuthError) this.warnRefused(data.helpcenter, e);
      const message = oneLine(e);
      const code = e instanceof HcsyncError ? e.code : 'E_INTERNAL';
      // a store this worker cannot write makes every job fail: /healthz says so until a run succeeds
      if (e instanceof StoreError && e.code !== 'E_STORE_BUSY') this.storeFailure = `${code}: ${message}`;
      if (e instanceof HcsyncError && e.permanent) {
        end('failed', { errorCode: code, error: message });
        throw new UnrecoverableError(message);
      }
      const attemptsLeft = (job.opts.attempts ?? 1) - attempt;
      end(attemptsLeft > 0 ? 'retry' : 'failed', { errorCode: code, error: message, attemptsLeft });
      throw new Error(message);
    } finally {
      this.running.delete(ac);
      await client.close().catch(() => {});
    }
  }
}

/** true if `p` settled within `ms` (a rejection counts as settled). */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(
      () => true,
      () => true,
    ), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
