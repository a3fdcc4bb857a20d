import { Option, type Command } from 'commander';
import { Store } from '../store/index.js';
import { raiseMallocThresholds } from '../store/memory.js';
import { safeLine } from '../contract/text.js';
import { DEFAULTS } from '../worker/defaults.js';
import { jsonLogger, type Logger } from '../worker/log.js';
import type { WorkerMetrics } from '../worker/metrics.js';
import type { SyncWorker } from '../worker/worker.js';
import { WORKER_DEFAULTS, type SyncJobData, type SyncJobResult, type SyncQueue, type WorkerConfig } from '../worker/queue.js';
import {
  WINDOW_BOUNDS, addMaxDeleteOption, addPageConcurrencyOption, addQueueOptions, addRemoteOptions, addStoreOption, commonOptions, durationFlag,
  parseDeleteLimit, parseDuration, parseHost, parsePageConcurrency, parsePort, positiveInt, queueOptions,
} from './options.js';
import { clientFor } from './remote.js';

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
    .addOption(new Option('--shutdown-timeout <duration>', 'on SIGINT/SIGTERM, wait this long for running syncs to record their checkpoint').env('HCSYNC_SHUTDOWN_TIMEOUT').default(s(DEFAULTS.worker.shutdownTimeoutMs)))
    .addOption(new Option('--log-every <pages>', 'log a progress line every N pages').env('HCSYNC_LOG_EVERY').default(String(WORKER_DEFAULTS.logEveryPages)))
    .addOption(new Option('--metrics-port <port>', 'serve GET /metrics (Prometheus) and /healthz on this port (0: any free one; default: off)').env('HCSYNC_METRICS_PORT'))
    .addOption(new Option('--metrics-host <host>', 'address the metrics port listens on').env('HCSYNC_METRICS_HOST').default('127.0.0.1'));
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
    // an empty value is refused, as everywhere (not read as "off": HCSYNC_METRICS_PORT= would silently disable metrics)
    const metricsPort = raw.metricsPort === undefined ? undefined : parsePort(raw.metricsPort, '--metrics-port (or HCSYNC_METRICS_PORT)');
    const metricsHost = parseHost(raw.metricsHost, '--metrics-host (or HCSYNC_METRICS_HOST)');
    await clientFor(o).close(); // a bad token (e.g. not sendable in a header) is a usage error now, not a failed job later
    // A log it cannot write (a full disk, a closed pipe) stops the worker cleanly with exit code 1, so that
    // a supervisor restarts it: running on blind would hide every failure, and the default handling of a
    // closed stdout (exit 0 at once, cli/main.ts) would leave its runs 'running' and its jobs active.
    let logFailed: ((why: string) => void) | undefined;
    let failedLog = false;
    const logBroken = new Promise<string>((resolve) => (logFailed = resolve));
    const onLogError = (e: unknown) => {
      failedLog = true;
      logFailed?.(e instanceof Error ? ((e as NodeJS.ErrnoException).code ?? e.message) : String(e));
    };
    process.stdout.removeAllListeners('error');
    process.stdout.on('error', onLogError);
    const log = jsonLogger(process.stdout, Date.now, onLogError);
    // no warning about a missing token here: a remote may not need one; a refused sync says so (remote.refused), once per helpcenter
    // loaded here, not at the top: bullmq's import time would slow every other command
    const { SyncWorker } = await import('../worker/worker.js');
    // each page is a ~1.6 MB buffer: keep that memory from page to page (store/memory.ts)
    raiseMallocThresholds();
    const store = new Store(o.db);
    const metrics = metricsPort === undefined ? undefined : new (await import('../worker/metrics.js')).WorkerMetrics(store);
    const worker = new SyncWorker(cfg, { store, remote: (hooks) => clientFor(o, cfg.pageConcurrency, hooks), log, metrics, tokenGiven: o.token !== undefined });
    const monitor = metrics === undefined || metricsPort === undefined ? undefined : await startMonitoring(cfg, { metrics, store, worker, host: metricsHost, port: metricsPort, log });

    const signalled = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    worker.start();
    const sig = await Promise.race([
      signalled,
      logBroken.then((why) => {
        process.stderr.write(`hcsync: worker: cannot write its log (${safeLine(why)}); stopping\n`);
        return 'SIGTERM' as const;
      }),
    ]);
    // a second signal, or a close that hangs past the bound: leave now (what is committed stays committed)
    const hardExit = () => {
      log.error('worker.exit', { reason: 'shutdown did not finish in time', signal: sig });
      process.exit(1);
    };
    process.once('SIGINT', hardExit);
    process.once('SIGTERM', hardExit);
    setTimeout(hardExit, shutdownTimeoutMs + HARD_EXIT_MARGIN_MS).unref();
    const clean = await worker.stop(shutdownTimeoutMs, sig);
    await monitor?.close();
    if (clean) store.close();
    process.exitCode = clean && !failedLog ? 0 : 1;
    // anything still holding the loop open (a run that ignored its abort) must not keep us
    setTimeout(() => process.exit(), 500).unref();
  });
}

/**
 * The monitor of `--metrics-port` (worker/health.ts): its own queue handle
 * (BullMQ's metrics, the health PING), closed with it. Logs `metrics.listen`
 * with the URL. Throws ListenError when the port cannot be had.
 */
async function startMonitoring(
  cfg: WorkerConfig,
  d: { metrics: WorkerMetrics; store: Store; worker: SyncWorker; host: string; port: number; log: Logger },
): Promise<{ close(): Promise<void> }> {
  const [{ Queue }, { monitorConnection, startMonitor }] = await Promise.all([import('bullmq'), import('../worker/health.js')]);
  const queue: SyncQueue = new Queue<SyncJobData, SyncJobResult, string>(cfg.queue, { connection: monitorConnection(cfg.redisUrl), skipMetasUpdate: true });
  queue.on('error', () => {}); // the worker logs Redis trouble; /healthz reports it
  let srv: Awaited<ReturnType<typeof startMonitor>>;
  try {
    srv = await startMonitor({ metrics: d.metrics, queue, store: d.store, worker: d.worker }, d.host, d.port, (m) => d.log.warn('metrics.error', { error: m }));
  } catch (e) {
    await queue.disconnect().catch(() => {});
    throw e;
  }
  d.log.info('metrics.listen', { url: srv.url, metrics: `${srv.url}/metrics`, health: `${srv.url}/healthz` });
  return {
    close: async () => {
      await srv.close();
      await queue.close().catch(() => {});
    },
  };
}
