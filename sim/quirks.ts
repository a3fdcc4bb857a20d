import { UsageError } from '../contract/errors.js';
import type { Case, ListParams, ListResponse } from '../contract/types.js';
import type { World } from './world.js';

/**
 * Ways the simulated remote misbehaves on purpose, the way real APIs do
 * (docs/sync.md#evidence-rules; issue reports reproduced). Usable from tests
 * (`Simulator.start({ quirks })`, or `sim.quirks = …` at any time) and from
 * the command line: `hcsync sim --quirks shortPage=492,pageCap=250`.
 *
 * Page-level quirks change answers, world-level ones change the data the
 * world holds (applied once, at start).
 */
export interface Quirks {
  /** the page requested at any of these offsets answers one case fewer (its last): a page shorter than asked */
  shortPage?: number[];
  /** as shortPage, but the dropped case is one from the middle of the page (a case lost by a join) */
  holePage?: number[];
  /** answer at most this many cases per page, still echoing the requested limit */
  pageCap?: number;
  /**
   * lie about `total`: 'one' reports total 1 on every page after the first,
   * 'jitter' a different wrong total on every answer, 'low' the true total
   * minus `lowBy` (default 1000) on every answer
   */
  total?: 'one' | 'jitter' | 'low';
  lowBy?: number;
  /** world: the cases at these CREATED positions get `caseNumber` as a string and `messages` as an object */
  oddCases?: { from: number; count: number };
  /** world: the first case (CREATED order) carries an unknown field nested this deep */
  deepNest?: number;
  /** world: the first case (CREATED order) carries an unknown array of this many empty objects (small text, large once parsed) */
  wideCase?: number;
  /** world: the first cases (CREATED order) each get one message with an odd `sent` (hour-only offset, "", null, "ukendt") */
  oddDates?: boolean;
  /**
   * after the first STATE-ordered page at offset 0 is answered, the last
   * HANDLING case (furthest down the list) becomes UNHANDLED, with no new
   * message; once per helpcenter
   */
  stateMove?: boolean;
  /** pad every list answer with an unknown field of this many bytes */
  hugeBody?: number;
  /** answer list requests with a chunked body that never ends */
  endlessBody?: boolean;
  /** delay every list answer by this many ms (answers are independent) */
  latencyMs?: number;
}

const DEEP_MARK = '\u0000hcsync-deep\u0000';
const WIDE_MARK = '\u0000hcsync-wide\u0000';

/** Parse `name[=value],…` as given to `hcsync sim --quirks`. Throws UsageError naming the bad part. */
export function parseQuirks(spec: string): Quirks {
  const q: Quirks = {};
  const nums = (name: string, v: string | undefined): number[] => {
    const list = (v ?? '').split('+').map((x) => Number(x));
    if (v === undefined || list.some((n) => !Number.isSafeInteger(n) || n < 0)) {
      throw new UsageError(`--quirks ${name} needs offsets, e.g. ${name}=492 or ${name}=492+984`);
    }
    return list;
  };
  const num = (name: string, v: string | undefined, min = 1): number => {
    const n = Number(v);
    if (v === undefined || !Number.isSafeInteger(n) || n < min) throw new UsageError(`--quirks ${name} needs a whole number ≥ ${min}, e.g. ${name}=250`);
    return n;
  };
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, v] = part.split('=', 2) as [string, string | undefined];
    switch (name) {
      case 'shortPage': q.shortPage = nums(name, v); break;
      case 'holePage': q.holePage = nums(name, v); break;
      case 'pageCap': q.pageCap = num(name, v); break;
      case 'total':
        if (v !== 'one' && v !== 'jitter' && v !== 'low') throw new UsageError('--quirks total must be total=one, total=jitter or total=low');
        q.total = v;
        break;
      case 'oddCases': {
        const [from, count] = (v ?? '').split('+').map(Number);
        if (!Number.isSafeInteger(from) || !Number.isSafeInteger(count)) throw new UsageError('--quirks oddCases needs FROM+COUNT, e.g. oddCases=500+500');
        q.oddCases = { from: from!, count: count! };
        break;
      }
      case 'deepNest': q.deepNest = num(name, v); break;
      case 'wideCase': q.wideCase = num(name, v); break;
      case 'oddDates': q.oddDates = true; break;
      case 'stateMove': q.stateMove = true; break;
      case 'hugeBody': q.hugeBody = num(name, v); break;
      case 'endlessBody': q.endlessBody = true; break;
      case 'latency': q.latencyMs = num(name, v, 0); break;
      default:
        throw new UsageError(
          `unknown quirk "${name}": use shortPage, holePage, pageCap, total, oddCases, deepNest, wideCase, oddDates, stateMove, hugeBody, endlessBody or latency`,
        );
    }
  }
  return q;
}

