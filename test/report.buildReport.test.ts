import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../contract/errors.js';
import { buildReport, percentile } from '../query/report/build.js';
import type { HelpcenterReport, ReportOptions } from '../query/report/types.js';
import { Store } from '../store/index.js';
import { withTempDir } from './helpers.js';
import { EMPTY_HC, HC, MON, NOW, S1, S3, writeFixture } from './report.fixture.js';

const H = 3_600_000;
const M = 60_000;
const DAY = 24 * H;

/** The report of the fixture store (see report.fixture.ts for the timeline the numbers below come from). */
async function fixtureReport(opts: ReportOptions): Promise<HelpcenterReport[]> {
  return withTempDir((dir) => {
    const file = path.join(dir, 'report.db');
    writeFixture(file);
    const store = new Store(file, { readonly: true });
    try {
      return buildReport(store, { nowMs: NOW, ...opts }).helpcenters;
    } finally {
      store.close();
    }
  });
}

/** A 7 × 24 grid of zeros with the given cells set: [weekday (Mon = 0), hour, count]. */
function grid(cells: [number, number, number][]): number[][] {
  const g = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  for (const [d, h, n] of cells) g[d]![h] = n;
  return g;
}

/** Counts per histogram bucket, in bucket order (<15m, 15m–1h, 1–4h, 4h–1d, 1–2d, 2–7d, 1–4w, ≥4w). */
const counts = (h: { count: number }[]) => h.map((b) => b.count);

describe('percentile (nearest-rank)', () => {
  it('takes the value at rank ⌈p·n/100⌉', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(ten, 50)).toBe(5);
    expect(percentile(ten, 90)).toBe(9);
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2); // lower middle
    expect(percentile([], 50)).toBeNull();
    // 0.9 × 70 is 63.00000000000001 in floating point; rank 63 is right
    expect(percentile(Array.from({ length: 70 }, (_, i) => i + 1), 90)).toBe(63);
  });
});

