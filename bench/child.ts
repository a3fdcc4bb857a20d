/**
 * One measured job in its own process, so each figure (peak RSS above all)
 * belongs to that job alone. argv: <job> <json args>; prints one JSON line.
 *   sync   {url, helpcenter, db, mode}  — a sync run through the real client
 *   write  {url, helpcenter, db}        — the store-only rate: the same pages
 *                                         fetched first, only writePage timed
 */
import { performance } from 'node:perf_hooks';
import { Store, zeroCounters } from '../store/index.js';
import { RemoteClient, type Page } from '../worker/client.js';
import { runSync } from '../worker/sync.js';
import type { PageSource, RemotePage } from '../worker/walk.js';
import type { ListParams } from '../contract/types.js';

interface Args {
  url: string;
  helpcenter: string;
  db: string;
  mode?: 'full' | 'incremental';
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
  const client = new RemoteClient({ baseUrl: a.url, connections: 2 });
  const source = new CountingSource(client);
  const t0 = performance.now();
  const s = await runSync(store, source, { helpcenter: a.helpcenter, mode: a.mode ?? 'full' });
  const ms = performance.now() - t0;
  await client.close();
  store.close();
  return { ms, cases: s.casesUpserted + s.unchanged, requests: s.requests, pages: s.pages, bytes: source.bytes, maxRssKb: process.resourceUsage().maxRSS };
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

const [job, json] = process.argv.slice(2);
const args = JSON.parse(json ?? '{}') as Args;
const out = job === 'sync' ? await syncJob(args) : job === 'write' ? await writeJob(args) : undefined;
if (!out) throw new Error(`unknown bench job ${job}`);
process.stdout.write(`${JSON.stringify(out)}\n`);
