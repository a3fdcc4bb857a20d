import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import path from 'node:path';
import { HcsyncError, UsageError } from '../contract/errors.js';
import { lastActivityMs } from '../contract/order.js';
import { table } from '../contract/text.js';
import type { Case } from '../contract/types.js';
import { TOTAL_CAP, type SearchHit, type SearchResult } from '../query/search.js';

/**
 * What the commands print, in one place: JSON, tables of cases and search
 * hits, and whether to use bold. Every table cell goes through
 * `contract/text.ts` (terminal-safe, cut and padded by display width);
 * JSON is printed as the data is.
 */

export { table } from '../contract/text.js';

/** ISO 8601 for an instant in ms; null stays null. */
export function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}

/** `2026-01-31 12:00` (UTC): a time for a table cell. */
export function shortTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** One JSON value on one line of stdout. */
export function printJson(v: unknown): void {
  process.stdout.write(`${JSON.stringify(v)}\n`);
}

let colorFlag = true;

/** `--no-color` (a global option): set once by main before the command runs. */
export function setColorFlag(on: boolean): void {
  colorFlag = on;
}

/**
 * Whether to print bold: only on a terminal, never with `--no-color`, with
 * `NO_COLOR` set to anything but the empty string (no-color.org), or with
 * `TERM=dumb`.
 */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return colorFlag && stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}

/** Bold on and off (SGR 1 / 22). */
export const BOLD: readonly [string, string] = ['\u001b[1m', '\u001b[22m'];

export const CASE_HEADERS = ['#', 'id', 'state', 'last activity', 'msgs', 'customer', 'subject'] as const;
/** Column caps of the case table; the subject (last) may be cut to fit a narrower terminal. */
export const CASE_WIDTHS = [6, 24, 9, 16, 4, 24, 60] as const;

/** A table row per case, as the remote delivered it (fields of other types shown as empty). */
export function caseRows(cases: readonly Case[]): string[][] {
  return cases.map((c) => [
    String(c.caseNumber ?? ''),
    c._id,
    c.state,
    shortTime(lastActivityMs(c)),
    String(Array.isArray(c.messages) ? c.messages.length : 0),
    text(c.company) || text(c.customerName),
    text(c.subject),
  ]);
}

/** A field for a cell: strings as they are, numbers and booleans written out, anything else empty. */
function text(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

/** `hits 1-20 of 1000+ matching cases`: a total at the cap means "at least". */
export function hitsLine(r: SearchResult, offset: number): string {
  const total = r.total >= TOTAL_CAP ? `${TOTAL_CAP}+` : String(r.total);
  const shown = r.hits.length ? `${offset + 1}-${offset + r.hits.length}` : 'none';
  return `hits ${shown} of ${total} matching cases`;
}

/** A table row per hit, its snippet (already terminal-safe, marks included) on the line below. */
export function hitTable(hits: readonly SearchHit[]): string {
  const several = new Set(hits.map((h) => h.helpcenter)).size > 1;
  const headers = ['#', 'id', 'state', 'last activity', 'score', 'subject', ...(several ? ['helpcenter'] : [])];
  const rows = hits.map((h) => [
    String(h.caseNumber ?? ''),
    h._id,
    h.state,
    h.lastActivity.slice(0, 16).replace('T', ' '),
    h.score.toFixed(3),
    h.subject ?? '',
    ...(several ? [h.helpcenter] : []),
  ]);
  const lines = table(headers, rows, [6, 24, 9, 16, 6, 60, 24]).split('\n');
  const out = lines.slice(0, 2);
  hits.forEach((h, i) => {
    out.push(lines[i + 2]!);
    if (h.snippet) out.push(`    ${h.snippet}`);
  });
  return out.join('\n');
}

const FILE_PROBLEMS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
};

/**
 * `mkdir -p`, one level at a time. Node's `mkdirSync(dir, { recursive: true })`
 * never returns under /proc (mkdir answers ENOENT there and Node retries the
 * parent forever: seen with `report --out /proc/x/y.csv`).
 */
function makeDirectories(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = path.dirname(d)) {
    if (path.dirname(d) === d) break;
    missing.unshift(d);
  }
  for (const d of missing) mkdirSync(d);
}

