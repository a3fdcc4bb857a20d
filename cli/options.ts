import { Option, type Command } from 'commander';
import { UsageError } from '../contract/errors.js';
import { parseInstant as parseIsoInstant } from '../contract/order.js';
import { isHelpcenterId } from '../contract/params.js';
import type { DeleteLimit } from '../store/index.js';
import { DEFAULT_MAX_PAGE_BYTES } from '../worker/client.js';
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from '../worker/concurrency.js';

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
    .addOption(new Option('--retry-time <duration>', 'time budget per request, retries included (e.g. 60s)').env('HCSYNC_RETRY_TIME').default('60s'))
    .addOption(
      new Option('--max-page-bytes <size>', 'largest response body accepted (e.g. 256MiB, 64MB or bytes); a larger one fails that request as transient')
        .env('HCSYNC_MAX_PAGE_BYTES')
        .default('256MiB'),
    );
}

/**
 * Pages a full sweep keeps in flight (adaptive, at most this): `--concurrency`
 * on `sync` and `schedule add`; the worker's `--concurrency` is BullMQ's job
 * concurrency (SPEC §4), so there it is `--page-concurrency`. One variable for all.
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
  return cmd.addOption(opts.withDefault ? o.default('10%') : o);
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
    db: String(raw.db ?? DEFAULT_DB),
    baseUrl: String(raw.baseUrl ?? DEFAULT_BASE_URL),
    tokenIn: raw.tokenIn === 'query' ? 'query' : 'header',
    attempts: positiveInt(raw.attempts ?? '6', '--attempts'),
    retryTime: parseDuration(String(raw.retryTime ?? '60s'), '--retry-time'),
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
