/**
 * One measured job in its own process, so each figure (peak RSS above all)
 * belongs to that job alone. argv: <job> <json args>; prints one JSON line.
 *   sync   {url, helpcenter, db, mode}  — a sync run through the real client
 *   write  {url, helpcenter, db}        — the store-only rate: the same pages
 *                                         fetched first, only writePage timed
 *   reference {url, helpcenter, db}     — a minimal sequential sync to compare
 *                                         with: fetch a page, parse it, write cases,
 *                                         messages and one FTS index in one
 *                                         transaction, then the next page
 *   export {db, format, table, out}       — `hcsync export`'s streaming into a file
 */
import Database from 'better-sqlite3';
import { request } from 'undici';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { exportTable, type ExportFormat } from '../query/export.js';
import type { ExportTable } from '../store/index.js';
import { Store, zeroCounters } from '../store/index.js';
import { raiseMallocThresholds } from '../store/memory.js';
import { RemoteClient, type Page } from '../worker/client.js';
import { runSync } from '../worker/sync.js';
import type { PageSource, RemotePage } from '../worker/walk.js';
import type { ListParams } from '../contract/types.js';

interface Args {
  url: string;
  /** export: the format, table and file */
  format?: ExportFormat;
  table?: ExportTable;
  out?: string;
  helpcenter: string;
  db: string;
  mode?: 'full' | 'incremental';
  /** pages in flight for the sync job */
  concurrency?: number;
}

/** Counts response bytes on the way through. */
class CountingSource implements PageSource {
  bytes = 0;
  constructor(private readonly client: RemoteClient) {}
  get requests(): number {
    return this.client.requests;
  }
  async listCases(p: Partial<ListParams> & { id: string }, signal?: AbortSignal): Promise<RemotePage> {
    const page: Page = await this.client.listCases(p, signal);
    this.bytes += page.bytes;
    return page;
  }
}

async function syncJob(a: Args): Promise<Record<string, number | string>> {
  const store = new Store(a.db);
  const client = new RemoteClient({ baseUrl: a.url, connections: Math.max(2, a.concurrency ?? 4) });
  const source = new CountingSource(client);
  const t0 = performance.now();
  const s = await runSync(store, source, { helpcenter: a.helpcenter, mode: a.mode ?? 'full', ...(a.concurrency ? { concurrency: a.concurrency } : {}) });
  const ms = performance.now() - t0;
  await client.close();
  store.close();
  return { ms, cases: s.casesUpserted + s.unchanged, requests: s.requests, pages: s.pages, bytes: source.bytes, concurrency: s.concurrency, maxRssKb: process.resourceUsage().maxRSS, cpuMs: cpuMs() };
}

async function writeJob(a: Args): Promise<Record<string, number | string>> {
  const store = new Store(a.db);
  const client = new RemoteClient({ baseUrl: a.url, connections: 2 });
  const hc = store.runs.ensureHelpcenter(a.helpcenter);
  const runId = store.runs.startRun(hc, 'full', 'bench', Date.now(), null);
  let counters = zeroCounters();
  let writeMs = 0;
  let cases = 0;
  for (let offset = 0; ; offset += 500) {
    const page = await client.listCases({ id: a.helpcenter, sortBy: 'CREATED', sortOrder: 'asc', offset, limit: 500 });
    const t0 = performance.now();
    ({ counters } = store.writePage({ hc, runId, nowMs: Date.now(), cases: page.cases, rejected: page.rejected, progress: (w) => ({ ...counters, pages: counters.pages + 1, casesUpserted: counters.casesUpserted + w.inserted + w.updated }), checkpoint: { offset } }));
    writeMs += performance.now() - t0;
    cases += page.cases.length;
    if (page.cases.length + page.rejected.length < 500) break;
  }
  await client.close();
  store.close();
  return { ms: writeMs, cases, maxRssKb: process.resourceUsage().maxRSS };
}

/** The export as the CLI runs it with --out: a read-only store streamed into a file. */
async function exportJob(a: Args): Promise<Record<string, number>> {
  const store = new Store(a.db, { readonly: true, mmap: false }); // as cli/export.ts opens it
  const out = createWriteStream(a.out!);
  const t0 = performance.now();
  const r = await exportTable(store, out, { format: a.format ?? 'ndjson', table: a.table ?? 'cases' });
  out.end();
  await once(out, 'close');
  const ms = performance.now() - t0;
  store.close();
  return { ms, rows: r.rows, bytes: r.bytes, maxRssKb: process.resourceUsage().maxRSS, cpuMs: cpuMs() };
}

function cpuMs(): number {
  const u = process.resourceUsage();
  return (u.userCPUTime + u.systemCPUTime) / 1000;
}

/**
 * The reference: what a plain, careful sequential sync costs. No walk
 * evidence, no hashing, no events: fetch, parse, one transaction per page
 * with cases, messages and one FTS5 index of the message bodies.
 */
async function referenceJob(a: Args): Promise<Record<string, number>> {
  const db = new Database(a.db);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE cases (id TEXT PRIMARY KEY, json TEXT NOT NULL);
    CREATE TABLE messages (rowid INTEGER PRIMARY KEY, case_id TEXT NOT NULL, seq INTEGER NOT NULL, content TEXT);
    CREATE VIRTUAL TABLE message_fts USING fts5(content, content='', contentless_delete=1);`);
  const putCase = db.prepare('INSERT INTO cases (id, json) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json');
  const putMessage = db.prepare('INSERT INTO messages (case_id, seq, content) VALUES (?, ?, ?)');
  const putFts = db.prepare('INSERT INTO message_fts (rowid, content) VALUES (?, ?)');
  type Body = { cases: { _id: string; messages?: { content?: string }[] }[] };
  const writePage = db.transaction((cases: Body['cases']) => {
    for (const c of cases) {
      putCase.run(c._id, JSON.stringify(c));
      (c.messages ?? []).forEach((m, i) => {
        const id = Number(putMessage.run(c._id, i, m.content ?? null).lastInsertRowid);
        if (m.content) putFts.run(id, m.content);
      });
    }
  });
  const t0 = performance.now();
  let cases = 0;
  for (let offset = 0; ; offset += 500) {
    const res = await request(`${a.url}/helpcenter/case?id=${a.helpcenter}&sortBy=CREATED&sortOrder=asc&offset=${offset}&limit=500`);
    const body = (await res.body.json()) as Body;
    writePage(body.cases);
    cases += body.cases.length;
    if (body.cases.length < 500) break;
  }
  const ms = performance.now() - t0;
  db.close();
  return { ms, cases, maxRssKb: process.resourceUsage().maxRSS, cpuMs: cpuMs() };
}

const [job, json] = process.argv.slice(2);
const args = JSON.parse(json ?? '{}') as Args;
// each job runs as its command does: `sync` (and its writes, the store-only rate) keeps freed page memory
// (store/memory.ts), `export` does not; the reference is a plain program and keeps the allocator's defaults
if (job === 'sync' || job === 'write') raiseMallocThresholds();
const jobs: Record<string, (a: Args) => Promise<Record<string, number | string>>> = { sync: syncJob, write: writeJob, reference: referenceJob, export: exportJob };
const out = await jobs[job ?? '']?.(args);
if (!out) throw new Error(`unknown bench job ${job}`);
process.stdout.write(`${JSON.stringify(out)}\n`);
