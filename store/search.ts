import type Database from 'better-sqlite3';
import type { Db } from './open.js';

/**
 * All SQL of full-text search. The three contentless FTS5 tables are read
 * here and nowhere else:
 *  - `case_fts(subject, customer)`, rowid = cases.rowid
 *  - `contact_fts(contact)` (trigram), rowid = cases.rowid
 *  - `message_fts(body)`, rowid = messages.rowid
 * Expressions reach this module already built from quoted tokens
 * (query/search.ts); nothing here looks at user text.
 *
 * Tombstoned cases have no FTS rows (CaseWriter.dropFromIndex), so an
 * unfiltered stream needs no look-up in `cases`; every filtered stream and
 * every hit's details still check `deleted_ms IS NULL`.
 */

export type FtsSource = 'case' | 'contact' | 'message';

/** Which cases may match; empty = all live cases of every helpcenter. */
export interface SearchScope {
  hc?: number;
  stateRank?: number;
  /** last activity >= sinceMs */
  sinceMs?: number;
  /** last activity < untilMs */
  untilMs?: number;
}

/** One matching FTS row, mapped to its case. */
export interface MatchRow {
  caseRowid: number;
  /** the FTS row: cases.rowid, or messages.rowid for the message source */
  rowid: number;
  /** bm25 relevance, higher is better (FTS5 rank negated); 0 when read unranked */
  relevance: number;
}

export interface HitRow {
  rowid: number;
  /** `_id` as delivered */
  id: string;
  caseNumber: number | null;
  subject: string | null;
  stateRank: number;
  /** `state` as delivered, when it is a string (one the list does not rank: shown as is) */
  stateText: string | null;
  sentMs: number;
  helpcenter: string;
}

export interface MessageText {
  rowid: number;
  content: string | null;
}

// Subject counts more than the customer fields (name, company, e-mail, phone).
const CASE_BM25 = 'bm25(2.0, 1.0)';

const TABLE: Record<FtsSource, string> = { case: 'case_fts', contact: 'contact_fts', message: 'message_fts' };

type Stmt = Database.Statement<unknown[]>;

export class CaseSearch {
  private readonly stmts = new Map<string, Stmt>();
  private readonly hitStmt;
  private readonly messagesStmt;
  private readonly hcCountStmt;

  /** @internal statements on the store's connection, made by Store (store/index.ts) */
  constructor(private readonly db: Db) {
    this.hitStmt = db.prepare<[number], { rowid: number; id: string; case_number: number | null; subject: string | null; state_rank: number; state_text: unknown; sent_ms: number; helpcenter: string }>(
      `SELECT c.rowid, coalesce(json_extract(c.json, '$._id'), c.id) AS id, c.case_number, c.subject, c.state_rank,
         json_extract(c.json, '$.state') AS state_text, c.sent_ms,
         h.id AS helpcenter
       FROM cases c JOIN helpcenters h ON h.hc = c.hc
       WHERE c.rowid = ? AND c.deleted_ms IS NULL`,
    );
    this.messagesStmt = db.prepare<[number], MessageText>('SELECT rowid, content FROM messages WHERE case_rowid = ? ORDER BY seq');
    this.hcCountStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM helpcenters');
  }

  helpcenterCount(): number {
    return this.hcCountStmt.get()?.n ?? 0;
  }

  /** How many FTS rows match, counting no further than `cap` (cheap: no ranking, no joins). */
  countUpTo(source: FtsSource, expr: string, cap: number): number {
    const t = TABLE[source];
    const s = this.stmt(`count:${source}`, () => `SELECT count(*) FROM (SELECT rowid FROM ${t} WHERE ${t} MATCH ? LIMIT ?)`);
    return s.pluck().get(expr, cap) as number;
  }

