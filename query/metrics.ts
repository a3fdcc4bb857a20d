import { Counter, Histogram, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/index.js';

/**
 * `hcsync serve`'s Prometheus metrics (GET /metrics, issue 13), in a
 * registry of its own. The hot path costs a counter increment and a
 * histogram observe per request; the store is read only at scrape time.
 *
 * - `hcsync_serve_requests_total{route,status}` — route is one of
 *   /helpcenter/case, /healthz, /metrics or `other` (a closed set: request
 *   paths never become labels)
 * - `hcsync_serve_request_duration_seconds{route}` — handling time up to the
 *   last byte handed to the socket
 * - `hcsync_store_age_seconds{helpcenter}` — seconds since the helpcenter's
 *   last successful sync of either mode (what the API's answers may lag by)
 * - prom-client's default process metrics
 */

export const ROUTES = ['/helpcenter/case', '/healthz', '/metrics'] as const;
export type Route = (typeof ROUTES)[number] | 'other';

/** The route label of a request path. */
export function routeOf(path: string): Route {
  return (ROUTES as readonly string[]).includes(path) ? (path as Route) : 'other';
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export class ServeMetrics {
  readonly registry = new Registry();
  private readonly requests;
  private readonly latency;

  /** `now` in ms (tests). A store that cannot be read at scrape time leaves the store age without samples. */
  constructor(store: Store, now: () => number = Date.now) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'hcsync_serve_requests_total', help: 'Requests answered, by route and HTTP status', labelNames: ['route', 'status'], registers });
    this.latency = new Histogram({ name: 'hcsync_serve_request_duration_seconds', help: 'Time to answer a request, seconds', labelNames: ['route'], buckets: LATENCY_BUCKETS, registers });
    new Gauge({
      name: 'hcsync_store_age_seconds', help: 'Seconds since the last successful sync of the helpcenter (either mode)', labelNames: ['helpcenter'], registers,
      collect() {
        this.reset();
        let rows;
        try {
          rows = store.gauges.lastSuccess();
        } catch {
          return;
        }
        for (const r of rows) {
          const last = Math.max(r.fullMs ?? -Infinity, r.incrementalMs ?? -Infinity);
          if (Number.isFinite(last)) this.set({ helpcenter: r.helpcenter }, Math.max(0, (now() - last) / 1000));
        }
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /** One answered request: `seconds` from its arrival to its last byte written. */
  observe(route: Route, status: number, seconds: number): void {
    this.requests.inc({ route, status: String(status) });
    this.latency.observe({ route }, seconds);
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
