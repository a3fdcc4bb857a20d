/**
 * Reading positions in JSON, as the UTF-8 bytes it arrived in, so a
 * delivered case can be stored as the exact text it came in: no
 * re-serialising (JSON.stringify recurses and throws on a value nested a few
 * thousand deep; V8's JSON.parse does not), no second copy of the work.
 *
 * The scanner checks structure only: it tracks strings and bracket depth,
 * and the parts it returns are parsed by their callers. Strings are skipped
 * with indexOf, so the per-character loop runs only over structure.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

// The scanner reads UTF-8 bytes: every byte JSON's structure is made of is ASCII, and no byte of a
// multi-byte sequence (or of a malformed one) is below 0x80, so positions found in the bytes are the
// structure of the decoded text. Only the parts a caller keeps are decoded, each on its own.

function skipSpace(b: Uint8Array, i: number): number {
  while (i < b.length && isSpace(b[i]!)) i++;
  return i;
}

/** Index just after the string that opens at `i` (b[i] is a quote). */
function skipString(b: Uint8Array, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, j);
    if (q < 0) return -1;
    let k = q - 1;
    while (k > i && b[k] === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1; // an even run of backslashes: the quote ends the string
    j = q + 1;
  }
}

/** JSON values (containers, and members after the first) met by skipValue since the last reset: what parsing would create. */
let values = 0;

/** Index just after the value that starts at `i` (after whitespace); -1 when it does not end. */
function skipValue(b: Uint8Array, i: number): number {
  values++;
  const c = b[i];
  if (c === QUOTE) return skipString(b, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    let j = i;
    while (j < b.length) {
      const d = b[j];
      if (d === QUOTE) {
        j = skipString(b, j);
        if (j < 0) return -1;
        continue;
      }
      if (d === OPEN_BRACE || d === OPEN_BRACKET) {
        depth++;
        values++;
      } else if (d === COMMA) values++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return -1;
  }
  // number, true, false, null
  let j = i;
  while (j < b.length) {
    const d = b[j]!;
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || isSpace(d)) break;
    j++;
  }
  return j;
}

/** The text of bytes [from, to) (UTF-8; a malformed sequence becomes U+FFFD, as TextDecoder does). */
function text(b: Buffer, from: number, to: number): string {
  return b.toString('utf8', from, to);
}

/** A list answer's top level, read without parsing what it does not need. */
export interface ListBodyText {
  /** each top-level field's value text (the last occurrence of a key counts, as in JSON.parse) */
  fields: Map<string, string>;
  /** the elements of the top-level `cases` array, each its exact text; undefined when `cases` is not an array */
  cases: string[] | undefined;
  /**
   * about how many JSON values parsing the cases would create (containers
   * plus members): what bounds the parsed size, which text size does not
   * (2 bytes of `{}` become a ~50-byte object)
   */
  caseValues: number;
}

/**
 * Split a list answer's top level, from its UTF-8 bytes as received: every
 * field's value text, and the text of each element of `cases`, each decoded
 * on its own. The body is never decoded whole (a 1.6 MB page would be one
 * 1.6 MB string, which V8 maps fresh for every page), and other fields
 * (however large) are skipped, never materialised: a remote that pads its
 * answer costs no more than its bytes. A leading byte order mark is skipped,
 * as TextDecoder does. Undefined when the body is not one well-formed JSON
 * object at the top level (unterminated strings or brackets, trailing
 * text); values are only checked structurally here, so parse the parts you use.
 */
export function splitListBytes(body: Buffer): ListBodyText | undefined {
  const b = body;
  const bom = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  let i = skipSpace(b, bom);
  if (b[i] !== OPEN_BRACE) return undefined;
  i = skipSpace(b, i + 1);
  const fields = new Map<string, string>();
  let cases: string[] | undefined;
  let caseValues = 0;
  if (b[i] !== CLOSE_BRACE) {
    for (;;) {
      if (b[i] !== QUOTE) return undefined;
      const keyEnd = skipString(b, i);
      if (keyEnd < 0) return undefined;
      let name: string;
      try {
        name = JSON.parse(text(b, i, keyEnd)) as string;
      } catch {
        return undefined;
      }
      i = skipSpace(b, keyEnd);
      if (b[i] !== COLON) return undefined;
      i = skipSpace(b, i + 1);
      if (name === 'cases' && b[i] === OPEN_BRACKET) {
        const items: string[] = [];
        values = 0;
        i = skipSpace(b, i + 1);
        if (b[i] !== CLOSE_BRACKET) {
          for (;;) {
            const end = skipValue(b, i);
            if (end < 0 || end === i) return undefined;
            items.push(text(b, i, end));
            i = skipSpace(b, end);
            if (b[i] === COMMA) i = skipSpace(b, i + 1);
            else if (b[i] === CLOSE_BRACKET) break;
            else return undefined;
          }
        }
        i++;
        cases = items;
        caseValues = values;
        fields.set(name, '[]');
      } else {
        const end = skipValue(b, i);
        if (end < 0 || end === i) return undefined;
        if (name === 'cases') cases = undefined;
        fields.set(name, text(b, i, end));
        i = end;
      }
      i = skipSpace(b, i);
      if (b[i] === COMMA) i = skipSpace(b, i + 1);
      else if (b[i] === CLOSE_BRACE) break;
      else return undefined;
    }
  }
  if (skipSpace(b, i + 1) !== b.length) return undefined;
  return { fields, cases, caseValues };
}

/** splitListBytes over text already decoded (tests, callers holding a string). */
export function splitListBody(body: string): ListBodyText | undefined {
  return splitListBytes(Buffer.from(body, 'utf8'));
}

/**
 * `json` (an object's text) with its top-level `key` set to `valueJson`:
 * replaced in place when present (every occurrence), else appended. Works
 * at any nesting depth of the other fields. Undefined when `json` is not an object.
 */
export function withTopLevelField(json: string, key: string, valueJson: string): string | undefined {
  // stored case text: decoded from UTF-8, so it holds no lone surrogate and encodes back exactly
  const b = Buffer.from(json, 'utf8');
  let i = skipSpace(b, 0);
  if (b[i] !== OPEN_BRACE) return undefined;
  i = skipSpace(b, i + 1);
  const parts: string[] = [];
  let from = 0;
  let replaced = false;
  let sawKey = false;
  let lastEnd = i;
  while (i < b.length && b[i] === QUOTE) {
    const keyEnd = skipString(b, i);
    if (keyEnd < 0) return undefined;
    const name = JSON.parse(text(b, i, keyEnd)) as string;
    i = skipSpace(b, keyEnd);
    if (b[i] !== COLON) return undefined;
    i = skipSpace(b, i + 1);
    const end = skipValue(b, i);
    if (end < 0) return undefined;
    if (name === key) {
      parts.push(text(b, from, i), valueJson);
      from = end;
      replaced = true;
    }
    lastEnd = end;
    sawKey = true;
    i = skipSpace(b, end);
    if (b[i] === COMMA) i = skipSpace(b, i + 1);
  }
  if (replaced) {
    parts.push(text(b, from, b.length));
    return parts.join('');
  }
  return `${text(b, 0, lastEnd)}${sawKey ? ',' : ''}${JSON.stringify(key)}:${valueJson}${text(b, lastEnd, b.length)}`;
}
