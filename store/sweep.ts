import { createHash } from 'node:crypto';
import type { Db } from './open.js';
import type { CaseWriter } from './write.js';

/**
 * What a verified walk lets the store conclude about cases it did NOT see:
 * tombstones after a complete full sweep, inferred closes after the open
 * lists were walked. Call inside a transaction.
 */
export class SweepConclusions {
  private readonly s;

  constructor(db: Db, private readonly writer: CaseWriter) {
    this.s = {
      recordMissing: db.prepare(
        `INSERT OR IGNORE INTO sweep_missing (run_id, case_rowid)
         SELECT ?, rowid FROM cases
         WHERE hc = ? AND deleted_ms IS NULL AND id > ? AND (? IS NULL OR id <= ?)
           AND id NOT IN (SELECT value FROM json_each(?))`,
      ),
      missingRows: db.prepare<[number, number], { rowid: number; id: string; state_rank: number }>(
        `SELECT c.rowid, c.id, c.state_rank FROM sweep_missing m JOIN cases c ON c.rowid = m.case_rowid
         WHERE m.run_id = ? AND c.hc = ? AND c.deleted_ms IS NULL`,
      ),
      tombstone: db.prepare('UPDATE cases SET deleted_ms = ?, changed_ms = ? WHERE rowid = ?'),
      forgetMissing: db.prepare('DELETE FROM sweep_missing WHERE case_rowid IN (SELECT rowid FROM cases WHERE hc = ?)'),
      openNotIn: db.prepare<[number, string], { rowid: number; id: string; state_rank: number; json: string }>(
        `SELECT rowid, id, state_rank, json FROM cases
         WHERE hc = ? AND deleted_ms IS NULL AND state_rank < 2 AND id NOT IN (SELECT value FROM json_each(?))`,
      ),
      closeInferred: db.prepare(
        'UPDATE cases SET state_rank = 2, state_inferred = 1, json = ?, hash = ?, changed_ms = ? WHERE rowid = ?',
      ),
    };
  }

  /**
   * A full-sweep page verified the id range (afterId, throughId] (throughId
   * null: to the end of the list): live local cases in it that the page did
   * not contain were absent from the remote when it was fetched.
   */
  recordMissing(runId: number, hc: number, afterId: string, throughId: string | null, seenIds: readonly string[]): void {
    this.s.recordMissing.run(runId, hc, afterId, throughId, throughId, JSON.stringify(seenIds));
  }

  /** After a verified complete sweep: tombstone what it recorded missing. Returns how many. */
  applyTombstones(sweepId: number, runId: number, hc: number, nowMs: number): number {
    const rows = this.s.missingRows.all(sweepId, hc);
    for (const r of rows) {
      this.s.tombstone.run(nowMs, nowMs, r.rowid);
      this.writer.dropFromIndex(r.rowid);
      this.writer.event(hc, r.id, nowMs, 'deleted', null, null, false, runId);
    }
    // this sweep's findings are applied; older abandoned sweeps' are stale
    this.s.forgetMissing.run(hc);
    return rows.length;
  }

  /**
   * After the remote's open cases were walked completely: local open cases
   * it did not list have been closed (or deleted; a full sweep settles
   * which). They show CLOSED, marked as inferred, until the remote's own
   * copy arrives. Returns how many.
   */
  inferClosed(runId: number, hc: number, nowMs: number, openIds: readonly string[]): number {
    const rows = this.s.openNotIn.all(hc, JSON.stringify(openIds));
    for (const r of rows) {
      const c = JSON.parse(r.json) as Record<string, unknown>;
      const from = c.state;
      c.state = 'CLOSED';
      const json = JSON.stringify(c);
      this.s.closeInferred.run(json, createHash('sha1').update(json).digest('base64'), nowMs, r.rowid);
      this.writer.event(hc, r.id, nowMs, 'state', typeof from === 'string' ? from : null, 'CLOSED', true, runId);
    }
    return rows.length;
  }
}
