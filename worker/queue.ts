import type { Job, JobsOptions, Queue, RedisOptions } from 'bullmq';
import { HcsyncError, UsageError } from '../contract/errors.js';
import { isHelpcenterId } from '../contract/params.js';
import type { DeleteLimit, SyncMode } from '../store/index.js';
import { DEFAULTS } from './defaults.js';
import type { SyncSummary } from './events.js';

/**
 * The sync queue: its name, how to reach Redis, what a job carries and the
 * options every sync job gets. Producers (`schedule`, `status`, tests) and the
 * worker share these definitions.
 */

export const DEFAULT_QUEUE: string = DEFAULTS.queue;
export const DEFAULT_REDIS_URL: string = DEFAULTS.redisUrl;
export const JOB_NAME = 'sync';

/**
 * What a job carries — and all it carries. Redis keeps job data in plain
 * text, so the token stays with the worker (its own flags or environment).
 */
export interface SyncJobData {
  helpcenter: string;
  mode: SyncMode;
  /** the schedule's mass-deletion guard, when `schedule add --max-delete` set one */
  maxDelete?: DeleteLimit;
  /** the schedule's pages in flight for full sweeps, when `schedule add --concurrency` set it */
  concurrency?: number;
}

/** A job's return value: the run summary, or a note that it was skipped. */
export type SyncJobResult = SyncSummary | { skipped: 'busy'; helpcenter: string; mode: SyncMode };

/** Names are plain strings: BullMQ types a scheduler's id with the job-name type. */
export type SyncQueue = Queue<SyncJobData, SyncJobResult, string>;
export type SyncJob = Job<SyncJobData, SyncJobResult, string>;

/**
 * Options of every sync job, scheduled or enqueued by hand. Transient
 * failures (upstream down after the client's own retries, a busy disk)
 * retry after 15 s, 30 s, 60 s, 120 s; permanent ones fail at once
 * (UnrecoverableError). Finished jobs are kept a while for `status`.
 */
export const JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 15_000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 1000 },
} as const satisfies JobsOptions;

export interface WorkerConfig {
  redisUrl: string;
  queue: string;
  /** sync jobs run in parallel by this process (of different helpcenters: the sync lock serialises the rest) */
  concurrency: number;
  /** BullMQ job lock; a killed worker's job is taken over within about lockDuration + stalledInterval */
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** a helpcenter busy elsewhere: try the job again after this (plus up to 50 % jitter) */
  busyDelayMs: number;
  /** incremental runs: re-read activity this far before the watermark */
  lookbackMs: number;
  /** mass-deletion guard of full sweeps (a job's own `maxDelete` wins) */
  maxDelete: DeleteLimit;
  /** pages a full sweep keeps in flight, at most (a job's own `concurrency` wins) */
  pageConcurrency: number;
  /** recreate the BullMQ Worker when no `ready` follows a disconnect within this */
  readyTimeoutMs: number;
  /** log a `job.page` line every N pages (and the first) */
  logEveryPages: number;
}

/** The worker's defaults, all from worker/defaults.ts: BullMQ's lock and stall defaults, the sync's lookback, guard and pages in flight. */
export const WORKER_DEFAULTS = {
  concurrency: DEFAULTS.worker.concurrency,
  lockDurationMs: DEFAULTS.worker.lockDurationMs,
  stalledIntervalMs: DEFAULTS.worker.stalledIntervalMs,
  busyDelayMs: DEFAULTS.worker.busyDelayMs,
  lookbackMs: DEFAULTS.lookbackMs,
  maxDelete: DEFAULTS.maxDelete,
  pageConcurrency: DEFAULTS.pageConcurrency,
  readyTimeoutMs: DEFAULTS.worker.readyTimeoutMs,
  logEveryPages: DEFAULTS.worker.logEveryPages,
} as const satisfies Partial<WorkerConfig>;

/** Check what a job carries (job data comes from Redis: trust nothing). */
export function parseJobData(data: unknown): SyncJobData {
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const { helpcenter, mode } = d;
  if (typeof helpcenter !== 'string' || !isHelpcenterId(helpcenter)) {
    throw new HcsyncError('E_JOB_DATA', `job data has no valid helpcenter id (24 hex characters): ${JSON.stringify(helpcenter ?? null)}`);
  }
  if (mode !== 'full' && mode !== 'incremental') {
    throw new HcsyncError('E_JOB_DATA', `job data has mode ${JSON.stringify(mode ?? null)}; expected "full" or "incremental"`);
  }
  const out: SyncJobData = { helpcenter: helpcenter.toLowerCase(), mode };
  const md = d.maxDelete as Record<string, unknown> | undefined;
  if (md !== undefined) {
    const ok =
      typeof md === 'object' && md !== null &&
      ((typeof md.fraction === 'number' && md.fraction >= 0 && md.fraction <= 1) || (Number.isSafeInteger(md.count) && (md.count as number) >= 0));
    if (!ok) throw new HcsyncError('E_JOB_DATA', `job data has maxDelete ${JSON.stringify(md)}; expected {fraction} in [0, 1] or {count}`);
    out.maxDelete = typeof md.fraction === 'number' ? { fraction: md.fraction } : { count: md.count as number };
  }
  const cc = d.concurrency;
  if (cc !== undefined) {
    if (!Number.isSafeInteger(cc) || (cc as number) < 1 || (cc as number) > 16) {
      throw new HcsyncError('E_JOB_DATA', `job data has concurrency ${JSON.stringify(cc)}; expected a whole number 1..16`);
    }
    out.concurrency = cc as number;
  }
  return out;
}

