import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { TransientError, UpstreamError, UsageError } from '../contract/errors.js';
import { listQuery } from '../contract/params.js';
import type { ListParams } from '../contract/types.js';
import type { DeliveredCase, RejectedCase } from '../contract/validate.js';
import { tokenRedactor } from './redact.js';
import { readPage, textOf } from './page.js';
import { networkError, statusError, type ErrorContext } from './remote-errors.js';
import { DEFAULTS } from './defaults.js';
import { DEFAULT_RETRY, nextRetry, type RetryPolicy } from './retry.js';

/**
 * The remote case list over HTTP (docs/sync.md#retries): one keep-alive pool, typed
 * errors, bounded retries. The token never reaches a message: every text we
 * build from remote or socket input goes through `redact`.
 */

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  tokenIn?: 'header' | 'query';
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  attempts?: number;
  totalTimeMs?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  connections?: number;
  /**
   * Largest response body accepted, in bytes (default DEFAULT_MAX_PAGE_BYTES).
   * A larger one fails that attempt as transient (E_BODY_TOO_LARGE) after
   * holding at most this many bytes (docs/sync.md#bounded).
   */
  maxPageBytes?: number;
  random?: () => number;
  /** called before each wait; `attempt` is the number of the attempt that just failed */
  onRetry?: (e: { attempt: number; delayMs: number; error: TransientError }) => void;
  /**
   * called after every HTTP attempt, answered or not: how long it took (ms,
   * request sent to body read) and the status (undefined: no answer). For
   * metrics; never given the URL or headers (the token may be in them).
   */
  onAttempt?: (e: { durationMs: number; status: number | undefined }) => void;
}

/** 256 MiB: a real page of 500 cases with their messages is ~1.6 MB. */
export const DEFAULT_MAX_PAGE_BYTES: number = DEFAULTS.maxPageBytes;

/** One answered list page: the cases read tolerantly (docs/sync.md#tolerant-reading), the refused ones apart. */
export interface Page {
  offset: number;
  limit: number;
  total: number;
  cases: DeliveredCase[];
  rejected: RejectedCase[];
  /** attempts this page took, the successful one included */
  attempts: number;
  /** size of the delivered JSON body */
  bytes: number;
}

interface HttpAnswer {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  /** the body's bytes as received (decoded only where read: page.ts, textOf) */
  body: Buffer;
  bytes: number;
}

const LIST_PATH = '/helpcenter/case';

/** Bytes of an error answer's body kept for its message (the rest is dropped unread). */
const ERROR_BODY_BYTES = 64 * 1024;

let userAgent: string | undefined;

/**
 * `hcsync/<version>` from the nearest package.json named hcsync, walking up:
 * the module runs as worker/client.ts (tests) and as dist/worker/client.js.
 */
export function userAgentString(): string {
  if (userAgent !== undefined) return userAgent;
  let version = '0.0.0';
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'hcsync' && typeof pkg.version === 'string') {
        version = pkg.version;
        break;
      }
    } catch {
      // no (readable) package.json here: keep walking
    }
    if (path.dirname(dir) === dir) break;
  }
  userAgent = `hcsync/${version}`;
  return userAgent;
}

export class RemoteClient {
  private readonly pool: Pool;
  private readonly listUrl: URL;
  private readonly token: string | undefined;
  private readonly tokenIn: 'header' | 'query';
  private readonly policy: RetryPolicy;
  private readonly random: () => number;
  private readonly onRetry: ClientOptions['onRetry'];
  private readonly onAttempt: ClientOptions['onAttempt'];
  private readonly timeouts: { connect: number; headers: number; body: number };
  private readonly maxBytes: number;
  private sent = 0;
  /** a Retry-After pauses the whole client, not only the request that got it (performance.now() ms) */
  private pausedUntil = 0;
  /** bytes held by bodies being read right now, all requests together: the cap bounds their sum */
  private buffered = 0;
  private redactor: ((s: string) => string) | undefined;

