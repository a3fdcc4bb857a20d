import { Option, type Command } from 'commander';
import { UsageError } from '../contract/errors.js';
import { safeLine } from '../contract/text.js';
import { oneLine } from '../worker/log.js';
import { describeRedisUrl, enqueueSyncOnce, parseJobData, withQueue, type SyncQueue } from '../worker/queue.js';
import { DEFAULT_EVERY_MS, DEFAULT_FULL_CRON, cronProblem, listSchedules, removeSchedule, upsertSchedules, type Schedule } from '../worker/schedules.js';
import {
  TIMER_BOUNDS, addHelpcentersOptions, addMaxDeleteOption, addPageConcurrencyOption, addQueueOptions, durationFlag, parseDeleteLimit,
  parseDuration, parseHelpcenters, parsePageConcurrency, queueOptions,
} from './options.js';
import { iso, printJson, table, type StatusExtension } from './output.js';

/** One entry of `schedule list --json`: times as ISO strings, `every` in ms; `tz` only when one was set. */
function scheduleJson(s: Schedule): { helpcenter: string; every: number | null; fullCron: string | null; tz?: string; next: string | null } {
  return { helpcenter: s.helpcenter, every: s.every, fullCron: s.fullCron, ...(s.tz ? { tz: s.tz } : {}), next: iso(s.next) };
}

/** `"0 3 * * *"`, or `"0 3 * * *" Europe/Copenhagen` with a time zone. */
function cronText(fullCron: string, tz: string | null): string {
  return `"${fullCron}"${tz ? ` ${tz}` : ''}`;
}

/** `--every`: at least 10 s (each run costs a page plus the open lists), at most what a timer can wait. */
const EVERY_BOUNDS = { minMs: 10_000, maxMs: TIMER_BOUNDS.maxMs };

/** An IANA time zone name, kept as written (ICU would rename Asia/Kolkata to Asia/Calcutta), or a usage error (empty included). */
function parseTimeZone(v: string): string {
  if (v.trim() === '') throw new UsageError('--tz must be an IANA time zone like Europe/Copenhagen or UTC, got ""; leave it out for host local time');
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: v });
    return v;
  } catch {
    throw new UsageError(`--tz must be an IANA time zone like Europe/Copenhagen or UTC, got "${v}"`);
  }
}

/** --json of a command given one helpcenter prints one object (as before issue 13); given several, an array of them. */
function printJsonFor<T>(items: T[]): void {
  printJson(items.length === 1 ? items[0] : items);
}

function describeSchedule(s: Schedule): string {
  const parts = [s.every !== null ? `incremental every ${durationFlag(s.every)}` : 'no incremental schedule', s.fullCron !== null ? `full sweep ${cronText(s.fullCron, s.tz)}` : 'no full-sweep schedule'];
  return `${parts.join(', ')}; next run ${iso(s.next) ?? 'none'}`;
}

