import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Simulator } from '../sim/index.js';
import { SCRIPT, runCli, runOnTty, withTempDir } from './helpers.js';

/**
 * The progress bar is drawn only on a terminal. util-linux `script` gives
 * the CLI a pseudo-terminal, so the bar is tested as a user would see it;
 * the same sync without a terminal must print no bar at all.
 */
describe('sync progress bar', () => {
  it('is drawn on a terminal with cases against the total, pages, rate and ETA, and never without one', async () => {
    // bsdutils is an essential Debian package: a missing `script` is a broken machine, not a reason to skip
    expect(existsSync(SCRIPT), `${SCRIPT} (util-linux) gives the CLI its terminal`).toBe(true);
    await withTempDir(async (dir) => {
      const sim = await Simulator.start({ seed: 17, helpcenters: 1, cases: 2400, faults: { latencyMs: 60, latencyRate: 1 } });
      try {
        const [hc] = sim.world.helpcenterIds() as [string];
        const tty = await runOnTty(['sync', '--db', path.join(dir, 'tty.db'), '--base-url', sim.url, '--helpcenter', hc], { columns: 140 });
        expect(tty.code).toBe(0);
        // frames are redrawn in place (cursor to column 1); each shows cases against the remote's total
        const frames = tty.output.split(/\r|\n|\x1b\[1G/).filter((l) => l.includes('cases/s'));
        const FRAME = /^sweep +\|[█░]{40}\| (\d+)\/2400 cases \| (\d) pages \| ([1-9]|1[0-6]) in flight \| \d+ cases\/s \| ETA +(\d+h\d+m|\d+m\d+s|\d+s|NULL|INF)/;
        expect(frames.length).toBeGreaterThan(1);
        const shown = frames.map((f) => {
          const m = FRAME.exec(f);
          expect(m, f).not.toBeNull();
          return [Number(m![1]), Number(m![2])];
        });
        // never backwards, and the last frame has every case of the five pages
        for (let i = 1; i < shown.length; i++) expect(shown[i]![0]).toBeGreaterThanOrEqual(shown[i - 1]![0]!);
        expect(shown[shown.length - 1]).toEqual([2400, 5]);
        expect(tty.output).toContain(`full sync of ${hc} ok: 5 pages`);

        const plain = await runCli(['sync', '--db', path.join(dir, 'plain.db'), '--base-url', sim.url, '--helpcenter', hc]);
        expect(plain.code).toBe(0);
        // the summary line and nothing else: no frames, no cursor codes
        expect(plain.stderr).toMatch(new RegExp(`^full sync of ${hc} ok: 5 pages[^\n\x1b]*\n$`));
        expect(plain.stdout).toBe('');
      } finally {
        await sim.close();
      }
    });
  });
});
