import { truncateToWidth } from '../contract/text.js';
import { TOP_COMPANIES, agentLabel, describeWindow, formatDuration, formatNumber, volumePerWeek, type HelpcenterReport, type HistogramBucket, type Report } from './report.js';

/**
 * The report as ONE self-contained HTML file: inline CSS, inline SVG charts
 * drawn here, no script, no external reference, so it opens offline and from
 * an e-mail attachment alike. Charts scale with the page (viewBox, width
 * 100%); each is drawn at about the width it is shown on a laptop so its text
 * stays readable. Hover titles (<title>) carry exact values. Every panel
 * says in a caption what it counts and how; a series of one point is a
 * sentence, not a chart.
 */

const COLORS = {
  cases: '#2563eb',
  messages: '#d97706',
  backlog: '#dc2626',
  response: '#0d9488',
  resolution: '#7c3aed',
  agents: '#2563eb',
  companies: '#059669',
  heatZero: '#f3f4f6',
  heatLow: [239, 246, 255],
  heatHigh: [29, 78, 216],
} as const;

const WIDE = 1140;
const HALF = 540;
const FONT = 13;
const DOTS_UP_TO = 62;
/** Past this many days, volume is drawn per week: ~1,000 px cannot show 730 daily points. */
export const WEEKLY_AFTER_DAYS = 90;
/** Bar labels: longer names are cut (whole graphemes) to this many columns; the full name is the hover title. */
const LABEL_COLUMNS = 26;
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

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

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
${stat('Cases created', String(h.cases.total), [['UNHANDLED', h.cases.UNHANDLED], ['HANDLING', h.cases.HANDLING], ['CLOSED', h.cases.CLOSED]])}
${stat('Open at the last sync (all cases)', String(h.backlog.open), [['median age', formatDuration(h.backlog.ageMs.median)], ['p90 age', formatDuration(h.backlog.ageMs.p90)], ['oldest', formatDuration(h.backlog.ageMs.max)]])}
${stat('First response, median', formatDuration(fr.ms.median), [['p90', formatDuration(fr.ms.p90)], ['answered', fr.answered], ['unanswered', fr.unanswered], ['outgoing first', fr.outgoingFirst], ['no messages', fr.noConversation]])}
${stat('Resolution, median', formatDuration(res.ms.median), [['p90', formatDuration(res.ms.p90)], ['closed cases', res.closed], ['no messages (as 0)', res.withoutMessages]])}
${stat('Messages per case, mean', formatNumber(h.messagesPerCase.mean), [['median', formatNumber(h.messagesPerCase.median)], ['p90', formatNumber(h.messagesPerCase.p90)]])}
</div>
<div class="charts">
${volumePanel(h)}
${panel('Backlog over time', 'backlog', 'wide', `<p class="note">Open cases (UNHANDLED + HANDLING) at the end of each UTC day, replayed from the state changes the sync observed (inferred closes included); nothing before the first sync is known.</p>` +
    (h.backlogOverTime.length < 2
      ? onePoint('backlog', h.backlogOverTime.map((b) => [b.date, `<strong>${b.open}</strong> cases were open at the end of ${esc(readableDate(b.date))}.`]),
          'The chart starts once the sync has observed two days.', 'No state change has been observed in this window yet.')
      : lineChart('backlog', h.backlogOverTime.map((d) => d.date), [{ name: 'open cases', color: COLORS.backlog, values: h.backlogOverTime.map((d) => d.open) }], 'open cases', 'day')))}
${panel('First response time', 'first-response', '', `<p class="note">Calendar time from a case's first INCOMING message to the first OUTGOING after it, for the ${fr.answered} answered cases created in the window. Not counted: ${fr.unanswered} unanswered (no reply yet), ${fr.outgoingFirst} that began with an OUTGOING, ${fr.noConversation} without messages.</p>` +
    histogramChart('first-response', fr.histogram, COLORS.response))}
${panel('Resolution time', 'resolution', '', `<p class="note">CLOSED cases created in the window (${res.closed}): creation → last message of any type, COMMENTs included.${zero}</p>` +
    histogramChart('resolution', res.histogram, COLORS.resolution))}
${panel('Busiest hours: incoming messages by weekday and hour (UTC)', 'heatmap', 'wide', `<p class="note">INCOMING messages sent in the window, by the weekday and hour they were sent (UTC). Darker is more; the scale starts at 0 (grey: none).</p>` +
    heatmapChart(h.incomingHeatmap.weekdays, h.incomingHeatmap.counts))}
