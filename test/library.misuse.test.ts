import { existsSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exportTable, listCases, openStore, searchCases } from '../index.js';
import { withHarness } from './sync.harness.js';
import { withTempDir } from './helpers.js';

/** The library given what a careless caller passes (break-it of issue 14): typed errors with a code, never a TypeError. */
describe('the library API, misused', () => {
  it('bad arguments are UsageError (E_USAGE); a bad busy timeout never reaches the PRAGMA nor creates the file', async () => {
    await withTempDir(async (dir) => {
      const f = path.join(dir, 'x.db');
      for (const bad of ['x; drop table cases', -1, 1.5, Number.NaN]) {
        expect(() => openStore(f, { busyTimeoutMs: bad as number })).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
      }
      expect(() => openStore(42 as unknown as string)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
      expect(() => openStore('')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
      expect(existsSync(f)).toBe(false);
    });
    await withHarness({ seed: 3, helpcenters: 1, cases: 50 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      const s = openStore(h.dbFile, { readonly: true });
      try {
        const sink = new Writable({ write: (_c, _e, cb) => cb() });
        await expect(exportTable(s, sink, { format: 'xml' as 'csv' })).rejects.toMatchObject({ code: 'E_USAGE' });
        await expect(exportTable(s, sink, { format: 'csv', table: 'sqlite_master' as 'cases' })).rejects.toMatchObject({ code: 'E_USAGE' });
        await expect(exportTable(s, sink, { format: 'csv', sinceMs: Number.NaN })).rejects.toMatchObject({ code: 'E_USAGE' });
        expect(() => listCases(s, null as never)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
        expect(() => searchCases(s, { query: 42 } as never)).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
      } finally {
        s.close();
      }
    });
  });

  it('while an export streams into a slow consumer, other calls on that handle are E_STORE_BUSY (a second handle works)', async () => {
    await withHarness({ seed: 4, helpcenters: 1, cases: 400 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      const s = openStore(h.dbFile, { readonly: true });
      const other = openStore(h.dbFile, { readonly: true });
      try {
        const slow = new Writable({ highWaterMark: 1024, write: (_c, _e, cb) => setTimeout(cb, 20) });
        const running = exportTable(s, slow, { format: 'ndjson', table: 'messages' });
        await new Promise((r) => setTimeout(r, 100));
        expect(() => listCases(s, { id: hc, limit: 1 })).toThrow(expect.objectContaining({ code: 'E_STORE_BUSY' }));
        expect(listCases(other, { id: hc, limit: 1 }).cases).toHaveLength(1);
        await running;
        expect(listCases(s, { id: hc, limit: 1 }).cases).toHaveLength(1);
      } finally {
        s.close();
        other.close();
      }
    });
  });
});
