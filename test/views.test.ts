import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { idCreatedMs, lastActivityMs, parseInstant } from '../contract/order.js';
import type { Case, CaseState, Message } from '../contract/types.js';
import { buildReport } from '../query/report/build.js';
import { VIEW_COLUMNS } from '../store/views.js';
import { ROOT } from './helpers.js';
import { withHarness } from './sync.harness.js';

const DOC = readFileSync(path.join(ROOT, 'docs', 'analytics.md'), 'utf8');
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SQLITE3 = '/usr/bin/sqlite3';

/** The ```sql blocks of docs/analytics.md, in order. */
function docQueries(): string[] {
  return [...DOC.matchAll(/^```sql\n([\s\S]*?)^```$/gm)].map((m) => m[1]!.trim());
}

/** The column names the doc's table for `view` lists, in order (a cell may name several: `a`, `b`). */
function documentedColumns(view: string): string[] {
  const start = DOC.indexOf(`### \`${view}\``);
  expect(start, `docs/analytics.md has a section for ${view}`).toBeGreaterThanOrEqual(0);
  const section = DOC.slice(start, DOC.indexOf('\n#', start + 4));
  const cols: string[] = [];
  for (const line of section.split('\n')) {
    const cell = /^\| ([^|]+) \|/.exec(line)?.[1];
    if (cell && cell.includes('`')) cols.push(...[...cell.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!));
  }
  return cols;
}

/** The report's first response for one case (README "report"), written out again as the reference. */
function firstResponseSeconds(c: Case): number | null {
  const msgs = (Array.isArray(c.messages) ? c.messages : [])
    .map((m: Message, seq) => ({ type: m.type, t: typeof m.sent === 'string' ? parseInstant(m.sent) : Number.NaN, seq }))
    .filter((m) => (m.type === 'INCOMING' || m.type === 'OUTGOING') && !Number.isNaN(m.t))
    .sort((a, b) => a.t - b.t || a.seq - b.seq);
  if (msgs[0]?.type !== 'INCOMING') return null;
  const reply = msgs.find((m) => m.type === 'OUTGOING');
  return reply ? (reply.t - msgs[0].t) / 1000 : null;
}

