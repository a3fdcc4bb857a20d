/**
 * The retry policy of the remote client (docs/sync.md#retries) as data plus pure
 * functions, so the arithmetic is unit-tested without a network or a clock.
 */
import { DEFAULTS } from './defaults.js';

export interface RetryPolicy {
  /** total attempts, the first one included */
  attempts: number;
  /** bound on the whole call, request time included */
  totalTimeMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** The default policy: 6 attempts within 60 s, backoff from 0.5 s up to 10 s (worker/defaults.ts). */
export const DEFAULT_RETRY: RetryPolicy = DEFAULTS.retry;

/**
 * Wait before the next attempt after `failed` attempts (1-based): "full
 * jitter", uniform in [0, min(max, base·2^(failed-1))). Full jitter spreads
 * the retries of many workers hitting one recovering upstream.
 */
export function backoffMs(policy: RetryPolicy, failed: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failed - 1));
  // clamp: a jitter source returning 1 (or more) must not exceed the ceiling
  return Math.floor(Math.min(Math.max(random(), 0), 1) * ceiling);
}

const SECONDS = /^\d+(\.\d+)?$/;
const MONTH = /\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\b/i;
const CLOCK = /\b\d{1,2}:\d{2}:\d{2}\b/;
const ZONE = /\b(GMT|UTC|UT|Z)\b|[+-]\d{4}\b/i;

/**
 * `Retry-After` in ms: delay-seconds or an HTTP-date (all three RFC 9110
 * forms). A date in the past means "now" (0). Anything else is undefined, so
 * the caller falls back to its own backoff. Date.parse alone is not enough:
 * V8 reads "foo 1" as a date, hence the month-name and clock checks; and
 * it reads the zone-less asctime form as local time, hence the added GMT.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (SECONDS.test(v)) return Math.round(Number(v) * 1000);
  if (!MONTH.test(v) || !CLOCK.test(v)) return undefined;
  const at = Date.parse(ZONE.test(v) ? v : `${v} GMT`);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; why: 'attempts' | 'time' | 'retry-after' };

/**
 * After `failed` attempts and `elapsedMs` since the call began, wait how long,
 * or give up? The server's Retry-After wins over the backoff; a wait that
 * would end at or past the total bound is never begun, since the attempt
 * after it would have no time left.
 */
export function nextRetry(
  policy: RetryPolicy,
  s: { failed: number; elapsedMs: number; retryAfterMs: number | undefined },
  random: () => number,
): RetryDecision {
  if (s.failed >= policy.attempts) return { retry: false, why: 'attempts' };
  const remaining = policy.totalTimeMs - s.elapsedMs;
  if (s.retryAfterMs !== undefined) {
    return s.retryAfterMs < remaining ? { retry: true, delayMs: s.retryAfterMs } : { retry: false, why: 'retry-after' };
  }
  const delayMs = backoffMs(policy, s.failed, random);
  return delayMs < remaining ? { retry: true, delayMs } : { retry: false, why: 'time' };
}
