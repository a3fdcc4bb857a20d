import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { LeanClient } from './http-client.js';
import { quantile } from './list.js';
import { Rng } from '../sim/index.js';

/** Memory of a process, MiB: peak RSS, and the RSS now split into anonymous (heap) and file-mapped pages. */
export interface Memory {
  peak: number;
  anon: number;
  file: number;
}

export interface ServeFigure {
  /** after the warm-up, then after each batch: shallow, deep, shallow again, deep again */
  memory: { after: string; memory: Memory }[];
  /** HTTP latency of a limit-500 page, ms */
  shallow: { p50: number; p95: number };
  deep: { p50: number; p95: number };
  requests: number;
}

function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { peak: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile') };
}

/**
 * `hcsync serve` in its own process over a store: limit-500 pages near the
 * front of every order, then as many deep in it (middle to end), twice over.
 * Its memory after each batch shows whether it follows page depth (serve
 * reads without a memory map, so its RSS is its heap plus SQLite's 16 MiB
 * page cache, whatever it has read).
 */
export async function benchServe(bin: string, db: string, helpcenter: string, total: number): Promise<ServeFigure> {
  const { child, url } = await startListening([bin, 'serve', '--db', db, '--port', '0'], 'serve');
  const client = new LeanClient(url);
  try {
    const get = async (offset: number, sortBy: string, sortOrder: string): Promise<number> => {
      const t0 = performance.now();
      const r = await client.get(`/helpcenter/case?id=${helpcenter}&sortBy=${sortBy}&sortOrder=${sortOrder}&offset=${offset}&limit=500`);
      if (r.status !== 200) throw new Error(`serve answered ${r.status}`);
      return performance.now() - t0;
    };
    const batch = async (offsets: readonly number[]): Promise<number[]> => {
      const times: number[] = [];
      for (let round = 0; round < 5; round++) {
        for (const sortBy of ['SENT', 'CREATED', 'STATE']) {
          for (const sortOrder of ['asc', 'desc']) for (const o of offsets) times.push(await get(o, sortBy, sortOrder));
        }
      }
      return times;
    };
    await batch([0]); // warm-up: statements prepared
    const memory = [{ after: 'warm-up', memory: memoryOf(child.pid!) }];
    const shallowOffsets = [[0, 500, 1000, 2000], [100, 700, 1500, 3000]];
    const deepOffsets = [[Math.floor(total / 2), Math.floor(total * 0.75), total - 1000, total - 500], [Math.floor(total * 0.3), Math.floor(total * 0.6), Math.floor(total * 0.9), total - 2000]];
    const shallow: number[] = [];
    const deep: number[] = [];
    for (let i = 0; i < 2; i++) {
      shallow.push(...(await batch(shallowOffsets[i]!)));
      memory.push({ after: `shallow ${i + 1}`, memory: memoryOf(child.pid!) });
      deep.push(...(await batch(deepOffsets[i]!)));
      memory.push({ after: `deep ${i + 1}`, memory: memoryOf(child.pid!) });
    }
    shallow.sort((a, b) => a - b);
    deep.sort((a, b) => a - b);
    return {
      memory,
      shallow: { p50: quantile(shallow, 0.5), p95: quantile(shallow, 0.95) },
      deep: { p50: quantile(deep, 0.5), p95: quantile(deep, 0.95) },
      requests: shallow.length + deep.length,
    };
  } finally {
    client.close();
    child.kill('SIGTERM');
  }
}

/**
 * Read a response body to its last byte, keeping only its length: the time
 * a client needs to receive it. (Collecting it with `arrayBuffer()` adds the
 * client's own copy into fresh memory after the last byte: on this machine
 * +7 ms at p95 for a 1.7 MB body, see transportFloor.)
 */
export async function toLastByte(body: AsyncIterable<Buffer>): Promise<number> {
  let n = 0;
  for await (const chunk of body) n += chunk.length;
  return n;
}

/** p50/p95 (ms) of fetching a fixed body from a minimal Node HTTP server, timed to the last byte, by each client. */
export interface TransportFloor {
  bytes: number;
  /** the bench's client (LeanClient), as the serve figures are taken */
  lean: { p50: number; p95: number };
  /** undici's request(), the body read to its last byte (toLastByte) */
  undici: { p50: number; p95: number };
}

/**
 * The floor under serve's limit-500 figure: a minimal `node:http` server in
 * a process of its own answers a fixed body of `bytes` (a limit-500 page's
 * size) from memory, fetched 200 times by the bench's own client and 200
 * times by undici. Whatever serve's p95 is above the first is serve's own;
 * the second is what a general client adds (http-client.ts).
 */
