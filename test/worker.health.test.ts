import path from 'node:path';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { describe, expect, inject, it } from 'vitest';
import { Store } from '../store/index.js';
import { checkHealth, monitorConnection } from '../worker/health.js';
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
        // the probe restored the store's own busy_timeout
        expect(rw.db.pragma('busy_timeout', { simple: true })).toBe(10_000);
      } finally {
        ro.close();
        rw.close();
        await queue.close();
      }
    });
  });
});
