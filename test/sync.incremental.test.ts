import { describe, expect, it } from 'vitest';
import type { Case } from '../contract/types.js';
import { withHarness } from './sync.harness.js';

function localCase(h: { store: { db: import('better-sqlite3').Database } }, id: string): { json: Case; inferred: number; deleted: number | null } | undefined {
  const r = h.store.db.prepare('SELECT json, state_inferred, deleted_ms FROM cases WHERE id = ?').get(id.toLowerCase()) as
    | { json: string; state_inferred: number; deleted_ms: number | null }
    | undefined;
  return r && { json: JSON.parse(r.json) as Case, inferred: r.state_inferred, deleted: r.deleted_ms };
}

describe('incremental sync (guarantee 3)', () => {
  it('reflects new cases, replies and every state change in one run; deletions wait for the full sweep', async () => {
    await withHarness({ seed: 21, helpcenters: 1, cases: 3000 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      const w = h.sim.world;
      const all = [...w.cases(hc)];
      const byState = (s: string) => all.filter((c) => c.state === s);
      const closed = byState('CLOSED');
      const unhandled = byState('UNHANDLED');
      const handling = byState('HANDLING');
      const added = [w.addCase(hc), w.addCase(hc), w.addCase(hc, { state: 'HANDLING' })];
      const replied = [closed[10]!, unhandled[0]!, handling[0]!].map((c) => w.reply(hc, c._id));
      const openToOpen = w.setState(hc, unhandled[1]!._id, 'HANDLING');
      const openToClosed = w.setState(hc, handling[1]!._id, 'CLOSED'); // no new message: must be inferred
      const closedToOpen = w.setState(hc, closed[20]!._id, 'UNHANDLED');
      const closedByReply = w.reply(hc, w.setState(hc, unhandled[2]!._id, 'CLOSED')._id);
      const deleted = closed[30]!;
      w.deleteCase(hc, deleted._id);

      const s = await h.sync(hc, 'incremental');
      expect(s.mode).toBe('incremental');
      for (const c of [...added, ...replied, closedByReply, openToOpen, closedToOpen]) {
        expect(localCase(h, c._id)?.json).toEqual(w.getCase(hc, c._id));
      }
      const inferred = localCase(h, openToClosed._id)!;
      expect(inferred.json.state).toBe('CLOSED');
      expect(inferred.inferred).toBe(1);
      expect(s.inferredClosed).toBe(1);
      // every state in the store equals the remote's (the deleted one aside)
      const localStates = h.store.db.prepare('SELECT id, state_rank FROM cases WHERE deleted_ms IS NULL').all() as { id: string; state_rank: number }[];
      const rank = { UNHANDLED: 0, HANDLING: 1, CLOSED: 2 } as const;
      for (const r of localStates) {
        if (r.id === deleted._id.toLowerCase()) continue;
        expect({ id: r.id, rank: r.state_rank }).toEqual({ id: r.id, rank: rank[w.getCase(hc, r.id)!.state] });
      }
      // the deletion waits for the next full sweep
      expect(localCase(h, deleted._id)?.deleted).toBeNull();
      const full = await h.sync(hc, 'full');
      expect(full.deleted).toBe(1);
      expect(localCase(h, deleted._id)?.deleted).not.toBeNull();
      // the remote's own copy replaces the inferred one
      expect(localCase(h, openToClosed._id)!.inferred).toBe(0);
      // observed transitions were recorded with their time
      const ev = h.store.db.prepare("SELECT from_state, to_state, inferred FROM case_events WHERE kind = 'state' AND case_id = ?").all(openToClosed._id.toLowerCase());
      expect(ev).toEqual([{ from_state: 'HANDLING', to_state: 'CLOSED', inferred: 1 }]);
    });
  });

  it('a quiet incremental sync stays within the request budget', async () => {
    await withHarness({ seed: 22, helpcenters: 1, cases: 6000 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      // one page at a time: a sweep's last discarded prefetches would still reach the counters
      await h.sync(hc, 'full', { concurrency: 1 });
      const cases = h.sim.world.cases(hc);
      const u = cases.filter((c) => c.state === 'UNHANDLED').length;
      const hd = cases.filter((c) => c.state === 'HANDLING').length;
      expect(cases.length - u - hd).toBeGreaterThan(cases.length / 2); // mostly closed
      h.sim.resetCounters();
      const s = await h.sync(hc, 'incremental');
      const budget = 1 + Math.ceil(u / 500) + Math.ceil(hd / 500);
      expect(h.sim.counters.requests).toBe(s.requests);
      expect(s.requests).toBeLessThanOrEqual(budget);
      expect(s.casesUpserted).toBe(0);
      expect(s.inferredClosed).toBe(0);
    });
  });

  it('the first incremental sync of a helpcenter is a full sweep', async () => {
    await withHarness({ seed: 23, helpcenters: 1, cases: 300 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      const s = await h.sync(hc, 'incremental');
      expect(s.mode).toBe('full');
      expect(s.casesUpserted).toBe(300);
    });
  });
});
