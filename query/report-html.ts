import { TOP_COMPANIES, agentLabel, describeWindow, formatDuration, formatNumber, type HelpcenterReport, type HistogramBucket, type Report } from './report.js';

/**
 * The report as ONE self-contained HTML file: inline CSS, inline SVG charts
 * drawn here, no script, no external reference, so it opens offline and from
 * an e-mail attachment alike. Charts scale with the page (viewBox, width
 * 100%); each is drawn at about the width it is shown on a laptop so its text
 * stays readable. Hover titles (<title>) carry exact values.
 */

const COLORS = {
  cases: '#2563eb',
  messages: '#d97706',
  backlog: '#dc2626',
  response: '#0d9488',
  resolution: '#7c3aed',
  agents: '#2563eb',
  companies: '#059669',
  heatLow: [239, 246, 255],
  heatHigh: [29, 78, 216],
} as const;

const WIDE = 1140;
const HALF = 540;
const FONT = 13;
const DOTS_UP_TO = 62;

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
<p class="meta">Window: <strong>${esc(describeWindow(r))}</strong> (cases by creation time, messages by sent time, UTC) · generated ${esc(r.generatedAt)} · percentiles: ${esc(r.percentiles)}</p>
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
@media (max-width: 520px) { .charts { grid-template-columns: 1fr; } }
`;

function helpcenterSection(h: HelpcenterReport): string {
  const fr = h.firstResponse;
  const days = h.volumePerDay;
  return `<section class="helpcenter" id="hc-${esc(h.helpcenter)}">
<h2>Helpcenter <code>${esc(h.helpcenter)}</code></h2>
<div class="stats">
${stat('Cases created', String(h.cases.total), [['UNHANDLED', h.cases.UNHANDLED], ['HANDLING', h.cases.HANDLING], ['CLOSED', h.cases.CLOSED]])}
${stat('Open now (all cases)', String(h.backlog.open), [['median age', formatDuration(h.backlog.ageMs.median)], ['p90 age', formatDuration(h.backlog.ageMs.p90)], ['oldest', formatDuration(h.backlog.ageMs.max)]])}
${stat('First response, median', formatDuration(fr.ms.median), [['p90', formatDuration(fr.ms.p90)], ['answered', fr.answered], ['unanswered', fr.unanswered], ['outgoing first', fr.outgoingFirst], ['no messages', fr.noConversation]])}
${stat('Resolution, median', formatDuration(h.resolution.ms.median), [['p90', formatDuration(h.resolution.ms.p90)], ['closed cases', h.resolution.closed]])}
${stat('Messages per case, mean', formatNumber(h.messagesPerCase.mean), [['median', formatNumber(h.messagesPerCase.median)], ['p90', formatNumber(h.messagesPerCase.p90)]])}
</div>
<div class="charts">
${panel('Volume per day', 'volume', 'wide', legend([['cases created', COLORS.cases], ['messages sent', COLORS.messages]]) +
    lineChart('volume', days.map((d) => d.date), [
      { name: 'cases created', color: COLORS.cases, values: days.map((d) => d.cases) },
      { name: 'messages sent', color: COLORS.messages, values: days.map((d) => d.messages) },
    ], 'per day'))}
${panel('Backlog over time', 'backlog', 'wide', `<p class="note">Open cases (UNHANDLED + HANDLING) at the end of each UTC day, replayed from the state changes the sync observed; nothing before the first sync is known.</p>` +
    lineChart('backlog', h.backlogOverTime.map((d) => d.date), [{ name: 'open cases', color: COLORS.backlog, values: h.backlogOverTime.map((d) => d.open) }], 'open cases'))}
${panel('First response time', 'first-response', '', `<p class="note">First INCOMING → first OUTGOING after it, ${fr.answered} answered cases. Not counted: ${fr.unanswered} unanswered, ${fr.outgoingFirst} outgoing first.</p>` +
    histogramChart('first-response', fr.histogram, COLORS.response))}
${panel('Resolution time', 'resolution', '', `<p class="note">CLOSED cases: creation → last activity, ${h.resolution.closed} cases.</p>` +
    histogramChart('resolution', h.resolution.histogram, COLORS.resolution))}
${panel('Busiest hours: incoming messages by weekday and hour (UTC)', 'heatmap', 'wide', heatmapChart(h.incomingHeatmap.weekdays, h.incomingHeatmap.counts))}
${panel('Agent workload: outgoing messages', 'agents', '', barsChart('agents', h.agents.map((a) => [agentLabel(a.agent), a.outgoing]), COLORS.agents))}
${panel(`Top ${TOP_COMPANIES} companies by cases`, 'companies', '', `<p class="note">${h.casesWithoutCompany} cases without a company are not listed.</p>` +
    barsChart('companies', h.topCompanies.map((c) => [c.company, c.cases]), COLORS.companies))}
