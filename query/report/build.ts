import { apiError } from '../../contract/errors.js';
import { RANK_STATE, idCreatedMs } from '../../contract/order.js';
import type { Store } from '../../store/index.js';
import type { ReportCaseRow, ReportEventRow, ReportQueries, ReportWindow } from '../../store/report.js';
import {
  DAY_MS, HOUR_MS, MINUTE_MS, TOP_COMPANIES, WEEKDAYS, PERCENTILE_METHOD,
  type HelpcenterReport, type HistogramBucket, type Report, type ReportOptions, type Spread,
} from './types.js';

/**
 * Helpdesk analytics (docs/decisions.md#reporting-over-the-local-copy) over the local copy. The SQL lives in
 * store/report.ts; this module turns its rows into metrics. The README
 * section "Reporting" states each metric's definition; keep the two in step.
 *
 * Window: `sinceMs` inclusive, `untilMs` exclusive, both optional.
 *  - case metrics take the live cases CREATED in the window (creation = the
 *    `_id`'s first 8 hex digits);
 *  - the open backlog is a snapshot of every open case as of the helpcenter's
 *    last successful sync (`asOf`: what the copy knows is as old as that,
 *    so an age measured to the wall clock would grow while nothing is
 *    synced): no window;
 *  - message metrics (messages per day, heatmap, agents) take the messages
 *    SENT in the window, of any live case;
 *  - backlog over time replays the whole event log and reports the days of
 *    the window.
 * Percentiles: nearest-rank everywhere (`percentile`).
 */

/** Histogram buckets for response and resolution times (upper ends, ms). */
const BUCKETS: readonly [string, number | null][] = [
  ['<15m', 15 * MINUTE_MS],
  ['15m–1h', HOUR_MS],
  ['1–4h', 4 * HOUR_MS],
  ['4h–1d', DAY_MS],
  ['1–2d', 2 * DAY_MS],
  ['2–7d', 7 * DAY_MS],
  ['1–4w', 28 * DAY_MS],
  ['≥4w', null],
];

/**
 * Nearest-rank percentile of ascending `sorted`: the value at rank ⌈p·n/100⌉
 * (1-based). Always an observed value; the median (p = 50) of an even count
 * is the lower middle one. null for no values.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  // p·n/100 in integers first: 0.9 * 70 is 63.00000000000001 in floating point
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100));
  return sorted[rank - 1]!;
}

/** Median and p90; sorts `values` in place. */
function spread(values: number[]): Spread {
  values.sort((a, b) => a - b);
  return { median: percentile(values, 50), p90: percentile(values, 90) };
}

function histogram(values: readonly number[]): HistogramBucket[] {
  let from = 0;
  const buckets = BUCKETS.map(([label, to]) => {
    const b: HistogramBucket = { label, fromMs: from, toMs: to, count: 0 };
    from = to ?? from;
    return b;
  });
  for (const v of values) {
    const i = buckets.findIndex((b) => b.toMs === null || v < b.toMs);
    buckets[i]!.count++;
  }
  return buckets;
}

export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

/** Build the report; one read transaction, so every number comes from the same committed state. */
export function buildReport(store: Store, opts: ReportOptions = {}): Report {
  const nowMs = opts.nowMs ?? Date.now();
  const w: ReportWindow = { sinceMs: opts.sinceMs ?? null, untilMs: opts.untilMs ?? null };
  const q = store.report;
  const helpcenters = store.read(() => {
    let hcs = q.helpcenters();
    if (opts.helpcenter !== undefined) {
      const one = q.helpcenter(opts.helpcenter);
      if (!one) throw apiError('not_synced');
      hcs = [one];
    }
    return hcs.map((h) => helpcenterReport(q, h.hc, h.id, w, opts.asOfMs ?? h.lastSyncMs ?? h.lastEventMs ?? nowMs));
  });
  return {
    generatedAt: new Date(nowMs).toISOString(),
    since: w.sinceMs === null ? null : new Date(w.sinceMs).toISOString(),
    until: w.untilMs === null ? null : new Date(w.untilMs).toISOString(),
    percentiles: PERCENTILE_METHOD,
    helpcenters,
  };
}

