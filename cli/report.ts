import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../contract/errors.js';
import { reportCsv } from '../query/report-csv.js';
import { reportHtml } from '../query/report-html.js';
import { agentLabel, buildReport, describeWindow, formatDuration, formatNumber, type HelpcenterReport, type Report, type ReportOptions } from '../query/report.js';
import { Store } from '../store/index.js';
import { demoSections } from './demo.js';
import { addHelpcenterOption, addStoreOption, commonOptions, parseInstant } from './options.js';
import { table } from './output.js';

export const REPORT_FORMATS = ['table', 'json', 'csv', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
/** An HTML page on a terminal helps nobody: without --out it goes here (next to the default store). */
export const DEFAULT_HTML_OUT = './data/report.html';
/** Rows of the per-day series and of the agents in the terminal; json/csv/html carry all. */
const TERMINAL_DAYS = 14;
const TERMINAL_AGENTS = 20;

export function registerReport(program: Command): void {
  demoSections.push((store, helpcenter, out) => {
    out(`$ hcsync report --db ${store.file} --helpcenter ${helpcenter}   # the summary; --format html for the charts`);
    const report = buildReport(store, { helpcenter });
    out(summaryTable(report.helpcenters[0]!));
    const html = path.join(path.dirname(store.file), 'demo-report.html');
    writeAtomically(html, reportHtml(report));
    out('');
    out(`HTML report with charts (one self-contained file, works offline): ${path.resolve(html)}`);
  });
  const cmd = program
    .command('report')
    .description('helpdesk analytics per helpcenter: states, backlog, response and resolution times, volume, busiest hours, companies, agents')
    .addOption(new Option('--since <date>', 'window start, inclusive (ISO date or date-time, e.g. 2026-01-31)'))
    .addOption(new Option('--until <date>', 'window end, exclusive (ISO date or date-time)'))
    .addOption(new Option('--format <format>', 'table, json, csv or html').default('table'))
    .addOption(new Option('--out <file>', `write to this file instead of stdout ("-": stdout); html defaults to ${DEFAULT_HTML_OUT}`));
  addStoreOption(cmd);
  addHelpcenterOption(cmd);
  cmd.action((raw: Record<string, unknown>) => {
    const o = commonOptions(raw);
    const format = String(raw.format).toLowerCase() as ReportFormat;
    if (!REPORT_FORMATS.includes(format)) throw new UsageError(`--format must be table, json, csv or html, got "${String(raw.format)}"`);
    const opts: ReportOptions = {};
    if (o.helpcenter !== undefined) opts.helpcenter = o.helpcenter;
    if (typeof raw.since === 'string') opts.sinceMs = parseInstant(raw.since, '--since');
    if (typeof raw.until === 'string') opts.untilMs = parseInstant(raw.until, '--until');
    if (opts.sinceMs !== undefined && opts.untilMs !== undefined && opts.sinceMs >= opts.untilMs) {
      throw new UsageError(`--since must be before --until, got ${String(raw.since)} and ${String(raw.until)}`);
    }
    const out = typeof raw.out === 'string' ? raw.out : format === 'html' ? DEFAULT_HTML_OUT : '-';
    const store = new Store(o.db, { readonly: true });
    let report: Report;
    try {
      report = buildReport(store, opts);
    } finally {
      store.close();
    }
    const text = format === 'json' ? `${JSON.stringify(report)}\n` : format === 'csv' ? reportCsv(report) : format === 'html' ? reportHtml(report) : reportText(report);
    if (out === '-') {
      process.stdout.write(text);
      return;
    }
    writeAtomically(out, text);
    process.stderr.write(`report written to ${path.resolve(out)}\n`);
  });
}

/** Write via a temp file and rename: a reader never sees half a report. */
function writeAtomically(file: string, text: string): void {
  const abs = path.resolve(file);
  mkdirSync(path.dirname(abs), { recursive: true });
  const tmp = `${abs}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, abs);
}

/** The terminal form: one block per helpcenter. */
export function reportText(r: Report): string {
  const head = `Report for ${describeWindow(r)} (cases by creation time, messages by sent time, UTC; percentiles ${r.percentiles})`;
  if (r.helpcenters.length === 0) return `${head}\nno helpcenter synced yet\n`;
  return `${head}\n\n${r.helpcenters.map(helpcenterText).join('\n\n')}\n`;
}

function lastRows<T>(rows: readonly T[], what: string): { rows: readonly T[]; title: string } {
  const shown = rows.slice(-TERMINAL_DAYS);
  return { rows: shown, title: shown.length < rows.length ? `${what} (last ${shown.length} of ${rows.length} days)` : what };
}

/** The headline numbers: states, backlog, response, resolution, messages per case. */
function summaryTable(h: HelpcenterReport): string {
  const fr = h.firstResponse;
  const summary: string[][] = [
    ['cases created', `${h.cases.total}: ${h.cases.UNHANDLED} UNHANDLED, ${h.cases.HANDLING} HANDLING, ${h.cases.CLOSED} CLOSED`],
    ['open now', `${h.backlog.open} (any creation time); age median ${formatDuration(h.backlog.ageMs.median)}, p90 ${formatDuration(h.backlog.ageMs.p90)}, max ${formatDuration(h.backlog.ageMs.max)}`],
    ['first response', `median ${formatDuration(fr.ms.median)}, p90 ${formatDuration(fr.ms.p90)} over ${fr.answered} answered`],
    ['not counted', `${fr.unanswered} unanswered, ${fr.outgoingFirst} outgoing first, ${fr.noConversation} without messages`],
    ['resolution', `median ${formatDuration(h.resolution.ms.median)}, p90 ${formatDuration(h.resolution.ms.p90)} over ${h.resolution.closed} CLOSED, creation → last activity`],
    ['messages/case', `mean ${formatNumber(h.messagesPerCase.mean)}, median ${formatNumber(h.messagesPerCase.median)}, p90 ${formatNumber(h.messagesPerCase.p90)}`],
  ];
  return table(['metric', 'value'], summary, [14, 100]);
}

function helpcenterText(h: HelpcenterReport): string {
  const lines: string[] = [`helpcenter ${h.helpcenter}`, summaryTable(h)];

  const vol = lastRows(h.volumePerDay, 'volume per day');
  lines.push('', vol.title, table(['date', 'cases', 'messages'], vol.rows.map((d) => [d.date, String(d.cases), String(d.messages)])));

  const cells = h.incomingHeatmap.counts
    .flatMap((hours, d) => hours.map((n, hr) => ({ day: h.incomingHeatmap.weekdays[d]!, hr, n })))
    .filter((c) => c.n > 0)
    .sort((a, b) => b.n - a.n)
    .slice(0, 10);
  lines.push('', 'busiest weekday × hour (incoming messages, UTC, top 10)');
  lines.push(table(['weekday', 'hour', 'incoming'], cells.map((c) => [c.day, `${String(c.hr).padStart(2, '0')}:00`, String(c.n)])));

  lines.push('', `top companies by cases (${h.casesWithoutCompany} cases without a company)`);
  lines.push(table(['company', 'cases'], h.topCompanies.map((c) => [c.company, String(c.cases)]), [40, 8]));

  const agents = h.agents.slice(0, TERMINAL_AGENTS);
  lines.push('', agents.length < h.agents.length ? `outgoing messages per agent (top ${agents.length} of ${h.agents.length})` : 'outgoing messages per agent');
  lines.push(table(['agent', 'outgoing'], agents.map((a) => [agentLabel(a.agent), String(a.outgoing)]), [40, 8]));

  const backlog = lastRows(h.backlogOverTime, 'open cases at the end of each day (observed by the sync)');
  lines.push('', backlog.title, table(['date', 'open'], backlog.rows.map((b) => [b.date, String(b.open)])));
  return lines.join('\n');
}
