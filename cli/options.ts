import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { UsageError } from '../contract/errors.js';
import { parseInstant } from '../contract/order.js';
import { isHelpcenterId } from '../contract/params.js';
import type { DeleteLimit } from '../store/index.js';
import { DEFAULT_MAX_PAGE_BYTES } from '../worker/client.js';
import { DEFAULTS } from '../worker/defaults.js';
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from '../worker/concurrency.js';
import { DEFAULT_MAX_DELETE } from '../worker/sync.js';
import { DEFAULT_QUEUE, DEFAULT_REDIS_URL, parseRedisUrl } from '../worker/queue.js';

/** Options shared by the commands; each also reads an environment variable, flags win. */
export interface CommonOptions {
  db: string;
  baseUrl: string;
  token?: string;
  tokenIn: 'header' | 'query';
  helpcenter?: string;
  attempts: number;
  retryTime: number;
  /** the largest response body accepted, in bytes */
  maxPageBytes: number;
}

export const DEFAULT_DB = './data/hcsync.db';
export const DEFAULT_BASE_URL = 'https://api.telecomx.dk';
/** `--retry-time`'s default as the flag is written (`60s`, as the docs say it, rather than durationFlag's `1m`). */
const RETRY_TIME_FLAG = `${DEFAULTS.retry.totalTimeMs / 1000}s`;

export function addStoreOption(cmd: Command): Command {
  return cmd.addOption(new Option('--db <path>', 'SQLite store file').env('HCSYNC_DB').default(DEFAULT_DB));
}

export function addHelpcenterOption(cmd: Command): Command {
  return cmd.addOption(new Option('--helpcenter <id>', 'helpcenter id (24 hex characters)').env('HCSYNC_HELPCENTER'));
}

/**
 * Several helpcenters in one call (`schedule add|run|remove`, issue 13):
 * `--helpcenter` repeated and/or as a comma list (HCSYNC_HELPCENTER too), and
 * `--helpcenters-file FILE`, one id a line. Checked by parseHelpcenters.
 */
export function addHelpcentersOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--helpcenter <ids>', 'helpcenter id (24 hex characters); repeat it or give a comma list for several')
        .env('HCSYNC_HELPCENTER')
        .argParser((v: string, previous: string[] | undefined) => [...(previous ?? []), v]),
    )
    .addOption(new Option('--helpcenters-file <file>', 'a file of helpcenter ids, one a line (# starts a comment; blank lines ignored)'));
}

/** Ids named more than this many at a time are an accident, not a fleet. */
export const MAX_HELPCENTERS_PER_CALL = 10_000;

/**
 * The helpcenters of addHelpcentersOptions: lower case, in the order given,
 * each once. Every id is checked before the caller changes anything: one bad
 * id (or an unreadable file) is a UsageError (exit 2) naming every bad one
 * (up to 5) with its place; none at all is a UsageError too.
 */
export function parseHelpcenters(raw: Record<string, unknown>, helpcenterFromEnv = false): string[] {
  const given: { id: string; where: string }[] = [];
  // a flag wins over its variable: with --helpcenters-file given, HCSYNC_HELPCENTER is not added to it
  const envIgnored = helpcenterFromEnv && typeof raw.helpcentersFile === 'string';
  const flags = envIgnored ? [] : Array.isArray(raw.helpcenter) ? (raw.helpcenter as unknown[]) : raw.helpcenter === undefined ? [] : [raw.helpcenter];
  for (const f of flags) for (const part of String(f).split(',')) given.push({ id: part.trim(), where: '--helpcenter' });
  if (typeof raw.helpcentersFile === 'string') {
    const file = raw.helpcentersFile;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      throw new UsageError(`--helpcenters-file ${file} cannot be read (${code})`);
    }
    text.split(/\r?\n/).forEach((line, i) => {
      const id = line.replace(/#.*/, '').trim();
      if (id !== '') given.push({ id, where: `${file} line ${i + 1}` });
    });
  }
  const bad = given.filter((g) => !isHelpcenterId(g.id));
  if (bad.length > 0) {
    const shown = bad.slice(0, 5).map((b) => `${JSON.stringify(b.id.length > 40 ? `${b.id.slice(0, 40)}…` : b.id)} (${b.where})`).join(', ');
    const more = bad.length > 5 ? ` and ${bad.length - 5} more` : '';
    throw new UsageError(`helpcenter ids must be 24 hex characters; ${bad.length === 1 ? 'this one is not' : `${bad.length} are not`}: ${shown}${more}; nothing was changed`);
  }
  const ids = [...new Set(given.map((g) => g.id.toLowerCase()))];
  if (ids.length === 0) throw new UsageError('no helpcenter: pass --helpcenter ID (repeat it or give a comma list), --helpcenters-file FILE, or set HCSYNC_HELPCENTER');
  if (ids.length > MAX_HELPCENTERS_PER_CALL) throw new UsageError(`at most ${MAX_HELPCENTERS_PER_CALL} helpcenters per call, got ${ids.length}`);
  return ids;
}