  constructor(opts: ClientOptions) {
    const base = new URL(opts.baseUrl);
    this.listUrl = new URL(base.origin);
    this.listUrl.pathname = base.pathname.replace(/\/+$/, '') + LIST_PATH;
    this.token = opts.token || undefined;
    this.tokenIn = opts.tokenIn ?? 'header';
    // undici would reject such a header with a message we do not control; say it here, without the token
    if (this.token !== undefined && this.tokenIn === 'header' && !/^[\x21-\x7e]+$/.test(this.token)) {
      throw new UsageError('the token contains characters that cannot be sent in an Authorization header');
    }
    this.policy = {
      attempts: Math.max(1, Math.floor(opts.attempts ?? DEFAULT_RETRY.attempts)),
      totalTimeMs: opts.totalTimeMs ?? DEFAULT_RETRY.totalTimeMs,
      baseDelayMs: opts.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
      maxDelayMs: opts.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
    };
    this.random = opts.random ?? Math.random;
    this.onRetry = opts.onRetry;
    this.onAttempt = opts.onAttempt;
    const t = { connect: opts.connectTimeoutMs ?? 10_000, headers: opts.headersTimeoutMs ?? 30_000, body: opts.bodyTimeoutMs ?? 30_000 };
    this.timeouts = t;
    this.maxBytes = opts.maxPageBytes ?? DEFAULT_MAX_PAGE_BYTES;
    // undici runs header and body timers on a coarse clock (up to ~1 s late); the total bound in send() is exact
    this.pool = new Pool(base.origin, {
      connections: opts.connections ?? 4,
      connect: { timeout: t.connect },
      headersTimeout: t.headers,
      bodyTimeout: t.body,
    });
  }

  /** HTTP requests sent so far, every attempt counted. */
  get requests(): number {
    return this.sent;
  }

