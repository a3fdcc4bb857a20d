import { ApiError, AuthError } from '../contract/errors.js';
import type { Store } from '../store/index.js';
import { listCasesJson } from './list.js';

export interface Answer {
  status: number;
  body: unknown;
}

export interface Difference {
  query: string;
  remote: Answer;
  local: Answer;
  /** path of the first differing field, e.g. `status` or `cases[3].state` */
  path: string;
  remoteValue: unknown;
  localValue: unknown;
}

export interface VerifyResult {
  samples: number;
  differences: Difference[];
}

/** What verify needs from the remote: one request, its status and parsed body. */
export interface RawSource {
  rawList(query: URLSearchParams, signal?: AbortSignal): Promise<{ status: number; body: unknown }>;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same queries, so a difference can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random list queries that probe every assumption of docs/contract.md#assumptions: each state,
 * sortBy and order in odd spellings, offsets from the first page to past the
 * end, limits below, inside and above the clamp, and invalid forms (empty,
 * repeated, unknown and malformed parameters, bad ids).
 */
export function randomQueries(helpcenter: string, n: number, seed: number, total = 1000): string[] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const parts: string[] = [`id=${pick([helpcenter, helpcenter.toUpperCase(), helpcenter, helpcenter, `zz${helpcenter.slice(2)}`, ''])}`];
    if (r() < 0.8) parts.push(`state=${pick(['ALL', 'unhandled', 'HANDLING', 'Closed', 'CLOSED', 'bogus', ''])}`);
    if (r() < 0.8) parts.push(`sortBy=${pick(['SENT', 'created', 'STATE', 'state', 'sent', 'NAME', ''])}`);
    if (r() < 0.8) parts.push(`sortOrder=${pick(['asc', 'DESC', 'desc', 'Asc', 'up', ''])}`);
    if (r() < 0.8) parts.push(`offset=${pick(['0', '1', '7', '99', String(Math.floor(total / 2)), String(total - 1), String(total + 5), '-1', 'x', String(Math.floor(r() * (total + 100)))])}`);
    if (r() < 0.8) parts.push(`limit=${pick(['1', '10', '100', '500', '501', '0', '-3', '2.5', String(1 + Math.floor(r() * 600))])}`);
    if (r() < 0.1) parts.push(`state=${pick(['CLOSED', 'bogus'])}`); // repeated: the first counts
    if (r() < 0.1) parts.push('unknown=1');
    for (let j = parts.length - 1; j > 0; j--) {
      const k = Math.floor(r() * (j + 1));
      [parts[j], parts[k]] = [parts[k]!, parts[j]!];
    }
    out.push(parts.join('&'));
  }
  return out;
}

/** The first path at which two JSON values differ, or undefined if they are equal. */
export function firstDifference(a: unknown, b: unknown, path = ''): { path: string; a: unknown; b: unknown } | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return { path: path || '(body)', a, b };
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length || i >= b.length) return { path: `${path}.length`, a: a.length, b: b.length };
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    const d = firstDifference(ao[k], bo[k], path ? `${path}.${k}` : k);
    if (d) return d;
  }
  return undefined;
}

export function localAnswer(store: Store, query: string): Answer {
  try {
    return { status: 200, body: JSON.parse(listCasesJson(store, new URLSearchParams(query))) };
  } catch (e) {
    if (e instanceof ApiError) return { status: e.status, body: e.body() };
    throw e;
  }
}

/**
 * Ask the remote and the local store the same queries and collect every
 * difference. A remote answer of 429/5xx is asked again (up to 3 times) so
 * that a passing fault is not reported as a semantic difference. A 401 or
 * 403 is the remote refusing the token, not an answer to compare: AuthError.
 */
export async function verify(store: Store, remote: RawSource, queries: readonly string[], signal?: AbortSignal): Promise<VerifyResult> {
  const differences: Difference[] = [];
  for (const query of queries) {
    let r: Answer | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      r = await remote.rawList(new URLSearchParams(query), signal);
      if (r.status !== 429 && r.status < 500) break;
    }
    if (r!.status === 401 || r!.status === 403) throw refused(r!);
    const l = localAnswer(store, query);
    const d = r!.status !== l.status ? { path: 'status', a: r!.status, b: l.status } : firstDifference(r!.body, l.body);
    if (d) differences.push({ query, remote: r!, local: l, path: d.path, remoteValue: d.a, localValue: d.b });
  }
  return { samples: queries.length, differences };
}

/** The remote's 401/403 as the error it is: the token was refused (key and description from its body when it has them). */
function refused(a: Answer): AuthError {
  const b = typeof a.body === 'object' && a.body !== null ? (a.body as Record<string, unknown>) : {};
  const key = typeof b.error === 'string' ? b.error : String(a.status);
  const description = typeof b.description === 'string' ? `: ${b.description}` : '';
  return new AuthError(a.status, key, `remote rejected the token (${a.status} ${key}${description}) — check --token and --token-in`);
}
