import { performance } from 'node:perf_hooks';
import { searchCases } from '../query/search.js';
import type { Store } from '../store/index.js';

/**
 * Search latency over `queries` (each run once, after one warm-up pass over
 * the first few): p50/p95 in ms of the library call, top 20 as the search budget asks (docs/decisions.md#budgets-are-measured-not-asserted).
 */
export async function benchSearch(store: Store, helpcenter: string, queries: string[]): Promise<{ p50: number; p95: number; n: number }> {
  for (const q of queries.slice(0, 10)) searchCases(store, { query: q, helpcenter, limit: 20 });
  const times: number[] = [];
  for (const q of queries) {
    const t0 = performance.now();
    searchCases(store, { query: q, helpcenter, limit: 20 });
    times.push(performance.now() - t0);
    // let other work (timers, GC) in between, as a server would
    await new Promise<void>((r) => setImmediate(r));
  }
  times.sort((a, b) => a - b);
  const at = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0;
  return { p50: round(at(0.5)), p95: round(at(0.95)), n: times.length };
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