  async listCases(p: Partial<ListParams> & { id: string }, signal?: AbortSignal): Promise<Page> {
    const query = listQuery(p);
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      let last: TransientError;
      const wait = this.pausedUntil - performance.now();
      if (wait > 0) {
        await sleep(wait, undefined, { signal }).catch((e: unknown) => {
          throw signal?.aborted ? signal.reason : e;
        });
      }
      try {
        const remaining = this.policy.totalTimeMs - (performance.now() - started);
        return { ...this.toPage(await this.send(query, signal, remaining)), attempts: attempt };
      } catch (e) {
        if (!(e instanceof TransientError)) throw e;
        last = e;
      }
      const elapsedMs = performance.now() - started;
      const next = nextRetry(this.policy, { failed: attempt, elapsedMs, retryAfterMs: last.retryAfterMs }, this.random);
      if (!next.retry) {
        const why =
          next.why === 'retry-after'
            ? ` (asked to retry after ${seconds(last.retryAfterMs ?? 0)} s, beyond the ${seconds(this.policy.totalTimeMs)} s bound)`
            : '';
        const n = `${attempt} attempt${attempt === 1 ? '' : 's'}`;
        throw new UpstreamError(`upstream unavailable after ${n} in ${seconds(elapsedMs)} s: ${last.message}${why}`, attempt, last);
      }
      if (last.retryAfterMs !== undefined) this.pausedUntil = Math.max(this.pausedUntil, performance.now() + next.delayMs);
      try {
        this.onRetry?.({ attempt, delayMs: next.delayMs, error: last });
      } catch {
        // an observer must not change what the request did
      }
      await sleep(next.delayMs, undefined, { signal }).catch((e: unknown) => {
        throw signal?.aborted ? signal.reason : e;
      });
    }
  }

  /** One request, no retries, no validation: for `hcsync verify`. body = parsed JSON if it parses, else the text. */
  async rawList(query: URLSearchParams, signal?: AbortSignal): Promise<{ status: number; body: unknown }> {
    const a = await this.send(query, signal, Infinity);
    const text = this.redact(textOf(a.body)); // verify prints what differs
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // keep the text
    }
    return { status: a.status, body };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /**
   * Replace the token wherever remote or socket text might echo it: whole
   * (raw, form-encoded, percent-encoded) or any case-insensitive piece of 8+
   * characters (worker/redact.ts).
   */
  private redact(s: string): string {
    return (this.redactor ??= tokenRedactor(this.token))(s);
  }

  /** One attempt. Answers every HTTP status; throws TransientError for network failures and timeouts. */
  private async send(query: URLSearchParams, signal: AbortSignal | undefined, remainingMs: number): Promise<HttpAnswer> {
    signal?.throwIfAborted();
    const q = new URLSearchParams(query);
    const headers: Record<string, string> = { 'user-agent': userAgentString(), accept: 'application/json' };
    if (this.token !== undefined) {
      if (this.tokenIn === 'query') q.set('token', this.token);
      else headers.authorization = `Bearer ${this.token}`;
    }
    // the total bound covers request time too: the attempt may not outlive it.
    // One controller per attempt, unhooked in `finally` (AbortSignal.any would
    // hang a dependent on the caller's long-lived signal for every attempt).
    const ac = new AbortController();
    const onAbort = () => ac.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let overTime = false;
    const timer = Number.isFinite(remainingMs)
      ? setTimeout(() => {
          overTime = true;
          ac.abort();
        }, Math.max(1, Math.ceil(remainingMs)))
      : undefined;
    this.sent++;
    const t0 = performance.now();
    let status: number | undefined;
    try {
      const res = await this.pool.request({ path: `${this.listUrl.pathname}?${q}`, method: 'GET', headers, signal: ac.signal });
      status = res.statusCode;
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      const body = await this.readCapped(res.body, res.headers['content-length'], ok ? undefined : Math.min(ERROR_BODY_BYTES, this.maxBytes));
      return { status: res.statusCode, statusText: res.statusText, headers: res.headers, body: body.body, bytes: body.bytes };
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      if (e instanceof TransientError) throw e;
      if (overTime) {
        throw new TransientError('E_TIMEOUT', `timeout: no complete answer within the remaining ${seconds(remainingMs)} s of the total bound`);
      }
      throw networkError(e, this.errorContext());
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      try {
        this.onAttempt?.({ durationMs: performance.now() - t0, status });
      } catch {
        // an observer must not change what the request did
      }
    }
  }

  /**
   * The body's bytes, refusing (TransientError E_BODY_TOO_LARGE) as soon as
   * it passes `maxBytes`: a declared Content-Length over the cap is refused
   * before reading; an endless chunked body is cut at the cap. Kept as bytes:
   * the page is split and decoded case by case (contract/jsontext.ts), never
   * decoded whole (a body near the cap costs about twice its size here, while
   * its chunks are joined). An error answer's body is only read for its
   * message: its first `excerptBytes` are kept and the rest is dropped, never
   * an error, so a 401 with a large body is still the 401 it is.
   */
  private async readCapped(
    body: AsyncIterable<Buffer> & { destroy(e?: Error): unknown; on(event: 'error', listener: (e: Error) => void): unknown },
    declared: string | string[] | undefined,
    excerptBytes?: number,
  ): Promise<{ body: Buffer; bytes: number }> {
    const cap = this.maxBytes;
    const tooLarge = (what: string) =>
      new TransientError('E_BODY_TOO_LARGE', `response body ${what} the ${cap} byte cap (--max-page-bytes) from ${this.listUrl.host}`);
    const length = typeof declared === 'string' ? Number(declared) : Number.NaN;
    // a body destroyed unread emits 'error' (RequestAbortedError); with no listener that would end the process
    body.on('error', () => {});
    if (excerptBytes === undefined && length > cap) {
      body.destroy();
      throw tooLarge(`of ${length} bytes exceeds`);
    }
    let parts: Buffer[] = [];
    let size = 0;
    try {
      for await (let chunk of body) {
        const over = excerptBytes !== undefined && size + chunk.byteLength >= excerptBytes;
        if (over) chunk = chunk.subarray(0, excerptBytes - size);
        size += chunk.byteLength;
        this.buffered += chunk.byteLength;
        if (size > cap) {
          parts = [];
          body.destroy();
          throw tooLarge('exceeded');
        }
        if (this.buffered > cap) {
          // several pages in flight share one cap (docs/sync.md#bounded): this one yields; the retry comes with fewer in flight
          parts = [];
          body.destroy();
          throw new TransientError('E_BODY_TOO_LARGE', `responses being read at once passed the ${cap} byte cap (--max-page-bytes) together`);
        }
        parts.push(chunk);
        if (over) break; // leaving the loop destroys the rest of the body
      }
    } finally {
      this.buffered -= size;
    }
    const whole = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    parts = [];
    return { body: whole, bytes: size };
  }

  /** Classify an answer: a Page, or the typed error docs/sync.md#retries assigns to its status. */
  private toPage(a: HttpAnswer): Omit<Page, 'attempts'> {
    if (a.status >= 200 && a.status < 300) return readPage(a, (s) => this.redact(s));
    throw statusError({ ...a, text: textOf(a.body) }, this.errorContext());
  }

  private errorContext(): ErrorContext {
    return { redact: (s) => this.redact(s), hasToken: this.token !== undefined, tokenIn: this.tokenIn, listUrl: this.listUrl, timeouts: this.timeouts };
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
