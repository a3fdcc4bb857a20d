/**
 * CSV that spreadsheets open safely (RFC 4180, CRLF line ends), for every
 * CSV hcsync writes.
 *
 * - Formula neutralisation: Excel and LibreOffice run a cell that starts
 *   with `=`, `+`, `-`, `@`, TAB or CR as a formula (OWASP "CSV injection").
 *   Such a text cell gets a leading `'`, as OWASP recommends; the spreadsheet
 *   shows the text and runs nothing. Numbers are numbers: -5 stays -5.
 * - A UTF-8 byte-order mark on request: Excel reads a CSV without one in the
 *   legacy code page (`Tømrer` shows as `TÃ¸mrer`).
 */

export type CsvValue = string | number | null;

/** The UTF-8 byte-order mark, as the first character of a file. */
export const UTF8_BOM = '\ufeff';

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: null empty, numbers as written, text neutralised and quoted when it holds `"`, `,`, CR or LF. */
export function csvCell(v: CsvValue): string {
  if (v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = FORMULA_START.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as one CSV document: CRLF after every row, the BOM first when `bom`. */
export function csvDocument(rows: readonly (readonly CsvValue[])[], opts: { bom?: boolean } = {}): string {
  return (opts.bom ? UTF8_BOM : '') + rows.map((r) => `${r.map(csvCell).join(',')}\r\n`).join('');
}
