import path from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../contract/errors.js';
import { terminalSafe } from '../contract/text.js';
import { buildReport } from '../query/report/build.js';
import { reportCsv } from '../query/report/csv.js';
import { reportHtml } from '../query/report/html.js';
import { reportText } from '../query/report/text.js';
import type { Report, ReportOptions } from '../query/report/types.js';
import { Store } from '../store/index.js';
import { addHelpcenterOption, addStoreOption, commonOptions, parseWindow } from './options.js';
import { writeFileAtomically } from './output.js';

export const REPORT_FORMATS = ['table', 'json', 'csv', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
/** An HTML page on a terminal helps nobody: without --out it goes here (next to the default store). */
export const DEFAULT_HTML_OUT = './data/report.html';

/** `report`: helpdesk analytics as a table, JSON, spreadsheet-safe CSV or one HTML file, written atomically with --out. */
export function registerReport(program: Command): void {
  const cmd = program
    .command('report')
    .description('helpdesk analytics per helpcenter: states, backlog, response and resolution times, volume, busiest hours, companies, agents')
    .addOption(new Option('--since <date>', 'window start, inclusive (ISO date or date-time, e.g. 2026-01-31)'))
    .addOption(new Option('--until <date>', 'window end, exclusive (ISO date or date-time); after --since'))
    .addOption(new Option('--format <format>', 'table, json, csv or html').default('table'))
    .option('--json', 'the same as --format json')
    .addOption(new Option('--out <file>', `write to this file instead of stdout ("-": stdout); html defaults to ${DEFAULT_HTML_OUT}`))
    .option('--bom', 'csv on stdout: start with a UTF-8 byte-order mark too (a file written with --out always has one)');
  addStoreOption(cmd);
  addHelpcenterOption(cmd);
  cmd.action((raw: Record<string, unknown>, self: Command) => {
    const o = commonOptions(raw);
    const format = reportFormat(raw, self.getOptionValueSource('format') === 'default');
    const opts: ReportOptions = { ...parseWindow(raw) };
    if (o.helpcenter !== undefined) opts.helpcenter = o.helpcenter;
    const out = typeof raw.out === 'string' ? raw.out : format === 'html' ? DEFAULT_HTML_OUT : '-';
    const store = new Store(o.db, { readonly: true });
    let report: Report;
    try {
      report = buildReport(store, opts);
    } finally {
      store.close();
    }
    const toFile = out !== '-';
    const text =
      format === 'json' ? `${JSON.stringify(report)}\n`
      : format === 'csv' ? reportCsv(report, { bom: toFile || raw.bom === true })
      : format === 'html' ? reportHtml(report)
      : reportText(report);
    if (!toFile) {
      // CSV on a terminal: its cells are remote text, and a terminal acts on control characters
      process.stdout.write(format === 'csv' && process.stdout.isTTY ? terminalSafe(text) : text);
      return;
    }
    writeFileAtomically(out, text, 'report');
    process.stderr.write(`report written to ${path.resolve(out)}\n`);
  });
}

/** `--format`, or json for `--json`; a usage error for an unknown format or a --format that contradicts --json. */
function reportFormat(raw: Record<string, unknown>, formatDefaulted: boolean): ReportFormat {
  const format = String(raw.format).toLowerCase() as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw new UsageError(`--format must be table, json, csv or html, got "${String(raw.format)}"`);
  if (!raw.json) return format;
  if (!formatDefaulted && format !== 'json') throw new UsageError(`--json means --format json; it cannot go with --format ${format}`);
  return 'json';
}
