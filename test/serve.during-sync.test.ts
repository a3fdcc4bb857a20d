import { describe, expect, it } from 'vitest';
import { Store } from '../store/index.js';
import { expectSameListsEverywhere, get, withHarness, withLocalServer } from './sync.harness.js';

describe('serve while a sync runs', () => {
  it('every answer is one committed state: total and page agree, and totals only grow during a first sweep', async () => {
    await withHarness({ seed: 81, helpcenters: 1, cases: 3000, faults: { latencyMs: 40, latencyRate: 1 } }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      const reader = new Store(h.dbFile, { readonly: true });
      try {
        await withLocalServer(reader, async (srv) => {
          const sync = h.sync(hc, 'full');
          let done = false;
          void sync.finally(() => (done = true));
          const totals: number[] = [];
          while (!done) {
            const r = await get(srv.url, `id=${hc}&sortBy=CREATED&limit=500&offset=2700`);
            if (r.status === 404) continue; // no page committed yet: not_synced
            expect(r.status).toBe(200);
            const b = r.body as { total: number; cases: unknown[] };
            expect(b.cases.length).toBe(Math.max(0, Math.min(500, b.total - 2700)));
            totals.push(b.total);
          }
          await sync;
          expect(totals.length).toBeGreaterThan(3);
          expect([...totals].sort((x, y) => x - y)).toEqual(totals); // commits only add cases here
          expect(new Set(totals).size).toBeGreaterThan(1); // pages became visible as they were committed
          h.sim.faults.latencyRate = 0;
          await expectSameListsEverywhere(h.sim.url, srv.url, hc);
        });
      } finally {
        reader.close();
      }
    });
  });
});
