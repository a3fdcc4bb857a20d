import type { Db } from './open.js';

export type SyncMode = 'full' | 'incremental';
export type RunStatus = 'running' | 'ok' | 'failed' | 'interrupted';

/** Cumulative counters of one run, saved with every page. */
export interface RunCounters {
  pages: number;
  requests: number;
  casesUpserted: number;
  messagesUpserted: number;
  unchanged: number;
  deleted: number;
  rejected: number;
  inferredClosed: number;
  drift: number;
  /** fields that could not be read and conclusions that could not be drawn (docs/sync.md#tolerant-reading, docs/sync.md#evidence-rules) */
  warnings: number;
  /** deletions the mass-deletion guard holds after this run */
  heldDeletions: number;
}

export function zeroCounters(): RunCounters {
  return {
    pages: 0, requests: 0, casesUpserted: 0, messagesUpserted: 0, unchanged: 0, deleted: 0, rejected: 0, inferredClosed: 0, drift: 0,
    warnings: 0, heldDeletions: 0,
  };
}

/** One stored warning of a run: a case's unreadable field, or (caseId null) a conclusion the run could not draw. */
export interface RunWarning {
  runId: number;
  caseId: string | null;
  field: string;
  detail: string;
}

export interface RunRow {
  run_id: number;
  hc: number;
  mode: SyncMode;
  status: RunStatus;
  owner: string;
  started_ms: number;
  finished_ms: number | null;
  pages: number;
  requests: number;
  cases_upserted: number;
  messages_upserted: number;
  unchanged: number;
  deleted: number;
  rejected: number;
  inferred_closed: number;
  drift: number;
  warnings: number;
  held_deletions: number;
  checkpoint: string | null;
  resumed_from: number | null;
  error_code: string | null;
  error: string | null;
}

export interface HelpcenterRow {
  hc: number;
  id: string;
  first_page_ms: number | null;
  watermark_ms: number | null;
  last_full_ms: number | null;
  last_incremental_ms: number | null;
}

export interface CaseCounts {
  live: number;
  deleted: number;
  open: number;
  rejected: number;
}

/** Sync bookkeeping: helpcenters and runs with their checkpoints. (Who may run: store/lock.ts.) */
export class RunLog {
  private readonly s;

  /** @internal statements on the store's connection, made by Store (store/index.ts) */
  constructor(private readonly db: Db) {
    this.s = {
      insertHc: db.prepare('INSERT INTO helpcenters (id) VALUES (?) ON CONFLICT (id) DO NOTHING'),
      hcById: db.prepare<[string], HelpcenterRow>('SELECT * FROM helpcenters WHERE id = ?'),
      hcAll: db.prepare<[], HelpcenterRow>('SELECT * FROM helpcenters ORDER BY id'),
      markFirstPage: db.prepare('UPDATE helpcenters SET first_page_ms = coalesce(first_page_ms, ?) WHERE hc = ?'),
      finishFull: db.prepare('UPDATE helpcenters SET last_full_ms = ?, watermark_ms = max(coalesce(watermark_ms, 0), ?) WHERE hc = ?'),
      finishIncr: db.prepare('UPDATE helpcenters SET last_incremental_ms = ?, watermark_ms = max(coalesce(watermark_ms, 0), ?) WHERE hc = ?'),
      insertRun: db.prepare(
        'INSERT INTO sync_runs (hc, mode, status, owner, started_ms, resumed_from) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      interruptRunning: db.prepare(
        "UPDATE sync_runs SET status = 'interrupted', finished_ms = ? WHERE status = 'running' AND hc = (SELECT hc FROM helpcenters WHERE id = ?)",
      ),
      resumable: db.prepare<[number, SyncMode], RunRow>(
        `SELECT * FROM sync_runs WHERE hc = ? AND mode = ? AND status IN ('interrupted', 'failed') AND checkpoint IS NOT NULL
           AND run_id > coalesce((SELECT max(run_id) FROM sync_runs r2 WHERE r2.hc = sync_runs.hc AND r2.mode = sync_runs.mode AND r2.status = 'ok'), 0)
         ORDER BY run_id DESC LIMIT 1`,
      ),
      progress: db.prepare(
        `UPDATE sync_runs SET pages = @pages, requests = @requests, cases_upserted = @casesUpserted,
           messages_upserted = @messagesUpserted, unchanged = @unchanged, deleted = @deleted, rejected = @rejected,
           inferred_closed = @inferredClosed, drift = @drift, warnings = @warnings, held_deletions = @heldDeletions,
           checkpoint = coalesce(@checkpoint, CASE WHEN @keepCheckpoint THEN checkpoint END)
         WHERE run_id = @runId`,
      ),
      finish: db.prepare(
        'UPDATE sync_runs SET status = ?, finished_ms = ?, error_code = ?, error = ? WHERE run_id = ?',
      ),
      clearCheckpoint: db.prepare('UPDATE sync_runs SET checkpoint = NULL WHERE hc = ? AND mode = ? AND run_id <= ?'),
      run: db.prepare<[number], RunRow>('SELECT * FROM sync_runs WHERE run_id = ?'),
      recent: db.prepare<[number, number], RunRow>('SELECT * FROM sync_runs WHERE hc = ? ORDER BY run_id DESC LIMIT ?'),
      runWarning: db.prepare('INSERT INTO sync_warnings (run_id, hc, case_id, field, detail, seen_ms) VALUES (?, ?, NULL, ?, ?, ?)'),
      warnings: db.prepare<[number, number], { runId: number; caseId: string | null; field: string; detail: string }>(
        'SELECT run_id AS runId, case_id AS caseId, field, detail FROM sync_warnings WHERE run_id = ? ORDER BY rowid LIMIT ?',
      ),
      lastActivity: db.prepare<[number], number | null>('SELECT max(sent_ms) FROM cases WHERE hc = ? AND deleted_ms IS NULL').pluck(),
      counts: db.prepare<[{ hc: number }], CaseCounts>(
        `SELECT count(*) FILTER (WHERE deleted_ms IS NULL) AS live, count(*) FILTER (WHERE deleted_ms IS NOT NULL) AS deleted,
                count(*) FILTER (WHERE deleted_ms IS NULL AND state_rank < 2) AS open,
                (SELECT count(*) FROM rejected_cases r WHERE r.hc = @hc) AS rejected
         FROM cases WHERE hc = @hc`,
      ),
    };
  }

