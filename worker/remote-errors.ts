import { STATUS_CODES } from 'node:http';
import { AuthError, RemoteRejectedError, TransientError } from '../contract/errors.js';
import { describeBinary, safeLine, truncateToWidth } from '../contract/text.js';
import { parseRetryAfter } from './retry.js';

/**
 * How the remote client turns what went wrong into typed errors with
 * messages a user can act on (docs/sync.md#retries): error bodies of any shape
 * read, HTML and binary bodies described, the token never echoed.
 */

const EXCERPT_MAX = 100;

/** What the error mapping needs to know of the client: never the token itself. */
export interface ErrorContext {
  /** removes the token from remote or socket text (worker/redact.ts) */
  redact: (s: string) => string;
  hasToken: boolean;
  tokenIn: 'header' | 'query';
  listUrl: URL;
  /** the client's timeouts, ms, named in timeout messages */
  timeouts: { connect: number; headers: number; body: number };
}

/** An answer as far as the error mapping reads it. */
export interface ErrorAnswer {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  bytes: number;
}

/** A URL for messages: no `token` parameter, no userinfo. */
export function describeUrl(url: string | URL): string {
  const u = new URL(String(url));
  u.searchParams.delete('token');
  u.username = '';
  u.password = '';
  return u.toString();
}

/**
 * One terminal-safe line of at most EXCERPT_MAX columns (contract/text.ts);
 * markup dropped so an HTML error page reads as its text; a binary body
 * described ("412 bytes of gzip"), not printed.
 */
export function excerpt(text: string, bytes?: number): string {
  const binary = describeBinary(text, bytes);
  if (binary !== undefined) return binary;
  const plain = /<[a-z!/][^>]*>/i.test(text) ? text.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ') : text;
  return truncateToWidth(safeLine(plain), EXCERPT_MAX);
}

/**
 * What an error answer says, whatever its body: `{error, description}` when
 * present (also `message` of other JSON shapes), else an excerpt, else the
 * status text. `label` is e.g. "403 access_denied: Insufficient access level".
 */
export function describeErrorBody(status: number, statusText: string, text: string, bytes?: number): { key: string | undefined; label: string } {
  let key: string | undefined;
  let description: string | undefined;
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
      const b = body as Record<string, unknown>;
      if (typeof b.error === 'string' && b.error.trim()) key = excerpt(b.error);
      const d = typeof b.description === 'string' ? b.description : typeof b.message === 'string' ? b.message : undefined;
      if (d?.trim()) description = excerpt(d);
    }
  } catch {
    // not JSON: an excerpt of the text below
  }
  if (key === undefined && description === undefined) description = excerpt(text, bytes) || statusText || STATUS_CODES[status] || undefined;
  const label = [String(status), key].filter(Boolean).join(' ') + (description ? `: ${description}` : '');
  return { key, label };
}

/** What a 422 key refers to, for a message a user can act on. */
const PARAM_NAMES: Record<string, string> = {
  id: 'the helpcenter id',
  state: 'the state filter',
  sortBy: 'the sortBy parameter',
  sortOrder: 'the sortOrder parameter',
  offset: 'the offset',
  limit: 'the limit',
};

/**
 * The typed error an answer that is not 2xx maps to (docs/sync.md#retries): 429 and
 * 5xx transient (with any Retry-After), 401/403 an AuthError that names the
 * likely cause, 422 a RemoteRejectedError naming the parameter, anything else
 * a RemoteRejectedError that points at --base-url.
 */
export function statusError(a: ErrorAnswer, ctx: ErrorContext): TransientError | AuthError | RemoteRejectedError {
  // redact before excerpting: a cut could leave half a token behind
  const described = describeErrorBody(a.status, a.statusText, ctx.redact(a.text), a.bytes);
  // and after: describing decodes JSON escapes (`\u0073…` is `s…`) and drops markup, which can make a token whole
  const key = described.key === undefined ? undefined : ctx.redact(described.key);
  const label = ctx.redact(described.label);
  if (a.status === 429 || a.status >= 500) {
    const retryAfterMs = parseRetryAfter(a.headers['retry-after'], Date.now());
    return new TransientError(a.status === 429 ? 'E_RATE_LIMITED' : 'E_HTTP_5XX', `HTTP ${label}`, { status: a.status, retryAfterMs });
  }
  if (a.status === 401 || a.status === 403) return new AuthError(a.status, key ?? String(a.status), authMessage(key, label, ctx));
  if (a.status === 422) {
    const what = (key !== undefined && PARAM_NAMES[key]) || 'the request';
    return new RemoteRejectedError(422, key ?? '422', `remote rejected ${what} (${label})`);
  }
  return new RemoteRejectedError(
    a.status,
    key ?? String(a.status),
    `remote answered ${label} for ${describeUrl(ctx.listUrl)} — check --base-url`,
  );
}

/** The message of a rejected token: what the remote's key most likely means, and what to try. */
function authMessage(key: string | undefined, label: string, ctx: ErrorContext): string {
  const head = `remote rejected the token (${label})`;
  if (!ctx.hasToken) return `${head} — no token was given: pass --token or set TELECOMX_TOKEN`;
  // expired / invalid_token mean the remote read the token, so the other mode would not help
  if (key === 'expired') return `${head} — the token has expired: log in again (or use an employee M2M token)`;
  if (key === 'invalid_token') return `${head} — the token may be bound to another IP address: create one from this host`;
  const other = ctx.tokenIn === 'header' ? 'query' : 'header';
  const hint =
    key === 'blacklisted'
      ? 'the token or this client is blacklisted'
      : key === 'credentials_invalid'
        ? 'the token is not valid'
        : "check the token's access level (RESELLER or above) and that it may read this helpcenter";
  return `${head} — ${hint}; if the token is valid, try --token-in ${other}`;
}

/** A failed request (no answer) as a TransientError: a timeout named by its phase, else a network error; the token redacted. */
export function networkError(e: unknown, ctx: ErrorContext): TransientError {
  const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : undefined;
  const raw = e instanceof Error ? e.message : String(e);
  const msg = ctx.redact(raw).split('\n', 1)[0] ?? '';
  // a stripped copy as the cause: undici errors can carry the request (and so the token) in their fields
  const cause = Object.assign(new Error(msg), { name: e instanceof Error ? e.name : 'Error', code });
  const t = ctx.timeouts;
  const timeout: Record<string, string> = {
    UND_ERR_CONNECT_TIMEOUT: `no connection within ${t.connect} ms`,
    UND_ERR_HEADERS_TIMEOUT: `no response headers within ${t.headers} ms`,
    UND_ERR_BODY_TIMEOUT: `response body stalled for ${t.body} ms`,
  };
  if (code !== undefined && code in timeout) {
    return new TransientError('E_TIMEOUT', `timeout: ${timeout[code]} from ${ctx.listUrl.host}`, { cause });
  }
  return new TransientError('E_NETWORK', `network error talking to ${ctx.listUrl.host}: ${msg}${code ? ` (${code})` : ''}`, { cause });
}
