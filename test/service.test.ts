import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { Store } from '../store/index.js';
import { ROOT, waitUntil, withTempDir } from './helpers.js';
import { withTestQueue } from './worker.harness.js';

const redisUrl = inject('redisUrl');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The README's systemd units: `ExecStart=` command lines by unit file name (`hcsync-worker.service` …). */
function readmeUnits(): Map<string, string> {
  const units = new Map<string, string>();
  for (const block of README.matchAll(/```ini\n# (\S+\.service)\n([\s\S]*?)```/g)) {
    const exec = /^ExecStart=(.+)$/m.exec(block[2]!);
    if (exec) units.set(block[1]!, exec[1]!.trim());
  }
  return units;
}

/** Pids of processes whose command line or environment mentions `marker` (a temp dir only these tests use). */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    for (const f of ['cmdline', 'environ']) {
      try {
        if (readFileSync(`/proc/${d}/${f}`, 'utf8').includes(marker)) pids.push(Number(d));
      } catch {
        // gone meanwhile, or not ours to read
      }
    }
  }
  return [...new Set(pids)];
}

/**
 * Start a README unit's ExecStart the way systemd does (no shell, no npx),
 * with the install dir /opt/hcsync read as this checkout; wait for `ready`,
 * send SIGTERM (systemd's KillSignal), and return how it ended.
 */
async function runUnit(execStart: string, env: Record<string, string>, ready: (stdout: string) => boolean): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const argv = execStart.split(/\s+/).map((a) => a.replace('/opt/hcsync', ROOT).replace(/^\/usr\/bin\/node$/, process.execPath));
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  try {
    await waitUntil(() => {
      if (child.exitCode !== null) throw new Error(`${execStart} exited ${child.exitCode}: ${err}`);
      return ready(out);
    }, `${argv[2]} ready`, 30_000);
    expect(processesWith(String(env.HCSYNC_DB))).toEqual([child.pid]);
    child.kill('SIGTERM');
    return { ...(await exited), stderr: err };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

describe('running as a service', () => {
  it('the README starts the worker and serve from the installed bin, never through npx (which does not pass SIGTERM on)', () => {
    const units = readmeUnits();
    expect([...units.keys()].sort()).toEqual(['hcsync-serve.service', 'hcsync-worker.service']);
    expect(units.get('hcsync-worker.service')).toMatch(/^\/usr\/bin\/node \/opt\/hcsync\/bin\/hcsync\.js worker\b/);
    expect(units.get('hcsync-serve.service')).toMatch(/^\/usr\/bin\/node \/opt\/hcsync\/bin\/hcsync\.js serve\b/);
    // no long-running command is shown through npx anywhere in the README
    expect(README.match(/npx hcsync (worker|serve)\b.*/g) ?? []).toEqual([]);
  });

  it('SIGTERM ends the worker and serve cleanly, as started by the README units: exit 0, nothing on stderr, no process left', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 'service.db');
      new Store(db).close();
      const units = readmeUnits();
      // nothing of ours yet; while running, each is found by its environment (HCSYNC_DB)
      expect(processesWith(dir)).toEqual([]);
      await withTestQueue(redisUrl, async (_queue, name) => {
        const worker = await runUnit(units.get('hcsync-worker.service')!, { HCSYNC_DB: db, REDIS_URL: redisUrl, HCSYNC_QUEUE: name }, (out) => out.includes('"event":"worker.ready"'));
        expect(worker).toEqual({ code: 0, signal: null, stderr: '' });
      });
      const serve = await runUnit(units.get('hcsync-serve.service')!.replace('--port 8787', '--port 0'), { HCSYNC_DB: db }, (out) => out.includes('{"url":'));
      expect(serve).toEqual({ code: 0, signal: null, stderr: '' });
      expect(processesWith(dir)).toEqual([]);
    });
  });
});
