/**
 * Every error hcsync raises on purpose. Each has a stable `code`, knows
 * whether retrying can help (`permanent`), the CLI exit code it maps to, and
 * (for API-shaped errors) the HTTP status and JSON body the server sends.
 * The sync, the worker, the CLI and the server read these fields; none of
 * them parses messages.
 */

/** A StoreError's code: SQLite's condition translated (store/errors.ts), or what opening or locking the store found. */
export type StoreErrorCode =
  | 'E_STORE_BUSY'
  | 'E_STORE_FULL'
  | 'E_STORE_READONLY'
  | 'E_STORE_CORRUPT'
  | 'E_STORE_NOT_A_DB'
  | 'E_STORE_CANTOPEN'
  | 'E_STORE_IO'
  | 'E_STORE_SQLITE'
  | 'E_STORE_OPEN'
  | 'E_STORE_MISSING'
  | 'E_STORE_IS_DIR'
  | 'E_STORE_FOREIGN'
  | 'E_STORE_TOO_NEW'
  | 'E_STORE_OLD'
  | 'E_STORE_WAL_UNREADABLE'
  | 'E_STORE_LOCK';

/** A TransientError's code: why one request failed in a way a retry may mend (worker/client.ts). */
export type TransientErrorCode = 'E_NETWORK' | 'E_TIMEOUT' | 'E_HTTP_5XX' | 'E_RATE_LIMITED' | 'E_BAD_BODY' | 'E_BODY_TOO_LARGE';

/** A SyncError's code: the remote contradicted itself beyond the walk's bound, or something unexpected ended the run. */
export type SyncErrorCode = 'E_REMOTE_INCONSISTENT' | 'E_INTERNAL';

/** An ApiError's code: E_INVALID_PARAM for a 422, else E_API_ and the error key (`E_API_NOT_SYNCED`). */
export type ApiErrorCode = 'E_INVALID_PARAM' | `E_API_${Uppercase<ApiErrorKey>}`;

/**
 * Every `code` an HcsyncError can have: stable, for programs to branch on
 * (messages are for people and may change).
 */
export type ErrorCode =
  | 'E_USAGE'
  | ApiErrorCode
  | 'E_AUTH'
  | 'E_REMOTE_REJECTED'
  | TransientErrorCode
  | 'E_UPSTREAM'
  | StoreErrorCode
  | 'E_SYNC_BUSY'
  | 'E_LISTEN'
  | SyncErrorCode
  // raised by the CLI and the worker
  | 'E_WRITE'
  | 'E_NOT_FOUND'
  | 'E_INTERRUPTED'
  | 'E_VERIFY_DIFF'
  | 'E_JOB_DATA'
  | 'E_REDIS';

