import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, RemoteRejectedError, TransientError, UpstreamError } from '../contract/errors.js';
import { Simulator } from '../sim/index.js';
import { RemoteClient, type ClientOptions } from '../worker/client.js';
import { freePort } from './setup/redis.js';

/** Real HTTP over loopback against the simulator and tiny node servers; no mocks. */

const TOKEN = 'tOk-3nTr0py-Zq9!x/y+z';
const fast: Partial<ClientOptions> = { baseDelayMs: 5, maxDelayMs: 20, random: () => 0.5 };

/** Messages of an error and of every cause below it. */
function messages(e: unknown): string[] {
  const out: string[] = [];
  for (let c: unknown = e; c instanceof Error; c = c.cause) out.push(c.message, String(c.stack ?? ''));
  return out;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

interface Seen {
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** A node:http server answering with `reply`, recording what it was sent. */
async function tinyServer(reply: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    reply(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections(); // keep-alive sockets would hold close() open
      }),
  };
}

const clients: RemoteClient[] = [];
function client(opts: ClientOptions): RemoteClient {
  const c = new RemoteClient(opts);
  clients.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

describe('RemoteClient against the simulator', () => {
  let sim: Simulator;
  let hc: string;
  beforeAll(async () => {
    sim = await Simulator.start({ seed: 1, helpcenters: 1, cases: 50 });
    hc = sim.world.helpcenterIds()[0]!;
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.faults.script = [];
    sim.resetCounters();
  });

  it('reads a page: cases validated with their sort keys, counts and size reported', async () => {
    const c = client({ baseUrl: sim.url, ...fast });
    const page = await c.listCases({ id: hc, sortBy: 'CREATED', limit: 20 });
    expect(page).toMatchObject({ offset: 0, limit: 20, total: 50, attempts: 1, rejected: [] });
    expect(page.cases).toHaveLength(20);
    expect(page.cases[0]!.keys.id).toBe(page.cases[0]!.case._id.toLowerCase());
    expect(page.bytes).toBeGreaterThan(1000);
    expect(c.requests).toBe(1);
  });

  /** the error each simulator fault is classified as (html is nginx's 502 page) */
  const FAULT_CODES = {
    error500: 'E_HTTP_5XX',
    tooMany: 'E_RATE_LIMITED',
    reset: 'E_NETWORK',
    truncate: 'E_NETWORK',
    html: 'E_HTTP_5XX',
    badShape: 'E_BAD_BODY',
  } as const;
  const KINDS = Object.keys(FAULT_CODES) as (keyof typeof FAULT_CODES)[];

  for (const kind of KINDS) {
    it(`survives one ${kind} with exactly one retry`, async () => {
      sim.faults.retryAfter = { form: 'seconds', seconds: 0 };
      sim.faults.script = [kind, 'ok'];
      const retried: string[] = [];
      const c = client({ baseUrl: sim.url, ...fast, onRetry: (e) => retried.push(e.error.code) });
      const page = await c.listCases({ id: hc, limit: 10 });
      expect(page.cases).toHaveLength(10);
      expect(page.attempts).toBe(2);
      expect(c.requests).toBe(2);
      expect(sim.counters.requests).toBe(2);
      expect(retried).toEqual([FAULT_CODES[kind]]);
    });
  }

  it('survives every fault kind in a row within the attempt budget', async () => {
    sim.faults.retryAfter = { form: 'seconds', seconds: 0 };
    sim.faults.script = [...KINDS, 'ok'];
    const codes: string[] = [];
    const c = client({ baseUrl: sim.url, ...fast, attempts: 7, onRetry: (e) => codes.push(e.error.code) });
    const page = await c.listCases({ id: hc });
    expect(page.attempts).toBe(7);
    expect(c.requests).toBe(7);
    expect(sim.counters.requests).toBe(7);
    expect(codes).toEqual(KINDS.map((k) => FAULT_CODES[k]));
  });

  for (const form of ['seconds', 'date'] as const) {
    it(`honours Retry-After as ${form}`, async () => {
      sim.faults.retryAfter = { form, seconds: 1 };
      sim.faults.script = ['tooMany', 'ok'];
      const delays: number[] = [];
      const c = client({ baseUrl: sim.url, ...fast, onRetry: (e) => delays.push(e.delayMs) });
      const t0 = performance.now();
      const page = await c.listCases({ id: hc });
      const elapsed = performance.now() - t0;
      expect(page.attempts).toBe(2);
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(delays[0]).toBeGreaterThan(900);
      // the simulator rounds a date up to the next whole second
      expect(delays[0]).toBeLessThanOrEqual(form === 'seconds' ? 1000 : 2000);
    });
  }

  it('gives up at once when Retry-After exceeds the remaining time', async () => {
    sim.faults.retryAfter = { form: 'seconds', seconds: 1 };
    sim.faults.script = ['tooMany', 'ok'];
    const c = client({ baseUrl: sim.url, ...fast, totalTimeMs: 500 });
    const t0 = performance.now();
    const e = await failure(c.listCases({ id: hc }));
    expect(performance.now() - t0).toBeLessThan(400);
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as UpstreamError).last.code).toBe('E_RATE_LIMITED');
    expect(e.message).toMatch(/^upstream unavailable after 1 attempt in \d+\.\d s: HTTP 429.*asked to retry after 1\.0 s/);
    expect(c.requests).toBe(1);
  });

  it('fails a permanently failing upstream within the attempt bound, in one line', async () => {
    sim.faults.error500 = 1;
    try {
      const c = client({ baseUrl: sim.url, ...fast, attempts: 4, totalTimeMs: 2000 });
      const t0 = performance.now();
      const e = await failure(c.listCases({ id: hc }));
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(e).toBeInstanceOf(UpstreamError);
      expect(e).toMatchObject({ code: 'E_UPSTREAM', attempts: 4 });
      expect(e.message).toMatch(/^upstream unavailable after 4 attempts in \d+\.\d s: HTTP 500 internal_error/);
      expect(e.message).not.toContain('\n');
      expect(c.requests).toBe(4);
      expect(sim.counters.requests).toBe(4);
    } finally {
      sim.faults.error500 = 0;
    }
  });

  it('reports an invalid case with its reason and returns the rest of the page', async () => {
    const s2 = await Simulator.start({ seed: 2, helpcenters: 1, cases: 5 });
    try {
      const id2 = s2.world.helpcenterIds()[0]!;
      s2.world.injectRaw(id2, { _id: 'not-an-object-id', state: 'HANDLING', subject: 'broken' });
      const c = client({ baseUrl: s2.url, ...fast });
      const page = await c.listCases({ id: id2, sortBy: 'CREATED' });
      expect(page.cases).toHaveLength(5);
      expect(page.rejected).toEqual([
        { id: 'not-an-object-id', reason: '_id is not 24 hex characters', raw: expect.objectContaining({ subject: 'broken' }) },
      ]);
    } finally {
      await s2.close();
    }
  });

  it('fails a bad helpcenter id at once with RemoteRejectedError', async () => {
    const c = client({ baseUrl: sim.url, ...fast });
    const e = await failure(c.listCases({ id: 'not-a-helpcenter' }));
    expect(e).toBeInstanceOf(RemoteRejectedError);
    expect(e).toMatchObject({ code: 'E_REMOTE_REJECTED', status: 422, key: 'id' });
    expect(e.message).toBe('remote rejected the helpcenter id (422 id: Invalid helpcenterId)');
    expect(c.requests).toBe(1);
    expect(sim.counters.requests).toBe(1);
  });

  it('rawList sends the query as given and returns status and parsed body, without retrying', async () => {
    const c = client({ baseUrl: sim.url, ...fast });
    const r = await c.rawList(new URLSearchParams({ id: hc, sortBy: 'SENDT' }));
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ error: 'sortBy' });
    sim.faults.script = ['html'];
    const h = await c.rawList(new URLSearchParams({ id: hc }));
    expect(typeof h.body).toBe('string');
    expect(c.requests).toBe(2);
  });

  it('stops waiting as soon as the signal aborts', async () => {
    sim.faults.script = ['error500', 'ok'];
    const c = client({ baseUrl: sim.url, baseDelayMs: 10_000, maxDelayMs: 10_000, random: () => 0.9 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('stop')), 100);
    const t0 = performance.now();
    const e = await failure(c.listCases({ id: hc }, ac.signal));
    expect(e.message).toBe('stop');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(c.requests).toBe(1);
  });
});