function helpcenterReport(q: ReportQueries, hc: number, id: string, w: ReportWindow, asOfMs: number): HelpcenterReport {
  const cases = q.cases(hc, w);
  const m = caseMetrics(cases);
  // keys in the order the README lists the metrics
  return {
    helpcenter: id,
    asOf: new Date(asOfMs).toISOString(),
    cases: m.cases,
    backlog: backlog(q.openCaseIds(hc), asOfMs),
    firstResponse: firstResponse(q, hc, w, cases.length),
    resolution: m.resolution,
    messagesPerCase: m.messagesPerCase,
    volumePerDay: volumePerDay(cases, q.messagesPerDay(hc, w)),
    incomingHeatmap: heatmap(q, hc, w),
    ...companies(cases),
    agents: q.outgoingByAgent(hc, w).map((a) => ({ agent: a.agent, outgoing: a.n })),
    backlogOverTime: backlogOverTime(q.events(hc), w, asOfMs),
  };
}

function caseMetrics(cases: readonly ReportCaseRow[]): Pick<HelpcenterReport, 'cases' | 'resolution' | 'messagesPerCase'> {
  const byState = { UNHANDLED: 0, HANDLING: 0, CLOSED: 0 };
  const resolutions: number[] = [];
  const counts: number[] = [];
  let closedWithoutMessages = 0;
  for (const c of cases) {
    byState[RANK_STATE[c.stateRank]!]++;
    if (c.stateRank === 2) {
      resolutions.push(Math.max(0, c.sentMs - idCreatedMs(c.id)));
      if (c.messageCount === 0) closedWithoutMessages++;
    }
    counts.push(c.messageCount);
  }
  const mean = counts.length ? Math.round((counts.reduce((a, b) => a + b, 0) / counts.length) * 100) / 100 : null;
  return {
    cases: { total: cases.length, ...byState },
    resolution: {
      closed: resolutions.length, withoutMessages: closedWithoutMessages, ms: spread(resolutions), histogram: histogram(resolutions),
    },
    messagesPerCase: { cases: counts.length, mean, ...spread(counts) },
  };
}

/** A snapshot as of `asOfMs` of every open case, whenever created: the window does not apply. */
function backlog(openIds: readonly string[], asOfMs: number): HelpcenterReport['backlog'] {
  const ages = openIds.map((id) => Math.max(0, asOfMs - idCreatedMs(id))).sort((a, b) => a - b);
  return { open: ages.length, ageMs: { median: percentile(ages, 50), p90: percentile(ages, 90), max: ages.at(-1) ?? null } };
}

/**
 * Per case, its dated INCOMING/OUTGOING messages in conversation order: the
 * first decides. OUTGOING first → excluded; INCOMING first → the first
 * OUTGOING after it answers it, or the case is unanswered.
 */
function firstResponse(q: ReportQueries, hc: number, w: ReportWindow, caseCount: number): HelpcenterReport['firstResponse'] {
  const times: number[] = [];
  let conversations = 0;
  let outgoingFirst = 0;
  let current: string | null = null;
  let waitingSince: number | null = null; // first INCOMING's time while no reply yet
  for (const m of q.conversation(hc, w)) {
    if (m.caseId !== current) {
      current = m.caseId;
      conversations++;
      waitingSince = m.type === 'INCOMING' ? m.sentMs : null;
      if (m.type === 'OUTGOING') outgoingFirst++;
    } else if (waitingSince !== null && m.type === 'OUTGOING') {
      times.push(m.sentMs - waitingSince);
      waitingSince = null;
    }
  }
  const answered = times.length;
  return {
    answered,
    unanswered: conversations - outgoingFirst - answered,
    outgoingFirst,
    noConversation: caseCount - conversations,
    ms: spread(times),
    histogram: histogram(times),
  };
}

