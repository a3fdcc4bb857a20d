import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, backoffMs, nextRetry, parseRetryAfter, type RetryPolicy } from '../worker/retry.js';

const policy: RetryPolicy = { attempts: 6, totalTimeMs: 60_000, baseDelayMs: 500, maxDelayMs: 10_000 };
const NOW = Date.UTC(2025, 3, 3, 9, 0, 0);

describe('backoffMs', () => {
  it('doubles the ceiling per failed attempt up to maxDelayMs (random just below 1)', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(policy, n, top))).toEqual([499, 999, 1999, 3999, 7999, 9999, 9999]);
  });

  it('stays within [0, ceiling) for any jitter, also for a source returning out-of-range values', () => {
    for (let n = 1; n <= 10; n++) {
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
      for (const r of [0, 0.25, 0.5, 0.75, 0.999, Math.random()]) {
        const d = backoffMs(policy, n, () => r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
      expect(backoffMs(policy, n, () => 1)).toBeLessThanOrEqual(ceiling);
      expect(backoffMs(policy, n, () => -3)).toBe(0);
    }
  });

  it('is full jitter: zero at random 0, half the ceiling at 0.5', () => {
    expect(backoffMs(policy, 3, () => 0)).toBe(0);
    expect(backoffMs(policy, 3, () => 0.5)).toBe(1000);
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('1', NOW)).toBe(1000);
    expect(parseRetryAfter(' 120 ', NOW)).toBe(120_000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
    expect(parseRetryAfter(['2', '9'], NOW)).toBe(2000);
  });

  it('reads all three HTTP-date forms', () => {
    const at = new Date(NOW + 5000);
    expect(parseRetryAfter(at.toUTCString(), NOW)).toBe(5000); // IMF-fixdate
    expect(parseRetryAfter('Thursday, 03-Apr-25 09:00:07 GMT', NOW)).toBe(7000); // RFC 850
    expect(parseRetryAfter('Thu Apr  3 09:00:09 2025', NOW)).toBe(9000); // asctime (GMT by definition)
  });

  it('treats a date in the past as "now"', () => {
    expect(parseRetryAfter(new Date(NOW - 60_000).toUTCString(), NOW)).toBe(0);
  });

  it('ignores garbage, negative numbers and empty values', () => {
    for (const v of [undefined, '', '  ', '-1', 'soon', 'foo 1', '1 2 3', '2024-01-01', 'Mon, 99 Foo 2020 10:00:00 GMT', '1e3', '0x10', []]) {
      expect(parseRetryAfter(v as string | string[] | undefined, NOW)).toBeUndefined();
    }
  });
});

describe('nextRetry', () => {
  const fixed = () => 0.5;

  it('waits the backoff while attempts and time remain', () => {
    expect(nextRetry(policy, { failed: 1, elapsedMs: 0, retryAfterMs: undefined }, fixed)).toEqual({ retry: true, delayMs: 250 });
    expect(nextRetry(policy, { failed: 5, elapsedMs: 10_000, retryAfterMs: undefined }, fixed)).toEqual({ retry: true, delayMs: 4000 });
  });

  it('gives up once every attempt is spent', () => {
    expect(nextRetry(policy, { failed: 6, elapsedMs: 0, retryAfterMs: undefined }, fixed)).toEqual({ retry: false, why: 'attempts' });
    expect(nextRetry({ ...policy, attempts: 1 }, { failed: 1, elapsedMs: 0, retryAfterMs: 0 }, fixed)).toEqual({ retry: false, why: 'attempts' });
  });

  it('never begins a wait that would end at or past the total bound', () => {
    expect(nextRetry(policy, { failed: 3, elapsedMs: 59_500, retryAfterMs: undefined }, fixed)).toEqual({ retry: false, why: 'time' });
    expect(nextRetry(policy, { failed: 1, elapsedMs: 60_000, retryAfterMs: undefined }, () => 0)).toEqual({ retry: false, why: 'time' });
  });

  it('prefers Retry-After over the backoff, and gives up at once when it exceeds the remaining time', () => {
    expect(nextRetry(policy, { failed: 1, elapsedMs: 0, retryAfterMs: 7000 }, fixed)).toEqual({ retry: true, delayMs: 7000 });
    expect(nextRetry(policy, { failed: 1, elapsedMs: 1000, retryAfterMs: 59_000 }, fixed)).toEqual({ retry: false, why: 'retry-after' });
  });

  it('has the documented retry defaults (docs/sync.md#retries)', () => {
    expect(DEFAULT_RETRY).toEqual({ attempts: 6, totalTimeMs: 60_000, baseDelayMs: 500, maxDelayMs: 10_000 });
  });
});
