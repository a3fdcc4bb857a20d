import path from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../contract/errors.js';
import { terminalSafe } from '../contract/text.js';
import { EXPORT_FORMATS, exportTable, type ExportOptions } from '../query/export.js';
import { EXPORT_TABLES, Store } from '../store/index.js';
import { addHelpcenterOption, addStoreOption, commonOptions, parseWindow } from './options.js';
import { openOutStream } from './output.js';

/**
 * `export`: a table of the store as NDJSON or spreadsheet-safe CSV, streamed
 * in constant memory (query/export.ts), to stdout or atomically to --out.
 * A bad --format or --table exits 2; a helpcenter never synced exits 1.
 */
export function registerExport(program: Command): void {
  const cmd = program
    .command('export')
    .description('stream cases, messages or events as NDJSON or spreadsheet-safe CSV (the columns of the v_cases, v_messages and v_case_events views)')
    .addOption(new Option('--format <format>', 'ndjson or csv'))
    .addOption(new Option('--table <table>', 'cases, messages or events').default('cases'))
    .addOption(new Option('--since <date>', 'cases created, messages sent, events observed at or after this date/time (ISO)'))
    .addOption(new Option('--until <date>', 'the same, before this date/time (ISO); after --since'))
    .addOption(new Option('--out <file>', 'write to this file (atomically) instead of stdout ("-": stdout)'))
    .option('--bom', 'csv on stdout: start with a UTF-8 byte-order mark too (a file written with --out always has one)');
  addStoreOption(cmd);
  addHelpcenterOption(cmd);
  cmd.action(async (raw: Record<string, unknown>) => {
    const o = commonOptions(raw);
    const format = choice(raw.format, '--format', EXPORT_FORMATS);
    const table = choice(raw.table, '--table', EXPORT_TABLES);
    const out = typeof raw.out === 'string' && raw.out !== '-' ? raw.out : undefined;
    const opts: ExportOptions = { format, table, ...parseWindow(raw), bom: format === 'csv' && (out !== undefined || raw.bom === true) };
    if (o.helpcenter !== undefined) opts.helpcenter = o.helpcenter;
    // no memory map: every page a map reads stays in RSS, and an export reads the whole store
    const store = new Store(o.db, { readonly: true, mmap: false });
    try {
      if (out === undefined) {
        // remote text on a terminal: nothing it would act on (files and pipes get the data as is)
        if (process.stdout.isTTY) opts.filter = terminalSafe;
        await exportTable(store, process.stdout, opts);
        return;
      }
      const file = openOutStream(out, 'export');
      let rows: number;
      try {
        ({ rows } = await exportTable(store, file.stream, opts));
      } catch (e) {
        throw file.abort(e);
      }
      await file.commit();
      process.stderr.write(`${rows} ${table} written to ${path.resolve(file.path)}\n`);
    } finally {
      store.close();
    }
  });
}

/** One of `allowed` (any letter case), else a usage error naming them. */
function choice<T extends string>(v: unknown, name: string, allowed: readonly T[]): T {
  const list = `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)!}`;
  if (v === undefined) throw new UsageError(`${name} is required: ${list}`);
  const s = String(v).toLowerCase() as T;
  if (!allowed.includes(s)) throw new UsageError(`${name} must be ${list}, got "${String(v)}"`);
  return s;
}
