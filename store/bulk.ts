import type { Db } from './open.js';

/**
 * The list indexes (one per list order, partial on live cases), as the
 * store defines them now (migration 1 created them; a migration that
 * changes one changes it here too). Dropped for a first sync into an empty
 * store and built once at its end: SQLite builds an index from sorted keys
 * far cheaper than it inserts 4 entries per case in 4 orders as pages come.
 */
const LIST_INDEXES: Readonly<Record<string, string>> = {
  cases_live_by_id: 'CREATE INDEX IF NOT EXISTS cases_live_by_id ON cases (hc, id) WHERE deleted_ms IS NULL',
  cases_live_by_sent: 'CREATE INDEX IF NOT EXISTS cases_live_by_sent ON cases (hc, sent_ms, id) WHERE deleted_ms IS NULL',
  cases_live_by_state: 'CREATE INDEX IF NOT EXISTS cases_live_by_state ON cases (hc, state_rank, id) WHERE deleted_ms IS NULL',
  cases_live_by_state_sent: 'CREATE INDEX IF NOT EXISTS cases_live_by_state_sent ON cases (hc, state_rank, sent_ms, id) WHERE deleted_ms IS NULL',
};

/**
 * Drop the list indexes when the store holds no case at all (a first sync
 * into a new store), so the sweep writes rows without them. Returns true
 * when it dropped them. Lists read meanwhile are right but walk the table
 * (slow at 100k+ cases): a first sync's lists are incomplete anyway.
 * Call inside a write transaction.
 */
export function deferListIndexes(db: Db): boolean {
  if (db.prepare('SELECT EXISTS (SELECT 1 FROM cases)').pluck().get() === 1) return false;
  for (const name of Object.keys(LIST_INDEXES)) db.exec(`DROP INDEX IF EXISTS ${name}`);
  return true;
}

/**
 * Build whichever list index is missing: at the end of a first sync, and
 * when a writer opens a store whose first sync was killed before that.
 * Returns how many it built (0 on any store but those). At 200k cases the
 * four take ~1–2 s. Call inside a write transaction.
 */
export function buildMissingListIndexes(db: Db): number {
  const present = new Set(db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'cases'").pluck().all());
  let built = 0;
  for (const [name, sql] of Object.entries(LIST_INDEXES)) {
    if (present.has(name)) continue;
    db.exec(sql);
    built++;
  }
  return built;
}
