import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../store/index.js';
import { ROOT, runCli, withTempDir } from './helpers.js';
import { EMPTY_HC, HC, writeFixture } from './report.fixture.js';

const CHARTS = ['volume', 'backlog', 'first-response', 'resolution', 'heatmap', 'agents', 'companies'];

/** The CLI over a fresh fixture store. */
async function withFixture<T>(fn: (db: string, dir: string) => Promise<T>): Promise<T> {
  return withTempDir(async (dir) => {
    const db = path.join(dir, 'report.db');
    writeFixture(db);
    return fn(db, dir);
  });
}

/** Fields of one RFC 4180 line (no line breaks inside fields in these tests). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted && ch === '"' && line[i + 1] === '"') {
      cur += '"';
      i++;
    } else if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

describe('hcsync report (CLI)', () => {
  beforeAll(() => {
    if (!existsSync(path.join(ROOT, 'dist', 'cli', 'report.js'))) throw new Error('dist/ has no report command: run `npm run build` first');
  });

  it('--format json prints one object with stable keys', async () => {
    await withFixture(async (db) => {
      const r = await runCli(['report', '--db', db, '--format', 'json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout) as { helpcenters: Record<string, unknown>[] } & Record<string, unknown>;
      expect(Object.keys(j)).toEqual(['generatedAt', 'since', 'until', 'percentiles', 'helpcenters']);
      expect(j.percentiles).toBe('nearest-rank');
      expect(j.helpcenters.map((h) => h.helpcenter)).toEqual([HC, EMPTY_HC]);
      expect(Object.keys(j.helpcenters[0]!)).toEqual([
        'helpcenter', 'asOf', 'cases', 'backlog', 'firstResponse', 'resolution', 'messagesPerCase', 'volumePerDay',
        'incomingHeatmap', 'topCompanies', 'casesWithoutCompany', 'agents', 'backlogOverTime',
      ]);
      expect(j.helpcenters[0]!.cases).toEqual({ total: 8, UNHANDLED: 1, HANDLING: 2, CLOSED: 5 });

      const w = await runCli(['report', '--db', db, '--format', 'JSON', '--helpcenter', HC, '--since', '2025-01-06', '--until', '2025-01-07T08:00:00Z']);
      expect(w.code).toBe(0);
      const jw = JSON.parse(w.stdout) as { since: string; until: string; helpcenters: { cases: { total: number } }[] };
      expect([jw.since, jw.until]).toEqual(['2025-01-06T00:00:00.000Z', '2025-01-07T08:00:00.000Z']);
      expect(jw.helpcenters.map((h) => h.cases.total)).toEqual([2]);
    });
  });

  it('--format csv is one long table helpcenter,metric,key,value, quoted where needed', async () => {
    await withFixture(async (db) => {
      const r = await runCli(['report', '--db', db, '--format', 'csv']);
      expect(r.code).toBe(0);
      const lines = r.stdout.split('\r\n');
      expect(lines[0]).toBe('helpcenter,metric,key,value'); // no BOM on stdout
      expect(lines.pop()).toBe(''); // ends with a line break
      for (const l of lines) expect(csvFields(l)).toHaveLength(4);
      expect(lines).toContain(`${HC},cases,total,8`);
      expect(lines).toContain(`${HC},top_companies,"Beta, ""Nordic""",3`);
      expect(lines).toContain(`${HC},incoming_weekday_hour,Mon 08,2`);
      expect(lines).toContain(`${HC},outgoing_per_agent,(unknown),1`);
      // n/a is an empty value
      expect(lines).toContain(`${EMPTY_HC},first_response_ms,median,`);
    });
  });

  it('--format html --out writes one self-contained file, escaping what the remote delivered', async () => {
    await withFixture(async (db, dir) => {
      const out = path.join(dir, 'nested', 'report.html');
      const r = await runCli(['report', '--db', db, '--format', 'html', '--out', out]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`report written to ${out}\n`);
      const html = readFileSync(out, 'utf8');
      expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
      // nothing to fetch: no external src/href, no script, no stylesheet link, no @import or url()
      expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
      expect(html).not.toMatch(/<script|<link|<iframe|<img|@import|url\(/i);
      for (const c of CHARTS) expect(html).toContain(`data-chart="${c}"`);
      expect(html).toContain('Gamma &amp; &lt;Sons&gt;');
      expect(html).not.toContain('<Sons>');
    });
  });

  it('--out - sends html to stdout; the table is the default format', async () => {
    await withFixture(async (db) => {
      const h = await runCli(['report', '--db', db, '--format', 'html', '--out', '-']);
      expect(h.code).toBe(0);
      expect(h.stdout).toContain('<svg class="chart" data-chart="heatmap"');
      const t = await runCli(['report', '--db', db]);
      expect(t.code).toBe(0);
      expect(t.stdout).toContain(`helpcenter ${HC}`);
      expect(t.stdout).toContain('8: 1 UNHANDLED, 2 HANDLING, 5 CLOSED');
      expect(t.stdout).toMatch(/first response +median 1h 00m, p90 1d 0h over 4 answered/);
      expect(t.stdout).toContain('median n/a'); // the empty helpcenter
    });
  });

  it('--out writes atomically: a directory is a usage error, an unwritable path one line; nothing is left behind', async () => {
    await withFixture(async (db, dir) => {
      const outDir = path.join(dir, 'reports');
      mkdirSync(outDir);
      const d = await runCli(['report', '--db', db, '--format', 'html', '--out', outDir]);
      expect({ code: d.code, stdout: d.stdout }).toEqual({ code: 2, stdout: '' });
      expect(d.stderr).toBe(`hcsync: --out ${outDir} is a directory; give a file name (a new one inside it, or a file to replace)\n`);
      expect(readdirSync(outDir)).toEqual([]);
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

      const proc = await runCli(['report', '--db', db, '--format', 'csv', '--out', '/proc/version']);
      expect({ code: proc.code, stdout: proc.stdout }).toEqual({ code: 1, stdout: '' });
      expect(proc.stderr).toMatch(/^hcsync: cannot write the report to \/proc\/version: [^\n]+\n$/);
      expect(proc.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
      // a directory to create under /proc: Node's recursive mkdir never returned there
      const sub = await runCli(['report', '--db', db, '--format', 'csv', '--out', '/proc/hcsync-test/r.csv'], { timeoutMs: 20_000 });
      expect([sub.code, sub.stderr]).toEqual([1, 'hcsync: cannot write the report to /proc/hcsync-test/r.csv: cannot create the directory /proc/hcsync-test: nothing new can be created there\n']);

      // an existing file is replaced whole; no temp file stays next to it
      const file = path.join(outDir, 'r.json');
      writeFileSync(file, 'old');
      const ok = await runCli(['report', '--db', db, '--json', '--out', file]);
      expect(ok.code).toBe(0);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ percentiles: 'nearest-rank' });
      expect(readdirSync(outDir)).toEqual(['r.json']);
    });
  });

  it('an empty store reports no helpcenters in every format', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 'empty.db');
      new Store(db).close();
      const j = await runCli(['report', '--db', db, '--format', 'json']);
      expect(j.code).toBe(0);
      expect(JSON.parse(j.stdout)).toMatchObject({ helpcenters: [] });
      const t = await runCli(['report', '--db', db]);
      expect(t.stdout).toContain('no helpcenter synced yet');
      const c = await runCli(['report', '--db', db, '--format', 'csv']);
      expect(c.stdout.split('\r\n')[0]).toBe('helpcenter,metric,key,value');
      const h = await runCli(['report', '--db', db, '--format', 'html', '--out', '-']);
      expect(h.stdout).toContain('No helpcenter has been synced');
    });
  });

  it('bad --format, --since, --until or --helpcenter: exit 2 with one line; a never-synced helpcenter: exit 1', async () => {
    await withFixture(async (db) => {
      const cases: [string[], number, RegExp][] = [
        [['--format', 'xml'], 2, /^hcsync: --format must be table, json, csv or html, got "xml"\n$/],
        [['--since', 'yesterday'], 2, /^hcsync: --since must be a date/],
        [['--until', '2025-13-45'], 2, /^hcsync: --until must be a real date, got "2025-13-45"/],
        [['--since', '2025-02-01', '--until', '2025-01-01'], 2, /^hcsync: --since must be before --until/],
        [['--helpcenter', 'nope'], 2, /^hcsync: --helpcenter must be 24 hex characters/],
        [['--helpcenter', 'f'.repeat(24)], 1, /^hcsync: not_synced: /],
      ];
      for (const [args, code, msg] of cases) {
        const r = await runCli(['report', '--db', db, ...args]);
        expect({ args, code: r.code }).toEqual({ args, code });
        expect(r.stderr).toMatch(msg);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stdout).toBe('');
      }
    });
  });
});
