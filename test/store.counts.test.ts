import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../store/schema.js';
import { Store } from '../store/index.js';
import { withHarness } from './sync.harness.js';
import { withTempDir } from './helpers.js';

/** state_counts (every list's `total`) against a count of the live cases themselves. */
function countsOf(db: Store['db']): { kept: unknown[]; counted: unknown[] } {
  return {
    kept: db.prepare('SELECT hc, state_rank, n FROM state_counts WHERE n <> 0 ORDER BY hc, state_rank').all(),
    counted: db.prepare('SELECT hc, state_rank, count(*) AS n FROM cases WHERE deleted_ms IS NULL GROUP BY hc, state_rank ORDER BY hc, state_rank').all(),
  };
}

function expectExact(db: Store['db'], after: string): void {
  const { kept, counted } = countsOf(db);
  expect({ after, kept }).toEqual({ after, kept: counted });
}

describe('per-state live counts, kept by the writers (migration 6, issue 11)', () => {
  it('stay exact through inserts, state changes, tombstones, restores and inferred closes', async () => {
    await withHarness({ seed: 61, helpcenters: 1, cases: 1200 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      expectExact(h.store.db, 'first sweep');
      const open = h.sim.world.cases(hc).filter((c) => c.state !== 'CLOSED');
      // state changes, new cases, deletions
      h.sim.world.setState(hc, open[0]!._id, 'CLOSED');
      h.sim.world.setState(hc, open[1]!._id, open[1]!.state === 'UNHANDLED' ? 'HANDLING' : 'UNHANDLED');
      for (let i = 0; i < 5; i++) h.sim.world.addCase(hc);
      const gone = h.sim.world.cases(hc).slice(10, 14).map((c) => structuredClone(c));
      for (const c of gone) h.sim.world.deleteCase(hc, c._id);
      const s = await h.sync(hc, 'full');
      expect(s.deleted).toBe(4);
      expectExact(h.store.db, 'sweep with changes and tombstones');
      // the deleted cases come back, one of them in another state
      gone[0]!.state = gone[0]!.state === 'CLOSED' ? 'UNHANDLED' : 'CLOSED';
      for (const c of gone) h.sim.world.injectRaw(hc, c);
      await h.sync(hc, 'full');
      expectExact(h.store.db, 'restores');
      expect(h.store.db.prepare("SELECT count(*) FROM case_events WHERE kind = 'restored'").pluck().get()).toBe(4);
      // open cases closed on the remote without new activity: the incremental infers the close
      const stillOpen = h.sim.world.cases(hc).filter((c) => c.state !== 'CLOSED').slice(0, 3);
      for (const c of stillOpen) h.sim.world.setState(hc, c._id, 'CLOSED');
      const inc = await h.sync(hc, 'incremental');
      expect(inc.inferredClosed).toBeGreaterThan(0);
      expectExact(h.store.db, 'inferred closes');
      // and the remote's own closed copies replace the inferred ones
      await h.sync(hc, 'full');
      expectExact(h.store.db, 'sweep after inferred closes');
    });
  });

  it('migration 6 drops the triggers and recounts a store whose counts had drifted', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'v5.db');
      await withHarness({ seed: 62, helpcenters: 2, cases: 300 }, async (h) => {
        for (const hc of h.sim.world.helpcenterIds()) await h.sync(hc, 'full');
        h.store.db.exec(`VACUUM INTO '${file}'`);
      });
      // the store as hcsync at schema 5 left it, with its counts off by some
      const db = new Database(file);
      db.pragma('user_version = 5');
      db.exec(`CREATE TRIGGER cases_count_ins AFTER INSERT ON cases WHEN new.deleted_ms IS NULL BEGIN SELECT 1; END;
        CREATE TRIGGER cases_count_del AFTER DELETE ON cases BEGIN SELECT 1; END;
        CREATE TRIGGER cases_count_upd AFTER UPDATE OF state_rank ON cases BEGIN SELECT 1; END;
        UPDATE state_counts SET n = n + 7 WHERE state_rank = 1;
        DELETE FROM state_counts WHERE state_rank = 0;`);
      expect(countsOf(db).kept).not.toEqual(countsOf(db).counted);
      db.close();
      const store = new Store(file);
      try {
        expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
        expect(store.db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'").pluck().get()).toBe(0);
        expectExact(store.db, 'migration 6');
      } finally {
        store.close();
      }
    });
  });
});
