import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { Simulator } from '../sim/index.js';
import type { SyncSummary } from '../worker/events.js';
import { parseRedisUrl } from '../worker/queue.js';
import { upsertSchedule } from '../worker/schedules.js';
import { waitUntil, withTempDir } from './helpers.js';
import { TcpProxy, find, get, parseExposition, value, type Exposition } from './metrics.harness.js';
import { freePort } from './setup/redis.js';
import { withTestQueue, withWorkers, workerArgs } from './worker.harness.js';

const redisUrl = inject('redisUrl');
const TOKEN = 'tok-METRICS-9f8e7d6c5b4a3210-secret';

/** Every hcsync family the worker exports (issue 13), with the labels each sample carries. */
const FAMILIES: Record<string, { type: string; labels: string[] }> = {
  hcsync_sync_runs_total: { type: 'counter', labels: ['helpcenter', 'mode', 'status'] },
  hcsync_sync_duration_seconds: { type: 'histogram', labels: ['helpcenter', 'mode', 'le'] },
  hcsync_sync_last_success_timestamp_seconds: { type: 'gauge', labels: ['helpcenter', 'mode'] },
  hcsync_sync_pages_total: { type: 'counter', labels: ['helpcenter'] },
  hcsync_sync_requests_total: { type: 'counter', labels: ['helpcenter'] },
  hcsync_sync_cases_upserted_total: { type: 'counter', labels: ['helpcenter'] },
  hcsync_remote_retries_total: { type: 'counter', labels: ['helpcenter', 'reason'] },
  hcsync_remote_request_duration_seconds: { type: 'histogram', labels: ['helpcenter', 'le'] },
  hcsync_sync_drift_steps_total: { type: 'counter', labels: ['helpcenter'] },
  hcsync_sync_warnings_total: { type: 'counter', labels: ['helpcenter'] },
  hcsync_held_deletions: { type: 'gauge', labels: ['helpcenter'] },
  hcsync_cases: { type: 'gauge', labels: ['helpcenter', 'state'] },
  hcsync_sync_concurrency: { type: 'gauge', labels: ['helpcenter'] },
  hcsync_sync_consecutive_failures: { type: 'gauge', labels: ['helpcenter'] },
};

/** Every family declared with its type; each sample of it labelled exactly as listed, for this helpcenter. */
function expectFamilies(e: Exposition, hc: string): void {
  for (const [name, f] of Object.entries(FAMILIES)) {
    expect(e.types.get(name), `# TYPE of ${name}`).toBe(f.type);
    const samples = e.samples.filter((s) => s.name === name || (f.type === 'histogram' && s.name.startsWith(`${name}_`)));
    for (const s of samples) {
      const want = s.name.endsWith('_sum') || s.name.endsWith('_count') ? f.labels.filter((l) => l !== 'le') : f.labels;
      expect(Object.keys(s.labels).sort(), `labels of ${s.name}`).toEqual([...want].sort());
      expect(s.labels.helpcenter).toBe(hc);
    }
  }
}

