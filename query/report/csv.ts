import { csvDocument } from '../csv.js';
import { agentLabel } from './format.js';
import type { HelpcenterReport, Report, Spread } from './types.js';

/**
 * The report as one long CSV table `helpcenter,metric,key,value` (RFC 4180,
 * CRLF line ends): one header, every number on its own row, so a spreadsheet
 * pivot or `csv.DictReader` reads every metric the same way. Durations are in
 * ms; "n/a" is an empty value. Report-wide rows (window, method) have an
 * empty helpcenter. Text cells are neutralised for spreadsheets (query/csv.ts);
 * `bom` puts a UTF-8 byte-order mark first (files written with --out).
 */
export const CSV_HEADER = ['helpcenter', 'metric', 'key', 'value'] as const;

type Row = readonly [string, string, string, string | number | null];

export function reportCsv(r: Report, opts: { bom?: boolean } = {}): string {
  const rows: Row[] = [
    ['', 'report', 'generatedAt', r.generatedAt],
    ['', 'report', 'since', r.since],
    ['', 'report', 'until', r.until],
    ['', 'report', 'percentiles', r.percentiles],
  ];
  for (const h of r.helpcenters) rows.push(...helpcenterRows(h));
  return csvDocument([CSV_HEADER, ...rows], opts);
}

function helpcenterRows(h: HelpcenterReport): Row[] {
  const id = h.helpcenter;
  const rows: Row[] = [];
  const add = (metric: string, key: string, value: string | number | null) => rows.push([id, metric, key, value]);
  const spread = (metric: string, s: Spread) => {
    add(metric, 'median', s.median);
    add(metric, 'p90', s.p90);
  };
  add('report', 'asOf', h.asOf);
  for (const [k, v] of Object.entries(h.cases)) add('cases', k, v);
  add('backlog', 'open', h.backlog.open);
  spread('backlog_age_ms', h.backlog.ageMs);
  add('backlog_age_ms', 'max', h.backlog.ageMs.max);
  const fr = h.firstResponse;
  add('first_response', 'answered', fr.answered);
  add('first_response', 'unanswered', fr.unanswered);
  add('first_response', 'outgoing_first', fr.outgoingFirst);
  add('first_response', 'no_conversation', fr.noConversation);
  spread('first_response_ms', fr.ms);
  for (const b of fr.histogram) add('first_response_histogram', b.label, b.count);
  add('resolution', 'closed', h.resolution.closed);
  add('resolution', 'without_messages', h.resolution.withoutMessages);
  spread('resolution_ms', h.resolution.ms);
  for (const b of h.resolution.histogram) add('resolution_histogram', b.label, b.count);
  add('messages_per_case', 'cases', h.messagesPerCase.cases);
  add('messages_per_case', 'mean', h.messagesPerCase.mean);
  spread('messages_per_case', h.messagesPerCase);
  for (const d of h.volumePerDay) {
    add('cases_per_day', d.date, d.cases);
    add('messages_per_day', d.date, d.messages);
  }
  h.incomingHeatmap.counts.forEach((hours, wd) =>
    hours.forEach((n, hour) => add('incoming_weekday_hour', `${h.incomingHeatmap.weekdays[wd]} ${String(hour).padStart(2, '0')}`, n)),
  );
  for (const c of h.topCompanies) add('top_companies', c.company, c.cases);
  add('cases_without_company', '', h.casesWithoutCompany);
  for (const a of h.agents) add('outgoing_per_agent', agentLabel(a.agent), a.outgoing);
  for (const b of h.backlogOverTime) add('backlog_open_end_of_day', b.date, b.open);
  return rows;
}
