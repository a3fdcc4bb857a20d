/**
 * Reading positions in JSON text that JSON.parse has already accepted, so a
 * delivered case can be stored as the exact text it came in: no
 * re-serialising (JSON.stringify recurses and throws on a value nested a few
 * thousand deep; V8's JSON.parse does not), no second copy of the work.
 *
 * The scanner trusts that the text is valid JSON (call it after JSON.parse
 * succeeded): it only tracks strings and bracket depth. Strings are skipped
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

function skipSpace(t: string, i: number): number {
  while (i < t.length && isSpace(t.charCodeAt(i))) i++;
  return i;
}

/** Index just after the string that opens at `i` (t[i] is a quote). */
function skipString(t: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = t.indexOf('"', j);
    if (q < 0) return -1;
    let k = q - 1;
    while (k > i && t.charCodeAt(k) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1; // an even run of backslashes: the quote ends the string
    j = q + 1;
  }
}

/** JSON values (containers, and members after the first) met by skipValue since the last reset: what parsing would create. */
let values = 0;

/** Index just after the value that starts at `i` (after whitespace); -1 when it does not end. */
function skipValue(t: string, i: number): number {
  values++;
  const c = t.charCodeAt(i);
  if (c === QUOTE) return skipString(t, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    let j = i;
    while (j < t.length) {
      const d = t.charCodeAt(j);
      if (d === QUOTE) {
        j = skipString(t, j);
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
  while (j < t.length) {
    const d = t.charCodeAt(j);
    if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || isSpace(d)) break;
    j++;
  }
  return j;
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
 * Split a list answer's top level: every field's value text, and the text
 * of each element of `cases`. Other fields (however large) are skipped, never
 * materialised: a remote that pads its answer costs no more than its text.
 * Undefined when the text is not one well-formed JSON object at the top
 * level (unterminated strings or brackets, trailing text); values are only
 * checked structurally here, so parse the parts you use.
 */
export function splitListBody(text: string): ListBodyText | undefined {
  let i = skipSpace(text, 0);
  if (text.charCodeAt(i) !== OPEN_BRACE) return undefined;
  i = skipSpace(text, i + 1);
  const fields = new Map<string, string>();
  let cases: string[] | undefined;
  let caseValues = 0;
  if (text.charCodeAt(i) !== CLOSE_BRACE) {
    for (;;) {
      if (text.charCodeAt(i) !== QUOTE) return undefined;
      const keyEnd = skipString(text, i);
      if (keyEnd < 0) return undefined;
      let name: string;
      try {
        name = JSON.parse(text.slice(i, keyEnd)) as string;
      } catch {
        return undefined;
      }
      i = skipSpace(text, keyEnd);
      if (text.charCodeAt(i) !== COLON) return undefined;
      i = skipSpace(text, i + 1);
      if (name === 'cases' && text.charCodeAt(i) === OPEN_BRACKET) {
        const items: string[] = [];
        values = 0;
        i = skipSpace(text, i + 1);
        if (text.charCodeAt(i) !== CLOSE_BRACKET) {
          for (;;) {
            const end = skipValue(text, i);
            if (end < 0 || end === i) return undefined;
            items.push(text.slice(i, end));
            i = skipSpace(text, end);
            if (text.charCodeAt(i) === COMMA) i = skipSpace(text, i + 1);
            else if (text.charCodeAt(i) === CLOSE_BRACKET) break;
            else return undefined;
          }
        }
        i++;
        cases = items;
        caseValues = values;
        fields.set(name, '[]');
      } else {
        const end = skipValue(text, i);
        if (end < 0 || end === i) return undefined;
        if (name === 'cases') cases = undefined;
        fields.set(name, text.slice(i, end));
        i = end;
      }
      i = skipSpace(text, i);
      if (text.charCodeAt(i) === COMMA) i = skipSpace(text, i + 1);
      else if (text.charCodeAt(i) === CLOSE_BRACE) break;
      else return undefined;
    }
  }
  if (skipSpace(text, i + 1) !== text.length) return undefined;
  return { fields, cases, caseValues };
}

/**
 * `json` (an object's text) with its top-level `key` set to `valueJson`:
 * replaced in place when present (every occurrence), else appended. Works
 * at any nesting depth of the other fields. Undefined when `json` is not an object.
 */
export function withTopLevelField(json: string, key: string, valueJson: string): string | undefined {
  let i = skipSpace(json, 0);
  if (json.charCodeAt(i) !== OPEN_BRACE) return undefined;
  i = skipSpace(json, i + 1);
  const parts: string[] = [];
  let from = 0;
  let replaced = false;
  let sawKey = false;
  let lastEnd = i;
  while (i < json.length && json.charCodeAt(i) === QUOTE) {
    const keyEnd = skipString(json, i);
    if (keyEnd < 0) return undefined;
    const name = JSON.parse(json.slice(i, keyEnd)) as string;
    i = skipSpace(json, keyEnd);
    if (json.charCodeAt(i) !== COLON) return undefined;
    i = skipSpace(json, i + 1);
    const end = skipValue(json, i);
    if (end < 0) return undefined;
    if (name === key) {
      parts.push(json.slice(from, i), valueJson);
      from = end;
      replaced = true;
    }
    lastEnd = end;
    sawKey = true;
    i = skipSpace(json, end);
    if (json.charCodeAt(i) === COMMA) i = skipSpace(json, i + 1);
  }
  if (replaced) {
    parts.push(json.slice(from));
    return parts.join('');
  }
  return `${json.slice(0, lastEnd)}${sawKey ? ',' : ''}${JSON.stringify(key)}:${valueJson}${json.slice(lastEnd)}`;
}
