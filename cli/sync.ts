import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { HcsyncError } from '../contract/errors.js';
import { Store } from '../store/index.js';
import { RemoteClient, type ClientOptions } from '../worker/client.js';
import { SyncEmitter, type SyncSummary } from '../worker/events.js';
import { DEFAULTS } from '../worker/defaults.js';
import { runSync } from '../worker/sync.js';
import {
  WINDOW_BOUNDS, addMaxDeleteOption, addPageConcurrencyOption, addSyncOptions, commonOptions, durationFlag, parseDeleteLimit, parseDuration, parsePageConcurrency,
  requireHelpcenter, type CommonOptions,
} from './options.js';
import { printJson } from './output.js';

/** The remote client for these options; `pagesInFlight` sizes its connection pool; `hooks` observe retries and attempts (the worker's log and metrics). */
export function clientFor(o: CommonOptions, pagesInFlight = 4, hooks: Pick<ClientOptions, 'onRetry' | 'onAttempt'> = {}): RemoteClient {
  return new RemoteClient({
    baseUrl: o.baseUrl, token: o.token, tokenIn: o.tokenIn, attempts: o.attempts, totalTimeMs: o.retryTime, maxPageBytes: o.maxPageBytes,
    connections: Math.max(4, pagesInFlight), ...hooks,
  });
}

/** Shows a progress bar on a TTY while a run pages: cases against the remote's total, rate and ETA. */
export function attachProgressBar(events: SyncEmitter, stream: NodeJS.WriteStream = process.stderr): () => void {
  if (!stream.isTTY) return () => {};
  const bar = new SingleBar(
    {
      stream,
      format: '{phase} |{bar}| {value}/{total} cases | {pages} pages | {inflight} in flight | {speed} cases/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
    },
    Presets.shades_classic,
  );
  let started = false;
  let inflight = 1;
  events.on('concurrency', (c) => (inflight = c.to));
  const t0 = Date.now();
  events.on('page', (e) => {
    const speed = Math.round((e.cases / Math.max(1, Date.now() - t0)) * 1000);
    const payload = { phase: e.phase.padEnd(6), pages: e.pages, speed, inflight };
    // total: the whole list for a sweep; for incremental phases the cases seen so far
    const total = e.phase === 'sweep' ? Math.max(e.total, e.cases) : Math.max(e.cases, 1);
    if (!started) {
      bar.start(total, e.cases, payload);
      started = true;
    } else {
      bar.setTotal(total);
      bar.update(e.cases, payload);
    }
  });
  return () => {
    if (started) bar.stop();
  };
}

export function summaryLine(s: SyncSummary): string {
  return (
    `${s.mode} sync of ${s.helpcenter} ok: ${s.pages} pages, ${s.requests} requests, ${s.casesUpserted} cases and ` +
    `${s.messagesUpserted} messages upserted, ${s.unchanged} unchanged, ${s.deleted} deleted, ${s.rejected} rejected` +
    (s.inferredClosed ? `, ${s.inferredClosed} inferred closed` : '') +
    (s.drift ? `, ${s.drift} drift step-backs` : '') +
    (s.mode === 'full' ? `, ${s.concurrency} pages in flight at most` : '') +
    (s.warnings ? `, ${s.warnings} warning${s.warnings === 1 ? '' : 's'}` : '') +
    (s.heldDeletions ? `, ${s.heldDeletions} deletions held` : '') +
    (s.resumedFrom !== null ? `, resumed run ${s.resumedFrom}` : '') +
    ` in ${(s.durationMs / 1000).toFixed(1)} s`
  );
}

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
