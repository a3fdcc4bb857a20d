import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { Simulator } from '../sim/index.js';
import { enqueueSync } from '../worker/queue.js';
import { waitUntil, withTempDir } from './helpers.js';
import { withTestQueue, withWorkers, workerArgs } from './worker.harness.js';

const redisUrl = inject('redisUrl');

describe('worker: a missing token', () => {
  it('is not warned about at start; a refused sync says so once per helpcenter; a remote that needs none hears nothing', async () => {
    await withTempDir(async (dir) => {
      const guarded = await Simulator.start({ seed: 151, helpcenters: 2, cases: 50, token: 'the-remote-wants-this-token' });
      const open = await Simulator.start({ seed: 152, helpcenters: 1, cases: 50 });
      try {
        await withTestQueue(redisUrl, async (queue, name) => {
          const [a, b] = guarded.world.helpcenterIds() as [string, string];
          await withWorkers(async (spawnWorker) => {
            const w = spawnWorker(workerArgs({ db: path.join(dir, 'g.db'), baseUrl: guarded.url, redisUrl, queue: name }));
            await w.waitForLog((l) => l.event === 'worker.ready', 'worker ready');
            expect(w.logs.filter((l) => l.level !== 'info')).toEqual([]);
            // two refused jobs of one helpcenter, one of another
            await enqueueSync(queue, { helpcenter: a, mode: 'full' });
            await enqueueSync(queue, { helpcenter: a, mode: 'incremental' });
            await enqueueSync(queue, { helpcenter: b, mode: 'full' });
            await waitUntil(() => w.logs.filter((l) => l.event === 'job.finish').length === 3, 'three finished jobs');
            expect(w.logs.filter((l) => l.event === 'job.finish').map((l) => l.errorCode)).toEqual(['E_AUTH', 'E_AUTH', 'E_AUTH']);
            const refused = w.logs.filter((l) => l.event === 'remote.refused');
            expect(refused.map((l) => l.helpcenter)).toEqual([a, b]);
            expect(refused[0]).toMatchObject({ level: 'warn', status: 403, warning: 'no token given (--token or TELECOMX_TOKEN) and the remote refused the sync' });
          });
          await withWorkers(async (spawnWorker) => {
            const [hc] = open.world.helpcenterIds() as [string];
            const w = spawnWorker(workerArgs({ db: path.join(dir, 'o.db'), baseUrl: open.url, redisUrl, queue: name }));
            await w.waitForLog((l) => l.event === 'worker.ready', 'worker ready');
            await enqueueSync(queue, { helpcenter: hc, mode: 'full' });
            const finish = await w.waitForLog((l) => l.event === 'job.finish', 'job.finish');
            expect(finish.outcome).toBe('ok');
            expect(w.logs.filter((l) => l.level !== 'info')).toEqual([]);
          });
        });
      } finally {
        await guarded.close();
        await open.close();
      }
    });
  });
});
