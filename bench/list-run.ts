/**
 * The bench's in-process list latency (benchList) over an existing store, on
 * its own: `node dist/bench/list-run.js FILE HELPCENTER`. Prints one row per
 * measure, p50 and p95 in ms. It keeps freed memory as `serve` and the
 * bench do (store/memory.ts); HCSYNC_BENCH_DEFAULT_MALLOC=1 leaves glibc's
 * defaults, to compare (README, Benchmarks: the list tail is memory).
 */
import { benchList } from './list.js';
import { Store } from '../store/index.js';
import { raiseMallocThresholds } from '../store/memory.js';

const [file, helpcenter] = process.argv.slice(2);
if (!file || !helpcenter) throw new Error('usage: list-run.js FILE HELPCENTER');
if (process.env.HCSYNC_BENCH_DEFAULT_MALLOC !== '1') raiseMallocThresholds();
const store = new Store(file, { readonly: true, mmap: false }); // as bench/run.ts and `hcsync serve` open it
try {
  for (const l of benchList(store, helpcenter)) process.stdout.write(`${l.label.padEnd(40)} p50 ${l.p50.toFixed(2)} p95 ${l.p95.toFixed(2)}\n`);
} finally {
  store.close();
}
