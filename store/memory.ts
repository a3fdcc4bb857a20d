/**
 * Keep freed memory in the process instead of handing it back to the kernel
 * and faulting it in again (README, Benchmarks: "the list tail is memory").
 *
 * A limit-500 list page is ~1.7 MB. SQLite joins it in its own heap and
 * better-sqlite3 copies it into a Node buffer; those buffers live until V8
 * collects them, a few dozen pages at a time. A sync's pages arrive the same
 * way: ~1.6 MB of bytes each, joined from the socket's reads. glibc's malloc then frees tens
 * of MB at the top of its heap at once, and above its trim threshold
 * (2 × the mmap threshold, 256 KiB at start) it gives them back to the
 * kernel: every later page faults its memory in again. On a VM a fresh 4 KiB
 * page costs ~14 µs, ~6 ms for one page's buffer; that was the list's p95.
 *
 * glibc adjusts both thresholds by itself (mallopt(3), M_MMAP_THRESHOLD:
 * "the threshold is adjusted upward to the size of the freed chunk" when a
 * chunk it mapped for one allocation is freed, up to 32 MiB on 64-bit; the
 * trim threshold becomes twice that). Freeing one allocation of just under
 * 32 MiB early therefore sets mmap threshold ~32 MiB, trim threshold ~64 MiB:
 * what `GLIBC_TUNABLES=glibc.malloc.mmap_threshold=…:glibc.malloc.trim_threshold=…`
 * would set, without re-executing the process. The cost: freed memory up to
 * that much stays resident (RSS does not fall back after a burst).
 *
 * No effect where it cannot apply: another libc (musl), or an environment
 * that sets the thresholds itself (GLIBC_TUNABLES or MALLOC_*_ env, which
 * turn the adjustment off; their values are kept).
 */

import { readFileSync } from 'node:fs';

/** Just under glibc's DEFAULT_MMAP_THRESHOLD_MAX (32 MiB on 64-bit), headers and page rounding included. */
export const RAISE_TO_BYTES = 32 * 1024 * 1024 - 64 * 1024;

let raised = false;

/** Whether this process runs on glibc: its libc.so.6 is mapped (musl maps ld-musl-*.so.1). ~0.2 ms. */
export function runsOnGlibc(): boolean {
  try {
    return /\/libc\.so\.6$/m.test(readFileSync('/proc/self/maps', 'latin1'));
  } catch {
    return false;
  }
}

/**
 * Raise glibc's mmap and trim thresholds to ~32/64 MiB for this process.
 * `serve`, `sync` and `worker` call it first thing; a program of your own
 * that serves list pages or syncs may too (index.ts exports it):
 * allocates RAISE_TO_BYTES (never touched, so never resident) and drops it;
 * V8's next collection frees it and glibc adjusts. Idempotent; returns
 * whether it applied (false: not glibc, or the thresholds are set by the
 * environment). Never throws.
 */
export function raiseMallocThresholds(): boolean {
  if (raised) return true;
  if (process.platform !== 'linux') return false;
  const env = process.env;
  if (/glibc\.malloc\.(mmap|trim)_threshold/.test(env.GLIBC_TUNABLES ?? '') || env.MALLOC_MMAP_THRESHOLD_ !== undefined || env.MALLOC_TRIM_THRESHOLD_ !== undefined) return false;
  if (!runsOnGlibc()) return false;
  try {
    // allocUnsafeSlow: one malloc of this size outside Node's buffer pool, not zero-filled (no page touched)
    Buffer.allocUnsafeSlow(RAISE_TO_BYTES);
  } catch {
    return false; // no 32 MiB of address space to spare: leave the defaults
  }
  raised = true;
  return true;
}