export function addRemoteOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--base-url <url>', 'remote API base URL').env('TELECOMX_BASE_URL').default(DEFAULT_BASE_URL))
    .addOption(new Option('--token <token>', 'TelecomX token (never logged or stored)').env('TELECOMX_TOKEN'))
    .addOption(
      new Option('--token-in <where>', 'send the token as a Bearer header or as the token query parameter')
        .env('TELECOMX_TOKEN_IN')
        .choices(['header', 'query'])
        .default('header'),
    )
    .addOption(new Option('--attempts <n>', 'attempts per request, retries included').env('HCSYNC_ATTEMPTS').default(String(DEFAULTS.retry.attempts)))
    .addOption(new Option('--retry-time <duration>', 'time budget per request, retries included (e.g. 60s)').env('HCSYNC_RETRY_TIME').default(RETRY_TIME_FLAG))
    .addOption(
      new Option('--max-page-bytes <size>', 'largest response body accepted (e.g. 256MiB, 64MB or bytes); a larger one fails that request as transient')
        .env('HCSYNC_MAX_PAGE_BYTES')
        .default(`${DEFAULTS.maxPageBytes / 2 ** 20}MiB`),
    );
}

/**
 * Pages a full sweep keeps in flight (adaptive, at most this): `--concurrency`
 * on `sync` and `schedule add`; the worker's `--concurrency` is BullMQ's job
 * concurrency (docs/decisions.md#pages-in-flight-adapt), so there it is `--page-concurrency`. One variable for all.
 */
export function addPageConcurrencyOption(cmd: Command, flag = '--concurrency', opts: { withDefault: boolean } = { withDefault: true }): Command {
  const o = new Option(`${flag} <n>`, `pages a full sweep keeps in flight, at most (1..${MAX_CONCURRENCY}; fewer on 429, 5xx or slow answers)`).env('HCSYNC_PAGE_CONCURRENCY');
  return cmd.addOption(opts.withDefault ? o.default(String(DEFAULT_CONCURRENCY)) : o);
}

/** 1..MAX_CONCURRENCY pages in flight. */
export function parsePageConcurrency(v: unknown, name = '--concurrency'): number {
  const n = positiveInt(v, name);
  if (n > MAX_CONCURRENCY) throw new UsageError(`${name} must be at most ${MAX_CONCURRENCY}, got "${String(v)}"`);
  return n;
}

/** The mass-deletion guard's option (sync, worker, schedule add): `--max-delete` / HCSYNC_MAX_DELETE. */
export function addMaxDeleteOption(cmd: Command, opts: { withDefault: boolean } = { withDefault: true }): Command {
  const o = new Option('--max-delete <limit>', 'most cases one full sweep may tombstone: a share of the live cases (10%) or a count (50); beyond it deletions are held').env(
    'HCSYNC_MAX_DELETE',
  );
  return cmd.addOption(opts.withDefault ? o.default(formatDeleteLimit(DEFAULT_MAX_DELETE)) : o);
}

/** `10%`, `2.5%` or a whole number of cases (`0` holds every deletion for a second sweep). */
export function parseDeleteLimit(v: unknown, name = '--max-delete'): DeleteLimit {
  const s = String(v).trim();
  const pct = /^([0-9]+(?:\.[0-9]+)?)%$/.exec(s);
  if (pct) {
    const f = Number(pct[1]) / 100;
    if (f > 1) throw new UsageError(`${name} must be at most 100%, got "${s}"`);
    return { fraction: f };
  }
  if (/^[0-9]+$/.test(s) && Number.isSafeInteger(Number(s))) return { count: Number(s) };
  throw new UsageError(`${name} must be a percentage like 10% or a number of cases like 50, got "${s}"`);
}

/** The form parseDeleteLimit reads: `10%` or `50`. */
export function formatDeleteLimit(d: DeleteLimit): string {
  return 'count' in d ? String(d.count) : `${Math.round(d.fraction * 10000) / 100}%`;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** `256MiB`, `64MB`, `1GiB` or a number of bytes; at least 1 KiB. */
export function parseByteSize(v: unknown, name: string): number {
  const s = String(v).trim();
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([a-z]*)$/i.exec(s);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  const n = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1024) throw new UsageError(`${name} must be a size like 256MiB, 64MB or a number of bytes (at least 1024), got "${s}"`);
  return n;
}

