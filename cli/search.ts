import { Option, type Command } from 'commander';
import { UsageError } from '../contract/errors.js';
import { parseStateFilter } from '../contract/params.js';
import { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, TOTAL_CAP, parseQuery, searchCases, type SearchHit, type SearchOptions, type SearchResult } from '../query/search.js';
import { Store } from '../store/index.js';
import { addHelpcenterOption, addStoreOption, commonOptions, nonNegativeInt, parseInstant, positiveInt } from './options.js';
import { demoSections } from './demo.js';
import { printJson, table } from './output.js';

const BOLD: readonly [string, string] = ['\u001b[1m', '\u001b[22m'];

export function registerSearch(program: Command): void {
  demoSections.push((store, helpcenter, out) => {
    const query = 'faktura fejl';
    out(`$ hcsync search --db ${store.file} --helpcenter ${helpcenter} --limit 5 ${query}`);
    const r = searchCases(store, { query, helpcenter, limit: 5, ...(process.stdout.isTTY ? { marks: BOLD } : {}) });
    out(hitTable(r.hits));
    out(hitsLine(r, 0));
  });
  const cmd = program
    .command('search')
    .description('ranked full-text search over subjects, customer fields and messages')
    .argument('<query...>', 'words to find; "a phrase" in double quotes, word* for a prefix')
    .addOption(new Option('--state <state>', 'ALL, UNHANDLED, HANDLING or CLOSED'))
    .addOption(new Option('--since <date>', 'last activity at or after this date/time (ISO)'))
    .addOption(new Option('--until <date>', 'last activity before this date/time (ISO)'))
    .addOption(new Option('--limit <n>', `hits per page, at most ${MAX_SEARCH_LIMIT}`).default(String(DEFAULT_SEARCH_LIMIT)))
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
      limit: Math.min(MAX_SEARCH_LIMIT, positiveInt(raw.limit, '--limit')),
      offset: nonNegativeInt(raw.offset, '--offset'),
    };
    if (o.helpcenter !== undefined) opts.helpcenter = o.helpcenter;
    if (typeof raw.state === 'string') {
      const st = parseStateFilter(raw.state);
      if (st === undefined) throw new UsageError(`--state must be ALL, UNHANDLED, HANDLING or CLOSED, got "${raw.state}"`);
      opts.state = st;
    }
    if (typeof raw.since === 'string') opts.sinceMs = parseInstant(raw.since, '--since');
    if (typeof raw.until === 'string') opts.untilMs = parseInstant(raw.until, '--until');
    const tty = !raw.json && process.stdout.isTTY === true;
    if (tty) opts.marks = BOLD;
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

/** `hits 1-20 of 1000+ matching cases`: a total at the cap means "at least". */
function hitsLine(r: SearchResult, offset: number): string {
  const total = r.total >= TOTAL_CAP ? `${TOTAL_CAP}+` : String(r.total);
  const shown = r.hits.length ? `${offset + 1}-${offset + r.hits.length}` : 'none';
  return `hits ${shown} of ${total} matching cases`;
}

/** A table row per hit, its snippet on the line below. */
function hitTable(hits: readonly SearchHit[]): string {
  const several = new Set(hits.map((h) => h.helpcenter)).size > 1;
  const headers = ['#', 'id', 'state', 'last activity', 'score', 'subject', ...(several ? ['helpcenter'] : [])];
  const rows = hits.map((h) => [
    String(h.caseNumber ?? ''),
    h._id,
    h.state,
    h.lastActivity.slice(0, 16).replace('T', ' '),
    h.score.toFixed(3),
    h.subject ?? '',
    ...(several ? [h.helpcenter] : []),
  ]);
  const lines = table(headers, rows, [6, 24, 9, 16, 6, 60, 24]).split('\n');
  const out = lines.slice(0, 2);
  hits.forEach((h, i) => {
    out.push(lines[i + 2]!);
    if (h.snippet) out.push(`    ${h.snippet}`);
  });
  return out.join('\n');
}
