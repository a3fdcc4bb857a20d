import {
  agentLabel, describeWindow, escapeHtml, formatDuration, formatNumber, readableDate, readableTime, volumePerWeek,
} from './format.js';
import { COLORS, barsChart, heatmapChart, histogramChart, lineChart } from './svg.js';
import { TOP_COMPANIES, type HelpcenterReport, type Report } from './types.js';

/**
 * The report as ONE self-contained HTML file: inline CSS, inline SVG charts
 * drawn here, no script, no external reference, so it opens offline and from
 * an e-mail attachment alike. Charts scale with the page (viewBox, width
 * 100%); each is drawn at about the width it is shown on a laptop so its text
 * stays readable. Hover titles (<title>) carry exact values. Every panel
 * says in a caption what it counts and how; a series of one point is a
 * sentence, not a chart.
 */

/** Past this many days, volume is drawn per week: ~1,000 px cannot show 730 daily points. */
export const WEEKLY_AFTER_DAYS = 90;

const esc = escapeHtml;

export function reportHtml(r: Report): string {
  const body = r.helpcenters.length
    ? r.helpcenters.map(helpcenterSection).join('\n')
    : '<p class="empty">No helpcenter has been synced into this store yet: run <code>hcsync sync</code> first.</p>';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hcsync report</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>HelpCenter report</h1>
<p class="meta">Window: <strong>${esc(describeWindow(r))}</strong> · cases are counted by their creation time, messages by the time they were sent · all times UTC · percentiles: ${esc(r.percentiles)} (the median of an even count is the lower middle value) · generated ${esc(readableTime(r.generatedAt))}</p>
</header>
<main>
${body}
</main>
<footer>Made by hcsync from the local copy. Definitions of every number: README, section "Reporting".</footer>
</body>
</html>
`;
}

const CSS = `
:root { color-scheme: light; --fg: #1f2937; --muted: #6b7280; --line: #e5e7eb; --card: #fff; --bg: #f3f4f6; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
header, main, footer { max-width: 1240px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 26px 0 12px; }
h3 { font-size: 15px; margin: 0 0 6px; }
.meta, footer, .note { color: var(--muted); font-size: 13px; }
footer { padding-bottom: 24px; }
code { font-size: 13px; }
.stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(210px, 1fr)); gap: 12px; margin-bottom: 12px; }
.stat, .panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.stat .big { font-size: 26px; font-weight: 650; line-height: 1.2; }
.stat .label { color: var(--muted); font-size: 13px; }
.stat dl { display: grid; grid-template-columns: auto 1fr; gap: 0 10px; margin: 6px 0 0; font-size: 13px; }
.stat dt { color: var(--muted); }
.stat dd { margin: 0; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 12px; }
.wide { grid-column: 1 / -1; }
svg.chart { display: block; width: 100%; height: auto; font-family: inherit; }
svg.chart text { fill: #374151; }
svg.chart .axis { stroke: #9ca3af; }
svg.chart .grid { stroke: #eef0f3; }
svg.chart .empty { fill: var(--muted); font-style: italic; }
.legend { font-size: 13px; color: var(--muted); margin: 0 0 4px; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin: 0 4px -1px 10px; }
.sentence { font-size: 15px; margin: 18px 0 8px; }
.sentence strong { font-size: 20px; }
@media (max-width: 520px) { .charts { grid-template-columns: 1fr; } }
`;

function helpcenterSection(h: HelpcenterReport): string {
  const fr = h.firstResponse;
  const res = h.resolution;
  const zero = res.withoutMessages
    ? ` ${res.withoutMessages} of them have no messages: their last activity is their creation, so they count as 0 (in &lt;15m).`
    : '';
  return `<section class="helpcenter" id="hc-${esc(h.helpcenter)}">
<h2>Helpcenter <code>${esc(h.helpcenter)}</code></h2>
<p class="meta">Data as of its last sync, <strong>${esc(readableTime(h.asOf))}</strong>: "open" and ages are measured to then.</p>
<div class="stats">
${stat('Cases created', String(h.cases.total), [
    ['UNHANDLED', h.cases.UNHANDLED], ['HANDLING', h.cases.HANDLING], ['CLOSED', h.cases.CLOSED],
  ])}
${stat('Open at the last sync (all cases)', String(h.backlog.open), [
    ['median age', formatDuration(h.backlog.ageMs.median)],
    ['p90 age', formatDuration(h.backlog.ageMs.p90)],
    ['oldest', formatDuration(h.backlog.ageMs.max)],
  ])}
${stat('First response, median', formatDuration(fr.ms.median), [
    ['p90', formatDuration(fr.ms.p90)], ['answered', fr.answered], ['unanswered', fr.unanswered],
    ['outgoing first', fr.outgoingFirst], ['no messages', fr.noConversation],
  ])}
${stat('Resolution, median', formatDuration(res.ms.median), [
    ['p90', formatDuration(res.ms.p90)], ['closed cases', res.closed], ['no messages (as 0)', res.withoutMessages],
  ])}
${stat('Messages per case, mean', formatNumber(h.messagesPerCase.mean), [
    ['median', formatNumber(h.messagesPerCase.median)], ['p90', formatNumber(h.messagesPerCase.p90)],
  ])}
</div>
<div class="charts">
${volumePanel(h)}
${panel('Backlog over time', 'backlog', 'wide',
    '<p class="note">Open cases (UNHANDLED + HANDLING) at the end of each UTC day, replayed from the state changes the sync observed ' +
    '(inferred closes included); nothing before the first sync is known.</p>' +
    (h.backlogOverTime.length < 2
      ? onePoint('backlog',
          h.backlogOverTime.map((b) => [b.date, `<strong>${b.open}</strong> cases were open at the end of ${esc(readableDate(b.date))}.`]),
          'The chart starts once the sync has observed two days.', 'No state change has been observed in this window yet.')
      : lineChart('backlog', h.backlogOverTime.map((d) => d.date),
          [{ name: 'open cases', color: COLORS.backlog, values: h.backlogOverTime.map((d) => d.open) }], 'open cases', 'day')))}
${panel('First response time', 'first-response', '',
    `<p class="note">Calendar time from a case's first INCOMING message to the first OUTGOING after it, for the ${fr.answered} ` +
    `answered cases created in the window. Not counted: ${fr.unanswered} unanswered (no reply yet), ${fr.outgoingFirst} that began ` +
    `with an OUTGOING, ${fr.noConversation} without messages.</p>` +
    histogramChart('first-response', fr.histogram, COLORS.response))}
${panel('Resolution time', 'resolution', '',
    `<p class="note">CLOSED cases created in the window (${res.closed}): creation → last message of any type, COMMENTs included.${zero}</p>` +
    histogramChart('resolution', res.histogram, COLORS.resolution))}
${panel('Busiest hours: incoming messages by weekday and hour (UTC)', 'heatmap', 'wide',
    '<p class="note">INCOMING messages sent in the window, by the weekday and hour they were sent (UTC). ' +
    'Darker is more; the scale starts at 0 (grey: none).</p>' +
    heatmapChart(h.incomingHeatmap.weekdays, h.incomingHeatmap.counts))}
${panel('Agent workload: outgoing messages', 'agents', '',
    '<p class="note">OUTGOING messages sent in the window per agent (<code>sentBy</code>); internal notes (COMMENT) are not counted; ' +
    '"(unknown)": no <code>sentBy</code>.</p>' +
    barsChart('agents', h.agents.map((a) => [agentLabel(a.agent), a.outgoing]), COLORS.agents))}
${panel(`Top ${TOP_COMPANIES} companies by cases`, 'companies', '',
    `<p class="note">Cases created in the window per company, ties by name. ${h.casesWithoutCompany} cases without a company are not listed.</p>` +
    barsChart('companies', h.topCompanies.map((c) => [c.company, c.cases]), COLORS.companies))}
</div>
</section>`;
}

/** Cases created and messages sent: per day, or per ISO week past WEEKLY_AFTER_DAYS days; one day is a sentence. */
function volumePanel(h: HelpcenterReport): string {
  const days = h.volumePerDay;
  const key = legend([['cases created', COLORS.cases], ['messages sent', COLORS.messages]]);
  const rule = 'Cases by the day they were created (from the <code>_id</code>), messages of any type by the day they were sent, UTC.';
  if (days.length > WEEKLY_AFTER_DAYS) {
    // a partial week at either end would plot as a fall to a few days' worth: it is named, not drawn
    const all = volumePerWeek(days);
    const weeks = all.filter((w) => w.days === 7);
    const left = all.filter((w) => w.days < 7);
    const note = left.length
      ? ' Left out as partial (the range starts or ends inside them): ' +
        left.map((w) => `the week of ${readableDate(w.week)} (${w.days} day${w.days === 1 ? '' : 's'}: ${w.cases} cases, ${w.messages} messages)`).join(' and ') +
        '.'
      : '';
    return panel('Volume per week', 'volume', 'wide',
      `<p class="note">${rule} Per week, Monday to Sunday: ${days.length} days are too many to tell apart as points.${esc(note)}</p>${key}` +
      lineChart('volume', weeks.map((w) => w.week), [
        { name: 'cases created', color: COLORS.cases, values: weeks.map((w) => w.cases) },
        { name: 'messages sent', color: COLORS.messages, values: weeks.map((w) => w.messages) },
      ], 'per week', 'week'));
  }
  const body = days.length < 2
    ? onePoint('volume',
        days.map((d) => [d.date, `On ${esc(readableDate(d.date))}: <strong>${d.cases}</strong> cases created, <strong>${d.messages}</strong> messages sent.`]),
        'A chart needs two days or more.', 'No case was created and no message sent in this window.')
    : key + lineChart('volume', days.map((d) => d.date), [
        { name: 'cases created', color: COLORS.cases, values: days.map((d) => d.cases) },
        { name: 'messages sent', color: COLORS.messages, values: days.map((d) => d.messages) },
      ], 'per day', 'day');
  return panel('Volume per day', 'volume', 'wide', `<p class="note">${rule} Days without any count as 0.</p>${body}`);
}

/** A series of zero or one point, as a sentence (a lone dot in an empty chart says less). */
function onePoint(id: string, points: readonly [string, string][], oneNote: string, none: string): string {
  const text = points.length ? `${points[0]![1]} ${esc(oneNote)}` : esc(none);
  return `<p class="sentence" data-chart="${id}" data-sentence="true">${text}</p>`;
}

function stat(label: string, big: string, rows: [string, string | number][]): string {
  const dl = rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(String(v))}</dd>`).join('');
  return `<div class="stat"><div class="label">${esc(label)}</div><div class="big">${esc(big)}</div><dl>${dl}</dl></div>`;
}

function panel(title: string, id: string, cls: string, content: string): string {
  return `<div class="panel ${cls}" id="panel-${id}"><h3>${esc(title)}</h3>${content}</div>`;
}

function legend(items: [string, string][]): string {
  return `<p class="legend">${items.map(([name, color]) => `<i style="background:${color}"></i>${esc(name)}`).join('')}</p>`;
}
