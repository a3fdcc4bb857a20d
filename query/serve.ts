import http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { ApiError, apiError } from '../contract/errors.js';
import type { Store } from '../store/index.js';
import { parseListParams } from '../contract/params.js';
import { listCasesBody } from './list.js';

export interface ServeOptions {
  host?: string;
  port?: number;
  /** when set, requests must carry it (Authorization: Bearer, or ?token=) */
  token?: string;
  /** one line per failed request; never receives the token */
  onError?: (message: string) => void;
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

/**
 * The offline API: `GET|HEAD /helpcenter/case` with the list semantics of
 * SPEC §1, `/healthz`, 404 for unknown paths, 405 for other methods.
 */
export function handle(store: Store, opts: ServeOptions, req: http.IncomingMessage, res: http.ServerResponse): void {
  let status = 200;
  let body: string | Buffer[];
  try {
    const url = new URL(req.url ?? '/', 'http://local');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      throw apiError('method_not_allowed');
    }
    if (url.pathname === '/healthz') {
      body = JSON.stringify({ ok: true });
    } else if (url.pathname === '/helpcenter/case') {
      if (opts.token !== undefined) {
        const t = presentedToken(req, url.searchParams);
        if (t === null || !sameSecret(t, opts.token)) throw apiError('access_denied');
      }
      body = listCasesBody(store, parseListParams(url.searchParams));
    } else {
      throw apiError('not_found');
    }
  } catch (e) {
    if (e instanceof ApiError) {
      status = e.status;
      body = JSON.stringify(e.body());
    } else {
      status = 500;
      body = JSON.stringify(apiError('internal_error').body());
      opts.onError?.(`internal error on ${req.method} ${redactedPath(req.url)}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  const chunks = typeof body === 'string' ? [Buffer.from(body)] : body;
  res.setHeader('Content-Length', chunks.reduce((n, c) => n + c.length, 0));
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // corked: the chunks leave in one write, the page's bytes never copied into one buffer
  res.cork();
  for (const c of chunks) res.write(c);
  res.end();
}

export function redactedPath(raw: string | undefined): string {
  const u = new URL(raw ?? '/', 'http://local');
  if (u.searchParams.has('token')) u.searchParams.set('token', 'REDACTED');
  return u.pathname + u.search;
}

export async function serve(store: Store, opts: ServeOptions = {}): Promise<LocalServer> {
  const server = http.createServer((req, res) => handle(store, opts, req, res));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8787, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = opts.host ?? '127.0.0.1';
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
