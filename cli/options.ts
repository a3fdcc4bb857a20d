import { Option, type Command } from 'commander';
import { UsageError } from '../contract/errors.js';
import { parseInstant as parseIsoInstant } from '../contract/order.js';
import { isHelpcenterId } from '../contract/params.js';
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
}

export const DEFAULT_DB = './data/hcsync.db';
export const DEFAULT_BASE_URL = 'https://api.telecomx.dk';

export function addStoreOption(cmd: Command): Command {
  return cmd.addOption(new Option('--db <path>', 'SQLite store file').env('HCSYNC_DB').default(DEFAULT_DB));
}

export function addHelpcenterOption(cmd: Command): Command {
  return cmd.addOption(new Option('--helpcenter <id>', 'helpcenter id (24 hex characters)').env('HCSYNC_HELPCENTER'));
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
    .addOption(new Option('--attempts <n>', 'attempts per request, retries included').env('HCSYNC_ATTEMPTS').default('6'))
    .addOption(new Option('--retry-time <duration>', 'time budget per request, retries included (e.g. 60s)').env('HCSYNC_RETRY_TIME').default('60s'));
}

/** What every command that talks to the remote takes: the store, the helpcenter, the remote. */
export function addSyncOptions(cmd: Command): Command {
  return addRemoteOptions(addHelpcenterOption(addStoreOption(cmd)));
}

/** Parse what commander collected (strings) into checked, typed options. */
export function commonOptions(raw: Record<string, unknown>): CommonOptions {
  const o: CommonOptions = {
    db: String(raw.db ?? DEFAULT_DB),
    baseUrl: String(raw.baseUrl ?? DEFAULT_BASE_URL),
    tokenIn: raw.tokenIn === 'query' ? 'query' : 'header',
    attempts: positiveInt(raw.attempts ?? '6', '--attempts'),
    retryTime: parseDuration(String(raw.retryTime ?? '60s'), '--retry-time'),
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

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30s`, `5m`, `1h`, `2d`, `250ms` or a number of milliseconds. */
export function parseDuration(s: string, name: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new UsageError(`${name} must be a duration like 30s, 5m, 1h or a number of milliseconds, got "${s}"`);
  const ms = Number(m[1]) * UNITS[m[2] ?? 'ms']!;
  if (!(ms > 0) || !Number.isFinite(ms)) throw new UsageError(`${name} must be more than 0, got "${s}"`);
  return Math.round(ms);
}

/** An ISO date or date-time, for --since/--until; without a zone it is UTC, as everywhere in hcsync. */
export function parseInstant(s: string, name: string): number {
  const t = parseIsoInstant(s);
  if (Number.isNaN(t)) throw new UsageError(`${name} must be a date like 2026-01-31 or 2026-01-31T12:00:00Z, got "${s}"`);
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
  if (typeof raw.since === 'string') w.sinceMs = parseInstant(raw.since, '--since');
  if (typeof raw.until === 'string') w.untilMs = parseInstant(raw.until, '--until');
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
