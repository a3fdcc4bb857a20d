import { describe, expect, it } from 'vitest';
import { firstDifference, randomQueries, verify } from '../query/verify.js';
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

  it('firstDifference names the first differing path', () => {
    expect(firstDifference({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toEqual({ path: 'a[1].b', a: 2, b: 3 });
    expect(firstDifference({ a: [1] }, { a: [1, 2] })).toEqual({ path: 'a.length', a: 1, b: 2 });
    expect(firstDifference({ x: 1 }, { x: 1, y: null })).toEqual({ path: 'y', a: undefined, b: null });
    expect(firstDifference({ x: [1, 2] }, { x: [1, 2] })).toBeUndefined();
  });
});
