import { table } from '../../contract/text.js';
import { agentLabel, describeWindow, formatDuration, formatNumber, readableMinute } from './format.js';
import type { HelpcenterReport, Report } from './types.js';

/**
 * The report for a terminal: the headline numbers per helpcenter, then the
 * recent days, busiest hours, companies, agents and backlog as tables. Every
 * cell goes through `table` (terminal-safe, cut by display width).
 */

/** Rows of the per-day series and of the agents in the terminal; json/csv/html carry all. */
const TERMINAL_DAYS = 14;
const TERMINAL_AGENTS = 20;

/** The whole report as terminal text: a header line, then one block per helpcenter. */
export function reportText(r: Report): string {
  const head =
    `Report for ${describeWindow(r)} (cases by creation time, messages by sent time, UTC; percentiles ${r.percentiles}); ` +
    `generated ${readableMinute(Date.parse(r.generatedAt))}`;
  if (r.helpcenters.length === 0) return `${head}\nno helpcenter synced yet\n`;
  return `${head}\n\n${r.helpcenters.map(helpcenterText).join('\n\n')}\n`;
}

function lastRows<T>(rows: readonly T[], what: string): { rows: readonly T[]; title: string } {
  const shown = rows.slice(-TERMINAL_DAYS);
  return { rows: shown, title: shown.length < rows.length ? `${what} (last ${shown.length} of ${rows.length} days)` : what };
}

/** The headline numbers: states, backlog, response, resolution, messages per case. */
export function summaryTable(h: HelpcenterReport): string {
  const fr = h.firstResponse;
  const res = h.resolution;
  const zero = res.withoutMessages ? ` (${res.withoutMessages} without messages count as 0)` : '';
  const summary: string[][] = [
    ['cases created', `${h.cases.total}: ${h.cases.UNHANDLED} UNHANDLED, ${h.cases.HANDLING} HANDLING, ${h.cases.CLOSED} CLOSED`],
    ['open', `${h.backlog.open} at the last sync (any creation time); age median ${formatDuration(h.backlog.ageMs.median)}, ` +
      `p90 ${formatDuration(h.backlog.ageMs.p90)}, max ${formatDuration(h.backlog.ageMs.max)}`],
    ['first response', `median ${formatDuration(fr.ms.median)}, p90 ${formatDuration(fr.ms.p90)} over ${fr.answered} answered`],
    ['not counted', `${fr.unanswered} unanswered, ${fr.outgoingFirst} outgoing first, ${fr.noConversation} without messages`],
    ['resolution', `median ${formatDuration(res.ms.median)}, p90 ${formatDuration(res.ms.p90)} ` +
      `over ${res.closed} CLOSED, creation → last activity${zero}`],
    ['messages/case', `mean ${formatNumber(h.messagesPerCase.mean)}, median ${formatNumber(h.messagesPerCase.median)}, ` +
      `p90 ${formatNumber(h.messagesPerCase.p90)}`],
  ];
  return table(['metric', 'value'], summary, [14, 110]);
}

/** `helpcenter … (as of its last sync …)`: the "now" of the ages below. */
export function helpcenterHeading(h: HelpcenterReport): string {
  return `helpcenter ${h.helpcenter}, as of its last sync ${readableMinute(Date.parse(h.asOf))} (ages are measured to then)`;
}

function helpcenterText(h: HelpcenterReport): string {
  const lines: string[] = [helpcenterHeading(h), summaryTable(h)];

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
  const agentsTitle =
    agents.length < h.agents.length ? `outgoing messages per agent (top ${agents.length} of ${h.agents.length})` : 'outgoing messages per agent';
  lines.push('', agentsTitle);
  lines.push(table(['agent', 'outgoing'], agents.map((a) => [agentLabel(a.agent), String(a.outgoing)]), [40, 8]));

  const backlog = lastRows(h.backlogOverTime, 'open cases at the end of each day (observed by the sync)');
  lines.push('', backlog.title, table(['date', 'open'], backlog.rows.map((b) => [b.date, String(b.open)])));
  return lines.join('\n');
}
