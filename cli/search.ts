import { Option, type Command } from 'commander';
import { UsageError } from '../contract/errors.js';
import { parseStateFilter } from '../contract/params.js';
import { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, searchCases, type SearchOptions } from '../query/search.js';
import { parseQuery } from '../query/search/parse.js';
import { Store } from '../store/index.js';
import { addHelpcenterOption, addStoreOption, commonOptions, intInRange, nonNegativeInt, parseWindow } from './options.js';
import { BOLD, hitTable, hitsLine, printJson, useColor } from './output.js';

/** `search`: ranked full-text search; --limit 1..500 and --since before --until, else exit 2. */
export function registerSearch(program: Command): void {
  const cmd = program
    .command('search')
    .description('ranked full-text search over subjects, customer fields and messages')
    .argument('<query...>', 'words to find; "a phrase" in double quotes, word* for a prefix; put -- before a query starting with -')
    .addOption(new Option('--state <state>', 'ALL, UNHANDLED, HANDLING or CLOSED'))
    .addOption(new Option('--since <date>', 'last activity at or after this date/time (ISO)'))
    .addOption(new Option('--until <date>', 'last activity before this date/time (ISO); after --since'))
    .addOption(new Option('--limit <n>', `hits per page, 1 to ${MAX_SEARCH_LIMIT}`).default(String(DEFAULT_SEARCH_LIMIT)))
    .addOption(new Option('--offset <n>', 'hits to skip').default('0'))
    .option('--json', 'print {"total", "hits"} as JSON');
  addStoreOption(cmd);
  addHelpcenterOption(cmd);
  cmd.action((words: string[], raw: Record<string, unknown>) => {
    const o = commonOptions(raw);
    const query = words.join(' ');
    const p = parseQuery(query);
    if (p.terms.length === 0 && p.contact === null) throw new UsageError('search needs a word to look for (punctuation alone finds nothing)');
    const opts: SearchOptions = {
      query,
      limit: intInRange(raw.limit, '--limit', 1, MAX_SEARCH_LIMIT),
      offset: nonNegativeInt(raw.offset, '--offset'),
      ...parseWindow(raw),
    };
    if (o.helpcenter !== undefined) opts.helpcenter = o.helpcenter;
    if (typeof raw.state === 'string') {
      const st = parseStateFilter(raw.state);
      if (st === undefined) throw new UsageError(`--state must be ALL, UNHANDLED, HANDLING or CLOSED, got "${raw.state}"`);
      opts.state = st;
    }
    if (!raw.json && useColor()) opts.marks = BOLD;
    const store = new Store(o.db, { readonly: true });
    try {
      const r = searchCases(store, opts);
      if (raw.json) {
        printJson(r);
        return;
      }
      process.stdout.write(`${hitTable(r.hits)}\n${hitsLine(r, opts.offset!)}\n`);
    } finally {
      store.close();
    }
  });
}