export function registerSchedule(program: Command): void {
  const schedule = program.command('schedule').description('per-helpcenter schedules of the worker (BullMQ job schedulers), and syncs enqueued by hand');

  const add = schedule
    .command('add')
    .description('schedule incremental syncs every interval and a full sweep by cron; adding again replaces')
    .addOption(new Option('--every <duration>', 'incremental sync interval: 30s, 5m, 1h or milliseconds').env('HCSYNC_EVERY').default(durationFlag(DEFAULT_EVERY_MS)))
    .addOption(new Option('--full-cron <pattern>', 'full sweep cron pattern').env('HCSYNC_FULL_CRON').default(DEFAULT_FULL_CRON))
    .addOption(new Option('--tz <zone>', 'IANA time zone of the cron pattern, e.g. Europe/Copenhagen (default: host local time)').env('HCSYNC_TZ'))
    .option('--json', 'print the schedule as schedule list --json prints one (an array for several helpcenters)');
  addHelpcentersOptions(add);
  addMaxDeleteOption(add, { withDefault: false }); // unset: the worker's own --max-delete applies
  addPageConcurrencyOption(add, '--concurrency', { withDefault: false }); // unset: the worker's --page-concurrency
  addQueueOptions(add);
  add.action(async (raw: Record<string, unknown>, cmd: Command) => {
    const helpcenters = parseHelpcenters(raw, cmd.getOptionValueSource('helpcenter') === 'env');
    const everyMs = parseDuration(String(raw.every), '--every', EVERY_BOUNDS);
    const fullCron = String(raw.fullCron).trim();
    const tz = raw.tz === undefined ? undefined : parseTimeZone(String(raw.tz).trim());
    const fields = fullCron.split(/\s+/).length;
    const problem = fields < 5 || fields > 6 ? 'use 5 fields (or 6, seconds first)' : await cronProblem(fullCron, tz);
    if (problem) throw new UsageError(`--full-cron must be a cron pattern like "0 3 * * *", got "${fullCron}": ${oneLine(problem)}`);
    const opts = {
      everyMs,
      fullCron,
      ...(tz ? { tz } : {}),
      ...(raw.maxDelete !== undefined ? { maxDelete: parseDeleteLimit(raw.maxDelete) } : {}),
      ...(raw.concurrency !== undefined ? { concurrency: parsePageConcurrency(raw.concurrency) } : {}),
    };
    const all = await withQueue(queueOptions(raw), (q) => upsertSchedules(q, helpcenters, opts));
    if (raw.json) printJsonFor(all.map(scheduleJson));
    else process.stdout.write(all.map((s) => `scheduled helpcenter ${s.helpcenter}: ${describeSchedule(s)}\n`).join(''));
  });

  const list = schedule.command('list').description('the schedules, one per helpcenter').option('--json', 'print a JSON array: {helpcenter, every (ms), fullCron, [tz,] next (ISO)}');
  addQueueOptions(list);
  list.action(async (raw: Record<string, unknown>) => {
    const all = await withQueue({ ...queueOptions(raw), readOnly: true }, listSchedules);
    if (raw.json) {
      printJson(all.map(scheduleJson));
      return;
    }
    if (all.length === 0) {
      process.stdout.write('no schedules\n');
      return;
    }
    const rows = all.map((s) => [s.helpcenter, s.every !== null ? durationFlag(s.every) : '', s.fullCron === null ? '' : `${s.fullCron}${s.tz ? ` (${s.tz})` : ''}`, iso(s.next) ?? '']);
    process.stdout.write(`${table(['helpcenter', 'every', 'full cron', 'next run'], rows, [24, 8, 36, 24])}\n`);
  });

  const run = schedule
    .command('run')
    .description('enqueue one sync of each helpcenter now, for the worker to run (not again while an equal one waits or runs)')
    .option('--full', 'a full sweep instead of an incremental sync')
    .option('--json', 'print {jobId, helpcenter, mode, added} (an array for several helpcenters)');
  addHelpcentersOptions(run);
  addQueueOptions(run);
  run.action(async (raw: Record<string, unknown>, cmd: Command) => {
    const helpcenters = parseHelpcenters(raw, cmd.getOptionValueSource('helpcenter') === 'env');
    const mode = raw.full ? 'full' : 'incremental';
    const results = await withQueue(queueOptions(raw), async (q) => {
      const out = [];
      for (const helpcenter of helpcenters) out.push({ helpcenter, ...(await enqueueSyncOnce(q, { helpcenter, mode })) });
      return out;
    });
    if (raw.json) {
      printJsonFor(results.map(({ job, helpcenter, added }) => ({ jobId: job.id ?? null, helpcenter, mode, added })));
      return;
    }
    for (const { job, helpcenter, added } of results) {
      const what = `${mode === 'full' ? 'a full sweep' : 'an incremental sync'} of helpcenter ${helpcenter}`;
      process.stdout.write(added ? `enqueued ${what} as job ${job.id}\n` : `${what} is already waiting or running as job ${job.id}; not added again\n`);
    }
  });

  const remove = schedule
    .command('remove')
    .description("remove helpcenters' schedules and their pending next runs (a run already due still runs)")
    .option('--json', 'print {helpcenter, removed} (an array for several helpcenters)');
  addHelpcentersOptions(remove);
  addQueueOptions(remove);
  remove.action(async (raw: Record<string, unknown>, cmd: Command) => {
    const helpcenters = parseHelpcenters(raw, cmd.getOptionValueSource('helpcenter') === 'env');
    const removed = await withQueue(queueOptions(raw), async (q) => {
      const out = [];
      for (const helpcenter of helpcenters) out.push({ helpcenter, removed: (await removeSchedule(q, helpcenter)) > 0 });
      return out;
    });
    if (raw.json) printJsonFor(removed);
    else for (const r of removed) process.stdout.write(r.removed ? `removed the schedules of helpcenter ${r.helpcenter}\n` : `helpcenter ${r.helpcenter} had no schedule\n`);
  });
}

/* ---------- queue state for `status` ---------- */

export interface QueueHelpcenterState {
  helpcenter: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  every: number | null;
  fullCron: string | null;
  /** only when the full-sweep schedule has a time zone */
  tz?: string;
  /** next scheduled run (ISO) */
  next: string | null;
  lastError: { jobId: string | null; mode: string; reason: string; at: string | null; attemptsMade: number; final: boolean } | null;
}

