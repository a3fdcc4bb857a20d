import type { DeleteLimit } from '../store/index.js';
import type { SyncMode } from '../store/index.js';
import { DEFAULTS } from './defaults.js';
import { JOB_NAME, JOB_OPTIONS, type SyncQueue } from './queue.js';

/**
 * Per-helpcenter schedules as BullMQ job schedulers. Their ids derive from
 * the helpcenter (`incremental:<id>`, `full:<id>`), so adding again replaces
 * and never duplicates. Only the `schedule` command calls these: upserting
 * on every worker start has produced duplicate and stopped schedulers
 * (bullmq 2876, 3272). Templates carry no deduplication (bullmq 2954).
 */

export const DEFAULT_EVERY_MS: number = DEFAULTS.everyMs;
export const DEFAULT_FULL_CRON: string = DEFAULTS.fullCron;

export interface Schedule {
  helpcenter: string;
  /** incremental interval in ms (null: none) */
  every: number | null;
  /** full-sweep cron pattern (null: none) */
  fullCron: string | null;
  /** IANA time zone the cron pattern is read in (null: the local time of whichever host computes the next run) */
  tz: string | null;
  /** the next run of either, ms since the epoch (null: none) */
  next: number | null;
}

const SCHEDULER_ID = /^(incremental|full):([0-9a-f]{24})$/;

/** Why a cron pattern (in a time zone) is unusable (undefined: fine), by the same parser the scheduler uses. */
export async function cronProblem(pattern: string, tz?: string): Promise<string | undefined> {
  const { defaultRepeatStrategy } = await import('bullmq');
  try {
    return defaultRepeatStrategy(Date.now(), { pattern, ...(tz ? { tz } : {}) }) === undefined ? 'it never fires' : undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function schedulerId(mode: SyncMode, helpcenter: string): string {
  return `${mode}:${helpcenter.toLowerCase()}`;
}

export interface ScheduleOptions {
  everyMs: number;
  fullCron: string;
  tz?: string;
  maxDelete?: DeleteLimit;
  concurrency?: number;
}

/** Create or replace both schedulers of a helpcenter; the full one first, so a bad cron changes nothing. */
export async function upsertSchedule(queue: SyncQueue, helpcenter: string, opts: ScheduleOptions): Promise<Schedule> {
  return (await upsertSchedules(queue, [helpcenter], opts))[0]!;
}

/**
 * upsertSchedule for several helpcenters with one connection, listing the
 * schedulers once at the end (issue 13). Returns their schedules in the
 * order given. The ids are checked by the caller; a Redis failure part way
 * leaves the helpcenters before it scheduled.
 */
export async function upsertSchedules(queue: SyncQueue, helpcenters: readonly string[], opts: ScheduleOptions): Promise<Schedule[]> {
  for (const h of helpcenters) await upsertOne(queue, h.toLowerCase(), opts);
  const all = new Map((await listSchedules(queue)).map((s) => [s.helpcenter, s]));
  return helpcenters.map((h) => {
    const hc = h.toLowerCase();
    return all.get(hc) ?? { helpcenter: hc, every: opts.everyMs, fullCron: opts.fullCron, tz: opts.tz ?? null, next: null };
  });
}

async function upsertOne(queue: SyncQueue, hc: string, opts: ScheduleOptions): Promise<void> {
  // the guard travels with the full sweep's job (no secret in it); without one the worker's own applies
  const full = {
    helpcenter: hc,
    mode: 'full' as const,
    ...(opts.maxDelete ? { maxDelete: opts.maxDelete } : {}),
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
  };
  await queue.upsertJobScheduler(schedulerId('full', hc), { pattern: opts.fullCron, ...(opts.tz ? { tz: opts.tz } : {}) }, { name: JOB_NAME, data: full, opts: JOB_OPTIONS });
  await queue.upsertJobScheduler(
    schedulerId('incremental', hc),
    { every: opts.everyMs },
    { name: JOB_NAME, data: { helpcenter: hc, mode: 'incremental' }, opts: JOB_OPTIONS },
  );
}

/** Remove both schedulers of a helpcenter (and their pending next jobs); the number removed. */
export async function removeSchedule(queue: SyncQueue, helpcenter: string): Promise<number> {
  const hc = helpcenter.toLowerCase();
  let removed = 0;
  for (const mode of ['incremental', 'full'] as const) if (await queue.removeJobScheduler(schedulerId(mode, hc))) removed++;
  return removed;
}

/** One entry per helpcenter with a scheduler, by helpcenter id; schedulers we did not create are ignored. */
export async function listSchedules(queue: SyncQueue): Promise<Schedule[]> {
  const byHc = new Map<string, Schedule>();
  for (const s of await queue.getJobSchedulers(0, -1, true)) {
    const m = SCHEDULER_ID.exec(s.key);
    if (!m) continue;
    const [, mode, hc] = m as unknown as [string, SyncMode, string];
    const e = byHc.get(hc) ?? { helpcenter: hc, every: null, fullCron: null, tz: null, next: null };
    if (mode === 'incremental') e.every = s.every ?? null;
    else {
      e.fullCron = s.pattern ?? null;
      e.tz = s.tz || null;
    }
    if (typeof s.next === 'number' && (e.next === null || s.next < e.next)) e.next = s.next;
    byHc.set(hc, e);
  }
  return [...byHc.values()].sort((a, b) => (a.helpcenter < b.helpcenter ? -1 : 1));
}
