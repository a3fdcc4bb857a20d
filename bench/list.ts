import { performance } from 'node:perf_hooks';
import { listCasesBody, listCasesJsonFor } from '../query/list.js';
import type { Store } from '../store/index.js';
import type { ListParams, SortBy, SortOrder, StateFilter } from '../contract/types.js';

export interface ListFigure {
  label: string;
  p50: number;
  p95: number;
  n: number;
}

/** Nearest-rank quantile of sorted times, q in 0..1 (query/report/build.ts's `percentile` takes 0..100). */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * Offline list latency in the library: `listCasesBody`, the response bytes
 * `serve` writes (SQL run in a read transaction, JSON assembled) per sortBy, over every state × order and offsets from the first
 * page to the deepest, at limit 100 and 500.
 */
export function benchList(store: Store, helpcenter: string): ListFigure[] {
  const states: StateFilter[] = ['ALL', 'UNHANDLED', 'HANDLING', 'CLOSED'];
  const orders: SortOrder[] = ['asc', 'desc'];
  const out: ListFigure[] = [];
  for (const sortBy of ['SENT', 'CREATED', 'STATE'] as SortBy[]) {
    const times: number[] = [];
    const deep: number[] = [];
    for (const state of states) {
      const total = (JSON.parse(listCasesJsonFor(store, { id: helpcenter, state, sortBy, sortOrder: 'asc', offset: 0, limit: 1 })) as { total: number }).total;
      for (const sortOrder of orders) {
        for (const frac of [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999]) {
          for (const limit of [100, 500]) {
            const p: ListParams = { id: helpcenter, state, sortBy, sortOrder, offset: Math.floor(total * frac), limit };
            listCasesBody(store, p); // warm
            for (let i = 0; i < 5; i++) {
              const t0 = performance.now();
              listCasesBody(store, p);
              const dt = performance.now() - t0;
              times.push(dt);
              if (frac === 0.5) deep.push(dt);
            }
          }
        }
      }
    }
    times.sort((a, b) => a - b);
    deep.sort((a, b) => a - b);
    out.push({ label: `${sortBy} (all states, orders, offsets)`, p50: quantile(times, 0.5), p95: quantile(times, 0.95), n: times.length });
    out.push({ label: `${sortBy} at the middle offset`, p50: quantile(deep, 0.5), p95: quantile(deep, 0.95), n: deep.length });
  }
  return out;
}
