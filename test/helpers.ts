import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = path.join(ROOT, 'bin', 'hcsync.js');

/** A fresh temp dir for the callback, always removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), 'hcsync-test-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Poll until `check` is truthy; fail with `what` instead of hanging. */
export async function waitUntil<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the built CLI (dist/, built by `npm test`) as a subprocess. */
export function runCli(args: readonly string[], opts: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, HCSYNC_DB: undefined, HCSYNC_HELPCENTER: undefined, TELECOMX_TOKEN: undefined, TELECOMX_BASE_URL: undefined, ...opts.env };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn(process.execPath, [BIN, ...args], { env: env as NodeJS.ProcessEnv, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** util-linux `script`: gives a CLI subprocess a pseudo-terminal. */
export const SCRIPT = '/usr/bin/script';

/**
 * Run the built CLI on a pseudo-terminal (`script -qec`: no banner, the
 * command's exit code; the typescript file is thrown away). `env` is added
 * to this process's; NO_COLOR is dropped unless `env` sets it. Output is
 * stdout and stderr as the terminal showed them.
 */
export function runOnTty(args: readonly string[], opts: { env?: Record<string, string>; columns?: number } = {}): Promise<{ code: number | null; output: string }> {
  const env = opts.env ?? {};
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve, reject) => {
    const e: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm', COLUMNS: String(opts.columns ?? 120), ...env };
    if (!('NO_COLOR' in env)) delete e.NO_COLOR;
    const child = spawn(SCRIPT, ['-qec', command, '/dev/null'], { cwd: ROOT, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