/** Where `--out FILE` goes: a device or FIFO is written in place; a file (through a symlink: its target) is replaced. */
function outTarget(file: string): { abs: string; inPlace: boolean } {
  const abs = path.resolve(file);
  const st = statSync(abs, { throwIfNoEntry: false }); // follows a symlink
  if (st?.isDirectory()) {
    throw new UsageError(`--out ${file} is a directory; give a file name (a new one inside it, or a file to replace)`);
  }
  // a device, a FIFO, a socket (/dev/null, /dev/stdout): written to, never replaced by a file
  if (st && !st.isFile()) return { abs, inPlace: true };
  // a symlink: replace the file it points to, and keep the link
  return { abs: st ? realpathSync(abs) : abs, inPlace: false };
}

/** A name of our own beside `abs`, for the file that is renamed over it. */
function tempBeside(abs: string): string {
  return path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/** One line for a file that cannot be written (exit 1). */
function writeError(e: unknown, abs: string, what: string, step?: string): HcsyncError {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  // ENOENT for a parent that exists: a file system where nothing new can be made (/proc, /sys)
  const why = step && code === 'ENOENT' && !step.startsWith('cannot replace') ? 'nothing new can be created there' : (FILE_PROBLEMS[code] ?? (e instanceof Error ? e.message.split('\n')[0] : String(e)));
  return new HcsyncError('E_WRITE', `cannot write the ${what} to ${abs}: ${step ? `${step}: ` : ''}${why}`, { exitCode: 1 });
}

/**
 * Write `text` to `file` atomically: into a temp file in the same directory
 * (created if missing), then renamed over `file`, so a reader never sees half
 * a file and a failure leaves nothing behind. A directory as `file` is a
 * usage error (exit 2); a file that cannot be written is one line, exit 1.
 */
export function writeFileAtomically(file: string, text: string, what = 'file'): void {
  const { abs, inPlace } = outTarget(file);
  if (inPlace) {
    try {
      writeFileSync(abs, text);
      return;
    } catch (e) {
      throw writeError(e, abs, what);
    }
  }
  const dir = path.dirname(abs);
  const tmp = tempBeside(abs);
  let step = `cannot create the directory ${dir}`;
  try {
    makeDirectories(dir);
    step = `cannot create a file in ${dir}`;
    writeFileSync(tmp, text, { flag: 'wx' }); // wx: a name of our own, never someone else's file
    step = `cannot replace ${abs}`;
    renameSync(tmp, abs);
  } catch (e) {
    // a write that failed half way (disk full) leaves the temp file: it goes too
    rmSync(tmp, { force: true });
    throw writeError(e, abs, what, step);
  }
}

/** A file being streamed into: `commit` puts it in place, `abort` leaves nothing behind. */
export interface OutStream {
  stream: Writable;
  /** the absolute path written */
  path: string;
  /** end the stream, wait for every byte, rename the temp file over the target */
  commit(): Promise<void>;
  /** stop and remove the temp file; `e` becomes one line (exit 1) unless it is already ours */
  abort(e: unknown): unknown;
}

/**
 * `writeFileAtomically` for output too large to hold: a write stream into a
 * temp file beside `file`, renamed over it by `commit`. The same rules: a
 * directory is a usage error, a device or FIFO is written in place, a
 * symlink's target is replaced, missing directories are created.
 */
export function openOutStream(file: string, what = 'file'): OutStream {
  const { abs, inPlace } = outTarget(file);
  const tmp = inPlace ? abs : tempBeside(abs);
  const dir = path.dirname(abs);
  let step = `cannot create the directory ${dir}`;
  let fd: number;
  try {
    if (!inPlace) makeDirectories(dir);
    step = inPlace ? 'cannot open it' : `cannot create a file in ${dir}`;
    fd = openSync(tmp, inPlace ? 'w' : 'wx');
  } catch (e) {
    throw writeError(e, abs, what, step);
  }
  const stream = createWriteStream('', { fd });
  const ended = new Promise<void>((resolve, reject) => {
    stream.once('close', resolve);
    stream.once('error', reject);
  });
  ended.catch(() => {}); // observed by commit; an abort needs no second report
  return {
    stream,
    path: abs,
    async commit() {
      stream.end();
      try {
        await ended;
        if (!inPlace) renameSync(tmp, abs);
      } catch (e) {
        throw this.abort(e);
      }
    },
    abort(e: unknown) {
      stream.destroy();
      if (!inPlace) rmSync(tmp, { force: true });
      return e instanceof HcsyncError ? e : writeError(e, abs, what);
    },
  };
}

/** What a status extension adds: fields of the JSON object, and lines after the store's text. */
export interface StatusExtension {
  json: Record<string, unknown>;
  text: string;
}
