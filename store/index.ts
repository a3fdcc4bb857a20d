import { statSync } from 'node:fs';
import path from 'node:path';
import { StoreError, UsageError } from '../contract/errors.js';
import type { ListParams } from '../contract/types.js';
import { guarded, translated } from './errors.js';
import { acquireSyncLock, type LockOwner, type SyncLock } from './lock.js';
import { openDb, type Db, type OpenOptions } from './open.js';
import { CaseLookup } from './lookup.js';
import { StoreGauges, probeWritable } from './gauges.js';
import { CaseReader, type PageRows } from './read.js';
import { RunLog, type RunCounters } from './runs.js';
import { ReportQueries } from './report.js';
import { CaseSearch } from './search.js';
import { CaseExport } from './export.js';
import { SweepConclusions, type DeleteLimit, type TombstoneResult } from './sweep.js';
import { CaseWriter, type WriteCounts } from './write.js';
import type { DeliveredCase, RejectedCase } from '../contract/validate.js';

export type { StoredCase } from './lookup.js';
export type { CaseStateCount, LastSuccess } from './gauges.js';
export type { PageRows } from './read.js';
export * from './runs.js';
export type { WriteCounts } from './write.js';
export { caseHash } from './write.js';
export type { DeleteLimit, TombstoneResult } from './sweep.js';
export { EXPORT_TABLES, type ExportTable, type ExportWindow } from './export.js';
export { VIEW_COLUMNS, type ViewName } from './views.js';
export type { DeliveredCase, RejectedCase } from '../contract/validate.js';
export { lockOwner, type LockOwner, type SyncLock } from './lock.js';

/** One page as the sync hands it to the store: written atomically with its checkpoint. */
export interface PageWrite {
  hc: number;
  runId: number;
  /** full sweep: the run that began the sweep (a resumed sweep keeps its first run's id) */
  sweepId?: number;
  nowMs: number;
  cases: readonly DeliveredCase[];
  rejected: readonly RejectedCase[];
  /** full sweep only: the id range this page verified, and every id it contained */
  verified?: { afterId: string; throughId: string | null; seenIds: readonly string[] };
  /** the run's counters after this page, from what the page wrote: called inside the transaction, saved with it */
  progress: (counts: WriteCounts) => RunCounters;
  checkpoint: unknown;
}

/**
 * The store: everything SQLite. The sync's async paging never awaits inside
 * a transaction; each page is one synchronous `writePage`.
 *
 * No SqliteError leaves it: the constructor, its methods and those of
 * `runs`, `reader`, `search` and `report` throw StoreError instead
 * (store/errors.ts). `db` is the raw connection, for tests and the bench.
 *
 * For library users (index.ts) a Store is a handle: `openStore` makes one,
 * the query functions take it, `close()` ends it. Members tagged internal
 * are left out of the published declarations (tsconfig.build.json
 * stripInternal), so the public types never name better-sqlite3's.
 */
export class Store {
  /** @internal */
  readonly db: Db;
  /** @internal */
  readonly runs: RunLog;
  /** @internal */
  readonly reader: CaseReader;
  private readonly writer: CaseWriter;
  /** the opened file's inode, to notice it deleted or replaced under a long-running process */
  private readonly identity: { ino: number; dev: number } | undefined;
  private readonly conclusions: SweepConclusions;
  private searchQueries: CaseSearch | undefined;
  private reportQueries: ReportQueries | undefined;
  private lookupQueries: CaseLookup | undefined;
  private gaugeQueries: StoreGauges | undefined;
  private exportQueries: CaseExport | undefined;

  /** the absolute path, for messages */
  private readonly where: string;

  /** the store file as given */
  readonly file: string;

