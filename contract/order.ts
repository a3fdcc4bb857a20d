import type { Case, CaseState, ListParams, SortBy, SortOrder } from './types.js';

/** STATE order: UNHANDLED < HANDLING < CLOSED (SPEC §1). */
export const STATE_RANK: Record<CaseState, number> = { UNHANDLED: 0, HANDLING: 1, CLOSED: 2 };
export const RANK_STATE: readonly CaseState[] = ['UNHANDLED', 'HANDLING', 'CLOSED'];

/** Creation time of an ObjectId in ms: its first 8 hex digits are seconds since the epoch. */
export function idCreatedMs(id: string): number {
  return parseInt(id.slice(0, 8), 16) * 1000;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * An ISO 8601 instant in ms, NaN for anything else. A time without a zone is
 * read as UTC (never the machine's zone: order must not depend on where we run);
 * loose forms Date.parse would guess at ("May 14 2024") are refused.
 */
export function parseInstant(s: string): number {
  const m = ISO_INSTANT.exec(s);
  if (!m) return Number.NaN;
  return Date.parse(m[1] === undefined && s.length > 10 ? `${s}Z` : s);
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
      if (m && typeof m.sent === 'string') {
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

export function sortKeys(c: Case): SortKeys {
  return { id: c._id.toLowerCase(), sentMs: lastActivityMs(c), stateRank: STATE_RANK[c.state] };
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

/** Total, deterministic order of SPEC §1 for a sortBy × sortOrder. */
export function keyComparator(sortBy: SortBy, sortOrder: SortOrder): (a: SortKeys, b: SortKeys) => number {
  return sortOrder === 'asc' ? (a, b) => compareKeys(a, b, sortBy) : (a, b) => compareKeys(b, a, sortBy);
}

export function matchesState(k: SortKeys, state: ListParams['state']): boolean {
  return state === 'ALL' || RANK_STATE[k.stateRank] === state;
}
