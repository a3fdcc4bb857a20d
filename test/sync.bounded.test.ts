import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli, withTempDir } from './helpers.js';
import { withHarness } from './sync.harness.js';

/** Prints the process's peak RSS on exit, so a CLI child can be measured from outside. */
const RSS_PROBE = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss_kb='+process.resourceUsage().maxRSS+'\\n'))`;
const GIB_KB = 1024 * 1024;

/** `hcsync sim` as a child process (its own memory, not ours); stopped afterwards. */
async function withSimProcess<T>(args: string[], fn: (sim: { url: string; helpcenter: string }) => Promise<T>): Promise<T> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'sim', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`hcsync sim exited with ${code}`)));
    });
    const ready = JSON.parse(line) as { url: string; helpcenters: string[] };
    return await fn({ url: ready.url, helpcenter: ready.helpcenters[0]! });
  } finally {
    child.kill('SIGTERM');
  }
}

function syncMeasured(args: string[]): Promise<{ code: number | null; stderr: string; maxRssKb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', RSS_PROBE, BIN, 'sync', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /maxrss_kb=(\d+)/.exec(stderr);
      resolve({ code, stderr: stderr.replace(/maxrss_kb=\d+\n/, ''), maxRssKb: m ? Number(m[1]) : Number.NaN });
    });
  });
}

describe('a run is bounded in memory and deletions (guarantee 5)', () => {
  it('7. a 300 MB page fails as transient at the 256 MiB cap; peak RSS of the sync stays under 1 GiB', async () => {
    await withTempDir(async (dir) => {
      await withSimProcess(['--cases', '50', '--quirks', 'hugeBody=300000000'], async (sim) => {
        const r = await syncMeasured(['--full', '--db', path.join(dir, 'a.db'), '--base-url', sim.url, '--helpcenter', sim.helpcenter, '--attempts', '2']);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^hcsync: upstream unavailable after 2 attempts .*exceeds the 268435456 byte cap/m);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.maxRssKb).toBeLessThan(GIB_KB);
      });
    });
  });

  it('7a. a 200 MB page under the cap is read (its padding skipped, never parsed); peak RSS of the sync stays under 1 GiB', async () => {
    await withTempDir(async (dir) => {
      await withSimProcess(['--cases', '50', '--quirks', 'hugeBody=200000000'], async (sim) => {
        const r = await syncMeasured(['--full', '--db', path.join(dir, 'a.db'), '--base-url', sim.url, '--helpcenter', sim.helpcenter, '--attempts', '2']);
        expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
        expect(r.stderr).toMatch(/full sync of \w+ ok: 2 pages, \d+ requests, 50 cases/);
        expect(r.maxRssKb).toBeLessThan(GIB_KB);
      });
    });
  });

  it('7c. a page of tiny values (80 MB of `{}`, gigabytes once parsed) is refused before parsing; peak RSS under 1 GiB', async () => {
    await withTempDir(async (dir) => {
      await withSimProcess(['--cases', '50', '--quirks', 'wideCase=27000000'], async (sim) => {
        const r = await syncMeasured(['--full', '--db', path.join(dir, 'a.db'), '--base-url', sim.url, '--helpcenter', sim.helpcenter, '--attempts', '2']);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^hcsync: upstream unavailable after 2 attempts .*\d+ JSON values in its cases, more than the 2000000/m);
        expect(r.maxRssKb).toBeLessThan(GIB_KB);
      });
    });
  });

  it('7b. an endless chunked body is cut at the cap; peak RSS of the sync stays under 1 GiB', async () => {
    await withTempDir(async (dir) => {
      await withSimProcess(['--cases', '50', '--quirks', 'endlessBody'], async (sim) => {
        const r = await syncMeasured(['--full', '--db', path.join(dir, 'a.db'), '--base-url', sim.url, '--helpcenter', sim.helpcenter, '--attempts', '2']);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^hcsync: upstream unavailable after 2 attempts .*268435456 byte cap/m);
        expect(r.maxRssKb).toBeLessThan(GIB_KB);
      });
    });
  });

  it('the mass-deletion guard holds a sweep that would tombstone over 10 %, shows it in status, and the next sweep applies it', async () => {
    await withHarness({ seed: 101, helpcenters: 1, cases: 1000 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      const gone = h.sim.world.cases(hc).slice(0, 150).map((c) => c._id);
      for (const id of gone) h.sim.world.deleteCase(hc, id);
      const held = await h.sync(hc, 'full');
      expect({ deleted: held.deleted, heldDeletions: held.heldDeletions }).toEqual({ deleted: 0, heldDeletions: 150 });
      expect(h.store.db.prepare('SELECT count(*) FROM cases WHERE deleted_ms IS NULL').pluck().get()).toBe(1000);
      const st = await runCli(['status', '--json', '--db', h.dbFile]);
      const hcs = (JSON.parse(st.stdout) as { helpcenters: { heldDeletions: number; warnings: { detail: string }[] }[] }).helpcenters;
      expect(hcs[0]!.heldDeletions).toBe(150);
      expect(hcs[0]!.warnings[0]!.detail).toMatch(/mass-deletion guard: 150 cases are gone/);
      const text = await runCli(['status', '--db', h.dbFile]);
      expect(text.stdout).toMatch(/150 deletions held by the mass-deletion guard/);
      // the same absences seen again: applied
      const applied = await h.sync(hc, 'full');
      expect({ deleted: applied.deleted, heldDeletions: applied.heldDeletions }).toEqual({ deleted: 150, heldDeletions: 0 });
    });
  });

  it('--max-delete raises the guard (a share or a count); a bad value is a usage error', async () => {
    await withHarness({ seed: 102, helpcenters: 1, cases: 600 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      for (const c of h.sim.world.cases(hc).slice(0, 100)) h.sim.world.deleteCase(hc, c._id);
      const args = ['sync', '--full', '--json', '--db', h.dbFile, '--base-url', h.sim.url, '--helpcenter', hc];
      const bad = await runCli([...args, '--max-delete', 'lots']);
      expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 2, stderr: 'hcsync: --max-delete must be a percentage like 10% or a number of cases like 50, got "lots"\n' });
      const r = await runCli([...args, '--max-delete', '100']);
      expect(r.code).toBe(0);
      expect((JSON.parse(r.stdout) as { deleted: number }).deleted).toBe(100);
    });
  });
});
