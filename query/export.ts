import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { UsageError, apiError } from '../contract/errors.js';
import { EXPORT_TABLES, type ExportTable, type ExportWindow, type Store } from '../store/index.js';
import { csvCell, UTF8_BOM, type CsvValue } from './csv.js';

/**
 * `hcsync export`: the store's documented tables streamed as NDJSON or CSV,
 * in constant memory. The SQL lives in store/export.ts; rows come one at a
 * time from a statement iterator, are gathered into chunks of about 64 KiB
 * and written with backpressure (a full stream is waited on: 'drain'), so
 * nothing holds more than a chunk whatever the store's size.
 *
 * - NDJSON `cases`: each case exactly as stored, the bytes the remote last
 *   delivered (an incremental sync's inferred close is the one change the
 *   store makes, README "Incremental sync"), one per line.
 * - NDJSON `messages` / `events`: one object per row of `v_messages` /
 *   `v_case_events`, keys in the view's column order.
 * - CSV: the view's columns (`v_cases` for cases) under a header row, by
 *   the report's spreadsheet rules (query/csv.ts): formula-like text cells
 *   get a leading `'`, RFC 4180 quoting, CRLF; a UTF-8 BOM when `bom`.
 */

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: ExportFormat;
  /** default 'cases' */
  table?: ExportTable;
  /** 24 hex characters; absent: every synced helpcenter, by id */
  helpcenter?: string;
  /** epoch ms, inclusive: cases created, messages sent, events observed at or after */
  sinceMs?: number;
  /** epoch ms, exclusive */
  untilMs?: number;
  /** csv: a UTF-8 byte-order mark first */
  bom?: boolean;
  /** applied to every piece of text before it is written (the CLI makes text terminal-safe on a TTY) */
  filter?: (text: string) => string;
}

export interface ExportResult {
  /** rows (cases, messages or events) written, the CSV header not counted */
  rows: number;
  bytes: number;
}

/** Bytes gathered before one write. */
const CHUNK_BYTES = 64 * 1024;

const NL = Buffer.from('\n');

/**
 * Stream one table to `out`, one read transaction for every helpcenter.
 * Does not end `out`. The store's connection is busy until the promise
 * settles (a statement is being read between writes): run nothing else on
 * this Store meanwhile; open a second one for that. Throws ApiError not_synced (exit 1) for a helpcenter
 * never synced, StoreError when the store cannot be read, and whatever
 * `out` fails with (EPIPE, ENOSPC).
 */
export async function exportTable(store: Store, out: Writable, opts: ExportOptions): Promise<ExportResult> {
  const table = opts.table ?? 'cases';
  // library callers pass anything: a bad option is a UsageError, never a TypeError deep in a loop
  if (opts.format !== 'ndjson' && opts.format !== 'csv') throw new UsageError(`format must be ndjson or csv, got ${JSON.stringify(opts.format) ?? String(opts.format)}`);
  if (!EXPORT_TABLES.includes(table)) throw new UsageError(`table must be one of ${EXPORT_TABLES.join(', ')}, got ${JSON.stringify(table) ?? String(table)}`);
  for (const k of ['sinceMs', 'untilMs'] as const) {
    const v = opts[k];
    if (v !== undefined && v !== null && !Number.isFinite(v)) throw new UsageError(`${k} must be a time in ms since the epoch, got ${JSON.stringify(v) ?? String(v)}`);
  }
  const q = store.export;
  const w: ExportWindow = { sinceMs: opts.sinceMs ?? null, untilMs: opts.untilMs ?? null };
  const sink = new ChunkedWriter(out, opts.filter);
  q.begin();
  try {
    if (opts.helpcenter !== undefined && !q.isSynced(opts.helpcenter)) throw apiError('not_synced');
    const helpcenters = opts.helpcenter !== undefined ? [opts.helpcenter.toLowerCase()] : q.helpcenters();
    const columns = q.columns(table);
    if (opts.format === 'csv') {
      if (opts.bom) sink.add(UTF8_BOM);
      sink.add(csvLine(columns));
    }
    let rows = 0;
    for (const hc of helpcenters) {
      if (opts.format === 'ndjson' && table === 'cases') {
        for (const json of q.caseJson(hc, w)) {
          sink.add(oneLine(json));
          sink.add(NL);
          rows++;
          if (sink.full) await sink.flush();
        }
        continue;
      }
      for (const r of q.rows(table, hc, w)) {
        sink.add(opts.format === 'csv' ? csvLine(r as CsvValue[]) : `${JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, r[i]])))}\n`);
        rows++;
        if (sink.full) await sink.flush();
      }
    }
    await sink.flush();
    return { rows, bytes: sink.bytes };
  } finally {
    q.end();
  }
}

/**
 * A case's stored text on one line, as NDJSON needs: a raw line break in
 * JSON text can only be whitespace between tokens (inside a string it is
 * escaped), so each becomes a space and the value is the same. Every other
 * byte is the remote's.
 */
function oneLine(json: Buffer): Buffer {
  if (json.indexOf(0x0a) < 0 && json.indexOf(0x0d) < 0) return json;
  const copy = Buffer.from(json);
  for (let i = 0; i < copy.length; i++) if (copy[i] === 0x0a || copy[i] === 0x0d) copy[i] = 0x20;
  return copy;
}

function csvLine(cells: readonly CsvValue[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** Gathers pieces into ~64 KiB chunks; `flush` writes one and waits while `out` is full. */
class ChunkedWriter {
  private parts: Buffer[] = [];
  private size = 0;
  bytes = 0;

  constructor(
    private readonly out: Writable,
    private readonly filter: ((s: string) => string) | undefined,
  ) {}

  get full(): boolean {
    return this.size >= CHUNK_BYTES;
  }

  add(piece: string | Buffer): void {
    const b = this.filter ? Buffer.from(this.filter(piece.toString())) : typeof piece === 'string' ? Buffer.from(piece) : piece;
    this.parts.push(b);
    this.size += b.length;
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const chunk = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.bytes += this.size;
    this.size = 0;
    if (this.out.destroyed) throw new Error('the output was closed');
    // a failed stream emits 'error' (rejects the wait) instead of ever draining
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
}
