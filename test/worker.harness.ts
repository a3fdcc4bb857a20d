import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { expect } from 'vitest';
import type { RunRow } from '../store/index.js';
import { parseRedisUrl, type SyncJobData, type SyncJobResult, type SyncQueue } from '../worker/queue.js';
import { BIN, ROOT, waitUntil } from './helpers.js';

/** One line of the worker's JSON log. */
export interface LogLine {
  time: string;
  level: string;
  event: string;
  [k: string]: unknown;
}

export interface WorkerChild {
  child: ChildProcess;
  pid: number;
  /** parsed stdout lines so far */
  logs: LogLine[];
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** the first line from index `from` on that matches */
  waitForLog(match: (l: LogLine) => boolean, what: string, timeoutMs?: number, from?: number): Promise<LogLine>;
}

export type SpawnWorker = (args: readonly string[], env?: Record<string, string | undefined>) => WorkerChild;

/** Environment of a CLI child: the test runner's, minus hcsync settings that could leak in. */
function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = {
    ...process.env,
    HCSYNC_DB: undefined,
    HCSYNC_HELPCENTER: undefined,
    HCSYNC_QUEUE: undefined,
    REDIS_URL: undefined,
    TELECOMX_TOKEN: undefined,
    TELECOMX_BASE_URL: undefined,
    ...extra,
  };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env as NodeJS.ProcessEnv;
}

/**
 * Built-CLI worker processes for the callback; every one still alive
 * afterwards is killed (SIGKILL) and awaited, whatever happened.
 */
export async function withWorkers<T>(fn: (spawnWorker: SpawnWorker) => Promise<T>): Promise<T> {
  const children: WorkerChild[] = [];
  const spawnWorker: SpawnWorker = (args, env = {}) => {
    const child = spawn(process.execPath, [BIN, 'worker', ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let partial = '';
    const logs: LogLine[] = [];
    child.stdout!.on('data', (d: Buffer) => {
      const s = d.toString();
      out += s;
      const parts = (partial + s).split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts) {
        if (!p.trim()) continue;
        try {
          logs.push(JSON.parse(p) as LogLine);
        } catch {
          logs.push({ time: '', level: 'unparsed', event: 'unparsed', text: p });
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const w: WorkerChild = {
      child,
      pid: child.pid!,
      logs,
      stdout: () => out,
      stderr: () => err,
      exited,
      waitForLog: (match, what, timeoutMs = 20_000, from = 0) =>
        waitUntil(
          () => {
            if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker ${child.pid} exited while waiting for ${what}; stderr: ${err}`);
            return logs.slice(from).find(match);
          },
          `${what} (worker ${child.pid})`,
          timeoutMs,
        ),
    };
    children.push(w);
    return w;
  };
  try {
    return await fn(spawnWorker);
  } finally {
    await Promise.all(
      children.map(async (w) => {
        if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
        await w.exited;
      }),
    );
  }
}

/** A queue with a fresh name on the given Redis, obliterated afterwards. */
export async function withTestQueue<T>(redisUrl: string, fn: (q: SyncQueue, name: string) => Promise<T>): Promise<T> {
  const name = `hcsync-test-${randomBytes(6).toString('hex')}`;
  const q: SyncQueue = new Queue<SyncJobData, SyncJobResult, string>(name, { connection: parseRedisUrl(redisUrl) });
  q.on('error', () => {}); // a test may stop Redis under it
  try {
    return await fn(q, name);
  } finally {
    await q.obliterate({ force: true }).catch(() => {});
    await q.close().catch(() => {});
  }
}

/** Worker flags every test uses: its store, the simulator, the queue. */
export function workerArgs(o: { db: string; baseUrl: string; redisUrl: string; queue: string }, ...extra: string[]): string[] {
  return ['--db', o.db, '--base-url', o.baseUrl, '--redis-url', o.redisUrl, '--queue', o.queue, '--busy-delay', '300ms', ...extra];
}

/** The store's runs, oldest first (read-only; empty while the file does not exist yet). */
export function syncRuns(dbFile: string): (RunRow & { helpcenter: string })[] {
  let db: Database.Database;
  try {
    db = new Database(dbFile, { readonly: true, fileMustExist: true });
  } catch {
    return [];
  }
  try {
    return db.prepare('SELECT r.*, h.id AS helpcenter FROM sync_runs r JOIN helpcenters h USING (hc) ORDER BY r.run_id').all() as (RunRow & { helpcenter: string })[];
  } catch {
    return []; // schema not created yet
  } finally {
    db.close();
  }
}

/** No two runs of one helpcenter overlap in time: each starts after the previous one finished. */
export function expectNoOverlap(runs: readonly (RunRow & { helpcenter: string })[]): void {
  const byHc = new Map<string, (RunRow & { helpcenter: string })[]>();
  for (const r of runs) byHc.set(r.helpcenter, [...(byHc.get(r.helpcenter) ?? []), r]);
  for (const [hc, rs] of byHc) {
    const sorted = [...rs].sort((a, b) => a.started_ms - b.started_ms);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const cur = sorted[i]!;
      expect(prev.finished_ms, `run ${prev.run_id} of ${hc} finished`).not.toBeNull();
      expect(cur.started_ms, `run ${cur.run_id} of ${hc} starts after run ${prev.run_id} finished`).toBeGreaterThanOrEqual(prev.finished_ms!);
    }
  }
}

/** The raw ioredis client behind a queue (bullmq's adapter forwards `call`). */
interface RawRedis {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}

function flatten(v: unknown, out: string[]): void {
  if (Array.isArray(v)) for (const x of v) flatten(x, out);
  else if (v !== null && v !== undefined) out.push(String(v));
}

/**
 * Every key of the Redis behind `queue` — names and values of every type —
 * searched for the needles. Returns the keys that contain one, and how many
 * keys of each type were read.
 */
export async function scanRedisFor(queue: SyncQueue, needles: readonly string[]): Promise<{ hits: string[]; types: Record<string, number> }> {
  const redis = (await queue.client) as unknown as RawRedis;
  const hits: string[] = [];
  const types: Record<string, number> = {};
  let cursor = '0';
  do {
    const [next, keys] = (await redis.call('SCAN', cursor, 'COUNT', 500)) as [string, string[]];
    cursor = next;
    for (const key of keys) {
      const type = String(await redis.call('TYPE', key));
      const read: Record<string, () => Promise<unknown>> = {
        string: () => redis.call('GET', key),
        hash: () => redis.call('HGETALL', key),
        list: () => redis.call('LRANGE', key, 0, -1),
        set: () => redis.call('SMEMBERS', key),
        zset: () => redis.call('ZRANGE', key, 0, -1, 'WITHSCORES'),
        stream: () => redis.call('XRANGE', key, '-', '+'),
      };
      if (type === 'none') continue; // gone meanwhile
      if (!read[type]) throw new Error(`key ${key} has a type this scan does not read: ${type}`);
      types[type] = (types[type] ?? 0) + 1;
      const texts = [key];
      flatten(await read[type]!(), texts);
      if (texts.some((t) => needles.some((n) => t.includes(n)))) hits.push(key);
    }
  } while (cursor !== '0');
  return { hits, types };
}
