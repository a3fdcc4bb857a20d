/**
 * `hcsync export` in the bench: each format and table streamed from a store
 * into a file by a process of its own, with that process's peak RSS. The
 * export must stream, so the peak RSS stays flat from 20k to 200k cases.
 * Standalone: `node dist/bench/export.js STORE…` (e.g. stores made by
 * bench/make-store.ts) prints a line per export.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from './jobs.js';

export interface ExportFigure {
  format: 'ndjson' | 'csv';
  table: 'cases' | 'messages';
  ms: number;
  rows: number;
  bytes: number;
  maxRssKb: number;
}

const RUNS = [
  ['ndjson', 'cases'],
  ['csv', 'cases'],
  ['csv', 'messages'],
] as const;

/** Every RUNS export of `db`, written beside it and removed after. */
export async function benchExport(db: string): Promise<ExportFigure[]> {
  const out: ExportFigure[] = [];
  for (const [format, table] of RUNS) {
    const file = path.join(path.dirname(db), `export-${table}.${format}`);
    try {
      const r = await runChild('export', { db, format, table, out: file });
      out.push({ format, table, ms: r.ms!, rows: r.rows!, bytes: r.bytes!, maxRssKb: r.maxRssKb! });
    } finally {
      rmSync(file, { force: true });
    }
  }
  return out;
}

/** One bench table row's value: `200,000 rows, 656.1 MB in 9.8 s (66.9 MB/s), peak RSS 61 MiB`. */
export function describeExport(f: ExportFigure): string {
  const n = (v: number, d = 0) => v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  return `${n(f.rows)} rows, ${n(f.bytes / 1e6, 1)} MB in ${n(f.ms / 1000, 1)} s (${n(f.bytes / 1e3 / f.ms, 1)} MB/s), peak RSS ${n(f.maxRssKb / 1024)} MiB`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const db of process.argv.slice(2)) {
    for (const f of await benchExport(db)) process.stdout.write(`${path.basename(db)}: export --format ${f.format} --table ${f.table}`.padEnd(56) + `${describeExport(f)}\n`);
  }
}
