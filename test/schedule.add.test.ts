import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { Simulator } from '../sim/index.js';
import { Store } from '../store/index.js';
import { runCli, waitUntil, withTempDir } from './helpers.js';
import { syncRuns, withTestQueue, withWorkers, workerArgs } from './worker.harness.js';

const redisUrl = inject('redisUrl');

function localCaseJson(dbFile: string, id: string): unknown {
  const store = new Store(dbFile, { readonly: true });
  try {
    const r = store.db.prepare<[string], { json: string }>('SELECT json FROM cases WHERE id = ?').get(id.toLowerCase());
    return r ? JSON.parse(r.json) : undefined;
  } finally {
    store.close();
  }
}

describe('hcsync schedule', () => {
  it('a 10 s schedule (the shortest --every) runs incremental syncs that pick up remote changes; adding twice leaves one; remove removes', async () => {
    await withTempDir(async (dir) => {
      const sim = await Simulator.start({ seed: 51, helpcenters: 1, cases: 400 });
      try {
        await withTestQueue(redisUrl, async (queue, name) => {
          const [hc] = sim.world.helpcenterIds() as [string];
          const env = { REDIS_URL: redisUrl, HCSYNC_QUEUE: name };
          for (let i = 0; i < 2; i++) {
            const r = await runCli(['schedule', 'add', '--helpcenter', hc, '--every', '10s'], { env });
            expect(r.stderr).toBe('');
            expect(r.code).toBe(0);
            expect(r.stdout).toContain(`scheduled helpcenter ${hc}: incremental every 10s, full sweep "0 3 * * *"`);
          }
          const list = await runCli(['schedule', 'list', '--json'], { env });
          expect(list.code).toBe(0);
          const entries = JSON.parse(list.stdout) as { helpcenter: string; every: number; fullCron: string; next: string }[];
          expect(entries).toEqual([{ helpcenter: hc, every: 10_000, fullCron: '0 3 * * *', next: expect.any(String) }]);
          expect(Number.isNaN(Date.parse(entries[0]!.next))).toBe(false);
          // one incremental and one full scheduler, each with one pending job
          expect((await queue.getJobSchedulers()).map((s) => s.key).sort()).toEqual([`full:${hc}`, `incremental:${hc}`]);
          expect((await queue.getJobs(['waiting', 'delayed'])).length).toBe(2);
          // the token never goes into a job: the template carries helpcenter and mode only
          for (const s of await queue.getJobSchedulers()) expect(Object.keys(s.template?.data ?? {}).sort()).toEqual(['helpcenter', 'mode']);

          const db = path.join(dir, 'sched.db');
          await withWorkers(async (spawnWorker) => {
            const w = spawnWorker(workerArgs({ db, baseUrl: sim.url, redisUrl, queue: name }));
            // the first run of a never-synced helpcenter is a full sweep, then the 10 s ticks run incremental syncs
            await waitUntil(() => syncRuns(db).some((r) => r.mode === 'incremental' && r.status === 'ok'), 'an incremental run after the first sweep', 45_000);
            // runs that ended before the changes; one still going may be the one that brings them
            const endedBefore = new Set(syncRuns(db).filter((r) => r.finished_ms !== null).map((r) => r.run_id));
            const w0 = sim.world;
            const closed = w0.cases(hc).find((c) => c.state === 'CLOSED')!;
            const added = w0.addCase(hc);
            const replied = w0.reply(hc, closed._id);
            await waitUntil(
              () => JSON.stringify(localCaseJson(db, added._id)) === JSON.stringify(w0.getCase(hc, added._id)) && JSON.stringify(localCaseJson(db, replied._id)) === JSON.stringify(w0.getCase(hc, replied._id)),
              'the new case and the reply in the store',
              45_000,
            );
            const later = syncRuns(db).filter((r) => !endedBefore.has(r.run_id));
            expect(later.length).toBeGreaterThan(0);
            expect(later.every((r) => r.mode === 'incremental')).toBe(true);
            expect(w.logs.filter((l) => l.event === 'job.finish' && l.outcome === 'failed')).toEqual([]);
          });

          const rm = await runCli(['schedule', 'remove', '--helpcenter', hc], { env });
          expect(rm.code).toBe(0);
          expect(rm.stdout).toContain(`removed the schedules of helpcenter ${hc}`);
          expect(JSON.parse((await runCli(['schedule', 'list', '--json'], { env })).stdout)).toEqual([]);
        });
      } finally {
        await sim.close();
      }
    });
  });

  it('`schedule run` enqueues one sync now, not again while an equal one waits, and a worker runs it', async () => {
    await withTempDir(async (dir) => {
      const sim = await Simulator.start({ seed: 52, helpcenters: 1, cases: 300 });
      try {
        await withTestQueue(redisUrl, async (queue, name) => {
          const [hc] = sim.world.helpcenterIds() as [string];
          const env = { REDIS_URL: redisUrl, HCSYNC_QUEUE: name };
          const runJson = async (...extra: string[]) => {
            const r = await runCli(['schedule', 'run', '--helpcenter', hc.toUpperCase(), '--json', ...extra], { env });
            expect(r.stderr).toBe('');
            expect(r.code).toBe(0);
            return JSON.parse(r.stdout) as { jobId: string; helpcenter: string; mode: string; added: boolean };
          };
          const full = await runJson('--full');
          expect(full).toEqual({ jobId: expect.any(String), helpcenter: hc, mode: 'full', added: true });
          expect(await runJson('--full')).toEqual({ ...full, added: false });
          const incr = await runJson();
          expect(incr).toMatchObject({ mode: 'incremental', added: true });
          expect(incr.jobId).not.toBe(full.jobId);
          const text = await runCli(['schedule', 'run', '--helpcenter', hc], { env });
          expect(text.stdout).toBe(`an incremental sync of helpcenter ${hc} is already waiting or running as job ${incr.jobId}; not added again\n`);
          const waiting = await queue.getJobs(['waiting']);
          expect(waiting.map((j) => j.data).sort((a, b) => (a.mode < b.mode ? -1 : 1))).toEqual([
            { helpcenter: hc, mode: 'full' },
            { helpcenter: hc, mode: 'incremental' },
          ]);

          const db = path.join(dir, 'run.db');
          await withWorkers(async (spawnWorker) => {
            spawnWorker(workerArgs({ db, baseUrl: sim.url, redisUrl, queue: name }));
            await waitUntil(() => syncRuns(db).filter((r) => r.status === 'ok').length === 2, 'both enqueued runs finished');
          });
          // finished jobs no longer hold their place: the next one is added
          const again = await runJson('--full');
          expect(again.added).toBe(true);
          expect(again.jobId).not.toBe(full.jobId);
        });
      } finally {
        await sim.close();
      }
    });
  });

  it('rejects bad input with exit code 2 and one line; an unreachable Redis fails fast with one line', async () => {
    const hc = 'a'.repeat(24);
    await withTestQueue(redisUrl, async (queue, name) => {
      const env = { REDIS_URL: redisUrl, HCSYNC_QUEUE: name };
      const bad = await Promise.all([
        runCli(['schedule', 'add', '--helpcenter', hc, '--every', 'soon'], { env }),
        runCli(['schedule', 'add', '--helpcenter', hc, '--full-cron', 'nightly'], { env }),
        runCli(['schedule', 'add', '--helpcenter', hc, '--full-cron', '0 99 * * *'], { env }),
        runCli(['schedule', 'add', '--helpcenter', hc, '--tz', 'Mars/Olympus'], { env }),
        runCli(['schedule', 'add', '--every', '5m'], { env }),
        runCli(['schedule', 'run', '--full'], { env }),
        runCli(['schedule', 'run', '--helpcenter', 'nope'], { env }),
      ]);
      for (const r of bad) {
        expect(r.code).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(/^hcsync: /);
      }
      // a bad cron changed nothing
      expect(await queue.getJobSchedulersCount()).toBe(0);

      // a time zone: Asia/Kolkata is UTC+5:30 all year, so 03:00 there is 21:30 UTC
      const inTz = await runCli(['schedule', 'add', '--helpcenter', hc, '--tz', 'Asia/Kolkata'], { env });
      expect(inTz.stderr).toBe('');
      expect(inTz.stdout).toContain(`full sweep "0 3 * * *" Asia/Kolkata;`);
      const full = await queue.getJobScheduler(`full:${hc}`);
      expect(full?.tz).toBe('Asia/Kolkata');
      const next = new Date(full!.next!);
      expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([21, 30]);
      const listed = JSON.parse((await runCli(['schedule', 'list', '--json'], { env })).stdout) as unknown[];
      expect(listed).toEqual([{ helpcenter: hc, every: 300_000, fullCron: '0 3 * * *', tz: 'Asia/Kolkata', next: expect.any(String) }]);
      // added again without one: back to host time, and the key is gone from the JSON
      expect((await runCli(['schedule', 'add', '--helpcenter', hc], { env })).code).toBe(0);
      expect(JSON.parse((await runCli(['schedule', 'list', '--json'], { env })).stdout)).toEqual([{ helpcenter: hc, every: 300_000, fullCron: '0 3 * * *', next: expect.any(String) }]);
    });
    const t0 = Date.now();
    const down = await runCli(['schedule', 'list'], { env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^hcsync: Redis at redis:\/\/127\.0\.0\.1:1 is not reachable/);
    expect(Date.now() - t0).toBeLessThan(8000);
  });
});