  ensureHelpcenter(id: string): number {
    const lower = id.toLowerCase();
    this.s.insertHc.run(lower);
    return this.s.hcById.get(lower)!.hc;
  }

  helpcenter(id: string): HelpcenterRow | undefined {
    return this.s.hcById.get(id.toLowerCase());
  }

  helpcenters(): HelpcenterRow[] {
    return this.s.hcAll.all();
  }

  markFirstPage(hc: number, nowMs: number): void {
    this.s.markFirstPage.run(nowMs, hc);
  }

  /**
   * Runs of `helpcenter` still marked 'running' become 'interrupted': called
   * by the holder of the helpcenter's sync lock, so no such run is alive.
   */
  interruptRunning(helpcenter: string, nowMs: number): void {
    this.s.interruptRunning.run(nowMs, helpcenter.toLowerCase());
  }

  startRun(hc: number, mode: SyncMode, owner: string, nowMs: number, resumedFrom: number | null): number {
    return Number(this.s.insertRun.run(hc, mode, 'running', owner, nowMs, resumedFrom).lastInsertRowid);
  }

  /** The latest unfinished run of this mode with a checkpoint, newer than the last successful one. */
  resumable(hc: number, mode: SyncMode): RunRow | undefined {
    return this.s.resumable.get(hc, mode);
  }

  /**
   * Save a run's counters and checkpoint. `checkpoint` undefined keeps the
   * saved one (a failed run keeps where it stood); null clears it.
   */
  saveProgress(runId: number, c: RunCounters, checkpoint: unknown): void {
    this.s.progress.run({
      ...c,
      runId,
      checkpoint: checkpoint === undefined || checkpoint === null ? null : JSON.stringify(checkpoint),
      keepCheckpoint: checkpoint === undefined ? 1 : 0,
    });
  }

  /** Record a conclusion a run could not draw (or drew with a caveat), shown by `status`. */
  recordRunWarning(runId: number, hc: number, field: string, detail: string, nowMs: number): void {
    this.s.runWarning.run(runId, hc, field, detail, nowMs);
  }

  /** The first `limit` stored warnings of a run, in the order they were seen. */
  runWarnings(runId: number, limit = 20): RunWarning[] {
    return this.s.warnings.all(runId, limit);
  }

  finishRun(runId: number, status: RunStatus, nowMs: number, error?: { code: string; message: string }): void {
    this.s.finish.run(status, nowMs, error?.code ?? null, error?.message ?? null, runId);
  }

  /** A successful run: record its end, advance the watermark, forget older checkpoints of its mode. */
  completeRun(runId: number, hc: number, mode: SyncMode, nowMs: number, watermarkMs: number): void {
    this.db.transaction(() => {
      this.s.finish.run('ok', nowMs, null, null, runId);
      (mode === 'full' ? this.s.finishFull : this.s.finishIncr).run(nowMs, watermarkMs, hc);
      this.s.clearCheckpoint.run(hc, mode, runId);
    }).immediate();
  }

  run(runId: number): RunRow | undefined {
    return this.s.run.get(runId);
  }

  recentRuns(hc: number, n: number): RunRow[] {
    return this.s.recent.all(hc, n);
  }

  /** The latest activity among live cases (0 when none): what a finished run's watermark is made of. */
  lastActivityMs(hc: number): number {
    return this.s.lastActivity.get(hc) ?? 0;
  }

  /** Live, deleted, open and rejected cases of a helpcenter, for `status`. */
  caseCounts(hc: number): CaseCounts {
    return this.s.counts.get({ hc }) ?? { live: 0, deleted: 0, open: 0, rejected: 0 };
  }
}
