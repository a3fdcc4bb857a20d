import { STATE_RANK } from '../contract/order.js';
import type { ListParams, SortBy, SortOrder } from '../contract/types.js';
import type Database from 'better-sqlite3';
import type { Db } from './open.js';

export interface PageRows {
  total: number;
  /** each case's stored JSON text, in list order */
  json: string[];
}

const ORDER_COLUMNS: Record<SortBy, readonly string[]> = {
  CREATED: ['id'],
  SENT: ['sent_ms', 'id'],
  STATE: ['state_rank', 'id'],
};

/**
 * The offline list in SQL, ordered exactly as contract/order.ts orders in
 * memory. Each (state filter, sortBy, direction) has a prepared statement
 * that walks one of the partial indexes; a page past the middle is read
 * from the other end of the order, so deep offsets cost at most half a walk.
 */
export class CaseReader {
  private readonly pageStmts = new Map<string, Database.Statement<unknown[]>>();
  private readonly countAll;
  private readonly countState;
  private readonly hcRow;

  constructor(private readonly db: Db) {
    this.countAll = db.prepare<[number], { n: number | null }>('SELECT sum(n) AS n FROM state_counts WHERE hc = ?');
    this.countState = db.prepare<[number, number], { n: number }>('SELECT n FROM state_counts WHERE hc = ? AND state_rank = ?');
    this.hcRow = db.prepare<[string], { hc: number; first_page_ms: number | null }>(
      'SELECT hc, first_page_ms FROM helpcenters WHERE id = ?',
    );
  }

  /** The helpcenter's key, or undefined when no page of it was ever committed. */
  syncedHelpcenter(id: string): number | undefined {
    const row = this.hcRow.get(id.toLowerCase());
    return row && row.first_page_ms !== null ? row.hc : undefined;
  }

  count(hc: number, state: ListParams['state']): number {
    if (state === 'ALL') return this.countAll.get(hc)?.n ?? 0;
    return this.countState.get(hc, STATE_RANK[state])?.n ?? 0;
  }

  page(hc: number, p: ListParams): PageRows {
    const total = this.count(hc, p.state);
    if (p.offset >= total) return { total, json: [] };
    let offset = p.offset;
    let limit = Math.min(p.limit, total - offset);
    let order = p.sortOrder;
    let reversed = false;
    // Past the middle, walk from the far end: offset' counts from the last row.
    if (offset > total - offset - limit) {
      reversed = true;
      order = order === 'asc' ? 'desc' : 'asc';
      offset = total - offset - limit;
    }
    const stmt = this.statement(p.state !== 'ALL', p.sortBy, order);
    const args = p.state === 'ALL' ? [hc, limit, offset] : [hc, STATE_RANK[p.state], limit, offset];
    const json = (stmt.pluck().all(...args) as string[]);
    if (reversed) json.reverse();
    return { total, json };
  }

  private statement(byState: boolean, sortBy: SortBy, order: SortOrder) {
    const key = `${byState}:${sortBy}:${order}`;
    let s = this.pageStmts.get(key);
    if (!s) {
      const dir = order === 'asc' ? 'ASC' : 'DESC';
      // With a state filter, state_rank is fixed: STATE order is id order.
      const cols = byState && sortBy === 'STATE' ? ['id'] : ORDER_COLUMNS[sortBy];
      const orderBy = cols.map((c) => `${c} ${dir}`).join(', ');
      const where = byState ? 'hc = ? AND state_rank = ? AND deleted_ms IS NULL' : 'hc = ? AND deleted_ms IS NULL';
      s = this.db.prepare<unknown[]>(`SELECT json FROM cases WHERE ${where} ORDER BY ${orderBy} LIMIT ? OFFSET ?`);
      this.pageStmts.set(key, s);
    }
    return s;
  }
}
