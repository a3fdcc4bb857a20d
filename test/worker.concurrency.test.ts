import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { Simulator } from '../sim/index.js';
import { Store } from '../store/index.js';
import { enqueueSync } from '../worker/queue.js';
import { waitUntil, withTempDir } from './helpers.js';
import { expectSameListsEverywhere, withLocalServer } from './sync.harness.js';
import { expectNoOverlap, syncRuns, withTestQueue, withWorkers, workerArgs } from './worker.harness.js';

const redisUrl = inject('redisUrl');

describe('worker: several processes on one store', () => {
  it('two workers with concurrency 2 and three helpcenters converge; runs of one helpcenter never overlap', async () => {
    await withTempDir(async (dir) => {
      // latency keeps each run long enough that jobs of one helpcenter meet
      const sim = await Simulator.start({ seed: 61, helpcenters: 3, cases: 1200, faults: { latencyMs: 100, latencyRate: 1 } });
      try {
        await withTestQueue(redisUrl, async (queue, name) => {
          const hcs = sim.world.helpcenterIds();
          const db = path.join(dir, 'shared.db');
          await withWorkers(async (spawnWorker) => {
            const workers = [0, 1].map(() => spawnWorker(workerArgs({ db, baseUrl: sim.url, redisUrl, queue: name }, '--concurrency', '2')));
            await Promise.all(workers.map((w) => w.waitForLog((l) => l.event === 'worker.ready', 'worker ready')));
            // a full and an incremental job per helpcenter: four slots, so two jobs of one helpcenter start together
            for (const hc of hcs) await enqueueSync(queue, { helpcenter: hc, mode: 'full' });
            for (const hc of hcs) await enqueueSync(queue, { helpcenter: hc, mode: 'incremental' });
            // a duplicate manual enqueue while the first is pending is dropped
            await enqueueSync(queue, { helpcenter: hcs[2]!, mode: 'incremental' });
            let last: unknown;
            await waitUntil(
              async () => {
                const c = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
                last = c;
                return c.completed === 6 && c.failed === 0 && (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0;
              },
              'six completed jobs',
              40_000,
              100,
            ).catch((e: unknown) => {
              throw new Error(`${String(e)}; counts ${JSON.stringify(last)}; logs:\n${workers.map((w) => w.stdout() + w.stderr()).join('\n')}`);
            });
            const finishes = workers.flatMap((w) => w.logs.filter((l) => l.event === 'job.finish'));
            expect(finishes.filter((l) => l.outcome === 'ok')).toHaveLength(6);
            // the sync lock turned a second job of a busy helpcenter into a delay, not a failure or a parallel run
            expect(finishes.some((l) => l.outcome === 'delayed-busy')).toBe(true);
            expect(finishes.filter((l) => l.outcome !== 'ok' && l.outcome !== 'delayed-busy')).toEqual([]);
            // progress from the page events
            for (const job of await queue.getJobs(['completed'])) {
              expect(job.progress).toMatchObject({ pages: expect.any(Number), cases: expect.any(Number), total: 1200 });
            }
            // both processes worked
            for (const w of workers) expect(w.logs.some((l) => l.event === 'job.start')).toBe(true);
          });

          const runs = syncRuns(db);
          expect(runs.every((r) => r.status === 'ok')).toBe(true);
          expect(new Set(runs.map((r) => r.helpcenter))).toEqual(new Set(hcs));
          expectNoOverlap(runs);

          sim.faults.latencyRate = 0;
          const store = new Store(db, { readonly: true });
          try {
            await withLocalServer(store, async (srv) => {
              for (const hc of hcs) await expectSameListsEverywhere(sim.url, srv.url, hc);
            });
          } finally {
            store.close();
          }
        });
      } finally {
        await sim.close();
      }
    });
  });
});
