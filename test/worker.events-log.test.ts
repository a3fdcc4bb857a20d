import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { Simulator } from '../sim/index.js';
import { enqueueSync } from '../worker/queue.js';
import { waitUntil, withTempDir } from './helpers.js';
import { get, parseExposition, value } from './metrics.harness.js';
import { freePort } from './setup/redis.js';
import { withTestQueue, withWorkers, workerArgs } from './worker.harness.js';

const redisUrl = inject('redisUrl');

describe('worker: what a run meets reaches the log and /metrics', () => {
  it('held deletions and the sweep warning (a guard of 0), drift (cases deleted behind the walk), 5xx retries', async () => {
    await withTempDir(async (dir) => {
      const sim = await Simulator.start({ seed: 161, helpcenters: 1, cases: 1200 });
      try {
        await withTestQueue(redisUrl, async (queue, name) => {
          const [hc] = sim.world.helpcenterIds() as [string];
          const port = await freePort();
          const metrics = async () => parseExposition((await get(`http://127.0.0.1:${port}/metrics`)).body);
          await withWorkers(async (spawnWorker) => {
            const w = spawnWorker(workerArgs({ db: path.join(dir, 'e.db'), baseUrl: sim.url, redisUrl, queue: name }, '--metrics-port', String(port), '--max-delete', '0', '--page-concurrency', '1'));
            await w.waitForLog((l) => l.event === 'worker.ready', 'worker ready');
            await enqueueSync(queue, { helpcenter: hc, mode: 'full' });
            await w.waitForLog((l) => l.event === 'job.finish', 'first job.finish');
            // completed in BullMQ too, or the next enqueue is taken for a duplicate of a running job
            await waitUntil(async () => (await queue.getJobCounts('completed')).completed === 1, 'the first job completed');

            // three cases gone while the guard allows none (twenty more go during the sweep, behind the cursor:
            // seen by this sweep, so not held, but the walk steps back); two 500s
            const gone = sim.world.cases(hc).slice(100, 103).map((c) => c._id);
            for (const id of gone) sim.world.deleteCase(hc, id);
            let n = 0;
            sim.beforeList = (p, world) => {
              if (p.id !== hc || p.offset === 0 || ++n !== 2) return;
              // more cases gone before the cursor than the overlap absorbs: the walk steps back
              const before = [...world.cases(hc)].map((c) => c._id.toLowerCase()).sort().slice(0, p.offset - 1);
              for (const id of before.slice(0, 20)) world.deleteCase(hc, id);
            };
            sim.faults.script = ['error500', 'error500'];
            const from = w.logs.length;
            await enqueueSync(queue, { helpcenter: hc, mode: 'full' });
            const fin = await w.waitForLog((l) => l.event === 'job.finish', 'second job.finish', 30_000, from);
            expect(fin.outcome).toBe('ok');
            const lines = w.logs.slice(from);
            const held = lines.find((l) => l.event === 'sync.held_deletions');
            expect(held).toMatchObject({ level: 'warn', helpcenter: hc, held: 3 });
            expect(lines.find((l) => l.event === 'sync.warning')).toMatchObject({ level: 'warn', helpcenter: hc, field: 'sweep', detail: expect.stringContaining('3 ') });
            const drift = lines.filter((l) => l.event === 'sync.drift');
            expect(drift.length).toBeGreaterThan(0);
            expect(drift[0]).toMatchObject({ helpcenter: hc, steps: expect.any(Number), offset: expect.any(Number) });
            const retries = lines.filter((l) => l.event === 'remote.retry');
            expect(retries.map((l) => [l.code, l.status, l.requestAttempt])).toEqual([
              ['E_HTTP_5XX', 500, 1],
              ['E_HTTP_5XX', 500, 2],
            ]);
            const e = await waitUntil(async () => {
              const x = await metrics();
              return value(x, 'hcsync_sync_runs_total', { helpcenter: hc, mode: 'full', status: 'ok' }) === 2 ? x : undefined;
            }, 'two runs counted');
            expect(value(e, 'hcsync_held_deletions', { helpcenter: hc })).toBe(3);
            expect(value(e, 'hcsync_remote_retries_total', { helpcenter: hc, reason: '5xx' })).toBe(2);
            const steps = drift.reduce((s, l) => s + Number(l.steps), 0);
            expect(value(e, 'hcsync_sync_drift_steps_total', { helpcenter: hc })).toBe(steps);
            expect(value(e, 'hcsync_sync_warnings_total', { helpcenter: hc })).toBeGreaterThanOrEqual(1);
          });
        });
      } finally {
        await sim.close();
      }
    });
  });
});
