import { apiError } from '../contract/errors.js';
import { RANK_STATE, STATE_RANK, UNKNOWN_STATE_RANK, idCreatedMs, keyComparator, lastActivityMs, matchesState, sortKeys, type SortKeys } from '../contract/order.js';
import { STATES, type Case, type CaseState, type ListParams, type ListResponse, type Message, type SortBy, type StateFilter } from '../contract/types.js';
import { CaseFactory, DEFAULT_END_MS, generateCases } from './generator.js';
import { Rng } from './random.js';

/**
 * In-memory helpcenters answering the list query of docs/contract.md (the same
 * results as contract/list.ts `listInMemory`), with mutation helpers so
 * tests can change the "remote" between and during syncs.
 *
 * Speed: each (state, sortBy) view is sorted ascending once, on first use,
 * and then kept sorted through mutations (binary search + splice), so a
 * sweep of 400 pages over 200k cases never re-sorts, even when the world
 * changes between pages; desc reads the ascending view from the other end.
 */

interface Entry {
  keys: SortKeys;
  case: Case;
}

interface View {
  state: StateFilter;
  /** ascending comparator of the view's sortBy */
  cmp: (a: SortKeys, b: SortKeys) => number;
  rows: Entry[];
}

interface Helpcenter {
  id: string;
  /** key: lower-case _id; injected raw objects get `raw:<n>` */
  entries: Map<string, Entry>;
  views: Map<string, View>;
  /** the greatest lower-case 24-hex _id, so new ids can be made to sort last */
  maxId: string;
  version: number;
  /** makes added cases and replies; created on the first mutation */
  factory: CaseFactory | undefined;
  nextCaseNumber: number;
  nextRaw: number;
}

export interface WorldOptions {
  seed: number;
  /** each helpcenter: generated cases (`count`) or given ones (`cases`, kept as they are, may be invalid) */
  helpcenters: { id: string; count?: number; cases?: readonly unknown[] }[];
  /** the instant generated histories end at (default 2026-06-01) */
  endMs?: number;
  /** the wall clock the world clock follows (default Date.now) */
  clock?: () => number;
}

export interface Mutation {
  kind: 'add' | 'reply' | 'state' | 'delete';
  helpcenter: string;
  id: string;
  state?: CaseState;
}

/**
 * Sort keys of anything the list may hold: a case with a string `_id`
 * exactly as the contract's sortKeys (an unknown state ranks after CLOSED,
 * as the local store orders it); anything else best effort.
 */
export function looseKeys(raw: unknown): SortKeys {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const id = typeof o._id === 'string' ? o._id.toLowerCase() : '';
  const stateRank = typeof o.state === 'string' && Object.hasOwn(STATE_RANK, o.state) ? STATE_RANK[o.state as CaseState] : UNKNOWN_STATE_RANK;
  const created = /^[0-9a-f]{8}/.test(id) ? idCreatedMs(id) : 0;
  const sent = lastActivityMs({ _id: id, messages: Array.isArray(o.messages) ? (o.messages as Message[]) : undefined });
  return { id, sentMs: Number.isFinite(sent) ? sent : created, stateRank };
}

export class World {
  private readonly hcs = new Map<string, Helpcenter>();
  private readonly seed: number;
  private readonly rng: Rng;
  private readonly clock: () => number;
  private last: number;

  constructor(opts: WorldOptions) {
    this.seed = opts.seed;
    this.rng = new Rng(opts.seed, 'world');
    this.clock = opts.clock ?? Date.now;
    const endMs = opts.endMs ?? DEFAULT_END_MS;
    this.last = endMs;
    for (const h of opts.helpcenters) {
      const id = h.id.toLowerCase();
      if (this.hcs.has(id)) throw new Error(`helpcenter ${id} given twice`);
      const cases = h.cases ?? generateCases({ seed: opts.seed, helpcenterId: id, count: h.count ?? 0, endMs });
      const hc: Helpcenter = {
        id,
        entries: new Map(),
        views: new Map(),
        maxId: '',
        version: 0,
        factory: undefined,
        nextCaseNumber: 1,
        nextRaw: 0,
      };
      this.hcs.set(id, hc);
      for (const c of cases) this.insert(hc, c as Case);
    }
  }

  /** `helpcenterCount` helpcenters with ids derived from the seed, `casesEach` generated cases each. */
  static generate(seed: number, helpcenterCount: number, casesEach: number, opts: Omit<WorldOptions, 'seed' | 'helpcenters'> = {}): World {
    const rng = new Rng(seed, 'helpcenter-ids');
    const ids: string[] = [];
    while (ids.length < helpcenterCount) {
      const id = rng.hex(24);
      if (!ids.includes(id)) ids.push(id);
    }
    return new World({ ...opts, seed, helpcenters: ids.map((id) => ({ id, count: casesEach })) });
  }

  /**
   * The world clock in ms: follows the wall clock but is strictly increasing
   * (+1 ms at least per call) and never behind anything already in the
   * world, so new cases sort last by CREATED and new replies are the latest.
   */
  now(): number {
    this.last = Math.max(this.clock(), this.last + 1);
    return this.last;
  }

