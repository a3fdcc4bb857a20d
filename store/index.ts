import type { ListParams } from '../contract/types.js';
import { openDb, type Db, type OpenOptions } from './open.js';
import { CaseLookup } from './lookup.js';
import { CaseReader, type PageRows } from './read.js';
import { RunLog, type RunCounters } from './runs.js';
import { ReportQueries } from './report.js';
import { CaseSearch } from './search.js';
import { SweepConclusions } from './sweep.js';
import { CaseWriter, type DeliveredCase, type RejectedInput, type WriteCounts } from './write.js';

export type { StoredCase } from './lookup.js';
export type { PageRows } from './read.js';
export * from './runs.js';
export type { DeliveredCase, RejectedInput, WriteCounts } from './write.js';

/** One page as the sync hands it to the store: written atomically with its checkpoint. */
export interface PageWrite {
  hc: number;
  runId: number;
  /** full sweep: the run that began the sweep (a resumed sweep keeps its first run's id) */
  sweepId?: number;
  nowMs: number;
  cases: readonly DeliveredCase[];
  rejected: readonly RejectedInput[];
  /** full sweep only: the id range this page verified, and every id it contained */
  verified?: { afterId: string; throughId: string | null; seenIds: readonly string[] };
  /** the run's counters after this page (cumulative) */
  counters: RunCounters;
  checkpoint: unknown;
}

/**
 * The store: everything SQLite. The sync's async paging never awaits inside
 * a transaction; each page is one synchronous `writePage`.
 */
export class Store {
  readonly db: Db;
  readonly runs: RunLog;
  readonly reader: CaseReader;
  private readonly writer: CaseWriter;
  private readonly conclusions: SweepConclusions;
  private searchQueries: CaseSearch | undefined;
  private reportQueries: ReportQueries | undefined;
  private lookupQueries: CaseLookup | undefined;

  constructor(readonly file: string, opts: OpenOptions = {}) {
    this.db = openDb(file, opts);
    this.runs = new RunLog(this.db);
    this.reader = new CaseReader(this.db, opts.listTuning);
    // on a read-only connection these prepare fine and fail with SQLITE_READONLY if ever run
    this.writer = new CaseWriter(this.db);
    this.conclusions = new SweepConclusions(this.db, this.writer);
  }

  /**
   * Write one page and the run's checkpoint in one transaction. Every write
   * transaction is IMMEDIATE: a deferred one that reads first fails at once
   * with SQLITE_BUSY when another process commits in between (busy_timeout
   * does not cover that upgrade); IMMEDIATE waits for the lock at BEGIN.
   */
  writePage(w: PageWrite): WriteCounts {
    return this.db.transaction(() => {
      const counts = this.writer.upsertCases(w.hc, w.runId, w.nowMs, w.cases);
      this.writer.recordRejected(w.hc, w.runId, w.nowMs, w.rejected);
      if (w.verified) this.conclusions.recordMissing(w.sweepId ?? w.runId, w.hc, w.verified.afterId, w.verified.throughId, w.verified.seenIds);
      const c = w.counters;
      c.pages++;
      c.casesUpserted += counts.inserted + counts.updated;
      c.messagesUpserted += counts.messages;
      c.unchanged += counts.unchanged;
      c.rejected += w.rejected.length;
      this.runs.saveProgress(w.runId, c, w.checkpoint);
      this.runs.markFirstPage(w.hc, w.nowMs);
      return counts;
    }).immediate();
  }

  /** Tombstone what a verified complete sweep found missing. */
  applyTombstones(sweepId: number, runId: number, hc: number, nowMs: number): number {
    return this.db.transaction(() => this.conclusions.applyTombstones(sweepId, runId, hc, nowMs)).immediate();
  }

  inferClosed(runId: number, hc: number, nowMs: number, openIds: readonly string[]): number {
    return this.db.transaction(() => this.conclusions.inferClosed(runId, hc, nowMs, openIds)).immediate();
  }

  /** Search statements, prepared on first use (list-only processes never pay for them). */
  get search(): CaseSearch {
    return (this.searchQueries ??= new CaseSearch(this.db));
  }

  /** Report statements, prepared on first use. */
  get report(): ReportQueries {
    return (this.reportQueries ??= new ReportQueries(this.db));
  }

  /** Look-up of one case by `_id` or number (`hcsync show`), prepared on first use. */
  get lookup(): CaseLookup {
    return (this.lookupQueries ??= new CaseLookup(this.db));
  }

  /** The list page for a synced helpcenter (undefined: never synced). */
  listPage(p: ListParams): PageRows | undefined {
    const hc = this.reader.syncedHelpcenter(p.id);
    return hc === undefined ? undefined : this.reader.page(hc, p);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
