import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { Simulator } from '../sim/index.js';
import { Store } from '../store/index.js';
import { enqueueSync } from '../worker/queue.js';
import { OVERLAP, PAGE_LIMIT } from '../worker/walk.js';
import { waitUntil, withTempDir } from './helpers.js';
import { expectSameListsEverywhere, withLocalServer } from './sync.harness.js';
import { expectNoOverlap, syncRuns, withTestQueue, withWorkers, workerArgs } from './worker.harness.js';

const redisUrl = inject('redisUrl');
const CASES = 2000;
const ALL_PAGES = Math.ceil((CASES - OVERLAP) / (PAGE_LIMIT - OVERLAP));

function committedPages(db: string): number {
  return Math.max(0, ...syncRuns(db).map((r) => r.pages));
}

function liveCases(db: string): number {
  const store = new Store(db, { readonly: true });
  try {
    return store.db.prepare('SELECT count(*) FROM cases WHERE deleted_ms IS NULL').pluck().get() as number;
  } finally {
    store.close();
  }
}

async function expectConverged(db: string, sim: Simulator, hc: string): Promise<void> {
  const store = new Store(db, { readonly: true });
  try {
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    await withLocalServer(store, async (srv) => {
      await expectSameListsEverywhere(sim.url, srv.url, hc);
    });
  } finally {
    store.close();
  }
}

describe('worker: stopping and crashing mid-sync', () => {
  it('SIGTERM during a long sync: exits within 10 s, keeps what was committed, the next run resumes from the checkpoint', async () => {
    await withTempDir(async (dir) => {
      const sim = await Simulator.start({ seed: 71, helpcenters: 1, cases: CASES, faults: { latencyMs: 200, latencyRate: 1 } });
      try {
        await withTestQueue(redisUrl, async (queue, name) => {
          const [hc] = sim.world.helpcenterIds() as [string];
          const db = path.join(dir, 'term.db');
          const args = workerArgs({ db, baseUrl: sim.url, redisUrl, queue: name });
          await withWorkers(async (spawnWorker) => {
            const w = spawnWorker(args);
            await w.waitForLog((l) => l.event === 'worker.ready', 'worker ready');
            const job = await enqueueSync(queue, { helpcenter: hc, mode: 'full' });
            await waitUntil(() => committedPages(db) >= 2, 'two committed pages', 20_000);
            const t0 = Date.now();
            w.child.kill('SIGTERM');
            const exit = await w.exited;
            const tookMs = Date.now() - t0;
            expect(exit).toEqual({ code: 0, signal: null });
            expect(tookMs).toBeLessThan(10_000);
            expect(w.stderr()).toBe('');
            expect(w.logs.find((l) => l.event === 'job.finish')).toMatchObject({ outcome: 'interrupted', jobId: job.id });
            expect(w.logs.at(-1)).toMatchObject({ event: 'worker.stop', outcome: 'clean' });

            const [run] = syncRuns(db);
            expect(run).toMatchObject({ status: 'interrupted', error_code: 'E_ABORTED' });
            expect(run!.checkpoint).not.toBeNull();
            expect(run!.pages).toBeGreaterThanOrEqual(2);
            expect(run!.pages).toBeLessThan(ALL_PAGES);
            // what was committed is there
            expect(liveCases(db)).toBeGreaterThanOrEqual(run!.pages * (PAGE_LIMIT - OVERLAP));
            // the job went back to the queue without using an attempt
            const back = await queue.getJob(job.id!);
            expect(['delayed', 'waiting']).toContain(await back!.getState());
            expect(back!.attemptsMade).toBe(0);

            sim.faults.latencyRate = 0;
            const w2 = spawnWorker(args);
            await w2.waitForLog((l) => l.event === 'job.finish' && l.outcome === 'ok', 'the resumed run', 30_000);
          });
          const runs = syncRuns(db);
          expect(runs.map((r) => [r.status, r.resumed_from])).toEqual([
            ['interrupted', null],
            ['ok', runs[0]!.run_id],
          ]);
          await expectConverged(db, sim, hc);
        });
      } finally {
        await sim.close();
      }
    });
  });

  it('SIGKILL of a worker mid-sync: another worker takes the job over after the stall interval, resumes and converges', async () => {
    await withTempDir(async (dir) => {
      const sim = await Simulator.start({ seed: 72, helpcenters: 1, cases: CASES, faults: { latencyMs: 200, latencyRate: 1 } });
      try {
        await withTestQueue(redisUrl, async (queue, name) => {
          const [hc] = sim.world.helpcenterIds() as [string];
          const db = path.join(dir, 'kill.db');
          const args = workerArgs({ db, baseUrl: sim.url, redisUrl, queue: name }, '--lock-duration', '2s', '--stalled-interval', '1s');
          await withWorkers(async (spawnWorker) => {
            const workers = [spawnWorker(args), spawnWorker(args)];
            await Promise.all(workers.map((w) => w.waitForLog((l) => l.event === 'worker.ready', 'worker ready')));
            const job = await enqueueSync(queue, { helpcenter: hc, mode: 'full' });
            const victim = await waitUntil(() => workers.find((w) => w.logs.some((l) => l.event === 'job.start')), 'a worker starting the job');
            const survivor = workers.find((w) => w !== victim)!;
            await waitUntil(() => committedPages(db) >= 2, 'two committed pages', 20_000);
            victim.child.kill('SIGKILL');
            expect((await victim.exited).signal).toBe('SIGKILL');
            const pagesBefore = committedPages(db);
            expect(pagesBefore).toBeLessThan(ALL_PAGES);
            sim.faults.latencyRate = 0;
            const t0 = Date.now();
            const start = await survivor.waitForLog((l) => l.event === 'job.start' && l.jobId === job.id, 'the job taken over', 20_000);
            expect(Date.now() - t0).toBeLessThan(15_000);
            expect(start.resumedFrom).toBe(syncRuns(db)[0]!.run_id);
            await survivor.waitForLog((l) => l.event === 'job.finish' && l.jobId === job.id && l.outcome === 'ok', 'the job finished', 30_000);
            // the line is logged just before BullMQ marks the job completed
            await waitUntil(async () => (await job.getState()) === 'completed', 'the job completed');
            // only what came after the checkpoint was fetched again
            const [first, second] = syncRuns(db);
            expect(first).toMatchObject({ status: 'interrupted' });
            expect(first!.pages).toBeGreaterThanOrEqual(pagesBefore);
            expect(second).toMatchObject({ status: 'ok', resumed_from: first!.run_id });
          });
          expectNoOverlap(syncRuns(db));
          await expectConverged(db, sim, hc);
        });
      } finally {
        await sim.close();
      }
    });
  });
});