function expectQueueMetrics(e: Exposition, queue: string): void {
  expect(e.types.get('bullmq_job_count')).toBe('gauge');
  for (const state of ['waiting', 'active', 'delayed', 'completed', 'failed']) expect(find(e, 'bullmq_job_count', { queue, state })).toHaveLength(1);
  expect(find(e, 'bullmq_job_completed_total', { queue })).toHaveLength(1);
  expect(find(e, 'bullmq_job_failed_total', { queue })).toHaveLength(1);
  // prom-client's default process metrics
  expect(e.types.get('process_cpu_user_seconds_total')).toBe('counter');
  expect(e.types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
}

function expectNoToken(text: string): void {
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(TOKEN.slice(4, 20));
}

describe('worker --metrics-port', () => {
  it('a scheduled job against scripted 429s: /metrics during and after it, every family labelled, counters equal to the run; /healthz follows Redis', async () => {
    await withTempDir(async (dir) => {
      // latency: the run lasts long enough to be scraped while it goes
      const sim = await Simulator.start({ seed: 131, helpcenters: 1, cases: 2600, token: TOKEN, faults: { latencyMs: 150, latencyRate: 1, retryAfter: { form: 'seconds', seconds: 1 } } });
      const target = parseRedisUrl(redisUrl);
      const proxy = await TcpProxy.start({ host: target.host ?? '127.0.0.1', port: target.port ?? 6379 });
      try {
        await withTestQueue(redisUrl, async (queue, name) => {
          const [hc] = sim.world.helpcenterIds() as [string];
          const db = path.join(dir, 'm.db');
          const port = await freePort();
          const base = `http://127.0.0.1:${port}`;
          const proxied = `redis://127.0.0.1:${proxy.port}`;
          await withWorkers(async (spawnWorker) => {
            const w = spawnWorker(workerArgs({ db, baseUrl: sim.url, redisUrl: proxied, queue: name }, '--metrics-port', String(port)), { TELECOMX_TOKEN: TOKEN });
            const listen = await w.waitForLog((l) => l.event === 'metrics.listen', 'metrics.listen');
            expect(listen.url).toBe(base);
            await w.waitForLog((l) => l.event === 'worker.ready', 'worker ready');
            // before any job: every family is declared; the queue's metrics are there
            const idle = parseExposition((await get(`${base}/metrics`)).body);
            expectQueueMetrics(idle, name);
            for (const f of Object.keys(FAMILIES)) expect(idle.types.has(f), f).toBe(true);

            // the first two list requests answer 429 with Retry-After: 1
            sim.faults.script = ['tooMany', 'tooMany'];
            const t0 = Date.now();
            await upsertSchedule(queue, hc, { everyMs: 3_600_000, fullCron: '0 3 * * *' });
            await w.waitForLog((l) => l.event === 'job.page' && l.pages === 1, 'first page');

            // during the job
            const during = await get(`${base}/metrics`);
            expect(during.status).toBe(200);
            expect(during.type).toContain('text/plain');
            const d = parseExposition(during.body);
            expectQueueMetrics(d, name);
            expectFamilies(d, hc);
            expect(value(d, 'bullmq_job_count', { queue: name, state: 'active' })).toBe(1);
            expect(value(d, 'hcsync_sync_pages_total', { helpcenter: hc })).toBeGreaterThanOrEqual(1);
            expect(value(d, 'hcsync_remote_retries_total', { helpcenter: hc, reason: '429' })).toBe(2);
            expectNoToken(during.body);

            const finish = await w.waitForLog((l) => l.event === 'job.finish', 'job.finish', 60_000);
            expect(finish.outcome).toBe('ok');
            // the log line comes before BullMQ records the job completed
            const job = await waitUntil(async () => (await queue.getJobs(['completed']))[0], 'the completed job');
            const s = job.returnvalue as SyncSummary;
            expect(s.mode).toBe('full'); // a first incremental sweeps in full

            // after the job: the counters are what the run did
            const after = await get(`${base}/metrics`);
            const a = parseExposition(after.body);
            expectQueueMetrics(a, name);
            expectFamilies(a, hc);
            const h = { helpcenter: hc };
            expect(value(a, 'hcsync_sync_runs_total', { ...h, mode: 'full', status: 'ok' })).toBe(1);
            expect(find(a, 'hcsync_sync_runs_total', h)).toHaveLength(1);
            expect(value(a, 'hcsync_sync_duration_seconds_count', { ...h, mode: 'full' })).toBe(1);
            expect(value(a, 'hcsync_sync_duration_seconds_sum', { ...h, mode: 'full' })).toBeCloseTo(s.durationMs / 1000, 0);
            expect(value(a, 'hcsync_sync_pages_total', h)).toBe(s.pages);
            expect(value(a, 'hcsync_sync_requests_total', h)).toBe(s.requests);
            expect(s.requests).toBe(s.pages + 2); // the two 429s were requests too
            expect(value(a, 'hcsync_sync_cases_upserted_total', h)).toBe(s.casesUpserted);
            expect(s.casesUpserted).toBe(2600);
            expect(value(a, 'hcsync_remote_retries_total', { ...h, reason: '429' })).toBe(2);
            expect(value(a, 'hcsync_remote_retries_total', { ...h, reason: '5xx' })).toBe(0);
            expect(value(a, 'hcsync_remote_request_duration_seconds_count', h)).toBe(s.requests);
            expect(value(a, 'hcsync_sync_drift_steps_total', h)).toBe(s.drift);
            expect(value(a, 'hcsync_sync_warnings_total', h)).toBe(s.warnings);
            expect(value(a, 'hcsync_sync_concurrency', h)).toBe(s.concurrency);
            expect(value(a, 'hcsync_held_deletions', h)).toBe(0);
            expect(value(a, 'hcsync_sync_consecutive_failures', h)).toBe(0);
            const byState: Record<string, number> = Object.fromEntries(find(a, 'hcsync_cases', h).map((x) => [x.labels.state, x.value]));
            expect(Object.values(byState).reduce((x, y) => x + y, 0)).toBe(2600);
            expect(Object.keys(byState).sort()).toEqual(['CLOSED', 'HANDLING', 'UNHANDLED']);
            const last = value(a, 'hcsync_sync_last_success_timestamp_seconds', { ...h, mode: 'full' });
            expect(last * 1000).toBeGreaterThanOrEqual(t0);
            expect(last * 1000).toBeLessThanOrEqual(Date.now());
            expect(value(a, 'bullmq_job_completed_total', { queue: name })).toBe(1);
            expect(value(a, 'bullmq_job_count', { queue: name, state: 'completed' })).toBe(1);
            expectNoToken(after.body);

            // the 429s reached the log, without the token
            const limited = w.logs.filter((l) => l.event === 'remote.rate_limited');
            expect(limited).toHaveLength(2);
            expect(limited[0]).toMatchObject({ helpcenter: hc, code: 'E_RATE_LIMITED', status: 429, attempt: 1, requestAttempt: 1, retryAfterMs: 1000, delayMs: 1000, jobId: job.id });
            expect(w.logs.some((l) => l.event === 'sync.concurrency')).toBe(true);
            expectNoToken(w.stdout() + w.stderr());

            // /healthz follows Redis: down behind the proxy, then back on the same port
            const ok = await get(`${base}/healthz`);
            expect(ok.status).toBe(200);
            expect(JSON.parse(ok.body)).toEqual({ ok: true, redis: 'ok', store: 'ok', worker: 'running', activeRuns: 0 });
            await proxy.close();
            const down = await waitUntil(async () => {
              const r = await get(`${base}/healthz`);
              return r.status === 503 ? r : undefined;
            }, '/healthz 503 while Redis is away', 20_000, 200);
            const body = JSON.parse(down.body) as { ok: boolean; redis: string; reasons: string[] };
            expect(body.ok).toBe(false);
            expect(body.redis).toBe('down');
            expect(body.reasons.some((r) => r.startsWith('redis: '))).toBe(true);
            // /metrics still answers with the hcsync families, saying why the queue's are missing
            const partial = await get(`${base}/metrics`);
            expect(partial.status).toBe(200);
            expect(partial.body).toContain('# bullmq queue metrics unavailable');
            expect(value(parseExposition(partial.body), 'hcsync_sync_pages_total', h)).toBe(s.pages);
            await proxy.open();
            await waitUntil(async () => (await get(`${base}/healthz`)).status === 200, '/healthz 200 once Redis is back', 30_000, 200);
            expect(find(parseExposition((await get(`${base}/metrics`)).body), 'bullmq_job_count', { queue: name }).length).toBeGreaterThan(0);

            w.child.kill('SIGTERM');
            expect((await w.exited).code).toBe(0);
          });
        });
      } finally {
        await proxy.close();
        await sim.close();
      }
    });
  });
});
