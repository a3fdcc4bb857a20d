import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { StoreError, SyncBusyError } from '../contract/errors.js';
import { Simulator } from '../sim/index.js';
import { Store } from '../store/index.js';
import { RemoteClient } from '../worker/client.js';
import { runSync } from '../worker/sync.js';
import { BIN, ROOT, runCli, waitUntil, withTempDir } from './helpers.js';

/** Runs of the store, oldest first (empty while it does not exist yet). */
function runs(db: string): { run_id: number; status: string; owner: string; pages: number; started_ms: number; finished_ms: number | null }[] {
  try {
    const d = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return d.prepare('SELECT run_id, status, owner, pages, started_ms, finished_ms FROM sync_runs ORDER BY run_id').all() as ReturnType<typeof runs>;
    } finally {
      d.close();
    }
  } catch {
    return [];
  }
}

/** The state letter of /proc/PID/stat (R, S, Z …), or undefined when there is no such process. */
function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

const isRoot = process.getuid?.() === 0;
const unshareWorks = isRoot && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;
if (!unshareWorks) {
  console.warn(`NOTICE sync.lock.test.ts: skipping the PID-namespace test: ${isRoot ? '`unshare --pid --fork --mount-proc` does not work here' : 'it needs root'}`);
}

describe('one sync per helpcenter: a lock the kernel holds', () => {
  it('a holder killed with SIGKILL and left a zombie (its parent never reaps it) does not block the next sync', async () => {
    await withTempDir(async (dir) => {
      // latency keeps the first sync mid-sweep while it is killed
      const sim = await Simulator.start({ seed: 101, helpcenters: 1, cases: 6000, faults: { latencyMs: 200, latencyRate: 1 } });
      const db = path.join(dir, 'zombie.db');
      const [hc] = sim.world.helpcenterIds() as [string];
      // the parent: a shell that starts the sync, prints its pid, then becomes `sleep`, which never calls wait()
      const parent = spawn('sh', ['-c', '"$0" "$1" sync --full --db "$2" --base-url "$3" --helpcenter "$4" >/dev/null 2>&1 & echo $!; exec sleep 600', process.execPath, BIN, db, sim.url, hc], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let out = '';
      parent.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      try {
        const pid = Number(await waitUntil(() => /^(\d+)\n/.exec(out)?.[1], 'the sync pid'));
        await waitUntil(() => runs(db)[0]?.pages, 'the first committed page', 30_000);
        process.kill(pid, 'SIGKILL');
        await waitUntil(() => procState(pid) === 'Z', `sync ${pid} a zombie`);

        sim.faults.latencyRate = 0;
        const r = await runCli(['sync', '--full', '--json', '--db', db, '--base-url', sim.url, '--helpcenter', hc]);
        expect(procState(pid), 'the holder is still a zombie while the next sync runs').toBe('Z');
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        const all = runs(db);
        expect(all.map((x) => x.status)).toEqual(['interrupted', 'ok']);
        // what is shown for the holder: a random id, the host and the pid
        expect(all[0]!.owner).toMatch(new RegExp(`^sync-[0-9a-f]{8}@.+:${pid}$`));
        const st = JSON.parse((await runCli(['status', '--json', '--db', db])).stdout) as { helpcenters: { lastRuns: { status: string; owner: string }[] }[] };
        expect(st.helpcenters[0]!.lastRuns.map((x) => [x.status, x.owner])).toEqual([
          ['ok', all[1]!.owner],
          ['interrupted', all[0]!.owner],
        ]);
      } finally {
        parent.kill('SIGKILL');
        await sim.close();
      }
    });
  });

  it.skipIf(!unshareWorks)('two syncs of one helpcenter in separate PID namespaces (both pid 1): the second is refused at once, naming the first', async () => {
    await withTempDir(async (dir) => {
      const sim = await Simulator.start({ seed: 102, helpcenters: 1, cases: 4000, faults: { latencyMs: 150, latencyRate: 1 } });
      const db = path.join(dir, 'ns.db');
      const [hc] = sim.world.helpcenterIds() as [string];
      const inNamespace = (...args: string[]) => ['--pid', '--fork', '--mount-proc', process.execPath, BIN, 'sync', '--full', '--db', db, '--base-url', sim.url, '--helpcenter', hc, ...args];
      const first = spawn('unshare', inNamespace('--json'), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let firstOut = '';
      let firstErr = '';
      first.stdout!.on('data', (d: Buffer) => (firstOut += d.toString()));
      first.stderr!.on('data', (d: Buffer) => (firstErr += d.toString()));
      const firstExit = new Promise<number | null>((r) => first.on('exit', (code) => r(code)));
      try {
        await waitUntil(() => runs(db)[0]?.pages, 'the first sync committing a page', 30_000);
        const requestsBefore = sim.counters.requests;
        const second = spawnSync('unshare', inNamespace(), { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
        expect(second.status).toBe(1);
        expect(second.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^hcsync: helpcenter ${hc} is being synced by sync-[0-9a-f]{8}@.+:1$`))]);
        // refused before asking the remote anything: the first run's pages are not fetched twice
        expect(sim.counters.requests - requestsBefore).toBeLessThanOrEqual(2);

        sim.faults.latencyRate = 0;
        expect(await firstExit, firstErr).toBe(0);
        expect(JSON.parse(firstOut)).toMatchObject({ status: 'ok', mode: 'full' });
        const all = runs(db);
        expect(all).toHaveLength(1);
        expect(all[0]).toMatchObject({ status: 'ok', owner: expect.stringMatching(/^sync-[0-9a-f]{8}@.+:1$/) });
      } finally {
        first.kill('SIGKILL');
        await sim.close();
      }
    });
  });

  it('in one process: a second run of a busy helpcenter fails at once with SyncBusyError; an early throw releases the lock and leaves no timer', async () => {
    await withTempDir(async (dir) => {
      const sim = await Simulator.start({ seed: 103, helpcenters: 1, cases: 1500, faults: { latencyMs: 100, latencyRate: 1 } });
      const db = path.join(dir, 'one.db');
      const [hc] = sim.world.helpcenterIds() as [string];
      const store = new Store(db);
      const client = new RemoteClient({ baseUrl: sim.url });
      try {
        const running = runSync(store, client, { helpcenter: hc, mode: 'full' });
        const busy = await runSync(store, client, { helpcenter: hc, mode: 'full' }).catch((e: unknown) => e);
        expect(busy).toBeInstanceOf(SyncBusyError);
        expect((busy as SyncBusyError).message).toMatch(new RegExp(`^helpcenter ${hc} is being synced by sync-[0-9a-f]{8}@.+:${process.pid}$`));
        await running;
        sim.faults.latencyRate = 0;

        // an early throw: the lock is taken, then the read-only store refuses the run's first write
        const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
        const before = timers();
        const ro = new Store(db, { readonly: true });
        const err = await runSync(ro, client, { helpcenter: hc, mode: 'incremental' }).catch((e: unknown) => e);
        ro.close();
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).code).toBe('E_STORE_READONLY');
        expect(timers()).toBe(before);
        // released: the next run of the same helpcenter, in the same process, takes it
        const ok = await runSync(store, client, { helpcenter: hc, mode: 'incremental' });
        expect(ok.status).toBe('ok');
      } finally {
        await client.close();
        store.close();
        await sim.close();
      }
    });
  });
});