export type QueueState =
  | { name: string; redis: string; available: true; counts: Record<string, number>; helpcenters: QueueHelpcenterState[] }
  | { name: string; redis: string; available: false; error: string };

const LISTED = ['waiting', 'active', 'delayed', 'failed'] as const;
/** jobs read per state: retention (JOB_OPTIONS) keeps at most 1000 failed ones */
const MAX_JOBS = 1000;

async function readQueueState(q: SyncQueue, redis: string): Promise<QueueState> {
  const [schedules, counts, ...byState] = await Promise.all([
    listSchedules(q),
    q.getJobCounts(),
    ...LISTED.map((state) => q.getJobs(state === 'waiting' ? ['waiting', 'paused', 'prioritized'] : [state], 0, MAX_JOBS - 1)),
  ]);
  const hcs = new Map<string, QueueHelpcenterState>();
  const entry = (hc: string): QueueHelpcenterState => {
    let e = hcs.get(hc);
    if (!e) {
      e = { helpcenter: hc, waiting: 0, active: 0, delayed: 0, failed: 0, every: null, fullCron: null, next: null, lastError: null };
      hcs.set(hc, e);
    }
    return e;
  };
  for (const s of schedules) Object.assign(entry(s.helpcenter), { every: s.every, fullCron: s.fullCron, ...(s.tz ? { tz: s.tz } : {}), next: iso(s.next) });
  const lastAt = new Map<string, number>();
  LISTED.forEach((state, i) => {
    for (const job of byState[i] ?? []) {
      let data;
      try {
        data = parseJobData(job.data);
      } catch {
        continue;
      }
      const e = entry(data.helpcenter);
      e[state]++;
      if (!job.failedReason) continue;
      const at = job.finishedOn ?? job.processedOn ?? job.timestamp;
      if ((lastAt.get(data.helpcenter) ?? -1) >= at) continue;
      lastAt.set(data.helpcenter, at);
      e.lastError = { jobId: job.id ?? null, mode: data.mode, reason: job.failedReason, at: iso(at), attemptsMade: job.attemptsMade, final: state === 'failed' };
    }
  });
  return { name: q.name, redis, available: true, counts, helpcenters: [...hcs.values()].sort((a, b) => (a.helpcenter < b.helpcenter ? -1 : 1)) };
}

/** The queue's lines for `status`; error texts (Redis's, a job's failedReason) made terminal-safe. */
function queueStateText(s: QueueState): string {
  if (!s.available) return `queue ${safeLine(s.name)} (${s.redis}): not available: ${safeLine(s.error)}\n`;
  const c = s.counts;
  const lines = [`queue ${safeLine(s.name)} (${s.redis}): ${(c.waiting ?? 0) + (c.paused ?? 0) + (c.prioritized ?? 0)} waiting, ${c.active ?? 0} active, ${c.delayed ?? 0} delayed, ${c.failed ?? 0} failed`];
  for (const h of s.helpcenters) {
    const sched = [h.every !== null ? `every ${durationFlag(h.every)}` : '', h.fullCron !== null ? `full ${cronText(h.fullCron, h.tz ?? null)}` : ''].filter(Boolean).join(', ');
    const err = h.lastError
      ? `; last job error (job ${h.lastError.jobId}, ${h.lastError.final ? 'failed' : 'retrying'} after ${h.lastError.attemptsMade} attempt${h.lastError.attemptsMade === 1 ? '' : 's'}, ${h.lastError.at}): ${safeLine(h.lastError.reason)}`
      : '';
    lines.push(
      `  helpcenter ${h.helpcenter}: ${h.waiting} waiting, ${h.active} active, ${h.delayed} delayed, ${h.failed} failed; ` +
        `${sched ? `schedule ${sched}; ` : 'no schedule; '}next run ${h.next ?? 'none'}${err}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** How long `status` waits for Redis: a down Redis must not make it hang. */
const STATUS_REDIS_TIMEOUT_MS = 1000;

/**
 * The `status` extension: queue state under `queue` in JSON, lines after the
 * store's in text. The queue is `status --redis-url/--queue` (REDIS_URL,
 * HCSYNC_QUEUE), as for the worker and schedule.
 */
export async function queueStatus(where: { redisUrl: string; queue: string }): Promise<StatusExtension> {
  const redis = describeRedisUrl(where.redisUrl);
  let state: QueueState;
  try {
    state = await withQueue({ ...where, timeoutMs: STATUS_REDIS_TIMEOUT_MS, readOnly: true }, (q) => readQueueState(q, redis));
  } catch (e) {
    state = { name: where.queue, redis, available: false, error: oneLine(e) };
  }
  return { json: { queue: state }, text: queueStateText(state) };
}
