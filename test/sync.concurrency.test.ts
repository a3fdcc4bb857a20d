import { describe, expect, it } from 'vitest';
import { ConcurrencyControl, type ConcurrencyChange } from '../worker/concurrency.js';
import { SyncEmitter } from '../worker/events.js';
import { expectSameListsEverywhere, withHarness, withLocalServer } from './sync.harness.js';

/** Several pages in flight during a full sweep (docs/decisions.md#pages-in-flight-adapt; issue 11). */
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

  it('the controller: slow start to the ceiling, halving on a page that needed retries or a markedly slower answer, +1 after 4 healthy pages', () => {
    const changes: ConcurrencyChange[] = [];
    const c = new ConcurrencyControl(8, (x) => changes.push(x));
    expect(c.limit).toBe(1);
    for (let i = 0; i < 3; i++) c.observe(1, 100);
    expect(c.limit).toBe(8); // 1 → 2 → 4 → 8
    c.observe(3, 100); // a 429 or a 5xx was retried
    expect(c.limit).toBe(4);
    c.observe(1, 5000); // 50 times the fastest
    expect(c.limit).toBe(2);
    for (let i = 0; i < 4; i++) c.observe(1, undefined); // answered while we wrote: healthy
    expect(c.limit).toBe(3);
    c.large('a page of 40 MB');
    expect({ limit: c.limit, reached: c.reached }).toEqual({ limit: 1, reached: 8 });
    expect(changes.map((x) => x.to)).toEqual([2, 4, 8, 4, 2, 3, 1]);
  });

  it('a 429 storm lowers the pages in flight (an event says so) and the sweep still converges', async () => {
    await withHarness(
      { seed: 112, helpcenters: 1, cases: 4000, faults: { script: ['ok', 'ok', 'ok', 'ok', 'tooMany', 'tooMany', 'tooMany', 'tooMany'], tooMany: 0.1, retryAfter: { form: 'seconds', seconds: 0 } } },
      async (h) => {
        const [hc] = h.sim.world.helpcenterIds() as [string];
        const events = new SyncEmitter();
        const changes: { from: number; to: number; reason: string }[] = [];
        events.on('concurrency', (c) => changes.push(c));
        const s = await h.sync(hc, 'full', { events, concurrency: 8 });
        expect(s.concurrency).toBeGreaterThan(1);
        // lowered at least once (by the retries, or earlier by slow answers on a loaded machine)
        expect(changes.some((c) => c.to < c.from)).toBe(true);
        h.sim.faults.tooMany = 0; // compare with a remote that answers
        await withLocalServer(h.store, (srv) => expectSameListsEverywhere(h.sim.url, srv.url, hc));
      },
      { attempts: 10 },
    );
  });
});
