import type { Command } from 'commander';
import { safeLine } from '../contract/text.js';
import { Store, type RunRow, type RunWarning } from '../store/index.js';
import { addQueueOptions, addStoreOption, queueOptions, storePath } from './options.js';
import { iso, printJson, table, type StatusExtension } from './output.js';

export interface RunStatusJson {
  runId: number;
  mode: string;
  status: string;
  /** who ran it: `<tag>-<random id>@<host>:<pid>` (store/lock.ts) */
  owner: string;
  startedAt: string | null;
  finishedAt: string | null;
  pages: number;
  requests: number;
  casesUpserted: number;
  deleted: number;
  rejected: number;
  warnings: number;
  error: string | null;
}

export interface HelpcenterStatus {
  id: string;
  cases: number;
  deleted: number;
  open: number;
  rejected: number;
  lastFullAt: string | null;
  lastIncrementalAt: string | null;
  /** ms since the last successful run ended (null: never) */
  lagMs: number | null;
  lastError: string | null;
  /** deletions the mass-deletion guard holds: the next verified full sweep that misses them too applies them */
  heldDeletions: number;
  /** the latest run's warnings (the first 20): unreadable fields (with case id) and conclusions not drawn (caseId null) */
  warnings: RunWarning[];
  lastRuns: RunStatusJson[];
}

function runStatus(r: RunRow): RunStatusJson {
  return {
    runId: r.run_id,
    mode: r.mode,
    status: r.status,
    owner: r.owner,
    startedAt: iso(r.started_ms),
    finishedAt: iso(r.finished_ms),
    pages: r.pages,
    requests: r.requests,
    casesUpserted: r.cases_upserted,
    deleted: r.deleted,
    rejected: r.rejected,
    warnings: r.warnings,
    error: r.error,
  };
}

/** Per-helpcenter state of the store, for `status` (and the worker's status, which adds the queue). */
export function storeStatus(store: Store, nowMs = Date.now()): HelpcenterStatus[] {
  return store.runs.helpcenters().map((h) => {
    const c = store.runs.caseCounts(h.hc);
    const runs = store.runs.recentRuns(h.hc, 5);
    const lastOk = Math.max(h.last_full_ms ?? 0, h.last_incremental_ms ?? 0);
    const latest = runs[0];
    return {
      id: h.id,
      cases: c.live,
      deleted: c.deleted,
      open: c.open,
      rejected: c.rejected,
      lastFullAt: iso(h.last_full_ms),
      lastIncrementalAt: iso(h.last_incremental_ms),
      lagMs: lastOk ? nowMs - lastOk : null,
      lastError: latest?.status === 'failed' ? latest.error : null,
      heldDeletions: store.heldDeletions(h.hc),
      warnings: latest ? store.runs.runWarnings(latest.run_id) : [],
      lastRuns: runs.map(runStatus),
    };
  });
}

function ago(ms: number | null): string {
  if (ms === null) return 'never';
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}

/**
 * `status`: the store's state per helpcenter, then what `extend` adds (the
 * queue, given `--redis-url`/`--queue`). Stored errors are remote text: the
 * text form shows them terminal-safe; `--json` keeps them as stored.
 */
export function registerStatus(program: Command, extend?: (queue: { redisUrl: string; queue: string }) => Promise<StatusExtension>): void {
  const cmd = program
    .command('status')
    .description('per helpcenter: last runs, lag, errors, counts; then the queue')
    .option('--json', 'print JSON: {helpcenters, queue}');
  addStoreOption(cmd);
  addQueueOptions(cmd);
  cmd.action(async (raw: Record<string, unknown>) => {
    const where = queueOptions(raw);
    const store = new Store(storePath(raw.db), { readonly: true });
    try {
      const hcs = storeStatus(store);
      const extra = extend ? await extend(where) : { json: {}, text: '' };
      if (raw.json) {
        printJson({ helpcenters: hcs, ...extra.json });
        return;
      }
      if (hcs.length === 0) process.stdout.write('no helpcenter synced yet\n');
      for (const h of hcs) {
        process.stdout.write(
          `helpcenter ${h.id}: ${h.cases} cases (${h.open} open), ${h.deleted} deleted, ${h.rejected} rejected; ` +
            `last sync ${ago(h.lagMs)}${h.lastError ? `; last error: ${safeLine(h.lastError)}` : ''}\n`,
        );
        if (h.heldDeletions > 0) {
          process.stdout.write(`  ${h.heldDeletions} deletions held by the mass-deletion guard: the next verified full sweep that misses them too tombstones them\n`);
        }
        const latest = h.lastRuns[0];
        if (latest && latest.warnings > 0) {
          process.stdout.write(`  run ${latest.runId}: ${latest.warnings} warning${latest.warnings === 1 ? '' : 's'}${latest.warnings > h.warnings.length ? ` (first ${h.warnings.length})` : ''}\n`);
          for (const w of h.warnings) process.stdout.write(`    ${w.caseId ?? 'run'} ${w.field}: ${w.detail}\n`);
        }
        const rows = h.lastRuns.map((r) => [String(r.runId), r.mode, r.status, r.startedAt ?? '', r.finishedAt ?? '', String(r.pages), String(r.requests), String(r.casesUpserted), String(r.warnings), r.error ?? '']);
        process.stdout.write(`${table(['run', 'mode', 'status', 'started', 'finished', 'pages', 'requests', 'upserted', 'warnings', 'error'], rows, [6, 11, 11, 24, 24, 6, 8, 8, 8, 60])}\n\n`);
      }
      process.stdout.write(extra.text);
    } finally {
      store.close();
    }
  });
}
