import { createHash } from 'node:crypto';
import { parseInstant, rankState } from '../contract/order.js';
import type { Case, Message } from '../contract/types.js';
import type { DeliveredCase, RejectedCase } from '../contract/validate.js';
import { CountChanges, StateCounts } from './counts.js';
import { contactIndexText, foldText } from './fold.js';
import type { Db } from './open.js';

/** What writing one page did (cases and messages), for the run's counters. */
export interface WriteCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  messages: number;
  /** refused cases recorded */
  rejected: number;
  /** field warnings recorded (new ones: each case and field once per run) */
  warnings: number;
}

/** The hash that detects an unchanged case: of its JSON text exactly as stored. The one place it is computed. */
export function caseHash(json: string): string {
  return createHash('sha1').update(json).digest('base64');
}

/** Warning rows stored per run; beyond this they are counted, not stored (a remote where every case is odd). */
export const MAX_STORED_WARNINGS = 10_000;

interface ExistingRow {
  rowid: number;
  hash: string;
  state_rank: number;
  message_count: number;
  deleted_ms: number | null;
  state_inferred: number;
}

const RAW_LIMIT = 16_384;

type FtsOp =
  | ['caseDel' | 'contactDel' | 'messageDel', number]
  | ['case', number, string, string]
  | ['contact' | 'message', number, string];

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function customerText(c: Case): string {
  return [c.company, c.customerName, c.emailAddress, c.phoneNumber].filter((v) => typeof v === 'string').join(' ');
}

function contactText(c: Case): string | null {
  return contactIndexText(c.emailAddress, c.phoneNumber);
}

/**
 * Writes delivered cases: rows, messages, full-text entries and the events
 * the change implies. Synchronous by design: the caller wraps a page in one
 * transaction. A case whose JSON hash is unchanged costs one indexed read.
 */
export class CaseWriter {
  private readonly selectExisting;
  private readonly selectJson;
  private readonly insertCase;
  private readonly updateCase;
  private readonly insertMessage;
  private readonly deleteMessagesFrom;
  private readonly messageRowids;
  private readonly insertCaseFts;
  private readonly deleteCaseFts;
  private readonly insertContactFts;
  private readonly deleteContactFts;
  private readonly insertMessageFts;
  private readonly deleteMessageFts;
  private readonly insertEvent;
  private readonly insertRejected;
  private readonly insertWarning;
  private readonly storedWarnings = new Map<number, number>();
  /** @internal the per-state live counts every change of a case's state or tombstone updates (store/counts.ts) */
  readonly counts: StateCounts;

