import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, ROOT, waitUntil } from './helpers.js';

/** A `hcsync serve` child process, ready: its URL printed. */
export interface ServeChild {
  child: ChildProcess;
  url: string;
  port: number;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then the exit */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Start the built `hcsync serve --port 0 …` and wait for its `{"url"}` line.
 * `prefix` runs it through another command first (e.g. `unshare -m sh -c '…; exec "$@"' sh`).
 * Throws with its stderr if it exits before.
 */
export async function startServe(args: readonly string[], prefix: readonly string[] = []): Promise<ServeChild> {
  const argv = [...prefix, process.execPath, BIN, 'serve', '--port', '0', ...args];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  try {
    const line = await waitUntil(() => {
      if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${err}`);
      return out.includes('\n') ? out.split('\n')[0] : undefined;
    }, 'serve ready');
    const url = (JSON.parse(line) as { url: string }).url;
    return {
      child,
      url,
      port: Number(new URL(url).port),
      stderr: () => err,
      exited,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        return exited;
      },
    };
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
}
