import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { percentile } from './list.js';

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
 * reads without a memory map, so its RSS is its heap plus SQLite's 64 MiB
 * page cache, whatever it has read).
 */
export async function benchServe(bin: string, db: string, helpcenter: string, total: number): Promise<ServeFigure> {
  const child = spawn(process.execPath, [bin, 'serve', '--db', db, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\n')) resolve((JSON.parse(buf.slice(0, buf.indexOf('\n'))) as { url: string }).url);
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    const get = async (offset: number, sortBy: string, sortOrder: string): Promise<number> => {
      const t0 = performance.now();
      const r = await request(`${url}/helpcenter/case?id=${helpcenter}&sortBy=${sortBy}&sortOrder=${sortOrder}&offset=${offset}&limit=500`);
      await r.body.arrayBuffer();
      if (r.statusCode !== 200) throw new Error(`serve answered ${r.statusCode}`);
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
      shallow: { p50: percentile(shallow, 0.5), p95: percentile(shallow, 0.95) },
      deep: { p50: percentile(deep, 0.5), p95: percentile(deep, 0.95) },
      requests: shallow.length + deep.length,
    };
  } finally {
    child.kill('SIGTERM');
  }
}
