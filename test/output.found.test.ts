import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayWidth, wrapToWidth } from '../contract/text.js';
import type { Case } from '../contract/types.js';
import { runCli, withTempDir } from './helpers.js';
import { HC_A, makeCase, writeSyncedStore } from './cases.fixture.js';

/** Found by a break-it run of issue 12. */
describe('output edges', () => {
  it('wrapping a 300,000-character word (a pasted base64 image) cuts it into lines that fit and loses nothing', () => {
    const word = 'iVBORw0KGgo'.repeat(27_273);
    const lines = wrapToWidth(`see ${word} end`, 80);
    expect(lines.every((l) => displayWidth(l) <= 80)).toBe(true);
    expect(lines.join('').replace(/ /g, '')).toBe(`see${word}end`);
  });

  it('search --json keeps a state that is not one of the three, as delivered', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 's.db');
      const odd = { ...makeCase(1, { subject: 'weird state modem' }), state: 'WAITING' } as unknown as Case;
      await writeSyncedStore(db, { [HC_A]: [odd, makeCase(2, { subject: 'plain modem', state: 'HANDLING' })] });
      const r = await runCli(['search', '--db', db, '--json', '--', 'modem']);
      expect(r.code).toBe(0);
      const hits = (JSON.parse(r.stdout) as { hits: { subject: string; state: string }[] }).hits;
      expect(hits.map((x) => [x.subject, x.state]).sort()).toEqual([['plain modem', 'HANDLING'], ['weird state modem', 'WAITING']]);
    });
  });
});