export class HcsyncError extends Error {
  readonly code: ErrorCode;
  readonly permanent: boolean;
  readonly exitCode: number;
  constructor(code: ErrorCode, message: string, opts: { permanent?: boolean; exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.permanent = opts.permanent ?? true;
    this.exitCode = opts.exitCode ?? 1;
  }
}

/** Bad command-line input: exit code 2. */
export class UsageError extends HcsyncError {
  declare readonly code: 'E_USAGE';
  constructor(message: string) {
    super('E_USAGE', message, { permanent: true, exitCode: 2 });
  }
}

/**
 * An error the list API answers with: HTTP status plus `{error, description}`.
 * Raised by the contract's parameter parsing (422), the local server
 * (403/404/405) and for never-synced helpcenters (404 not_synced).
 */
export class ApiError extends HcsyncError {
  declare readonly code: ApiErrorCode;
  readonly status: number;
  readonly key: string;
  readonly description: string;
  constructor(status: number, key: string, description: string) {
    super(status === 422 ? 'E_INVALID_PARAM' : (`E_API_${key.toUpperCase()}` as ApiErrorCode), `${key}: ${description}`, {
      permanent: true,
      exitCode: status === 422 ? 2 : 1,
    });
    this.status = status;
    this.key = key;
    this.description = description;
  }
  body(): { error: string; description: string } {
    return { error: this.key, description: this.description };
  }
}

/** The error catalogue of the seed page plus the local-only conditions (docs/contract.md#errors, docs/contract.md#local-only-answers). */
export const API_ERRORS = {
  access_denied: { status: 403, description: 'Insufficient access level' },
  id: { status: 422, description: 'Invalid helpcenterId' },
  sortBy: { status: 422, description: 'Invalid sorting specified. Use CREATED, SENT or STATE' },
  sortOrder: { status: 422, description: 'Invalid sort order. use asc or desc' },
  state: { status: 422, description: 'Invalid state. Use ALL, UNHANDLED, HANDLING or CLOSED.' },
  // offset and limit are not in the seed's table; the wording follows its style.
  offset: { status: 422, description: 'Invalid offset. Use an integer >= 0' },
  limit: { status: 422, description: 'Invalid limit. Use an integer (clamped to 1..500)' },
  internal_error: { status: 500, description: 'Internal error' },
  not_synced: { status: 404, description: 'This helpcenter has never been synced to the local store' },
  not_found: { status: 404, description: 'Unknown path' },
  method_not_allowed: { status: 405, description: 'Only GET and HEAD are allowed' },
  bad_request: { status: 400, description: 'The request target is not a path' },
  uri_too_long: { status: 414, description: 'The request target is longer than 8192 bytes' },
  store_unavailable: { status: 503, description: 'The local store cannot be read; the server log says why' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ApiErrorKey = keyof typeof API_ERRORS;

export function apiError(key: ApiErrorKey): ApiError {
  const e = API_ERRORS[key];
  return new ApiError(e.status, key, e.description);
}

/** The remote rejected our credentials (401/403): permanent for a run. */
export class AuthError extends HcsyncError {
  declare readonly code: 'E_AUTH';
  readonly status: number;
  readonly key: string;
  constructor(status: number, key: string, message: string) {
    super('E_AUTH', message, { permanent: true, exitCode: 1 });
    this.status = status;
    this.key = key;
  }
}

/** The remote answered 422 to a request we built: permanent (bad helpcenter id or parameter). */
export class RemoteRejectedError extends HcsyncError {
  declare readonly code: 'E_REMOTE_REJECTED';
  readonly status: number;
  readonly key: string;
  constructor(status: number, key: string, message: string) {
    super('E_REMOTE_REJECTED', message, { permanent: true, exitCode: 1 });
    this.status = status;
    this.key = key;
  }
}

/**
 * A transient failure (network, timeout, 5xx, 429, malformed body). Inside
 * the client it drives retries; once the attempt or time budget is spent it
 * escapes as an UpstreamError.
 */
export class TransientError extends HcsyncError {
  declare readonly code: TransientErrorCode;
  readonly status: number | undefined;
  /** delay the server asked for (Retry-After), in ms */
  readonly retryAfterMs: number | undefined;
  constructor(code: TransientErrorCode, message: string, opts: { status?: number; retryAfterMs?: number; cause?: unknown } = {}) {
    super(code, message, { permanent: false, exitCode: 1, cause: opts.cause });
    this.status = opts.status;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** The upstream stayed unavailable through every retry. */
export class UpstreamError extends HcsyncError {
  declare readonly code: 'E_UPSTREAM';
  readonly attempts: number;
  readonly last: TransientError;
  constructor(message: string, attempts: number, last: TransientError) {
    super('E_UPSTREAM', message, { permanent: false, exitCode: 1, cause: last });
    this.attempts = attempts;
    this.last = last;
  }
}

/**
 * The store cannot do what was asked: schema too new, no store yet, a
 * directory given as the store, or any SQLite error, translated once in
 * `store/errors.ts` (E_STORE_BUSY is transient; FULL, READONLY, CORRUPT,
 * NOT_A_DB, CANTOPEN, IO and the rest are permanent). The message is one
 * line naming the file and what to do.
 */
export class StoreError extends HcsyncError {
  declare readonly code: StoreErrorCode;
  /** the file concerned, when known */
  readonly file: string | undefined;
  /** SQLite's extended result code (SQLITE_FULL, SQLITE_IOERR_WRITE, …) when SQLite raised it */
  readonly sqliteCode: string | undefined;
  constructor(code: StoreErrorCode, message: string, opts: { permanent?: boolean; file?: string; sqliteCode?: string; cause?: unknown } = {}) {
    super(code, message, { permanent: opts.permanent ?? true, exitCode: 1, cause: opts.cause });
    this.file = opts.file;
    this.sqliteCode = opts.sqliteCode;
  }
}

/** One sync per helpcenter at a time: another run holds its sync lock (store/lock.ts). Transient. */
export class SyncBusyError extends HcsyncError {
  declare readonly code: 'E_SYNC_BUSY';
  readonly owner: string;
  constructor(helpcenter: string, owner: string) {
    super('E_SYNC_BUSY', `helpcenter ${helpcenter} is being synced by ${owner}`, { permanent: false, exitCode: 1 });
    this.owner = owner;
  }
}

/** A server could not listen: address in use, not an address of this machine, host name not found, no permission. Exit 1. */
export class ListenError extends HcsyncError {
  declare readonly code: 'E_LISTEN';
  constructor(message: string, cause?: unknown) {
    super('E_LISTEN', message, { permanent: true, exitCode: 1, cause });
  }
}

/** The sync gave up (e.g. drift it could not recover from within its bounds). */
export class SyncError extends HcsyncError {
  declare readonly code: SyncErrorCode;
  constructor(code: SyncErrorCode, message: string, opts: { permanent?: boolean } = {}) {
    super(code, message, { permanent: opts.permanent ?? false, exitCode: 1 });
  }
}

export function isHcsyncError(e: unknown): e is HcsyncError {
  return e instanceof HcsyncError;
}
