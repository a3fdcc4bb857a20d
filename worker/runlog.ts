import type { ClientOptions } from './client.js';
import type { ListenerErrorReport, SyncEmitter } from './events.js';
import { oneLine, type LogFields, type Logger } from './log.js';

/**
 * What a run reports, in the worker's JSON log (issue 13): the events that
 * used to reach no one. Each line carries the job's fields (jobId,
 * helpcenter, mode, runId, attempt) from `fields()` at the time. Remote
 * text in an error message has had the token removed by the client
 * (worker/redact.ts); nothing here reads headers or URLs.
 *
 * - `remote.retry` / `remote.rate_limited` (a 429): requestAttempt (the attempt of the request that failed; `attempt` is the job's), delayMs, code, status, retryAfterMs
 * - `sync.drift`: steps, offset · `sync.warning`: field, detail
 * - `sync.concurrency`: from, to, reason · `sync.held_deletions`: held (at the end of a run that holds some)
 */
export function logRunEvents(events: SyncEmitter, log: Logger, fields: () => LogFields): void {
  events.on('drift', (e) => log.info('sync.drift', { ...fields(), steps: e.steps, offset: e.offset }));
  events.on('warning', (e) => log.warn('sync.warning', { ...fields(), field: e.field, detail: e.detail }));
  events.on('concurrency', (e) => log.info('sync.concurrency', { ...fields(), from: e.from, to: e.to, reason: e.reason }));
  events.on('finish', (s) => {
    if (s.heldDeletions > 0) log.warn('sync.held_deletions', { ...fields(), held: s.heldDeletions });
  });
}

/** The client's onRetry as log lines: `remote.rate_limited` for a 429, `remote.retry` for the rest. */
export function retryLogger(log: Logger, fields: () => LogFields): NonNullable<ClientOptions['onRetry']> {
  return (e) =>
    log.warn(e.error.status === 429 ? 'remote.rate_limited' : 'remote.retry', {
      ...fields(),
      requestAttempt: e.attempt,
      delayMs: Math.round(e.delayMs),
      code: e.error.code,
      status: e.error.status ?? null,
      retryAfterMs: e.error.retryAfterMs ?? null,
      error: oneLine(e.error),
    });
}

/** A listener that threw, logged once (SyncEmitter reports each listener's first failure only). */
export function listenerErrorLogger(log: Logger, fields: () => LogFields): ListenerErrorReport {
  return (event, error) => log.error('listener.error', { ...fields(), listenerOf: event, error: oneLine(error) });
}

/**
 * The remote refused a sync (401/403): `remote.refused`, once per helpcenter
 * for the life of the worker, naming a missing token when none was given
 * (a worker without a token is not warned about at start: a remote may not
 * need one).
 */
export function refusalWarner(log: Logger, tokenGiven: boolean): (helpcenter: string, e: { status: number; key: string }) => void {
  const warned = new Set<string>();
  return (helpcenter, e) => {
    if (warned.has(helpcenter)) return;
    warned.add(helpcenter);
    const warning = tokenGiven ? 'the remote refused the token for this helpcenter' : 'no token given (--token or TELECOMX_TOKEN) and the remote refused the sync';
    log.warn('remote.refused', { helpcenter, status: e.status, key: e.key, warning });
  };
}

/** Both hooks called in turn (each guarded by the client). */
export function both<A extends unknown[]>(...fns: (((...a: A) => void) | undefined)[]): (...a: A) => void {
  return (...a) => {
    for (const f of fns) {
      try {
        f?.(...a);
      } catch {
        // one observer failing does not silence the others
      }
    }
  };
}