/** The URL for messages and logs: no password. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid Redis URL)';
  }
}

/** `redis://[user:password@]host[:port][/db]`, `rediss://` for TLS. */
export function parseRedisUrl(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`the Redis URL must look like redis://host:6379, got "${describeRedisUrl(url)}"`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new UsageError(`the Redis URL must start with redis:// or rediss://, got "${describeRedisUrl(url)}"`);
  }
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^[0-9]+$/.test(db)) throw new UsageError(`the Redis URL's path must be a database number, got "/${db}"`);
  const o: RedisOptions = { host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: u.port ? Number(u.port) : 6379 };
  if (u.username) o.username = decodeURIComponent(u.username);
  if (u.password) o.password = decodeURIComponent(u.password);
  if (db !== '') o.db = Number(db);
  if (u.protocol === 'rediss:') o.tls = {};
  return o;
}

/**
 * The worker's connection: commands wait for a reconnect instead of failing
 * (BullMQ requires `maxRetriesPerRequest: null` for workers), reconnect
 * attempts at most 5 s apart (BullMQ's own default backs off to 20 s).
 */
export function workerConnection(url: string): RedisOptions {
  return { ...parseRedisUrl(url), maxRetriesPerRequest: null, retryStrategy: (times: number) => Math.min(250 * times, 5000) };
}

/** A short-lived producer connection: gives up rather than hang when Redis is away. */
export function producerConnection(url: string, timeoutMs: number): RedisOptions {
  return { ...parseRedisUrl(url), connectTimeout: timeoutMs, maxRetriesPerRequest: 1, retryStrategy: () => null };
}

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export interface QueueAccess {
  redisUrl: string;
  queue: string;
  /** bound on connecting (and on each call through `withQueue`) */
  timeoutMs?: number;
  /** only reading (status, list): do not write the queue's meta key either */
  readOnly?: boolean;
}

/**
 * Open the queue as a producer, run `fn`, always close. Fails within
 * `timeoutMs` with a one-line HcsyncError when Redis does not answer.
 */
export async function withQueue<T>(access: QueueAccess, fn: (q: SyncQueue) => Promise<T>): Promise<T> {
  const timeoutMs = access.timeoutMs ?? 5000;
  const where = describeRedisUrl(access.redisUrl);
  let lastError = '';
  const { Queue } = await import('bullmq');
  const q: SyncQueue = new Queue<SyncJobData, SyncJobResult, string>(access.queue, {
    connection: producerConnection(access.redisUrl, timeoutMs),
    skipMetasUpdate: access.readOnly === true,
  });
  q.on('error', (e: Error) => {
    lastError = e.message;
  });
  const unanswered = (ms: number) => () =>
    new HcsyncError('E_REDIS', `Redis at ${where} did not answer within ${ms / 1000} s${lastError ? ` (${lastError})` : ''}`);
  let ready = false;
  try {
    await withTimeout(q.waitUntilReady(), timeoutMs, unanswered(timeoutMs)).catch((e: unknown) => {
      if (e instanceof HcsyncError) throw e;
      throw new HcsyncError('E_REDIS', `Redis at ${where} is not reachable: ${lastError || (e instanceof Error ? e.message : String(e))}`);
    });
    ready = true;
    const callMs = Math.max(timeoutMs, 10_000);
    return await withTimeout(fn(q), callMs, unanswered(callMs));
  } finally {
    // close() waits for a connection that never came: only a ready queue is closed politely
    const closing = ready ? q.close() : q.disconnect();
    await withTimeout(closing, 1000, unanswered(1000)).catch(() => {});
  }
}

/**
 * Enqueue one sync now. While a job of the same helpcenter and mode is
 * waiting, delayed or running, another is not added (BullMQ deduplication;
 * never used on scheduler templates).
 */
export async function enqueueSync(queue: SyncQueue, data: SyncJobData, opts: { delayMs?: number } = {}): Promise<SyncJob> {
  return (await enqueueSyncOnce(queue, data, opts)).job;
}

/**
 * enqueueSync, telling whether a job was added or an equal one was already
 * waiting, delayed or running (then `job` carries that one's id).
 */
export async function enqueueSyncOnce(queue: SyncQueue, data: SyncJobData, opts: { delayMs?: number } = {}): Promise<{ job: SyncJob; added: boolean }> {
  const d = parseJobData(data);
  const job = await queue.add(JOB_NAME, d, {
    ...JOB_OPTIONS,
    deduplication: { id: `${d.mode}-${d.helpcenter}` },
    ...(opts.delayMs ? { delay: opts.delayMs } : {}),
  });
  // deduplicated: add() hands back the existing job's id with our own (unsaved) timestamp
  const stored = job.id === undefined ? undefined : await queue.getJob(job.id);
  return { job, added: stored !== undefined && stored.timestamp === job.timestamp };
}
