import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { Simulator } from '../sim/index.js';
import { enqueueSync } from '../worker/queue.js';
import { runCli, waitUntil, withTempDir } from './helpers.js';
import { scanRedisFor, syncRuns, withTestQueue, withWorkers, workerArgs } from './worker.harness.js';

const redisUrl = inject('redisUrl');

interface StatusJson {
  helpcenters: { id: string; lastError: string | null }[];
  queue: {
    available: boolean;
    helpcenters: { helpcenter: string; failed: number; lastError: { reason: string; attemptsMade: number; final: boolean } | null }[];
  };
}

describe('worker: permanent failures and secrets', () => {
  it('a rejected token fails the job once, permanently, and status says why; no token ever reaches Redis or the log', async () => {
    await withTempDir(async (dir) => {
      const right = `tok-right-${randomBytes(12).toString('hex')}`;
      const wrong = `tok-wrong-${randomBytes(12).toString('hex')}`;
      const sim = await Simulator.start({ seed: 81, helpcenters: 1, cases: 600, token: right });
      try {
        await withTestQueue(redisUrl, async (queue, name) => {
          const [hc] = sim.world.helpcenterIds() as [string];
          const db = path.join(dir, 'auth.db');
          const args = workerArgs({ db, baseUrl: sim.url, redisUrl, queue: name });
          const env = { REDIS_URL: redisUrl, HCSYNC_QUEUE: name, HCSYNC_DB: db };
          await withWorkers(async (spawnWorker) => {
            // the token from the environment, as a deployment would pass it
            const bad = spawnWorker(args, { TELECOMX_TOKEN: wrong });
            await bad.waitForLog((l) => l.event === 'worker.ready', 'worker ready');
            const job = await enqueueSync(queue, { helpcenter: hc, mode: 'full' });
            await waitUntil(async () => (await job.getState()) === 'failed', 'the job failed');
            const failed = (await queue.getJob(job.id!))!;
            expect(failed.attemptsMade).toBe(1);
            expect(failed.failedReason).toMatch(/^remote rejected the token \(403 access_denied: Insufficient access level\)/);
            expect(syncRuns(db)).toMatchObject([{ status: 'failed', error_code: 'E_AUTH' }]);

            const st = await runCli(['status', '--json'], { env });
            expect(st.code).toBe(0);
            const status = JSON.parse(st.stdout) as StatusJson;
            expect(status.helpcenters[0]!.lastError).toMatch(/remote rejected the token/);
            expect(status.queue.available).toBe(true);
            expect(status.queue.helpcenters).toMatchObject([{ helpcenter: hc, failed: 1, lastError: { attemptsMade: 1, final: true, reason: failed.failedReason } }]);
            const text = await runCli(['status'], { env });
            expect(text.stdout).toMatch(new RegExp(`helpcenter ${hc}: 0 waiting, 0 active, 0 delayed, 1 failed; .*last job error \\(job ${job.id}, failed after 1 attempt, .*\\): remote rejected the token`));

            // the right token, in the query string this time: the widest exposure to leak
            bad.child.kill('SIGTERM');
            await bad.exited;
            const good = spawnWorker([...args, '--token', right, '--token-in', 'query']);
            // one job now (a full sweep: the helpcenter was never synced), then an incremental one
            expect((await runCli(['schedule', 'run', '--helpcenter', hc], { env })).code).toBe(0);
            await waitUntil(() => syncRuns(db).some((r) => r.mode === 'full' && r.status === 'ok'), 'a full run with the right token');
            expect((await runCli(['schedule', 'run', '--helpcenter', hc], { env })).code).toBe(0);
            await waitUntil(() => syncRuns(db).some((r) => r.mode === 'incremental' && r.status === 'ok'), 'an incremental run with the right token');
            good.child.kill('SIGTERM');
            await good.exited;
            for (const w of [bad, good]) {
              for (const t of [right, wrong]) {
                expect(w.stdout()).not.toContain(t);
                expect(w.stderr()).not.toContain(t);
              }
            }
          });

          // a job left waiting, so the wait list exists too
          await enqueueSync(queue, { helpcenter: hc, mode: 'full' });
          const { hits, types } = await scanRedisFor(queue, [right, wrong]);
          expect(hits).toEqual([]);
          // the scan read every kind of key BullMQ keeps
          for (const t of ['string', 'hash', 'list', 'zset', 'stream']) expect(types[t] ?? 0, `keys of type ${t}`).toBeGreaterThan(0);
        });
      } finally {
        await sim.close();
      }
    });
  });
});

describe('worker: transient failures', () => {
  it('an upstream that stays down fails the attempt, and the job waits for a retry with backoff', async () => {
    await withTempDir(async (dir) => {
      const sim = await Simulator.start({ seed: 82, helpcenters: 1, cases: 100, faults: { error500: 1 } });
      try {
        await withTestQueue(redisUrl, async (queue, name) => {
          const [hc] = sim.world.helpcenterIds() as [string];
          const db = path.join(dir, 'down.db');
          await withWorkers(async (spawnWorker) => {
            // one request attempt: the client gives up at once, the job's own retries take over
            const w = spawnWorker([...workerArgs({ db, baseUrl: sim.url, redisUrl, queue: name }), '--attempts', '1']);
            await w.waitForLog((l) => l.event === 'worker.ready', 'worker ready');
            const job = await enqueueSync(queue, { helpcenter: hc, mode: 'full' });
            const end = await w.waitForLog((l) => l.event === 'job.finish', 'the first attempt ending');
            expect(end).toMatchObject({ outcome: 'retry', errorCode: 'E_UPSTREAM', attemptsLeft: 4 });
            // the line is logged just before BullMQ moves the job
            await waitUntil(async () => (await job.getState()) === 'delayed', 'the job delayed for its retry');
            const again = (await queue.getJob(job.id!))!;
            expect(again.attemptsMade).toBe(1);
            expect(again.failedReason).toMatch(/^upstream unavailable after 1 attempt/);
            const st = JSON.parse((await runCli(['status', '--json'], { env: { REDIS_URL: redisUrl, HCSYNC_QUEUE: name, HCSYNC_DB: db } })).stdout) as StatusJson;
            expect(st.queue.helpcenters).toMatchObject([{ helpcenter: hc, delayed: 1, failed: 0, lastError: { attemptsMade: 1, final: false } }]);
          });
        });
      } finally {
        await sim.close();
      }
    });
  });
});
