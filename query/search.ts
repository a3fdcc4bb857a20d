import { apiError } from '../contract/errors.js';
import { RANK_STATE, STATE_RANK } from '../contract/order.js';
import { isHelpcenterId } from '../contract/params.js';
import { safeLine, terminalSafe, truncateToWidth } from '../contract/text.js';
import type { CaseState, StateFilter } from '../contract/types.js';
import { foldText } from '../store/fold.js';
import type { Store } from '../store/index.js';
import type { CaseSearch, FtsSource, MatchRow, SearchScope } from '../store/search.js';

/**
 * Full-text search over the local copy: query parsing, ranking and snippets.
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

const MAX_TERMS = 16;
const MAX_QUERY_CHARS = 1000;
const PREFIX_MIN = 3;
const CONTACT_MIN = 3;
const PHONE_MIN_DIGITS = 4;
const SNIPPET_WORDS = 16;
const SNIPPET_LEAD = 5;

// unicode61's token characters (letters, numbers, private use); marks are kept
// with their letter when reading stored text so decomposed accents fold in place
const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;
const WORD = /[\p{L}\p{N}\p{Co}\p{M}]+/gu;

/**
 * Words too common to narrow a search (Danish and English function words and
 * mail greetings). Dropped when the query has other words; a query of only
 * these searches for them.
 */
export const STOPWORDS: ReadonlySet<string> = new Set(
  `og i at det er en et til på jeg du vi ikke med har for den som de af kan så men også om der her nu han hun man jo
   min mit mine din dit dine jeres vores sin sit sine hans hendes deres fra eller hvis når ved efter over under mod hos
   blev bliver være været var vil skal kunne ville skulle havde have ham hende dem os mig dig sig hvad hvor hvem da end
   kun alle noget nogen ingen selv meget mere lige bare hej hejsa mvh venlig hilsen tak
   a an the and or not no of to in on at by for with from as is are was were be been it its this that these those
   you he she we they me my your our their his her them us do does did has had will would can could should may if
   then than so but about into also just only very too up out here there when where why how what which who
   hi hello dear regards thanks thank please`
    .split(/\s+/)
    .filter((w) => w.length > 0),
);

/** One query word or phrase: folded tokens that must stand next to each other. */
export interface Term {
  tokens: string[];
  /** the last token also matches longer words */
  prefix: boolean;
  /** written in double quotes: exact, never expanded */
  quoted: boolean;
}

export interface QueryPlan {
  terms: Term[];
  /** index into terms of the word that becomes a prefix unless it is very common */
  autoPrefix: number | null;
  /** a fragment for the trigram contact index (e-mail part or phone digits), or null */
  contact: string | null;
}

/**
 * Parse user text. Nothing the user types is FTS5 or SQL syntax except:
 * `"a phrase"` (balanced double quotes), `word*` (explicit prefix, at least
 * three characters). Everything else — stray quotes, `*`, `:`, `-`, `()`,
 * `NEAR`, `AND`/`OR`/`NOT` — is punctuation or a plain word.
 */
