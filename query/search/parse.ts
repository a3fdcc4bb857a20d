import { foldText } from '../../store/fold.js';

/**
 * The search query's grammar: user text to terms (words, quoted phrases, a
 * prefix last word, stopwords dropped) and to FTS5 expressions. User text is
 * never FTS5 syntax: every term is quoted. See query/search.ts.
 */

const MAX_TERMS = 16;
const MAX_QUERY_CHARS = 1000;
const PREFIX_MIN = 3;
const CONTACT_MIN = 3;
const PHONE_MIN_DIGITS = 4;


// unicode61's token characters (letters, numbers, private use); marks are kept
// with their letter when reading stored text so decomposed accents fold in place
export const TOKEN = /[\p{L}\p{N}\p{Co}]+/gu;
export const WORD = /[\p{L}\p{N}\p{Co}\p{M}]+/gu;

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

export function contactExpression(fragment: string): string {
  return `"${fragment.replace(/"/g, '""')}"`;
}
