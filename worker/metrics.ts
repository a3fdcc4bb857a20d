import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/index.js';
import type { ClientOptions } from './client.js';
import type { SyncEmitter } from './events.js';

/**
 * The worker's Prometheus metrics (issue 13), in a registry of its own (not
 * prom-client's global one: tests and `serve` in one process never collide).
 * Every family is labelled by `helpcenter`. Counters move as the run goes
 * (page by page, request by request) and are made equal to the run's summary
 * when it finishes; the store-backed gauges (cases, held deletions, last
 * success, failure streak) are read from SQLite at scrape time, so they are
 * right after a restart too. Values never carry the token: only ids, modes,
 * statuses and numbers are used as labels.
 */

/** Retry reasons: a closed set, so a hostile remote cannot grow the label space. */
export const RETRY_REASONS = ['429', '5xx', 'timeout', 'network', 'body', 'other'] as const;
export type RetryReason = (typeof RETRY_REASONS)[number];

/** The reason label of a retried error code (contract/errors.ts TransientError codes). */
export function retryReason(code: string, status: number | undefined): RetryReason {
  if (status === 429 || code === 'E_RATE_LIMITED') return '429';
  if ((status !== undefined && status >= 500) || code === 'E_HTTP_5XX') return '5xx';
  if (code === 'E_TIMEOUT') return 'timeout';
  if (code === 'E_NETWORK') return 'network';
  if (code === 'E_BAD_BODY' || code === 'E_BODY_TOO_LARGE') return 'body';
  return 'other';
}

/** What one run's observers hand the remote client. */
export type ClientHooks = Pick<ClientOptions, 'onRetry' | 'onAttempt'>;

