import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Simulator, World } from '../sim/index.js';

/**
 * Every rule of docs/contract.md, over real HTTP against the simulator. Expected
 * orders are computed here from the cases themselves, not with contract/.
 */

const HC = 'abcdef0123456789abcdef01';
const OTHER_HC = 'fedcba9876543210fedcba98';
const ERR = {
  id: '{"error":"id","description":"Invalid helpcenterId"}',
  state: '{"error":"state","description":"Invalid state. Use ALL, UNHANDLED, HANDLING or CLOSED."}',
  sortBy: '{"error":"sortBy","description":"Invalid sorting specified. Use CREATED, SENT or STATE"}',
  sortOrder: '{"error":"sortOrder","description":"Invalid sort order. use asc or desc"}',
  offset: '{"error":"offset","description":"Invalid offset. Use an integer >= 0"}',
  limit: '{"error":"limit","description":"Invalid limit. Use an integer (clamped to 1..500)"}',
  access_denied: '{"error":"access_denied","description":"Insufficient access level"}',
};

type Raw = { _id: string; state: string; messages?: { sent: string; type?: string }[]; [k: string]: unknown };
const msg = (sent: string) => ({ sent, type: 'INCOMING', content: 'x', sentBy: 'A' });
const creation = (hex8: string) => new Date(parseInt(hex8, 16) * 1000).toISOString();

/** Deliberate ties: equal instants written differently, equal states, no messages, mixed-case ids, +02:00 offsets. */
const TIES: Raw[] = [
  { _id: '6650000000000000000000aa', state: 'CLOSED', messages: [msg('2024-05-14T08:48:05.000Z')] },
  { _id: '6650000000000000000000BB', state: 'CLOSED', messages: [msg('2024-05-14T10:48:05.000+02:00')] }, // same instant as aa
  { _id: '6640000000000000000000cc', state: 'HANDLING' }, // no messages: its id's creation time
  { _id: '6660000000000000000000dd', state: 'HANDLING', messages: [msg('2024-05-14T09:30:00.000+02:00')] }, // string > aa's, instant <
  { _id: '66600000000000000000000E', state: 'UNHANDLED', messages: [msg('2024-05-10T00:00:00.000Z'), msg('2024-06-01T00:00:00.000Z'), msg('2024-05-20T00:00:00.000Z')] },
  { _id: '6630000000000000000000ff', state: 'UNHANDLED', messages: [msg(creation('66400000'))] }, // ties cc's id time
  { _id: '6650000000000000000000Ab', state: 'HANDLING', messages: [msg('2024-05-14T08:48:05.001Z')] },
  { _id: '6650000000000000000000a0', state: 'CLOSED', messages: [] },
  { _id: '6610000000000000000000c1', state: 'CLOSED', messages: [msg('2024-05-14T08:48:05.000Z')] },
  { _id: '6610000000000000000000C2', state: 'UNHANDLED' },
  { _id: '6620000000000000000000c3', state: 'CLOSED', messages: [msg('2024-01-01T00:00:00.000+01:00'), msg('2023-12-31T23:00:00.000Z')] },
];

/** The order of docs/contract.md#ordering, written out independently of contract/. */
function expectedIds(cases: readonly Raw[], state: string, sortBy: string, sortOrder: string): string[] {
  const rank: Record<string, number> = { UNHANDLED: 0, HANDLING: 1, CLOSED: 2 };
  const sent = (c: Raw) => (c.messages?.length ? Math.max(...c.messages.map((m) => Date.parse(m.sent))) : parseInt(c._id.slice(0, 8), 16) * 1000);
  const key = (c: Raw) => (sortBy === 'SENT' ? sent(c) : sortBy === 'STATE' ? (rank[c.state] as number) : 0);
  const lower = (c: Raw) => c._id.toLowerCase();
  const out = cases
    .filter((c) => state === 'ALL' || c.state === state)
    .sort((a, b) => key(a) - key(b) || (lower(a) < lower(b) ? -1 : lower(a) > lower(b) ? 1 : 0))
    .map((c) => c._id);
  return sortOrder === 'desc' ? out.reverse() : out;
}

