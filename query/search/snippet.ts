import { safeLine, terminalSafe, truncateToWidth } from '../../contract/text.js';
import { foldText } from '../../store/fold.js';
import { TOKEN, WORD, type Term } from './parse.js';

/** Snippets of a hit: the message that best shows the query, cut around its first query word, matches marked. */

const SNIPPET_WORDS = 16;
const SNIPPET_LEAD = 5;

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