describe('the documented views (migration 4, docs/analytics.md)', () => {
  it('hold the live cases and their messages, in the documented columns, and every example query of the doc runs', async () => {
    await withHarness({ seed: 23, helpcenters: 2, cases: 900 }, async (h) => {
      const [a, b] = h.sim.world.helpcenterIds() as [string, string];
      // tolerant reading's cases: a state outside the three, a reply whose `sent` is no instant
      h.sim.world.addCase(b, { state: 'PENDING' as CaseState });
      h.sim.world.reply(b, h.sim.world.cases(b)[10]!._id, { type: 'OUTGOING', sent: 'ukendt' });
      await h.sync(a, 'full');
      await h.sync(b, 'full');
      // five cases leave the remote: the next full sweep tombstones them
      const gone = h.sim.world.cases(a).slice(100, 105).map((c) => c._id);
      for (const id of gone) expect(h.sim.world.deleteCase(a, id)).toBe(true);
      expect((await h.sync(a, 'full')).deleted).toBe(5);

      const db = new Database(h.dbFile, { readonly: true });
      try {
        // read-only views, nothing else: no table, trigger or index came with them
        const added = db.prepare("SELECT type, name FROM sqlite_schema WHERE name LIKE 'v\\_%' ESCAPE '\\' ORDER BY name").all();
        expect(added).toEqual(['v_case_events', 'v_cases', 'v_messages', 'v_sync_runs'].map((name) => ({ type: 'view', name })));

        for (const view of Object.keys(VIEW_COLUMNS) as (keyof typeof VIEW_COLUMNS)[]) {
          const cols = db.prepare(`SELECT * FROM ${view} LIMIT 0`).columns().map((c) => c.name);
          expect(cols, view).toEqual(VIEW_COLUMNS[view]);
          expect(documentedColumns(view), `docs/analytics.md documents ${view}'s columns`).toEqual(cols);
        }

        for (const hc of [a, b]) {
          const remote = h.sim.world.cases(hc);
          const rows = db.prepare('SELECT * FROM v_cases WHERE helpcenter = ? ORDER BY id').all(hc) as Record<string, unknown>[];
          expect(rows.length).toBe(remote.length);
          expect(rows.map((r) => r.id)).toEqual(remote.map((c) => c._id.toLowerCase()).sort());
          const byId = new Map(remote.map((c) => [c._id.toLowerCase(), c]));
          for (const r of rows) {
            const c = byId.get(r.id as string)!;
            expect(r.created_at).toMatch(ISO);
            expect(r.created_at).toBe(new Date(idCreatedMs(c._id)).toISOString());
            expect(r.last_activity_at).toBe(new Date(lastActivityMs(c)).toISOString());
            expect(r.state).toBe(c.state);
            expect(r.case_number).toBe(c.caseNumber);
            expect(r.message_count).toBe(c.messages?.length ?? 0);
            expect(r.first_response_seconds, `first response of ${c._id}`).toBe(firstResponseSeconds(c));
            expect(r.resolution_seconds).toBe(c.state === 'CLOSED' ? Math.max(0, lastActivityMs(c) - idCreatedMs(c._id)) / 1000 : null);
          }
          const messages = db.prepare('SELECT case_id, seq, type, sent_at, sent_by, content FROM v_messages WHERE helpcenter = ? ORDER BY case_id, seq').all(hc) as Record<string, unknown>[];
          const expected = [...remote]
            .sort((x, y) => (x._id.toLowerCase() < y._id.toLowerCase() ? -1 : 1))
            .flatMap((c) =>
              (c.messages ?? []).map((m, seq) => ({
                case_id: c._id.toLowerCase(),
                seq,
                type: m.type,
                sent_at: typeof m.sent !== 'string' || Number.isNaN(parseInstant(m.sent)) ? null : new Date(parseInstant(m.sent)).toISOString(),
                sent_by: m.sentBy ?? null,
                content: m.content ?? null,
              })),
            );
          expect(messages.length).toBe(expected.length);
          expect(messages).toEqual(expected);
        }
        expect(db.prepare("SELECT count(*) FROM v_cases WHERE state = 'PENDING'").pluck().get()).toBe(1);
        expect(db.prepare("SELECT count(*) FROM v_messages WHERE type = 'OUTGOING' AND sent_at IS NULL").pluck().get()).toBe(1);
        // the tombstoned cases are in the store, not in the views; their history is
        const tombstoned = db.prepare('SELECT count(*) FROM cases WHERE deleted_ms IS NOT NULL').pluck().get();
        expect(tombstoned).toBe(5);
        for (const id of gone) {
          expect(db.prepare('SELECT count(*) FROM v_cases WHERE id = ?').pluck().get(id.toLowerCase())).toBe(0);
          expect(db.prepare('SELECT count(*) FROM v_messages WHERE case_id = ?').pluck().get(id.toLowerCase())).toBe(0);
          expect(db.prepare("SELECT count(*) FROM v_case_events WHERE case_id = ? AND kind = 'deleted'").pluck().get(id.toLowerCase())).toBe(1);
        }
        const runs = db.prepare('SELECT * FROM v_sync_runs ORDER BY run_id').all() as Record<string, unknown>[];
        expect(runs.map((r) => [r.helpcenter, r.mode, r.status])).toEqual([[a, 'full', 'ok'], [b, 'full', 'ok'], [a, 'full', 'ok']]);
        for (const r of runs) expect(r.started_at).toMatch(ISO);

        // every ```sql block of the doc runs and answers something
        const queries = docQueries();
        expect(queries.length).toBeGreaterThanOrEqual(5);
        const answers = queries.map((q) => {
          const rows = db.prepare(q).all();
          expect(rows.length, q).toBeGreaterThan(0);
          return rows;
        });
        // the doc's nearest-rank median and p90 are the report's
        const ranked = answers.find((rows) => rows.some((r) => typeof r === 'object' && r !== null && 'median_seconds' in r)) as Record<string, number | string>[];
        expect(ranked).toBeDefined();
        const report = buildReport(h.store);
        for (const hr of report.helpcenters) {
          const row = ranked.find((r) => r.helpcenter === hr.helpcenter)!;
          expect(row.answered).toBe(hr.firstResponse.answered);
          expect(row.median_seconds).toBe(hr.firstResponse.ms.median! / 1000);
          expect(row.p90_seconds).toBe(hr.firstResponse.ms.p90! / 1000);
        }
      } finally {
        db.close();
      }

      if (!existsSync(SQLITE3)) {
        console.warn(`SKIPPED: the sqlite3 command-line shell (${SQLITE3}) is not installed; the doc's queries ran through better-sqlite3 only`);
        return;
      }
      const live = 900 * 2 + 1 - 5;
      const r = spawnSync(SQLITE3, ['-readonly', h.dbFile, docQueries()[0]!.replace(/;$/, '') + ' LIMIT 1;', 'SELECT count(*) FROM v_cases;'], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.stdout.trim().split('\n').at(-1)).toBe(String(live));
    });
  });
});
