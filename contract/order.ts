import type { Case, CaseState, ListParams, SortBy, SortOrder } from './types.js';

/** STATE order: UNHANDLED < HANDLING < CLOSED (docs/contract.md#ordering). */
export const STATE_RANK: Record<CaseState, number> = { UNHANDLED: 0, HANDLING: 1, CLOSED: 2 };
export const RANK_STATE: readonly CaseState[] = ['UNHANDLED', 'HANDLING', 'CLOSED'];
/**
 * The rank of a case whose `state` is missing or not one of the three
 * (docs/sync.md#tolerant-reading): it sorts after CLOSED in STATE order and
 * matches no state filter but ALL. The simulator orders such cases the same way.
 */
export const UNKNOWN_STATE_RANK = 3;

/** The state a rank stands for; undefined for UNKNOWN_STATE_RANK. */
export function rankState(rank: number): CaseState | undefined {
  return RANK_STATE[rank];
}

/** Creation time of an ObjectId in ms: its first 8 hex digits are seconds since the epoch. */
export function idCreatedMs(id: string): number {
  return parseInt(id.slice(0, 8), 16) * 1000;
}

const ISO_INSTANT = /^(\d{4}-\d{2}-\d{2})(?:([T ])(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|([+-])(\d{2})(?::?(\d{2}))?)?$/i;

/**
 * An ISO 8601 instant in ms, NaN for anything else. A time without a zone is
 * read as UTC (never the machine's zone: order must not depend on where we run);
 * every ISO 8601 offset form is read (`+02`, `+0200`, `+02:00`: Date.parse
 * alone refuses the first two); loose forms Date.parse would guess at
 * ("May 14 2024") and impossible dates ("2024-02-30") are refused.
 */
export function parseInstant(s: string): number {
  return parseUtcFast(s) ?? parseInstantGeneral(s);
}

/** parseInstant without its fast path: exported so that a test holds the two to the same answers. */
export function parseInstantGeneral(s: string): number {
  const m = ISO_INSTANT.exec(s);
  if (!m) return Number.NaN;
  const [, date, , time, zone, sign, hh, mm] = m;
  if (!realDate(date!)) return Number.NaN;
  if (time === undefined) return zone === undefined ? Date.parse(date!) : Number.NaN;
  const offset = zone === undefined || zone.toUpperCase() === 'Z' ? 'Z' : `${sign}${hh}:${mm ?? '00'}`;
  return Date.parse(`${date}T${time}${offset}`);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Digits at s[from, from+n) as a number, or -1 when any is not an ASCII digit. */
function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * The remote's own forms, `YYYY-MM-DDTHH:MM:SS[.fff…]` then `Z` or `±HH:MM`,
 * read without a regular expression or Date.parse (a full sync reads every
 * message's `sent` twice: this was 10 % of its CPU). undefined for anything
 * else, and for values at the edges (hour 24, leap seconds, years before
 * 100), which the general path decides, so both paths always agree.
 */
function parseUtcFast(s: string): number | undefined {
  let n = s.length;
  let offsetMin = 0;
  if (s.charCodeAt(n - 1) === 90 /* Z */) {
    n -= 1;
  } else if (n >= 25 && s[n - 3] === ':' && (s[n - 6] === '+' || s[n - 6] === '-')) {
    const oh = digits(s, n - 5, 2), om = digits(s, n - 2, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return undefined;
    offsetMin = (s[n - 6] === '-' ? -1 : 1) * (oh * 60 + om);
    n -= 6;
  } else {
    return undefined;
  }
  // s[0, n) is now the local date and time
  if (n < 19 || s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return undefined;
  const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2), h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return undefined;
  const leap = mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > DAYS_IN_MONTH[mo - 1]! + (leap ? 1 : 0)) return undefined;
  let ms = 0;
  if (n > 19) {
    // a fraction: '.' and 1–9 digits, read to the millisecond as Date.parse does (truncated)
    const f = n - 20;
    if (s[19] !== '.' || f < 1 || f > 9) return undefined;
    const v = digits(s, 20, f);
    if (v < 0) return undefined;
    ms = Math.floor(v / 10 ** (f - 3));
  }
  // (Date.UTC reads years 0–99 as 1900–1999: those went to the general path above)
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offsetMin * 60_000;
}

/** A calendar date that exists (Date.parse rolls 2024-02-30 over to 1 March). */
function realDate(ymd: string): boolean {
  const [y, mo, d] = ymd.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/**
 * A case's last activity in ms: the latest parseable `messages[].sent`
 * compared as instants; without any, the `_id` creation time.
 */
export function lastActivityMs(c: Pick<Case, '_id' | 'messages'>): number {
  let best = Number.NEGATIVE_INFINITY;
  const msgs = c.messages;
  if (Array.isArray(msgs)) {
    for (const m of msgs) {
      if (typeof m === 'object' && m !== null && typeof m.sent === 'string') {
        const t = parseInstant(m.sent);
        if (t > best) best = t;
      }
    }
  }
  return best === Number.NEGATIVE_INFINITY ? idCreatedMs(c._id) : best;
}

/** The keys every ordering reads, computed once per case. */
export interface SortKeys {
  /** lower-case hex _id */
  id: string;
  sentMs: number;
  stateRank: number;
}

/** The keys of a case with a usable `_id`; a state that is not one of the three ranks UNKNOWN_STATE_RANK. */
export function sortKeys(c: Case): SortKeys {
  const st: unknown = c.state;
  const stateRank = typeof st === 'string' && Object.hasOwn(STATE_RANK, st) ? STATE_RANK[st as CaseState] : UNKNOWN_STATE_RANK;
  return { id: c._id.toLowerCase(), sentMs: lastActivityMs(c), stateRank };
}

/** Ascending comparison by `sortBy` with the `_id` tie-break; callers flip it for desc. */
export function compareKeys(a: SortKeys, b: SortKeys, sortBy: SortBy): number {
  if (sortBy === 'SENT') {
    if (a.sentMs !== b.sentMs) return a.sentMs < b.sentMs ? -1 : 1;
  } else if (sortBy === 'STATE') {
    if (a.stateRank !== b.stateRank) return a.stateRank - b.stateRank;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Total, deterministic order (docs/contract.md#ties) for a sortBy × sortOrder. */
export function keyComparator(sortBy: SortBy, sortOrder: SortOrder): (a: SortKeys, b: SortKeys) => number {
  return sortOrder === 'asc' ? (a, b) => compareKeys(a, b, sortBy) : (a, b) => compareKeys(b, a, sortBy);
}

export function matchesState(k: SortKeys, state: ListParams['state']): boolean {
  return state === 'ALL' || rankState(k.stateRank) === state;
}
