import { describe, expect, it } from 'vitest';
import { firstDifference, randomQueries, verify } from '../query/verify.js';
import { freePort } from './setup/redis.js';
import { runCli } from './helpers.js';
import { withHarness } from './sync.harness.js';

describe('verify', () => {
  it('finds no difference after a sync, and reports one when the remote orders STATE differently', async () => {
    await withHarness({ seed: 61, helpcenters: 1, cases: 1500 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      const queries = randomQueries(hc, 150, 9, 1500);
      expect(new Set(queries).size).toBeGreaterThan(140);
      const clean = await verify(h.store, h.client, queries);
      expect(clean.differences).toEqual([]);

      h.sim.world.setStateOrder(['CLOSED', 'HANDLING', 'UNHANDLED']);
      const q = `id=${hc}&state=ALL&sortBy=STATE&sortOrder=asc&limit=5`;
      const flipped = await verify(h.store, h.client, [q, `id=${hc}&sortBy=CREATED&limit=5`]);
      expect(flipped.differences).toHaveLength(1);
      const d = flipped.differences[0]!;
      expect(d.query).toBe(q);
      expect(d.path).toBe('cases[0]._id');

      // the CLI: exit 1, one DIFF block per differing query, the one-line summary on stderr
      const r = await runCli(['verify', '--db', h.dbFile, '--base-url', h.sim.url, '--helpcenter', hc, '--samples', '120', '--seed', '4']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^DIFF .*sortBy=(STATE|state)/m);
      expect(r.stdout).toMatch(/at cases\[\d+\]\.(_id|state)/);
      expect(r.stderr).toMatch(/^hcsync: \d+ of 120 queries answered differently \(seed 4\)\n$/);
      h.sim.world.setStateOrder(undefined);
      const ok = await runCli(['verify', '--db', h.dbFile, '--base-url', h.sim.url, '--helpcenter', hc, '--samples', '60', '--json']);
      expect(ok.code).toBe(0);
      expect(JSON.parse(ok.stdout)).toMatchObject({ samples: 60, differences: [] });
    });
  });

  it('a refused token or an unreachable remote is that (exit 1, one line), never a difference', async () => {
    await withHarness({ seed: 62, helpcenters: 1, cases: 300, token: 'right-token' }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      const verify = (...args: string[]) => runCli(['verify', '--db', h.dbFile, '--base-url', h.sim.url, '--helpcenter', hc, '--samples', '5', ...args]);
      const wrong = await verify('--token', 'wrong-token');
      expect({ code: wrong.code, stdout: wrong.stdout }).toEqual({ code: 1, stdout: '' });
      expect(wrong.stderr).toMatch(/^hcsync: remote rejected the token \(403 access_denied: Insufficient access level\) — .*try --token-in query\n$/);
      const none = await verify();
      expect({ code: none.code, stdout: none.stdout }).toEqual({ code: 1, stdout: '' });
      expect(none.stderr).toMatch(/^hcsync: remote rejected the token \(403 access_denied.*no token was given: pass --token or set TELECOMX_TOKEN\n$/);
      const ok = await verify('--token', 'right-token');
      expect(ok.code).toBe(0);
      const port = await freePort();
      const down = await runCli(['verify', '--db', h.dbFile, '--base-url', `http://127.0.0.1:${port}`, '--helpcenter', hc, '--attempts', '1']);
      expect({ code: down.code, stdout: down.stdout }).toEqual({ code: 1, stdout: '' });
      expect(down.stderr).toMatch(/^hcsync: upstream unavailable after 1 attempt in [\d.]+ s: network error talking to 127\.0\.0\.1:\d+: .*ECONNREFUSED.*\n$/);
    }, { token: 'right-token' });
  });

  it('--json names the first differing field per query; whole answers only with --verbose', async () => {
    await withHarness({ seed: 63, helpcenters: 1, cases: 400 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      h.sim.world.setStateOrder(['CLOSED', 'HANDLING', 'UNHANDLED']);
      const args = ['verify', '--db', h.dbFile, '--base-url', h.sim.url, '--helpcenter', hc, '--samples', '60', '--seed', '4', '--json'];
      const r = await runCli(args);
      expect(r.code).toBe(1);
      const j = JSON.parse(r.stdout) as { seed: number; samples: number; differences: Record<string, unknown>[] };
      expect(j.seed).toBe(4);
      expect(j.differences.length).toBeGreaterThan(0);
      for (const d of j.differences) {
        expect(Object.keys(d)).toEqual(['query', 'path', 'remoteStatus', 'localStatus', 'remoteValue', 'localValue']);
        expect(d.path).toMatch(/^cases\[\d+\]\.(_id|state)$|^status$|^total$/);
      }
      // a few hundred bytes a difference, not two whole pages
      expect(r.stdout.length).toBeLessThan(400 * j.differences.length + 100);
      const v = await runCli([...args, '--verbose']);
      const jv = JSON.parse(v.stdout) as { differences: { remote: { status: number; body: { cases: unknown[] } }; local: unknown }[] };
      expect(jv.differences).toHaveLength(j.differences.length);
      expect(jv.differences[0]!.remote.body.cases.length).toBeGreaterThan(0);
      expect(jv.differences[0]!.local).toBeDefined();
    });
  });

  it('firstDifference names the first differing path', () => {
    expect(firstDifference({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toEqual({ path: 'a[1].b', a: 2, b: 3 });
    expect(firstDifference({ a: [1] }, { a: [1, 2] })).toEqual({ path: 'a.length', a: 1, b: 2 });
    expect(firstDifference({ x: 1 }, { x: 1, y: null })).toEqual({ path: 'y', a: undefined, b: null });
    expect(firstDifference({ x: [1, 2] }, { x: [1, 2] })).toBeUndefined();
  });
});
