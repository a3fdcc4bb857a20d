import { spawn } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Simulator } from '../sim/index.js';
import { Store } from '../store/index.js';
import { BIN, runCli, waitUntil, withTempDir } from './helpers.js';
import { expectSameListsEverywhere, withLocalServer } from './sync.harness.js';
import { OVERLAP, PAGE_LIMIT } from '../worker/walk.js';

function committedPages(dbFile: string): number {
  try {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT coalesce(max(pages), 0) FROM sync_runs').pluck().get() as number) ?? 0;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

describe('crash and resume (guarantee 4)', () => {
  it('a sync killed with SIGKILL mid-sweep resumes from its checkpoint and converges', async () => {
    await withTempDir(async (dir) => {
      const cases = 8000;
      // latency makes the sweep slow enough to be killed in the middle
      const sim = await Simulator.start({ seed: 31, helpcenters: 1, cases, faults: { latencyMs: 150, latencyRate: 1 } });
      try {
        const [hc] = sim.world.helpcenterIds() as [string];
        const db = path.join(dir, 'crash.db');
        const child = spawn(process.execPath, [BIN, 'sync', '--full', '--db', db, '--base-url', sim.url, '--helpcenter', hc], { stdio: 'ignore' });
        const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
        await waitUntil(() => committedPages(db) >= 5, 'five committed pages', 60_000, 20);
        child.kill('SIGKILL');
        expect(await exited).toBe('SIGKILL');
        const pagesBefore = committedPages(db);
        expect(pagesBefore).toBeGreaterThanOrEqual(5);
        const allPages = Math.ceil((cases - OVERLAP) / (PAGE_LIMIT - OVERLAP));
        expect(pagesBefore).toBeLessThan(allPages);

        sim.faults.latencyRate = 0;
        sim.resetCounters();
        const r = await runCli(['sync', '--full', '--json', '--db', db, '--base-url', sim.url, '--helpcenter', hc]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const summary = JSON.parse(r.stdout) as { resumedFrom: number | null; requests: number; pages: number };
        expect(summary.resumedFrom).not.toBeNull();
        // only what came after the checkpoint was fetched again (the page at the checkpoint again, and with
        // pages in flight one predicted request at most that the answers made moot)
        expect(summary.requests).toBeLessThanOrEqual(allPages - pagesBefore + 2);

        const store = new Store(db);
        try {
          expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
          const runs = store.db.prepare('SELECT status FROM sync_runs ORDER BY run_id').pluck().all();
          expect(runs).toEqual(['interrupted', 'ok']);
          await withLocalServer(store, async (srv) => {
            await expectSameListsEverywhere(sim.url, srv.url, hc);
          });
        } finally {
          store.close();
        }
      } finally {
        await sim.close();
      }
    });
  });
});