/** What every command that talks to the remote takes: the store, the helpcenter, the remote. */
export function addSyncOptions(cmd: Command): Command {
  return addRemoteOptions(addHelpcenterOption(addStoreOption(cmd)));
}

/** Parse what commander collected (strings) into checked, typed options. */
export function commonOptions(raw: Record<string, unknown>): CommonOptions {
  const o: CommonOptions = {
    db: storePath(raw.db),
    baseUrl: String(raw.baseUrl ?? DEFAULT_BASE_URL),
    tokenIn: raw.tokenIn === 'query' ? 'query' : 'header',
    attempts: positiveInt(raw.attempts ?? String(DEFAULTS.retry.attempts), '--attempts'),
    retryTime: parseDuration(String(raw.retryTime ?? RETRY_TIME_FLAG), '--retry-time'),
    maxPageBytes: raw.maxPageBytes === undefined ? DEFAULT_MAX_PAGE_BYTES : parseByteSize(raw.maxPageBytes, '--max-page-bytes'),
  };
  if (typeof raw.token === 'string' && raw.token !== '') o.token = raw.token;
  if (typeof raw.helpcenter === 'string') {
    if (!isHelpcenterId(raw.helpcenter)) throw new UsageError(`--helpcenter must be 24 hex characters, got "${raw.helpcenter}"`);
    o.helpcenter = raw.helpcenter.toLowerCase();
  }
  try {
    const u = new URL(o.baseUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new UsageError(`--base-url must be an http(s) URL, got "${o.baseUrl}"`);
  }
  return o;
}

export function requireHelpcenter(o: CommonOptions): string {
  if (!o.helpcenter) throw new UsageError('no helpcenter: pass --helpcenter ID or set HCSYNC_HELPCENTER');
  return o.helpcenter;
}

export function positiveInt(v: unknown, name: string): number {
  const s = String(v);
  if (!/^[0-9]+$/.test(s) || Number(s) < 1 || !Number.isSafeInteger(Number(s))) {
    throw new UsageError(`${name} must be a whole number of at least 1, got "${s}"`);
  }
  return Number(s);
}

export function nonNegativeInt(v: unknown, name: string): number {
  const s = String(v);
  if (!/^[0-9]+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new UsageError(`${name} must be a whole number, got "${s}"`);
  return Number(s);
}

/** `--db` (HCSYNC_DB): a non-empty path. An empty one would be SQLite's nameless temporary database, gone on exit. */
export function storePath(v: unknown): string {
  const s = v === undefined ? DEFAULT_DB : String(v);
  if (s.trim() === '') throw new UsageError('--db (or HCSYNC_DB) must be the path of the store file (e.g. ./data/hcsync.db), got ""');
  return s;
}

/** `--port` (HCSYNC_PORT etc.): 0 (any free port) to 65535. */
export function parsePort(v: unknown, name: string): number {
  const s = String(v);
  if (!/^[0-9]+$/.test(s) || Number(s) > 65535) throw new UsageError(`${name} must be a port number from 0 (any free port) to 65535, got "${s}"`);
  return Number(s);
}

/** `--host` (HCSYNC_HOST): an address or name to listen on; empty would mean every interface, which must be asked for as 0.0.0.0 or ::. */
export function parseHost(v: unknown, name: string): string {
  const s = String(v ?? '').trim();
  if (s === '' || /\s/.test(s)) throw new UsageError(`${name} must be an address or host name to listen on (e.g. 127.0.0.1, or 0.0.0.0 for every interface), got "${String(v ?? '')}"`);
  return s;
}

const DAY_MS = 86_400_000;
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };

/** The range a duration option accepts, in ms (both ends included). */
export interface DurationBounds {
  minMs: number;
  maxMs: number;
}

/**
 * For anything that becomes a Node timer (time budgets, lock and stall
 * intervals, delays, timeouts): Node timers overflow above 2^31−1 ms (~24.8
 * days) and then fire after 1 ms, so 24 days is the most.
 */
export const TIMER_BOUNDS: DurationBounds = { minMs: 1, maxMs: 24 * DAY_MS };
/** A span of time looked back over, not waited for (`--lookback`): up to a year. */
export const WINDOW_BOUNDS: DurationBounds = { minMs: 1, maxMs: 365 * DAY_MS };

/** `30s`, `5m`, `1h`, `2d`, `250ms` or a number of milliseconds, within `bounds` (default TIMER_BOUNDS); else a UsageError (exit 2) naming the limit. */
export function parseDuration(s: string, name: string, bounds: DurationBounds = TIMER_BOUNDS): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new UsageError(`${name} must be a duration like 30s, 5m, 1h or a number of milliseconds, got "${s}"`);
  const ms = Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']!);
  if (!(ms > 0) || !Number.isFinite(ms)) throw new UsageError(`${name} must be more than 0, got "${s}"`);
  if (ms < bounds.minMs) throw new UsageError(`${name} must be at least ${durationFlag(bounds.minMs)}, got "${s}"`);
  if (ms > bounds.maxMs) {
    const why = bounds.maxMs === TIMER_BOUNDS.maxMs ? ' (a Node timer cannot wait longer)' : '';
    throw new UsageError(`${name} must be at most ${durationFlag(bounds.maxMs)}${why}, got "${s}"`);
  }
  return ms;
}

