import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Simulator } from '../sim/index.js';
import { freePort } from './setup/redis.js';
import { runCli, withTempDir } from './helpers.js';
import { expectSameListsEverywhere, get, withHarness, withLocalServer } from './sync.harness.js';

describe('sync against a bad upstream', () => {
  it('a flaky upstream (about a quarter of requests fail) still converges', async () => {
    await withHarness(
      { seed: 41, helpcenters: 1, cases: 3500, faults: { script: ['ok', 'reset', 'truncate', 'ok', 'error500', 'tooMany', 'html', 'badShape'], error500: 0.07, tooMany: 0.05, reset: 0.06, truncate: 0.05, html: 0.02, retryAfter: { form: 'seconds', seconds: 0 } } },
      async (h) => {
        const [hc] = h.sim.world.helpcenterIds() as [string];
        // one page at a time: a request called off in the pool never reaches the simulator, and the counts must agree
        const s = await h.sync(hc, 'full', { concurrency: 1 });
        const faults = Object.values(h.sim.counters.faults).reduce((a, b) => a + b, 0);
        expect(faults).toBeGreaterThanOrEqual(6);
        expect(s.requests).toBe(h.sim.counters.requests);
        h.sim.faults = { ...h.sim.faults, error500: 0, tooMany: 0, reset: 0, truncate: 0, html: 0, badShape: 0 };
        await withLocalServer(h.store, async (srv) => {
          await expectSameListsEverywhere(h.sim.url, srv.url, hc);
        });
      },
    );
  });

  it('a rejected token fails in at most 2 requests with a one-line message and exit code 1', async () => {
    await withTempDir(async (dir) => {
      const sim = await Simulator.start({ seed: 42, helpcenters: 1, cases: 20, token: 'right-token' });
      try {
        const [hc] = sim.world.helpcenterIds() as [string];
        const r = await runCli(['sync', '--db', path.join(dir, 'a.db'), '--base-url', sim.url, '--helpcenter', hc], {
          env: { TELECOMX_TOKEN: 'wrong-token-3f9a' },
        });
        expect(r.code).toBe(1);
        expect(sim.counters.requests).toBeLessThanOrEqual(2);
        const lines = r.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^hcsync: remote rejected the token \(403 access_denied/);
        expect(lines[0]).toMatch(/--token-in query/);
        expect(r.stderr + r.stdout).not.toContain('wrong-token-3f9a');
        // the recorded failure names the cause, and the token is not in the store
        const st = await runCli(['status', '--json', '--db', path.join(dir, 'a.db')]);
        const status = JSON.parse(st.stdout) as { helpcenters: { lastError: string | null; lastRuns: { status: string }[] }[] };
        expect(status.helpcenters[0]!.lastRuns[0]!.status).toBe('failed');
        expect(status.helpcenters[0]!.lastError).toMatch(/access_denied/);
        expect(st.stdout).not.toContain('wrong-token-3f9a');
      } finally {
        await sim.close();
      }
    });
  });

  it('an unreachable upstream fails cleanly within its bound and leaves the store as it was', async () => {
    await withHarness({ seed: 43, helpcenters: 1, cases: 700 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      const before = await withLocalServer(h.store, async (srv) => (await get(srv.url, `id=${hc}&limit=500&sortBy=CREATED`)).text);
      const port = await freePort(); // nothing listens there
      const t0 = Date.now();
      const r = await runCli(['sync', '--full', '--db', h.dbFile, '--base-url', `http://127.0.0.1:${port}`, '--helpcenter', hc, '--attempts', '3', '--retry-time', '3s']);
      expect(Date.now() - t0).toBeLessThan(15_000);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^hcsync: upstream unavailable after \d+ attempts/);
      const after = await withLocalServer(h.store, async (srv) => (await get(srv.url, `id=${hc}&limit=500&sortBy=CREATED`)).text);
      expect(after).toBe(before);
      expect(h.store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    });
  });

  it('tolerant reading: only a case without a usable _id is refused; odd fields are stored and counted as warnings', async () => {
    await withHarness({ seed: 44, helpcenters: 1, cases: 900 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      h.sim.world.injectRaw(hc, { subject: 'no id at all', state: 'CLOSED' });
      h.sim.world.injectRaw(hc, { _id: 'aaaaaaaaaaaaaaaaaaaaaaa1', state: 'CLOSED', caseNumber: 'seven' });
      h.sim.world.injectRaw(hc, { _id: 'aaaaaaaaaaaaaaaaaaaaaaa2', state: 'WAITING' });
      const s = await h.sync(hc, 'full');
      expect(s.rejected).toBe(1);
      expect(s.casesUpserted).toBe(902);
      expect(s.warnings).toBe(2);
      const rows = h.store.db.prepare('SELECT case_id, reason FROM rejected_cases ORDER BY case_id').all();
      expect(rows).toEqual([{ case_id: null, reason: '_id is missing or not a string (undefined)' }]);
      const warnings = h.store.db.prepare('SELECT case_id, field, detail FROM sync_warnings WHERE case_id IS NOT NULL ORDER BY case_id').all();
      expect(warnings).toEqual([
        { case_id: 'aaaaaaaaaaaaaaaaaaaaaaa1', field: 'caseNumber', detail: 'not a number (string)' },
        { case_id: 'aaaaaaaaaaaaaaaaaaaaaaa2', field: 'state', detail: 'not UNHANDLED, HANDLING or CLOSED (string)' },
      ]);
      // both odd cases are listed locally exactly as delivered (the one without an id cannot be: it is the only difference)
      await withLocalServer(h.store, async (srv) => {
        const local = (await get(srv.url, `id=${hc}&limit=500&sortBy=CREATED&sortOrder=desc`)).body as { total: number; cases: { _id: string }[] };
        expect(local.total).toBe(902);
        for (const id of ['aaaaaaaaaaaaaaaaaaaaaaa1', 'aaaaaaaaaaaaaaaaaaaaaaa2']) {
          expect(local.cases.find((c) => c._id === id)).toEqual(h.sim.world.getCase(hc, id));
        }
      });
      const st = await runCli(['status', '--json', '--db', h.dbFile]);
      expect((JSON.parse(st.stdout) as { helpcenters: { rejected: number }[] }).helpcenters[0]!.rejected).toBe(1);
    });
  });
});
