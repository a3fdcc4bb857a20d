/**
 * How many pages a sweep keeps in flight (docs/decisions.md#pages-in-flight-adapt: several requests in
 * flight, adaptive, never more than the configured ceiling). AIMD, as TCP
 * and most crawlers do: halve on a sign of strain (a page that needed
 * retries — 429, 5xx, timeouts — or an answer markedly slower than the
 * fastest seen), add one after a run of healthy pages.
 */
import { DEFAULTS } from './defaults.js';

/** Default pages in flight for a full sweep (worker/defaults.ts). */
export const DEFAULT_CONCURRENCY: number = DEFAULTS.pageConcurrency;
/** The most pages in flight anyone may ask for. */
export const MAX_CONCURRENCY = 16;
/** healthy pages in a row before one more page goes in flight */
const HEALTHY_RUN = 4;
/**
 * An answer this many times slower than the fastest seen (and LATENCY_SLACK_MS
 * more) is strain. Generous on purpose: a remote that answers requests one at
 * a time makes each of N in flight about N times slower, and that alone is no
 * reason to send fewer (the pages still arrive as fast as it can make them).
 */
const LATENCY_FACTOR = 5;
const LATENCY_SLACK_MS = 500;

export interface ConcurrencyChange {
  from: number;
  to: number;
  reason: string;
}

export class ConcurrencyControl {
  /** pages allowed in flight now */
  limit: number;
  /** the highest limit reached */
  reached: number;
  private healthy = 0;
  private fastestMs = Number.POSITIVE_INFINITY;
  /** slow start: doubling after each healthy page until the first strain (as TCP does) */
  private slowStart = true;

  /**
   * @param max the ceiling (1..MAX_CONCURRENCY); the limit starts at 1 (the first page shows how large
   *   pages are, before several are in flight) and doubles after each healthy page up to it
   * @param onChange told of every change (for the log, metrics and the progress bar)
   */
  readonly max: number;

  constructor(
    max: number,
    private readonly onChange?: (c: ConcurrencyChange) => void,
  ) {
    this.max = Math.max(1, Math.min(MAX_CONCURRENCY, Math.floor(max)));
    this.limit = 1;
    this.reached = 1;
  }

  /**
   * One answered page: how many attempts it took and how long it took (ms,
   * from request to answer; undefined when the answer was already waiting,
   * which says only that the remote is faster than we write).
   */
  observe(attempts: number, latencyMs: number | undefined): void {
    if (attempts > 1) return this.decrease('a page needed retries (429, 5xx or a timeout)');
    if (latencyMs !== undefined) {
      if (latencyMs > LATENCY_FACTOR * this.fastestMs + LATENCY_SLACK_MS) {
        return this.decrease(`an answer took ${Math.round(latencyMs)} ms, the fastest ${Math.round(this.fastestMs)} ms`);
      }
      this.fastestMs = Math.min(this.fastestMs, latencyMs);
    }
    if (this.slowStart && this.limit < this.max) {
      this.set(Math.min(this.max, this.limit * 2), 'slow start: a healthy page');
      return;
    }
    if (++this.healthy >= HEALTHY_RUN && this.limit < this.max) {
      this.healthy = 0;
      this.set(this.limit + 1, `${HEALTHY_RUN} healthy pages`);
    }
  }

  /** Pages this large (bytes) go one at a time: several in memory at once could pass the memory bound. */
  large(reason: string): void {
    this.slowStart = false;
    this.healthy = 0;
    if (this.limit > 1) this.set(1, reason);
  }

  private decrease(reason: string): void {
    this.healthy = 0;
    this.slowStart = false;
    if (this.limit > 1) this.set(Math.max(1, Math.floor(this.limit / 2)), reason);
  }

  private set(to: number, reason: string): void {
    const from = this.limit;
    this.limit = to;
    this.reached = Math.max(this.reached, to);
    try {
      this.onChange?.({ from, to, reason });
    } catch {
      // a listener must never change the sync's course
    }
  }
}
