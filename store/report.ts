import type { Db } from './open.js';

/**
 * All SQL of `hcsync report`. It reads rows and counts; the metrics
 * (percentiles, histograms, backlog replay) are computed in query/report.ts.
 *
 * Only live cases count (tombstoned ones left the list), except in the event
 * log, where a `deleted` event is what takes a case out of the backlog.
 */

/** A report window: cases by creation time, messages by their `sent`; since inclusive, until exclusive. */
export interface ReportWindow {
  sinceMs: number | null;
  untilMs: number | null;
}

export interface ReportHelpcenter {
  hc: number;
  /** lower-case hex */
  id: string;
  /** ms: the end of the last successful sync (full or incremental); null when none has finished */
  lastSyncMs: number | null;
  /** ms: the last change the sync observed (case_events); null when none */
  lastEventMs: number | null;
}

export interface ReportCaseRow {
  /** lower-case hex `_id`: its first 8 hex digits are the creation time */
  id: string;
  stateRank: number;
  /** last activity (docs/contract.md#ordering, SENT) */
  sentMs: number;
  company: string | null;
  messageCount: number;
}

/** An INCOMING or OUTGOING message with a parseable `sent`, for first-response times. */
export interface ReportMessageRow {
  caseId: string;
  type: 'INCOMING' | 'OUTGOING';
  sentMs: number;
}

export interface DayCount {
  /** UTC date, YYYY-MM-DD */
  date: string;
  n: number;
}

export interface WeekdayHourCount {
  /** 0 = Sunday … 6 = Saturday (SQLite's %w), UTC */
  weekday: number;
  /** 0–23, UTC */
  hour: number;
  n: number;
}

export interface AgentCount {
  /** `sentBy` as delivered; null when absent */
  agent: string | null;
  n: number;
}

export interface ReportEventRow {
  caseId: string;
  atMs: number;
  kind: 'created' | 'state' | 'deleted' | 'restored';
  toState: string | null;
}

// Ids are lower-case hex, so every id sorts below 'g': the open upper bound.
export const NO_UPPER_ID = 'g';
const MAX_ID_SECONDS = 0xffffffff;

/**
 * The id bound for "created at or after ms": an ObjectId's first 8 hex digits
 * are whole seconds, so created_ms >= ms ⇔ seconds >= ⌈ms / 1000⌉, and an id
 * compares to that 8-digit prefix as its creation time does (same for `<`).
 */
export function idBound(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s <= 0) return '';
  if (s > MAX_ID_SECONDS) return NO_UPPER_ID;
  return s.toString(16).padStart(8, '0');
}

const HELPCENTER = `hc, id, nullif(max(coalesce(last_full_ms, 0), coalesce(last_incremental_ms, 0)), 0) AS lastSyncMs,
  (SELECT max(at_ms) FROM case_events e WHERE e.hc = helpcenters.hc) AS lastEventMs FROM helpcenters`;

const CASES_IN_WINDOW = 'c.hc = @hc AND c.deleted_ms IS NULL AND c.id >= @fromId AND c.id < @toId';
const MESSAGES_IN_WINDOW = 'c.hc = @hc AND c.deleted_ms IS NULL AND m.sent_ms >= @fromMs AND m.sent_ms < @toMs';

interface WindowArgs {
  hc: number;
  fromId: string;
  toId: string;
  fromMs: number;
  toMs: number;
}

function args(hc: number, w: ReportWindow): WindowArgs {
  return {
    hc,
    fromId: w.sinceMs === null ? '' : idBound(w.sinceMs),
    toId: w.untilMs === null ? NO_UPPER_ID : idBound(w.untilMs),
    fromMs: w.sinceMs ?? Number.MIN_SAFE_INTEGER,
    toMs: w.untilMs ?? Number.MAX_SAFE_INTEGER,
  };
}

export class ReportQueries {
  private readonly s;

