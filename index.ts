/**
 * hcsync's public library: `import { openStore, listCases } from 'hcsync'`.
 * What is exported here is the API; every other module is internal and not
 * importable from outside the package (package.json `exports`).
 *
 * - A store: `openStore(file, { readonly })`, closed with `store.close()`.
 * - Reading: `listCases` (the remote list's semantics, offline),
 *   `searchCases`, `buildReport` with its renderers `reportText`,
 *   `reportCsv` and `reportHtml`, and `exportTable` (streamed NDJSON/CSV).
 * - Syncing: `runSync(store, new RemoteClient({...}), {helpcenter, mode})`.
 * - A long-lived process answering many list pages (a server of your own):
 *   `raiseMallocThresholds()` once, as `hcsync serve` does (store/memory.ts).
 * - Errors: every error thrown on purpose is an `HcsyncError` with a stable
 *   `code` (the `ErrorCode` union); branch on `code`, not on messages.
 */
import { Store } from './store/index.js';
import type { OpenOptions } from './store/open.js';

/** How a store is opened. */
export interface OpenStoreOptions {
  /**
   * Read-only (default false). A reader never writes and never migrates: a
   * store of an older schema is refused (E_STORE_OLD: a sync upgrades it) and
   * a missing file is E_STORE_MISSING. A writer creates the file and its
   * directory and brings the schema up to date.
   */
  readonly?: boolean;
  /** ms to wait for another connection's write lock (default 10 s) */
  busyTimeoutMs?: number;
}

/**
 * Open (or, unless `readonly`, create) the SQLite store at `file`. One
 * SQLite connection; close it with `store.close()`. Throws StoreError
 * (`E_STORE_MISSING`, `E_STORE_IS_DIR`, `E_STORE_NOT_A_DB`,
 * `E_STORE_FOREIGN`, `E_STORE_TOO_NEW`, `E_STORE_OLD`, `E_STORE_READONLY`,
 * …) with a one-line message naming the file. The README's "The store"
 * describes the file.
 */
export function openStore(file: string, opts: OpenStoreOptions = {}): Store {
  const o: OpenOptions = { readonly: opts.readonly ?? false };
  if (opts.busyTimeoutMs !== undefined) o.busyTimeoutMs = opts.busyTimeoutMs;
  return new Store(file, o);
}

export type { Store };

// reading
export { listCases } from './query/list.js';
export { raiseMallocThresholds } from './store/memory.js';
export { searchCases, TOTAL_CAP, type SearchOptions, type SearchHit, type SearchResult } from './query/search.js';
export { buildReport } from './query/report/build.js';
export type { Report, ReportOptions, HelpcenterReport, Spread, HistogramBucket } from './query/report/types.js';
export { reportText } from './query/report/text.js';
export { reportCsv } from './query/report/csv.js';
export { reportHtml } from './query/report/html.js';
export { exportTable, EXPORT_FORMATS, type ExportFormat, type ExportOptions, type ExportResult } from './query/export.js';
export { EXPORT_TABLES, VIEW_COLUMNS, type ExportTable, type ViewName, type DeleteLimit, type SyncMode } from './store/index.js';

// syncing
export { runSync, DEFAULT_MAX_DELETE, DEFAULT_LOOKBACK_MS, type SyncOptions } from './worker/sync.js';
export { RemoteClient, type ClientOptions } from './worker/client.js';
export { SyncEmitter, type SyncEvents, type SyncSummary } from './worker/events.js';

// errors
export {
  HcsyncError,
  UsageError,
  ApiError,
  AuthError,
  RemoteRejectedError,
  TransientError,
  UpstreamError,
  StoreError,
  SyncBusyError,
  ListenError,
  SyncError,
  isHcsyncError,
  type ErrorCode,
  type ApiErrorCode,
  type ApiErrorKey,
  type StoreErrorCode,
  type TransientErrorCode,
  type SyncErrorCode,
} from './contract/errors.js';

// the API's data
export type { Case, Message, CaseState, StateFilter, SortBy, SortOrder, MessageType, ListParams, ListResponse, ErrorBody } from './contract/types.js';
