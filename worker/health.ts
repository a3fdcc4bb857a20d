import http from 'node:http';
import type { Store } from '../store/index.js';
import { ListenError } from '../contract/errors.js';
import { oneLine } from './log.js';
import type { WorkerMetrics } from './metrics.js';
import { parseRedisUrl, type SyncQueue } from './queue.js';
import type { WorkerHealth } from './worker.js';

/**
 * The worker's monitoring endpoint (`worker --metrics-port`, issue 13):
 * `GET /metrics` — BullMQ's `Queue.exportPrometheusMetrics()` for the
 * worker's queue, then the hcsync registry (worker/metrics.ts) — and
 * `GET /healthz` — 200 `{"ok":true,…}` when Redis answers, the store can be
 * written and the worker is taking jobs; 503 `{"ok":false,"reasons":[…]}`
 * otherwise. No token: it binds 127.0.0.1 unless told otherwise, and
 * nothing it serves is secret (ids, counts, timings).
 */

/** Redis must answer a PING (and the queue's metric reads) within this. */
export const PROBE_TIMEOUT_MS = 1000;

export interface MonitorDeps {
  metrics: WorkerMetrics;
  /** a queue handle of the worker's queue, for BullMQ's metrics and the PING */
  queue: SyncQueue;
  store: Store;
  worker: { health(): WorkerHealth };
}

export interface MonitorServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The connection of the monitor's queue handle: reconnects like the
 * worker's, but a command fails instead of waiting for Redis to return
 * (the probes are bounded anyway).
 */
export function monitorConnection(url: string): ReturnType<typeof parseRedisUrl> {
  return { ...parseRedisUrl(url), maxRetriesPerRequest: 1, retryStrategy: (times: number) => Math.min(250 * times, 5000) };
}

/** `p`, or a rejection with `${what} within ${ms} ms` when it takes longer. */
function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** What /healthz answers: every check, and the reasons of those that failed. */
export async function checkHealth(d: MonitorDeps): Promise<{ ok: boolean; body: Record<string, unknown> }> {
  const reasons: string[] = [];
  let redis = 'ok';
  try {
    // ioredis under BullMQ's client type, which does not list ping
    const client = (await bounded(d.queue.client, PROBE_TIMEOUT_MS, 'no connection')) as unknown as { ping(): Promise<string> };
    await bounded(client.ping(), PROBE_TIMEOUT_MS, 'no answer to PING');
  } catch (e) {
    redis = 'down';
    reasons.push(`redis: ${oneLine(e)}`);
  }
  let store = 'ok';
  try {
    // 'busy': another process holds the write lock right now, so the store is writable
    store = d.store.checkWritable() === 'busy' ? 'ok (busy)' : 'ok';
  } catch (e) {
    store = 'not writable';
    reasons.push(`store: ${oneLine(e)}`);
  }
  const w = d.worker.health();
  if (w.storeFailure !== undefined && store.startsWith('ok')) {
    // the probe can take the lock, but the last run failed on the store (a full disk, a corrupt page)
    store = 'failing';
    reasons.push(`store: the last run failed, none has succeeded since: ${w.storeFailure}`);
  }
  const worker = w.stopping ? 'stopping' : w.running ? 'running' : 'not running';
  if (worker !== 'running') reasons.push(`worker: ${worker}${w.redisDown ? ' (waiting for Redis)' : ''}`);
  const ok = reasons.length === 0;
  return { ok, body: { ok, redis, store, worker, activeRuns: w.activeRuns, ...(ok ? {} : { reasons }) } };
}

/** BullMQ's queue metrics, or a comment saying why they are missing (the hcsync families follow either way). */
async function queueMetrics(queue: SyncQueue): Promise<string> {
  try {
    return await bounded(queue.exportPrometheusMetrics(), PROBE_TIMEOUT_MS, 'Redis gave no answer');
  } catch (e) {
    return `# bullmq queue metrics unavailable: ${oneLine(e).replace(/[\r\n]/g, ' ')}`;
  }
}

/** Answer one request. Never throws. */
async function answer(d: MonitorDeps, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = (req.url ?? '').split('?', 1)[0];
  let status = 200;
  let type = 'application/json; charset=utf-8';
  let body: string;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    status = 405;
    res.setHeader('Allow', 'GET, HEAD');
    body = JSON.stringify({ error: 'method_not_allowed' });
  } else if (path === '/metrics') {
    body = await d.metrics.render(await queueMetrics(d.queue));
    type = d.metrics.contentType;
  } else if (path === '/healthz') {
    const h = await checkHealth(d);
    status = h.ok ? 200 : 503;
    body = JSON.stringify(h.body);
  } else {
    status = 404;
    body = JSON.stringify({ error: 'not_found', description: 'GET /metrics or /healthz' });
  }
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.setHeader('Cache-Control', 'no-store');
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Connections the monitor keeps open at once; more are closed as they arrive. */
export const MAX_MONITOR_CONNECTIONS = 32;

/** Listen on host:port (0: any free port). Throws ListenError when the address cannot be had. */
export async function startMonitor(d: MonitorDeps, host: string, port: number, onError: (m: string) => void): Promise<MonitorServer> {
  const server = http.createServer((req, res) => {
    answer(d, req, res).catch((e: unknown) => {
      onError(`monitor: ${oneLine(e)}`);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  // A scraper needs a connection or two. Without a bound, idle or half-sent connections took the
  // file handles the worker's syncs need (its jobs then failed with E_STORE_CANTOPEN; break-it of issue 13).
  server.maxConnections = MAX_MONITOR_CONNECTIONS;
  // and a connection silent for 5 s is closed (a half-sent request too: Node's headersTimeout did not fire
  // for them here unless connections were also being refused)
  server.setTimeout(5_000);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new ListenError(`cannot listen on ${host}:${port} for --metrics-port: ${oneLine(e)}`, e)));
    server.listen(port, host, () => resolve());
  });
  server.on('error', (e: Error) => onError(`monitor: ${oneLine(e)}`));
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