describe('buildReport over the fixture', () => {
  it('all time: every metric, numbers worked out by hand', async () => {
    const [hc, empty] = await fixtureReport({});
    expect(hc!.helpcenter).toBe(HC);
    expect(empty!.helpcenter).toBe(EMPTY_HC);
    const r = hc!;
    // ages and the backlog's last day are measured to the last successful sync, not the wall clock (NOW)
    expect(r.asOf).toBe(new Date(S3).toISOString());
    expect(empty!.asOf).toBe(new Date(S1).toISOString());
    // H is tombstoned: it counts nowhere but in the backlog replay
    expect(r.cases).toEqual({ total: 8, UNHANDLED: 1, HANDLING: 2, CLOSED: 5 });
    // open: C (Tue 13:00), D (Tue 14:00), G (Thu 09:00); as of S3 (Thu 18:00) → 53h, 52h, 9h
    expect(r.backlog).toEqual({ open: 3, ageMs: { median: 52 * H, p90: 53 * H, max: 53 * H } });
    // answered: F 10m, A 1h, G 2h30m (by time its INCOMING comes first), B 24h;
    // unanswered: Z, C; outgoing first: D; no messages: E
    expect(r.firstResponse).toMatchObject({ answered: 4, unanswered: 2, outgoingFirst: 1, noConversation: 1, ms: { median: H, p90: DAY } });
    expect(counts(r.firstResponse.histogram)).toEqual([1, 0, 2, 0, 1, 0, 0, 0]);
    // CLOSED: Z 0 (its only message is its creation), E 0 (no messages), F 10m, A 2h45m (last COMMENT), B 24h
    expect(r.resolution).toMatchObject({ closed: 5, withoutMessages: 1, ms: { median: 10 * M, p90: DAY } });
    expect(counts(r.resolution.histogram)).toEqual([3, 0, 1, 0, 1, 0, 0, 0]);
    // messages per case: Z1 A6 B2 C1 D3 E0 F2 G2 → 0 1 1 2 2 2 3 6, mean 17/8
    expect(r.messagesPerCase).toEqual({ cases: 8, mean: 2.13, median: 2, p90: 6 });
    expect(r.volumePerDay).toEqual([
      { date: '2025-01-05', cases: 1, messages: 1 },
      { date: '2025-01-06', cases: 2, messages: 7 },
      { date: '2025-01-07', cases: 2, messages: 5 },
      { date: '2025-01-08', cases: 2, messages: 2 },
      { date: '2025-01-09', cases: 1, messages: 2 },
    ]);
    // INCOMING: Z Sun 22, A Mon 08 + Mon 10, B Mon 08, C Tue 13, D Tue 15, F Wed 11, G Thu 09
    expect(r.incomingHeatmap.weekdays).toEqual(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
    expect(r.incomingHeatmap.counts).toEqual(grid([[0, 8, 2], [0, 10, 1], [1, 13, 1], [1, 15, 1], [2, 11, 1], [3, 9, 1], [6, 22, 1]]));
    expect(r.topCompanies).toEqual([
      { company: 'Acme', cases: 3 },
      { company: 'Beta, "Nordic"', cases: 3 },
      { company: 'Gamma & <Sons>', cases: 1 },
    ]);
    expect(r.casesWithoutCompany).toBe(1);
    // COMMENTs by Anna do not count; F's reply has no sentBy
    expect(r.agents).toEqual([{ agent: 'Anna', outgoing: 3 }, { agent: 'Bo', outgoing: 3 }, { agent: null, outgoing: 1 }]);
    // S1 Tue: A, B, H open; S2 Wed: B, H, C, D; S3 Thu: C, D, G (B closed, H deleted); nothing is known after S3
    expect(r.backlogOverTime).toEqual([
      { date: '2025-01-07', open: 3 },
      { date: '2025-01-08', open: 4 },
      { date: '2025-01-09', open: 3 },
    ]);
  });

  it('a window: cases by creation, messages by sent time; a case keeps its whole conversation', async () => {
    // Mon 00:00 to Tue 08:00: cases A and B; B's reply (Tue 08:20) is outside
    const [r] = await fixtureReport({ helpcenter: HC, sinceMs: MON, untilMs: MON + DAY + 8 * H });
    expect(r!.cases).toEqual({ total: 2, UNHANDLED: 0, HANDLING: 0, CLOSED: 2 });
    // the open backlog is a snapshot as of the last sync: the window does not apply
    expect(r!.backlog).toEqual({ open: 3, ageMs: { median: 52 * H, p90: 53 * H, max: 53 * H } });
    // B's first response still counts its reply: case metrics follow the case
    expect(r!.firstResponse).toMatchObject({ answered: 2, unanswered: 0, outgoingFirst: 0, noConversation: 0, ms: { median: H, p90: DAY } });
    expect(r!.resolution.ms).toEqual({ median: 2 * H + 45 * M, p90: DAY });
    expect(r!.messagesPerCase).toEqual({ cases: 2, mean: 4, median: 2, p90: 6 });
    expect(r!.volumePerDay).toEqual([{ date: '2025-01-06', cases: 2, messages: 7 }]);
    expect(r!.incomingHeatmap.counts).toEqual(grid([[0, 8, 2], [0, 10, 1]]));
    // message metrics do not: B's reply by Anna is outside
    expect(r!.agents).toEqual([{ agent: 'Anna', outgoing: 1 }, { agent: 'Bo', outgoing: 1 }]);
    expect(r!.topCompanies).toEqual([{ company: 'Acme', cases: 2 }]);
    // the first sync was Tue 12:00: nothing observed before --until
    expect(r!.backlogOverTime).toEqual([]);
  });

  it('backlog over time stops at --until; events before --since still count', async () => {
    // Wed 00:00 to Thu 12:00: S3 (Thu 18:00) is after the end
    const [r] = await fixtureReport({ helpcenter: HC, sinceMs: MON + 2 * DAY, untilMs: MON + 3 * DAY + 12 * H });
    expect(r!.backlogOverTime).toEqual([{ date: '2025-01-08', open: 4 }, { date: '2025-01-09', open: 4 }]);
    // created in the window: E, F (CLOSED), G (HANDLING)
    expect(r!.cases).toEqual({ total: 3, UNHANDLED: 0, HANDLING: 1, CLOSED: 2 });
  });

  it('--since is exact to the millisecond against the creation time in the _id', async () => {
    const [r] = await fixtureReport({ helpcenter: HC, sinceMs: MON + 8 * H + 1 });
    // A (created Mon 08:00:00.000) and Z are out; B…G (6 live cases) are in
    expect(r!.cases.total).toBe(6);
  });

  it('a helpcenter with no cases: zeros and nulls, never a crash', async () => {
    const [r] = await fixtureReport({ helpcenter: EMPTY_HC.toUpperCase() });
    expect(r).toEqual({
      helpcenter: EMPTY_HC,
      asOf: new Date(S1).toISOString(),
      cases: { total: 0, UNHANDLED: 0, HANDLING: 0, CLOSED: 0 },
      backlog: { open: 0, ageMs: { median: null, p90: null, max: null } },
      firstResponse: expect.objectContaining({ answered: 0, unanswered: 0, outgoingFirst: 0, noConversation: 0, ms: { median: null, p90: null } }),
      resolution: expect.objectContaining({ closed: 0, withoutMessages: 0, ms: { median: null, p90: null } }),
      messagesPerCase: { cases: 0, mean: null, median: null, p90: null },
      volumePerDay: [],
      incomingHeatmap: { weekdays: expect.any(Array), counts: grid([]) },
      topCompanies: [],
      casesWithoutCompany: 0,
      agents: [],
      backlogOverTime: [],
    });
    expect(counts(r!.firstResponse.histogram)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('asOfMs overrides the last sync as the "now" of ages', async () => {
    const [r] = await fixtureReport({ helpcenter: HC, asOfMs: NOW });
    // Fri 06:00: C 65h, D 64h, G 21h; the backlog runs to Friday
    expect(r!.asOf).toBe(new Date(NOW).toISOString());
    expect(r!.backlog.ageMs).toEqual({ median: 64 * H, p90: 65 * H, max: 65 * H });
    expect(r!.backlogOverTime.at(-1)).toEqual({ date: '2025-01-10', open: 3 });
  });

  it('an empty store has no helpcenters; an id never synced is not_synced', async () => {
    await withTempDir((dir) => {
      const store = new Store(path.join(dir, 'empty.db'));
      try {
        const r = buildReport(store, { nowMs: NOW });
        expect(r).toEqual({ generatedAt: new Date(NOW).toISOString(), since: null, until: null, percentiles: 'nearest-rank', helpcenters: [] });
        let err: unknown;
        try {
          buildReport(store, { helpcenter: 'f'.repeat(24) });
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(ApiError);
        expect((err as ApiError).key).toBe('not_synced');
      } finally {
        store.close();
      }
    });
  });
});
