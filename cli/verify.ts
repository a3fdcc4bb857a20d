import { randomInt } from 'node:crypto';
import type { Command } from 'commander';
import { HcsyncError } from '../contract/errors.js';
import { safeLine, truncateToWidth } from '../contract/text.js';
import { randomQueries, verify, type Difference } from '../query/verify.js';
import { Store } from '../store/index.js';
import { addSyncOptions, commonOptions, nonNegativeInt, positiveInt, requireHelpcenter } from './options.js';
import { printJson } from './output.js';
import { clientFor } from './remote.js';

/** A value in a DIFF line: its JSON, one terminal-safe line of at most 80 columns. */
function short(v: unknown): string {
  return truncateToWidth(safeLine(JSON.stringify(v) ?? String(v)), 80);
}

/** A difference for `--json`: the first differing field; the whole answers only when `verbose`. */
function differenceJson(d: Difference, verbose: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    query: d.query,
    path: d.path,
    remoteStatus: d.remote.status,
    localStatus: d.local.status,
    remoteValue: d.remoteValue ?? null,
    localValue: d.localValue ?? null,
  };
  if (verbose) Object.assign(out, { remote: d.remote, local: d.local });
  return out;
}

/** `verify`: remote and local answer the same random queries; differences exit 1, a refused token or dead remote is one line. */
export function registerVerify(program: Command): void {
  const cmd = program
    .command('verify')
    .description('ask the remote and the local store the same random list queries; report every difference (exit 1 if any)')
    .option('--samples <n>', 'number of random queries', '50')
    .option('--seed <n>', 'seed of the query generator, to replay a run (default: a random one, printed with the result)')
    .option('--json', 'print {seed, samples, differences: [{query, path, remoteStatus, localStatus, remoteValue, localValue}]}')
    .option('--verbose', 'also print both whole answers of each differing query');
  addSyncOptions(cmd);
  cmd.action(async (raw: Record<string, unknown>) => {
    const o = commonOptions(raw);
    const helpcenter = requireHelpcenter(o);
    const samples = positiveInt(raw.samples, '--samples');
    const seed = raw.seed === undefined ? randomInt(100_000) : nonNegativeInt(raw.seed, '--seed');
    const verbose = raw.verbose === true;
    const store = new Store(o.db, { readonly: true });
    const client = clientFor(o);
    try {
      const hc = store.reader.syncedHelpcenter(helpcenter);
      const total = hc === undefined ? 1000 : store.reader.count(hc, 'ALL');
      // one ordinary list request first: a rejected token or an unreachable remote is
      // that (its own one-line error, exit 1), not a difference in every query
      await client.listCases({ id: helpcenter, limit: 1 });
      const res = await verify(store, client, randomQueries(helpcenter, samples, seed, total));
      if (raw.json) printJson({ seed, samples: res.samples, differences: res.differences.map((d) => differenceJson(d, verbose)) });
      else {
        for (const d of res.differences) {
          process.stdout.write(
            `DIFF ${safeLine(d.query)}\n  at ${safeLine(d.path)}: remote ${short(d.remoteValue)} / local ${short(d.localValue)} (status ${d.remote.status} / ${d.local.status})\n`,
          );
          if (verbose) process.stdout.write(`  remote answer: ${safeLine(JSON.stringify(d.remote.body) ?? '')}\n  local answer: ${safeLine(JSON.stringify(d.local.body) ?? '')}\n`);
        }
        process.stdout.write(`${res.samples} queries (seed ${seed}), ${res.differences.length} with differences\n`);
      }
      if (res.differences.length) throw new HcsyncError('E_VERIFY_DIFF', `${res.differences.length} of ${res.samples} queries answered differently (seed ${seed})`, { exitCode: 1 });
    } finally {
      await client.close();
      store.close();
    }
  });
}