  /** @internal statements on the store's connection, made by Store (store/index.ts) */
  constructor(db: Db) {
    this.s = {
      helpcenters: db.prepare<[], ReportHelpcenter>(`SELECT ${HELPCENTER} WHERE first_page_ms IS NOT NULL ORDER BY id`),
      helpcenter: db.prepare<[string], ReportHelpcenter>(`SELECT ${HELPCENTER} WHERE id = ? AND first_page_ms IS NOT NULL`),
      openIds: db.prepare<[number], { id: string }>('SELECT id FROM cases WHERE hc = ? AND state_rank < 2 AND deleted_ms IS NULL'),
      cases: db.prepare<[WindowArgs], ReportCaseRow>(
        `SELECT c.id, c.state_rank AS stateRank, c.sent_ms AS sentMs, c.company, c.message_count AS messageCount
         FROM cases c WHERE ${CASES_IN_WINDOW} ORDER BY c.id`,
      ),
      // every message of a case in the window counts, whenever it was sent
      conversation: db.prepare<[WindowArgs], ReportMessageRow>(
        `SELECT c.id AS caseId, m.type, m.sent_ms AS sentMs
         FROM cases c JOIN messages m ON m.case_rowid = c.rowid
         WHERE ${CASES_IN_WINDOW} AND m.type IN ('INCOMING', 'OUTGOING') AND m.sent_ms IS NOT NULL
         ORDER BY c.id, m.sent_ms, m.seq`,
      ),
      messagesPerDay: db.prepare<[WindowArgs], DayCount>(
        `SELECT date(m.sent_ms / 1000.0, 'unixepoch') AS date, count(*) AS n
         FROM messages m JOIN cases c ON c.rowid = m.case_rowid
         WHERE ${MESSAGES_IN_WINDOW}
         GROUP BY 1 ORDER BY 1`,
      ),
      incomingByWeekdayHour: db.prepare<[WindowArgs], WeekdayHourCount>(
        `SELECT CAST(strftime('%w', m.sent_ms / 1000.0, 'unixepoch') AS INTEGER) AS weekday,
                CAST(strftime('%H', m.sent_ms / 1000.0, 'unixepoch') AS INTEGER) AS hour, count(*) AS n
         FROM messages m JOIN cases c ON c.rowid = m.case_rowid
         WHERE ${MESSAGES_IN_WINDOW} AND m.type = 'INCOMING'
         GROUP BY 1, 2`,
      ),
      outgoingByAgent: db.prepare<[WindowArgs], AgentCount>(
        `SELECT m.sent_by AS agent, count(*) AS n
         FROM messages m JOIN cases c ON c.rowid = m.case_rowid
         WHERE ${MESSAGES_IN_WINDOW} AND m.type = 'OUTGOING'
         GROUP BY 1 ORDER BY n DESC, agent`,
      ),
      events: db.prepare<[number], ReportEventRow>(
        `SELECT case_id AS caseId, at_ms AS atMs, kind, to_state AS toState FROM case_events
         WHERE hc = ? AND kind IN ('created', 'state', 'deleted', 'restored')
         ORDER BY at_ms, rowid`,
      ),
    };
  }

  /** Every helpcenter with at least one committed page, by id. */
  helpcenters(): ReportHelpcenter[] {
    return this.s.helpcenters.all();
  }

  /** One helpcenter, undefined when never synced. */
  helpcenter(id: string): ReportHelpcenter | undefined {
    return this.s.helpcenter.get(id.toLowerCase());
  }

  /** Ids of the live UNHANDLED and HANDLING cases, whenever created. */
  openCaseIds(hc: number): string[] {
    return this.s.openIds.all(hc).map((r) => r.id);
  }

  /** Live cases created in the window, by id (= creation order). */
  cases(hc: number, w: ReportWindow): ReportCaseRow[] {
    return this.s.cases.all(args(hc, w));
  }

  /**
   * The dated INCOMING and OUTGOING messages of live cases created in the
   * window, grouped by case (id order), each case's in conversation order:
   * by `sent`, then by position in `messages[]`. Streamed: O(1) memory.
   */
  conversation(hc: number, w: ReportWindow): IterableIterator<ReportMessageRow> {
    return this.s.conversation.iterate(args(hc, w));
  }

  /** Messages of any type sent in the window, per UTC day (days without any are absent). */
  messagesPerDay(hc: number, w: ReportWindow): DayCount[] {
    return this.s.messagesPerDay.all(args(hc, w));
  }

  /** INCOMING messages sent in the window per UTC weekday and hour (empty cells are absent). */
  incomingByWeekdayHour(hc: number, w: ReportWindow): WeekdayHourCount[] {
    return this.s.incomingByWeekdayHour.all(args(hc, w));
  }

  /** OUTGOING messages sent in the window per `sentBy`, most first (ties by name). */
  outgoingByAgent(hc: number, w: ReportWindow): AgentCount[] {
    return this.s.outgoingByAgent.all(args(hc, w));
  }

  /** The helpcenter's whole event log of created/state/deleted/restored, in the order observed. Streamed. */
  events(hc: number): IterableIterator<ReportEventRow> {
    return this.s.events.iterate(hc);
  }
}
