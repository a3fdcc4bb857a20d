import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { ListResponse } from '../contract/types.js';
import { listCasesJsonFor } from '../query/list.js';
import { Simulator } from '../sim/index.js';
import { Store } from '../store/index.js';
import { RemoteClient } from '../worker/client.js';
import { SyncEmitter } from '../worker/events.js';
import { runSync } from '../worker/sync.js';
import { CASE_HEADERS, caseRows } from './cases.js';
import { nonNegativeInt } from './options.js';
import { table } from './output.js';
import { attachProgressBar, summaryLine } from './sync.js';

/** Extra sections the demo shows once the features behind them exist (search, report). */
export type DemoSection = (store: Store, helpcenter: string, out: (s: string) => void) => void | Promise<void>;
export const demoSections: DemoSection[] = [];

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('simulator on loopback → full sync into ./data/demo.db → a list, a search and a report (no network, no Redis)')
    .option('--db <path>', 'where the demo store goes', './data/demo.db')
    .option('--cases <n>', 'cases in the generated helpcenter', '5000')
    .option('--seed <n>', 'generator seed', '1')
    .action(async (raw: Record<string, unknown>) => {
      const out = (s: string) => process.stdout.write(`${s}\n`);
      const db = String(raw.db);
      for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
      const cases = nonNegativeInt(raw.cases, '--cases');
      out(`Starting the built-in TelecomX simulator (${cases} cases, seed ${raw.seed}) on loopback…`);
      const sim = await Simulator.start({ seed: nonNegativeInt(raw.seed, '--seed'), helpcenters: 1, cases });
      const helpcenter = sim.world.helpcenterIds()[0]!;
      const store = new Store(db);
      const client = new RemoteClient({ baseUrl: sim.url });
      try {
        out(`Simulator at ${sim.url}, helpcenter ${helpcenter}. Full sync into ${path.resolve(db)}:`);
        const events = new SyncEmitter();
        const stopBar = attachProgressBar(events);
        const summary = await runSync(store, client, { helpcenter, mode: 'full', events });
        stopBar();
        out(summaryLine(summary));
        out('');
        out(`$ hcsync cases --db ${db} --helpcenter ${helpcenter} --state UNHANDLED --sort-by SENT --sort-order desc --limit 10`);
        const page = JSON.parse(listCasesJsonFor(store, { id: helpcenter, state: 'UNHANDLED', sortBy: 'SENT', sortOrder: 'desc', offset: 0, limit: 10 })) as ListResponse;
        out(table(CASE_HEADERS, caseRows(page.cases), [6, 24, 9, 16, 4, 24, 50]));
        out(`cases 1-${page.cases.length} of ${page.total} (limit ${page.limit})`);
        for (const section of demoSections) {
          out('');
          await section(store, helpcenter, out);
        }
        out('');
        out('To sync the real API instead:');
        out(`  export TELECOMX_TOKEN=…  HCSYNC_HELPCENTER=<your helpcenter id>`);
        out('  npx hcsync sync            # first run is a full sweep, later runs are incremental');
        out('  npx hcsync cases --state UNHANDLED');
      } finally {
        await client.close();
        store.close();
        await sim.close();
      }
    });
}
