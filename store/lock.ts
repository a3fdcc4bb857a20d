import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError, SyncBusyError } from '../contract/errors.js';
import { storeErrorFrom } from './errors.js';

/**
 * One sync per helpcenter, with a lock the kernel holds.
 *
 * Each helpcenter has a small lock database beside the store,
 * `<store>.locks/<helpcenter>.lock`, in SQLite's default rollback-journal
 * mode. A run holds `BEGIN EXCLUSIVE` on it from start to end. Another
 * connection's `BEGIN EXCLUSIVE` (with `busy_timeout = 0`) then fails at
 * once with SQLITE_BUSY, whether it is in this process (SQLite tracks locks
 * per file across its connections), in another process, or in another PID
 * namespace on the same host: the fcntl locks SQLite takes belong to the
 * open file, not to a pid. When the holder dies (kill -9, OOM, a zombie
 * its parent never reaps), its files are closed as it exits and the kernel
 * drops the lock, so the next run takes it at once. No pid is checked and
 * nothing expires or needs renewing.
 *
 * Who holds the lock is written to `<helpcenter>.owner` beside it, for
 * messages only ("being synced by sync-3f9a61c2@vm:4242"). It is a random id
 * plus host and pid, because pids repeat across PID namespaces. The lock
 * files are never deleted: a new file would be a new lock.
 *
 * Like SQLite's own locking, this holds between processes of one host, not
 * between hosts sharing a network file system.
 */

/** Who runs a sync, for display: `owner` is `<tag>-<8 hex>@<host>:<pid>`, e.g. `worker-3f9a61c2@vm:4242`. */
export interface LockOwner {
  owner: string;
  host: string;
  pid: number;
}

/** A fresh owner for one run of this process; `tag` says what runs it (`sync`, `worker`). */
export function lockOwner(tag = 'sync'): LockOwner {
  const host = hostname();
  return { owner: `${tag}-${randomBytes(4).toString('hex')}@${host}:${process.pid}`, host, pid: process.pid };
}

/** A held lock. `release()` is idempotent and never throws. */
export interface SyncLock {
  readonly helpcenter: string;
  readonly owner: LockOwner;
  release(): void;
}

/** `<store>.locks`; an in-memory store (one process only) locks under the temp dir. */
export function lockDir(storeFile: string): string {
  if (storeFile === ':memory:') return path.join(tmpdir(), `hcsync-memory-${process.pid}.locks`);
  // the store's real path: a symlink to it must find the same lock (a hard link in another name would not: don't)
  let real = path.resolve(storeFile);
  try {
    real = realpathSync(real);
  } catch {
    // not created yet: the path as given
  }
  return `${real}.locks`;
}

/**
 * Take the sync lock of `helpcenter` (24 hex characters, any case) for the
 * store at `storeFile`, without waiting.
 * Throws SyncBusyError (E_SYNC_BUSY, transient) naming the holder when
 * another run holds it, and StoreError when the lock file cannot be created
 * or opened (E_STORE_LOCK when its directory cannot be made, or a
 * translated SQLite error such as E_STORE_READONLY).
 */
export function acquireSyncLock(storeFile: string, helpcenter: string, owner: LockOwner): SyncLock {
  const hc = helpcenter.toLowerCase();
  const dir = lockDir(storeFile);
  const file = path.join(dir, `${hc}.lock`);
  const ownerFile = path.join(dir, `${hc}.owner`);
  let db: Database.Database | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    db = new Database(file);
    db.pragma('busy_timeout = 0');
    db.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    db?.close();
    if ((e as { code?: unknown }).code === 'SQLITE_BUSY') throw new SyncBusyError(hc, readOwner(ownerFile) ?? 'another process');
    const t = storeErrorFrom(e, file);
    if (t instanceof StoreError) throw t;
    // the directory could not be made (a file in the way, no permission)
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new StoreError('E_STORE_LOCK', `cannot create the sync lock ${file} (${code}); ${dir} must be a directory this user may write`, { file, cause: e });
  }
  const held = db;
  try {
    // via a temp file: a reader never sees half a name
    const tmp = `${ownerFile}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, `${owner.owner}\n`);
    renameSync(tmp, ownerFile);
  } catch {
    // the name is for messages only; the lock is what counts
  }
  let released = false;
  return {
    helpcenter: hc,
    owner,
    release() {
      if (released) return;
      released = true;
      // remove our name while still holding the lock: after it, the next holder writes its own
      try {
        if (readOwner(ownerFile) === owner.owner) unlinkSync(ownerFile);
      } catch {
        // gone already
      }
      try {
        held.close(); // ends the transaction; the kernel lock goes with the file
      } catch {
        // closing cannot fail in a way that keeps the lock
      }
    },
  };
}

/** The holder's name as it wrote it (undefined when absent or unreadable); one line, at most 200 characters. */
function readOwner(ownerFile: string): string | undefined {
  try {
    const s = readFileSync(ownerFile, 'utf8').split('\n', 1)[0]!.trim();
    return s === '' ? undefined : s.slice(0, 200);
  } catch {
    return undefined;
  }
}
