import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../store/index.js';
import { lockDir } from '../store/lock.js';
import { runCli, withTempDir } from './helpers.js';
import { withHarness } from './sync.harness.js';

/** Paths that are not what they seem: found by a break-it run of issue 10. */
describe('store and output paths', () => {
  it('a symlink to the store finds the same sync lock as the store itself', async () => {
    await withTempDir((dir) => {
      const real = path.join(dir, 'real.db');
      new Store(real).close();
      const link = path.join(dir, 'link.db');
      symlinkSync(real, link);
      expect(lockDir(link)).toBe(lockDir(real));
    });
  });

  it("another program's SQLite database is refused with one line and left as it was", async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'foreign.db');
      const db = new Database(file);
      db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)');
      db.close();
      const before = readFileSync(file);
      for (const args of [['cases', '--helpcenter', 'aaaaaaaaaaaaaaaaaaaaaaaa'], ['status'], ['sync', '--helpcenter', 'aaaaaaaaaaaaaaaaaaaaaaaa', '--base-url', 'http://127.0.0.1:9']]) {
        const r = await runCli([...args, '--db', file]);
        expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 1, stderr: `hcsync: ${file} is an SQLite database but not an hcsync store; point --db at a store (or a new file)\n` });
      }
      expect(readFileSync(file).equals(before)).toBe(true);
    });
  });

  it('report --out writes through a symlink (the link stays) and into a device node (never replaced by a file)', async () => {
    await withHarness({ seed: 121, helpcenters: 1, cases: 50 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      const out = path.join(h.dir, 'out');
      mkdirSync(out);
      writeFileSync(path.join(out, 'real.csv'), 'keep');
      symlinkSync('real.csv', path.join(out, 'link.csv'));
      const r = await runCli(['report', '--db', h.dbFile, '--format', 'csv', '--out', path.join(out, 'link.csv')]);
      expect(r.code).toBe(0);
      expect(lstatSync(path.join(out, 'link.csv')).isSymbolicLink()).toBe(true);
      expect(readFileSync(path.join(out, 'real.csv'), 'utf8')).not.toBe('keep');
      const isRoot = process.getuid?.() === 0;
      if (!isRoot) {
        console.warn('SKIPPED part: a device node needs root (mknod)');
        return;
      }
      const dev = path.join(out, 'mynull');
      expect(spawnSync('mknod', [dev, 'c', '1', '3']).status).toBe(0);
      const d = await runCli(['report', '--db', h.dbFile, '--format', 'csv', '--out', dev]);
      expect(d.code).toBe(0);
      expect(statSync(dev).isCharacterDevice()).toBe(true);
    });
  });
});
