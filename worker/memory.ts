import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | undefined;

/**
 * Run a full garbage collection now. Used once after each very large page
 * (over PREFETCH_MAX_BYTES): V8 frees a large string only at a major GC and
 * does not hurry while the heap limit is far away, so two consecutive pages
 * near the byte cap could both stay resident and pass the sync's memory
 * bound (docs/sync.md#bounded, 1 GiB). Real pages (~1.6 MB) never trigger it.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    // the documented way to reach gc() without starting node with --expose-gc
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
