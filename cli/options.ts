import { Option, type Command } from 'commander';
import { UsageError } from '../contract/errors.js';
import { parseInstant as parseIsoInstant } from '../contract/order.js';
import { isHelpcenterId } from '../contract/params.js';

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
