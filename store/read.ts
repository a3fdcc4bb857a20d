import type Database from 'better-sqlite3';
import { STATE_RANK } from '../contract/order.js';
import type { ListParams, SortBy } from '../contract/types.js';
import type { Db } from './open.js';

export interface PageRows {
  total: number;
  /** the page's cases as stored, comma-separated, as UTF-8 bytes (no decoding on the way to a socket) */
  json: Buffer;
}

const ORDER_COLUMNS: Record<SortBy, readonly string[]> = {
  CREATED: ['id'],
  SENT: ['sent_ms', 'id'],
  STATE: ['state_rank', 'id'],
};

export interface ListTuning {
  /** every anchorStep-th key of an order is remembered, so no page skips more index entries than this */
  anchorStep: number;
  /** skips shorter than this are walked directly (a few hundred µs); longer ones start from an anchor */
  directSkip: number;
}

export const DEFAULT_LIST_TUNING: ListTuning = { anchorStep: 1000, directSkip: 4000 };

type Key = (string | number)[];

/** One list order: a filter (all states, or one) and its sort columns, ascending. */
interface Order {
  key: string;
  byState: boolean;
  cols: readonly string[];
}

interface Anchors {
  version: string;
  keys: Key[];
}

/**
 * The offline list in SQL, ordered exactly as contract/order.ts orders in
 * memory, each order walking one of the partial indexes.
 *
 * SQLite cannot jump to the n-th entry of an index: OFFSET walks every
 * skipped entry (~70 ns each here, so 14 ms at 200k). For deep pages the
 * reader keeps anchors, the key of every 1000th entry of the order, seeks
 * to the nearest one on the page's near side and walks the rest (< 1000),
 * in the requested direction so that SQLite joins the page's JSON itself.
 * Anchors are built lazily by one walk of the order (~15–20 ms at 200k),
 * and are dropped when the database changes (data_version for other
 * connections' commits, total_changes() for this connection's).
 */
export class CaseReader {
  private readonly stmts = new Map<string, Database.Statement<unknown[]>>();
  private readonly anchors = new Map<string, Anchors>();
  private readonly countAll;
  private readonly countState;
  private readonly hcRow;
  private readonly dataVersion;

  private readonly step: number;
  private readonly direct: number;

