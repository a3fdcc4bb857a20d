import { describe, expect, it } from 'vitest';
import { expectSameAnswer, expectSameListsEverywhere, get, withHarness, withLocalServer } from './sync.harness.js';

/** A seeded query mix: valid ones of every shape plus invalid and odd spellings. */
function randomQueries(helpcenter: string, n: number, seed: number): string[] {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const parts: string[] = [`id=${pick([helpcenter, helpcenter.toUpperCase(), helpcenter, 'zz' + helpcenter.slice(2), ''])}`];
    if (rnd() < 0.8) parts.push(`state=${pick(['ALL', 'unhandled', 'HANDLING', 'Closed', 'bogus', ''])}`);
    if (rnd() < 0.8) parts.push(`sortBy=${pick(['SENT', 'created', 'STATE', 'sent', 'NAME', ''])}`);
    if (rnd() < 0.8) parts.push(`sortOrder=${pick(['asc', 'DESC', 'desc', 'up', ''])}`);
    if (rnd() < 0.8) parts.push(`offset=${pick(['0', '1', '7', '99', '250', '1999', '5000', '-1', 'x', String(Math.floor(rnd() * 2100))])}`);
    if (rnd() < 0.8) parts.push(`limit=${pick(['1', '10', '100', '500', '501', '0', '-3', '2.5', String(1 + Math.floor(rnd() * 600))])}`);
    if (rnd() < 0.1) parts.push('state=CLOSED'); // repeated: the first counts
    if (rnd() < 0.1) parts.push('unknown=1');
    out.push(parts.sort(() => rnd() - 0.5).join('&'));
  }
  return out;
}

describe('full sync (guarantee 1)', () => {
  it('after a full sync, every list query answered locally equals the remote answer; two helpcenters stay apart', async () => {
    await withHarness({ seed: 7, helpcenters: 2, cases: 2100 }, async (h) => {
      const [a, b] = h.sim.world.helpcenterIds() as [string, string];
      const sa = await h.sync(a, 'full');
      expect(sa.mode).toBe('full');
      expect(sa.casesUpserted).toBe(2100);
      expect(sa.rejected).toBe(0);
      await h.sync(b, 'full');
      await withLocalServer(h.store, async (srv) => {
        for (const hc of [a, b]) {
          const compared = await expectSameListsEverywhere(h.sim.url, srv.url, hc, 500);
          expect(compared).toBeGreaterThanOrEqual(24 * 1);
          // small pages too, so ties and boundaries are exercised
          for (const q of randomQueries(hc, 320, hc === a ? 1 : 2)) {
            const [r, l] = await Promise.all([get(h.sim.url, q), get(srv.url, q)]);
            expectSameAnswer(q, r, l);
          }
        }
        // each helpcenter's list holds only its own cases
        const la = (await get(srv.url, `id=${a}&limit=500`)).body as { total: number; cases: { _id: string }[] };
        const lb = (await get(srv.url, `id=${b}&limit=500`)).body as { total: number; cases: { _id: string }[] };
        expect(la.total).toBe(2100);
        expect(lb.total).toBe(2100);
        const idsA = new Set(h.sim.world.cases(a).map((c) => c._id));
        expect(lb.cases.some((c) => idsA.has(c._id))).toBe(false);
      });
    });
  });

  it('a second full sync of an unchanged remote rewrites nothing', async () => {
    await withHarness({ seed: 3, helpcenters: 1, cases: 1200 }, async (h) => {
      const [a] = h.sim.world.helpcenterIds() as [string];
      await h.sync(a, 'full');
      const again = await h.sync(a, 'full');
      expect(again.casesUpserted).toBe(0);
      expect(again.unchanged).toBe(1200);
      expect(again.deleted).toBe(0);
    });
  });

  it('a never-synced well-formed id answers 404 not_synced; bad ids 422', async () => {
    await withHarness({ seed: 3, helpcenters: 1, cases: 10 }, async (h) => {
      await withLocalServer(h.store, async (srv) => {
        const r = await get(srv.url, 'id=0123456789abcdef01234567');
        expect(r.status).toBe(404);
        expect((r.body as { error: string }).error).toBe('not_synced');
        const bad = await get(srv.url, 'id=nothex');
        expect(bad.status).toBe(422);
        expect(bad.body).toEqual({ error: 'id', description: 'Invalid helpcenterId' });
      });
    });
  });
});
