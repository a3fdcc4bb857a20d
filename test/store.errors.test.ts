import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StoreError } from '../contract/errors.js';
import { Store } from '../store/index.js';
import { BIN, ROOT, runCli, withTempDir, type CliResult } from './helpers.js';
import { startServe } from './serve.harness.js';
import { corruptTable } from './store.harness.js';
import { withHarness } from './sync.harness.js';

const isRoot = process.getuid?.() === 0;
/** root with a working `unshare -m` and `mount`: read-only media and a full disk are real mounts in a private mount namespace */
const canMount = isRoot && spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs "$(mktemp -d)"']).status === 0;
if (!canMount) console.warn('NOTICE store.errors.test.ts: skipping the read-only-media and tmpfs-full tests: they need root and a working `unshare -m` + `mount`');
/** who runs the CLI in the permission tests: nobody when we are root (root ignores file modes), else ourselves */
const unprivileged = isRoot ? { uid: 65534, gid: 65534 } : undefined;

/** Run the built CLI with `prefix` before it (a namespace) and as `user`; like runCli. */
function run(args: readonly string[], o: { prefix?: readonly string[]; user?: { uid: number; gid: number } } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const argv = [...(o.prefix ?? []), process.execPath, BIN, ...args];
    const env: Record<string, string | undefined> = { ...process.env, HCSYNC_DB: undefined, HCSYNC_HELPCENTER: undefined };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], ...(o.user ?? {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** `unshare -m sh -c '<setup> && exec "$@"'`: the mounts of `setup` exist for that one command only. */
const inMountNamespace = (setup: string): string[] => ['unshare', '-m', 'sh', '-c', `${setup} && exec "$@"`, 'sh'];

function expectOneLine(r: CliResult, re: RegExp, what: string): void {
  expect({ what, code: r.code, stderr: r.stderr.trim().split('\n') }).toEqual({ what, code: 1, stderr: [expect.stringMatching(re)] });
}

/** A synced store (closed, no -wal) copied to `files`, and the helpcenter and simulator URL it came from. */
async function withSyncedStore<T>(cases: number, fn: (o: { template: string; hc: string; url: string; dir: string }) => Promise<T>): Promise<T> {
  return withHarness({ seed: 111, helpcenters: 1, cases }, async (h) => {
    const [hc] = h.sim.world.helpcenterIds() as [string];
    await h.sync(hc, 'full');
    h.store.db.pragma('wal_checkpoint(TRUNCATE)');
    const template = path.join(h.dir, 'template.db');
    copyFileSync(h.dbFile, template);
    return fn({ template, hc, url: h.sim.url, dir: h.dir });
  });
}

const readers = (hc: string): string[][] => [['cases', '--helpcenter', hc, '--limit', '2'], ['search', 'faktura'], ['status'], ['report']];

describe('store errors: one line naming the file and what to do, exit 1, never a stack', () => {
  it('a store that does not exist yet: every reader says to sync first, and creates nothing', async () => {
    await withTempDir(async (dir) => {
      const missing = path.join(dir, 'sub', 'none.db');
      for (const args of [...readers('a'.repeat(24)), ['serve', '--port', '0']]) {
        const r = await runCli([...args, '--db', missing]);
        expectOneLine(r, /^hcsync: no store at \/.*\/sub\/none\.db — run `hcsync sync` first/, args[0]!);
      }
      expect(existsSync(path.join(dir, 'sub'))).toBe(false);
    });
  });

  it('a directory as --db: readers, serve and sync say so', async () => {
    await withTempDir(async (dir) => {
      for (const args of [...readers('a'.repeat(24)), ['serve', '--port', '0'], ['sync', '--helpcenter', 'a'.repeat(24), '--base-url', 'http://127.0.0.1:9']]) {
        const r = await runCli([...args, '--db', dir]);
        expectOneLine(r, /^hcsync: \/.* is a directory, not a store file; point --db at the store file, e\.g\. .*hcsync\.db$/, args[0]!);
      }
    });
  });

  it('a file that is not SQLite, and a store with corrupt pages: one line each; serve answers 503 JSON and stays up', async () => {
    await withSyncedStore(300, async ({ template, hc, url, dir }) => {
      const junk = path.join(dir, 'junk.db');
      writeFileSync(junk, Buffer.alloc(64 * 1024, 'not a database '));
      for (const args of [...readers(hc), ['sync', '--helpcenter', hc, '--base-url', url]]) {
        expectOneLine(await runCli([...args, '--db', junk]), /^hcsync: \/.*junk\.db is not an hcsync store: not an SQLite database \(SQLITE_NOTADB\); point --db at a store/, args[0]!);
      }

      const corrupt = path.join(dir, 'corrupt.db');
      copyFileSync(template, corrupt);
      corruptTable(corrupt, 'cases');
      for (const args of [...readers(hc), ['sync', '--full', '--helpcenter', hc, '--base-url', url]]) {
        expectOneLine(await runCli([...args, '--db', corrupt]), /^hcsync: store \/.*corrupt\.db is corrupt \(SQLITE_CORRUPT\w*\); restore it from a backup, or move it away and run `hcsync sync --full`/, args[0]!);
      }
      const srv = await startServe(['--db', corrupt]);
      try {
        const res = await fetch(`${srv.url}/helpcenter/case?id=${hc}`);
        expect(res.status).toBe(503);
        expect(await res.json()).toEqual({ error: 'store_unavailable', description: 'The local store cannot be read; the server log says why' });
        expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
        expect(srv.stderr()).toMatch(/^hcsync serve: GET "\/helpcenter\/case\?id=\w+": store \/.*corrupt\.db is corrupt \(SQLITE_CORRUPT\w*\)/);
      } finally {
        expect((await srv.stop()).code).toBe(0);
      }
    });
  });

  it('disk full, simulated with max_page_count: the run fails with E_STORE_FULL, recorded on the run', async () => {
    await withHarness({ seed: 112, helpcenters: 1, cases: 2000 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      // the connection may grow the file by 40 pages (320 KiB): room for the run's bookkeeping, not for a page of cases
      const pages = h.store.db.pragma('page_count', { simple: true }) as number;
      h.store.db.pragma(`max_page_count = ${pages + 40}`);
      const err = await h.sync(hc, 'full').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect(err).toMatchObject({ code: 'E_STORE_FULL', permanent: true, sqliteCode: 'SQLITE_FULL' });
      expect((err as StoreError).message).toBe(`the disk holding store ${h.dbFile} is full (SQLITE_FULL); free space there and run again (what was committed is kept)`);
      const [run] = h.store.runs.recentRuns(h.store.runs.helpcenter(hc)!.hc, 1);
      expect(run).toMatchObject({ status: 'failed', error_code: 'E_STORE_FULL' });
    });
  });

  it.runIf(canMount)('disk full on a 20 MB tmpfs: `hcsync sync` prints one line and exits 1', async () => {
    await withHarness({ seed: 113, helpcenters: 1, cases: 5000 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      const mnt = path.join(h.dir, 'small');
      mkdirSync(mnt);
      const db = path.join(mnt, 'full.db');
      // 5000 cases take ~45 MB
      const r = await run(['sync', '--db', db, '--helpcenter', hc, '--base-url', h.sim.url], { prefix: inMountNamespace(`mount -t tmpfs -o size=20m tmpfs '${mnt}'`) });
      expectOneLine(r, new RegExp(`^hcsync: the disk holding store ${db} is full \\(SQLITE_FULL\\); free space there and run again \\(what was committed is kept\\)$`), 'sync');
    });
  });

  it.runIf(canMount)('read-only media: a store file mounted read-only is read by every reader; sync says why it cannot write', async () => {
    await withSyncedStore(300, async ({ template, hc, url, dir }) => {
      const db = path.join(dir, 'rofile.db');
      copyFileSync(template, db);
      const prefix = inMountNamespace(`mount --bind -o ro '${db}' '${db}'`);
      for (const args of readers(hc)) {
        const r = await run([...args, '--db', db], { prefix });
        expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
      }
      expectOneLine(
        await run(['sync', '--db', db, '--helpcenter', hc, '--base-url', url], { prefix }),
        new RegExp(`^hcsync: store ${db} cannot be written: the file is read-only \\(EROFS\\); a sync needs write access to the store file and its directory$`),
        'sync',
      );
    });
  });

  it.runIf(canMount)('read-only media: a store directory mounted read-only is read (immutable) by cases, search, status, report and serve; a -wal it cannot read is explained', async () => {
    await withSyncedStore(300, async ({ template, hc, url, dir }) => {
      const ro = path.join(dir, 'ro');
      mkdirSync(ro);
      const db = path.join(ro, 'store.db');
      copyFileSync(template, db);
      const mount = `mount --bind -o ro '${ro}' '${ro}'`;
      const prefix = inMountNamespace(mount);
      for (const args of readers(hc)) {
        const r = await run([...args, '--db', db], { prefix });
        expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
      }
      const cases = await run(['cases', '--json', '--db', db, '--helpcenter', hc, '--limit', '500'], { prefix });
      expect((JSON.parse(cases.stdout) as { total: number }).total).toBe(300);
      const srv = await startServe(['--db', db], prefix);
      try {
        const res = await fetch(`${srv.url}/helpcenter/case?id=${hc}&limit=3`);
        expect(res.status).toBe(200);
        expect(((await res.json()) as { total: number }).total).toBe(300);
      } finally {
        expect((await srv.stop()).code).toBe(0);
      }
      expectOneLine(
        await run(['sync', '--db', db, '--helpcenter', hc, '--base-url', url], { prefix }),
        new RegExp(`^hcsync: store ${db} cannot be written: the directory ${ro} is read-only \\(EROFS\\)`),
        'sync',
      );

      // changes still in a -wal (a copy taken while a writer had it open) and no -shm: cannot be read there; say why
      const base = path.join(dir, 'live.db');
      copyFileSync(template, base);
      const writer = new Database(base);
      writer.pragma('wal_autocheckpoint = 0');
      writer.exec('UPDATE helpcenters SET last_full_ms = last_full_ms + 1');
      copyFileSync(`${base}-wal`, `${db}-wal`);
      writer.close();
      expectOneLine(
        await run(['cases', '--db', db, '--helpcenter', hc], { prefix }),
        new RegExp(`^hcsync: store ${db} is on a read-only file system with \\d+ bytes of changes in its -wal file, readable only through a -shm file that cannot be created there; copy the store`),
        'cases with a -wal',
      );
    });
  });

  it('no write permission (an unprivileged user): a read-only store file is read, not synced; a directory it may not write is explained to both', async () => {
    await withSyncedStore(300, async ({ template, hc, url, dir }) => {
      const user = unprivileged;
      const give = (p: string) => {
        if (user) chownSync(p, user.uid, user.gid);
      };
      chmodSync(dir, 0o755); // mkdtemp's 0700 would keep the unprivileged user out
      const fileCase = path.join(dir, 'file');
      mkdirSync(fileCase);
      give(fileCase);
      const roFile = path.join(fileCase, 'store.db');
      copyFileSync(template, roFile);
      give(roFile);
      chmodSync(roFile, 0o444);
      const dirCase = path.join(dir, 'dir');
      mkdirSync(dirCase);
      const inRoDir = path.join(dirCase, 'store.db');
      copyFileSync(template, inRoDir);
      give(dirCase);
      give(inRoDir);
      chmodSync(dirCase, 0o555);
      try {
        const ok = await run(['cases', '--db', roFile, '--helpcenter', hc, '--limit', '1'], { user });
        expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: '' });
        expectOneLine(
          await run(['sync', '--db', roFile, '--helpcenter', hc, '--base-url', url], { user }),
          new RegExp(`^hcsync: store ${roFile} cannot be written: the file is read-only \\(EACCES\\)`),
          'sync of a read-only file',
        );
        expectOneLine(
          await run(['cases', '--db', inRoDir, '--helpcenter', hc], { user }),
          new RegExp(`^hcsync: cannot read store ${inRoDir}: SQLite must create ${inRoDir}-shm to read it, and this user may not write to ${dirCase} \\(EACCES\\); run as the user that syncs`),
          'cases in a read-only directory',
        );
        expectOneLine(
          await run(['sync', '--db', inRoDir, '--helpcenter', hc, '--base-url', url], { user }),
          new RegExp(`^hcsync: store ${inRoDir} cannot be written: the directory ${dirCase} is read-only \\(EACCES\\)`),
          'sync in a read-only directory',
        );
      } finally {
        chmodSync(dirCase, 0o755); // so that the temp dir can be removed
      }
    });
  });

  it('the library: a read-only Store refuses writes with E_STORE_READONLY, not an SqliteError', async () => {
    await withSyncedStore(50, async ({ template }) => {
      const s = new Store(template, { readonly: true });
      try {
        expect(() => s.runs.ensureHelpcenter('b'.repeat(24))).toThrow(StoreError);
        expect(() => s.runs.ensureHelpcenter('b'.repeat(24))).toThrow(/^store \/.*template\.db is read-only \(SQLITE_READONLY\); a sync needs write access/);
      } finally {
        s.close();
      }
    });
  });
});

describe('a store file deleted or replaced under a long-running process (break-it of issue 13)', () => {
  it('the next sync fails with E_STORE_MISSING instead of writing into a deleted file and saying ok', async () => {
    await withHarness({ seed: 5, helpcenters: 1, cases: 300 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      copyFileSync(h.dbFile, `${h.dbFile}.copy`);
      for (const suffix of ['', '-wal', '-shm']) rmSync(h.dbFile + suffix, { force: true });
      await expect(h.sync(hc, 'incremental')).rejects.toMatchObject({ code: 'E_STORE_MISSING', message: expect.stringContaining('was deleted after this process opened it') });
      copyFileSync(`${h.dbFile}.copy`, h.dbFile); // another file at the path now
      await expect(h.sync(hc, 'incremental')).rejects.toMatchObject({ code: 'E_STORE_MISSING', message: expect.stringContaining('was replaced') });
    });
  });
});
