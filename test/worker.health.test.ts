import path from 'node:path';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { describe, expect, inject, it } from 'vitest';
import { Store } from '../store/index.js';
import net from 'node:net';
import { MAX_MONITOR_CONNECTIONS, checkHealth, monitorConnection, startMonitor } from '../worker/health.js';
import { silentLogger } from '../worker/log.js';
import { WorkerMetrics } from '../worker/metrics.js';
import { WORKER_DEFAULTS, type SyncJobData, type SyncJobResult, type SyncQueue } from '../worker/queue.js';
import { SyncWorker } from '../worker/worker.js';
import { withTempDir } from './helpers.js';
import { RemoteClient } from '../worker/client.js';

const redisUrl = inject('redisUrl');

describe('/healthz checks', () => {
  it('names each failing part: a read-only store, a worker not started; a store locked by another writer is healthy (busy), and the probe does not wait', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'h.db');
      new Store(file).close();
      const queue: SyncQueue = new Queue<SyncJobData, SyncJobResult, string>(`hcsync-test-health-${process.pid}`, { connection: monitorConnection(redisUrl), skipMetasUpdate: true });
      const ro = new Store(file, { readonly: true });
      const rw = new Store(file);
      try {
        const cfg = { ...WORKER_DEFAULTS, redisUrl, queue: queue.name };
        const deps = { store: rw, remote: () => new RemoteClient({ baseUrl: 'http://127.0.0.1:9' }), log: silentLogger };
        const idle = new SyncWorker(cfg, deps);
        const bad = await checkHealth({ metrics: new WorkerMetrics(ro), queue, store: ro, worker: idle });
        expect(bad.ok).toBe(false);
        expect(bad.body).toMatchObject({ ok: false, redis: 'ok', store: 'not writable', worker: 'not running' });
        expect(bad.body.reasons).toEqual([expect.stringMatching(/^store: .*read-only/), 'worker: not running']);

        // another connection holds the write lock: the probe answers at once, and that is healthy
        const other = new Database(file);
        other.prepare('BEGIN IMMEDIATE').run();
        try {
          const busy = await checkHealth({ metrics: new WorkerMetrics(rw), queue, store: rw, worker: { health: () => ({ ...idle.health(), running: true }) } });
          expect(busy.body).toEqual({ ok: true, redis: 'ok', store: 'ok (busy)', worker: 'running', activeRuns: 0 });
        } finally {
          other.prepare('ROLLBACK').run();
          other.close();
        }
        // the probe can write, but the last run failed on the store (a full disk, say): not healthy until a run succeeds
        const failing = await checkHealth({ metrics: new WorkerMetrics(rw), queue, store: rw, worker: { health: () => ({ ...idle.health(), running: true, storeFailure: 'E_STORE_FULL: disk full' }) } });
        expect(failing.ok).toBe(false);
        expect(failing.body).toMatchObject({ store: 'failing', reasons: ['store: the last run failed, none has succeeded since: E_STORE_FULL: disk full'] });
        // the probe restored the store's own busy_timeout
        expect(rw.db.pragma('busy_timeout', { simple: true })).toBe(10_000);
      } finally {
        ro.close();
        rw.close();
        await queue.close();
      }
    });
  });

  it('idle connections cannot take the worker\'s file handles: beyond the bound they are closed at once, silent ones after 5 s', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'h.db');
      const store = new Store(file);
      const queue: SyncQueue = new Queue<SyncJobData, SyncJobResult, string>(`hcsync-test-health2-${process.pid}`, { connection: monitorConnection(redisUrl), skipMetasUpdate: true });
      const worker = { health: () => ({ running: true, activeRuns: 0 }) as never };
      const monitor = await startMonitor({ metrics: new WorkerMetrics(store), queue, store, worker }, '127.0.0.1', 0, () => {});
      const port = Number(new URL(monitor.url).port);
      const sockets: net.Socket[] = [];
      try {
        const closed = new Set<number>();
        for (let i = 0; i < MAX_MONITOR_CONNECTIONS + 10; i++) {
          const s = net.connect(port, '127.0.0.1');
          s.on('error', () => {});
          s.on('close', () => closed.add(i));
          s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'); // headers never finished
          sockets.push(s);
        }
        await new Promise((r) => setTimeout(r, 1000));
        expect(closed.size).toBeGreaterThanOrEqual(10);
        await new Promise((r) => setTimeout(r, 6500));
        expect(closed.size).toBe(sockets.length);
        const res = await fetch(`${monitor.url}/healthz`);
        expect(res.status).toBeLessThan(600); // answered (Redis and store decide 200 or 503), not refused
      } finally {
        for (const s of sockets) s.destroy();
        await monitor.close();
        await queue.close();
        store.close();
      }
    });
  });
});
