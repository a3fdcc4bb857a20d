import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { enqueueSync } from '../worker/queue.js';
import { waitUntil } from './helpers.js';
import { corruptTable } from './store.harness.js';
import { withHarness } from './sync.harness.js';
import { syncRuns, withTestQueue, withWorkers, workerArgs } from './worker.harness.js';

const redisUrl = inject('redisUrl');

describe('worker: a store that cannot be used', () => {
  it('a corrupt store fails the job once, as unrecoverable, with the one-line reason; not five retries', async () => {
    await withHarness({ seed: 121, helpcenters: 1, cases: 600 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      h.store.db.pragma('wal_checkpoint(TRUNCATE)');
      const db = path.join(h.dir, 'corrupt.db');
      copyFileSync(h.dbFile, db);
      corruptTable(db, 'cases');
      await withTestQueue(redisUrl, async (queue, name) => {
        await withWorkers(async (spawnWorker) => {
          const w = spawnWorker(workerArgs({ db, baseUrl: h.sim.url, redisUrl, queue: name }));
          await w.waitForLog((l) => l.event === 'worker.ready', 'worker ready');
          const job = await enqueueSync(queue, { helpcenter: hc, mode: 'full' });
          await waitUntil(async () => (await job.getState()) === 'failed', 'the job failed');
          const failed = (await queue.getJob(job.id!))!;
          expect(failed.attemptsMade).toBe(1);
          expect(failed.failedReason).toMatch(new RegExp(`^store ${db} is corrupt \\(SQLITE_CORRUPT\\w*\\); restore it from a backup, or move it away and run \`hcsync sync --full\` to rebuild it$`));
          const end = await w.waitForLog((l) => l.event === 'job.finish', 'the job.finish line');
          expect(end).toMatchObject({ outcome: 'failed', errorCode: 'E_STORE_CORRUPT' });
          expect(end.attemptsLeft).toBeUndefined();
          expect(syncRuns(db).at(-1)).toMatchObject({ status: 'failed', error_code: 'E_STORE_CORRUPT' });
          expect(w.stderr()).toBe('');
        });
      });
    });
  });
});
