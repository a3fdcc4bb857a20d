import type { Db } from './open.js';

/**
 * Changes to the live-case count per helpcenter and state (table
 * `state_counts`, read for every list's `total`), gathered while a
 * transaction writes cases and applied once at its end.
 *
 * The counts were kept by triggers on `cases` until migration 6 (issue 11):
 * a trigger makes every INSERT and UPDATE of a case open a statement
 * journal, and with ~8 pages of 8 KiB touched per insert (the row and six
 * index entries) that journal passed SQLite's 64 KiB spill size and went to
 * a temporary file: ~40 µs of a ~55 µs insert. Every statement that changes
 * a case's `state_rank` or `deleted_ms` lives in store/write.ts or
 * store/sweep.ts, and each records its change here.
 */
export class CountChanges {
  /** per helpcenter, per state rank: the change in live cases */
  private readonly changes = new Map<number, Map<number, number>>();

  /**
   * A live case of `hc` entered (+1) or left (−1) state `rank` (0 UNHANDLED,
   * 1 HANDLING, 2 CLOSED, 3 a state the contract does not know: contract/order.ts).
   */
  add(hc: number, rank: number, delta: number): void {
    let byRank = this.changes.get(hc);
    if (byRank === undefined) this.changes.set(hc, (byRank = new Map()));
    byRank.set(rank, (byRank.get(rank) ?? 0) + delta);
  }

  /** @internal non-zero changes as [hc, rank, delta] */
  *entries(): Generator<[number, number, number]> {
    for (const [hc, byRank] of this.changes) for (const [rank, delta] of byRank) if (delta !== 0) yield [hc, rank, delta];
  }
}

/** Applies CountChanges to `state_counts`. Call inside the transaction that made the changes. */
export class StateCounts {
  private readonly upsert;

  /** @internal a statement on the store's connection, made by Store (store/index.ts) */
  constructor(db: Db) {
    this.upsert = db.prepare(
      `INSERT INTO state_counts (hc, state_rank, n) VALUES (?, ?, ?)
       ON CONFLICT (hc, state_rank) DO UPDATE SET n = n + excluded.n`,
    );
  }

  apply(changes: CountChanges): void {
    for (const [hc, rank, delta] of changes.entries()) this.upsert.run(hc, rank, delta);
  }
}
