import { apiError } from '../contract/errors.js';
import { RANK_STATE, idCreatedMs } from '../contract/order.js';
import type { CaseState } from '../contract/types.js';
import type { Store } from '../store/index.js';
import type { ReportCaseRow, ReportEventRow, ReportQueries, ReportWindow } from '../store/report.js';

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

export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
export const TOP_COMPANIES = 10;
/** Monday first (ISO 8601). */
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export const PERCENTILE_METHOD = 'nearest-rank';

export interface ReportOptions {
  /** 24 hex characters; absent: every synced helpcenter */
  helpcenter?: string;
  sinceMs?: number;
  untilMs?: number;
  /** when the report is made (`generatedAt`); default Date.now() */
  nowMs?: number;
  /**
   * the "now" of every helpcenter's backlog ages and last backlog point;
   * default: its last successful sync's end (else the last change the sync
   * observed, else `nowMs`)
   */
  asOfMs?: number;
}

/** null: no value to take a statistic of ("n/a") */
export interface Spread {
  median: number | null;
  p90: number | null;
}

export interface HistogramBucket {
  /** e.g. "1–4h" */
  label: string;
  fromMs: number;
  /** exclusive; null: no upper end */
  toMs: number | null;
  count: number;
}

export interface HelpcenterReport {
  helpcenter: string;
  /** ISO: the instant ages are measured to, the end of the last successful sync (see ReportOptions.asOfMs) */
  asOf: string;
  /** live cases created in the window, by current state */
  cases: { total: number } & Record<CaseState, number>;
  /** every live UNHANDLED or HANDLING case as of `asOf`, whenever created (not windowed); age = asOf − creation */
  backlog: { open: number; ageMs: Spread & { max: number | null } };
  firstResponse: {
    /** first INCOMING answered by a later OUTGOING: these have a time */
    answered: number;
    /** first INCOMING with no OUTGOING after it */
    unanswered: number;
    /** the conversation began with an OUTGOING: excluded */
    outgoingFirst: number;
    /** no dated INCOMING or OUTGOING message: excluded */
    noConversation: number;
    ms: Spread;
    histogram: HistogramBucket[];
  };
  /** CLOSED cases: creation → last activity; `withoutMessages` of them count as 0 (their last activity is their creation) */
  resolution: { closed: number; withoutMessages: number; ms: Spread; histogram: HistogramBucket[] };
  /** all messages (any type) of each case created in the window */
  messagesPerCase: { cases: number; mean: number | null } & Spread;
  /** UTC days from the first to the last with any case created or message sent in the window */
  volumePerDay: { date: string; cases: number; messages: number }[];
  /** INCOMING messages sent in the window: counts[weekday Mon..Sun][hour 0..23], UTC */
  incomingHeatmap: { weekdays: readonly string[]; counts: number[][] };
  topCompanies: { company: string; cases: number }[];
  casesWithoutCompany: number;
  /** OUTGOING messages sent in the window per `sentBy` (null: not given), most first */
  agents: { agent: string | null; outgoing: number }[];
  /** open cases at the end of each UTC day (or at --until / now), replayed from the observed events */
  backlogOverTime: { date: string; open: number }[];
}

export interface Report {
  generatedAt: string;
  since: string | null;
  until: string | null;
  percentiles: typeof PERCENTILE_METHOD;
  helpcenters: HelpcenterReport[];
}

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
    resolution: { closed: resolutions.length, withoutMessages: closedWithoutMessages, ms: spread(resolutions), histogram: histogram(resolutions) },
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

/** "3d 4h", "2h 05m", "12m", "45s"; "n/a" for null. */
export function formatDuration(ms: number | null): string {
  if (ms === null) return 'n/a';
  if (ms < MINUTE_MS) return `${Math.round(ms / 1000)}s`;
  const m = Math.floor(ms / MINUTE_MS);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function formatNumber(v: number | null): string {
  return v === null ? 'n/a' : String(v);
}

/** "all time", or "<since> to <until>" (readable: `2025-01-06`, `2025-01-07 08:00 UTC`) with "the beginning" / "now" for an open end. */
export function describeWindow(r: Pick<Report, 'since' | 'until'>): string {
  const at = (s: string | null, open: string) => (s === null ? open : readableInstant(Date.parse(s)));
  return r.since || r.until ? `${at(r.since, 'the beginning')} to ${at(r.until, 'now')}` : 'all time';
}

/** `2025-01-06` at midnight UTC, else `2025-01-07 08:00 UTC` (seconds shown only when not 0). */
export function readableInstant(ms: number): string {
  const s = new Date(ms).toISOString();
  if (s.endsWith('T00:00:00.000Z')) return s.slice(0, 10);
  const sec = s.slice(17, 23) === '00.000' ? '' : `:${s.slice(17, 19)}`;
  return `${s.slice(0, 10)} ${s.slice(11, 16)}${sec} UTC`;
}

/** `2025-01-07 08:00 UTC`: to the minute, for when a report was made or its data synced. */
export function readableMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Monday (UTC date, YYYY-MM-DD) of the ISO week a UTC date falls in. */
export function weekStart(date: string): string {
  const ms = Date.parse(`${date}T00:00:00Z`);
  return utcDate(ms - ((new Date(ms).getUTCDay() + 6) % 7) * DAY_MS);
}

/**
 * Volume per ISO week (Monday first) from volume per day: `days` counts the
 * days of the week inside the report's range (7 but for a partial first or
 * last week).
 */
export function volumePerWeek(perDay: HelpcenterReport['volumePerDay']): { week: string; days: number; cases: number; messages: number }[] {
  const out: { week: string; days: number; cases: number; messages: number }[] = [];
  for (const d of perDay) {
    const week = weekStart(d.date);
    let last = out[out.length - 1];
    if (last?.week !== week) out.push((last = { week, days: 0, cases: 0, messages: 0 }));
    last.days++;
    last.cases += d.cases;
    last.messages += d.messages;
  }
  return out;
}

/** How a `sentBy` shows where null cannot: in tables, CSV and charts. */
export function agentLabel(agent: string | null): string {
  return agent ?? '(unknown)';
}