${panel('Agent workload: outgoing messages', 'agents', '', `<p class="note">OUTGOING messages sent in the window per agent (<code>sentBy</code>); internal notes (COMMENT) are not counted; "(unknown)": no <code>sentBy</code>.</p>` +
    barsChart('agents', h.agents.map((a) => [agentLabel(a.agent), a.outgoing]), COLORS.agents))}
${panel(`Top ${TOP_COMPANIES} companies by cases`, 'companies', '', `<p class="note">Cases created in the window per company, ties by name. ${h.casesWithoutCompany} cases without a company are not listed.</p>` +
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
      ? ` Left out as partial (the range starts or ends inside them): ${left.map((w) => `the week of ${readableDate(w.week)} (${w.days} day${w.days === 1 ? '' : 's'}: ${w.cases} cases, ${w.messages} messages)`).join(' and ')}.`
      : '';
    return panel('Volume per week', 'volume', 'wide', `<p class="note">${rule} Per week, Monday to Sunday: ${days.length} days are too many to tell apart as points.${esc(note)}</p>${key}` +
      lineChart('volume', weeks.map((w) => w.week), [
        { name: 'cases created', color: COLORS.cases, values: weeks.map((w) => w.cases) },
        { name: 'messages sent', color: COLORS.messages, values: weeks.map((w) => w.messages) },
      ], 'per week', 'week'));
  }
  const body = days.length < 2
    ? onePoint('volume', days.map((d) => [d.date, `On ${esc(readableDate(d.date))}: <strong>${d.cases}</strong> cases created, <strong>${d.messages}</strong> messages sent.`]),
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

/** Axis maximum and tick step: 1, 2 or 5 × 10^k, about five ticks. */
export function niceScale(max: number): { top: number; step: number } {
  if (max <= 0) return { top: 1, step: 1 };
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!);
  return { top: Math.ceil(max / step) * step, step };
}

function compact(n: number): string {
  if (n >= 1_000_000) return `${+(n / 1_000_000).toFixed(1)}M`;
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  if (n >= 1000) return `${+(n / 1000).toFixed(1)}k`;
  return String(n);
}

interface Frame {
  w: number;
  h: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function svgOpen(id: string, f: Frame, label: string): string {
  return `<svg class="chart" data-chart="${id}" viewBox="0 0 ${f.w} ${f.h}" role="img" aria-label="${esc(label)}" font-size="${FONT}">`;
}

function noData(f: Frame): string {
  return `<text class="empty" x="${f.w / 2}" y="${f.h / 2}" text-anchor="middle">No data in this window</text>`;
}

/** Horizontal grid lines with value labels on the left, and the y-axis title. */
function yAxis(f: Frame, top: number, step: number, title: string): string {
  const plotH = f.h - f.top - f.bottom;
  let s = '';
  for (let v = 0; v <= top; v += step) {
    const y = f.h - f.bottom - (v / top) * plotH;
    s += `<line class="grid" x1="${f.left}" x2="${f.w - f.right}" y1="${y}" y2="${y}"/>`;
    s += `<text x="${f.left - 6}" y="${y + 4}" text-anchor="end">${compact(v)}</text>`;
  }
  const mid = f.top + plotH / 2;
  s += `<text x="14" y="${mid}" text-anchor="middle" transform="rotate(-90 14 ${mid})">${esc(title)}</text>`;
  s += `<line class="axis" x1="${f.left}" x2="${f.w - f.right}" y1="${f.h - f.bottom}" y2="${f.h - f.bottom}"/>`;
  return s;
}

interface Series {
  name: string;
  color: string;
  values: number[];
}

/** One line per series over UTC days or weeks (`dates`: the day, or the Monday of the week); x labels at about eight evenly spaced points. */
function lineChart(id: string, dates: readonly string[], series: readonly Series[], yTitle: string, unit: 'day' | 'week'): string {
  // right margin: room for half of the last date label
  const f: Frame = { w: WIDE, h: 300, left: 64, right: 44, top: 14, bottom: 46 };
  const n = dates.length;
  const max = Math.max(0, ...series.flatMap((s) => s.values));
  if (n === 0) return `${svgOpen(id, f, 'no data')}${noData(f)}</svg>`;
  const { top, step } = niceScale(max);
  const plotW = f.w - f.left - f.right;
  const plotH = f.h - f.top - f.bottom;
  const x = (i: number) => f.left + (n === 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (v: number) => f.h - f.bottom - (v / top) * plotH;
  const at = (i: number) => (unit === 'week' ? `week of ${readableDate(dates[i]!)}` : readableDate(dates[i]!));
  let s = svgOpen(id, f, `${series.map((e) => e.name).join(' and ')} per ${unit}, ${at(0)} to ${at(n - 1)}`) + yAxis(f, top, step, yTitle);
  const ticks = Math.min(n, 8);
  for (let t = 0; t < ticks; t++) {
    const i = ticks === 1 ? 0 : Math.round((t / (ticks - 1)) * (n - 1));
    s += `<line class="axis" x1="${x(i)}" x2="${x(i)}" y1="${f.h - f.bottom}" y2="${f.h - f.bottom + 5}"/>`;
    s += `<text x="${x(i)}" y="${f.h - f.bottom + 20}" text-anchor="middle">${esc(readableDate(dates[i]!))}</text>`;
  }
  s += `<text x="${f.left + plotW / 2}" y="${f.h - 6}" text-anchor="middle">${unit === 'week' ? 'week, starting Monday (UTC)' : 'day (UTC)'}</text>`;
  for (const e of series) {
    const pts = e.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    if (n > 1) s += `<polyline fill="none" stroke="${e.color}" stroke-width="2" stroke-linejoin="round" points="${pts}"><title>${esc(e.name)}</title></polyline>`;
    // a dot per point while points are few enough to tell apart
    if (n <= DOTS_UP_TO) {
      e.values.forEach((v, i) => {
        s += `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="${e.color}"><title>${esc(`${at(i)}: ${v} ${e.name}`)}</title></circle>`;
      });
    }
  }
  return `${s}</svg>`;
}

/** Vertical bars, one per duration bucket. */
function histogramChart(id: string, buckets: readonly HistogramBucket[], color: string): string {
  const f: Frame = { w: HALF, h: 280, left: 56, right: 12, top: 14, bottom: 46 };
  const total = buckets.reduce((a, b) => a + b.count, 0);
  if (total === 0) return `${svgOpen(id, f, 'no data')}${noData(f)}</svg>`;
  const { top, step } = niceScale(Math.max(...buckets.map((b) => b.count)));
  const plotW = f.w - f.left - f.right;
  const plotH = f.h - f.top - f.bottom;
  const slot = plotW / buckets.length;
  let s = svgOpen(id, f, `histogram of ${total} durations`) + yAxis(f, top, step, 'cases');
  buckets.forEach((b, i) => {
    const hgt = (b.count / top) * plotH;
    const x = f.left + i * slot;
    s += `<rect x="${(x + slot * 0.12).toFixed(1)}" y="${(f.h - f.bottom - hgt).toFixed(1)}" width="${(slot * 0.76).toFixed(1)}" height="${hgt.toFixed(1)}" fill="${color}"><title>${esc(`${b.label}: ${b.count} cases`)}</title></rect>`;
    if (b.count > 0) s += `<text x="${x + slot / 2}" y="${f.h - f.bottom - hgt - 4}" text-anchor="middle" font-size="11">${b.count}</text>`;
    s += `<text x="${x + slot / 2}" y="${f.h - f.bottom + 18}" text-anchor="middle">${esc(b.label)}</text>`;
  });
  s += `<text x="${f.left + plotW / 2}" y="${f.h - 6}" text-anchor="middle">time</text>`;
  return `${s}</svg>`;
}

/** Horizontal bars with their labels on the left and values at the bar ends. */
function barsChart(id: string, bars: readonly [string, number][], color: string): string {
  const rowH = 26;
  const f: Frame = { w: HALF, h: Math.max(120, bars.length * rowH + 34), left: 190, right: 56, top: 8, bottom: 26 };
  if (bars.length === 0) return `${svgOpen(id, f, 'no data')}${noData(f)}</svg>`;
  const max = Math.max(1, ...bars.map((b) => b[1]));
  const plotW = f.w - f.left - f.right;
  let s = svgOpen(id, f, `${bars.length} bars`);
  bars.forEach(([label, v], i) => {
    const y = f.top + i * rowH;
    const w = (v / max) * plotW;
    s += `<text x="${f.left - 8}" y="${y + rowH / 2 + 4}" text-anchor="end"><title>${esc(label)}</title>${esc(truncateToWidth(label, LABEL_COLUMNS))}</text>`;
    s += `<rect x="${f.left}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" rx="2" fill="${color}"><title>${esc(`${label}: ${v}`)}</title></rect>`;
    s += `<text x="${(f.left + w + 6).toFixed(1)}" y="${y + rowH / 2 + 4}">${v}</text>`;
  });
  const axisY = f.top + bars.length * rowH + 4;
  s += `<line class="axis" x1="${f.left}" x2="${f.left}" y1="${f.top}" y2="${axisY}"/>`;
  s += `<text x="${f.left + plotW / 2}" y="${axisY + 18}" text-anchor="middle">${id === 'agents' ? 'outgoing messages' : 'cases'}</text>`;
  return `${s}</svg>`;
}

/** A heatmap cell's colour: grey for none, else from light to dark blue in proportion to `n / max` (a linear scale from 0). */
function heatColor(n: number, max: number): string {
  if (n <= 0 || max <= 0) return COLORS.heatZero;
  const t = n / max;
  return `rgb(${COLORS.heatLow.map((lo, k) => Math.round(lo + (COLORS.heatHigh[k]! - lo) * t)).join(',')})`;
}

/** 7 × 24 cells, darker = more; each cell's count written in it when not 0; a legend from 0 to the largest count. */
function heatmapChart(weekdays: readonly string[], counts: readonly number[][]): string {
  const f: Frame = { w: WIDE, h: 340, left: 50, right: 10, top: 8, bottom: 80 };
  const cellW = (f.w - f.left - f.right) / 24;
  const cellH = (f.h - f.top - f.bottom) / 7;
  const max = Math.max(0, ...counts.flat());
  let s = svgOpen('heatmap', f, 'incoming messages by weekday and hour');
  counts.forEach((hours, d) => {
    const y = f.top + d * cellH;
    s += `<text x="${f.left - 8}" y="${y + cellH / 2 + 4}" text-anchor="end">${esc(weekdays[d] ?? '')}</text>`;
    hours.forEach((n, hr) => {
      const x = f.left + hr * cellW;
      s += `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(cellW - 2).toFixed(1)}" height="${(cellH - 2).toFixed(1)}" rx="2" fill="${heatColor(n, max)}"><title>${esc(`${weekdays[d]} ${String(hr).padStart(2, '0')}:00–${String(hr).padStart(2, '0')}:59 UTC: ${n} incoming`)}</title></rect>`;
      if (n > 0) s += `<text x="${(x + cellW / 2 - 1).toFixed(1)}" y="${(y + cellH / 2 + 4).toFixed(1)}" text-anchor="middle" font-size="11" style="fill:${n / max > 0.5 ? '#fff' : '#1f2937'}">${compact(n)}</text>`;
    });
  });
  const axisY = f.top + 7 * cellH;
  for (let hr = 0; hr < 24; hr++) {
    s += `<text x="${(f.left + hr * cellW + cellW / 2 - 1).toFixed(1)}" y="${axisY + 16}" text-anchor="middle">${String(hr).padStart(2, '0')}</text>`;
  }
  s += `<text x="${f.left + (f.w - f.left - f.right) / 2}" y="${axisY + 34}" text-anchor="middle">hour of day (UTC)${max === 0 ? ' — no incoming messages in this window' : ''}</text>`;
  return `${s}${heatLegend(f, axisY + 46, max)}</svg>`;
}

/** The heatmap's key: swatches from 0 (grey) up to the largest count, labelled at 0, the middle and the top. */
function heatLegend(f: Frame, y: number, max: number): string {
  const steps = 10;
  const w = 28;
  const x0 = f.w - f.right - (steps + 1) * w - 4;
  let s = `<g class="heat-legend" data-max="${max}"><text x="${x0 - 8}" y="${y + 13}" text-anchor="end">incoming messages per cell:</text>`;
  for (let i = 0; i <= steps; i++) {
    const v = (i / steps) * max;
    s += `<rect x="${x0 + i * w}" y="${y}" width="${w - 1}" height="16" fill="${heatColor(v, max)}"><title>${esc(i === 0 ? '0: none' : `${Math.round(v)}`)}</title></rect>`;
  }
  const label = (i: number, v: number) => `<text x="${x0 + i * w + w / 2}" y="${y + 30}" text-anchor="middle" font-size="11">${compact(v)}</text>`;
  s += label(0, 0);
  if (max > 0) s += label(steps / 2, Math.round(max / 2)) + label(steps, max);
  return `${s}</g>`;
}
