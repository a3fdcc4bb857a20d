import http from 'node:http';
import type { Socket } from 'node:net';
import { ApiError, apiError } from '../contract/errors.js';
import { parseListParams } from '../contract/params.js';
import type { ListParams } from '../contract/types.js';
import { applyWorldQuirks, quirkAfterAnswer, quirkAnswer, quirkText, type Quirks } from './quirks.js';
import { Rng } from './random.js';
import { World } from './world.js';

/**
 * The TelecomX list endpoint over real HTTP on loopback: `GET|HEAD
 * /helpcenter/case` answered by a World, with an optional token and
 * injectable faults (random rates or an exact script).
 */

export type FaultKind = 'ok' | 'error500' | 'tooMany' | 'reset' | 'truncate' | 'html' | 'badShape';

export interface FaultConfig {
  /** rates in [0, 1] per valid list request; one draw decides among them (they add up) */
  error500: number;
  tooMany: number;
  reset: number;
  truncate: number;
  html: number;
  badShape: number;
  /** delay `latencyMs` before answering, with probability `latencyRate` (independent draw) */
  latencyMs: number;
  latencyRate: number;
  /** Retry-After of 429s: delay-seconds, an HTTP-date (rounded up to whole seconds), or alternating */
  retryAfter: { form: 'seconds' | 'date' | 'mixed'; seconds: number };
  /** outcomes of the next valid list requests, one shifted per request, before the rates apply */
  script: FaultKind[];
  /** seed of the fault RNG (read at start) */
  faultSeed: number;
}

export const DEFAULT_FAULTS: Readonly<FaultConfig> = Object.freeze<FaultConfig>({
  error500: 0,
  tooMany: 0,
  reset: 0,
  truncate: 0,
  html: 0,
  badShape: 0,
  latencyMs: 0,
  latencyRate: 0,
  retryAfter: { form: 'seconds', seconds: 1 },
  script: [],
  faultSeed: 1,
});

export interface SimulatorOptions {
  /** the world to serve; else one generated from seed/helpcenters/cases */
  world?: World;
  seed?: number;
  helpcenters?: number;
  /** cases per generated helpcenter (default 1000) */
  cases?: number;
  /** demand this token: `Authorization: Bearer <token>` or `?token=` */
  token?: string;
  host?: string;
  port?: number;
  faults?: Partial<FaultConfig>;
  /** deliberate misbehaviour (sim/quirks.ts); world-level ones are applied to the world at start */
  quirks?: Quirks;
}

export interface SimulatorCounters {
  /** every request received */
  requests: number;
  /** valid list requests (authorised, parameters valid), whatever their outcome */
  list: number;
  byStatus: Record<number, number>;
  faults: Record<string, number>;
  /** when each valid list request arrived (Date.now() ms), in order */
  arrivals: number[];
}

const RANDOM_KINDS = ['error500', 'tooMany', 'reset', 'truncate', 'html', 'badShape'] as const;
const LIST_PATH = '/helpcenter/case';
const HTML_502 = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
const BAD_SHAPES = ['{"ok":true}', '[]', '{"offset":0,"limit":100,"total":"many","cases":null}'];

export class Simulator {
  readonly world: World;
  readonly url: string;
  faults: FaultConfig;
  /** page-level quirks in force; may be changed at any time */
  quirks: Quirks;
  counters: SimulatorCounters = Simulator.zeroCounters();
  /** list answers per helpcenter (quirks that depend on the answer's number) */
  private readonly answers = new Map<string, number>();
  private readonly moved = new Set<string>();
  /** run before answering each valid list request (not for faults that answer no list) */
  beforeList?: (params: ListParams, world: World) => void;
  private readonly token: string | undefined;
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly rng: Rng;
  private tooManyCount = 0;
  private badShapeCount = 0;

  private constructor(world: World, server: http.Server, url: string, token: string | undefined, faults: FaultConfig, quirks: Quirks) {
    this.world = world;
    this.quirks = quirks;
    this.server = server;
    this.url = url;
    this.token = token;
    this.faults = faults;
    this.rng = new Rng(faults.faultSeed, 'faults');
  }