  /** @internal statements on the store's connection, made by Store (store/index.ts) */
  constructor(
    private readonly db: Db,
    tuning: ListTuning = DEFAULT_LIST_TUNING,
  ) {
    this.step = tuning.anchorStep;
    this.direct = Math.max(tuning.directSkip, tuning.anchorStep);
    this.countAll = db.prepare<[number], { n: number | null }>('SELECT sum(n) AS n FROM state_counts WHERE hc = ?');
    this.countState = db.prepare<[number, number], { n: number }>('SELECT n FROM state_counts WHERE hc = ? AND state_rank = ?');
    this.hcRow = db.prepare<[string], { hc: number; first_page_ms: number | null }>(
      'SELECT hc, first_page_ms FROM helpcenters WHERE id = ?',
    );
    this.dataVersion = db.prepare<[], string>("SELECT (SELECT data_version FROM pragma_data_version) || ':' || total_changes()").pluck();
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

  /** One page of the list. Call inside a read transaction (count and rows from one snapshot). */
  page(hc: number, p: ListParams): PageRows {
    const total = this.count(hc, p.state);
    if (p.offset >= total) return { total, json: Buffer.alloc(0) };
    const n = Math.min(p.limit, total - p.offset);
    // the page as ascending positions [a, a + n)
    const a = p.sortOrder === 'asc' ? p.offset : total - p.offset - n;
    const order = this.order(p);
    const filter: unknown[] = p.state === 'ALL' ? [hc] : [hc, STATE_RANK[p.state]];
    // Walk in the requested direction (SQLite then joins the rows in page order), from the
    // start of the order when the skip is short, else from the nearest anchor before the page.
    const asc = p.sortOrder === 'asc';
    const skip = p.offset; // entries before the page, in the requested direction
    let args: unknown[];
    let fromAnchor = false;
    if (skip <= this.direct) {
      args = [...filter, n, skip];
    } else {
      fromAnchor = true;
      const anchors = this.anchorsFor(order, filter);
      // anchors[k] sits at ascending position (k + 1) * step - 1
      if (asc) {
        const k = Math.floor(a / this.step) - 1; // the last anchor before position a
        args = [...filter, ...anchors[k]!, n, a - (k + 1) * this.step];
      } else {
        const k = Math.ceil((a + n + 1) / this.step) - 1; // the first anchor after position a + n - 1
        args = [...filter, ...anchors[k]!, n, (k + 1) * this.step - 1 - (a + n)];
      }
    }
    // group_concat takes rows in the order the LIMITed subquery yields them; the differential
    // tests (every order and page, against the simulator, anchors included) hold it to that.
    const joined = this.stmt(order, asc ? 'ASC' : 'DESC', fromAnchor).get(...args) as Buffer | null;
    return { total, json: joined ?? Buffer.alloc(0) };
  }

  /**
   * Make a helpcenter's lists answer their first request as fast as any
   * later one: prepare every order's statements and build its anchors (one
   * walk of each of its nine orders' index entries, ~20 ms each at 200k
   * cases, which also brings those index pages into the page cache).
   * Anchors are rebuilt on first use after the store changes, as always.
   */
  warm(hc: number): void {
    const filters: ListParams['state'][] = ['ALL', 'UNHANDLED', 'HANDLING', 'CLOSED'];
    const sorts: SortBy[] = ['CREATED', 'SENT', 'STATE'];
    const seen = new Set<string>();
    for (const state of filters) {
      for (const sortBy of sorts) {
        const o = this.order({ state, sortBy } as ListParams);
        const filter: unknown[] = state === 'ALL' ? [hc] : [hc, STATE_RANK[state]];
        const key = `${o.key}:${filter.join(',')}`;
        if (seen.has(key)) continue;
        seen.add(key);
        for (const dir of ['ASC', 'DESC'] as const) for (const fromAnchor of [false, true]) this.stmt(o, dir, fromAnchor);
        this.anchorsFor(o, filter);
      }
    }
  }

  /** The keys of every helpcenter with a committed page. */
  syncedHelpcenters(): number[] {
    return this.db.prepare<[], number>('SELECT hc FROM helpcenters WHERE first_page_ms IS NOT NULL ORDER BY hc').pluck().all();
  }

  private order(p: Pick<ListParams, 'state' | 'sortBy'>): Order {
    const byState = p.state !== 'ALL';
    // With a state filter, state_rank is fixed: STATE order is id order.
    const cols = byState && p.sortBy === 'STATE' ? ORDER_COLUMNS.CREATED : ORDER_COLUMNS[p.sortBy];
    return { key: `${byState}:${cols.join(',')}`, byState, cols };
  }

  private stmt(o: Order, dir: 'ASC' | 'DESC', fromAnchor: boolean): Database.Statement<unknown[]> {
    const key = `${o.key}:${dir}:${fromAnchor}`;
    let s = this.stmts.get(key);
    if (!s) {
      const where = [o.byState ? 'hc = ? AND state_rank = ?' : 'hc = ?', 'deleted_ms IS NULL'];
      if (fromAnchor) where.push(`(${o.cols.join(', ')}) ${dir === 'ASC' ? '>' : '<'} (${o.cols.map(() => '?').join(', ')})`);
      const orderBy = o.cols.map((c) => `${c} ${dir}`).join(', ');
      const page = `FROM cases WHERE ${where.join(' AND ')} ORDER BY ${orderBy} LIMIT ? OFFSET ?`;
      // one buffer of the stored bytes: no per-row copies, no UTF-8 decoding into JS strings
      s = this.db.prepare<unknown[]>(`SELECT CAST(group_concat(json, ',') AS BLOB) FROM (SELECT json ${page})`).pluck();
      this.stmts.set(key, s);
    }
    return s;
  }

  /** Keys at ascending positions STEP-1, 2·STEP-1, …; rebuilt after any change to the database. */
  private anchorsFor(o: Order, filter: unknown[]): Key[] {
    const version = this.dataVersion.get()!;
    const cacheKey = `${o.key}:${filter.join(',')}`;
    const cached = this.anchors.get(cacheKey);
    if (cached && cached.version === version) return cached.keys;
    const cols = o.cols.join(', ');
    const where = `${o.byState ? 'hc = ? AND state_rank = ?' : 'hc = ?'} AND deleted_ms IS NULL`;
    const first = this.db.prepare<unknown[]>(`SELECT ${cols} FROM cases WHERE ${where} ORDER BY ${cols} LIMIT 1 OFFSET ${this.step - 1}`).raw();
    const next = this.db
      .prepare<unknown[]>(`SELECT ${cols} FROM cases WHERE ${where} AND (${cols}) > (${o.cols.map(() => '?').join(', ')}) ORDER BY ${cols} LIMIT 1 OFFSET ${this.step - 1}`)
      .raw();
    const keys: Key[] = [];
    let k = first.get(...filter) as Key | undefined;
    while (k) {
      keys.push(k);
      k = next.get(...filter, ...k) as Key | undefined;
    }
    this.anchors.set(cacheKey, { version, keys });
    return keys;
  }
}
