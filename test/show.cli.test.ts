import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayWidth } from '../contract/text.js';
import { runCli, withTempDir } from './helpers.js';
import { HC_A, HC_B, caseId, makeCase, writeSyncedStore } from './cases.fixture.js';

/** `hcsync show CASE`: one case's fields and whole conversation, wrapped to the terminal; `--json` as stored. */

const LONG = 'Vores fiberforbindelse falder ud hver aften omkring klokken otte, og routeren blinker rødt i ti minutter før den kommer igen. ' +
  'Vi har prøvet at genstarte den flere gange uden held.\r\nMvh Jens';
const CJK = '請求書の金額が間違っています。確認してください。'.repeat(3);

const CASE = makeCase(7, {
  subject: 'Ingen forbindelse om aftenen',
  state: 'HANDLING',
  company: 'Jensen Tømrer ApS',
  customerName: 'Jens Jensen',
  emailAddress: 'jens@jensen.dk',
  phoneNumber: '+45 12 34 56 78',
}, [
  ['INCOMING', 0, LONG],
  ['COMMENT', 20, 'Kunden har haft samme fejl i marts. \u001b]0;pwned\u0007Tjek linjen.', 'Bo'],
  ['OUTGOING', 45, `Hej Jens,\n\nTak for din besked. ${CJK}\n\nVenlig hilsen\nAnna`, 'Anna'],
  ['INCOMING', 90, 'Tak!'],
]);

describe('hcsync show', () => {
  it('prints the fields, then every message in order with its type, time and sender, wrapped to the width', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 's.db');
      await writeSyncedStore(db, { [HC_A]: [makeCase(6, {}), CASE] });
      const r = await runCli(['show', '--db', db, '7'], { env: { COLUMNS: '60' } });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      // the title too is wrapped to 60 columns
      expect([lines[0], lines[1]]).toEqual([`Case #7 · ${caseId(7)} · helpcenter`, HC_A]);
      const fields: [string, string][] = [
        ['subject', 'Ingen forbindelse om aftenen'],
        ['state', 'HANDLING'],
        ['company', 'Jensen Tømrer ApS'],
        ['customer', 'Jens Jensen'],
        ['e-mail', 'jens@jensen.dk'],
        ['phone', '+45 12 34 56 78'],
        ['created', '2025-03-03 16:00:00 UTC'],
        ['last activity', '2025-03-03 17:30:00 UTC'],
        ['messages', '4'],
      ];
      for (const [label, value] of fields) {
        expect(lines, label).toContain(`${label.padEnd(13)}  ${value}`);
      }
      const headings = lines.filter((l) => /^#\d /.test(l));
      expect(headings).toEqual([
        '#1 INCOMING · 2025-03-03 16:00:00 UTC · from Jens Jensen',
        '#2 COMMENT · 2025-03-03 16:20:00 UTC · internal note by Bo',
        '#3 OUTGOING · 2025-03-03 16:45:00 UTC · reply by Anna',
        '#4 INCOMING · 2025-03-03 17:30:00 UTC · from Jens Jensen',
      ]);
      // wrapped to 60 columns, text indented under its heading, CJK counted as 2 columns each
      for (const l of lines) expect(displayWidth(l), l).toBeLessThanOrEqual(60);
      const body = r.stdout.slice(r.stdout.indexOf('#1 INCOMING'));
      expect(body.replace(/\n {4}/g, ' ')).toContain('Vi har prøvet at genstarte den flere gange uden held. Mvh Jens'.split(' ').slice(0, 4).join(' '));
      expect(r.stdout).toContain('    Mvh Jens\n'); // CR LF is a line break, not a stray CR
      expect(r.stdout).not.toContain('\r');
      expect(r.stdout.replace(/\n {4}/g, '')).toContain(CJK);
      // the control sequence in the comment is shown, not acted on
      expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(r.stdout).toContain('\\x1b]0;pwned\\x07Tjek');

      // by _id (either case) the same; --json: the case exactly as stored
      const byId = await runCli(['show', '--db', db, caseId(7).toUpperCase()], { env: { COLUMNS: '60' } });
      expect(byId.stdout).toBe(r.stdout);
      const j = await runCli(['show', '--db', db, '#7', '--json']);
      expect(j.code).toBe(0);
      expect(JSON.parse(j.stdout)).toEqual(CASE);
      const list = await runCli(['cases', '--db', db, '--helpcenter', HC_A, '--json']);
      expect(list.stdout).toContain(j.stdout.trimEnd()); // the very bytes the list (and serve) give
    });
  });

  it('a number in two helpcenters needs --helpcenter (exit 2); an unknown case exits 1; a malformed one 2', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 's.db');
      await writeSyncedStore(db, { [HC_A]: [makeCase(3, { subject: 'in A' })], [HC_B]: [makeCase(3, { subject: 'in B' })] });
      const amb = await runCli(['show', '--db', db, '3']);
      expect(amb.code).toBe(2);
      expect(amb.stderr).toBe(`hcsync: case 3 is in 2 helpcenters (${HC_A}, ${HC_B}): pass --helpcenter\n`);
      const b = await runCli(['show', '--db', db, '3', '--helpcenter', HC_B]);
      expect(b.code).toBe(0);
      expect(b.stdout).toContain('subject        in B');
      const none = await runCli(['show', '--db', db, '99']);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/^hcsync: no case 99 in this store \(.*\); `hcsync search` finds cases by their words\n$/);
      const bad = await runCli(['show', '--db', db, 'hello']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toBe('hcsync: a case is its _id (24 hex characters) or its case number, got "hello"\n');
    });
  });
});