describe('RemoteClient and the token', () => {
  let sim: Simulator;
  let hc: string;
  beforeAll(async () => {
    sim = await Simulator.start({ seed: 3, helpcenters: 1, cases: 3, token: TOKEN });
    hc = sim.world.helpcenterIds()[0]!;
  });
  afterAll(async () => {
    await sim.close();
  });

  for (const tokenIn of ['header', 'query'] as const) {
    it(`is accepted in ${tokenIn} mode`, async () => {
      const c = client({ baseUrl: sim.url, token: TOKEN, tokenIn, ...fast });
      expect((await c.listCases({ id: hc })).total).toBe(3);
    });

    it(`a wrong token (${tokenIn} mode) fails at once with AuthError suggesting the other mode`, async () => {
      const c = client({ baseUrl: sim.url, token: 'wrong-token', tokenIn, ...fast });
      const e = await failure(c.listCases({ id: hc }));
      expect(e).toBeInstanceOf(AuthError);
      expect(e).toMatchObject({ code: 'E_AUTH', status: 403, key: 'access_denied' });
      expect(e.message).toContain('remote rejected the token (403 access_denied: Insufficient access level)');
      expect(e.message).toContain(`try --token-in ${tokenIn === 'header' ? 'query' : 'header'}`);
      expect(c.requests).toBe(1);
    });
  }

  it('never shows the token: errors, causes and onRetry payloads, in both modes', async () => {
    // a server that echoes what it got (URL and Authorization) in every error body
    const echo = await tinyServer((req, res) => {
      const said = `${req.url} ${req.headers.authorization ?? ''}`;
      const n = echo.seen.length;
      if (n % 3 === 1) res.writeHead(500, { 'content-type': 'text/html' }).end(`<h1>Error</h1><p>${said}</p>`);
      else if (n % 3 === 2) res.writeHead(200, { 'content-type': 'text/plain' }).end(`not json ${said}`);
      else res.writeHead(403).end(JSON.stringify({ error: 'access_denied', description: said }));
    });
    const dead = await freePort();
    const shown: string[] = [];
    try {
      for (const tokenIn of ['header', 'query'] as const) {
        for (const baseUrl of [echo.url, `http://127.0.0.1:${dead}`]) {
          const onRetry: ClientOptions['onRetry'] = (e) => shown.push(JSON.stringify({ ...e, error: { ...e.error } }), ...messages(e.error));
          const c = client({ baseUrl, token: TOKEN, tokenIn, ...fast, attempts: 3, onRetry });
          shown.push(...messages(await failure(c.listCases({ id: hc }))));
          shown.push(...messages(await failure(c.listCases({ id: hc }))));
        }
      }
      // the token as sent in the query string (form-encoded) and as percent-encoded
      const forms = [TOKEN, new URLSearchParams({ t: TOKEN }).toString().slice(2), encodeURIComponent(TOKEN)];
      expect(echo.seen.some((s) => s.url.includes(`token=${forms[1]}`))).toBe(true);
      expect(echo.seen.some((s) => s.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
      expect(shown.length).toBeGreaterThan(10);
      for (const s of shown) for (const f of forms) expect(s).not.toContain(f);
    } finally {
      await echo.close();
    }
  });
});

describe('RemoteClient over plain sockets', () => {
  it('sends the token as a Bearer header or as the token parameter, with User-Agent and Accept, under a base path', async () => {
    const srv = await tinyServer((_req, res) => res.writeHead(200).end('{"offset":0,"limit":100,"total":0,"cases":[]}'));
    try {
      const id = 'a'.repeat(24);
      await client({ baseUrl: `${srv.url}/api/v1/`, token: 'T1' }).listCases({ id });
      await client({ baseUrl: srv.url, token: 'T2', tokenIn: 'query' }).listCases({ id, limit: 5 });
      const [h, q] = srv.seen;
      expect(h!.url).toBe(`/api/v1/helpcenter/case?id=${id}`);
      expect(h!.headers.authorization).toBe('Bearer T1');
      expect(h!.headers['user-agent']).toMatch(/^hcsync\/\d+\.\d+\.\d+/);
      expect(h!.headers.accept).toBe('application/json');
      expect(q!.url).toBe(`/helpcenter/case?id=${id}&limit=5&token=T2`);
      expect(q!.headers.authorization).toBeUndefined();
    } finally {
      await srv.close();
    }
  });

  it('accepts any error body: other JSON, text, HTML, empty', async () => {
    const replies: [number, string, string][] = [
      [404, 'text/plain', 'Not here'],
      [401, 'application/json', '{"error":"expired","description":"Session has expired, please login"}'],
      [401, 'application/json', '{"error":"invalid_token","description":"IP address not authenticated"}'],
      [403, 'application/json', '{"message":"forbidden by policy"}'],
      [401, 'text/plain', ''],
      [422, 'text/html', `<html><body><h1>Unprocessable</h1>${'x'.repeat(500)}</body></html>`],
    ];
    let i = 0;
    const srv = await tinyServer((_req, res) => {
      const [status, type, body] = replies[i++]!;
      res.writeHead(status, { 'content-type': type }).end(body);
    });
    try {
      const c = client({ baseUrl: srv.url, token: 'T', ...fast });
      const id = 'b'.repeat(24);
      const errs = [];
      for (let k = 0; k < replies.length; k++) errs.push(await failure(c.listCases({ id })));
      expect(c.requests).toBe(replies.length);
      expect(errs.map((e) => e.constructor)).toEqual([RemoteRejectedError, AuthError, AuthError, AuthError, AuthError, RemoteRejectedError]);
      expect(errs[0]!.message).toBe(`remote answered 404: Not here for ${srv.url}/helpcenter/case — check --base-url`);
      expect(errs[1]!.message).toMatch(/^remote rejected the token \(401 expired: Session has expired, please login\) — the token has expired/);
      expect(errs[2]!.message).toMatch(/bound to another IP address/);
      expect(errs[3]!.message).toMatch(/^remote rejected the token \(403: forbidden by policy\)/);
      expect(errs[4]!.message).toMatch(/^remote rejected the token \(401: Unauthorized\)/);
      expect(errs[5]!.message).toMatch(/^remote rejected the request \(422: Unprocessable x+…\)$/);
      for (const e of errs) expect(e.message).not.toContain('\n');
    } finally {
      await srv.close();
    }
  });

  it('fails against a closed port within the bound', async () => {
    const port = await freePort();
    const c = client({ baseUrl: `http://127.0.0.1:${port}`, ...fast, attempts: 4, totalTimeMs: 2000 });
    const e = await failure(c.listCases({ id: 'c'.repeat(24) }));
    expect(e).toBeInstanceOf(UpstreamError);
    expect((e as UpstreamError).last.code).toBe('E_NETWORK');
    expect(e.message).toMatch(/^upstream unavailable after 4 attempts in \d+\.\d s: network error talking to 127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    expect(c.requests).toBe(4);
  });

  describe('a black hole (accepts, never answers)', () => {
    let hole: net.Server;
    let url: string;
    const sockets = new Set<net.Socket>();
    beforeAll(async () => {
      hole = net.createServer((s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(hole.address() as net.AddressInfo).port}`;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => hole.close(r));
    });

    it('trips the headers timeout on every attempt', async () => {
      const c = client({ baseUrl: url, ...fast, headersTimeoutMs: 200, attempts: 2 });
      const t0 = performance.now();
      const e = await failure(c.listCases({ id: 'd'.repeat(24) }));
      const elapsed = performance.now() - t0;
      expect(e).toBeInstanceOf(UpstreamError);
      expect((e as UpstreamError).last).toBeInstanceOf(TransientError);
      expect((e as UpstreamError).last.code).toBe('E_TIMEOUT');
      expect(e.message).toContain('no response headers within 200 ms');
      // undici's header timer runs on a coarse clock: up to ~1 s late per attempt
      expect(elapsed).toBeGreaterThanOrEqual(380);
      expect(elapsed).toBeLessThan(4000);
      expect(c.requests).toBe(2);
    });

    it('cuts a hanging attempt at the total bound', async () => {
      const c = client({ baseUrl: url, ...fast, totalTimeMs: 500 });
      const t0 = performance.now();
      const e = await failure(c.listCases({ id: 'd'.repeat(24) }));
      const elapsed = performance.now() - t0;
      expect(e).toBeInstanceOf(UpstreamError);
      expect((e as UpstreamError).last.code).toBe('E_TIMEOUT');
      expect(elapsed).toBeGreaterThanOrEqual(450);
      expect(elapsed).toBeLessThan(1500);
    });
  });
});
