import { Option, type Command } from 'commander';
import type { ListResponse } from '../contract/types.js';
import { listCasesJson } from '../query/list.js';
import { Store } from '../store/index.js';
import { addHelpcenterOption, addStoreOption, commonOptions, requireHelpcenter } from './options.js';
import { CASE_HEADERS, CASE_WIDTHS, caseRows, table } from './output.js';

/** `cases`: the offline list with the API's parameters, as a table or (`--json`) serve's body. */
export function registerCases(program: Command): void {
  const cmd = program
    .command('cases')
    .description('the offline case list (same parameters, order and errors as the API)')
    .addOption(new Option('--state <state>', 'ALL, UNHANDLED, HANDLING or CLOSED'))
    .addOption(new Option('--sort-by <key>', 'SENT, CREATED or STATE'))
    .addOption(new Option('--sort-order <order>', 'asc or desc'))
    .addOption(new Option('--offset <n>', 'index of the first case'))
    .addOption(new Option('--limit <n>', 'cases per page, clamped to 1..500'))
    .option('--json', "print exactly the API response object (serve's body) and a newline");
  addStoreOption(cmd);
  addHelpcenterOption(cmd);
  cmd.action((raw: Record<string, unknown>) => {
    const o = commonOptions(raw);
    const q = new URLSearchParams({ id: requireHelpcenter(o) });
    const map: [string, string][] = [['state', 'state'], ['sortBy', 'sortBy'], ['sortOrder', 'sortOrder'], ['offset', 'offset'], ['limit', 'limit']];
    for (const [flag, param] of map) if (typeof raw[flag] === 'string') q.set(param, raw[flag] as string);
    const store = new Store(o.db, { readonly: true });
    try {
      const text = listCasesJson(store, q);
      if (raw.json) {
        process.stdout.write(`${text}\n`);
        return;
      }
      const r = JSON.parse(text) as ListResponse;
      const shown = r.cases.length ? `${r.offset + 1}-${r.offset + r.cases.length}` : 'none';
      process.stdout.write(`${table(CASE_HEADERS, caseRows(r.cases), CASE_WIDTHS)}\n`);
      process.stdout.write(`cases ${shown} of ${r.total} (limit ${r.limit})\n`);
    } finally {
      store.close();
    }
  });
}
