import { describe, expect, it } from 'vitest';
import { Rng } from '../sim/index.js';
import { expectSameListsEverywhere, withHarness, withLocalServer } from './sync.harness.js';

describe('full sweep while the remote changes (guarantee 2)', () => {
  it.each([1, 4])('misses no case that existed throughout and duplicates none; the next full sync restores guarantee 1 (%i pages in flight)', async (concurrency) => {
    await withHarness({ seed: 11, helpcenters: 1, cases: 4000 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      const initial = new Set(h.sim.world.cases(hc).map((c) => c._id.toLowerCase()));
      const deletedDuring = new Set<string>();
      const rng = new Rng(5, 'drift-test');
      let pages = 0;
      h.sim.beforeList = (p, world) => {
        if (p.id !== hc) return;
        pages++;
        if (pages === 1) return;
        // ordinary churn between every page
        for (let i = 0; i < 6; i++) {
          const m = world.randomMutation(rng);
          if (m.kind === 'delete') deletedDuring.add(m.id.toLowerCase());
        }
        // every third page: delete more cases BEFORE the cursor than the overlap absorbs
        if (pages % 3 === 0 && p.sortBy === 'CREATED') {
          const before = [...world.cases(hc)]
            .map((c) => c._id.toLowerCase())
            .sort()
            .slice(0, Math.max(0, p.offset - 1));
          for (let i = 0; i < 20 && before.length; i++) {
            const id = before.splice(rng.int(0, before.length - 1), 1)[0]!;
            world.deleteCase(hc, id);
            deletedDuring.add(id);
          }
        }
      };
      const first = await h.sync(hc, 'full', { concurrency });
      h.sim.beforeList = undefined;
      expect(first.drift).toBeGreaterThan(0); // the step-back was exercised
      const live = h.store.db
        .prepare('SELECT id FROM cases WHERE deleted_ms IS NULL')
        .pluck()
        .all() as string[];
      const liveSet = new Set(live);
      expect(liveSet.size).toBe(live.length); // no duplicates
      const existedThroughout = [...initial].filter((id) => !deletedDuring.has(id));
      const missing = existedThroughout.filter((id) => !liveSet.has(id));
      expect(missing).toEqual([]);
      // the next full sync restores guarantee 1, tombstoning what was deleted
      const second = await h.sync(hc, 'full');
      // (the first sweep may already have concluded: when no case came or went between its last two answers)
      expect(first.deleted + second.deleted).toBeGreaterThan(0);
      expect(h.store.runs.runWarnings(second.runId)).toEqual([]);
      await withLocalServer(h.store, async (srv) => {
        await expectSameListsEverywhere(h.sim.url, srv.url, hc);
      });
      const tombstoned = h.store.db.prepare('SELECT id FROM cases WHERE deleted_ms IS NOT NULL').pluck().all() as string[];
      for (const id of tombstoned) expect(h.sim.world.getCase(hc, id)).toBeUndefined();
      const events = h.store.db.prepare("SELECT count(*) FROM case_events WHERE kind = 'deleted'").pluck().get() as number;
      expect(events).toBe(tombstoned.length);
    });
  });

  it('tombstones exactly the cases absent when their range was read; one deleted behind the cursor waits for the next sweep', async () => {
    await withHarness({ seed: 12, helpcenters: 1, cases: 1600 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      // one page at a time throughout: the order in which requests arrive is the premise
      // (a sweep's last discarded prefetches would still arrive after it ends)
      await h.sync(hc, 'full', { concurrency: 1 });
      const ids = h.sim.world.cases(hc).map((c) => c._id.toLowerCase()).sort();
      const gone = [ids[3]!, ids[700]!, ids[1599]!];
      let n = 0;
      h.sim.beforeList = (p, world) => {
        if (++n === 2) for (const id of gone) world.deleteCase(hc, id);
      };
      // deleted before page 2: ids[3] was already read on page 1, the other two not yet
      const s = await h.sync(hc, 'full', { concurrency: 1 });
      h.sim.beforeList = undefined;
      expect(s.deleted).toBe(2);
      const dead = () => h.store.db.prepare('SELECT id FROM cases WHERE deleted_ms IS NOT NULL ORDER BY id').pluck().all();
      expect(dead()).toEqual([gone[1], gone[2]]);
      const next = await h.sync(hc, 'full');
      expect(next.deleted).toBe(1);
      expect(dead()).toEqual([...gone].sort());
    });
  });
});
