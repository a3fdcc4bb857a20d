import { DAY_MS, MINUTE_MS, type HelpcenterReport, type Report } from './types.js';
import { utcDate } from './build.js';

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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** `6 Jan 2025` for a UTC date `2025-01-06`. */
export function readableDate(date: string): string {
  const [y, m, d] = date.split('-');
  return `${Number(d)} ${MONTHS[Number(m) - 1] ?? m} ${y}`;
}

/** `30 Nov 2026, 16:55 UTC` for an ISO instant. */
export function readableTime(isoInstant: string): string {
  return `${readableDate(isoInstant.slice(0, 10))}, ${isoInstant.slice(11, 16)} UTC`;
}

/** Text made safe inside HTML elements and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