export async function transportFloor(bytes: number): Promise<TransportFloor> {
  const server = `const b = Buffer.alloc(${Math.round(bytes)}, 97);
    const s = require('node:http').createServer((q, r) => { r.setHeader('Content-Length', b.length); r.end(b); });
    s.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: 'http://127.0.0.1:' + s.address().port + '/' })));`;
  const { child, url } = await startListening(['-e', server], 'the floor server');
  const client = new LeanClient(url);
  try {
    const measure = async (get: () => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < 200; i++) {
        const t0 = performance.now();
        await get();
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      return { p50: quantile(times, 0.5), p95: quantile(times, 0.95) };
    };
    const lean = await measure(() => client.get('/'));
    const undici = await measure(async () => toLastByte((await request(url)).body));
    return { bytes, lean, undici };
  } finally {
    client.close();
    child.kill('SIGTERM');
  }
}

export interface ServeLatency {
  /** limit 100, random state/sort/order/offset: the first pass after start, then the same queries again */
  first: { p50: number; p95: number };
  warm: { p50: number; p95: number };
  /** limit 500, random likewise, after the two passes */
  limit500: { p50: number; p95: number };
  /** the same limit-500 queries again, fetched with undici's request() (what a general client adds) */
  limit500Undici: { p50: number; p95: number };
  /** mean body size of the limit-500 answers, bytes */
  limit500Bytes: number;
  queries: number;
}

/**
 * Start `node ARGS` as a process of its own and wait for what every server
 * here prints first, one JSON line with its `url` (`hcsync serve` does).
 * Rejects when the process exits before that; `what` names it in the error.
 */
function startListening(args: readonly string[], what: string): Promise<{ child: ReturnType<typeof spawn>; url: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) resolve({ child, url: (JSON.parse(buf.slice(0, buf.indexOf('\n'))) as { url: string }).url });
    });
    child.on('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

/**
 * The issue-11 measure of `serve`: 400 list queries with limit 100, each a
 * random state (or all), sort, order and offset (up to 90 % of that list's
 * total), one client on loopback, timed from request to last byte. First
 * pass right after the server said it listens; then the same 400 again
 * (warm); then 200 more with limit 500, and those 200 again through undici.
 * Timed to the last byte, with the bench's LeanClient (http-client.ts).
 */
export async function benchServeRandom(bin: string, db: string, helpcenter: string, totals: Record<string, number>): Promise<ServeLatency> {
  const rng = new Rng(11, 'bench-serve');
  const states = ['ALL', 'UNHANDLED', 'HANDLING', 'CLOSED'];
  const query = (limit: number) => {
    const state = states[rng.int(0, 3)]!;
    const sortBy = ['CREATED', 'SENT', 'STATE'][rng.int(0, 2)]!;
    const sortOrder = rng.int(0, 1) ? 'asc' : 'desc';
    const offset = rng.int(0, Math.floor((totals[state] ?? 0) * 0.9));
    return `/helpcenter/case?id=${helpcenter}&state=${state}&sortBy=${sortBy}&sortOrder=${sortOrder}&offset=${offset}&limit=${limit}`;
  };
  const q100 = Array.from({ length: 400 }, () => query(100));
  const q500 = Array.from({ length: 200 }, () => query(500));
  const { child, url } = await startListening([bin, 'serve', '--db', db, '--port', '0'], 'serve');
  const client = new LeanClient(url);
  try {
    let bytes = 0;
    const pass = async (qs: readonly string[], get: (q: string) => Promise<{ status: number; bytes: number }>) => {
      const times: number[] = [];
      bytes = 0;
      for (const q of qs) {
        const t0 = performance.now();
        const r = await get(q);
        times.push(performance.now() - t0);
        bytes += r.bytes;
        if (r.status !== 200) throw new Error(`serve answered ${r.status} to ${q}`);
      }
      times.sort((a, b) => a - b);
      return { p50: quantile(times, 0.5), p95: quantile(times, 0.95) };
    };
    const lean = (q: string) => client.get(q);
    const first = await pass(q100, lean);
    const warm = await pass(q100, lean);
    const limit500 = await pass(q500, lean);
    const limit500Bytes = bytes / q500.length;
    const limit500Undici = await pass(q500, async (q) => {
      const r = await request(url + q);
      return { status: r.statusCode, bytes: await toLastByte(r.body) };
    });
    return { first, warm, limit500, limit500Undici, limit500Bytes, queries: q100.length };
  } finally {
    client.close();
    child.kill('SIGTERM');
  }
}