/** Change the world's data as the world-level quirks say (once, at start). */
export function applyWorldQuirks(world: World, q: Quirks): void {
  for (const hc of world.helpcenterIds()) {
    const created = [...world.cases(hc)].filter((c) => typeof c._id === 'string').sort((a, b) => (a._id.toLowerCase() < b._id.toLowerCase() ? -1 : 1));
    if (q.oddCases) {
      for (const c of created.slice(q.oddCases.from, q.oddCases.from + q.oddCases.count)) {
        const msgs = Array.isArray(c.messages) ? c.messages : [];
        world.injectRaw(hc, { ...c, caseNumber: String(c.caseNumber), messages: Object.fromEntries(msgs.map((m, i) => [String(i), m])) });
      }
    }
    if (q.oddDates) {
      const odd: unknown[] = ['2025-01-07T10:00:00+02', '', null, 'ukendt', 42];
      created.slice(0, odd.length).forEach((c, i) => {
        const msgs = Array.isArray(c.messages) ? c.messages : [];
        world.injectRaw(hc, { ...c, messages: [...msgs, { type: 'COMMENT', content: 'odd date', sent: odd[i] }] });
      });
    }
    if (q.deepNest !== undefined && created[0]) world.injectRaw(hc, { ...world.getCase(hc, created[0]._id)!, deep: DEEP_MARK });
    if (q.wideCase !== undefined && created[0]) world.injectRaw(hc, { ...world.getCase(hc, created[0]._id)!, wide: WIDE_MARK });
  }
}

/** The page-level quirks of one list answer; `first` says whether this is the first answer of its helpcenter. */
export function quirkAnswer(q: Quirks, params: ListParams, res: ListResponse, answerNo: number): ListResponse {
  let cases: Case[] = res.cases;
  if (q.pageCap !== undefined && cases.length > q.pageCap) cases = cases.slice(0, q.pageCap);
  if (q.shortPage?.includes(params.offset) && cases.length > 0) cases = cases.slice(0, -1);
  if (q.holePage?.includes(params.offset) && cases.length > 2) {
    const mid = Math.floor(cases.length / 2);
    cases = [...cases.slice(0, mid), ...cases.slice(mid + 1)];
  }
  let total = res.total;
  if (q.total === 'one' && answerNo > 1) total = 1;
  else if (q.total === 'jitter') total = Math.max(0, res.total + (((answerNo * 7919) % 401) - 200));
  else if (q.total === 'low') total = Math.max(0, res.total - (q.lowBy ?? 1000));
  return { ...res, total, cases };
}

/** The answer's text with the text-level quirks: deep nesting spliced in, padding added. */
export function quirkText(q: Quirks, body: string): string {
  let out = body;
  if (q.deepNest !== undefined && out.includes(JSON.stringify(DEEP_MARK))) {
    const d = q.deepNest;
    out = out.split(JSON.stringify(DEEP_MARK)).join(`${'{"x":'.repeat(d)}1${'}'.repeat(d)}`);
  }
  if (q.wideCase !== undefined && out.includes(JSON.stringify(WIDE_MARK))) {
    out = out.split(JSON.stringify(WIDE_MARK)).join(`[${'{},'.repeat(q.wideCase - 1)}{}]`);
  }
  if (q.hugeBody !== undefined) out = `{"padding":"${'x'.repeat(q.hugeBody)}",${out.slice(1)}`;
  return out;
}

/** stateMove: after the first STATE page at offset 0, move the furthest HANDLING case to UNHANDLED (once per helpcenter). */
export function quirkAfterAnswer(q: Quirks, params: ListParams, world: World, moved: Set<string>): void {
  if (!q.stateMove || params.sortBy !== 'STATE' || params.offset !== 0 || moved.has(params.id)) return;
  const handling = world.list({ ...params, state: 'HANDLING', sortBy: 'CREATED', sortOrder: 'desc', offset: 0, limit: 1 }).cases[0];
  if (!handling) return;
  moved.add(params.id);
  world.setState(params.id, handling._id, 'UNHANDLED');
}
