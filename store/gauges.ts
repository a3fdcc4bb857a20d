import { accessSync, constants } from 'node:fs';
import { RANK_STATE } from '../contract/order.js';
import type { Db } from './open.js';

/** One helpcenter's live cases in one state (`UNKNOWN` for a state outside the three). */
export interface CaseStateCount {
  helpcenter: string;
  state: string;
  cases: number;
}

/** When a helpcenter's last successful run of each mode finished (ms since the epoch; null: never). */
export interface LastSuccess {
  helpcenter: string;
  fullMs: number | null;
  incrementalMs: number | null;
}

/** Runs read back from the newest when counting consecutive failures: the count stops there. */
export const MAX_FAILURE_STREAK = 50;

/**
 * What the metrics endpoints read from the store at scrape time (issue 13):
 * cheap reads only — the per-state counts the writers keep (state_counts),
 * the helpcenters row, held deletions, and the newest runs of each
 * helpcenter. Nothing here writes, so a read-only store (serve) can use it.
 */
export class StoreGauges {
  private readonly s;

  /** @internal statements on the store's connection, made by Store (store/index.ts) */
  constructor(private readonly db: Db) {
    this.s = {
      states: db.prepare<[], { helpcenter: string; rank: number; n: number }>(
        'SELECT h.id AS helpcenter, s.state_rank AS rank, s.n AS n FROM state_counts s JOIN helpcenters h USING (hc) ORDER BY h.id, s.state_rank',
      ),
      success: db.prepare<[], { helpcenter: string; full: number | null; incr: number | null }>(
        'SELECT id AS helpcenter, last_full_ms AS full, last_incremental_ms AS incr FROM helpcenters ORDER BY id',
      ),
      held: db.prepare<[], { helpcenter: string; n: number }>(
        `SELECT h.id AS helpcenter, (SELECT count(*) FROM held_deletions d JOIN cases c ON c.rowid = d.case_rowid
                                     WHERE d.hc = h.hc AND c.deleted_ms IS NULL) AS n
         FROM helpcenters h ORDER BY h.id`,
      ),
      hcs: db.prepare<[], { hc: number; helpcenter: string }>('SELECT hc, id AS helpcenter FROM helpcenters ORDER BY id'),
      newest: db.prepare<[number, number], string>('SELECT status FROM sync_runs WHERE hc = ? ORDER BY run_id DESC LIMIT ?').pluck(),
    };
  }

  /** Live cases per helpcenter and state, from the trigger-kept counts (no scan of the cases). */
  caseStates(): CaseStateCount[] {
    return this.s.states.all().map((r) => ({ helpcenter: r.helpcenter, state: RANK_STATE[r.rank] ?? 'UNKNOWN', cases: r.n }));
  }

  /** The last successful full and incremental run of every helpcenter. */
  lastSuccess(): LastSuccess[] {
    return this.s.success.all().map((r) => ({ helpcenter: r.helpcenter, fullMs: r.full, incrementalMs: r.incr }));
  }

  /** Live cases the mass-deletion guard holds, per helpcenter (0 included). */
  heldDeletions(): { helpcenter: string; held: number }[] {
    return this.s.held.all().map((r) => ({ helpcenter: r.helpcenter, held: r.n }));
  }

  /**
   * Failed runs since the helpcenter's last successful one, newest first
   * (interrupted and running ones are skipped, neither success nor failure),
   * counted up to MAX_FAILURE_STREAK.
   */
  failureStreaks(): { helpcenter: string; failed: number }[] {
    return this.s.hcs.all().map(({ hc, helpcenter }) => {
      let failed = 0;
      for (const status of this.s.newest.all(hc, MAX_FAILURE_STREAK)) {
        if (status === 'ok') break;
        if (status === 'failed') failed++;
      }
      return { helpcenter, failed };
    });
  }
}

/** @internal */
/**
 * Can this store be written now? The file must be writable by this process
 * and an IMMEDIATE transaction (the write lock) must begin. It does not
 * wait: busy_timeout is 0 for the probe (a synchronous wait would stall the
 * whole process), and a lock held by another writer answers 'busy', which
 * is healthy (someone is writing). Throws what SQLite or the file system
 * says otherwise (the caller translates).
 */
export function probeWritable(db: Db, file: string): 'ok' | 'busy' {
  if (db.readonly) throw new Error('the store is open read-only');
  if (file !== ':memory:') accessSync(file, constants.W_OK);
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    db.transaction(() => {}).immediate();
    return 'ok';
  } catch (e) {
    if ((e as { code?: unknown }).code === 'SQLITE_BUSY') return 'busy';
    throw e;
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}
