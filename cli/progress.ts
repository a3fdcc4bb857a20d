import { SingleBar, Presets } from 'cli-progress';
import type { SyncEmitter, SyncSummary } from '../worker/events.js';

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

/** The one line `hcsync sync` (and the demo) prints for a finished run. */
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
