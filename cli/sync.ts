import type { Command } from 'commander';
import { HcsyncError } from '../contract/errors.js';
import { Store } from '../store/index.js';
import { raiseMallocThresholds } from '../store/memory.js';
import { SyncEmitter } from '../worker/events.js';
import { DEFAULTS } from '../worker/defaults.js';
import { runSync } from '../worker/sync.js';
import {
  WINDOW_BOUNDS, addMaxDeleteOption, addPageConcurrencyOption, addSyncOptions, commonOptions, durationFlag, parseDeleteLimit, parseDuration, parsePageConcurrency,
  requireHelpcenter,
} from './options.js';
import { printJson } from './output.js';
import { attachProgressBar, summaryLine } from './progress.js';
import { clientFor } from './remote.js';

export function registerSync(program: Command): void {
  const cmd = program
    .command('sync')
    .description('one sync run in this process (no Redis needed)')
    .option('--full', 'full sweep (default: incremental, which starts with a full sweep the first time)')
    .option('--lookback <duration>', 'incremental: re-read activity this long before the last watermark', durationFlag(DEFAULTS.lookbackMs))
    .option('--json', 'print the run summary as one JSON object');
  addSyncOptions(cmd);
  addMaxDeleteOption(cmd);
  addPageConcurrencyOption(cmd);
  cmd.action(async (raw: Record<string, unknown>) => {
    const o = commonOptions(raw);
    const helpcenter = requireHelpcenter(o);
    const lookbackMs = parseDuration(String(raw.lookback), '--lookback', WINDOW_BOUNDS);
    const maxDelete = parseDeleteLimit(raw.maxDelete);
    const concurrency = parsePageConcurrency(raw.concurrency);
    // each page is a ~1.6 MB buffer: keep that memory from page to page (store/memory.ts)
    raiseMallocThresholds();
    const store = new Store(o.db);
    const client = clientFor(o, concurrency);
    const events = new SyncEmitter();
    const stopBar = attachProgressBar(events);
    // conclusions the run could not draw are worth a line; unreadable fields are counted in the summary
    events.on('warning', (e) => {
      if (e.field === 'sweep') process.stderr.write(`hcsync: warning: ${e.detail}\n`);
    });
    const ac = new AbortController();
    const onSignal = () => ac.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const summary = await runSync(store, client, { helpcenter, mode: raw.full ? 'full' : 'incremental', lookbackMs, maxDelete, concurrency, events, signal: ac.signal });
      stopBar();
      if (raw.json) printJson(summary);
      else process.stderr.write(`${summaryLine(summary)}\n`);
    } catch (e) {
      stopBar();
      if (ac.signal.aborted) {
        // Ctrl-C is expected: one line, the conventional exit code, and what happens next
        throw new HcsyncError('E_INTERRUPTED', 'sync interrupted; what was committed stays, and the next sync resumes from the last committed page', { exitCode: 130 });
      }
      throw e;
    } finally {
      stopBar();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await client.close();
      store.close();
    }
  });
}
