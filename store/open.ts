import Database from 'better-sqlite3';
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { StoreError, UsageError, isHcsyncError } from '../contract/errors.js';
import { storeErrorFrom } from './errors.js';
import { MIGRATIONS } from './schema.js';

// URI filenames (`file:…?mode=ro&immutable=1`) for stores on read-only media.
// better-sqlite3 reads this once, when its addon loads at the first `new
// Database`, which is after this line. Plain paths are unaffected: only a
// name starting with `file:` is a URI, and store paths are made absolute.
process.env.SQLITE_USE_URI ??= '1';

/** @internal the raw connection: store/ only */
export type Db = Database.Database;

export interface OpenOptions {
  /** open read-only (list/search/report commands); no migrations run */
  readonly?: boolean;
  /** ms to wait for another connection's write lock */
  busyTimeoutMs?: number;
  /**
   * read through a memory map of up to 1 GiB (default: for read-only stores).
   * Faster search (~10 %), but every page read stays in the process's RSS:
   * long-running processes (`serve`, the sync) keep to SQLite's page cache
   * (16 MiB for a reader, 64 MiB for the writer).
   */
  mmap?: boolean;
  /** list-query internals; tests shrink them to exercise deep-page paths on small data */
  listTuning?: import('./read.js').ListTuning;
}

/**
 * Open (creating if needed) a store file, set the pragmas every connection
 * needs and bring the schema up to date. A database written by a newer
 * hcsync is refused rather than guessed at.
 *
 * Read-only opens need an existing store (E_STORE_MISSING: "run `hcsync sync`
 * first"). On a read-only file system, where SQLite cannot create the `-shm`
 * file a WAL store is read through, the file is opened `immutable`; when it
 * still has changes in its `-wal` that only a `-shm` could make readable,
 * the error says so (E_STORE_WAL_UNREADABLE). A directory given as the store
 * is E_STORE_IS_DIR; a writer on a read-only file or directory gets
 * E_STORE_READONLY. Every SQLite error is translated (store/errors.ts).
 */
/** @internal */
export function openDb(file: string, opts: OpenOptions = {}): Db {
  // checked before anything touches the disk (library callers pass anything; Store has checked `file`)
  const timeoutMs = busyTimeout(opts.busyTimeoutMs);
  const readonly = opts.readonly ?? false;
  const name = file === ':memory:' ? file : path.resolve(file);
  const how = name === ':memory:' ? { uri: name, immutable: false } : readonly ? readerPath(name) : writerPath(name);
  let db: Db;
  try {
    db = new Database(how.uri, { readonly, fileMustExist: readonly && !how.immutable });
  } catch (e) {
    throw openError(e, name);
  }
  try {
    db.pragma(`busy_timeout = ${timeoutMs}`);
    refuseForeign(db, name); // before any pragma below changes the file
    if (!readonly && (db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number) === 0) {
      // a new file: 8 KiB pages hold a typical case (3–4 KB of JSON) without an overflow chain
      db.pragma('page_size = 8192');
    }
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a commit survives a process crash; only an OS crash can lose the last commits.
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    // The writer's 64 MiB page cache pays in the sync (index and FTS pages rewritten page after page).
    // A reader keeps 16 MiB: the OS page cache holds the file anyway, and a cache that never fills
    // keeps taking fresh memory for every page it has not read before (a page fault per 4 KiB, ~14 µs
    // on a VM): at 200k cases the list's p95 fell from 4.7 to 1.0 ms in-process and serve's
    // limit-500 p95 from ~9 to ~6 ms; search's p50 rose ~15 % (README, Benchmarks).
    db.pragma(readonly ? 'cache_size = -16384' : 'cache_size = -65536');
    if (opts.mmap ?? readonly) db.pragma('mmap_size = 1073741824');
    migrate(db, name, readonly);
  } catch (e) {
    db.close();
    throw openError(e, name);
  }
  return db;
}

/** Translated; anything that is not SQLite's (or ours) still becomes one line about the store. */
function openError(e: unknown, file: string): unknown {
  const t = storeErrorFrom(e, file);
  if (isHcsyncError(t) || !(t instanceof Error)) return t;
  return new StoreError('E_STORE_OPEN', `cannot open store ${file}: ${t.message.replace(/\s+/g, ' ')}`, { file, cause: e });
}

interface OpenPath {
  /** what SQLite is given: the absolute path, or a `file:` URI */
  uri: string;
  immutable: boolean;
}

/** Why `fn` throws, as an errno code (undefined: it did not). */
function errnoOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'EIO';
  }
}

function isDirError(file: string): StoreError {
  return new StoreError('E_STORE_IS_DIR', `${file} is a directory, not a store file; point --db at the store file, e.g. ${path.join(file, 'hcsync.db')}`, { file });
}

