/**
 * `npm run bench`: the budgets (docs/decisions.md#budgets-are-measured-not-asserted) measured on this machine. Prints a
 * table, writes bench/results/latest.json. Sizes: BENCH_SIZES=20000,200000.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchExport, describeExport, type ExportFigure } from './export.js';
import { runChild } from './jobs.js';
import { benchList } from './list.js';
import { benchSearch } from './search.js';
import { benchServe, benchServeRandom, transportFloor, type ServeFigure, type ServeLatency, type TransportFloor } from './serve.js';
import { Rng, drawWord } from '../sim/index.js';
import { Store } from '../store/index.js';
import { raiseMallocThresholds } from '../store/memory.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.resolve(here, '..', '..', 'bin', 'hcsync.js');

/** Interleaved sync/reference pairs per reference ratio: one run of each swings by ±10 % on a shared machine. */
const PAIRS = 3;

interface Pair {
  sync: Record<string, number>;
  reference: Record<string, number>;
}

/** The pair with the median ratio of wall times (sync ÷ reference), and every pair's ratio in run order. */
interface Pairing extends Pair {
  ratio: number;
  ratios: number[];
}

function median(pairs: readonly Pair[]): Pairing {
  const ratios = pairs.map((p) => p.sync.ms! / p.reference.ms!);
  const order = ratios.map((r, i) => [r, i] as const).sort((a, b) => a[0] - b[0]);
  const mid = order[Math.floor(order.length / 2)]!;
  return { ...pairs[mid[1]]!, ratio: mid[0], ratios };
}

interface Row {
  measure: string;
  value: string;
  budget: string;
  ok: boolean | null;
}

