import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { Simulator } from '../sim/index.js';
import { jsonLogger } from '../worker/log.js';
import { enqueueSync } from '../worker/queue.js';
import { copyFileSync, renameSync } from 'node:fs';
import { runCli, waitUntil, withTempDir } from './helpers.js';
import { get } from './metrics.harness.js';
import { freePort } from './setup/redis.js';
import { syncRuns, withTestQueue, withWorkers, workerArgs } from './worker.harness.js';

const redisUrl = inject('redisUrl');

/** A worker whose log cannot be written (break-it of issue 13: it exited 0 mid-job, or crashed with a stack). */
describe('worker: a log it cannot write', () => {
  it('a closed stdout mid-sync stops the worker cleanly: exit 1, one line on stderr, no run left running', async () => {
    await withTempDir(async (dir) => {
      const sim = await Simulator.start({ seed: 91, helpcenters: 1, cases: 3000, faults: { latencyMs: 150, latencyRate: 1 } });
      try {
        const [hc] = sim.world.helpcenterIds() as [string];
        const db = path.join(dir, 'w.db');
        await withTestQueue(redisUrl, async (queue, name) => {
          await withWorkers(async (spawnWorker) => {
            const w = spawnWorker(workerArgs({ db, baseUrl: sim.url, redisUrl, queue: name }, '--log-every', '1'));
            await w.waitForLog((l) => l.event === 'worker.ready', 'worker ready');
            await enqueueSync(queue, { helpcenter: hc, mode: 'full' });
            await waitUntil(() => syncRuns(db).some((r) => r.status === 'running' && r.pages >= 1), 'a run with a committed page');
            w.child.stdout!.destroy(); // the reader goes away: the next line written is EPIPE
            const exit = await w.exited;
            expect(exit).toEqual({ code: 1, signal: null });
            expect(w.stderr()).toMatch(/^hcsync: worker: cannot write its log \(EPIPE\); stopping\n$/);
            expect(syncRuns(db).map((r) => r.status)).toEqual(['interrupted']);
          });
        });
      } finally {
        await sim.close();
      }
    });
  });

  it('a write that throws (a full disk: file writes are synchronous) is reported once and never reaches the caller', () => {
    const errors: unknown[] = [];
    let calls = 0;
    const full = { write: () => { calls++; throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }); } };
    const log = jsonLogger(full, Date.now, (e) => errors.push(e));
    expect(() => { log.info('a'); log.warn('b'); log.error('c'); }).not.toThrow();
    expect({ calls, errors: errors.map((e) => (e as NodeJS.ErrnoException).code) }).toEqual({ calls: 1, errors: ['ENOSPC'] });
  });

  it('an empty --metrics-port or HCSYNC_METRICS_PORT is refused (exit 2), not read as "metrics off"', async () => {
    for (const r of [await runCli(['worker', '--metrics-port', '']), await runCli(['worker'], { env: { HCSYNC_METRICS_PORT: '' } })]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^hcsync: --metrics-port \(or HCSYNC_METRICS_PORT\) must be a port number .*, got ""\n$/);
    }
  });

  it('a store replaced under the worker: its jobs fail with E_STORE_MISSING and /healthz turns 503 until a run succeeds', async () => {
    await withTempDir(async (dir) => {
      const sim = await Simulator.start({ seed: 92, helpcenters: 1, cases: 200 });
      try {
        const [hc] = sim.world.helpcenterIds() as [string];
        const db = path.join(dir, 'w.db');
        const port = await freePort();
        await withTestQueue(redisUrl, async (queue, name) => {
          await withWorkers(async (spawnWorker) => {
            const w = spawnWorker(workerArgs({ db, baseUrl: sim.url, redisUrl, queue: name }, '--metrics-port', String(port)));
            await w.waitForLog((l) => l.event === 'worker.ready', 'worker ready');
            await enqueueSync(queue, { helpcenter: hc, mode: 'full' });
            await w.waitForLog((l) => l.event === 'job.finish' && l.outcome === 'ok', 'the first run');
            expect((await get(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
            // another file at the path (a restore from backup, say): the worker's connection still writes the old one
            copyFileSync(db, `${db}.copy`);
            renameSync(`${db}.copy`, db);
            await enqueueSync(queue, { helpcenter: hc, mode: 'full' }, { delayMs: 0 });
            const failed = await w.waitForLog((l) => l.event === 'job.finish' && l.outcome === 'failed', 'the failed run');
            expect(failed.errorCode).toBe('E_STORE_MISSING');
            const h = await get(`http://127.0.0.1:${port}/healthz`);
            expect(h.status).toBe(503);
            expect(JSON.parse(h.body)).toMatchObject({ store: 'failing', reasons: [expect.stringContaining('E_STORE_MISSING')] });
          });
        });
      } finally {
        await sim.close();
      }
    });
  });
});
