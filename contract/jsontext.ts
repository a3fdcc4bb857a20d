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

/** Index just after the string opening at `i`, checked as JSON's grammar has it (escapes, no raw control bytes); -1 when it is not one. */
function skipValidString(b: Uint8Array, i: number): number {
  let j = i + 1;
  while (j < b.length) {
    const c = b[j]!;
    if (c === QUOTE) return j + 1;
    if (c < 0x20) return -1;
    if (c === BACKSLASH) {
      const e = b[j + 1];
      if (e === 0x75 /* u */) {
        for (let k = j + 2; k < j + 6; k++) if (!isHex(b[k])) return -1;
        j += 6;
        continue;
      }
      if (e !== QUOTE && e !== BACKSLASH && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) return -1;
      j += 2;
      continue;
    }
    j++; // any other byte, UTF-8 or not: decoding makes it a character (or U+FFFD), all allowed in a string
  }
  return -1;
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/** Index just after the number at `i` (RFC 8259: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?); -1 when none starts there. */
function skipNumber(b: Uint8Array, i: number): number {
  let j = i;
  if (b[j] === 0x2d) j++;
  if (b[j] === 0x30) j++;
  else if (isDigit(b[j])) while (isDigit(b[j])) j++;
  else return -1;
  if (b[j] === 0x2e) {
    j++;
    if (!isDigit(b[j])) return -1;
    while (isDigit(b[j])) j++;
  }
  if (b[j] === 0x65 || b[j] === 0x45) {
    j++;
    if (b[j] === 0x2b || b[j] === 0x2d) j++;
    if (!isDigit(b[j])) return -1;
    while (isDigit(b[j])) j++;
  }
  return j;
}

const LITERALS: readonly (readonly number[])[] = ['true', 'false', 'null'].map((w) => [...Buffer.from(w)]);

/** After `{` or `,` in an object: a key and its colon; the index after the colon, or -1. */
function skipKey(b: Uint8Array, i: number): number {
  if (b[i] !== QUOTE) return -1;
  const end = skipValidString(b, i);
  if (end < 0) return -1;
  const colon = skipSpace(b, end);
  return b[colon] === COLON ? colon + 1 : -1;
}

/**
 * Index just after the JSON value at `i` (after whitespace), checked against
 * the whole grammar (RFC 8259) without building anything; -1 when it is not
 * valid JSON. For the values the sync skips, so a body is accepted only when
 * JSON.parse of its text would accept it. Iterative: any nesting depth.
 */
function skipValidValue(b: Uint8Array, i: number): number {
  const open: number[] = []; // the containers around i: OPEN_BRACE or OPEN_BRACKET
  for (;;) {
    // a value starts here
    i = skipSpace(b, i);
    const c = b[i];
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      const inner = skipSpace(b, i + 1);
      if (b[inner] === (c === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET)) {
        i = inner + 1;
      } else {
        open.push(c);
        i = c === OPEN_BRACE ? skipKey(b, inner) : inner;
        if (i < 0) return -1;
        continue;
      }
    } else if (c === QUOTE) {
      i = skipValidString(b, i);
    } else if (c === 0x74 || c === 0x66 || c === 0x6e) {
      const word = LITERALS[c === 0x74 ? 0 : c === 0x66 ? 1 : 2]!;
      for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return -1;
      i += word.length;
    } else {
      i = skipNumber(b, i);
    }
    if (i < 0) return -1;
    // a value ended at i: close what it ends, or go on to the next member
    for (;;) {
      const top = open[open.length - 1];
      if (top === undefined) return i;
      i = skipSpace(b, i);
      if (b[i] === COMMA) {
        i = top === OPEN_BRACE ? skipKey(b, skipSpace(b, i + 1)) : i + 1;
        if (i < 0) return -1;
        break;
      }
      if (b[i] !== (top === OPEN_BRACE ? CLOSE_BRACE : CLOSE_BRACKET)) return -1;
      open.pop();
      i++;
    }
  }
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
 * as TextDecoder does. Undefined when the body is not one JSON object: the
 * top level and the values it skips are checked against JSON's whole
 * grammar, so a body is accepted when JSON.parse of its text would accept it,
 * provided its caller parses what it is given (the field values and the
 * cases, checked here only for their extent). Once the cases hold more than
 * `maxCaseValues` values, no further case is decoded (a body of millions of
 * `{}` would otherwise become as many strings); they are still counted in
 * `caseValues`, which the caller checks.
 */
export function splitListBytes(body: Buffer, maxCaseValues = Infinity): ListBodyText | undefined {
  const b = body;
  const bom = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  let i = skipSpace(b, bom);
  if (b[i] !== OPEN_BRACE) return undefined;
  i = skipSpace(b, i + 1);
  const fields = new Map<string, string>();
  let cases: string[] | undefined;
  let casesAt = -1; // where the `cases` array read so far starts
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
      // a `cases` array read before is replaced by this one (the last key counts): its elements are then
      // never parsed, so the array must be valid JSON as a whole
      if (name === 'cases' && casesAt >= 0 && skipValidValue(b, casesAt) < 0) return undefined;
      if (name === 'cases' && b[i] === OPEN_BRACKET) {
        casesAt = i;
        const items: string[] = [];
        values = 0;
        i = skipSpace(b, i + 1);
        if (b[i] !== CLOSE_BRACKET) {
          for (;;) {
            const end = skipValue(b, i);
            if (end < 0 || end === i) return undefined;
            if (values <= maxCaseValues) items.push(text(b, i, end)); // past the bound only counted: the caller refuses the page
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
        // a value the sync does not read: checked whole (JSON.parse would refuse the body), never built
        const end = skipValidValue(b, i);
        if (end < 0) return undefined;
        if (name === 'cases') {
          cases = undefined;
          casesAt = -1;
        }
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
