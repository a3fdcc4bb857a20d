import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { displayWidth, padToWidth, truncateToWidth, wrapToWidth } from '../contract/text.js';
import { runCli, withTempDir } from './helpers.js';
import { HC_A, makeCase, writeSyncedStore } from './cases.fixture.js';

/**
 * Tables and labels line up by what a terminal shows, not by UTF-16 units:
 * CJK takes two columns, a combining accent none, an emoji cluster two; a
 * cell is cut between graphemes, never inside one (no U+FFFD, no half
 * emoji).
 */

const FAMILY = '👩‍👩‍👧‍👦'; // one grapheme of 11 UTF-16 units, 2 columns
const THUMB = '👍🏽'; // emoji + skin tone modifier: one grapheme, 2 columns
const GRAPHEMES = new Intl.Segmenter('en', { granularity: 'grapheme' });
const graphemes = (s: string) => [...GRAPHEMES.segment(s)].map((g) => g.segment);

/** Companies and subjects that broke the old tables; each subject starts with § so its column can be found. */
const NAMES: [string, string][] = [
  ['株式会社テスト', '§ 請求書について'],
  ['Cafe\u0301 Olsen & Søn', '§ Spørgsmål til faktura'],
  [FAMILY.repeat(15), `§ ${THUMB.repeat(40)}`],
  ['Plain ApS', '§ plain subject'],
  [`Fødselsdag ${'🎂'.repeat(12)}`, `§ 한국어 제목 ${'é'.repeat(3)}`],
];

/** No lone surrogate (what a cut inside a pair leaves, printed as U+FFFD). */
function wellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/** Whether `cut` is a grapheme-prefix of `full` followed by … (or `full` itself). */
function isCleanCut(full: string, cut: string): boolean {
  if (cut === full) return true;
  if (!cut.endsWith('…')) return false;
  const kept = graphemes(cut.slice(0, -1));
  const all = graphemes(full);
  return kept.every((g, i) => g === all[i]);
}

describe('tables by display width', () => {
  it('cases: rows with CJK, decomposed and emoji text align with the header and hold no U+FFFD', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 't.db');
      await writeSyncedStore(db, { [HC_A]: NAMES.map(([company, subject], i) => makeCase(i + 1, { company, subject }, [['INCOMING', 0, 'faktura tak']])) });
      const r = await runCli(['cases', '--db', db, '--helpcenter', HC_A, '--sort-by', 'created']);
      expect(r.code).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      const [header, rule, ...rows] = lines;
      expect(rows).toHaveLength(NAMES.length + 1); // + the "cases 1-5 of 5" line
      rows.pop();
      const subjectAt = displayWidth(header!.slice(0, header!.indexOf('subject')));
      const customerAt = displayWidth(header!.slice(0, header!.indexOf('customer')));
      expect(displayWidth(rule!.slice(0, rule!.lastIndexOf('  ') + 2))).toBe(subjectAt);
      rows.forEach((row, i) => {
        expect(row).not.toContain('\ufffd');
        expect(wellFormed(row)).toBe(true);
        // every subject starts in the subject column, whatever the customer before it holds
        expect(displayWidth(row.slice(0, row.indexOf('§'))), row).toBe(subjectAt);
        const customer = row.slice(row.indexOf(NAMES[i]![0].slice(0, 2)), row.indexOf('§')).trimEnd();
        expect(displayWidth(row.slice(0, row.indexOf(customer)))).toBe(customerAt);
        expect(displayWidth(customer)).toBeLessThanOrEqual(24);
        expect(isCleanCut(NAMES[i]![0], customer), `${customer} cut from ${NAMES[i]![0]}`).toBe(true);
        const subject = row.slice(row.indexOf('§'));
        expect(displayWidth(subject)).toBeLessThanOrEqual(60);
        expect(isCleanCut(NAMES[i]![1], subject), subject).toBe(true);
      });
      // the family emoji is cut between clusters: 11 whole ones and the ellipsis in 24 columns
      expect(r.stdout).toContain(`${FAMILY.repeat(11)}…`);

      // the report's company table and the search hits line up the same way
      const rep = await runCli(['report', '--db', db]);
      const companyRows = rep.stdout.split('\n').filter((l) => /\s\d+$/.test(l) && NAMES.some(([c]) => l.startsWith(c.slice(0, 2))));
      expect(companyRows.length).toBeGreaterThanOrEqual(NAMES.length - 1);
      const countAt = new Set(companyRows.map((l) => displayWidth(l.replace(/\d+$/, ''))));
      expect(countAt.size, companyRows.join('\n')).toBe(1);
      expect(rep.stdout).not.toContain('\ufffd');
      const s = await runCli(['search', '--db', db, 'faktura']);
      expect(s.code).toBe(0);
      const hitRows = s.stdout.split('\n').filter((l) => l.includes('§'));
      expect(hitRows).toHaveLength(NAMES.length);
      expect(new Set(hitRows.map((l) => displayWidth(l.slice(0, l.indexOf('§'))))).size).toBe(1);
      expect(s.stdout).not.toContain('\ufffd');
    });
  });

  it('HTML bar labels are cut by display width between graphemes, the full name in the hover title', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 'h.db');
      await writeSyncedStore(db, { [HC_A]: NAMES.map(([company, subject], i) => makeCase(i + 1, { company, subject }, [['INCOMING', 0, 'x']])) });
      const r = await runCli(['report', '--db', db, '--format', 'html', '--out', '-']);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain('\ufffd');
      const labels = [...r.stdout.matchAll(/<text [^>]*text-anchor="end"><title>([^<]*)<\/title>([^<]*)<\/text>/g)].map((m) => [m[1]!, m[2]!] as const);
      const unescape = (s: string) => s.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
      const companies = labels.filter(([full]) => NAMES.some(([c]) => c === unescape(full)));
      expect(companies).toHaveLength(NAMES.length);
      for (const [full, cut] of companies) {
        expect(displayWidth(unescape(cut))).toBeLessThanOrEqual(26);
        expect(isCleanCut(unescape(full), unescape(cut)), `${cut} from ${full}`).toBe(true);
      }
    });
  });

  it('truncate, pad and wrap never split a grapheme and keep to the width', () => {
    const pieces = ['a', 'é', 'e\u0301', '株', 'テ', FAMILY, THUMB, '🎂', ' ', 'ø', '한', '\u0301'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let n = 0; n < 400; n++) {
      const s = Array.from({ length: 1 + Math.floor(next() * 30) }, () => pieces[Math.floor(next() * pieces.length)]).join('');
      const w = 1 + Math.floor(next() * 20);
      const cut = truncateToWidth(s, w);
      expect(displayWidth(cut), JSON.stringify([s, w])).toBeLessThanOrEqual(w);
      expect(wellFormed(cut)).toBe(true);
      expect(isCleanCut(s, cut), JSON.stringify([s, w, cut])).toBe(true);
      expect(displayWidth(padToWidth(cut, w))).toBe(w);
      for (const line of wrapToWidth(s, Math.max(2, w))) {
        expect(displayWidth(line), JSON.stringify([s, w, line])).toBeLessThanOrEqual(Math.max(2, w));
        expect(wellFormed(line)).toBe(true);
      }
      expect(wrapToWidth(s, Math.max(2, w)).join('').replace(/ /g, '')).toBe(s.replace(/ /g, ''));
    }
  });
});
