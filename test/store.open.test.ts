import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../contract/errors.js';
import { SCHEMA_VERSION } from '../store/open.js';
import { Store } from '../store/index.js';
import { withTempDir } from './helpers.js';

describe('store open', () => {
  it('creates the schema, records its version, and reopens without migrating again', async () => {
    await withTempDir((dir) => {
      const file = path.join(dir, 'sub', 'h.db');
      const s = new Store(file);
      expect(s.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(s.db.pragma('foreign_keys', { simple: true })).toBe(1);
      s.runs.ensureHelpcenter('AAAAAAAAAAAAAAAAAAAAAAAA');
      s.close();
      const again = new Store(file);
      expect(again.runs.helpcenters().map((h) => h.id)).toEqual(['aaaaaaaaaaaaaaaaaaaaaaaa']);
      again.close();
    });
  });

  it('gives the writer a 64 MiB page cache and a reader 16 MiB (a reader cache that never fills keeps taking fresh memory)', async () => {
    await withTempDir((dir) => {
      const file = path.join(dir, 'c.db');
      const w = new Store(file);
      expect(w.db.pragma('cache_size', { simple: true })).toBe(-65536);
      const r = new Store(file, { readonly: true, mmap: false });
      expect(r.db.pragma('cache_size', { simple: true })).toBe(-16384);
      r.close();
      w.close();
    });
  });

  it('refuses a store written by a newer hcsync, leaving it untouched', async () => {
    await withTempDir((dir) => {
      const file = path.join(dir, 'new.db');
      const raw = new Database(file);
      raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      raw.exec('CREATE TABLE future (x)');
      raw.close();
      let err: unknown;
      try {
        new Store(file);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('E_STORE_TOO_NEW');
      expect((err as StoreError).message).toMatch(/newer than this hcsync/);
      const check = new Database(file);
      expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
      check.close();
    });
  });

  it('a read-only open of a missing file fails with a typed error', async () => {
    await withTempDir((dir) => {
      expect(() => new Store(path.join(dir, 'none.db'), { readonly: true })).toThrow(StoreError);
    });
  });
});