function volumePerDay(cases: readonly ReportCaseRow[], messages: readonly { date: string; n: number }[]): HelpcenterReport['volumePerDay'] {
  const byDay = new Map<number, { cases: number; messages: number }>();
  const at = (day: number) => {
    let v = byDay.get(day);
    if (!v) byDay.set(day, (v = { cases: 0, messages: 0 }));
    return v;
  };
  for (const c of cases) at(dayOf(idCreatedMs(c.id))).cases++;
  for (const m of messages) at(dayOf(Date.parse(`${m.date}T00:00:00Z`))).messages += m.n;
  if (byDay.size === 0) return [];
  const days = [...byDay.keys()];
  const first = Math.min(...days);
  const last = Math.max(...days);
  const out: HelpcenterReport['volumePerDay'] = [];
  for (let d = first; d <= last; d++) out.push({ date: utcDate(d * DAY_MS), cases: 0, messages: 0, ...byDay.get(d) });
  return out;
}

function heatmap(q: ReportQueries, hc: number, w: ReportWindow): HelpcenterReport['incomingHeatmap'] {
  const counts = WEEKDAYS.map(() => new Array<number>(24).fill(0));
  // SQLite's %w counts from Sunday = 0; the report starts the week on Monday
  for (const c of q.incomingByWeekdayHour(hc, w)) counts[(c.weekday + 6) % 7]![c.hour] = c.n;
  return { weekdays: WEEKDAYS, counts };
}

function companies(cases: readonly ReportCaseRow[]): Pick<HelpcenterReport, 'topCompanies' | 'casesWithoutCompany'> {
  const n = new Map<string, number>();
  let without = 0;
  for (const c of cases) {
    if (c.company === null || c.company.trim() === '') without++;
    else n.set(c.company, (n.get(c.company) ?? 0) + 1);
  }
  const top = [...n]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, TOP_COMPANIES)
    .map(([company, cases]) => ({ company, cases }));
  return { topCompanies: top, casesWithoutCompany: without };
}

/**
 * Replay the observed events: `created` and `restored` set a case's state
 * and make it live, `state` changes it, `deleted` removes it. A point is the
 * number of live UNHANDLED/HANDLING cases after every event before the end
 * of its UTC day (or before --until, when that comes first). Points start
 * with the first day that has an event before its end (nothing is known
 * before the first sync), not before --since's day, and end with the day of
 * `asOfMs`, the last sync (or of --until, if earlier).
 */
export function backlogOverTime(events: Iterable<ReportEventRow>, w: ReportWindow, asOfMs: number): HelpcenterReport['backlogOverTime'] {
  const lastDay = dayOf(w.untilMs === null ? asOfMs : Math.min(w.untilMs - 1, asOfMs));
  const cutoff = (day: number) => Math.min((day + 1) * DAY_MS, w.untilMs ?? Number.POSITIVE_INFINITY);
  const openNow = new Map<string, boolean>(); // live cases: is it open?
  let open = 0;
  let seen = false;
  const out: HelpcenterReport['backlogOverTime'] = [];
  let day = w.sinceMs === null ? Number.NEGATIVE_INFINITY : dayOf(w.sinceMs);
  const emitUntil = (atMs: number) => {
    if (day === Number.NEGATIVE_INFINITY) day = dayOf(atMs);
    for (; day <= lastDay && atMs >= cutoff(day); day++) if (seen) out.push({ date: utcDate(day * DAY_MS), open });
  };
  for (const e of events) {
    emitUntil(e.atMs);
    if (day > lastDay) break;
    const was = openNow.get(e.caseId) ?? false;
    const is = e.kind !== 'deleted' && (e.toState === 'UNHANDLED' || e.toState === 'HANDLING');
    if (e.kind === 'deleted') openNow.delete(e.caseId);
    else openNow.set(e.caseId, is);
    open += Number(is) - Number(was);
    seen = true;
  }
  if (seen) emitUntil(Number.POSITIVE_INFINITY);
  return out;
}
