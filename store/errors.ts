import { HcsyncError, StoreError, type StoreErrorCode } from '../contract/errors.js';

/**
 * The one translation of driver errors: every better-sqlite3 `SqliteError`
 * leaves `store/` as a StoreError with a stable code, `permanent` set, and a
 * one-line message naming the file and what to do. The CLI prints it (exit
 * 1), the worker fails the job as unrecoverable when it is permanent, and
 * `serve` answers 503.
 *
 * | SQLite (primary code)        | StoreError code  | permanent |
 * |------------------------------|------------------|-----------|
 * | SQLITE_BUSY, SQLITE_LOCKED   | E_STORE_BUSY     | no        |
 * | SQLITE_FULL                  | E_STORE_FULL     | yes       |
 * | SQLITE_READONLY              | E_STORE_READONLY | yes       |
 * | SQLITE_CORRUPT               | E_STORE_CORRUPT  | yes       |
 * | SQLITE_NOTADB                | E_STORE_NOT_A_DB | yes       |
 * | SQLITE_CANTOPEN              | E_STORE_CANTOPEN | yes       |
 * | SQLITE_IOERR                 | E_STORE_IO       | yes       |
 * | anything else                | E_STORE_SQLITE   | yes       |
 */

interface Kind {
  code: StoreErrorCode;
  permanent: boolean;
  /** `f` the file, `c` SQLite's extended code */
  say: (f: string, c: string) => string;
}

const KINDS: Record<string, Kind> = {
  SQLITE_BUSY: { code: 'E_STORE_BUSY', permanent: false, say: (f, c) => `store ${f} is locked by another process (${c}); try again when it is done` },
  SQLITE_LOCKED: { code: 'E_STORE_BUSY', permanent: false, say: (f, c) => `store ${f} is locked by another connection (${c}); try again when it is done` },
  SQLITE_FULL: {
    code: 'E_STORE_FULL',
    permanent: true,
    say: (f, c) => `the disk holding store ${f} is full (${c}); free space there and run again (what was committed is kept)`,
  },
  SQLITE_READONLY: {
    code: 'E_STORE_READONLY',
    permanent: true,
    say: (f, c) => `store ${f} is read-only (${c}); a sync needs write access to the file and its directory`,
  },
  SQLITE_CORRUPT: {
    code: 'E_STORE_CORRUPT',
    permanent: true,
    say: (f, c) => `store ${f} is corrupt (${c}); restore it from a backup, or move it away and run \`hcsync sync --full\` to rebuild it`,
  },
  SQLITE_NOTADB: {
    code: 'E_STORE_NOT_A_DB',
    permanent: true,
    say: (f, c) => `${f} is not an hcsync store: not an SQLite database (${c}); point --db at a store, or at a new path to create one`,
  },
  SQLITE_CANTOPEN: {
    code: 'E_STORE_CANTOPEN',
    permanent: true,
    say: (f, c) => `cannot open store ${f} (${c}); check that it and its directory exist and that this user may read and write them`,
  },
  SQLITE_IOERR: {
    code: 'E_STORE_IO',
    permanent: true,
    say: (f, c) => `disk I/O error on store ${f} (${c}); check the disk and the file system holding it`,
  },
};

/** better-sqlite3's SqliteError, recognised by shape: `code` is SQLite's extended result code. */
function sqliteCode(e: unknown): string | undefined {
  if (!(e instanceof Error) || e.name !== 'SqliteError') return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * `e` as a StoreError when it is an SQLite error about `file` (a store or
 * lock file); any other value is returned unchanged (our own errors
 * included). Never throws.
 */
export function storeErrorFrom(e: unknown, file: string): unknown {
  if (e instanceof HcsyncError) return e;
  // better-sqlite3's own refusal while a statement iterates (a library caller's exportTable still streaming)
  if (e instanceof TypeError && /connection is busy/.test(e.message)) {
    return new StoreError('E_STORE_BUSY', `store ${file} is busy on this handle (an export is still streaming); open a second handle for other calls meanwhile`, { file, permanent: false, cause: e });
  }
  const code = sqliteCode(e);
  if (code === undefined) return e;
  const primary = /^SQLITE_[A-Z]+/.exec(code)![0];
  const kind = KINDS[primary];
  if (kind) return new StoreError(kind.code, kind.say(file, code), { permanent: kind.permanent, file, sqliteCode: code });
  const detail = (e as Error).message.replace(/\s+/g, ' ').trim();
  return new StoreError('E_STORE_SQLITE', `store ${file}: SQLite error ${code}: ${detail}`, { file, sqliteCode: code });
}

/** Run `fn`, translating what SQLite throws (storeErrorFrom). */
export function translated<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw storeErrorFrom(e, file);
  }
}

/**
 * `target` with every method translating what SQLite throws, including
 * errors raised while an iterator it returned is read. For the statement
 * holders of `store/` (RunLog, CaseReader, CaseSearch, ReportQueries): one
 * wrapper instead of a try in each of their methods.
 */
export function guarded<T extends object>(target: T, file: string): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(t, prop) {
      const v: unknown = Reflect.get(t, prop, t);
      if (typeof v !== 'function') return v;
      let w = wrapped.get(prop);
      if (w === undefined) {
        const fn = v as (...args: unknown[]) => unknown;
        w = (...args: unknown[]) => {
          const out = translated(file, () => fn.apply(t, args));
          return isIterator(out) ? guardedIterator(out, file) : out;
        };
        wrapped.set(prop, w);
      }
      return w;
    },
  });
}

function isIterator(v: unknown): v is IterableIterator<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { next?: unknown }).next === 'function' && Symbol.iterator in v;
}

function guardedIterator<T>(it: IterableIterator<T>, file: string): IterableIterator<T> {
  return {
    next: () => translated(file, () => it.next()),
    return: (value?: unknown) => translated(file, () => (it.return ? it.return(value) : { done: true as const, value: value as T })),
    [Symbol.iterator]() {
      return this;
    },
  };
}