/** Seconds; a sync run from an incremental's second to a large sweep's hour. */
const RUN_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** Seconds; one HTTP attempt. */
const REQUEST_BUCKETS = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly runs;
  private readonly runDuration;
  private readonly pages;
  private readonly requests;
  private readonly upserted;
  private readonly retries;
  private readonly requestDuration;
  private readonly drift;
  private readonly warnings;
  private readonly concurrency;

  /** `store`: read at scrape time for the gauges; a failing read leaves that family without samples (the health check tells why). */
  constructor(store: Store) {
    const registers = [this.registry];
    const hc = ['helpcenter'] as const;
    this.runs = new Counter({ name: 'hcsync_sync_runs_total', help: 'Sync jobs run by this worker, by mode and outcome (ok, failed, retry, skipped-busy, delayed-busy, interrupted)', labelNames: ['helpcenter', 'mode', 'status'], registers });
    this.runDuration = new Histogram({ name: 'hcsync_sync_duration_seconds', help: 'Duration of sync runs that ran (ok or failed), seconds', labelNames: ['helpcenter', 'mode'], buckets: RUN_BUCKETS, registers });
    this.pages = new Counter({ name: 'hcsync_sync_pages_total', help: 'Pages committed to the store', labelNames: hc, registers });
    this.requests = new Counter({ name: 'hcsync_sync_requests_total', help: 'HTTP requests sent to the remote, retries included', labelNames: hc, registers });
    this.upserted = new Counter({ name: 'hcsync_sync_cases_upserted_total', help: 'Cases inserted or changed in the store', labelNames: hc, registers });
    this.retries = new Counter({ name: 'hcsync_remote_retries_total', help: 'Requests retried, by reason (429, 5xx, timeout, network, body, other)', labelNames: ['helpcenter', 'reason'], registers });
    this.requestDuration = new Histogram({ name: 'hcsync_remote_request_duration_seconds', help: 'Duration of one HTTP attempt to the remote, seconds', labelNames: hc, buckets: REQUEST_BUCKETS, registers });
    this.drift = new Counter({ name: 'hcsync_sync_drift_steps_total', help: 'Step-backs of the walk when the remote list shifted under it', labelNames: hc, registers });
    this.warnings = new Counter({ name: 'hcsync_sync_warnings_total', help: 'Fields that could not be read and conclusions that could not be drawn', labelNames: hc, registers });
    this.concurrency = new Gauge({ name: 'hcsync_sync_concurrency', help: 'Pages in flight: the current limit while a full sweep runs, the most it reached once it finished (1 for incrementals)', labelNames: hc, registers });
    const fromStore = <T>(read: () => T[], set: (row: T) => void, gauge: Gauge<string>) => {
      gauge.reset();
      let rows: T[];
      try {
        rows = read();
      } catch {
        return; // the store cannot be read now: no samples (GET /healthz says why)
      }
      for (const r of rows) set(r);
    };
    new Gauge({
      name: 'hcsync_sync_last_success_timestamp_seconds', help: 'When the last successful run of each mode finished (Unix seconds; from the store)', labelNames: ['helpcenter', 'mode'], registers,
      collect() {
        fromStore(() => store.gauges.lastSuccess(), (r) => {
          if (r.fullMs !== null) this.set({ helpcenter: r.helpcenter, mode: 'full' }, r.fullMs / 1000);
          if (r.incrementalMs !== null) this.set({ helpcenter: r.helpcenter, mode: 'incremental' }, r.incrementalMs / 1000);
        }, this);
      },
    });
    new Gauge({
      name: 'hcsync_held_deletions', help: 'Deletions the mass-deletion guard holds (from the store)', labelNames: hc, registers,
      collect() {
        fromStore(() => store.gauges.heldDeletions(), (r) => this.set({ helpcenter: r.helpcenter }, r.held), this);
      },
    });
    new Gauge({
      name: 'hcsync_cases', help: 'Live cases in the store by state (UNHANDLED, HANDLING, CLOSED, UNKNOWN)', labelNames: ['helpcenter', 'state'], registers,
      collect() {
        fromStore(() => store.gauges.caseStates(), (r) => this.set({ helpcenter: r.helpcenter, state: r.state }, r.cases), this);
      },
    });
    new Gauge({
      name: 'hcsync_sync_consecutive_failures', help: 'Failed runs since the last successful one (from the store; counted up to 50)', labelNames: hc, registers,
      collect() {
        fromStore(() => store.gauges.failureStreaks(), (r) => this.set({ helpcenter: r.helpcenter }, r.failed), this);
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Observe one run of `helpcenter`: subscribes to its events and returns
   * the hooks for its remote client. Every counter of the helpcenter is
   * created at 0, so `rate()` and `increase()` see the first increment.
   */
  observeRun(helpcenter: string, events: SyncEmitter): ClientHooks {
    const h = { helpcenter };
    for (const c of [this.pages, this.requests, this.upserted, this.drift, this.warnings]) c.inc(h, 0);
    for (const reason of RETRY_REASONS) this.retries.inc({ helpcenter, reason }, 0);
    // what this run has already added, so the finish can settle the rest against the summary
    const added = { pages: 0, upserted: 0, warnings: 0, drift: 0 };
    const settle = (k: keyof typeof added, to: number, counter: Counter<'helpcenter'>) => {
      if (to > added[k]) counter.inc(h, to - added[k]);
      added[k] = Math.max(added[k], to);
    };
    events.on('page', (e) => {
      settle('pages', e.pages, this.pages);
      settle('upserted', e.upserted, this.upserted);
      settle('warnings', e.warnings, this.warnings);
    });
    events.on('drift', (e) => settle('drift', added.drift + e.steps, this.drift));
    events.on('concurrency', (e) => this.concurrency.set(h, e.to));
    events.on('finish', (s) => {
      settle('pages', s.pages, this.pages);
      settle('upserted', s.casesUpserted, this.upserted);
      settle('warnings', s.warnings, this.warnings);
      settle('drift', s.drift, this.drift);
      this.concurrency.set(h, s.concurrency);
    });
    return {
      onAttempt: (e) => {
        this.requests.inc(h);
        this.requestDuration.observe(h, e.durationMs / 1000);
      },
      onRetry: (e) => this.retries.inc({ helpcenter, reason: retryReason(e.error.code, e.error.status) }),
    };
  }

  /** A job ended: `status` is the worker's outcome; `ran` when a sync actually ran (its duration is observed). */
  runEnded(helpcenter: string, mode: string, status: string, durationMs: number, ran: boolean): void {
    this.runs.inc({ helpcenter, mode, status });
    if (ran) this.runDuration.observe({ helpcenter, mode }, durationMs / 1000);
  }

  /** The exposition text: `prefix` (BullMQ's queue metrics, or a comment) first, then this registry. */
  async render(prefix: string): Promise<string> {
    const own = await this.registry.metrics();
    return prefix ? `${prefix.replace(/\n*$/, '\n')}${own}` : own;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