  /** @internal Opens the store (see openDb; the library's openStore). Throws StoreError. */
  constructor(file: string, opts: OpenOptions = {}) {
    if (typeof file !== 'string' || file === '') throw new UsageError(`the store must be a file path, got ${JSON.stringify(file) ?? String(file)}`);
    this.file = file;
    this.where = file === ':memory:' ? file : path.resolve(file);
    const db = (this.db = openDb(file, opts));
    this.identity = file === ':memory:' ? undefined : statSync(this.where);
    try {
      [this.runs, this.reader, this.writer, this.conclusions] = translated(this.where, () => {
        const writer = new CaseWriter(db);
        // on a read-only connection these prepare fine and fail with SQLITE_READONLY if ever run
        return [guarded(new RunLog(db), this.where), guarded(new CaseReader(db, opts.listTuning), this.where), writer, new SweepConclusions(db, writer)] as const;
      });
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /**
   * Take the helpcenter's sync lock (store/lock.ts: held by the kernel, so a
   * dead holder never blocks) and mark the runs a dead holder left 'running'
   * as 'interrupted'. Throws SyncBusyError while another run holds it, and
   * StoreError when the lock cannot be made or the store not written.
   */
  /** @internal */
  lockHelpcenter(helpcenter: string, owner: LockOwner, nowMs: number): SyncLock {
    this.checkStillAtPath();
    const lock = acquireSyncLock(this.file, helpcenter, owner);
    try {
      this.runs.interruptRunning(helpcenter, nowMs);
      return lock;
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /**
   * Throws StoreError E_STORE_MISSING when the file this Store opened is no
   * longer the one at its path (deleted, or replaced): a long-running
   * process (the worker) would otherwise write into a deleted file and
   * report success while nothing reaches the disk anyone reads.
   */
  private checkStillAtPath(): void {
    if (this.identity === undefined) return;
    let now: { ino: number; dev: number } | undefined;
    try {
      now = statSync(this.where);
    } catch {
      now = undefined;
    }
    if (now === undefined || now.ino !== this.identity.ino || now.dev !== this.identity.dev) {
      throw new StoreError('E_STORE_MISSING', `store ${this.where} was ${now === undefined ? 'deleted' : 'replaced'} after this process opened it; restart the process (nothing was written)`, { file: this.where });
    }
  }

  /** Run `fn` in one read transaction (one committed state); SQLite errors become StoreError. */
  /** @internal */
  read<T>(fn: () => T): T {
    return translated(this.where, () => this.db.transaction(fn)());
  }

  /**
   * Write one page and the run's checkpoint in one transaction. Every write
   * transaction is IMMEDIATE: a deferred one that reads first fails at once
   * with SQLITE_BUSY when another process commits in between (busy_timeout
   * does not cover that upgrade); IMMEDIATE waits for the lock at BEGIN.
   */
  /** @internal */
  writePage(w: PageWrite): { counts: WriteCounts; counters: RunCounters } {
    return translated(this.where, () => this.db.transaction(() => {
      const counts = this.writer.upsertCases(w.hc, w.runId, w.nowMs, w.cases);
      this.writer.recordRejected(w.hc, w.runId, w.nowMs, w.rejected);
      counts.rejected = w.rejected.length;
      counts.warnings = this.writer.recordWarnings(w.hc, w.runId, w.nowMs, w.cases);
      if (w.verified) this.conclusions.recordMissing(w.sweepId ?? w.runId, w.hc, w.verified.afterId, w.verified.throughId, w.verified.seenIds);
      const counters = w.progress(counts);
      this.runs.saveProgress(w.runId, counters, w.checkpoint);
      this.runs.markFirstPage(w.hc, w.nowMs);
      return { counts, counters };
    }).immediate());
  }

  /** Conclude a verified complete sweep: tombstones within the mass-deletion guard (store/sweep.ts). */
  /** @internal */
  applyTombstones(a: { sweepId: number; runId: number; hc: number; nowMs: number; maxDelete: DeleteLimit }): TombstoneResult {
    return translated(this.where, () =>
      this.db
        .transaction(() => {
          const r = this.conclusions.applyTombstones(a.sweepId, a.runId, a.hc, a.nowMs, a.maxDelete);
          if (r.held > 0) this.runs.recordRunWarning(a.runId, a.hc, 'sweep', r.message, a.nowMs);
          return r;
        })
        .immediate(),
    );
  }

  /** A sweep that could not be verified: forget the absences it noted (they prove nothing). */
  /** @internal */
  abandonSweep(hc: number): void {
    translated(this.where, () => this.db.transaction(() => this.conclusions.abandonSweep(hc)).immediate());
  }

  /** Live cases the mass-deletion guard holds for a helpcenter. */
  /** @internal */
  heldDeletions(hc: number): number {
    return translated(this.where, () => this.conclusions.heldDeletions(hc));
  }

  /** Local live open cases not among `ids`: the candidates an incremental may infer closed. */
  /** @internal */
  openCasesNotIn(hc: number, ids: readonly string[]): string[] {
    return translated(this.where, () => this.conclusions.openCasesNotIn(hc, ids));
  }

  /** Mark these open cases CLOSED (inferred); returns how many were changed. */
  /** @internal */
  inferClosed(runId: number, hc: number, nowMs: number, ids: readonly string[]): number {
    return translated(this.where, () => this.db.transaction(() => this.conclusions.inferClosed(runId, hc, nowMs, ids)).immediate());
  }

  /** Search statements, prepared on first use (list-only processes never pay for them). */
  /** @internal */
  get search(): CaseSearch {
    return (this.searchQueries ??= translated(this.where, () => guarded(new CaseSearch(this.db), this.where)));
  }

  /** Report statements, prepared on first use. */
  /** @internal */
  get report(): ReportQueries {
    return (this.reportQueries ??= translated(this.where, () => guarded(new ReportQueries(this.db), this.where)));
  }

  /** `hcsync export`'s statements (store/export.ts), prepared on first use. */
  /** @internal */
  get export(): CaseExport {
    return (this.exportQueries ??= translated(this.where, () => guarded(new CaseExport(this.db), this.where)));
  }

  /** Look-up of one case by `_id` or number (`hcsync show`), prepared on first use. */
  /** @internal */
  get lookup(): CaseLookup {
    return (this.lookupQueries ??= new CaseLookup(this.db));
  }

  /** @internal */
  /** Scrape-time reads for the metrics endpoints (store/gauges.ts), prepared on first use. */
  get gauges(): StoreGauges {
    return (this.gaugeQueries ??= translated(this.where, () => guarded(new StoreGauges(this.db), this.where)));
  }

  /** @internal */
  /**
   * Throws StoreError unless the store can be written now: the file is
   * writable and the write lock can be had at once ('busy' when another
   * process holds it, which is fine). Never waits (the worker's /healthz;
   * store/gauges.ts probeWritable).
   */
  checkWritable(): 'ok' | 'busy' {
    return translated(this.where, () => probeWritable(this.db, this.file));
  }

  /** The list page for a synced helpcenter (undefined: never synced). */
  /** @internal */
  listPage(p: ListParams): PageRows | undefined {
    const hc = this.reader.syncedHelpcenter(p.id);
    return hc === undefined ? undefined : this.reader.page(hc, p);
  }

  /** @internal */
  /**
   * Warm every synced helpcenter's lists (CaseReader.warm): for a server,
   * before it listens. Returns how many helpcenters. Throws StoreError.
   */
  warmLists(): number {
    return translated(this.where, () =>
      this.read(() => {
        const hcs = this.reader.syncedHelpcenters();
        for (const hc of hcs) this.reader.warm(hc);
        return hcs.length;
      }),
    );
  }

  close(): void {
    if (this.db.open) translated(this.where, () => this.db.close());
  }
}
