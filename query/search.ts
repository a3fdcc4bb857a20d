import { UsageError, apiError } from '../contract/errors.js';
import { RANK_STATE, STATE_RANK } from '../contract/order.js';
import { isHelpcenterId } from '../contract/params.js';
import type { CaseState, StateFilter } from '../contract/types.js';
import type { Store } from '../store/index.js';
import type { CaseSearch, FtsSource, MatchRow, SearchScope } from '../store/search.js';
import { contactExpression, ftsExpression, parseQuery, termExpression, type QueryPlan, type Term } from './search/parse.js';
import { bestMessage, buildSnippet } from './search/snippet.js';

/**
 * Full-text search over the local copy: ranking and paging here; the query grammar in
 * search/parse.ts, snippets in search/snippet.ts.
 * The SQL lives in store/search.ts; this module decides what to ask it.
 *
 * Matching: every word of the query must occur in the same place — the
 * case's subject and customer fields (name, company, e-mail, phone) or one
 * of its messages. A case is ranked by the best place it matched:
 *   tier 3  an e-mail/phone fragment (trigram index of the contact fields)
 *   tier 2  subject/customer (bm25, subject weighted 2:1 over customer)
 *   tier 1  a message only (bm25)
 * score = tier + bm25/(bm25 + 10), so the score always agrees with the order.
 * Ranking needs FTS5's bm25 on every matching row (~4 µs each at 1M
 * messages), so a source with more than `rankRows` matching rows is read
 * newest-first instead (relevance 0): for words that common, recency is the
 * useful order, and the cost stays flat.
 */

export interface SearchOptions {
  query: string;
  /** 24 hex characters; absent: every helpcenter in the store */
  helpcenter?: string;
  state?: StateFilter;
  /** last activity at or after (ms) */
  sinceMs?: number;
  /** last activity before (ms) */
  untilMs?: number;
  /** hits per page, clamped into [1, 500]; default 20 */
  limit?: number;
  offset?: number;
  /** snippet highlight marks; default `[` and `]` */
  marks?: readonly [string, string];
}

export interface SearchHit {
  _id: string;
  caseNumber: number | null;
  subject: string | null;
  /** one of the three, or (tolerant reading) the string the remote delivered; "" when it sent none */
  state: CaseState | string;
  /** last activity, ISO 8601 */
  lastActivity: string;
  helpcenter: string;
  score: number;
  snippet: string;
}

export interface SearchResult {
  /** matching cases, counted up to TOTAL_CAP: TOTAL_CAP means "at least that many" */
  total: number;
  hits: SearchHit[];
}

/** Counting stops here: a total of TOTAL_CAP means that many or more. */
export const TOTAL_CAP = 1000;
export const DEFAULT_SEARCH_LIMIT = 20;
export const MAX_SEARCH_LIMIT = 500;

/** Cost bounds, measured at 200k cases / 1M messages (see the README's search section). */
export interface SearchTuning {
  /** rank a source by bm25 only up to this many matching rows (bm25 costs ~4 µs a row) */
  rankRows: number;
  /** ... and only when each word of a several-word query matches at most this many rows (bm25 reads each word's full list) */
  statsRows: number;
  /** the last word is not expanded as a prefix when it alone matches more messages than this (expansion merges every such word's list) */
  prefixRows: number;
  /** rows read per step of a newest-first walk */
  chunkRows: number;
}

export const DEFAULT_SEARCH_TUNING: SearchTuning = { rankRows: 2000, statsRows: 40_000, prefixRows: 10_000, chunkRows: 1000 };

interface Candidate {
  caseRowid: number;
  tier: number;
  relevance: number;
  /** the message that matched (message tier), for the snippet */
  messageRowid: number | null;
}

interface Source {
  source: FtsSource;
  tier: number;
  expr: string;
  ranked: boolean;
}

/**
 * Search the store. An empty query (nothing left after cleaning) gives an
 * empty result. Throws ApiError for a malformed or never-synced helpcenter.
 */
export function searchCases(store: Store, opts: SearchOptions, tuning: SearchTuning = DEFAULT_SEARCH_TUNING): SearchResult {
  if (typeof opts !== 'object' || opts === null || typeof opts.query !== 'string') throw new UsageError('searchCases needs { query: string, … }');
  const plan = parseQuery(opts.query);
  if (plan.terms.length === 0 && plan.contact === null) return { total: 0, hits: [] };
  const s = store.search;
  const limit = Math.min(MAX_SEARCH_LIMIT, Math.max(1, Math.floor(opts.limit ?? DEFAULT_SEARCH_LIMIT) || 1));
  const offset = Math.max(0, Math.floor(opts.offset ?? 0) || 0);
  // one read transaction: counts, streams and hits see one committed state
  return store.read(() => {
    const scope = resolveScope(store, opts);
    resolvePrefix(s, plan, tuning);
    const sources = plan.terms.length === 0 ? [] : planSources(s, plan.terms, tuning);
    if (plan.contact !== null) sources.unshift({ source: 'contact', tier: 3, expr: contactExpression(plan.contact), ranked: false });
    const found = collect(s, sources, scope, Math.max(offset + limit, TOTAL_CAP), tuning);
    const hits: SearchHit[] = [];
    for (const c of found.slice(offset, offset + limit)) {
      const h = toHit(s, c, plan.terms, opts.marks ?? ['[', ']']);
      if (h) hits.push(h);
    }
    return { total: Math.min(found.length, TOTAL_CAP), hits };
  });
}