  /** Every match in scope, best bm25 first (ties: newest row first). Cost grows with the matches: callers bound them first. */
  ranked(source: FtsSource, expr: string, scope: SearchScope): MatchRow[] {
    const f = filter(scope);
    const s = this.stmt(`ranked:${source}:${f.key}`, () => {
      const t = TABLE[source];
      const rank = source === 'case' ? ` AND f.rank MATCH '${CASE_BM25}'` : '';
      return `SELECT ${caseOf(source)} AS caseRowid, f.rowid AS rowid, -f.rank AS relevance
        FROM ${t} f ${joins(source, f.sql !== '')}
        WHERE f.${t} MATCH ?${rank}${f.sql}
        ORDER BY f.rank, f.rowid DESC`;
    });
    return s.all(expr, ...f.args) as MatchRow[];
  }

  /** Matches in scope, newest row first, below `beforeRowid` (null: from the newest), at most `limit`: unranked. */
  recent(source: FtsSource, expr: string, scope: SearchScope, beforeRowid: number | null, limit: number): MatchRow[] {
    const f = filter(scope);
    const s = this.stmt(`recent:${source}:${f.key}`, () => {
      const t = TABLE[source];
      return `SELECT ${caseOf(source)} AS caseRowid, f.rowid AS rowid, 0 AS relevance
        FROM ${t} f ${joins(source, f.sql !== '')}
        WHERE f.${t} MATCH ? AND f.rowid < ?${f.sql}
        ORDER BY f.rowid DESC LIMIT ?`;
    });
    return s.all(expr, beforeRowid ?? Number.MAX_SAFE_INTEGER, ...f.args, limit) as MatchRow[];
  }

  /** A live case's fields for a hit (undefined: gone or tombstoned). */
  hit(caseRowid: number): HitRow | undefined {
    const r = this.hitStmt.get(caseRowid);
    if (!r) return undefined;
    return { rowid: r.rowid, id: r.id, caseNumber: r.case_number, subject: r.subject, stateRank: r.state_rank, stateText: typeof r.state_text === 'string' ? r.state_text : null, sentMs: r.sent_ms, helpcenter: r.helpcenter };
  }

  /** A case's messages in delivered order, for snippets. */
  messages(caseRowid: number): MessageText[] {
    return this.messagesStmt.all(caseRowid);
  }

  private stmt(key: string, sql: () => string): Stmt {
    let s = this.stmts.get(key);
    if (!s) {
      s = this.db.prepare<unknown[]>(sql());
      this.stmts.set(key, s);
    }
    return s;
  }
}

function caseOf(source: FtsSource): string {
  return source === 'message' ? 'm.case_rowid' : 'f.rowid';
}

/**
 * CROSS JOIN keeps the FTS table the outer loop: with a narrow filter the
 * planner would otherwise walk a cases index and probe FTS5 once per case
 * (20-45 µs a probe, a full prefix merge each time for `word*`).
 */
function joins(source: FtsSource, filtered: boolean): string {
  const m = source === 'message' ? 'CROSS JOIN messages m ON m.rowid = f.rowid' : '';
  const c = filtered ? `CROSS JOIN cases c ON c.rowid = ${caseOf(source)}` : '';
  return `${m} ${c}`;
}

// scope field, its condition over `cases c`, its letter in the statement key
const FILTERS = [
  ['hc', 'c.hc = ?', 'h'],
  ['stateRank', 'c.state_rank = ?', 's'],
  ['sinceMs', 'c.sent_ms >= ?', 'a'],
  ['untilMs', 'c.sent_ms < ?', 'b'],
] as const;

/** The scope as SQL over `cases c`; the key names the statement shape (values are parameters). */
function filter(scope: SearchScope): { key: string; sql: string; args: number[] } {
  const parts: string[] = [];
  const args: number[] = [];
  let key = '';
  for (const [field, sql, letter] of FILTERS) {
    const v = scope[field];
    if (v === undefined) continue;
    parts.push(sql);
    args.push(v);
    key += letter;
  }
  if (parts.length === 0) return { key: '-', sql: '', args };
  return { key, sql: ` AND c.deleted_ms IS NULL AND ${parts.join(' AND ')}`, args };
}
