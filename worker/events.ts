import { EventEmitter } from 'node:events';
import type { RunCounters, SyncMode } from '../store/index.js';

/** What a sync run reports as it goes; the progress bar, logs and worker subscribe. */
export interface SyncEvents {
  start: [{ helpcenter: string; runId: number; mode: SyncMode; resumedFrom: number | null }];
  page: [{ helpcenter: string; runId: number; phase: 'sweep' | 'recent' | 'open'; pages: number; cases: number; total: number; offset: number }];
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

export class SyncEmitter extends EventEmitter<SyncEvents> {}