</div>
</section>`;
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

/** One line per series over UTC dates; x labels at about eight evenly spaced days. */
function lineChart(id: string, dates: readonly string[], series: readonly Series[], yTitle: string): string {
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
  let s = svgOpen(id, f, `${series.map((e) => e.name).join(' and ')} per day, ${dates[0]} to ${dates[n - 1]}`) + yAxis(f, top, step, yTitle);
  const ticks = Math.min(n, 8);
  for (let t = 0; t < ticks; t++) {
    const i = ticks === 1 ? 0 : Math.round((t / (ticks - 1)) * (n - 1));
    s += `<line class="axis" x1="${x(i)}" x2="${x(i)}" y1="${f.h - f.bottom}" y2="${f.h - f.bottom + 5}"/>`;
    s += `<text x="${x(i)}" y="${f.h - f.bottom + 20}" text-anchor="middle">${dates[i]}</text>`;
  }
  s += `<text x="${f.left + plotW / 2}" y="${f.h - 6}" text-anchor="middle">date (UTC)</text>`;
  for (const e of series) {
    const pts = e.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    if (n > 1) s += `<polyline fill="none" stroke="${e.color}" stroke-width="2" stroke-linejoin="round" points="${pts}"><title>${esc(e.name)}</title></polyline>`;
    // a dot per day while days are few enough to tell apart
    if (n <= DOTS_UP_TO) {
      e.values.forEach((v, i) => {
        s += `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="${e.color}"><title>${esc(`${dates[i]}: ${v} ${e.name}`)}</title></circle>`;
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

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
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
    s += `<text x="${f.left - 8}" y="${y + rowH / 2 + 4}" text-anchor="end"><title>${esc(label)}</title>${esc(clip(label, 26))}</text>`;
    s += `<rect x="${f.left}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" rx="2" fill="${color}"><title>${esc(`${label}: ${v}`)}</title></rect>`;
    s += `<text x="${(f.left + w + 6).toFixed(1)}" y="${y + rowH / 2 + 4}">${v}</text>`;
  });
  const axisY = f.top + bars.length * rowH + 4;
  s += `<line class="axis" x1="${f.left}" x2="${f.left}" y1="${f.top}" y2="${axisY}"/>`;
  s += `<text x="${f.left + plotW / 2}" y="${axisY + 18}" text-anchor="middle">${id === 'agents' ? 'outgoing messages' : 'cases'}</text>`;
  return `${s}</svg>`;
}

/** 7 × 24 cells, darker = more; each cell's count written in it when not 0. */
function heatmapChart(weekdays: readonly string[], counts: readonly number[][]): string {
  const f: Frame = { w: WIDE, h: 300, left: 50, right: 10, top: 8, bottom: 40 };
  const cellW = (f.w - f.left - f.right) / 24;
  const cellH = (f.h - f.top - f.bottom) / 7;
  const max = Math.max(0, ...counts.flat());
  let s = svgOpen('heatmap', f, 'incoming messages by weekday and hour');
  counts.forEach((hours, d) => {
    const y = f.top + d * cellH;
    s += `<text x="${f.left - 8}" y="${y + cellH / 2 + 4}" text-anchor="end">${esc(weekdays[d] ?? '')}</text>`;
    hours.forEach((n, hr) => {
      const x = f.left + hr * cellW;
      const t = max === 0 ? 0 : n / max;
      const rgb = COLORS.heatLow.map((lo, k) => Math.round(lo + (COLORS.heatHigh[k]! - lo) * Math.sqrt(t)));
      s += `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(cellW - 2).toFixed(1)}" height="${(cellH - 2).toFixed(1)}" rx="2" fill="rgb(${rgb.join(',')})"><title>${esc(`${weekdays[d]} ${String(hr).padStart(2, '0')}:00–${String(hr).padStart(2, '0')}:59 UTC: ${n} incoming`)}</title></rect>`;
      if (n > 0) s += `<text x="${(x + cellW / 2 - 1).toFixed(1)}" y="${(y + cellH / 2 + 4).toFixed(1)}" text-anchor="middle" font-size="11" style="fill:${t > 0.45 ? '#fff' : '#1f2937'}">${compact(n)}</text>`;
    });
  });
  for (let hr = 0; hr < 24; hr++) {
    s += `<text x="${(f.left + hr * cellW + cellW / 2 - 1).toFixed(1)}" y="${f.h - f.bottom + 16}" text-anchor="middle">${String(hr).padStart(2, '0')}</text>`;
  }
  s += `<text x="${f.left + (f.w - f.left - f.right) / 2}" y="${f.h - 6}" text-anchor="middle">hour of day (UTC)${max === 0 ? ' — no incoming messages in this window' : ''}</text>`;
  return `${s}</svg>`;
}
