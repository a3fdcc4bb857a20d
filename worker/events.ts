import { EventEmitter } from 'node:events';
import type { RunCounters, SyncMode } from '../store/index.js';

/** What a sync run reports as it goes; the progress bar, logs, metrics and worker subscribe. */
export interface SyncEvents {
  start: [{ helpcenter: string; runId: number; mode: SyncMode; resumedFrom: number | null }];
  /**
   * a page was committed: `pages` and `cases` (upserted + unchanged) so far in
   * this run; `upserted` and `warnings` are the run's counters of those names
   */
  page: [{ helpcenter: string; runId: number; phase: 'sweep' | 'recent' | 'open'; pages: number; cases: number; upserted: number; warnings: number; total: number; offset: number }];
  drift: [{ helpcenter: string; runId: number; steps: number; offset: number }];
  /** the full sweep changed how many pages it keeps in flight */
  concurrency: [{ helpcenter: string; runId: number; from: number; to: number; reason: string }];
  /** something the run could not read or prove (also stored with the run, shown by `status`) */
  warning: [{ helpcenter: string; runId: number; field: string; detail: string }];
  finish: [SyncSummary];
}

/** A finished run: its counters (the same ones saved with every page) and how long it took. */
export interface SyncSummary extends RunCounters {
  helpcenter: string;
  runId: number;
  mode: SyncMode;
  status: 'ok';
  resumedFrom: number | null;
  /** the most pages a full sweep had in flight (1 for incremental runs) */
  concurrency: number;
  durationMs: number;
}

/** Told once per listener that threw: the event's name and what it threw. */
export type ListenerErrorReport = (event: string, error: unknown) => void;

/** The default report: one line on stderr (the CLI's `sync`). */
const toStderr: ListenerErrorReport = (event, error) => {
  const msg = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
  process.stderr.write(`hcsync: warning: a listener of the '${event}' event failed (further failures of it not shown): ${msg}\n`);
};

/**
 * The run's event emitter, with guarded listeners (issue 13): a listener
 * that throws is reported once (`onListenerError`, default a line on
 * stderr); it stays subscribed, its later failures are silent, and the run
 * goes on. A log line, a metric or a progress bar must never fail a sync.
 */
export class SyncEmitter extends EventEmitter<SyncEvents> {
  private readonly failed = new WeakSet<object>();

  constructor(private readonly onListenerError: ListenerErrorReport = toStderr) {
    super();
  }

  /** Calls every listener in order, each in its own try; a throw is reported once per listener and swallowed. Returns whether any listened. */
  override emit<K extends keyof SyncEvents>(event: K, ...args: SyncEvents[K]): boolean {
    // raw: a `once` wrapper removes itself when called
    const listeners = this.rawListeners(event as never) as ((...a: unknown[]) => unknown)[];
    for (const fn of listeners) {
      try {
        fn.apply(this, args);
      } catch (e) {
        if (this.failed.has(fn)) continue;
        this.failed.add(fn);
        try {
          this.onListenerError(String(event), e);
        } catch {
          // the report itself failed: nothing more to do
        }
      }
    }
    return listeners.length > 0;
  }
}