const CALENDAR = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/i;

/**
 * An ISO date or date-time, for --since/--until; without a zone it is UTC,
 * as everywhere in hcsync. The date must exist (2024-02-30 is refused, not
 * read as 1 March) and the time be 00:00–23:59.
 */
export function parseDateFlag(s: string, name: string): number {
  const m = CALENDAR.exec(s);
  if (m) {
    // the calendar first: the contract's parser refuses 2024-02-30 too, but this says why
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth) throw new UsageError(`${name} must be a real date, got "${s}": ${y}-${m[2]} has no day ${m[3]}`);
    if (m[4] !== undefined && Number(m[4]) > 23) throw new UsageError(`${name} must have a time from 00:00 to 23:59, got "${s}"`);
  }
  const t = parseInstant(s);
  if (Number.isNaN(t) || !m) throw new UsageError(`${name} must be a date like 2026-01-31 or 2026-01-31T12:00:00Z, got "${s}"`);
  return t;
}

/**
 * A whole number in [min, max] for a flag whose range is documented
 * (`search --limit`): a value outside is a usage error, never clamped
 * quietly. (`cases` differs on purpose: it takes the API's parameters with the
 * API's rules, and the API clamps `limit`.)
 */
export function intInRange(v: unknown, name: string, min: number, max: number): number {
  const s = String(v);
  const n = /^-?[0-9]+$/.test(s) ? Number(s) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${s}"`);
  return n;
}

/** A time window from `--since` (inclusive) and `--until` (exclusive), in ms; either may be absent. */
export interface TimeWindow {
  sinceMs?: number;
  untilMs?: number;
}

/**
 * `--since`/`--until` as `search` and `report` take them: ISO dates or
 * date-times (UTC without a zone). Usage error for an unreadable date, and
 * for `--since` at or after `--until` (an empty window is a mistake, not a
 * question).
 */
export function parseWindow(raw: Record<string, unknown>): TimeWindow {
  const w: TimeWindow = {};
  if (typeof raw.since === 'string') w.sinceMs = parseDateFlag(raw.since, '--since');
  if (typeof raw.until === 'string') w.untilMs = parseDateFlag(raw.until, '--until');
  if (w.sinceMs !== undefined && w.untilMs !== undefined && w.sinceMs >= w.untilMs) {
    throw new UsageError(`--since must be before --until, got ${String(raw.since)} and ${String(raw.until)}`);
  }
  return w;
}

/** Where the queue lives: `--redis-url` (REDIS_URL) and `--queue` (HCSYNC_QUEUE), for worker, schedule and status. */
export function addQueueOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--redis-url <url>', 'Redis holding the queue').env('REDIS_URL').default(DEFAULT_REDIS_URL))
    .addOption(new Option('--queue <name>', 'queue name (one queue per store)').env('HCSYNC_QUEUE').default(DEFAULT_QUEUE));
}

/** The checked queue options; a malformed Redis URL or queue name is a usage error now, not a connection error later. */
export function queueOptions(raw: Record<string, unknown>): { redisUrl: string; queue: string } {
  const redisUrl = String(raw.redisUrl ?? DEFAULT_REDIS_URL);
  parseRedisUrl(redisUrl);
  const queue = String(raw.queue ?? DEFAULT_QUEUE);
  if (queue === '' || queue.includes(':')) {
    throw new UsageError(`--queue must be a non-empty name without ":", got "${queue}"`);
  }
  return { redisUrl, queue };
}

/** A duration written as a flag value, `5m` for 300000: the largest unit that divides the duration (the form parseDuration reads). */
export function durationFlag(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