  static async start(opts: SimulatorOptions = {}): Promise<Simulator> {
    const world = opts.world ?? World.generate(opts.seed ?? 1, opts.helpcenters ?? 1, opts.cases ?? 1000);
    const faults: FaultConfig = { ...DEFAULT_FAULTS, retryAfter: { ...DEFAULT_FAULTS.retryAfter }, script: [], ...opts.faults };
    const quirks: Quirks = { ...opts.quirks };
    applyWorldQuirks(world, quirks);
    const server = http.createServer({ keepAlive: true });
    const host = opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    const sim = new Simulator(world, server, `http://${urlHost}:${port}`, opts.token, faults, quirks);
    server.on('connection', (s: Socket) => {
      sim.sockets.add(s);
      s.once('close', () => sim.sockets.delete(s));
    });
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      sim.handle(req, res).catch(() => {
        if (!res.headersSent) sim.send(res, 500, JSON.stringify(apiError('internal_error').body()));
        else res.destroy();
      });
    });
    return sim;
  }

  private static zeroCounters(): SimulatorCounters {
    return { requests: 0, list: 0, byStatus: {}, faults: {}, arrivals: [] };
  }

  resetCounters(): void {
    this.counters = Simulator.zeroCounters();
  }

  /** Stop listening and close every socket, keep-alive ones included. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.counters.requests++;
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return this.sendError(res, apiError('method_not_allowed'));
    }
    if (url.pathname !== LIST_PATH) return this.sendError(res, apiError('not_found'));
    if (this.token !== undefined && !this.authorised(req, url.searchParams)) return this.sendError(res, apiError('access_denied'));
    let params: ListParams;
    try {
      params = parseListParams(url.searchParams);
    } catch (e) {
      if (e instanceof ApiError) return this.sendError(res, e);
      throw e;
    }
    this.counters.list++;
    this.counters.arrivals.push(Date.now());
    const kind = this.decide();
    if (this.rng.next() < this.faults.latencyRate && this.faults.latencyMs > 0) {
      this.count('latency');
      await new Promise((r) => setTimeout(r, this.faults.latencyMs));
    }
    if (kind !== 'ok') this.count(kind);
    switch (kind) {
      case 'error500':
        return this.sendError(res, apiError('internal_error'));
      case 'tooMany':
        res.setHeader('Retry-After', this.retryAfter());
        return this.send(res, 429, JSON.stringify({ error: 'too_many_requests', description: 'Rate limit exceeded' }));
      case 'reset':
        req.socket.destroy();
        return;
      case 'html':
        return this.send(res, 502, HTML_502, 'text/html');
      case 'badShape':
        return this.send(res, 200, BAD_SHAPES[this.badShapeCount++ % BAD_SHAPES.length] as string);
      default:
        break;
    }
    const q = this.quirks;
    if (q.latencyMs) await new Promise((r) => setTimeout(r, q.latencyMs));
    if (q.endlessBody) return this.sendEndless(req, res);
    let body: string;
    try {
      this.beforeList?.(params, this.world);
      const n = (this.answers.get(params.id) ?? 0) + 1;
      this.answers.set(params.id, n);
      body = quirkText(q, JSON.stringify(quirkAnswer(q, params, this.world.list(params), n)));
      quirkAfterAnswer(q, params, this.world, this.moved);
    } catch (e) {
      if (e instanceof ApiError) return this.sendError(res, e);
      throw e;
    }
    if (kind === 'truncate') return this.sendTruncated(req, res, body);
    this.send(res, 200, body);
  }

  /** 200, chunked, a list that never ends: writes until the client goes away. */
  private sendEndless(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.counters.byStatus[200] = (this.counters.byStatus[200] ?? 0) + 1;
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
    const chunk = Buffer.from(`${JSON.stringify({ _id: 'ffffffffffffffffffffffff', state: 'CLOSED', subject: 'x'.repeat(65_000) })},`);
    res.write('{"offset":0,"limit":500,"total":1,"cases":[');
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    req.socket.once('close', () => res.destroy());
    pump();
  }

  private authorised(req: http.IncomingMessage, q: URLSearchParams): boolean {
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer\s+(.+)$/i.exec(h.trim()) : null;
    return m?.[1] === this.token || q.get('token') === this.token;
  }

  /** The script's next outcome, else one draw against the rates (always drawn, so rates don't shift the stream). */
  private decide(): FaultKind {
    const u = this.rng.next();
    const scripted = this.faults.script.shift();
    if (scripted !== undefined) return scripted;
    let acc = 0;
    for (const k of RANDOM_KINDS) if (u < (acc += this.faults[k])) return k;
    return 'ok';
  }

  private retryAfter(): string {
    const { form, seconds } = this.faults.retryAfter;
    const useDate = form === 'date' || (form === 'mixed' && this.tooManyCount % 2 === 1);
    this.tooManyCount++;
    if (!useDate) return String(seconds);
    return new Date(Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000).toUTCString();
  }

  private count(kind: string): void {
    this.counters.faults[kind] = (this.counters.faults[kind] ?? 0) + 1;
  }

  private sendError(res: http.ServerResponse, e: ApiError): void {
    this.send(res, e.status, JSON.stringify(e.body()));
  }

  private send(res: http.ServerResponse, status: number, body: string, type = 'application/json'): void {
    this.counters.byStatus[status] = (this.counters.byStatus[status] ?? 0) + 1;
    const buf = Buffer.from(body, 'utf8');
    res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Content-Length': buf.length });
    res.end(buf);
  }

  /** 200 with the full Content-Length but half the body, then the connection dies. */
  private sendTruncated(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    this.counters.byStatus[200] = (this.counters.byStatus[200] ?? 0) + 1;
    const buf = Buffer.from(body, 'utf8');
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': buf.length });
    if (req.method === 'HEAD') {
      res.flushHeaders();
      setImmediate(() => req.socket.destroy());
      return;
    }
    res.write(buf.subarray(0, Math.floor(buf.length / 2)), () => req.socket.destroy());
  }
}
