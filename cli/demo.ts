import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { ListResponse } from '../contract/types.js';
import { listCasesJsonFor } from '../query/list.js';
import { buildReport } from '../query/report/build.js';
import { reportHtml } from '../query/report/html.js';
import { helpcenterHeading, summaryTable } from '../query/report/text.js';
import { searchCases } from '../query/search.js';
import { Simulator, World } from '../sim/index.js';
import { Store } from '../store/index.js';
import { RemoteClient } from '../worker/client.js';
import { SyncEmitter } from '../worker/events.js';
import { runSync } from '../worker/sync.js';
import { nonNegativeInt } from './options.js';
import { BOLD, CASE_HEADERS, caseRows, hitTable, hitsLine, table, useColor, writeFileAtomically } from './output.js';
import { attachProgressBar, summaryLine } from './progress.js';

/** `demo`: the simulator on loopback (history up to now), a full sync, then a list, a search and the report. */
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
      const seed = nonNegativeInt(raw.seed, '--seed');
      out(`Starting the built-in TelecomX simulator (${cases} cases, seed ${seed}, two years of history up to now) on loopback…`);
      // the history ends now, so the report's ages and recent days read as they would on a live helpdesk
      const sim = await Simulator.start({ world: World.generate(seed, 1, cases, { endMs: Date.now() }) });
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

        out('');
        const query = 'faktura fejl';
        out(`$ hcsync search --db ${db} --helpcenter ${helpcenter} --limit 5 ${query}`);
        const hits = searchCases(store, { query, helpcenter, limit: 5, ...(useColor() ? { marks: BOLD } : {}) });
        out(hitTable(hits.hits));
        out(hitsLine(hits, 0));

        out('');
        out(`$ hcsync report --db ${db} --helpcenter ${helpcenter}   # the summary; --format html for the charts`);
        const report = buildReport(store, { helpcenter });
        out(helpcenterHeading(report.helpcenters[0]!));
        out(summaryTable(report.helpcenters[0]!));
        const html = path.join(path.dirname(db), 'demo-report.html');
        writeFileAtomically(html, reportHtml(report), 'report');
        out('');
        out(`HTML report with charts (one self-contained file, works offline): ${path.resolve(html)}`);

        out('');
        out('To sync the real API instead:');
        out(`  export TELECOMX_TOKEN=…  HCSYNC_HELPCENTER=<your helpcenter id>`);
        out('  npx hcsync sync            # first run is a full sweep, later runs are incremental');
        out('  npx hcsync cases --state UNHANDLED');
        out('  npx hcsync show <case number or id>');
      } finally {
        await client.close();
        store.close();
        await sim.close();
      }
    });
}