  helpcenterIds(): string[] {
    return [...this.hcs.keys()];
  }

  /** The helpcenter's current cases (insertion order; injected raw objects included). */
  cases(hc: string): readonly Case[] {
    return Array.from(this.hc(hc).entries.values(), (e) => e.case);
  }

  getCase(hc: string, id: string): Case | undefined {
    return this.hc(hc).entries.get(id.toLowerCase())?.case;
  }

  /** Bumped on every mutation of the helpcenter. */
  version(hc: string): number {
    return this.hc(hc).version;
  }

  /** docs/contract.md over the helpcenter `params.id`; an unknown helpcenter: ApiError 403 access_denied. */
  list(params: ListParams): ListResponse {
    const hc = this.hcs.get(params.id.toLowerCase());
    if (hc === undefined) throw apiError('access_denied');
    const view = this.view(hc, params.state, params.sortBy).rows;
    const n = view.length;
    const cases: Case[] = [];
    if (params.sortOrder === 'asc') {
      for (let i = params.offset; i < n && cases.length < params.limit; i++) cases.push((view[i] as Entry).case);
    } else {
      for (let i = n - 1 - params.offset; i >= 0 && cases.length < params.limit; i--) cases.push((view[i] as Entry).case);
    }
    return { offset: params.offset, limit: params.limit, total: n, cases };
  }

  /**
   * A case that arrives now: UNHANDLED, one INCOMING message sent now, an id
   * whose creation time is now and that sorts after every other id (like an
   * ObjectId's counter); `partial` overrides any field.
   */
  addCase(hc: string, partial: Partial<Case> = {}): Case {
    const h = this.hc(hc);
    const now = this.now();
    const c = this.factory(h).freshCase(now, h.nextCaseNumber);
    if (c._id.toLowerCase() <= h.maxId) c._id = nextHex(h.maxId);
    const out: Case = { ...c, ...partial };
    if (partial.state !== undefined && partial.actionNeeded === undefined) out.actionNeeded = partial.state === 'UNHANDLED';
    this.insert(h, out);
    return out;
  }

  /** Append a message sent now (strictly after the case's latest); default an OUTGOING reply by an agent. */
  reply(hc: string, id: string, msg: Partial<Message> = {}): Case {
    const h = this.hc(hc);
    const old = this.entry(h, id);
    const sentMs = Math.max(this.now(), lastActivityMs(old.case) + 1);
    this.last = sentMs;
    const m: Message = { ...this.factory(h).reply(old.case, sentMs, msg.type ?? 'OUTGOING'), ...msg };
    const c: Case = { ...old.case, messages: [...(Array.isArray(old.case.messages) ? old.case.messages : []), m] };
    if (typeof c.latestMessageId === 'string' && typeof m.messageId === 'string') c.latestMessageId = m.messageId;
    this.replace(h, old, c);
    return c;
  }

  /** Change the state (and actionNeeded: true iff UNHANDLED). */
  setState(hc: string, id: string, state: CaseState): Case {
    const h = this.hc(hc);
    const old = this.entry(h, id);
    const c: Case = { ...old.case, state, actionNeeded: state === 'UNHANDLED' };
    this.replace(h, old, c);
    return c;
  }

  /** Remove a case; false if there was none with that id. */
  deleteCase(hc: string, id: string): boolean {
    const h = this.hc(hc);
    const key = id.toLowerCase();
    const e = h.entries.get(key);
    if (e === undefined) return false;
    h.entries.delete(key);
    for (const view of h.views.values()) viewRemove(view, e);
    h.version++;
    return true;
  }

  /**
   * Add any object (possibly invalid: no _id, wrong types); the list returns
   * it, ordered by best-effort keys. One with a string `_id` replaces the
   * case of that id.
   */
  injectRaw(hc: string, raw: unknown): void {
    const h = this.hc(hc);
    const id = typeof raw === 'object' && raw !== null ? (raw as { _id?: unknown })._id : undefined;
    this.insert(h, raw as Case, typeof id === 'string' ? id.toLowerCase() : `raw:${h.nextRaw++}`);
  }

  /** One random change (add 25%, reply 35%, state change 25%, delete 15%) to a random helpcenter. */
  randomMutation(rng: Rng = this.rng): Mutation {
    const h = this.hcs.get(rng.pick(this.helpcenterIds()));
    if (h === undefined) throw new Error('the world has no helpcenters');
    const u = rng.next();
    const id = u < 0.25 ? undefined : this.randomId(h, rng);
    if (id === undefined) return { kind: 'add', helpcenter: h.id, id: this.addCase(h.id)._id };
    if (u < 0.6) return { kind: 'reply', helpcenter: h.id, id: this.reply(h.id, id)._id };
    if (u < 0.85) {
      const state = rng.pick(STATES);
      return { kind: 'state', helpcenter: h.id, id: this.setState(h.id, id, state)._id, state };
    }
    const c = this.entry(h, id).case;
    this.deleteCase(h.id, id);
    return { kind: 'delete', helpcenter: h.id, id: c._id };
  }

