import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listInMemory } from '../contract/list.js';
import { sortKeys } from '../contract/order.js';
import { SORT_BYS, type Case, type ListParams, type StateFilter } from '../contract/types.js';
import { validateCase } from '../contract/validate.js';
import { REAL_WORD_COUNT, Rng, Simulator, VOCABULARY, World, Zipf, drawRank, generateCases, type FaultKind } from '../sim/index.js';

const HC = '0123456789abcdef01234567';
const END = Date.UTC(2026, 5, 1);
const QUERIES = ['', '&sortBy=CREATED', '&sortBy=STATE&sortOrder=desc&limit=500', '&state=unhandled&offset=3', '&sortOrder=desc&offset=250&limit=37'];
const SENT_FORM = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$/;
const STATES_ALL: StateFilter[] = ['ALL', 'UNHANDLED', 'HANDLING', 'CLOSED'];

async function page(sim: Simulator, hc: string, extra = ''): Promise<{ status: number; text: string }> {
  const res = await fetch(`${sim.url}/helpcenter/case?id=${hc}${extra}`);
  return { status: res.status, text: await res.text() };
}

describe('generator', () => {
  const cases = generateCases({ seed: 42, helpcenterId: HC, count: 3000 });

  it('is deterministic: the same arguments give byte-identical JSON, other seeds differ', () => {
    expect(JSON.stringify(generateCases({ seed: 42, helpcenterId: HC, count: 3000 }))).toBe(JSON.stringify(cases));
    const other = generateCases({ seed: 43, helpcenterId: HC, count: 3000 });
    expect(other.map((c) => c._id)).not.toEqual(cases.map((c) => c._id));
    expect(generateCases({ seed: 42, helpcenterId: 'f'.repeat(24), count: 10 })[0]?._id).not.toBe(cases[0]?._id);
  });

  it('every case passes validateCase, with increasing case numbers and ids inside the two years before the end', () => {
    let prev = 0;
    for (const c of cases) {
      expect(validateCase(c)).toMatchObject({ ok: true });
      expect(c.caseNumber).toBeGreaterThan(prev);
      prev = c.caseNumber as number;
      const created = parseInt(c._id.slice(0, 8), 16) * 1000;
      expect(created).toBeLessThan(END);
      expect(created).toBeGreaterThan(END - 731 * 86_400_000);
      expect(c.customer).toMatch(/^[0-9a-f]{24}$/);
      expect(c.conversationId).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(c.conversationId).not.toMatch(/^[0-9a-f]+$/);
      expect(c.actionNeeded).toBe(c.state === 'UNHANDLED');
      if (c.phoneNumber !== undefined) expect(c.phoneNumber).toMatch(/^\+45(\d{8}| \d\d \d\d \d\d \d\d)$/);
    }
  });

  it('messages: 0 to 10, strictly increasing instants, documented types, senders', () => {
    const counts = new Map<number, number>();
    let offsets = 0;
    let firstIncoming = 0;
    for (const c of cases) {
      const msgs = c.messages ?? [];
      counts.set(msgs.length, (counts.get(msgs.length) ?? 0) + 1);
      expect(msgs.length).toBeLessThanOrEqual(10);
      if (msgs[0]?.type === 'INCOMING') firstIncoming++;
      let last = -Infinity;
      for (const m of msgs) {
        expect(m.sent).toMatch(SENT_FORM);
        const t = Date.parse(m.sent as string);
        expect(t).toBeGreaterThan(last);
        expect(t).toBeLessThan(END);
        last = t;
        if (!(m.sent as string).endsWith('Z')) offsets++;
        expect(['INCOMING', 'OUTGOING', 'COMMENT']).toContain(m.type);
        expect(typeof m.content).toBe('string');
        expect(typeof m.messageId).toBe('string');
        expect(m.sentBy).toBeTruthy();
        if (m.type === 'INCOMING') expect(m.sentBy).toBe(c.customerName);
      }
    }
    expect(counts.get(0)).toBeGreaterThan(10);
    expect(counts.get(0)).toBeLessThan(300);
    expect(counts.get(10)).toBeGreaterThan(0);
    expect(offsets).toBeGreaterThan(100);
    expect(firstIncoming / cases.length).toBeGreaterThan(0.8);
  });

  it('states are mostly CLOSED, some HANDLING and UNHANDLED', () => {
    const n = (s: string) => cases.filter((c) => c.state === s).length / cases.length;
    expect(n('CLOSED')).toBeGreaterThan(0.8);
    expect(n('CLOSED')).toBeLessThan(0.9);
    expect(n('HANDLING')).toBeGreaterThan(0.05);
    expect(n('UNHANDLED')).toBeGreaterThan(0.04);
  });

  it('optional fields are sometimes absent, unknown fields sometimes present, ids sometimes upper-case', () => {
    const share = (f: (c: Case) => boolean) => cases.filter(f).length / cases.length;
    expect(share((c) => c.phoneNumber === undefined)).toBeGreaterThan(0.1);
    expect(share((c) => c.phoneNumber === undefined)).toBeLessThan(0.35);
    expect(share((c) => c.company === undefined)).toBeGreaterThan(0.03);
    expect(share((c) => c.company === undefined)).toBeLessThan(0.2);
    for (const f of ['latestMessageId', 'createdAt', 'helpCenterId', 'meta']) expect(share((c) => f in c)).toBeGreaterThan(0.02);
    expect(share((c) => typeof c.meta === 'object')).toBeLessThan(0.1);
    expect(share((c) => /[A-F]/.test(c._id))).toBeGreaterThan(0.005);
    expect(share((c) => (c.subject ?? '').startsWith(`#${c.caseNumber} `))).toBeGreaterThan(0.1);
    expect(share((c) => /[æøå]/i.test(c.subject ?? ''))).toBeGreaterThan(0.05);
  });

  it('vocabulary: 20,000+ distinct words, real Danish and English first, æ/ø/å in real and generated words', () => {
    expect(new Set(VOCABULARY).size).toBe(VOCABULARY.length);
    expect(VOCABULARY.length).toBeGreaterThanOrEqual(20_000);
    const head = VOCABULARY.slice(0, REAL_WORD_COUNT);
    for (const w of ['skærm', 'adgangskode', 'fejl', 'løsning', 'spørgsmål', 'nummerflytning', 'faktura', 'invoice', 'password', 'søg', 'får', 'også']) {
      expect(head).toContain(w);
    }
    expect(VOCABULARY.slice(REAL_WORD_COUNT).filter((w) => /[æøå]/.test(w)).length).toBeGreaterThan(1000);
  });

  it('word frequencies look Zipfian, in draws and in generated message text', () => {
    const rng = new Rng(9);
    const counts = new Float64Array(VOCABULARY.length);
    for (let i = 0; i < 300_000; i++) counts[drawRank(rng)]!++;
    expect(counts[0]).toBeGreaterThan(30 * (counts.slice(990, 1010).reduce((a, b) => a + b, 0) / 20));
    const z = new Zipf(1000, 1.07);
    expect(z.p(0) / z.p(999)).toBeCloseTo(1000 ** 1.07, -1);
    const freq = new Map<string, number>();
    for (const c of cases.slice(0, 1500)) {
      for (const m of c.messages ?? []) for (const w of (m.content ?? '').toLowerCase().split(/[^a-zæøå]+/)) if (w) freq.set(w, (freq.get(w) ?? 0) + 1);
    }
    const sorted = [...freq.values()].sort((a, b) => b - a);
    expect(sorted.length).toBeGreaterThan(5000);
    expect(sorted[0]).toBeGreaterThan(50 * (sorted[999] as number));
    // log-log slope between ranks 10 and 1000 near -s
    const slope = (Math.log(sorted[999] as number) - Math.log(sorted[9] as number)) / (Math.log(1000) - Math.log(10));
    expect(slope).toBeGreaterThan(-1.5);
    expect(slope).toBeLessThan(-0.7);
  });
});

