import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, withTempDir } from './helpers.js';
import { writeFixture } from './report.fixture.js';

/**
 * Opens the HTML report in headless Chromium (Debian's `chromium`): the
 * charts must lay out at a real size with no console error, and a screenshot
 * at laptop size is kept for a person to look at.
 */

const CHROMIUM = '/usr/bin/chromium';
const CHARTS = ['volume', 'backlog', 'first-response', 'resolution', 'heatmap', 'agents', 'companies'];
/** Kept after the run (overwritten by the next one) so the screenshot can be looked at. */
export const SCREENSHOT_DIR = path.join(tmpdir(), 'hcsync-report-screenshot');

/** Chromium's path, installing it once with apt-get when missing; or why it is not there. */
function ensureChromium(): { bin: string } | { missing: string } {
  if (existsSync(CHROMIUM)) return { bin: CHROMIUM };
  const r = spawnSync('apt-get', ['install', '-y', 'chromium'], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (existsSync(CHROMIUM)) return { bin: CHROMIUM };
  const why = r.error ? r.error.message : (r.stderr || r.stdout).trim().split('\n').pop();
  return { missing: `${CHROMIUM} is missing and \`apt-get install -y chromium\` failed: ${why}` };
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
const pre = document.createElement('pre');
pre.id = 'probe';
pre.textContent = JSON.stringify({ charts, scrollWidth: document.documentElement.scrollWidth });
document.body.append(pre);
console.log('probe-ran');
</script>`;

describe('HTML report in headless Chromium', () => {
  it('renders every chart at laptop size with no console error, and leaves a screenshot', { timeout: 900_000 }, async (ctx) => {
    const found = ensureChromium();
    if ('missing' in found) {
      console.warn(`skipped: ${found.missing}`);
      ctx.skip(found.missing);
      return;
    }
    await withTempDir(async (dir) => {
      const db = path.join(dir, 'report.db');
      writeFixture(db);
      const html = path.join(dir, 'report.html');
      const made = await runCli(['report', '--db', db, '--format', 'html', '--out', html]);
      expect(made.code).toBe(0);

      const probed = path.join(dir, 'probed.html');
      writeFileSync(probed, readFileSync(html, 'utf8').replace('</body>', `${PROBE}</body>`));
      const dom = await chromium(found.bin, ['--window-size=1366,900', '--dump-dom'], pathToFileURL(probed).href);
      expect(dom.code).toBe(0);
      expect(dom.stderr).toContain('probe-ran'); // console messages are seen…
      const consoleErrors = dom.stderr.split('\n').filter((l) => /CONSOLE/.test(l) && /error|uncaught|failed/i.test(l));
      expect(consoleErrors).toEqual([]); // …and none is an error
      const probe = /<pre id="probe">(.*?)<\/pre>/s.exec(dom.stdout);
      expect(probe, 'the probe wrote its measurements').not.toBeNull();
      const m = JSON.parse(probe![1]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as {
        charts: { chart: string; width: number; height: number; marks: number }[];
        scrollWidth: number;
      };
      // two helpcenters (the fixture's and an empty one), seven charts each
      expect(m.charts.map((c) => c.chart)).toEqual([...CHARTS, ...CHARTS]);
      for (const c of m.charts.slice(0, CHARTS.length)) {
        expect(c.width, `${c.chart} width`).toBeGreaterThan(400);
        expect(c.height, `${c.chart} height`).toBeGreaterThan(100);
        expect(c.marks, `${c.chart} draws something`).toBeGreaterThan(0);
      }
      expect(m.scrollWidth, 'no horizontal scrolling at 1366 px').toBeLessThanOrEqual(1366);

      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const png = path.join(SCREENSHOT_DIR, 'report.png');
      rmSync(png, { force: true });
      const shot = await chromium(found.bin, [`--screenshot=${png}`, '--window-size=1366,900'], pathToFileURL(html).href);
      expect(shot.code).toBe(0);
      const bytes = readFileSync(png);
      expect(bytes.subarray(1, 4).toString()).toBe('PNG');
      // IHDR: width and height, big-endian, at bytes 16 and 20
      expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([1366, 900]);
      console.log(`screenshot: ${png}`);
    });
  });
});