  /** A random valid case's id (from a maintained view: no O(n) copy per call), or undefined if there is none. */
  private randomId(h: Helpcenter, rng: Rng): string | undefined {
    const rows = this.view(h, 'ALL', 'CREATED').rows;
    for (let i = 0; i < 20 && rows.length > 0; i++) {
      const e = rng.pick(rows);
      if (h.entries.get(e.keys.id) === e) return e.keys.id;
    }
    return undefined;
  }

  private factory(h: Helpcenter): CaseFactory {
    h.factory ??= new CaseFactory(new Rng(this.seed, `mutations:${h.id}`), h.id, Math.min(3000, Math.max(10, h.entries.size)));
    return h.factory;
  }

  private hc(id: string): Helpcenter {
    const h = this.hcs.get(id.toLowerCase());
    if (h === undefined) throw new Error(`no helpcenter ${id} in this world`);
    return h;
  }

  private entry(h: Helpcenter, id: string): Entry {
    const e = h.entries.get(id.toLowerCase());
    if (e === undefined) throw new Error(`no case ${id} in helpcenter ${h.id}`);
    return e;
  }

  private insert(h: Helpcenter, c: Case, key?: string): void {
    const e: Entry = { keys: keysOf(c), case: c };
    const o: Partial<Case> = typeof c === 'object' && c !== null ? c : {};
    const k = key ?? (typeof o._id === 'string' ? o._id.toLowerCase() : `raw:${h.nextRaw++}`);
    const old = h.entries.get(k);
    if (old !== undefined) for (const view of h.views.values()) viewRemove(view, old);
    h.entries.set(k, e);
    if (typeof o.caseNumber === 'number' && o.caseNumber >= h.nextCaseNumber) h.nextCaseNumber = o.caseNumber + 1;
    if (HEX24.test(e.keys.id) && e.keys.id > h.maxId) h.maxId = e.keys.id;
    if (e.keys.sentMs > this.last) this.last = e.keys.sentMs;
    for (const view of h.views.values()) viewInsert(view, e);
    h.version++;
  }

  private replace(h: Helpcenter, old: Entry, c: Case): void {
    const e: Entry = { keys: keysOf(c), case: c };
    h.entries.set(old.keys.id, e);
    for (const view of h.views.values()) {
      viewRemove(view, old);
      viewInsert(view, e);
    }
    h.version++;
  }

  /**
   * Make this world order STATE differently from the contract (e.g.
   * ['CLOSED', 'HANDLING', 'UNHANDLED']), as a live API might: `hcsync
   * verify` must notice. Undefined restores the contract's order.
   */
  setStateOrder(order: readonly CaseState[] | undefined): void {
    this.stateOrder = order;
    for (const h of this.hcs.values()) {
      h.views.clear();
      h.version++;
    }
  }

  private stateOrder: readonly CaseState[] | undefined;

  /** The ascending view of (state, sortBy): sorted on first use, then maintained by every mutation. */
  private view(h: Helpcenter, state: StateFilter, sortBy: SortBy): View {
    const vk = `${state}|${sortBy}`;
    let v = h.views.get(vk);
    if (v === undefined) {
      const order = this.stateOrder;
      const cmp =
        sortBy === 'STATE' && order
          ? (a: SortKeys, b: SortKeys) =>
              order.indexOf(RANK_STATE[a.stateRank]!) - order.indexOf(RANK_STATE[b.stateRank]!) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
          : keyComparator(sortBy, 'asc');
      const rows: Entry[] = [];
      for (const e of h.entries.values()) if (matchesState(e.keys, state)) rows.push(e);
      rows.sort((a, b) => cmp(a.keys, b.keys));
      v = { state, cmp, rows };
      h.views.set(vk, v);
    }
    return v;
  }
}

const HEX24 = /^[0-9a-f]{24}$/;

/** The lower-case 24-hex id right after `id` (wrapping is out of reach: ids start with the time). */
function nextHex(id: string): string {
  return (BigInt(`0x${id}`) + 1n).toString(16).padStart(24, '0');
}

function keysOf(c: Case): SortKeys {
  const keyed = typeof c === 'object' && c !== null && !Array.isArray(c) && typeof c._id === 'string';
  return keyed ? sortKeys(c) : looseKeys(c);
}

/** First index whose entry sorts after `keys` (after equal keys too, as a stable sort appends). */
function upperBound(view: View, keys: SortKeys): number {
  let lo = 0;
  let hi = view.rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (view.cmp((view.rows[mid] as Entry).keys, keys) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function viewInsert(view: View, e: Entry): void {
  if (matchesState(e.keys, view.state)) view.rows.splice(upperBound(view, e.keys), 0, e);
}

function viewRemove(view: View, e: Entry): void {
  if (!matchesState(e.keys, view.state)) return;
  // entries with keys equal to e's (only invalid injected ones share keys) sit just before the upper bound
  for (let i = upperBound(view, e.keys) - 1; i >= 0; i--) {
    const row = view.rows[i] as Entry;
    if (row === e) {
      view.rows.splice(i, 1);
      return;
    }
    if (view.cmp(row.keys, e.keys) !== 0) return;
  }
}
