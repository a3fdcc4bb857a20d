import { describe, expect, it } from 'vitest';
import { SyncEmitter } from '../worker/events.js';
import { expectSameListsEverywhere, withHarness, withLocalServer } from './sync.harness.js';

/** Several pages in flight during a full sweep (SPEC §6; issue 11). */
describe('full sweeps with several pages in flight', () => {
  it('requests are on the wire while a page is written: the remote sees more requests than pages committed', async () => {
    await withHarness({ seed: 111, helpcenters: 1, cases: 4000, quirks: { latencyMs: 80 } }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      const events = new SyncEmitter();
      const commits: number[] = [];
      events.on('page', () => commits.push(Date.now()));
      const s = await h.sync(hc, 'full', { events, concurrency: 4 });
      expect(s.concurrency).toBe(4);
      const arrivals = h.sim.counters.arrivals;
      // before the k-th commit the remote had already been asked for page k+1 at least (one page
      // at a time, the next request went out only after the write), and for several at times
      // (the first page goes alone: it shows how large pages are before several are in flight)
      const ahead = commits.slice(1, -2).map((t, i) => arrivals.filter((a) => a <= t).length - (i + 2));
      expect(Math.min(...ahead)).toBeGreaterThanOrEqual(1);
      expect(Math.max(...ahead)).toBeGreaterThanOrEqual(3);
      await withLocalServer(h.store, (srv) => expectSameListsEverywhere(h.sim.url, srv.url, hc));
    });
  });

  it('a 429 storm lowers the pages in flight (an event says so) and the sweep still converges', async () => {
    await withHarness(
      { seed: 112, helpcenters: 1, cases: 4000, faults: { script: ['ok', 'ok', 'ok', 'ok', 'tooMany', 'tooMany', 'tooMany', 'tooMany'], tooMany: 0.1, retryAfter: { form: 'seconds', seconds: 0 } } },
      async (h) => {
        const [hc] = h.sim.world.helpcenterIds() as [string];
        const events = new SyncEmitter();
        const changes: { from: number; to: number; reason: string }[] = [];
        events.on('concurrency', (c) => changes.push(c));
        await h.sync(hc, 'full', { events, concurrency: 8 });
        expect(changes.some((c) => c.to < c.from && /retries/.test(c.reason))).toBe(true);
        h.sim.faults.tooMany = 0; // compare with a remote that answers
        await withLocalServer(h.store, (srv) => expectSameListsEverywhere(h.sim.url, srv.url, hc));
      },
      { attempts: 10 },
    );
  });
});