/** A reader: the store must exist; on a read-only file system it is read `immutable` when that is safe. */
function readerPath(file: string): OpenPath {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new StoreError('E_STORE_MISSING', `no store at ${file} — run \`hcsync sync\` first (or point --db at an existing store)`, { file });
    if (code === 'ENOTDIR') throw new StoreError('E_STORE_MISSING', `no store at ${file}: a part of that path is a file, not a directory`, { file });
    throw new StoreError('E_STORE_CANTOPEN', `cannot read store ${file} (${code}); check that this user may read it and its directory`, { file });
  }
  if (st.isDirectory()) throw isDirError(file);
  const dir = path.dirname(file);
  // SQLite reads a WAL store through `<file>-shm`, which it creates when missing
  const dirW = errnoOf(() => accessSync(dir, constants.W_OK));
  if (dirW === undefined || sizeOf(`${file}-shm`) !== undefined) return { uri: file, immutable: false };
  if (dirW !== 'EROFS') {
    // not writable by this user, but maybe by the one that syncs: reading without locks (immutable) could see half a commit
    throw new StoreError(
      'E_STORE_CANTOPEN',
      `cannot read store ${file}: SQLite must create ${file}-shm to read it, and this user may not write to ${dir} (${dirW}); ` +
        'run as the user that syncs, or give this user write access to that directory',
      { file },
    );
  }
  // a read-only file system: nobody can change the file while we read it
  const walBytes = sizeOf(`${file}-wal`);
  if (!walBytes) return { uri: `${pathToFileURL(file).href}?mode=ro&immutable=1`, immutable: true };
  throw new StoreError(
    'E_STORE_WAL_UNREADABLE',
    `store ${file} is on a read-only file system with ${walBytes} bytes of changes in its -wal file, readable only through a -shm file that cannot be created there; ` +
      'copy the store and its -wal file to a writable place, or open it once where it is writable',
    { file },
  );
}

function sizeOf(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch {
    return undefined;
  }
}

/** A writer: the file (created if missing) and its directory must be writable (WAL adds `-wal` and `-shm` beside it). */
function writerPath(file: string): OpenPath {
  const dir = path.dirname(file);
  const st = (() => {
    try {
      return statSync(file);
    } catch {
      return undefined;
    }
  })();
  if (st?.isDirectory()) throw isDirError(file);
  const mk = errnoOf(() => mkdirSync(dir, { recursive: true }));
  if (mk === 'ENOTDIR' || mk === 'EEXIST') throw new StoreError('E_STORE_CANTOPEN', `cannot create store ${file}: a part of ${dir} is a file, not a directory`, { file });
  const readOnly = (what: string, code: string) =>
    new StoreError('E_STORE_READONLY', `store ${file} cannot be written: ${what} is read-only (${code}); a sync needs write access to the store file and its directory`, { file });
  if (mk !== undefined) throw mk === 'EACCES' || mk === 'EPERM' || mk === 'EROFS' ? readOnly(`the directory ${dir}`, mk) : new StoreError('E_STORE_CANTOPEN', `cannot create the directory of store ${file} (${mk})`, { file });
  const dirW = errnoOf(() => accessSync(dir, constants.W_OK));
  if (dirW !== undefined) throw readOnly(`the directory ${dir}`, dirW);
  const fileW = st ? errnoOf(() => accessSync(file, constants.W_OK)) : undefined;
  if (fileW !== undefined) throw readOnly('the file', fileW);
  return { uri: file, immutable: false };
}

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The busy timeout in ms: a whole number from 0 to 2^31-1 (it is written into a PRAGMA). Throws UsageError. */
function busyTimeout(ms: unknown): number {
  if (ms === undefined) return 10_000;
  if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > 2 ** 31 - 1) {
    throw new UsageError(`busyTimeoutMs must be a whole number of milliseconds from 0 to 2147483647, got ${JSON.stringify(ms) ?? String(ms)}`);
  }
  return ms;
}


/** A database some other program wrote (tables, none of ours): never add our tables to it. Throws StoreError E_STORE_FOREIGN. */
function refuseForeign(db: Db, file: string): void {
  const tables = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get() as number;
  // a store of a newer hcsync may have other tables: migrate() says so
  if (tables === 0 || (db.pragma('user_version', { simple: true }) as number) > SCHEMA_VERSION) return;
  const ours = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'helpcenters'").pluck().get() as number;
  if (ours === 0) {
    throw new StoreError('E_STORE_FOREIGN', `${file} is an SQLite database but not an hcsync store; point --db at a store (or a new file)`);
  }
}

function migrate(db: Db, file: string, readonly: boolean): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new StoreError(
      'E_STORE_TOO_NEW',
      `store ${file} has schema version ${current}, newer than this hcsync understands (${SCHEMA_VERSION}); upgrade hcsync`,
    );
  }
  if (current === SCHEMA_VERSION) return;
  if (readonly) {
    throw new StoreError('E_STORE_OLD', `store ${file} has schema version ${current}; run a sync once to upgrade it to ${SCHEMA_VERSION}`);
  }
  // IMMEDIATE: two processes opening an old file at once migrate one after the other.
  const run = db.transaction(() => {
    const v = db.pragma('user_version', { simple: true }) as number;
    for (let i = v; i < SCHEMA_VERSION; i++) {
      const m = MIGRATIONS[i]!;
      if (typeof m === 'string') db.exec(m);
      else m(db);
      db.pragma(`user_version = ${i + 1}`);
    }
  });
  run.immediate();
}
