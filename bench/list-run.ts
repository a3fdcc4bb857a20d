/**
 * The bench's in-process list latency (benchList) over an existing store, on
 * its own: `node dist/bench/list-run.js FILE HELPCENTER`. Prints one row per
 * measure, p50 and p95 in ms. To compare allocator settings on one store
 * (README, Benchmarks: the list tail is memory), run it with and without
 * GLIBC_TUNABLES.
 */
import { benchList } from './list.js';
import { Store } from '../store/index.js';

const [file, helpcenter] = process.argv.slice(2);
if (!file || !helpcenter) throw new Error('usage: list-run.js FILE HELPCENTER');
const store = new Store(file); // as bench/run.ts opens it (a writer's connection: no memory map)
try {
  for (const l of benchList(store, helpcenter)) process.stdout.write(`${l.label.padEnd(40)} p50 ${l.p50.toFixed(2)} p95 ${l.p95.toFixed(2)}\n`);
} finally {
  store.close();
}
