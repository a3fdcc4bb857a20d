import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Simulator } from '../sim/index.js';
import { enqueueSync, type SyncQueue } from '../worker/queue.js';
import { waitUntil, withTempDir } from './helpers.js';
import { startRedisServer, type RedisHandle } from './setup/redis.js';
import { syncRuns, withTestQueue, withWorkers, workerArgs, type WorkerChild } from './worker.harness.js';

async function expectJobRuns(queue: SyncQueue, w: WorkerChild, hc: string, what: string): Promise<void> {
  // job ids restart at 1 in a Redis that lost its data, so an id alone could match an older job's line:
  // only lines logged from now on, of an incremental run, count
  const from = w.logs.length;
  const job = await enqueueSync(queue, { helpcenter: hc, mode: 'incremental' });
  await w.waitForLog((l) => l.event === 'job.finish' && l.jobId === job.id && l.mode === 'incremental' && l.outcome === 'ok', what, 20_000, from);
}

describe('worker: Redis lost and back', () => {
  it('reconnects after a restart mid-run, recreates itself after a long outage, and later jobs run', async () => {
    await withTempDir(async (dir) => {
      // a private Redis (no persistence) that this test stops and starts on the same port
      let redis: RedisHandle = await startRedisServer();
      const port = Number(new URL(redis.url).port);
      const sim = await Simulator.start({ seed: 91, helpcenters: 1, cases: 2000, faults: { latencyMs: 200, latencyRate: 1 } });
      try {
        await withTestQueue(redis.url, async (queue, name) => {
          const [hc] = sim.world.helpcenterIds() as [string];
          const db = path.join(dir, 'redis.db');
          await withWorkers(async (spawnWorker) => {
            const w = spawnWorker(workerArgs({ db, baseUrl: sim.url, redisUrl: redis.url, queue: name }, '--redis-ready-timeout', '1500ms'));
            await w.waitForLog((l) => l.event === 'worker.ready', 'worker ready');
            await enqueueSync(queue, { helpcenter: hc, mode: 'full' });
            await waitUntil(() => syncRuns(db).some((r) => r.pages >= 1), 'a committed page');

            // restart mid-run: the run goes on (it needs no Redis) and what it commits stays
            await redis.stop();
            redis = await startRedisServer(port);
            sim.faults.latencyRate = 0;
            await waitUntil(() => syncRuns(db).some((r) => r.mode === 'full' && r.status === 'ok'), 'the full run finishing despite the restart', 20_000);
            // its job ends (logged) before the next is enqueued, so the two cannot be confused
            await w.waitForLog((l) => l.event === 'job.finish' && l.mode === 'full' && l.outcome === 'ok', 'the full job finishing');
            await expectJobRuns(queue, w, hc, 'a job after the restart');
            expect(w.logs.some((l) => l.event === 'redis.down')).toBe(true);

            // a long outage: no `ready` within the bound, so the worker is recreated, and works once Redis is back
            await redis.stop();
            const from = w.logs.length;
            await w.waitForLog((l) => l.event === 'worker.recreate', 'the worker recreated', 10_000, from);
            redis = await startRedisServer(port);
            await w.waitForLog((l) => l.event === 'worker.ready' && Number(l.generation) > 1, 'the new worker ready', 15_000, from);
            await expectJobRuns(queue, w, hc, 'a job after the outage');
            expect(w.child.exitCode).toBeNull();
          });
          const runs = syncRuns(db);
          expect(runs.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
        });
      } finally {
        await sim.close();
        await redis.stop();
      }
    });
  });
});
