import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../query/report/types.js';
import { runCli, withTempDir } from './helpers.js';
import { HC_A, makeCase, writeSyncedStore } from './cases.fixture.js';

/**
 * The HTML report as a manager reads it: a chart that can be read (weekly
 * past ~90 days), a heatmap with a legend from 0, a sentence where a chart
 * would be one dot, captions that state what is counted, dates a person
 * reads, and "now" the time of the last sync. The demo's history ends now.
 */

const DAY_HOURS = 24;

/** `count` cases one every `everyDays` days (numbered so the fixture's hour offsets land on days), each with a question and a reply. */
function spread(count: number, everyDays: number) {
  return Array.from({ length: count }, (_, i) =>
    makeCase(i * everyDays * DAY_HOURS + 1, { company: i % 3 ? 'Acme' : 'Beta', state: i % 4 ? 'CLOSED' : 'UNHANDLED' }, [
      ['INCOMING', 0, 'hej'],
      ['OUTGOING', 90, 'svar', i % 2 ? 'Anna' : 'Bo'],
    ]));
}

function chartPoints(html: string, chart: string): number[] {
  const svg = new RegExp(`<svg class="chart" data-chart="${chart}"[\\s\\S]*?</svg>`).exec(html)?.[0] ?? '';
  return [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1]!.trim().split(' ').length);
}

/** The text a reader sees: tags and attribute values gone. */
function visibleText(html: string): string {
  return html.replace(/<style>[\s\S]*?<\/style>/, '').replace(/<[^>]*>/g, ' ');
}

describe('the HTML report a manager reads', () => {
  it('over 200 days: volume per week, a heatmap legend from 0, captions, readable dates, as of the last sync', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 'long.db');
      await writeSyncedStore(db, { [HC_A]: [...spread(100, 2), makeCase(2, { state: 'CLOSED' })] }); // one CLOSED case without messages
      const r = await runCli(['report', '--db', db, '--format', 'html', '--out', '-']);
      expect(r.code).toBe(0);
      const html = r.stdout;
      const j = JSON.parse((await runCli(['report', '--db', db, '--json'])).stdout) as Report;
      const h = j.helpcenters[0]!;
      expect(h.volumePerDay.length).toBeGreaterThan(190);

      expect(html).toContain('<h3>Volume per week</h3>');
      // ~28 weeks, whole ones only: points a reader can tell apart on ~1,000 px
      const points = chartPoints(html, 'volume');
      expect(points).toHaveLength(2);
      for (const n of points) expect(n).toBeLessThanOrEqual(Math.ceil(h.volumePerDay.length / 7));
      expect(points[0]).toBeGreaterThanOrEqual(Math.floor(h.volumePerDay.length / 7) - 1);
      expect(html).toMatch(/Left out as partial .*the week of \d{1,2} [A-Z][a-z]{2} 2025 \(\d day/);

      // heatmap: grey for none, a scale from 0 to the largest count in a legend
      const max = Math.max(...h.incomingHeatmap.counts.flat());
      expect(html).toContain(`<g class="heat-legend" data-max="${max}">`);
      const legend = /<g class="heat-legend"[\s\S]*?<\/g>/.exec(html)![0];
      expect([...legend.matchAll(/<text [^>]*font-size="11">([^<]*)<\/text>/g)].map((m) => m[1])).toEqual(['0', String(Math.round(max / 2)), String(max)]);
      expect(legend).toContain('fill="#f3f4f6"'); // 0 is grey, as the empty cells
      expect(html).toMatch(/<rect [^>]*fill="#f3f4f6"><title>Sun 03:00–03:59 UTC: 0 incoming<\/title>/);

      // captions say what counts
      expect(h.resolution.withoutMessages).toBe(1);
      expect(html).toContain('1 of them have no messages: their last activity is their creation, so they count as 0 (in &lt;15m).');
      expect(html).toMatch(/Not counted: \d+ unanswered \(no reply yet\), \d+ that began with an OUTGOING, \d+ without messages\./);
      expect(html).toContain('internal notes (COMMENT) are not counted');

      // dates a person reads: no raw ISO instants in the visible text
      const text = visibleText(html);
      expect(text).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
      expect(text).toMatch(/generated \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC/);
      expect(text).toMatch(/Data as of its last sync, +\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC/);
      // as of the last sync, not the wall clock
      const sync = JSON.parse((await runCli(['status', '--db', db, '--json', '--redis-url', 'redis://127.0.0.1:1'])).stdout) as { helpcenters: { lastFullAt: string }[] };
      expect(h.asOf).toBe(sync.helpcenters[0]!.lastFullAt);

      // the backlog: one observed day is a sentence, not a lone dot in an empty chart
      expect(h.backlogOverTime).toHaveLength(1);
      expect(html).not.toContain('<svg class="chart" data-chart="backlog"');
      expect(html).toMatch(/<p class="sentence" data-chart="backlog" data-sentence="true"><strong>\d+<\/strong> cases were open at the end of \d{1,2} [A-Z][a-z]{2} \d{4}\. The chart starts once the sync has observed two days\.<\/p>/);
    });
  });

  it('up to 90 days: volume per day', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 'short.db');
      await writeSyncedStore(db, { [HC_A]: spread(20, 3) });
      const html = (await runCli(['report', '--db', db, '--format', 'html', '--out', '-'])).stdout;
      expect(html).toContain('<h3>Volume per day</h3>');
      expect(chartPoints(html, 'volume')).toEqual([58, 58]);
    });
  });

  it('the demo\'s history ends now, so its report reads as a live helpdesk\'s', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 'demo.db');
      const d = await runCli(['demo', '--db', db, '--cases', '1500']);
      expect(d.code, d.stderr).toBe(0);
      const j = JSON.parse((await runCli(['report', '--db', db, '--json'])).stdout) as Report;
      const h = j.helpcenters[0]!;
      const now = Date.now();
      expect(now - Date.parse(h.asOf)).toBeLessThan(10 * 60_000);
      const lastDay = Date.parse(`${h.volumePerDay.at(-1)!.date}T00:00:00Z`);
      expect(now - lastDay).toBeLessThan(14 * 86_400_000);
      expect(now - Date.parse(`${h.volumePerDay[0]!.date}T00:00:00Z`)).toBeGreaterThan(700 * 86_400_000);
    });
  });
});
