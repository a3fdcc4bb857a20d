import type { Db } from './open.js';

/** One stored case as `hcsync show` reads it: its JSON exactly as last delivered, and what the store knows about it. */
export interface StoredCase {
  /** the helpcenter's id, lower-case hex */
  helpcenter: string;
  /** the case's `_id`, lower-case hex */
  id: string;
  caseNumber: number | null;
  /** the case as the remote last delivered it (JSON text) */
  json: string;
  /** ms; when a verified sweep last missed it (it left the list), else null */
  deletedMs: number | null;
  /** 1: CLOSED inferred by an incremental sync, not delivered */
  stateInferred: number;
  /** ms: first stored, last changed */
  firstSeenMs: number;
  changedMs: number;
}

const COLUMNS = `h.id AS helpcenter, c.id, c.case_number AS caseNumber, c.json, c.deleted_ms AS deletedMs,
  c.state_inferred AS stateInferred, c.first_seen_ms AS firstSeenMs, c.changed_ms AS changedMs
  FROM cases c JOIN helpcenters h ON h.hc = c.hc`;

/** Cases by `_id` or by case number, in every helpcenter, tombstones included. */
export class CaseLookup {
  private readonly s;

  /** @internal statements on the store's connection, made by Store (store/index.ts) */
  constructor(db: Db) {
    this.s = {
      byId: db.prepare<[string], StoredCase>(`SELECT ${COLUMNS} WHERE c.id = ? ORDER BY h.id`),
      // cases_by_number (migration 2)
      byNumber: db.prepare<[number], StoredCase>(`SELECT ${COLUMNS} WHERE c.case_number = ? ORDER BY h.id`),
    };
  }

  /** Every stored case with this `_id` (any case; one per helpcenter that has it), by helpcenter id. */
  byId(id: string): StoredCase[] {
    return this.s.byId.all(id.toLowerCase());
  }

  /** Every stored case with this case number, by helpcenter id (numbers repeat across helpcenters). */
  byNumber(n: number): StoredCase[] {
    return this.s.byNumber.all(n);
  }
}