describe('simulator pages are reproducible', () => {
  it('the same seed gives byte-identical pages from two servers; another seed differs', async () => {
    const [a, b, c] = await Promise.all([7, 7, 8].map((seed) => Simulator.start({ seed, helpcenters: 2, cases: 400 })));
    try {
      expect(a!.world.helpcenterIds()).toEqual(b!.world.helpcenterIds());
      expect(c!.world.helpcenterIds()).not.toEqual(a!.world.helpcenterIds());
      for (const hc of a!.world.helpcenterIds()) {
        for (const query of QUERIES) {
          const [pa, pb] = [await page(a!, hc, query), await page(b!, hc, query)];
          expect(pa.status).toBe(200);
          expect(pa.text).toBe(pb.text);
        }
      }
      const [pa, pc] = [await page(a!, a!.world.helpcenterIds()[0]!), await page(c!, c!.world.helpcenterIds()[0]!)];
      expect(JSON.parse(pa.text).cases).not.toEqual(JSON.parse(pc.text).cases);
    } finally {
      await Promise.all([a!.close(), b!.close(), c!.close()]);
    }
  });
});

describe('simulator faults over HTTP', () => {
  let sim: Simulator;
  let hc: string;
  beforeAll(async () => {
    sim = await Simulator.start({ seed: 3, helpcenters: 1, cases: 120 });
    hc = sim.world.helpcenterIds()[0]!;
  });
  afterAll(() => sim.close());
  const url = () => `${sim.url}/helpcenter/case?id=${hc}`;

  it('each scripted kind, in order, then normal answers; each counted', async () => {
    sim.resetCounters();
    sim.faults.script = ['error500', 'tooMany', 'html', 'badShape', 'ok', 'reset', 'truncate'];
    const r500 = await fetch(url());
    expect([r500.status, await r500.json()]).toEqual([500, { error: 'internal_error', description: 'Internal error' }]);
    const r429 = await fetch(url());
    expect(r429.status).toBe(429);
    expect(r429.headers.get('retry-after')).toBe('1');
    await r429.text();
    const r502 = await fetch(url());
    expect(r502.status).toBe(502);
    expect(r502.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await r502.text()).toContain('<html>');
    const bad = await fetch(url());
    expect(bad.status).toBe(200);
    expect(await bad.json()).toEqual({ ok: true });
    const ok = await fetch(url());
    expect(((await ok.json()) as { total: number }).total).toBe(120);
    await expect(fetch(url())).rejects.toThrow();
    const cut = await fetch(url());
    expect(cut.status).toBe(200);
    await expect(cut.text().then((t) => JSON.parse(t))).rejects.toThrow();
    expect(((await (await fetch(url())).json()) as { total: number }).total).toBe(120);
    expect(sim.faults.script).toEqual([]);
    expect(sim.counters.faults).toEqual({ error500: 1, tooMany: 1, html: 1, badShape: 1, reset: 1, truncate: 1 });
    expect(sim.counters).toMatchObject({ requests: 8, list: 8, byStatus: { 200: 4, 429: 1, 500: 1, 502: 1 } });
  });

  it('Retry-After as an HTTP-date at least `seconds` ahead (whole seconds, rounded up), or alternating', async () => {
    sim.faults.retryAfter = { form: 'date', seconds: 3 };
    sim.faults.script = ['tooMany'];
    const before = Date.now();
    const h = (await fetch(url())).headers.get('retry-after') as string;
    expect(h).toMatch(/^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/);
    expect(Date.parse(h)).toBeGreaterThanOrEqual(before + 3000);
    expect(Date.parse(h)).toBeLessThanOrEqual(Date.now() + 4000);
    sim.faults.retryAfter = { form: 'mixed', seconds: 2 };
    sim.faults.script = ['tooMany', 'tooMany', 'tooMany', 'tooMany'];
    const forms: string[] = [];
    for (let i = 0; i < 4; i++) forms.push(/^\d+$/.test((await fetch(url())).headers.get('retry-after') ?? '') ? 's' : 'd');
    expect(new Set(forms)).toEqual(new Set(['s', 'd']));
    sim.faults.retryAfter = { form: 'seconds', seconds: 1 };
  });

  it('random rates are seeded: the same faultSeed gives the same outcomes', async () => {
    const statuses = async (s: Simulator) => {
      const out: number[] = [];
      const id = s.world.helpcenterIds()[0]!;
      for (let i = 0; i < 30; i++) out.push((await fetch(`${s.url}/helpcenter/case?id=${id}&limit=1`)).status);
      return out;
    };
    const faults = { error500: 0.3, tooMany: 0.2, html: 0.2, retryAfter: { form: 'seconds' as const, seconds: 0 } };
    const [a, b] = await Promise.all([0, 0].map(() => Simulator.start({ seed: 1, cases: 3, faults })));
    try {
      const sa = await statuses(a!);
      expect(sa).toEqual(await statuses(b!));
      for (const st of [200, 429, 500, 502]) expect(sa).toContain(st);
    } finally {
      await Promise.all([a!.close(), b!.close()]);
    }
  });

  it('latency delays the answer', async () => {
    sim.faults.latencyMs = 150;
    sim.faults.latencyRate = 1;
    const t0 = performance.now();
    expect((await fetch(url())).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    sim.faults.latencyRate = 0;
  });
});

describe('world mutations', () => {
  const params = (p: Partial<ListParams>): ListParams => ({ id: HC, state: 'ALL', sortBy: 'SENT', sortOrder: 'asc', offset: 0, limit: 500, ...p });
  const ids = (w: World, p: Partial<ListParams>) => w.list(params(p)).cases.map((c) => c._id);

  it('add sorts last by CREATED and first by SENT desc; reply, setState and delete show in the list', () => {
    const w = new World({ seed: 4, helpcenters: [{ id: HC, count: 50 }] });
    const added = w.addCase(HC, { subject: 'Ny sag' });
    expect(validateCase(added)).toMatchObject({ ok: true });
    expect(added).toMatchObject({ subject: 'Ny sag', state: 'UNHANDLED', actionNeeded: true, caseNumber: 51 });
    expect(ids(w, { sortBy: 'CREATED' }).at(-1)).toBe(added._id);
    expect(ids(w, { sortOrder: 'desc' })[0]).toBe(added._id);
    expect(w.addCase(HC)._id.toLowerCase() > added._id.toLowerCase()).toBe(true);

    const target = ids(w, { sortBy: 'CREATED' })[0]!;
    const before = w.getCase(HC, target)!.messages?.length ?? 0;
    const r1 = w.reply(HC, target);
    const r2 = w.reply(HC, target, { type: 'COMMENT', content: 'intern note' });
    expect(r2.messages).toHaveLength(before + 2);
    const [s1, s2] = [r1.messages!.at(-1)!.sent!, r2.messages!.at(-1)!.sent!].map((s) => Date.parse(s));
    expect(s2).toBeGreaterThan(s1!);
    expect(r2.messages!.at(-1)).toMatchObject({ type: 'COMMENT', content: 'intern note' });
    expect(ids(w, { sortOrder: 'desc' })[0]).toBe(target);

    const v = w.version(HC);
    w.setState(HC, target, 'HANDLING');
    expect(w.version(HC)).toBeGreaterThan(v);
    expect(w.getCase(HC, target)).toMatchObject({ state: 'HANDLING', actionNeeded: false });
    expect(ids(w, { state: 'HANDLING' })).toContain(target);
    expect(ids(w, { state: 'CLOSED' })).not.toContain(target);

    expect(w.deleteCase(HC, target.toUpperCase())).toBe(true);
    expect(w.deleteCase(HC, target)).toBe(false);
    expect(w.getCase(HC, target)).toBeUndefined();
    expect(w.list(params({})).total).toBe(51);
  });

  it('keeps every cached view equal to listInMemory through random mutations', () => {
    const w = new World({ seed: 5, helpcenters: [{ id: HC, count: 300 }] });
    const rng = new Rng(11);
    const check = () => {
      const keyed = w.cases(HC).map((c) => ({ keys: sortKeys(c), case: c }));
      for (const state of STATES_ALL) {
        for (const sortBy of SORT_BYS) {
          for (const sortOrder of ['asc', 'desc'] as const) {
            const p = params({ state, sortBy, sortOrder, offset: rng.int(0, 40), limit: rng.int(1, 300) });
            expect(w.list(p)).toEqual(listInMemory(keyed, p));
          }
        }
      }
    };
    check();
    const kinds = new Set<string>();
    for (let i = 0; i < 120; i++) {
      kinds.add(w.randomMutation(rng).kind);
      if (i % 10 === 0) check();
    }
    check();
    expect(kinds).toEqual(new Set(['add', 'reply', 'state', 'delete']));
  });

  it('injected invalid objects are listed in best-effort places', () => {
    const w = new World({ seed: 6, helpcenters: [{ id: HC, count: 5 }] });
    w.injectRaw(HC, { subject: 'no id', state: 'HANDLING' });
    w.injectRaw(HC, { _id: 42, state: 'bogus', messages: 'none' });
    w.injectRaw(HC, null);
    const all = w.list(params({ sortBy: 'CREATED' })).cases as unknown[];
    expect(all).toHaveLength(8);
    expect(all.slice(0, 3)).toEqual([{ subject: 'no id', state: 'HANDLING' }, { _id: 42, state: 'bogus', messages: 'none' }, null]);
    expect(all.filter((c) => !validateCase(c).ok)).toHaveLength(3);
    // an unknown state matches no state filter but ALL, and sorts after CLOSED (as the local store orders it)
    expect(w.list(params({ state: 'CLOSED' })).cases).not.toContainEqual({ _id: 42, state: 'bogus', messages: 'none' });
    const byState = w.list(params({ sortBy: 'STATE' })).cases as unknown[];
    expect(byState.slice(-2)).toContainEqual({ _id: 42, state: 'bogus', messages: 'none' });
  });

  it('the world clock is strictly increasing and follows an injected clock', () => {
    const w = new World({ seed: 1, helpcenters: [{ id: HC, count: 3 }], clock: () => Date.UTC(2027, 0, 1) });
    const a = w.now();
    expect(a).toBe(Date.UTC(2027, 0, 1));
    expect(w.now()).toBe(a + 1);
    const c = w.addCase(HC);
    expect(parseInt(c._id.slice(0, 8), 16)).toBe(Math.floor((a + 2) / 1000));
  });

  it('pages at limit 500 over a large world do not re-sort per page, even when it changes between pages', () => {
    const w = new World({ seed: 2, helpcenters: [{ id: HC, count: 20_000 }] });
    const t0 = performance.now();
    for (let i = 0; i < 400; i++) {
      w.list(params({ sortBy: SORT_BYS[i % 3], sortOrder: i % 2 ? 'asc' : 'desc', offset: (i * 500) % 20_000 }));
      if (i % 4 === 0) w.reply(HC, w.list(params({ limit: 1, offset: i })).cases[0]!._id);
    }
    expect(performance.now() - t0).toBeLessThan(4000);
  });

  it('beforeList runs before each answered list request: mutations show in the next page', async () => {
    const sim = await Simulator.start({ world: new World({ seed: 8, helpcenters: [{ id: HC, count: 10 }] }) });
    try {
      const seen: ListParams[] = [];
      sim.beforeList = (p, w) => {
        seen.push(p);
        if (seen.length === 2) w.addCase(HC, { subject: 'mid-sweep' });
      };
      const get = async (offset: number) =>
        (await (await fetch(`${sim.url}/helpcenter/case?id=${HC}&sortBy=CREATED&limit=5&offset=${offset}`)).json()) as { total: number; cases: Case[] };
      expect((await get(0)).total).toBe(10);
      const second = await get(5);
      expect(second.total).toBe(11);
      expect(second.cases).toHaveLength(5);
      expect((await get(10)).cases[0]?.subject).toBe('mid-sweep');
      expect(seen.map((p) => p.offset)).toEqual([0, 5, 10]);
      sim.faults.script = ['error500' as FaultKind];
      await fetch(`${sim.url}/helpcenter/case?id=${HC}`);
      expect(seen).toHaveLength(3);
    } finally {
      await sim.close();
    }
  });
});