  /** @internal statements on the store's connection, made by Store (store/index.ts) */
  constructor(private readonly db: Db) {
    this.counts = new StateCounts(db);
    this.selectExisting = db.prepare<[number, string], ExistingRow>(
      'SELECT rowid, hash, state_rank, message_count, deleted_ms, state_inferred FROM cases WHERE hc = ? AND id = ?',
    );
    // the stored JSON only for a case that changed (an unchanged one, the common case of a re-sweep, never reads its blob)
    this.selectJson = db.prepare<[number], string>('SELECT json FROM cases WHERE rowid = ?').pluck();
    this.insertCase = db.prepare(
      `INSERT INTO cases (hc, id, state_rank, sent_ms, case_number, subject, company, customer_name, email, phone,
         message_count, json, hash, state_inferred, first_seen_ms, changed_ms)
       VALUES (@hc, @id, @state_rank, @sent_ms, @case_number, @subject, @company, @customer_name, @email, @phone,
         @message_count, @json, @hash, 0, @now, @now)`,
    );
    this.updateCase = db.prepare(
      `UPDATE cases SET state_rank = @state_rank, sent_ms = @sent_ms, case_number = @case_number, subject = @subject,
         company = @company, customer_name = @customer_name, email = @email, phone = @phone,
         message_count = @message_count, json = @json, hash = @hash, state_inferred = 0, changed_ms = @now,
         deleted_ms = NULL
       WHERE rowid = @rowid`,
    );
    this.insertMessage = db.prepare(
      'INSERT INTO messages (case_rowid, seq, type, sent_ms, sent_by, content) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.messageRowids = db.prepare<[number, number], { rowid: number }>(
      'SELECT rowid FROM messages WHERE case_rowid = ? AND seq >= ?',
    );
    this.deleteMessagesFrom = db.prepare('DELETE FROM messages WHERE case_rowid = ? AND seq >= ?');
    this.insertCaseFts = db.prepare('INSERT INTO case_fts (rowid, subject, customer) VALUES (?, ?, ?)');
    this.deleteCaseFts = db.prepare('DELETE FROM case_fts WHERE rowid = ?');
    this.insertContactFts = db.prepare('INSERT INTO contact_fts (rowid, contact) VALUES (?, ?)');
    this.deleteContactFts = db.prepare('DELETE FROM contact_fts WHERE rowid = ?');
    this.insertMessageFts = db.prepare('INSERT INTO message_fts (rowid, body) VALUES (?, ?)');
    this.deleteMessageFts = db.prepare('DELETE FROM message_fts WHERE rowid = ?');
    this.insertEvent = db.prepare(
      `INSERT INTO case_events (hc, case_id, at_ms, kind, from_state, to_state, n, inferred, run_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertRejected = db.prepare(
      'INSERT INTO rejected_cases (hc, run_id, case_id, reason, raw, seen_ms) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertWarning = db.prepare(
      'INSERT OR IGNORE INTO sync_warnings (run_id, hc, case_id, field, detail, seen_ms) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  /**
   * Record the fields of delivered cases that could not be read (docs/sync.md#tolerant-reading):
   * once per case and field per run; at most MAX_STORED_WARNINGS rows per
   * run. Returns how many were new (stored or not).
   */
  recordWarnings(hc: number, runId: number, nowMs: number, cases: readonly DeliveredCase[]): number {
    let n = 0;
    let stored = this.storedWarnings.get(runId) ?? 0;
    for (const c of cases) {
      for (const w of c.warnings) {
        if (stored >= MAX_STORED_WARNINGS) {
          n++;
          continue;
        }
        if (this.insertWarning.run(runId, hc, c.keys.id, w.field, w.detail, nowMs).changes === 1) {
          n++;
          stored++;
        }
      }
    }
    this.storedWarnings.set(runId, stored);
    return n;
  }

  /** Upsert delivered cases of one helpcenter. Call inside a transaction. */
  upsertCases(hc: number, runId: number, nowMs: number, cases: readonly DeliveredCase[]): WriteCounts {
    const counts: WriteCounts = { inserted: 0, updated: 0, unchanged: 0, messages: 0, rejected: 0, warnings: 0 };
    const fts: FtsOp[] = [];
    const live = new CountChanges();
    for (const { case: c, keys, json } of cases) {
      const hash = caseHash(json);
      const old = this.selectExisting.get(hc, keys.id);
      // an inferred CLOSED is replaced by the remote's own copy even when they agree
      if (old && old.hash === hash && old.deleted_ms === null && old.state_inferred === 0) {
        counts.unchanged++;
        continue;
      }
      const msgs: Message[] = Array.isArray(c.messages) ? c.messages : [];
      const row = {
        hc,
        id: keys.id,
        state_rank: keys.stateRank,
        sent_ms: keys.sentMs,
        case_number: typeof c.caseNumber === 'number' ? c.caseNumber : null,
        subject: str(c.subject),
        company: str(c.company),
        customer_name: str(c.customerName),
        email: str(c.emailAddress),
        phone: str(c.phoneNumber),
        message_count: msgs.length,
        json,
        hash,
        now: nowMs,
      };
      let rowid: number;
      let keep = 0; // messages already stored that stay as they are
      if (!old) {
        rowid = Number(this.insertCase.run(row).lastInsertRowid);
        this.insertEvent.run(hc, keys.id, nowMs, 'created', null, rankState(keys.stateRank) ?? null, msgs.length, 0, runId);
        live.add(hc, keys.stateRank, 1);
        counts.inserted++;
      } else {
        rowid = old.rowid;
        // the stored messages, read before the row is rewritten (a live case only: a restored one rewrites them all)
        const oldJson = old.deleted_ms === null ? this.selectJson.get(rowid)! : '';
        this.updateCase.run({ ...row, rowid });
        if (old.deleted_ms === null) live.add(hc, old.state_rank, -1);
        live.add(hc, keys.stateRank, 1);
        fts.push(['caseDel', rowid], ['contactDel', rowid]);
        if (old.deleted_ms !== null) {
          this.insertEvent.run(hc, keys.id, nowMs, 'restored', null, rankState(keys.stateRank) ?? null, null, 0, runId);
        } else {
          keep = commonPrefix(oldJson, msgs);
          if (old.state_rank !== keys.stateRank) {
            this.insertEvent.run(hc, keys.id, nowMs, 'state', rankState(old.state_rank) ?? null, rankState(keys.stateRank) ?? null, null, 0, runId);
          }
          if (msgs.length > old.message_count) {
            this.insertEvent.run(hc, keys.id, nowMs, 'messages', null, null, msgs.length - old.message_count, 0, runId);
          }
        }
        for (const m of this.messageRowids.all(rowid, keep)) fts.push(['messageDel', m.rowid]);
        this.deleteMessagesFrom.run(rowid, keep);
        counts.updated++;
      }
      fts.push(['case', rowid, foldText(row.subject ?? ''), foldText(customerText(c))]);
      const contact = contactText(c);
      if (contact !== null) fts.push(['contact', rowid, contact]);
      for (let i = keep; i < msgs.length; i++) {
        // tolerant reading: a message that is not an object is kept in the JSON, with no readable fields here
        const m: Partial<Message> = typeof msgs[i] === 'object' && msgs[i] !== null ? msgs[i]! : {};
        const sent = typeof m.sent === 'string' ? parseInstant(m.sent) : Number.NaN;
        const content = str(m.content);
        const mid = Number(
          this.insertMessage.run(rowid, i, str(m.type), Number.isNaN(sent) ? null : sent, str(m.sentBy), content).lastInsertRowid,
        );
        if (content) fts.push(['message', mid, foldText(content)]);
        counts.messages++;
      }
    }
    this.applyFts(fts);
    this.counts.apply(live);
    return counts;
  }

  /**
   * Full-text changes go in after the page's row writes, in one run: FTS5
   * flushes its pending terms at every statement savepoint, and each insert
   * into `cases` (triggers, foreign keys) opens one. Interleaved, a 500-case
   * page became hundreds of tiny index segments and wrote 3x slower.
   */
  private applyFts(ops: readonly FtsOp[]): void {
    for (const op of ops) {
      switch (op[0]) {
        case 'caseDel': this.deleteCaseFts.run(op[1]); break;
        case 'contactDel': this.deleteContactFts.run(op[1]); break;
        case 'messageDel': this.deleteMessageFts.run(op[1]); break;
        case 'case': this.insertCaseFts.run(op[1], op[2], op[3]); break;
        case 'contact': this.insertContactFts.run(op[1], op[2]); break;
        case 'message': this.insertMessageFts.run(op[1], op[2]); break;
      }
    }
  }

  recordRejected(hc: number, runId: number, nowMs: number, rejected: readonly RejectedCase[]): void {
    for (const r of rejected) {
      let raw: string | null;
      try {
        raw = JSON.stringify(r.raw) ?? null;
      } catch {
        raw = null;
      }
      if (raw !== null && raw.length > RAW_LIMIT) raw = raw.slice(0, RAW_LIMIT);
      this.insertRejected.run(hc, runId, r.id?.toLowerCase() ?? null, r.reason, raw, nowMs);
    }
  }

  /** Remove a case's full-text entries (tombstoned cases leave search). */
  dropFromIndex(rowid: number): void {
    this.deleteCaseFts.run(rowid);
    this.deleteContactFts.run(rowid);
    for (const m of this.messageRowids.all(rowid, 0)) this.deleteMessageFts.run(m.rowid);
  }

  event(hc: number, caseId: string, atMs: number, kind: string, from: string | null, to: string | null, inferred: boolean, runId: number): void {
    this.insertEvent.run(hc, caseId, atMs, kind, from, to, null, inferred ? 1 : 0, runId);
  }
}

/**
 * How many leading messages of the stored case are unchanged in the
 * delivered one. A message too deeply nested to compare counts as changed.
 */
function commonPrefix(oldJson: string, msgs: readonly Message[]): number {
  try {
    const old = (JSON.parse(oldJson) as Case).messages;
    if (!Array.isArray(old)) return 0;
    const n = Math.min(old.length, msgs.length);
    let i = 0;
    while (i < n && JSON.stringify(old[i]) === JSON.stringify(msgs[i])) i++;
    return i;
  } catch {
    return 0;
  }
}
