import { RemoteClient, type ClientOptions } from '../worker/client.js';
import type { CommonOptions } from './options.js';

/** The remote client for these options; `pagesInFlight` sizes its connection pool; `hooks` observe retries and attempts (the worker's log and metrics). */
export function clientFor(o: CommonOptions, pagesInFlight = 4, hooks: Pick<ClientOptions, 'onRetry' | 'onAttempt'> = {}): RemoteClient {
  return new RemoteClient({
    baseUrl: o.baseUrl, token: o.token, tokenIn: o.tokenIn, attempts: o.attempts, totalTimeMs: o.retryTime, maxPageBytes: o.maxPageBytes,
    connections: Math.max(4, pagesInFlight), ...hooks,
  });
}
