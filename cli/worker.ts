import { Option, type Command } from 'commander';
import { Store } from '../store/index.js';
import { jsonLogger } from '../worker/log.js';
import { WORKER_DEFAULTS, type WorkerConfig } from '../worker/queue.js';
import {
  WINDOW_BOUNDS, addMaxDeleteOption, addPageConcurrencyOption, addQueueOptions, addRemoteOptions, addStoreOption, commonOptions, durationFlag,
  parseDeleteLimit, parseDuration, parsePageConcurrency, positiveInt, queueOptions,
} from './options.js';
import { clientFor } from './sync.js';

const s = durationFlag;

/** Exit within this after SIGINT/SIGTERM even if closing hangs (the brief allows 10 s). */
const HARD_EXIT_MARGIN_MS = 1500;

export function registerWorker(program: Command): void {
  const cmd = program
    .command('worker')
    .description('BullMQ worker running scheduled and queued syncs (JSON-lines log on stdout; graceful on SIGINT/SIGTERM)')
    .addOption(new Option('--concurrency <n>', 'sync jobs run at once by this process').env('HCSYNC_CONCURRENCY').default(String(WORKER_DEFAULTS.concurrency)))
    .addOption(new Option('--lookback <duration>', 'incremental: re-read activity this long before the watermark').env('HCSYNC_LOOKBACK').default(s(WORKER_DEFAULTS.lookbackMs)))
    .addOption(new Option('--lock-duration <duration>', 'BullMQ job lock; a killed worker\'s job is taken over after about this plus the stalled interval').env('HCSYNC_LOCK_DURATION').default(s(WORKER_DEFAULTS.lockDurationMs)))
    .addOption(new Option('--stalled-interval <duration>', 'how often this worker looks for stalled jobs').env('HCSYNC_STALLED_INTERVAL').default(s(WORKER_DEFAULTS.stalledIntervalMs)))
    .addOption(new Option('--busy-delay <duration>', 'retry a job of a helpcenter synced elsewhere after this').env('HCSYNC_BUSY_DELAY').default(s(WORKER_DEFAULTS.busyDelayMs)))
    .addOption(new Option('--redis-ready-timeout <duration>', 'recreate the worker when Redis is not ready again this long after a disconnect').env('HCSYNC_REDIS_READY_TIMEOUT').default(s(WORKER_DEFAULTS.readyTimeoutMs)))
    .addOption(new Option('--shutdown-timeout <duration>', 'on SIGINT/SIGTERM, wait this long for running syncs to record their checkpoint').env('HCSYNC_SHUTDOWN_TIMEOUT').default('8s'))
    .addOption(new Option('--log-every <pages>', 'log a progress line every N pages').env('HCSYNC_LOG_EVERY').default(String(WORKER_DEFAULTS.logEveryPages)));
  addStoreOption(cmd);
  addRemoteOptions(cmd);
  addMaxDeleteOption(cmd);
  addPageConcurrencyOption(cmd, '--page-concurrency');
  addQueueOptions(cmd);
  cmd.action(async (raw: Record<string, unknown>) => {
    const o = commonOptions(raw);
    const q = queueOptions(raw);
    const cfg: WorkerConfig = {
      ...q,
      concurrency: positiveInt(raw.concurrency, '--concurrency'),
      lookbackMs: parseDuration(String(raw.lookback), '--lookback', WINDOW_BOUNDS),
      maxDelete: parseDeleteLimit(raw.maxDelete),
      pageConcurrency: parsePageConcurrency(raw.pageConcurrency, '--page-concurrency'),
      lockDurationMs: parseDuration(String(raw.lockDuration), '--lock-duration'),
      stalledIntervalMs: parseDuration(String(raw.stalledInterval), '--stalled-interval'),
      busyDelayMs: parseDuration(String(raw.busyDelay), '--busy-delay'),
      readyTimeoutMs: parseDuration(String(raw.redisReadyTimeout), '--redis-ready-timeout'),
      logEveryPages: positiveInt(raw.logEvery, '--log-every'),
    };
    const shutdownTimeoutMs = parseDuration(String(raw.shutdownTimeout), '--shutdown-timeout');
    await clientFor(o).close(); // a bad token (e.g. not sendable in a header) is a usage error now, not a failed job later
    const log = jsonLogger();
    if (o.token === undefined) log.warn('worker.config', { warning: 'no token given (--token or TELECOMX_TOKEN): the remote will refuse the syncs' });
    // loaded here, not at the top: bullmq's import time would slow every other command
    const { SyncWorker } = await import('../worker/worker.js');
    const store = new Store(o.db);
    const worker = new SyncWorker(cfg, { store, remote: () => clientFor(o, cfg.pageConcurrency), log });

    const signalled = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    worker.start();
    const sig = await signalled;
    // a second signal, or a close that hangs past the bound: leave now (what is committed stays committed)
    const hardExit = () => {
      log.error('worker.exit', { reason: 'shutdown did not finish in time', signal: sig });
      process.exit(1);
    };
    process.once('SIGINT', hardExit);
    process.once('SIGTERM', hardExit);
    setTimeout(hardExit, shutdownTimeoutMs + HARD_EXIT_MARGIN_MS).unref();
    const clean = await worker.stop(shutdownTimeoutMs, sig);
    if (clean) store.close();
    process.exitCode = clean ? 0 : 1;
    // anything still holding the loop open (a run that ignored its abort) must not keep us
    setTimeout(() => process.exit(), 500).unref();
  });
}