function startSim(cases: number, latencyMs = 0): Promise<{ child: ChildProcess; url: string; helpcenter: string }> {
  return new Promise((resolve, reject) => {
    const args = ['--max-old-space-size=8192', BIN, 'sim', '--cases', String(cases), '--seed', '1', ...(latencyMs ? ['--latency', String(latencyMs)] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        const info = JSON.parse(buf.slice(0, nl)) as { url: string; helpcenters: string[] };
        resolve({ child, url: info.url, helpcenter: info.helpcenters[0]! });
      }
    });
    child.on('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

function fileSize(f: string): number {
  let n = 0;
  for (const suffix of ['', '-wal']) {
    try {
      n += statSync(f + suffix).size;
    } catch {
      /* absent */
    }
  }
  return n;
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main(): Promise<void> {
  // the in-process list and search figures are taken here: this process keeps its freed
  // page buffers as `hcsync serve` does (store/memory.ts; README, Benchmarks)
  raiseMallocThresholds();
  const sizes = (process.env.BENCH_SIZES ?? '20000,200000').split(',').map(Number);
  const dir = mkdtempSync(path.join(tmpdir(), 'hcsync-bench-'));
  const rows: Row[] = [];
  const results: Record<string, unknown> = { machine: { node: process.version, cpus: (await import('node:os')).cpus().length }, sizes: {} };
  try {
    for (const n of sizes) {
      process.stderr.write(`bench: ${n} cases — starting the simulator\n`);
      const sim = await startSim(n);
      try {
        const db = path.join(dir, `sync-${n}.db`);
        process.stderr.write('bench: full sync\n');
        const sync = await runChild('sync', { url: sim.url, helpcenter: sim.helpcenter, db, mode: 'full' });
        process.stderr.write('bench: store-only writes of the same pages\n');
        const write = await runChild('write', { url: sim.url, helpcenter: sim.helpcenter, db: path.join(dir, `write-${n}.db`) });
        process.stderr.write('bench: quiet incremental sync\n');
        const incr = await runChild('sync', { url: sim.url, helpcenter: sim.helpcenter, db, mode: 'incremental' });
        let reference: { zero: Pairing; latency: Pairing } | undefined;
        if (n <= 20_000) {
          // against a minimal sequential fetch-then-write sync of the same pages, own process each,
          // in PAIRS interleaved pairs (the first sync above is the first pair's); the median pair is reported
          process.stderr.write(`bench: hcsync and the sequential reference, no latency, ${PAIRS} pairs\n`);
          const zero: Pair[] = [];
          for (let i = 0; i < PAIRS; i++) {
            const s = i === 0 ? sync : await runChild('sync', { url: sim.url, helpcenter: sim.helpcenter, db: path.join(dir, `sync-${n}-${i}.db`), mode: 'full' });
            const r = await runChild('reference', { url: sim.url, helpcenter: sim.helpcenter, db: path.join(dir, `ref-${n}-${i}.db`) });
            zero.push({ sync: s, reference: r });
          }
          process.stderr.write(`bench: hcsync and the reference against a remote that takes 250 ms per page, ${PAIRS} pairs\n`);
          const slow = await startSim(n, 250);
          const latency: Pair[] = [];
          try {
            for (let i = 0; i < PAIRS; i++) {
              const s = await runChild('sync', { url: slow.url, helpcenter: slow.helpcenter, db: path.join(dir, `sync250-${n}-${i}.db`), mode: 'full' });
              const r = await runChild('reference', { url: slow.url, helpcenter: slow.helpcenter, db: path.join(dir, `ref250-${n}-${i}.db`) });
              latency.push({ sync: s, reference: r });
            }
          } finally {
            slow.child.kill('SIGTERM');
          }
          reference = { zero: median(zero), latency: median(latency) };
        }
        const syncRate = (sync.cases! / sync.ms!) * 1000;
        const writeRate = (write.cases! / write.ms!) * 1000;
        const ratio = syncRate / writeRate;
        const store = new Store(db);
        const open = store.db.prepare('SELECT state_rank, count(*) AS n FROM cases WHERE deleted_ms IS NULL AND state_rank < 2 GROUP BY state_rank').all() as { state_rank: number; n: number }[];
        const u = open.find((r) => r.state_rank === 0)?.n ?? 0;
        const hd = open.find((r) => r.state_rank === 1)?.n ?? 0;
        const reqBudget = 1 + Math.ceil(u / 500) + Math.ceil(hd / 500);
        const rawJson = store.db.prepare('SELECT sum(length(json)) FROM cases').pluck().get() as number;
        store.db.pragma('wal_checkpoint(TRUNCATE)');
        const sizeRows = store.db.prepare("SELECT CASE WHEN name LIKE '%fts%' THEN 'fts' WHEN name LIKE 'sqlite_autoindex%' OR name LIKE 'cases_live%' OR name LIKE '%by%' THEN 'indexes' ELSE 'tables' END AS part, sum(pgsize) AS bytes FROM dbstat GROUP BY part").all() as { part: string; bytes: number }[];
        let list: ReturnType<typeof benchList> | undefined;
        if (n >= 100_000) {
          // the list in-process over the connection `hcsync serve` reads through (a reader, no memory map)
          const reader = new Store(db, { readonly: true, mmap: false });
          try {
            list = benchList(reader, sim.helpcenter);
          } finally {
            reader.close();
          }
        }
        const messages = store.db.prepare('SELECT count(*) FROM messages').pluck().get() as number;
        let search: { p50: number; p95: number; n: number } | undefined;
        if (n >= 100_000) {
          // 1–3 word queries drawn from the generator's Zipf vocabulary (20,480 words)
          const rng = new Rng(7, 'bench-queries');
          const queries = Array.from({ length: 1000 }, () => Array.from({ length: rng.int(1, 3) }, () => drawWord(rng)).join(' '));
          search = await benchSearch(store, sim.helpcenter, queries);
        }
        const live = store.db.prepare('SELECT count(*) FROM cases WHERE deleted_ms IS NULL').pluck().get() as number;
        store.close();
        let serve: ServeFigure | undefined;
        let serveRandom: ServeLatency | undefined;
        let floor: TransportFloor | undefined;
        if (n >= 100_000) {
          process.stderr.write('bench: serve memory and latency by page depth\n');
          serve = await benchServe(BIN, db, sim.helpcenter, live);
          process.stderr.write('bench: serve, random list queries from a fresh start\n');
          serveRandom = await benchServeRandom(BIN, db, sim.helpcenter, { ALL: live, UNHANDLED: u, HANDLING: hd, CLOSED: live - u - hd });
          process.stderr.write('bench: the transport floor (a minimal HTTP server, same client, same body size)\n');
          floor = await transportFloor(serveRandom.limit500Bytes);
        }
        process.stderr.write('bench: export (ndjson and csv, each in a process of its own)\n');
        const exported: ExportFigure[] = await benchExport(db);
        const dbBytes = fileSize(db);
        rows.push(
          { measure: `${fmt(n)}: full sync`, value: `${fmt(syncRate)} cases/s, ${fmt(sync.bytes! / sync.ms! / 1000, 1)} MB/s, ${fmt(sync.ms! / 1000, 1)} s`, budget: '', ok: null },
          { measure: `${fmt(n)}: store-only writes`, value: `${fmt(writeRate)} cases/s`, budget: '', ok: null },
          { measure: `${fmt(n)}: sync / store-only`, value: fmt(ratio, 2), budget: '≥ 0.80', ok: ratio >= 0.8 },
          ...(reference
            ? [
                {
                  measure: `${fmt(n)}: full sync / sequential reference, no latency`,
                  value: `${fmt(reference.zero.ratio, 2)} (median of ${PAIRS} pairs: ${reference.zero.ratios.map((r) => fmt(r, 2)).join(', ')}; wall ${fmt(reference.zero.sync.ms! / 1000, 1)} s vs ${fmt(reference.zero.reference.ms! / 1000, 1)} s; CPU ${fmt(reference.zero.sync.cpuMs! / reference.zero.reference.cpuMs!, 2)}×)`,
                  budget: '≤ 1.30',
                  ok: reference.zero.ratio <= 1.3,
                },
                {
                  measure: `${fmt(n)}: full sync / sequential reference, 250 ms per page`,
                  value: `${fmt(reference.latency.ratio, 2)} (median of ${PAIRS} pairs: ${reference.latency.ratios.map((r) => fmt(r, 2)).join(', ')}; ${fmt(reference.latency.sync.ms! / 1000, 1)} s vs ${fmt(reference.latency.reference.ms! / 1000, 1)} s; ${reference.latency.sync.concurrency} pages in flight at most)`,
                  budget: '≤ 0.50',
                  ok: reference.latency.ratio <= 0.5,
                },
              ]
            : []),
          { measure: `${fmt(n)}: peak RSS of the sync`, value: `${fmt(sync.maxRssKb! / 1024)} MiB`, budget: 'independent of size', ok: null },
          { measure: `${fmt(n)}: quiet incremental requests`, value: `${incr.requests} (U=${u}, H=${hd})`, budget: `≤ ${reqBudget}`, ok: incr.requests! <= reqBudget },
          { measure: `${fmt(n)}: store size`, value: `${fmt(dbBytes / 1e6, 1)} MB on disk (${sizeRows.map((r) => `${r.part} ${fmt(r.bytes / 1e6, 1)}`).join(', ')}) from ${fmt(rawJson / 1e6, 1)} MB of case JSON`, budget: 'reported', ok: null },
        );
        for (const f of exported) {
          rows.push({ measure: `${fmt(n)}: export --format ${f.format} --table ${f.table}`, value: describeExport(f), budget: 'peak RSS flat in size', ok: null });
        }
        if (search) {
          rows.push({ measure: `${fmt(n)}: search (${fmt(messages)} messages), ${search.n} queries`, value: `p50 ${fmt(search.p50, 2)} ms, p95 ${fmt(search.p95, 2)} ms`, budget: 'p95 ≤ 50 ms', ok: search.p95 <= 50 });
        }
        if (list) {
          for (const l of list) rows.push({ measure: `${fmt(n)}: list ${l.label}`, value: `p50 ${fmt(l.p50, 2)} ms, p95 ${fmt(l.p95, 2)} ms`, budget: 'p95 ≤ 5 ms', ok: l.p95 <= 5 });
        }
        if (serve) {
          rows.push(
            { measure: `${fmt(n)}: serve peak RSS (${serve.requests} pages of 500)`, value: serve.memory.map((m) => `${m.after} ${fmt(m.memory.peak)}`).join(', ') + ' MiB', budget: 'independent of depth', ok: null },
            { measure: `${fmt(n)}: serve HTTP, limit 500, shallow`, value: `p50 ${fmt(serve.shallow.p50, 2)} ms, p95 ${fmt(serve.shallow.p95, 2)} ms`, budget: '', ok: null },
            { measure: `${fmt(n)}: serve HTTP, limit 500, deep`, value: `p50 ${fmt(serve.deep.p50, 2)} ms, p95 ${fmt(serve.deep.p95, 2)} ms`, budget: '', ok: null },
          );
        }
        if (serveRandom) {
          const r = serveRandom;
          rows.push(
            { measure: `${fmt(n)}: serve HTTP, limit 100, random, first pass`, value: `p50 ${fmt(r.first.p50, 2)} ms, p95 ${fmt(r.first.p95, 2)} ms (${r.queries} queries)`, budget: 'p95 ≤ 8 ms', ok: r.first.p95 <= 8 },
            { measure: `${fmt(n)}: serve HTTP, limit 100, random, warm`, value: `p50 ${fmt(r.warm.p50, 2)} ms, p95 ${fmt(r.warm.p95, 2)} ms`, budget: 'p95 ≤ 5 ms', ok: r.warm.p95 <= 5 },
            { measure: `${fmt(n)}: serve HTTP, limit 500, random`, value: `p50 ${fmt(r.limit500.p50, 2)} ms, p95 ${fmt(r.limit500.p95, 2)} ms (${fmt(r.limit500Bytes / 1e6, 2)} MB a page)`, budget: 'p95 ≤ 10 ms', ok: r.limit500.p95 <= 10 },
            { measure: `${fmt(n)}: the same, fetched with undici`, value: `p50 ${fmt(r.limit500Undici.p50, 2)} ms, p95 ${fmt(r.limit500Undici.p95, 2)} ms`, budget: 'reported', ok: null },
            ...(floor
              ? [{ measure: `${fmt(n)}: the floor: minimal HTTP server, same body`, value: `p50 ${fmt(floor.lean.p50, 2)} ms, p95 ${fmt(floor.lean.p95, 2)} ms (with undici: p50 ${fmt(floor.undici.p50, 2)} ms, p95 ${fmt(floor.undici.p95, 2)} ms)`, budget: 'reported', ok: null }]
              : []),
          );
        }
        (results.sizes as Record<string, unknown>)[n] = { sync, write, incr, reference, syncRate, writeRate, ratio, reqBudget, open: { u, h: hd }, dbBytes, rawJson, sizeRows, list, messages, search, serve, serveRandom, floor, exported };
      } finally {
        sim.child.kill('SIGTERM');
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const w = [Math.max(...rows.map((r) => r.measure.length)), Math.max(...rows.map((r) => r.value.length)), 22];
  const line = (a: string, b: string, c: string, d: string) => `${a.padEnd(w[0]!)}  ${b.padEnd(w[1]!)}  ${c.padEnd(w[2]!)}  ${d}`;
  process.stdout.write(`${line('measure', 'value', 'budget', 'met')}\n`);
  for (const r of rows) process.stdout.write(`${line(r.measure, r.value, r.budget, r.ok === null ? '' : r.ok ? 'yes' : 'NO')}\n`);
  const outDir = path.resolve(here, '..', '..', 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify({ at: new Date().toISOString(), rows, results }, null, 2));
  process.stdout.write(`\nwritten: bench/results/latest.json\n`);
}

await main();
