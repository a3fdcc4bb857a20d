import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, withTempDir } from './helpers.js';
import { writeFixture } from './report.fixture.js';

/**
 * Opens the HTML report in headless Chromium (Debian's `chromium`): the
 * charts must lay out at a real size with no console error, and screenshots
 * at laptop size are kept for a person to look at.
 *
 * A test never changes the machine: without Chromium this test is skipped,
 * with a notice saying so. CI installs it (`.ci/run`), so CI always runs it.
 * HCSYNC_CHROMIUM names the binary to use instead of looking for one.
 */

const CANDIDATES = process.env.HCSYNC_CHROMIUM ? [process.env.HCSYNC_CHROMIUM] : ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
const CHROMIUM = CANDIDATES.find((c) => existsSync(c));
const CHARTS = ['volume', 'backlog', 'first-response', 'resolution', 'heatmap', 'agents', 'companies'];
/** Kept after the run (overwritten by the next one) so the screenshots can be looked at. */
export const SCREENSHOT_DIR = path.join(tmpdir(), 'hcsync-report-screenshot');

if (CHROMIUM === undefined) {
  console.warn(
    `SKIPPED: the HTML report's Chromium test — no Chromium at ${CANDIDATES.join(', ')}. ` +
      "Install Debian's chromium package (.ci/run does) or set HCSYNC_CHROMIUM.",
  );
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: readonly string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Headless Chromium with a fresh profile, nothing phoning home; the profile is removed afterwards. */
async function chromium(bin: string, extra: readonly string[], url: string): Promise<Run> {
  const profile = mkdtempSync(path.join(tmpdir(), 'hcsync-chromium-'));
  try {
    return await run(bin, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0', ...extra, url,
    ]);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Measures every chart as laid out and logs once to the console, so the
 * test also sees that console messages do reach it. Added to a copy only:
 * the report itself has no script.
 */
const PROBE = `<script>
const charts = [...document.querySelectorAll('svg.chart')].map((s) => {
  const r = s.getBoundingClientRect();
  return { chart: s.dataset.chart, width: Math.round(r.width), height: Math.round(r.height), marks: s.querySelectorAll('rect, polyline, circle').length };
});
const sentences = [...document.querySelectorAll('p.sentence')].map((p) => p.dataset.chart);
const pre = document.createElement('pre');
pre.id = 'probe';
pre.textContent = JSON.stringify({ charts, sentences, scrollWidth: document.documentElement.scrollWidth });
document.body.append(pre);
console.log('probe-ran');
</script>`;

interface Probe {
  charts: { chart: string; width: number; height: number; marks: number }[];
  sentences: string[];
  scrollWidth: number;
}

/** Load `html` with the probe added (in a copy) at 1366 px; no console error; what the probe measured. */
async function probe(bin: string, html: string, dir: string): Promise<Probe> {
  const probed = path.join(dir, `probed-${path.basename(html)}`);
  writeFileSync(probed, readFileSync(html, 'utf8').replace('</body>', `${PROBE}</body>`));
  const dom = await chromium(bin, ['--window-size=1366,900', '--dump-dom'], pathToFileURL(probed).href);
  expect(dom.code).toBe(0);
  expect(dom.stderr).toContain('probe-ran'); // console messages are seen…
  const consoleErrors = dom.stderr.split('\n').filter((l) => /CONSOLE/.test(l) && /error|uncaught|failed/i.test(l));
  expect(consoleErrors).toEqual([]); // …and none is an error
  const m = /<pre id="probe">(.*?)<\/pre>/s.exec(dom.stdout);
  expect(m, 'the probe wrote its measurements').not.toBeNull();
  return JSON.parse(m![1]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as Probe;
}

/** A 1366 × `height` screenshot of `html`, kept in SCREENSHOT_DIR as `name`. */
async function screenshot(bin: string, html: string, name: string, height: number): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const png = path.join(SCREENSHOT_DIR, name);
  rmSync(png, { force: true });
  const shot = await chromium(bin, [`--screenshot=${png}`, `--window-size=1366,${height}`], pathToFileURL(html).href);
  expect(shot.code).toBe(0);
  const bytes = readFileSync(png);
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  // IHDR: width and height, big-endian, at bytes 16 and 20
  expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([1366, height]);
  console.log(`screenshot: ${png}`);
}

describe('HTML report in headless Chromium', () => {
  it.skipIf(CHROMIUM === undefined)('renders every chart at laptop size with no console error, and leaves screenshots', { timeout: 300_000 }, async () => {
    const bin = CHROMIUM!;
    await withTempDir(async (dir) => {
      const db = path.join(dir, 'report.db');
      writeFixture(db);
      const html = path.join(dir, 'report.html');
      const made = await runCli(['report', '--db', db, '--format', 'html', '--out', html]);
      expect(made.code).toBe(0);
      const m = await probe(bin, html, dir);
      // two helpcenters: the fixture's, with every chart, and an empty one, whose volume and backlog are sentences
      expect(m.charts.map((c) => c.chart)).toEqual([...CHARTS, ...CHARTS.filter((c) => c !== 'volume' && c !== 'backlog')]);
      expect(m.sentences).toEqual(['volume', 'backlog']);
      for (const c of m.charts.slice(0, CHARTS.length)) {
        expect(c.width, `${c.chart} width`).toBeGreaterThan(400);
        expect(c.height, `${c.chart} height`).toBeGreaterThan(100);
        expect(c.marks, `${c.chart} draws something`).toBeGreaterThan(0);
      }
      expect(m.scrollWidth, 'no horizontal scrolling at 1366 px').toBeLessThanOrEqual(1366);
      await screenshot(bin, html, 'report.png', 900);

      // the demo's two years: volume per week, the backlog a sentence after one sync
      const demoDb = path.join(dir, 'demo', 'demo.db');
      const demo = await runCli(['demo', '--db', demoDb, '--cases', '1500']);
      expect(demo.code, demo.stderr).toBe(0);
      const demoHtml = path.join(dir, 'demo', 'demo-report.html');
      const d = await probe(bin, demoHtml, dir);
      expect(d.charts.map((c) => c.chart)).toEqual(CHARTS.filter((c) => c !== 'backlog'));
      expect(d.sentences).toEqual(['backlog']);
      const volume = d.charts.find((c) => c.chart === 'volume')!;
      expect(volume.width).toBeGreaterThan(1000);
      expect(d.scrollWidth).toBeLessThanOrEqual(1366);
      expect(readFileSync(demoHtml, 'utf8')).toContain('<h3>Volume per week</h3>');
      await screenshot(bin, demoHtml, 'demo-report.png', 2400);
    });
  });
});
