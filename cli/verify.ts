import type { Command } from 'commander';
import { HcsyncError } from '../contract/errors.js';
import { randomQueries, verify } from '../query/verify.js';
import { Store } from '../store/index.js';
import { addSyncOptions, commonOptions, nonNegativeInt, positiveInt, requireHelpcenter } from './options.js';
import { printJson } from './output.js';
import { clientFor } from './sync.js';

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function registerVerify(program: Command): void {
  const cmd = program
    .command('verify')
    .description('ask the remote and the local store the same random list queries; report every difference (exit 1 if any)')
    .option('--samples <n>', 'number of random queries', '50')
    .option('--seed <n>', 'seed of the query generator (replay a run)', String(Date.now() % 100000))
    .option('--json', 'print the differences as JSON');
  addSyncOptions(cmd);
  cmd.action(async (raw: Record<string, unknown>) => {
    const o = commonOptions(raw);
    const helpcenter = requireHelpcenter(o);
    const samples = positiveInt(raw.samples, '--samples');
    const seed = nonNegativeInt(raw.seed, '--seed');
    const store = new Store(o.db, { readonly: true });
    const client = clientFor(o);
    try {
      const hc = store.reader.syncedHelpcenter(helpcenter);
      const total = hc === undefined ? 1000 : store.reader.count(hc, 'ALL');
      const res = await verify(store, client, randomQueries(helpcenter, samples, seed, total));
      if (raw.json) printJson({ seed, ...res });
      else {
        for (const d of res.differences) {
          process.stdout.write(
            `DIFF ${d.query}\n  at ${d.path}: remote ${short(d.remoteValue)} / local ${short(d.localValue)} (status ${d.remote.status} / ${d.local.status})\n`,
          );
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
