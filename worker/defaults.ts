import type { DeleteLimit } from '../store/index.js';
import type { RetryPolicy } from './retry.js';

/**
 * Every default of the sync, the remote client, the schedules and the worker,
 * in one place (docs/decisions.md#defaults-in-one-place). The library reads
 * these when an option is left out, and the command line writes its
 * `.default(...)` values (what `--help` shows) from them, so the two cannot
 * disagree. Durations in ms, sizes in bytes. Imports only types: any module
 * may read it without an import cycle.
 */
export const DEFAULTS = {
  /** incremental runs: activity this far before the watermark is read again */
  lookbackMs: 15 * 60_000,
  /** mass-deletion guard: one sweep tombstones at most 10 % of the live cases (docs/sync.md#mass-deletion-guard) */
  maxDelete: { fraction: 0.1 } as DeleteLimit,
  /** pages a full sweep keeps in flight, at most (docs/decisions.md#pages-in-flight-adapt) */
  pageConcurrency: 4,
  /** largest response body accepted (docs/sync.md#bounded) */
  maxPageBytes: 256 * 1024 * 1024,
  /** per request: attempts (the first included), total time, backoff base and ceiling (docs/sync.md#retries) */
  retry: { attempts: 6, totalTimeMs: 60_000, baseDelayMs: 500, maxDelayMs: 10_000 } as RetryPolicy,
  /** `schedule add`: incremental interval and full-sweep cron pattern */
  everyMs: 5 * 60_000,
  fullCron: '0 3 * * *',
  /** the queue: Redis and queue name (one queue per store) */
  redisUrl: 'redis://127.0.0.1:6379',
  queue: 'hcsync-sync',
  /** the BullMQ worker: BullMQ's lock and stall defaults; the rest chosen for a nightly-sweep, few-minute-increment workload */
  worker: {
    concurrency: 1,
    lockDurationMs: 30_000,
    stalledIntervalMs: 30_000,
    busyDelayMs: 10_000,
    readyTimeoutMs: 30_000,
    logEveryPages: 10,
    /** on SIGINT/SIGTERM, wait this long for running syncs to record their checkpoint */
    shutdownTimeoutMs: 8_000,
  },
} as const;
