import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { StoreError } from '../contract/errors.js';
import { MIGRATIONS } from './schema.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** open read-only (list/search/report commands); no migrations run */
  readonly?: boolean;
  /** ms to wait for another connection's write lock */
  busyTimeoutMs?: number;
  /**
   * read through a memory map of up to 1 GiB (default: for read-only stores).
   * Faster search (~10 %), but every page read stays in the process's RSS:
   * long-running processes (`serve`, the sync) keep to the 64 MiB page cache.
   */
  mmap?: boolean;
  /** list-query internals; tests shrink them to exercise deep-page paths on small data */
  listTuning?: import('./read.js').ListTuning;
}

/**
 * Open (creating if needed) a store file, set the pragmas every connection
 * needs and bring the schema up to date. A database written by a newer
 * hcsync is refused rather than guessed at.
 */
export function openDb(file: string, opts: OpenOptions = {}): Db {
  if (file !== ':memory:' && !opts.readonly) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  let db: Db;
  try {
    db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new StoreError('E_STORE_OPEN', `cannot open store ${file}: ${msg}`);
  }
  try {
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 10_000}`);
    if (!opts.readonly && (db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get() as number) === 0) {
      // a new file: 8 KiB pages hold a typical case (3–4 KB of JSON) without an overflow chain
      db.pragma('page_size = 8192');
    }
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a commit survives a process crash; only an OS crash can lose the last commits.
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('cache_size = -65536'); // 64 MiB page cache
    if (opts.mmap ?? opts.readonly) db.pragma('mmap_size = 1073741824');
    migrate(db, file, opts.readonly ?? false);
  } catch (e) {
    db.close();
    if (e instanceof StoreError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new StoreError('E_STORE_OPEN', `cannot use store ${file}: ${msg}`);
  }
  return db;
}

export const SCHEMA_VERSION = MIGRATIONS.length;

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
