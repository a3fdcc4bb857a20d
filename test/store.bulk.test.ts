import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SyncEmitter } from '../worker/events.js';
import { expectSameListsEverywhere, withHarness, withLocalServer } from './sync.harness.js';
import { Store } from '../store/index.js';

const LIST_INDEXES = ['cases_live_by_id', 'cases_live_by_sent', 'cases_live_by_state', 'cases_live_by_state_sent'];

function listIndexes(db: Database.Database): string[] {
  return db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'cases_live_%' ORDER BY name").pluck().all();
}

/** A first sync into an empty store builds its list indexes once, at the end (issue 11: cheaper writes). */
describe('list indexes on a first sync', () => {
  it('are absent while a first sync into an empty store writes, built at its end; a later first sync of another helpcenter keeps them', async () => {
    await withHarness({ seed: 71, helpcenters: 2, cases: 1500 }, async (h) => {
      const [a, b] = h.sim.world.helpcenterIds() as [string, string];
      const during: string[][] = [];
      const events = new SyncEmitter();
      events.on('page', () => during.push(listIndexes(h.store.db)));
      await h.sync(a, 'full', { events });
      expect(during.length).toBeGreaterThan(1);
      expect(during.every((names) => names.length === 0)).toBe(true);
      expect(listIndexes(h.store.db)).toEqual(LIST_INDEXES);

      during.length = 0;
      await h.sync(b, 'full', { events });
      // the store held cases: lists of the first helpcenter stay indexed meanwhile
      expect(during.every((names) => names.length === 4)).toBe(true);
      const plan = h.store.db.prepare("EXPLAIN QUERY PLAN SELECT json FROM cases WHERE hc = 1 AND deleted_ms IS NULL ORDER BY sent_ms, id LIMIT 10").all() as { detail: string }[];
      expect(plan.map((p) => p.detail).join(' ')).toContain('cases_live_by_sent');
      await withLocalServer(h.store, async (srv) => {
        await expectSameListsEverywhere(h.sim.url, srv.url, a);
        await expectSameListsEverywhere(h.sim.url, srv.url, b);
      });
    });
  });

  it('a first sync that fails still builds them; a store left without them (killed) gets them from the next writer that opens it', async () => {
    await withHarness({ seed: 72, helpcenters: 1, cases: 1200 }, async (h) => {
      const [a] = h.sim.world.helpcenterIds() as [string];
      const events = new SyncEmitter();
      const stop = new AbortController();
      let pages = 0;
      events.on('page', () => {
        expect(listIndexes(h.store.db)).toEqual([]);
        if (++pages === 2) stop.abort();
      });
      await expect(h.sync(a, 'full', { events, signal: stop.signal })).rejects.toThrow();
      expect(pages).toBe(2);
      expect(listIndexes(h.store.db)).toEqual(LIST_INDEXES);

      // as a killed first sync leaves it: cases, no list indexes
      h.store.db.exec(LIST_INDEXES.map((n) => `DROP INDEX ${n};`).join(''));
      const reader = new Store(h.dbFile, { readonly: true });
      try {
        expect(listIndexes(reader.db)).toEqual([]);
      } finally {
        reader.close();
      }
      const writer = new Store(h.dbFile);
      try {
        expect(listIndexes(writer.db)).toEqual(LIST_INDEXES);
      } finally {
        writer.close();
      }
    });
  });
});
