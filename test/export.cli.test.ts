import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { splitListBody } from '../contract/jsontext.js';
import { idCreatedMs } from '../contract/order.js';
import { VIEW_COLUMNS } from '../store/views.js';
import { BIN, ROOT, runCli } from './helpers.js';
import { withHarness, type Harness } from './sync.harness.js';

/** The built CLI with stdout kept as bytes (text decoding per chunk could split a character). */
function runBytes(args: readonly string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}

/** The remote's own text of every case, in CREATED (id) order, as the simulator sends it. */
async function remoteCaseTexts(url: string, hc: string): Promise<string[]> {
  const out: string[] = [];
  for (let offset = 0; ; offset += 500) {
    const res = await fetch(`${url}/helpcenter/case?id=${hc}&sortBy=CREATED&sortOrder=asc&offset=${offset}&limit=500`);
    const parts = splitListBody(await res.text())!;
    out.push(...parts.cases!);
    if (parts.cases!.length < 500) return out;
  }
}

/** RFC 4180 records (CRLF line ends, quoted fields with "" inside). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let cell = '';
    if (text[i] === '"') {
      for (i++; ; i++) {
        if (text[i] === '"' && text[i + 1] === '"') (cell += '"'), i++;
        else if (text[i] === '"') break;
        else cell += text[i];
      }
      i++;
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r') cell += text[i++];
    }
    row.push(cell);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) (rows.push(row), (row = []), (i += 2));
    else throw new Error(`not CRLF-terminated CSV at ${i}: ${JSON.stringify(text.slice(i, i + 20))}`);
  }
  return rows;
}

const HOSTILE = { company: '=HYPERLINK("http://x.example","y")', subject: 'Faktura, "rykker"\r\nlinje 2', customerName: '@SUM(1+1)' };

async function synced(fn: (h: Harness, a: string, b: string) => Promise<void>): Promise<void> {
  await withHarness({ seed: 31, helpcenters: 2, cases: 1100 }, async (h) => {
    const [a, b] = h.sim.world.helpcenterIds() as [string, string];
    h.sim.world.addCase(a, HOSTILE);
    await h.sync(a, 'full');
    await h.sync(b, 'full');
    await fn(h, a, b);
  });
}

describe('hcsync export', () => {
  it('NDJSON cases are the remote\'s bytes; CSV follows the spreadsheet rules with the views\' columns; --out, --bom and the filters', async () => {
    await synced(async (h, a, b) => {
      const db = ['--db', h.dbFile];
      const remote = await remoteCaseTexts(h.sim.url, a);
      const nd = await runBytes(['export', ...db, '--format', 'ndjson', '--helpcenter', a]);
      expect(nd.stderr).toBe('');
      expect(nd.code).toBe(0);
      expect(nd.stdout.equals(Buffer.from(remote.map((t) => `${t}\n`).join('')))).toBe(true);

      // every helpcenter, by id; the same bytes through --out
      const file = path.join(h.dir, 'out', 'all.ndjson');
      const all = await runBytes(['export', ...db, '--format', 'ndjson', '--out', file]);
      expect(all.code).toBe(0);
      expect(all.stderr).toBe(`2201 cases written to ${file}\n`);
      const both = [a, b].sort();
      const expected = [...(await remoteCaseTexts(h.sim.url, both[0]!)), ...(await remoteCaseTexts(h.sim.url, both[1]!))];
      expect(readFileSync(file).equals(Buffer.from(expected.map((t) => `${t}\n`).join('')))).toBe(true);
      expect(readdirSync(path.dirname(file))).toEqual(['all.ndjson']); // no temp file left

      // CSV: the v_cases columns and values, text neutralised, CRLF, no BOM on stdout unless asked
      const csv = await runBytes(['export', ...db, '--format', 'csv', '--helpcenter', a]);
      expect(csv.code).toBe(0);
      const text = csv.stdout.toString('utf8');
      expect(text.startsWith(`${VIEW_COLUMNS.v_cases.join(',')}\r\n`)).toBe(true);
      const records = parseCsv(text);
      const ro = new Database(h.dbFile, { readonly: true });
      const view = ro.prepare('SELECT * FROM v_cases WHERE helpcenter = ? ORDER BY id').raw().all(a) as unknown[][];
      ro.close();
      expect(records.length).toBe(view.length + 1);
      const neutral = (v: unknown) => (v === null ? '' : typeof v === 'string' && /^[=+\-@\t\r]/.test(v) ? `'${v}` : String(v));
      expect(records.slice(1)).toEqual(view.map((r) => r.map(neutral)));
      const hostile = records.find((r) => r[5] === `'${HOSTILE.company}`)!;
      expect(hostile[4]).toBe(HOSTILE.subject);
      expect(hostile[6]).toBe(`'${HOSTILE.customerName}`);
      expect(text).toContain(`"'=HYPERLINK(""http://x.example"",""y"")"`);
      const bom = await runBytes(['export', ...db, '--format', 'csv', '--helpcenter', a, '--bom']);
      expect(bom.stdout.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(true);
      expect(bom.stdout.subarray(3).equals(csv.stdout)).toBe(true);
      const csvFile = path.join(h.dir, 'cases.csv');
      expect((await runBytes(['export', ...db, '--format', 'csv', '--helpcenter', a, '--out', csvFile])).code).toBe(0);
      expect(readFileSync(csvFile).equals(bom.stdout)).toBe(true);

      // --since/--until: cases by creation time, messages by sent, events by when observed
      const ids = remote.map((t) => (JSON.parse(t) as { _id: string })._id);
      const since = new Date(idCreatedMs(ids[300]!)).toISOString().slice(0, 10);
      const until = new Date(idCreatedMs(ids[700]!)).toISOString().slice(0, 10);
      const inWindow = remote.filter((t) => {
        const ms = idCreatedMs((JSON.parse(t) as { _id: string })._id);
        return ms >= Date.parse(since) && ms < Date.parse(until);
      });
      expect(inWindow.length).toBeGreaterThan(100);
      const win = await runBytes(['export', ...db, '--format', 'ndjson', '--helpcenter', a, '--since', since, '--until', until]);
      expect(win.stdout.toString('utf8')).toBe(inWindow.map((t) => `${t}\n`).join(''));
      const msgs = await runBytes(['export', ...db, '--format', 'ndjson', '--table', 'messages', '--helpcenter', a, '--since', since, '--until', until]);
      const lines = msgs.stdout.toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.length).toBeGreaterThan(100);
      expect(Object.keys(lines[0]!)).toEqual([...VIEW_COLUMNS.v_messages]);
      for (const m of lines) expect(m.sent_at! >= since && m.sent_at! < until).toBe(true);
      const events = await runBytes(['export', ...db, '--format', 'csv', '--table', 'events', '--helpcenter', b]);
      const ev = parseCsv(events.stdout.toString('utf8'));
      expect(ev[0]).toEqual([...VIEW_COLUMNS.v_case_events]);
      expect(ev.length).toBe(1101); // one `created` per case of b
    });
  });

  it('refuses bad options and unsynced helpcenters in one line, and a closed pipe ends it quietly', async () => {
    await synced(async (h, a) => {
      const db = ['--db', h.dbFile];
      const cases: [string[], number, string][] = [
        [['--format', 'xml'], 2, 'hcsync: --format must be ndjson or csv, got "xml"\n'],
        [['--format', 'csv', '--table', 'users'], 2, 'hcsync: --table must be cases, messages or events, got "users"\n'],
        [[], 2, 'hcsync: --format is required: ndjson or csv\n'],
        [['--format', 'csv', '--since', '2026-02-30'], 2, 'hcsync: --since must be a real date, got "2026-02-30": 2026-02 has no day 30\n'],
        [['--format', 'csv', '--helpcenter', 'xyz'], 2, 'hcsync: --helpcenter must be 24 hex characters, got "xyz"\n'],
        [['--format', 'csv', '--out', h.dir], 2, `hcsync: --out ${h.dir} is a directory; give a file name (a new one inside it, or a file to replace)\n`],
        [['--format', 'csv', '--helpcenter', 'aaaaaaaaaaaaaaaaaaaaaaaa'], 1, 'hcsync: not_synced: This helpcenter has never been synced to the local store\n'],
      ];
      for (const [args, code, stderr] of cases) {
        const r = await runCli(['export', ...db, ...args]);
        expect({ args, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ args, code, stderr, stdout: '' });
      }
      const piped = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const sh = spawn('bash', ['-c', `"${process.execPath}" "${BIN}" export --db "${h.dbFile}" --format ndjson --helpcenter ${a} | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"`], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        sh.stdout.on('data', (d: Buffer) => (out += d.toString()));
        sh.stderr.on('data', (d: Buffer) => (err += d.toString()));
        sh.on('close', (code) => resolve({ code, out, err }));
      });
      expect(piped).toEqual({ code: 0, out: '0\n', err: '' });
    });
  });
});
