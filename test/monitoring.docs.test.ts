import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { Simulator } from '../sim/index.js';
import { enqueueSync } from '../worker/queue.js';
import { ROOT, waitUntil, withTempDir } from './helpers.js';
import { get, parseExposition } from './metrics.harness.js';
import { freePort } from './setup/redis.js';
import { withTestQueue, withWorkers, workerArgs } from './worker.harness.js';

const redisUrl = inject('redisUrl');
const DIR = path.join(ROOT, 'docs', 'monitoring');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  severity?: string;
  summary?: string;
}

/**
 * The rules file read as the simple YAML subset it is written in (no YAML
 * library here): each `- alert:` starts a rule; `expr:`, `for:`,
 * `severity:` and `summary:` are one-line values of it.
 */
function readRules(text: string): Rule[] {
  const rules: Rule[] = [];
  for (const line of text.split('\n')) {
    if (line.trimStart().startsWith('#')) continue;
    const m = /^\s*(?:- )?(alert|expr|for|severity|summary):\s*(.*)$/.exec(line);
    if (!m) continue;
    const v = m[2]!.trim().replace(/^"(.*)"$/, '$1');
    if (m[1] === 'alert') rules.push({ alert: v, expr: '' });
    else if (rules.length > 0) Object.assign(rules[rules.length - 1]!, { [m[1]!]: v });
  }
  return rules;
}

/** Every PromQL expression of the dashboard: panel targets and template queries. */
function dashboardExprs(d: { panels: { title: string; targets: { expr: string }[] }[]; templating: { list: { query: string }[] } }): string[] {
  return [...d.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...d.templating.list.map((t) => t.query)];
}

/** Metric names in PromQL: identifiers of the families we export (functions, labels and keywords are not these). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b((?:hcsync|bullmq|process|nodejs)_[a-zA-Z0-9_]+)\b/g)].map((m) => m[1]!);
}

describe('docs/monitoring', () => {
  const rules = readRules(readFileSync(path.join(DIR, 'alerts.yml'), 'utf8'));
  const dashboard = JSON.parse(readFileSync(path.join(DIR, 'hcsync-dashboard.json'), 'utf8')) as Parameters<typeof dashboardExprs>[0];

  it('the alert rules cover what the issue asks, each with an expression, a duration, a severity and a summary', () => {
    expect(rules.map((r) => r.alert)).toEqual(expect.arrayContaining(['HcsyncNoRecentSync', 'HcsyncConsecutiveFailures', 'HcsyncHeldDeletions', 'HcsyncHighRetryRate']));
    for (const r of rules) {
      expect(r.expr, r.alert).toMatch(/\S/);
      expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical']).toContain(r.severity);
      expect(r.summary, r.alert).toMatch(/\S/);
    }
    // three times the default 5-minute interval
    expect(rules.find((r) => r.alert === 'HcsyncNoRecentSync')!.expr).toContain('hcsync_sync_last_success_timestamp_seconds) > 900');
    expect(dashboard.panels.length).toBeGreaterThan(5);
    // a worker that is down exports nothing: one rule must watch the scrape itself
    expect(rules.find((r) => r.alert === 'HcsyncWorkerDown')?.expr).toMatch(/\bup\{/);
    // queue- and store-wide series are repeated by every worker sharing them: never summed across workers
    for (const e of [...rules.map((r) => r.expr), ...dashboardExprs(dashboard)]) {
      if (!e.startsWith('label_values(') && /\b(bullmq_\w+|hcsync_cases|hcsync_held_deletions|hcsync_sync_consecutive_failures|hcsync_sync_last_success_timestamp_seconds)\b/.test(e)) expect(e).toMatch(/\bmax by \(/);
    }
  });

  it('every metric the rules and the dashboard use is exported by a running worker', async () => {
    const used = new Set([...rules.flatMap((r) => metricNames(r.expr)), ...dashboardExprs(dashboard).flatMap(metricNames)]);
    expect(used.size).toBeGreaterThan(10);
    await withTempDir(async (dir) => {
      const sim = await Simulator.start({ seed: 141, helpcenters: 1, cases: 300 });
      try {
        await withTestQueue(redisUrl, async (queue, name) => {
          const [hc] = sim.world.helpcenterIds() as [string];
          const port = await freePort();
          await withWorkers(async (spawnWorker) => {
            const w = spawnWorker(workerArgs({ db: path.join(dir, 'd.db'), baseUrl: sim.url, redisUrl, queue: name }, '--metrics-port', String(port)));
            await w.waitForLog((l) => l.event === 'worker.ready', 'worker ready');
            // one run, so the histograms and per-helpcenter series have samples
            await enqueueSync(queue, { helpcenter: hc, mode: 'full' });
            await w.waitForLog((l) => l.event === 'job.finish', 'job.finish');
            const text = await waitUntil(async () => {
              const r = await get(`http://127.0.0.1:${port}/metrics`);
              return r.body.includes('bullmq_job_completed_total') ? r.body : undefined;
            }, 'a scrape with the queue metrics');
            const exported = new Set(parseExposition(text).samples.map((s) => s.name));
            const missing = [...used].filter((n) => !exported.has(n));
            expect(missing, `used by docs/monitoring but not exported: ${missing.join(', ')}`).toEqual([]);
          });
        });
      } finally {
        await sim.close();
      }
    });
  });
});
