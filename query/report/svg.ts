import { truncateToWidth } from '../../contract/text.js';
import { escapeHtml, readableDate } from './format.js';
import type { HistogramBucket } from './types.js';

/** The report's inline SVG charts, drawn here (no library): line, histogram, bars and heatmap. */

/** Series colours, shared with the HTML page's legends. */
export const COLORS = {
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
/** Bar labels: longer names are cut (whole graphemes) to this many columns; the full name is the hover title. */
const LABEL_COLUMNS = 26;

const esc = escapeHtml;
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

/**
 * One line per series over UTC days or weeks (`dates`: the day, or the Monday of the week);
 * x labels at about eight evenly spaced points.
 */
export function lineChart(id: string, dates: readonly string[], series: readonly Series[], yTitle: string, unit: 'day' | 'week'): string {
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
  s += `<text x="${f.left + plotW / 2}" y="${f.h - 6}"` +
    ` text-anchor="middle">${unit === 'week' ? 'week, starting Monday (UTC)' : 'day (UTC)'}</text>`;
  for (const e of series) {
    const pts = e.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    if (n > 1) s += `<polyline fill="none" stroke="${e.color}" stroke-width="2" stroke-linejoin="round" points="${pts}">` +
      `<title>${esc(e.name)}</title></polyline>`;
    // a dot per point while points are few enough to tell apart
    if (n <= DOTS_UP_TO) {
      e.values.forEach((v, i) => {
        s += `<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="${e.color}">` +
          `<title>${esc(`${at(i)}: ${v} ${e.name}`)}</title></circle>`;
      });
    }
  }
  return `${s}</svg>`;
}

/** Vertical bars, one per duration bucket. */
export function histogramChart(id: string, buckets: readonly HistogramBucket[], color: string): string {
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
    s += `<rect x="${(x + slot * 0.12).toFixed(1)}" y="${(f.h - f.bottom - hgt).toFixed(1)}"` +
      ` width="${(slot * 0.76).toFixed(1)}" height="${hgt.toFixed(1)}" fill="${color}">` +
      `<title>${esc(`${b.label}: ${b.count} cases`)}</title></rect>`;
    if (b.count > 0) s += `<text x="${x + slot / 2}" y="${f.h - f.bottom - hgt - 4}" text-anchor="middle" font-size="11">${b.count}</text>`;
    s += `<text x="${x + slot / 2}" y="${f.h - f.bottom + 18}" text-anchor="middle">${esc(b.label)}</text>`;
  });
  s += `<text x="${f.left + plotW / 2}" y="${f.h - 6}" text-anchor="middle">time</text>`;
  return `${s}</svg>`;
}

/** Horizontal bars with their labels on the left and values at the bar ends. */
export function barsChart(id: string, bars: readonly [string, number][], color: string): string {
  const rowH = 26;
  const f: Frame = { w: HALF, h: Math.max(120, bars.length * rowH + 34), left: 190, right: 56, top: 8, bottom: 26 };
  if (bars.length === 0) return `${svgOpen(id, f, 'no data')}${noData(f)}</svg>`;
  const max = Math.max(1, ...bars.map((b) => b[1]));
  const plotW = f.w - f.left - f.right;
  let s = svgOpen(id, f, `${bars.length} bars`);
  bars.forEach(([label, v], i) => {
    const y = f.top + i * rowH;
    const w = (v / max) * plotW;
    s += `<text x="${f.left - 8}" y="${y + rowH / 2 + 4}" text-anchor="end">` +
      `<title>${esc(label)}</title>${esc(truncateToWidth(label, LABEL_COLUMNS))}</text>`;
    s += `<rect x="${f.left}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" rx="2" fill="${color}">` +
      `<title>${esc(`${label}: ${v}`)}</title></rect>`;
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
export function heatmapChart(weekdays: readonly string[], counts: readonly number[][]): string {
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
      s += `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}"` +
        ` width="${(cellW - 2).toFixed(1)}" height="${(cellH - 2).toFixed(1)}" rx="2" fill="${heatColor(n, max)}">` +
        `<title>${esc(`${weekdays[d]} ${String(hr).padStart(2, '0')}:00–${String(hr).padStart(2, '0')}:59 UTC: ${n} incoming`)}</title></rect>`;
      if (n > 0) s += `<text x="${(x + cellW / 2 - 1).toFixed(1)}" y="${(y + cellH / 2 + 4).toFixed(1)}"` +
        ` text-anchor="middle" font-size="11" style="fill:${n / max > 0.5 ? '#fff' : '#1f2937'}">${compact(n)}</text>`;
    });
  });
  const axisY = f.top + 7 * cellH;
  for (let hr = 0; hr < 24; hr++) {
    s += `<text x="${(f.left + hr * cellW + cellW / 2 - 1).toFixed(1)}" y="${axisY + 16}"` +
      ` text-anchor="middle">${String(hr).padStart(2, '0')}</text>`;
  }
  s += `<text x="${f.left + (f.w - f.left - f.right) / 2}" y="${axisY + 34}"` +
    ` text-anchor="middle">hour of day (UTC)${max === 0 ? ' — no incoming messages in this window' : ''}</text>`;
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
    s += `<rect x="${x0 + i * w}" y="${y}" width="${w - 1}" height="16" fill="${heatColor(v, max)}">` +
      `<title>${esc(i === 0 ? '0: none' : `${Math.round(v)}`)}</title></rect>`;
  }
  const label = (i: number, v: number) => `<text x="${x0 + i * w + w / 2}" y="${y + 30}"` +
    ` text-anchor="middle" font-size="11">${compact(v)}</text>`;
  s += label(0, 0);
  if (max > 0) s += label(steps / 2, Math.round(max / 2)) + label(steps, max);
  return `${s}</g>`;
}