interface Answer {
  status: number;
  text: string;
  json: any;
  headers: Headers;
}

async function get(base: string, query: string, init?: RequestInit & { path?: string }): Promise<Answer> {
  const res = await fetch(`${base}${init?.path ?? '/helpcenter/case'}${query ? `?${query}` : ''}`, init);
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

describe('simulator: the list contract over HTTP', () => {
  let sim: Simulator;
  let big: Simulator;
  let bigHc: string;
  const q = (query: string, init?: RequestInit & { path?: string }) => get(sim.url, query, init);

  beforeAll(async () => {
    sim = await Simulator.start({ world: new World({ seed: 1, helpcenters: [{ id: HC, cases: TIES }] }) });
    big = await Simulator.start({ seed: 5, helpcenters: 1, cases: 1300 });
    bigHc = big.world.helpcenterIds()[0] as string;
  });
  afterAll(async () => {
    await sim.close();
    await big.close();
  });

  const invalid: [string, keyof typeof ERR][] = [
    ['', 'id'],
    ['id=', 'id'],
    ['id=abcdef0123456789abcdef0', 'id'], // 23
    ['id=abcdef0123456789abcdef012', 'id'], // 25
    ['id=abcdef0123456789abcdefg1', 'id'], // non-hex
    ['id=%20abcdef0123456789abcdef01', 'id'],
    [`id=${HC}&state=`, 'state'],
    [`id=${HC}&state=OPEN`, 'state'],
    [`id=${HC}&sortBy=`, 'sortBy'],
    [`id=${HC}&sortBy=SENDT`, 'sortBy'],
    [`id=${HC}&sortOrder=`, 'sortOrder'],
    [`id=${HC}&sortOrder=descending`, 'sortOrder'],
    [`id=${HC}&offset=`, 'offset'],
    [`id=${HC}&offset=-1`, 'offset'],
    [`id=${HC}&offset=1.5`, 'offset'],
    [`id=${HC}&offset=abc`, 'offset'],
    [`id=${HC}&limit=`, 'limit'],
    [`id=${HC}&limit=2.5`, 'limit'],
    [`id=${HC}&limit=abc`, 'limit'],
    [`id=${HC}&state=bogus&state=CLOSED`, 'state'], // the first value counts
    // precedence: id, state, sortBy, sortOrder, offset, limit
    [`id=xyz&state=bogus&sortBy=bogus`, 'id'],
    [`id=${HC}&limit=abc&offset=x&sortOrder=x&sortBy=x&state=bogus`, 'state'],
    [`id=${HC}&state=bogus&sortBy=bogus&limit=abc`, 'state'],
    [`id=${HC}&limit=abc&sortBy=bogus&sortOrder=up`, 'sortBy'],
    [`id=${HC}&offset=-1&sortOrder=up`, 'sortOrder'],
    [`id=${HC}&limit=abc&offset=-1`, 'offset'],
  ];
  it.each(invalid)('?%s → 422 %s with the exact body', async (query, key) => {
    const r = await q(query);
    expect(r.status).toBe(422);
    expect(r.text).toBe(ERR[key]);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  const equivalent: [string, string][] = [
    [`id=${HC.toUpperCase()}`, `id=${HC}`],
    [`id=${HC}&state=unhandled`, `id=${HC}&state=UNHANDLED`],
    [`id=${HC}&state=cLoSeD`, `id=${HC}&state=CLOSED`],
    [`id=${HC}&sortBy=Sent`, `id=${HC}&sortBy=SENT`],
    [`id=${HC}&sortBy=created`, `id=${HC}&sortBy=CREATED`],
    [`id=${HC}&sortBy=state`, `id=${HC}&sortBy=STATE`],
    [`id=${HC}&sortOrder=DESC`, `id=${HC}&sortOrder=desc`],
    [`id=${HC}&sortOrder=Asc`, `id=${HC}`],
    [`id=${HC}&state=CLOSED&state=bogus`, `id=${HC}&state=CLOSED`],
    [`id=${HC}&sortBy=STATE&sortBy=nope`, `id=${HC}&sortBy=STATE`],
    [`id=${HC}&foo=bar&token=x&page=2`, `id=${HC}`],
    [`id=${HC}&state=ALL&sortBy=SENT&sortOrder=asc&offset=0&limit=100`, `id=${HC}`],
  ];
  it.each(equivalent)('?%s answers as ?%s', async (a, b) => {
    const [ra, rb] = [await q(a), await q(b)];
    expect(ra.status).toBe(200);
    expect(ra.text).toBe(rb.text);
  });

  const clamps: [string, number][] = [
    ['0', 1],
    ['-5', 1],
    ['1', 1],
    ['500', 500],
    ['501', 500],
    ['100000', 500],
    ['99999999999999999999999', 500],
  ];
  it.each(clamps)('limit=%s is clamped to %d', async (limit, effective) => {
    const r = await get(big.url, `id=${bigHc}&limit=${limit}`);
    expect(r.status).toBe(200);
    expect(r.json.limit).toBe(effective);
    expect(r.json.cases).toHaveLength(effective);
  });

  it('defaults: limit 100, offset 0, total of all cases', async () => {
    const r = await get(big.url, `id=${bigHc}`);
    expect(r.json).toMatchObject({ offset: 0, limit: 100, total: 1300 });
    expect(r.json.cases).toHaveLength(100);
    expect(Object.keys(r.json)).toEqual(['offset', 'limit', 'total', 'cases']);
  });

  it('an offset past the end gives no cases and the true total', async () => {
    for (const offset of [11, 12, 1000, 9007199254740991]) {
      const r = await q(`id=${HC}&offset=${offset}`);
      expect(r.json).toEqual({ offset, limit: 100, total: 11, cases: [] });
    }
    expect((await q(`id=${HC}&offset=9007199254740992`)).text).toBe(ERR.offset);
  });

  it('total counts the cases in the state, whatever offset and limit', async () => {
    for (const state of ['ALL', 'UNHANDLED', 'HANDLING', 'CLOSED']) {
      const want = TIES.filter((c) => state === 'ALL' || c.state === state).length;
      const r = await q(`id=${HC}&state=${state}&offset=1&limit=1`);
      expect(r.json.total).toBe(want);
      expect(r.json.cases).toHaveLength(want > 1 ? 1 : 0);
    }
  });

  for (const sortBy of ['SENT', 'CREATED', 'STATE']) {
    for (const sortOrder of ['asc', 'desc']) {
      it(`orders by ${sortBy} ${sortOrder}, ties by lower-case id in the same direction`, async () => {
        for (const state of ['ALL', 'UNHANDLED', 'HANDLING', 'CLOSED']) {
          const r = await q(`id=${HC}&state=${state}&sortBy=${sortBy}&sortOrder=${sortOrder}&limit=500`);
          expect(r.json.cases.map((c: Raw) => c._id)).toEqual(expectedIds(TIES, state, sortBy, sortOrder));
          // pages of 3 concatenate to the same order
          const pages: string[] = [];
          for (let offset = 0; offset < r.json.total; offset += 3) {
            const p = await q(`id=${HC}&state=${state}&sortBy=${sortBy}&sortOrder=${sortOrder}&limit=3&offset=${offset}`);
            pages.push(...p.json.cases.map((c: Raw) => c._id));
          }
          expect(pages).toEqual(expectedIds(TIES, state, sortBy, sortOrder));
        }
        // the generated world: 3 pages of 500 concatenate to the independently computed order
        const all = big.world.cases(bigHc) as unknown as Raw[];
        const got: string[] = [];
        for (let offset = 0; offset < all.length; offset += 500) {
          const p = await get(big.url, `id=${bigHc}&sortBy=${sortBy}&sortOrder=${sortOrder}&limit=500&offset=${offset}`);
          got.push(...p.json.cases.map((c: Raw) => c._id));
        }
        expect(got).toEqual(expectedIds(all, 'ALL', sortBy, sortOrder));
      });
    }
  }

  it('the ties world really has the ties it claims', () => {
    expect(expectedIds(TIES, 'ALL', 'SENT', 'asc').slice(-6)).toEqual([
      '6610000000000000000000c1',
      '6650000000000000000000aa',
      '6650000000000000000000BB',
      '6650000000000000000000Ab',
      '6650000000000000000000a0', // no messages: its id's time, 2024-05-24
      '66600000000000000000000E',
    ]);
    // string order of sent would put dd after aa: instant order puts it before
    const ids = expectedIds(TIES, 'ALL', 'SENT', 'asc');
    expect(ids.indexOf('6660000000000000000000dd')).toBeLessThan(ids.indexOf('6650000000000000000000aa'));
    expect(ids.indexOf('6630000000000000000000ff')).toBe(ids.indexOf('6640000000000000000000cc') - 1);
  });

  it('returns each case exactly as stored: every field, message order kept', async () => {
    const r = await q(`id=${HC}&sortBy=CREATED&limit=500`);
    const byId = new Map(TIES.map((c) => [c._id, c]));
    for (const c of r.json.cases as Raw[]) expect(c).toEqual(byId.get(c._id));
  });

  it('HEAD answers like GET without a body', async () => {
    const res = await fetch(`${sim.url}/helpcenter/case?id=${HC}`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    const full = await q(`id=${HC}`);
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(full.text));
    expect((await fetch(`${sim.url}/helpcenter/case?id=nope`, { method: 'HEAD' })).status).toBe(422);
  });

  it('an unknown helpcenter (well-formed id) is denied', async () => {
    const r = await q(`id=${OTHER_HC}`);
    expect(r.status).toBe(403);
    expect(r.text).toBe(ERR.access_denied);
  });

  it('unknown paths are 404, other methods 405', async () => {
    for (const path of ['/', '/helpcenter/cases', '/helpcenter/case/x', '/HELPCENTER/CASE']) {
      const r = await q(`id=${HC}`, { path });
      expect(r.status).toBe(404);
      expect(r.json).toMatchObject({ error: 'not_found' });
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const r = await q(`id=${HC}`, { method, body: method === 'DELETE' ? null : '{}' });
      expect(r.status).toBe(405);
      expect(r.json).toMatchObject({ error: 'method_not_allowed' });
      expect(r.headers.get('allow')).toBe('GET, HEAD');
    }
  });
});

describe('simulator: token', () => {
  let sim: Simulator;
  let hc: string;
  beforeAll(async () => {
    sim = await Simulator.start({ seed: 2, helpcenters: 1, cases: 5, token: 's3cret' });
    hc = sim.world.helpcenterIds()[0] as string;
  });
  afterAll(() => sim.close());

  const cases: [string, string, Record<string, string>, number][] = [
    ['no token', '', {}, 403],
    ['a wrong Bearer header', '', { authorization: 'Bearer nope' }, 403],
    ['a wrong token parameter', '&token=nope', {}, 403],
    ['the token without the Bearer scheme', '', { authorization: 's3cret' }, 403],
    ['the Bearer header', '', { authorization: 'Bearer s3cret' }, 200],
    ['a lower-case scheme', '', { authorization: 'bearer s3cret' }, 200],
    ['the token parameter', '&token=s3cret', {}, 200],
    ['a wrong header but the right parameter', '&token=s3cret', { authorization: 'Bearer nope' }, 200],
  ];
  it.each(cases)('%s → %d', async (_name, extra, headers, status) => {
    const r = await get(sim.url, `id=${hc}${extra}`, { headers });
    expect(r.status).toBe(status);
    if (status === 403) expect(r.text).toBe(ERR.access_denied);
    else expect(r.json.total).toBe(5);
  });

  it('checks the token before the parameters', async () => {
    expect((await get(sim.url, 'id=bad&state=bogus')).text).toBe(ERR.access_denied);
    expect((await get(sim.url, 'id=bad', { headers: { authorization: 'Bearer s3cret' } })).text).toBe(ERR.id);
  });
});