export function parseQuery(input: string): QueryPlan {
  const text = input.slice(0, MAX_QUERY_CHARS).normalize('NFC');
  const terms: Term[] = [];
  const add = (raw: string, quoted: boolean, prefix: boolean): void => {
    const tokens = foldText(raw).match(TOKEN) ?? [];
    if (tokens.length === 0) return;
    const last = tokens[tokens.length - 1]!;
    terms.push({ tokens, prefix: prefix && last.length >= PREFIX_MIN, quoted });
  };
  // an unpaired last quote is dropped: its text counts as plain words
  const quotes = [...text.matchAll(/"/g)].map((m) => m.index);
  if (quotes.length % 2 === 1) quotes.pop();
  let pos = 0;
  for (let q = 0; q <= quotes.length; q += 2) {
    const open = q < quotes.length ? quotes[q]! : text.length;
    for (const chunk of text.slice(pos, open).replace(/"/g, ' ').split(/\s+/)) {
      // `word*`: a star right after the word; stars elsewhere are punctuation
      add(chunk, false, /[\p{L}\p{N}\p{Co}\p{M}]\*+[^\p{L}\p{N}\p{Co}]*$/u.test(chunk));
    }
    if (q >= quotes.length) break;
    const close = quotes[q + 1]!;
    add(text.slice(open + 1, close), true, text[close + 1] === '*');
    pos = close + 1;
  }

  const contact = contactFragment(text);
  // a phone number's digit groups belong together: `81 23 45` is one phrase, not three words anywhere
  if (contact?.phone && terms.length > 1) terms.splice(0, terms.length, { tokens: terms.flatMap((t) => t.tokens), prefix: false, quoted: false });

  let kept = dedupe(terms);
  const isStop = (t: Term) => !t.quoted && !t.prefix && t.tokens.length === 1 && STOPWORDS.has(t.tokens[0]!);
  if (kept.some((t) => !isStop(t))) kept = kept.filter((t) => !isStop(t));
  kept = kept.slice(0, MAX_TERMS);

  let autoPrefix: number | null = null;
  const last = kept[kept.length - 1];
  if (last && !last.quoted && !last.prefix && !isStop(last) && last.tokens[last.tokens.length - 1]!.length >= PREFIX_MIN) {
    autoPrefix = kept.length - 1;
  }
  return { terms: kept, autoPrefix, contact: contact?.fragment ?? null };
}

function dedupe(terms: Term[]): Term[] {
  const seen = new Set<string>();
  return terms.filter((t) => {
    const k = `${t.quoted ? 'q' : ''}${t.prefix ? '*' : ''}:${t.tokens.join(' ')}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * The query as a contact fragment: a phone number (only digits and phone
 * punctuation, at least 4 digits: the digits, as the index stores them) or
 * one e-mail-like piece without spaces (it contains `@`, `.` or `_`).
 */
function contactFragment(text: string): { fragment: string; phone: boolean } | null {
  const trimmed = text.trim();
  if (/^[\d\s+\-().\/]+$/.test(trimmed)) {
    const digits = trimmed.replace(/\D+/g, '');
    return digits.length >= PHONE_MIN_DIGITS ? { fragment: digits, phone: true } : null;
  }
  if (/\s/.test(trimmed) || !/[@._]/.test(trimmed)) return null;
  // brackets, quotes and commas around it go; `@`, `.`, `_`, `+`, `-` stay (`hansen@` ≠ `hansen`).
  // Folded as the contact index is (store/fold.ts): `né.olsen` finds `rene\u0301.olsen@…`
  const frag = foldText(trimmed).replace(/^[^\p{L}\p{N}@._+-]+|[^\p{L}\p{N}@._+-]+$/gu, '');
  return frag.length >= CONTACT_MIN ? { fragment: frag, phone: false } : null;
}

/** FTS5 text for one term: a quoted string (quotes doubled, though tokens never hold any), `*` outside. */
export function termExpression(t: Term): string {
  return `"${t.tokens.join(' ').replace(/"/g, '""')}"${t.prefix ? '*' : ''}`;
}

/** All terms must match (FTS5's implicit AND). */
export function ftsExpression(terms: readonly Term[]): string {
  return terms.map(termExpression).join(' ');
}

function contactExpression(fragment: string): string {
  return `"${fragment.replace(/"/g, '""')}"`;
}

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

/** The message with the most query words (the first on a tie); the first message when none has any. */
export function bestMessage(contents: readonly string[], terms: readonly Term[]): string {
  const match = matcher(terms);
  let best = contents[0] ?? '';
  let bestCount = 0;
  for (const text of contents) {
    const hit = new Set<string>();
    for (const m of text.matchAll(WORD)) {
      const f = foldWord(m[0]);
      if (match(f)) hit.add(f);
    }
    if (hit.size > bestCount) {
      best = text;
      bestCount = hit.size;
    }
  }
  return best;
}

const ASCII_WORD = /^[A-Za-z0-9]+$/;

function foldWord(w: string): string {
  return ASCII_WORD.test(w) ? w.toLowerCase() : (foldText(w).match(TOKEN) ?? []).join('');
}

/** Whether a folded word is one of the query's words (or starts with a prefix word). */
function matcher(terms: readonly Term[]): (word: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const t of terms) {
    t.tokens.forEach((tok, i) => {
      if (t.prefix && i === t.tokens.length - 1) prefixes.push(tok);
      else exact.add(tok);
    });
  }
  return (w) => exact.has(w) || prefixes.some((p) => w.startsWith(p));
}

/**
 * About SNIPPET_WORDS words of `content` around its first query word, query
 * words wrapped in `marks`, whitespace collapsed, `…` where text was cut.
 * The message's text is made terminal-safe (control characters shown as
 * visible escapes) before the marks go in: a snippet is display text.
 */
export function buildSnippet(content: string, terms: readonly Term[], marks: readonly [string, string], maxWords = SNIPPET_WORDS): string {
  const words = [...content.matchAll(WORD)];
  if (words.length === 0) return truncateToWidth(safeLine(content), 200);
  const match = matcher(terms);
  const hits = words.map((m) => match(foldWord(m[0])));
  const first = Math.max(0, hits.indexOf(true));
  let start = Math.max(0, first - SNIPPET_LEAD);
  const end = Math.min(words.length, start + maxWords);
  start = Math.max(0, end - maxWords);
  let out = start > 0 ? '… ' : '';
  let pos = start > 0 ? words[start]!.index : 0;
  for (let i = start; i < end; i++) {
    const w = words[i]!;
    out += terminalSafe(content.slice(pos, w.index));
    out += hits[i] ? `${marks[0]}${w[0]}${marks[1]}` : w[0];
    pos = w.index + w[0].length;
  }
  // keep closing punctuation of the last word (`fiber.`), not the rest
  const tail = /^[^\s\p{L}\p{N}]*/u.exec(content.slice(pos))?.[0] ?? '';
  out += terminalSafe(tail);
  if (end < words.length) out += ' …';
  return out.replace(/\s+/g, ' ').trim();
}
