import { contactIndexText } from './fold.js';
import type { Db } from './open.js';
import { VIEWS_MIGRATION } from './views.js';

/** @internal SQL to run, or a function for what SQL alone cannot do (text folded in JavaScript). */
export type Migration = string | ((db: Db) => void);

/**
 * Numbered migrations, applied in order and recorded in `PRAGMA user_version`.
 * Never edit a shipped migration: add the next number.
 * @internal
 */
export const MIGRATIONS: readonly Migration[] = [
  // 1: cases, messages, full-text indexes, sync bookkeeping
  `
  CREATE TABLE helpcenters (
    hc INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,              -- lower-case hex
    first_page_ms INTEGER,                -- first committed page: before it the id is "not synced"
    watermark_ms INTEGER,                 -- latest activity a finished sync saw, capped at that run's start
    last_full_ms INTEGER,                 -- end of the last verified complete sweep
    last_incremental_ms INTEGER
  );

  -- One row per case ever delivered; json is the case exactly as last delivered.
  CREATE TABLE cases (
    rowid INTEGER PRIMARY KEY,
    hc INTEGER NOT NULL REFERENCES helpcenters(hc),
    id TEXT NOT NULL,                     -- lower-case hex _id
    state_rank INTEGER NOT NULL,          -- 0 UNHANDLED, 1 HANDLING, 2 CLOSED
    sent_ms INTEGER NOT NULL,             -- last activity (docs/contract.md#ordering, SENT)
    case_number INTEGER,
    subject TEXT,
    company TEXT,
    customer_name TEXT,
    email TEXT,
    phone TEXT,
    message_count INTEGER NOT NULL,
    json TEXT NOT NULL,
    hash TEXT NOT NULL,
    state_inferred INTEGER NOT NULL DEFAULT 0,  -- 1: CLOSED inferred by an incremental sync, not delivered
    first_seen_ms INTEGER NOT NULL,
    changed_ms INTEGER NOT NULL,
    deleted_ms INTEGER,                   -- tombstone: not in a verified complete sweep
    UNIQUE (hc, id)
  );
  -- One index per list order; partial so tombstones never slow a page down.
  CREATE INDEX cases_live_by_id ON cases (hc, id) WHERE deleted_ms IS NULL;
  CREATE INDEX cases_live_by_sent ON cases (hc, sent_ms, id) WHERE deleted_ms IS NULL;
  CREATE INDEX cases_live_by_state ON cases (hc, state_rank, id) WHERE deleted_ms IS NULL;
  CREATE INDEX cases_live_by_state_sent ON cases (hc, state_rank, sent_ms, id) WHERE deleted_ms IS NULL;

  -- total per state without counting an index on every request
  CREATE TABLE state_counts (
    hc INTEGER NOT NULL,
    state_rank INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (hc, state_rank)
  ) WITHOUT ROWID;
  CREATE TRIGGER cases_count_ins AFTER INSERT ON cases WHEN new.deleted_ms IS NULL BEGIN
    INSERT INTO state_counts (hc, state_rank, n) VALUES (new.hc, new.state_rank, 1)
      ON CONFLICT (hc, state_rank) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER cases_count_del AFTER DELETE ON cases WHEN old.deleted_ms IS NULL BEGIN
    UPDATE state_counts SET n = n - 1 WHERE hc = old.hc AND state_rank = old.state_rank;
  END;
  CREATE TRIGGER cases_count_upd AFTER UPDATE OF state_rank, deleted_ms ON cases
    WHEN old.state_rank IS NOT new.state_rank OR old.deleted_ms IS NOT new.deleted_ms BEGIN
    UPDATE state_counts SET n = n - 1 WHERE old.deleted_ms IS NULL AND hc = old.hc AND state_rank = old.state_rank;
    INSERT INTO state_counts (hc, state_rank, n) SELECT new.hc, new.state_rank, 1 WHERE new.deleted_ms IS NULL
      ON CONFLICT (hc, state_rank) DO UPDATE SET n = n + 1;
  END;

  CREATE TABLE messages (
    rowid INTEGER PRIMARY KEY,
    case_rowid INTEGER NOT NULL REFERENCES cases(rowid) ON DELETE CASCADE,
    seq INTEGER NOT NULL,                 -- position in the case's messages[]
    type TEXT,
    sent_ms INTEGER,
    sent_by TEXT,
    content TEXT,
    UNIQUE (case_rowid, seq)
  );

  -- Full-text indexes. Contentless (the text lives in cases/messages) with
  -- delete support, fed explicitly by the store with accent-folded text
  -- (see store/fold.ts), so deletes never need the old values.
  -- prefix='3': 3-character prefix queries (search's automatic prefix on the
  -- last word) read one doclist instead of merging every word that starts so.
  CREATE VIRTUAL TABLE case_fts USING fts5(subject, customer, content='', contentless_delete=1,
    prefix='3', tokenize="unicode61 remove_diacritics 0");
  CREATE VIRTUAL TABLE message_fts USING fts5(body, content='', contentless_delete=1,
    prefix='3', tokenize="unicode61 remove_diacritics 0");
  -- substrings of e-mail addresses and phone numbers
  CREATE VIRTUAL TABLE contact_fts USING fts5(contact, content='', contentless_delete=1, tokenize='trigram');

  -- What the sync observed, with the time it saw it (the API has no history).
  CREATE TABLE case_events (
    rowid INTEGER PRIMARY KEY,
    hc INTEGER NOT NULL,
    case_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,                   -- created | state | messages | deleted | restored
    from_state TEXT,
    to_state TEXT,
    n INTEGER,                            -- messages added
    inferred INTEGER NOT NULL DEFAULT 0,
    run_id INTEGER
  );
  CREATE INDEX case_events_by_time ON case_events (hc, at_ms);

  CREATE TABLE sync_runs (
    run_id INTEGER PRIMARY KEY,
    hc INTEGER NOT NULL REFERENCES helpcenters(hc),
    mode TEXT NOT NULL,                   -- full | incremental
    status TEXT NOT NULL,                 -- running | ok | failed
    owner TEXT NOT NULL,
    started_ms INTEGER NOT NULL,
    finished_ms INTEGER,
    pages INTEGER NOT NULL DEFAULT 0,
    requests INTEGER NOT NULL DEFAULT 0,
    cases_upserted INTEGER NOT NULL DEFAULT 0,
    messages_upserted INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    inferred_closed INTEGER NOT NULL DEFAULT 0,
    drift INTEGER NOT NULL DEFAULT 0,
    checkpoint TEXT,                      -- JSON: where a resumed run continues
    resumed_from INTEGER,
    error_code TEXT,
    error TEXT
  );
  CREATE INDEX sync_runs_by_hc ON sync_runs (hc, run_id);

  -- cases a full sweep found absent inside a range it verified
  CREATE TABLE sweep_missing (
    run_id INTEGER NOT NULL,
    case_rowid INTEGER NOT NULL,
    PRIMARY KEY (run_id, case_rowid)
  ) WITHOUT ROWID;

  CREATE TABLE rejected_cases (
    rowid INTEGER PRIMARY KEY,
    hc INTEGER NOT NULL,
    run_id INTEGER NOT NULL,
    case_id TEXT,
    reason TEXT NOT NULL,
    raw TEXT,
    seen_ms INTEGER NOT NULL
  );

  -- unused since the sync lock moved to store/lock.ts (a lock the kernel holds);
  -- kept so that stores stay readable by the hcsync versions that wrote them
  CREATE TABLE leases (
    helpcenter TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL
  );
  `,
  // 2: tolerant reading's warnings, the mass-deletion guard's held deletions (docs/sync.md#tolerant-reading, docs/sync.md#mass-deletion-guard)
  `
  ALTER TABLE sync_runs ADD COLUMN warnings INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE sync_runs ADD COLUMN held_deletions INTEGER NOT NULL DEFAULT 0;

  -- A field a run could not read (case_id set), or a conclusion it could not draw (case_id NULL).
  CREATE TABLE sync_warnings (
    rowid INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    hc INTEGER NOT NULL,
    case_id TEXT,
    field TEXT NOT NULL,
    detail TEXT NOT NULL,
    seen_ms INTEGER NOT NULL
  );
  -- one row per case and field per run (overlapping pages deliver a case twice)
  CREATE UNIQUE INDEX sync_warnings_once ON sync_warnings (run_id, case_id, field);

  -- Cases a verified sweep found gone that the mass-deletion guard kept: the
  -- next verified sweep that also misses them tombstones them.
  CREATE TABLE held_deletions (
    hc INTEGER NOT NULL,
    case_rowid INTEGER NOT NULL,
    run_id INTEGER NOT NULL,
    held_ms INTEGER NOT NULL,
    PRIMARY KEY (hc, case_rowid)
  ) WITHOUT ROWID;
  `,
  // 3: contact fragments folded like words (a decomposed `rene\u0301.olsen@…`
  //    was indexed as is and never found); a case found by its number (`hcsync show 4242`)
  rebuildContactIndex,
  // 4: the documented, read-only views for analysts (docs/analytics.md; store/views.ts)
  VIEWS_MIGRATION,
  // 5: the full-text indexes merge their segments 8 at a time, not 4 (issue 11): each committed page
  //    adds one segment per index, and merging at 4 rewrote every term about twice as often; the
  //    store-only write CPU of 20k cases fell ~9 % (two interleaved runs); searches read a few more
  //    segments (the bench's search p95 holds its budget). Kept in each index's own config table.
  `
  INSERT INTO case_fts (case_fts, rank) VALUES ('automerge', 8);
  INSERT INTO message_fts (message_fts, rank) VALUES ('automerge', 8);
  INSERT INTO contact_fts (contact_fts, rank) VALUES ('automerge', 8);
  `,
  // 6: cheaper page writes (issue 11, docs/decisions.md#cheaper-page-writes):
  //  - the triggers that kept state_counts are gone: a trigger makes each insert or update of a case
  //    open a statement journal, which at ~8 pages of 8 KiB per insert spilled to a temporary file
  //    (an insert took ~55 µs, ~15 µs without). The writers count instead (store/counts.ts); the
  //    counts are recomputed here once, so a store whose counts ever drifted is exact again;
  //  - each full-text index buffers up to 16 MiB of pending terms, not 1 MiB: a 500-case page
  //    (~1.6 MB of JSON) became several small segments per index, each merged again later; now it
  //    is one segment per index and page. The buffer holds at most one page's
  //    text and never more than 16 MiB per index (a page of 52 MB of distinct words: peak RSS
  //    +37 MB against 1 MiB, measured by the break-it run).
  `
  DROP TRIGGER cases_count_ins;
  DROP TRIGGER cases_count_del;
  DROP TRIGGER cases_count_upd;
  DELETE FROM state_counts;
  INSERT INTO state_counts (hc, state_rank, n)
    SELECT hc, state_rank, count(*) FROM cases WHERE deleted_ms IS NULL GROUP BY hc, state_rank;
  INSERT INTO case_fts (case_fts, rank) VALUES ('hashsize', 16777216);
  INSERT INTO message_fts (message_fts, rank) VALUES ('hashsize', 16777216);
  INSERT INTO contact_fts (contact_fts, rank) VALUES ('hashsize', 16777216);
  `,
];

/** Rows read per step when a migration walks every case: bounded memory at any store size. */
const MIGRATION_BATCH = 5000;

/** Migration 2: the contact index rebuilt from the stored e-mail and phone of every live case. */
function rebuildContactIndex(db: Db): void {
  db.exec(`INSERT INTO contact_fts (contact_fts) VALUES ('delete-all');
           CREATE INDEX cases_by_number ON cases (case_number) WHERE case_number IS NOT NULL;`);
  const read = db.prepare<[number, number], { rowid: number; email: string | null; phone: string | null }>(
    `SELECT rowid, email, phone FROM cases
     WHERE rowid > ? AND deleted_ms IS NULL AND (email IS NOT NULL OR phone IS NOT NULL) ORDER BY rowid LIMIT ?`,
  );
  const insert = db.prepare('INSERT INTO contact_fts (rowid, contact) VALUES (?, ?)');
  for (let after = 0; ; ) {
    const rows = read.all(after, MIGRATION_BATCH);
    for (const r of rows) {
      const text = contactIndexText(r.email, r.phone);
      if (text !== null) insert.run(r.rowid, text);
    }
    if (rows.length < MIGRATION_BATCH) break;
    after = rows[rows.length - 1]!.rowid;
  }
}
