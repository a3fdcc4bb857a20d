import { withTopLevelField } from '../contract/jsontext.js';
import { CountChanges } from './counts.js';
import type { Db } from './open.js';
import { caseHash, type CaseWriter } from './write.js';

/** How much one sweep may tombstone: a share of the live cases (0.1 = 10 %) or a number of cases. */
export type DeleteLimit = { fraction: number } | { count: number };

/** What concluding a verified sweep did. */
export interface TombstoneResult {
  /** cases tombstoned now */
  deleted: number;
  /** cases found gone but kept by the mass-deletion guard (waiting for a second sweep) */
  held: number;
  /** one line for the run's warning when something is held */
  message: string;
}

/**
 * What a verified walk lets the store conclude about cases it did NOT see:
 * tombstones after a complete full sweep (within the mass-deletion guard),
 * inferred closes after the open lists were walked. Call inside a transaction.
 */
export class SweepConclusions {
  private readonly s;

  /** @internal statements on the store's connection, made by Store (store/index.ts) */
  constructor(db: Db, private readonly writer: CaseWriter) {
    this.s = {
      recordMissing: db.prepare(
        `INSERT OR IGNORE INTO sweep_missing (run_id, case_rowid)
         SELECT ?, rowid FROM cases
         WHERE hc = ? AND deleted_ms IS NULL AND id > ? AND (? IS NULL OR id <= ?)
           AND id NOT IN (SELECT value FROM json_each(?))`,
      ),
      seenAgain: db.prepare(
        `DELETE FROM sweep_missing WHERE run_id = ? AND case_rowid IN
           (SELECT rowid FROM cases WHERE hc = ? AND id IN (SELECT value FROM json_each(?)))`,
      ),
      missingRows: db.prepare<[number, number], { rowid: number; id: string; state_rank: number; held: number }>(
        `SELECT c.rowid, c.id, c.state_rank, EXISTS (SELECT 1 FROM held_deletions h WHERE h.hc = c.hc AND h.case_rowid = c.rowid) AS held
         FROM sweep_missing m JOIN cases c ON c.rowid = m.case_rowid
         WHERE m.run_id = ? AND c.hc = ? AND c.deleted_ms IS NULL`,
      ),
      live: db.prepare<[number], number>('SELECT count(*) FROM cases WHERE hc = ? AND deleted_ms IS NULL').pluck(),
      tombstone: db.prepare('UPDATE cases SET deleted_ms = ?, changed_ms = ? WHERE rowid = ?'),
      forgetMissing: db.prepare('DELETE FROM sweep_missing WHERE case_rowid IN (SELECT rowid FROM cases WHERE hc = ?)'),
      forgetHeld: db.prepare('DELETE FROM held_deletions WHERE hc = ?'),
      hold: db.prepare('INSERT OR REPLACE INTO held_deletions (hc, case_rowid, run_id, held_ms) VALUES (?, ?, ?, ?)'),
      heldCount: db.prepare<[number], number>(
        `SELECT count(*) FROM held_deletions h JOIN cases c ON c.rowid = h.case_rowid
         WHERE h.hc = ? AND c.deleted_ms IS NULL`,
      ).pluck(),
      openNotIn: db.prepare<[number, string], { id: string }>(
        `SELECT id FROM cases
         WHERE hc = ? AND deleted_ms IS NULL AND state_rank < 2 AND id NOT IN (SELECT value FROM json_each(?))`,
      ),
      openById: db.prepare<[number, string], { rowid: number; id: string; json: string; state_rank: number }>(
        'SELECT rowid, id, json, state_rank FROM cases WHERE hc = ? AND id = ? AND deleted_ms IS NULL AND state_rank < 2',
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
    const ids = JSON.stringify(seenIds);
    this.s.recordMissing.run(runId, hc, afterId, throughId, throughId, ids);
    // a case seen anywhere in the sweep is no evidence of absence, whatever range an earlier page claimed
    this.s.seenAgain.run(runId, hc, ids);
  }

  /**
   * After a verified complete sweep: tombstone what it recorded missing,
   * unless that is more than `maxDelete` of the live cases (the
   * mass-deletion guard, docs/sync.md#mass-deletion-guard). Then only the absences an earlier
   * verified sweep also held are applied; the rest are held for the next.
   */
  applyTombstones(sweepId: number, runId: number, hc: number, nowMs: number, maxDelete: DeleteLimit): TombstoneResult {
    const rows = this.s.missingRows.all(sweepId, hc);
    const live = this.s.live.get(hc) ?? 0;
    const limit = 'count' in maxDelete ? maxDelete.count : Math.floor(live * maxDelete.fraction);
    const confirmed = rows.filter((r) => r.held === 1);
    const fresh = rows.filter((r) => r.held === 0);
    const within = rows.length <= limit;
    const apply = within ? rows : confirmed;
    const changes = new CountChanges();
    for (const r of apply) {
      this.s.tombstone.run(nowMs, nowMs, r.rowid);
      changes.add(hc, r.state_rank, -1);
      this.writer.dropFromIndex(r.rowid);
      this.writer.event(hc, r.id, nowMs, 'deleted', null, null, false, runId);
    }
    this.writer.counts.apply(changes);
    // this sweep's findings are applied or held; older abandoned sweeps' and earlier holds are stale
    this.s.forgetMissing.run(hc);
    this.s.forgetHeld.run(hc);
    const held = within ? [] : fresh;
    for (const r of held) this.s.hold.run(hc, r.rowid, runId, nowMs);
    const what = 'count' in maxDelete ? `${maxDelete.count} cases` : `${Math.round(maxDelete.fraction * 1000) / 10} % of ${live} live cases (${limit})`;
    const message = held.length
      ? `mass-deletion guard: ${rows.length} cases are gone from the remote, more than --max-delete allows (${what}); ` +
        `${held.length} held, not tombstoned${confirmed.length ? `, ${confirmed.length} held before and confirmed now were tombstoned` : ''}; ` +
        'the next verified full sweep that misses them too tombstones them'
      : '';
    return { deleted: apply.length, held: held.length, message };
  }

  /** A sweep that could not be verified: what it noted missing proves nothing. Held deletions stay held. */
  abandonSweep(hc: number): void {
    this.s.forgetMissing.run(hc);
  }

  /** Live cases held by the mass-deletion guard. */
  heldDeletions(hc: number): number {
    return this.s.heldCount.get(hc) ?? 0;
  }

  /** Ids of live local open cases not among `ids` (the candidates for an inferred close). */
  openCasesNotIn(hc: number, ids: readonly string[]): string[] {
    return this.s.openNotIn.all(hc, JSON.stringify(ids)).map((r) => r.id);
  }

  /**
   * The remote's open lists, walked with evidence (docs/sync.md#inferred-closes), no longer hold
   * these local open cases: they have been closed (or deleted; a full sweep
   * settles which). They show CLOSED, marked as inferred, until the
   * remote's own copy arrives. The JSON's top-level `state` is rewritten as
   * text, so a case of any nesting depth can be closed. Returns how many.
   */
  inferClosed(runId: number, hc: number, nowMs: number, ids: readonly string[]): number {
    let n = 0;
    const live = new CountChanges();
    for (const id of ids) {
      const r = this.s.openById.get(hc, id);
      if (r === undefined) continue;
      const json = withTopLevelField(r.json, 'state', '"CLOSED"');
      if (json === undefined) continue;
      let from: string | null = null;
      try {
        const st: unknown = (JSON.parse(r.json) as Record<string, unknown>).state;
        if (typeof st === 'string') from = st;
      } catch {
        // the stored text is the remote's own; unreadable here means no `from`
      }
      this.s.closeInferred.run(json, caseHash(json), nowMs, r.rowid);
      live.add(hc, r.state_rank, -1);
      live.add(hc, 2, 1);
      this.writer.event(hc, r.id, nowMs, 'state', from, 'CLOSED', true, runId);
      n++;
    }
    this.writer.counts.apply(live);
    return n;
  }
}