function resolveScope(store: Store, opts: SearchOptions): SearchScope {
  const scope: SearchScope = {};
  if (opts.helpcenter !== undefined) {
    if (!isHelpcenterId(opts.helpcenter)) throw apiError('id');
    const hc = store.reader.syncedHelpcenter(opts.helpcenter);
    if (hc === undefined) throw apiError('not_synced');
    // a one-helpcenter store needs no filter (and no look-up per row)
    if (store.search.helpcenterCount() > 1) scope.hc = hc;
  }
  if (opts.state !== undefined && opts.state !== 'ALL') scope.stateRank = STATE_RANK[opts.state];
  if (opts.sinceMs !== undefined) scope.sinceMs = opts.sinceMs;
  if (opts.untilMs !== undefined) scope.untilMs = opts.untilMs;
  return scope;
}

/** The last word becomes a prefix unless it is itself a very common word (see SearchTuning.prefixRows). */
function resolvePrefix(s: CaseSearch, plan: QueryPlan, tuning: SearchTuning): void {
  if (plan.autoPrefix === null) return;
  const t = plan.terms[plan.autoPrefix]!;
  if (s.countUpTo('message', termExpression(t), tuning.prefixRows + 1) <= tuning.prefixRows) t.prefix = true;
}

function planSources(s: CaseSearch, terms: readonly Term[], tuning: SearchTuning): Source[] {
  const expr = ftsExpression(terms);
  const out: Source[] = [];
  for (const [source, tier] of [['case', 2], ['message', 1]] as const) {
    let ranked = s.countUpTo(source, expr, tuning.rankRows + 1) <= tuning.rankRows;
    if (ranked && terms.length > 1) {
      ranked = terms.every((t) => s.countUpTo(source, termExpression(t), tuning.statsRows + 1) <= tuning.statsRows);
    }
    out.push({ source, tier, expr, ranked });
  }
  return out;
}

/** Distinct cases in rank order, highest tier first, until `want` are found or the sources run dry. */
function collect(s: CaseSearch, sources: readonly Source[], scope: SearchScope, want: number, tuning: SearchTuning): Candidate[] {
  const out: Candidate[] = [];
  const seen = new Set<number>();
  const take = (src: Source, rows: readonly MatchRow[]): boolean => {
    for (const r of rows) {
      if (seen.has(r.caseRowid)) continue;
      seen.add(r.caseRowid);
      out.push({ caseRowid: r.caseRowid, tier: src.tier, relevance: r.relevance, messageRowid: src.source === 'message' ? r.rowid : null });
      if (out.length >= want) return true;
    }
    return false;
  };
  for (const src of sources) {
    if (src.ranked) {
      if (take(src, s.ranked(src.source, src.expr, scope))) break;
      continue;
    }
    let before: number | null = null;
    let done = false;
    for (;;) {
      const rows = s.recent(src.source, src.expr, scope, before, tuning.chunkRows);
      if (take(src, rows)) {
        done = true;
        break;
      }
      if (rows.length < tuning.chunkRows) break;
      before = rows[rows.length - 1]!.rowid;
    }
    if (done) break;
  }
  return out;
}

function toHit(s: CaseSearch, c: Candidate, terms: readonly Term[], marks: readonly [string, string]): SearchHit | undefined {
  const row = s.hit(c.caseRowid);
  if (!row) return undefined;
  const messages = s.messages(c.caseRowid);
  const matched = c.messageRowid === null ? undefined : messages.find((m) => m.rowid === c.messageRowid);
  const text = matched?.content ?? bestMessage(messages.map((m) => m.content ?? ''), terms);
  return {
    _id: row.id,
    caseNumber: row.caseNumber,
    subject: row.subject,
    state: RANK_STATE[row.stateRank] ?? row.stateText ?? '',
    lastActivity: new Date(row.sentMs).toISOString(),
    helpcenter: row.helpcenter,
    score: Math.round((c.tier + c.relevance / (c.relevance + 10)) * 10_000) / 10_000,
    snippet: buildSnippet(text, terms, marks),
  };
}
