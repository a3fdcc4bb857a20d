import http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { ApiError, ListenError, StoreError, apiError } from '../contract/errors.js';
import type { Store } from '../store/index.js';
import { parseListParams } from '../contract/params.js';
import { listCasesBody } from './list.js';
import { ServeMetrics, routeOf } from './metrics.js';

export interface ServeOptions {
  host?: string;
  port?: number;
  /** when set, requests must carry it (Authorization: Bearer, or ?token=) */
  token?: string;
  /** one line per failed request; never receives the token */
  onError?: (message: string) => void;
  /** counts every request and answers GET /metrics (serve() makes one when absent) */
  metrics?: ServeMetrics;
}

export interface LocalServer {
  url: string;
  server: http.Server;
  close(): Promise<void>;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function presentedToken(req: http.IncomingMessage, q: URLSearchParams): string | null {
  const h = req.headers.authorization;
  if (typeof h === 'string' && /^Bearer /i.test(h)) return h.slice(7).trim();
  return q.get('token');
}

/** Longest request target answered; a longer one gets 414 (Node's own 16 KiB header limit answers 431 beyond). */
export const MAX_TARGET_BYTES = 8192;

/** A request target split into path and query, or null when it is neither origin-form nor http(s) absolute-form. */
export interface RequestTarget {
  /** the path exactly as sent (not decoded): `/helpcenter%2Fcase` is not the list */
  path: string;
  query: URLSearchParams;
}

/**
 * Split a request target (RFC 9112 §3.2) without trusting a URL parser with
 * it: `//`, `//a:b@` or `//x:99999/` are paths here, not authorities.
 * Origin-form `/path?query` is split at the first `?`; absolute-form
 * `http(s)://host/path?query` (sent to proxies) is parsed, and is null when
 * that fails. Anything else (`*`, `path`, `ftp://…`) is null. Never throws.
 */
export function parseTarget(raw: string | undefined): RequestTarget | null {
  if (raw === undefined) return null;
  if (raw.startsWith('/')) {
    const q = raw.indexOf('?');
    return q < 0 ? { path: raw, query: new URLSearchParams() } : { path: raw.slice(0, q), query: new URLSearchParams(raw.slice(q + 1)) };
  }
  if (!/^https?:\/\//i.test(raw)) return null;
  try {
    const u = new URL(raw);
    return { path: u.pathname, query: u.searchParams };
  } catch {
    return null;
  }
}

/** Throws access_denied unless the request carries the server's token (when it has one). */
function requireToken(opts: ServeOptions, req: http.IncomingMessage, q: URLSearchParams): void {
  if (opts.token === undefined) return;
  const t = presentedToken(req, q);
  if (t === null || !sameSecret(t, opts.token)) throw apiError('access_denied');
}

/** Write one answer (HEAD: headers only) and count it. */
function send(opts: ServeOptions, req: http.IncomingMessage, res: http.ServerResponse, a: { status: number; type: string; chunks: Buffer[]; route: string; t0: number }): void {
  res.statusCode = a.status;
  res.setHeader('Content-Type', a.type);
  res.setHeader('Content-Length', a.chunks.reduce((n, c) => n + c.length, 0));
  if (req.method === 'HEAD') {
    res.end();
  } else {
    // corked: the chunks leave in one write, the page's bytes never copied into one buffer
    res.cork();
    for (const c of a.chunks) res.write(c);
    res.end();
  }
  opts.metrics?.observe(routeOf(a.route), a.status, (performance.now() - a.t0) / 1000);
}

/**
 * The offline API: `GET|HEAD /helpcenter/case` with the list semantics of
 * docs/contract.md, `/healthz`, `/metrics` (Prometheus text, when `opts.metrics`;
 * under the same token rule as the list), 404 for unknown paths, 405 for other methods, 400 for
 * a target that is not a path, 414 for one over MAX_TARGET_BYTES, 503 when
 * the store cannot be read (StoreError). Never throws: every request gets an
 * answer (Node itself answers 400/431 to requests it cannot parse).
 */
export function handle(store: Store, opts: ServeOptions, req: http.IncomingMessage, res: http.ServerResponse): void {
  const t0 = performance.now();
  let status = 200;
  let body: string | Buffer[];
  let route = 'other';
  try {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      throw apiError('method_not_allowed');
    }
    if ((req.url ?? '').length > MAX_TARGET_BYTES) throw apiError('uri_too_long');
    const target = parseTarget(req.url);
    if (target === null) throw apiError('bad_request');
    route = target.path;
    if (target.path === '/healthz') {
      body = JSON.stringify({ ok: true });
    } else if (target.path === '/metrics' && opts.metrics !== undefined) {
      requireToken(opts, req, target.query);
      const m = opts.metrics;
      m.render().then(
        (text) => send(opts, req, res, { status: 200, type: m.contentType, chunks: [Buffer.from(text)], route, t0 }),
        (e: unknown) => {
          opts.onError?.(`GET /metrics: ${e instanceof Error ? e.message : String(e)}`);
          send(opts, req, res, { status: 500, type: 'application/json; charset=utf-8', chunks: [Buffer.from(JSON.stringify(apiError('internal_error').body()))], route, t0 });
        },
      );
      return;
    } else if (target.path === '/helpcenter/case') {
      requireToken(opts, req, target.query);
      body = listCasesBody(store, parseListParams(target.query));
    } else {
      throw apiError('not_found');
    }
  } catch (e) {
    if (e instanceof ApiError) {
      status = e.status;
      body = JSON.stringify(e.body());
    } else if (e instanceof StoreError) {
      // the store, not the request: say so, and keep the file name and cause for the log
      const answer = apiError('store_unavailable');
      status = answer.status;
      body = JSON.stringify(answer.body());
      if (!e.permanent) res.setHeader('Retry-After', '1');
      opts.onError?.(`${req.method} ${redactedPath(req.url)}: ${e.message}`);
    } else {
      status = 500;
      body = JSON.stringify(apiError('internal_error').body());
      opts.onError?.(`internal error on ${req.method} ${redactedPath(req.url)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  send(opts, req, res, { status, type: 'application/json; charset=utf-8', chunks: typeof body === 'string' ? [Buffer.from(body)] : body, route, t0 });
}

/** The request target for a log line: the `token` parameter replaced, JSON-quoted (one line, escaped), at most 200 characters. Never throws. */
export function redactedPath(raw: string | undefined): string {
  const t = parseTarget(raw);
  let text: string;
  if (t === null) {
    text = `(not a path: ${(raw ?? '').length} bytes)`;
  } else {
    if (t.query.has('token')) t.query.set('token', 'REDACTED');
    const q = t.query.toString();
    text = q ? `${t.path}?${q}` : t.path;
  }
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 199)}…` : text);
}

/** Why listening failed, in one line: ListenError. */
function listenError(e: NodeJS.ErrnoException, host: string, port: number): ListenError {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const why: Record<string, string> = {
    EADDRINUSE: 'the address is already in use; stop what holds it or choose another port',
    EADDRNOTAVAIL: 'that address is not one of this machine\'s; use one of its addresses, 127.0.0.1, or 0.0.0.0 for every interface',
    ENOTFOUND: 'the host name does not resolve',
    EAI_AGAIN: 'the host name could not be resolved (DNS did not answer)',
    EACCES: 'permission denied (ports below 1024 need privileges)',
  };
  const code = e.code ?? 'unknown';
  return new ListenError(`cannot listen on ${where}: ${why[code] ?? e.message.replace(/\s+/g, ' ')} (${code})`, e);
}

/**
 * Listen on `opts.host` (default 127.0.0.1) and `opts.port` (default 8787;
 * 0: any free port) and answer with `handle`. Throws ListenError when the
 * address cannot be had (in use, not local, name not found, no permission).
 */
export async function serve(store: Store, options: ServeOptions = {}): Promise<LocalServer> {
  const opts: ServeOptions = { ...options, metrics: options.metrics ?? new ServeMetrics(store) };
  const server = http.createServer((req, res) => {
    try {
      handle(store, opts, req, res);
    } catch (e) {
      // handle() answers everything itself; this is a last guard so that no request can end the process
      opts.onError?.(`unanswered ${req.method} ${redactedPath(req.url)}: ${e instanceof Error ? e.message : String(e)}`);
      res.destroy();
    }
  });
  server.keepAliveTimeout = 5_000;
  // CONNECT never reaches 'request': without this Node drops the connection with no answer
  server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => {
    const body = JSON.stringify(apiError('method_not_allowed').body());
    socket.on('error', () => {});
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, host, opts.port ?? 8787)));
    server.listen(opts.port ?? 8787, host, () => resolve());
  });
  // after listening, an error (e.g. EMFILE on accept) is logged; it must not end the process
  server.on('error', (e: Error) => opts.onError?.(`server error: ${e.message}`));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
