import { EventEmitter } from 'node:events';
import type { SyncMode } from '../store/index.js';

/** What a sync run reports as it goes; the progress bar, logs and worker subscribe. */
export interface SyncEvents {
  start: [{ helpcenter: string; runId: number; mode: SyncMode; resumedFrom: number | null }];
  page: [{ helpcenter: string; runId: number; phase: 'sweep' | 'recent' | 'open'; pages: number; cases: number; total: number; offset: number }];
  drift: [{ helpcenter: string; runId: number; steps: number; offset: number }];
  finish: [SyncSummary];
}

export interface SyncSummary {
  helpcenter: string;
  runId: number;
  mode: SyncMode;
  status: 'ok';
  resumedFrom: number | null;
  pages: number;
  requests: number;
  casesUpserted: number;
  messagesUpserted: number;
  unchanged: number;
  deleted: number;
  rejected: number;
  inferredClosed: number;
  drift: number;
  durationMs: number;
}

export class SyncEmitter extends EventEmitter<SyncEvents> {}
