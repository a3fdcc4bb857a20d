import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../contract/errors.js';
import type { Case, CaseState, Message } from '../contract/types.js';
import { validateCase } from '../contract/validate.js';
import { DEFAULT_SEARCH_TUNING, TOTAL_CAP, searchCases, type SearchOptions } from '../query/search.js';
import { Store, zeroCounters, type PageWrite } from '../store/index.js';
import { ROOT, runCli, withTempDir } from './helpers.js';

const HC = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const HC2 = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 1);

/** A case whose `_id` encodes its number (creation = T0 + n days), messages one day apart from creation. */
function mkCase(n: number, fields: Partial<Case> & { bodies?: string[] } = {}): Case {
  const { bodies = [], ...rest } = fields;
  const created = T0 + n * DAY;
  const id = Math.floor(created / 1000).toString(16).padStart(8, '0') + n.toString(16).padStart(16, '0');
  const messages: Message[] = bodies.map((content, i) => ({ content, sent: new Date(created + (i + 1) * DAY).toISOString(), type: 'INCOMING' }));
  return { _id: id, caseNumber: n, subject: `Sag ${n}`, state: 'CLOSED', customerName: 'Kunde', messages, ...rest };
}

/** Write cases as one committed page, as the sync does (keys via the contract's validation). */
function write(store: Store, cases: readonly Case[], opts: { helpcenter?: string; verified?: PageWrite['verified'] } = {}): { hc: number; runId: number } {
  const hc = store.runs.ensureHelpcenter(opts.helpcenter ?? HC);
  const runId = store.runs.startRun(hc, 'full', 'test', Date.now(), null);
  const delivered = cases.map((c) => {
    const v = validateCase(c);
    if (!v.ok) throw new Error(v.reason);
    return { case: v.case, keys: v.keys, json: JSON.stringify(c), warnings: v.warnings };
  });
  const w: PageWrite = { hc, runId, nowMs: Date.now(), cases: delivered, rejected: [], progress: () => zeroCounters(), checkpoint: null };
  if (opts.verified) w.verified = opts.verified;
  store.writePage(w);
  return { hc, runId };
}

async function withStore<T>(cases: readonly Case[], fn: (store: Store, file: string) => T | Promise<T>): Promise<T> {
  return withTempDir(async (dir) => {
    const file = path.join(dir, 'search.db');
    const store = new Store(file);
    try {
      write(store, cases);
      return await fn(store, file);
    } finally {
      store.close();
    }
  });
}

/** Cases without the test's words: bm25's idf needs a corpus where a word is not in half of the rows. */
const FILLER = Array.from({ length: 8 }, (_, i) => mkCase(50 + i, { subject: 'Diverse', bodies: ['intet at se her', 'tak for hjælpen'] }));

const ids = (store: Store, opts: Omit<SearchOptions, 'query'> & { query: string }): number[] =>
  searchCases(store, opts).hits.map((h) => Number.parseInt(h._id.slice(8), 16));

describe('searchCases: ranking', () => {
  it('ranks a subject hit above a body-only hit, and a customer hit above a body-only hit', async () => {
    const cases = [
      mkCase(1, { subject: 'Spørgsmål', bodies: ['Min router blinker rødt hele tiden, router router'] }),
      mkCase(2, { subject: 'Router blinker', bodies: ['Hjælp'] }),
      mkCase(3, { subject: 'Andet', company: 'Router Huset ApS', bodies: ['Intet'] }),
      ...FILLER,
    ];
    await withStore(cases, (store) => {
      const r = searchCases(store, { query: 'router' });
      expect(r.total).toBe(3);
      // subject (weight 2) before customer (weight 1), both tier 2; the message-only case last, tier 1
      expect(r.hits.map((h) => h.caseNumber)).toEqual([2, 3, 1]);
      expect(r.hits[0]!.score).toBeGreaterThan(2);
      expect(r.hits[1]!.score).toBeGreaterThan(2);
      expect(r.hits[0]!.score).toBeGreaterThan(r.hits[1]!.score);
      expect(r.hits[2]!.score).toBeGreaterThan(1);
      expect(r.hits[2]!.score).toBeLessThan(2);
    });
  });

  it('ranks within messages by bm25 and breaks ties by the newest row', async () => {
    const cases = [
      mkCase(1, { bodies: ['fiber er nede i dag og vi venter på en tekniker som kommer senere i denne uge'] }),
      mkCase(2, { bodies: ['fiber fiber nede'] }),
      mkCase(3, { bodies: ['fiber er nede i dag og vi venter på en tekniker som kommer senere i denne uge'] }),
      ...FILLER,
    ];
    await withStore(cases, (store) => {
      // 2 is short and says it twice; 1 and 3 tie, the newer row (3) first
      const hits = searchCases(store, { query: 'fiber' }).hits;
      expect(hits.map((h) => h.caseNumber)).toEqual([2, 3, 1]);
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
      expect(hits[1]!.score).toBe(hits[2]!.score);
    });
  });

  it('requires every word in the same place (subject+customer, or one message)', async () => {
    const cases = [
      mkCase(1, { subject: 'Fiber', bodies: ['router'] }),
      mkCase(2, { bodies: ['fiber', 'router'] }),
      mkCase(3, { bodies: ['fiber og router'] }),
      mkCase(4, { subject: 'Fiber router' }),
    ];
    await withStore(cases, (store) => {
      expect(ids(store, { query: 'fiber router' })).toEqual([4, 3]);
      expect(ids(store, { query: '"router fiber"' })).toEqual([]);
      expect(ids(store, { query: '"fiber router"' })).toEqual([4]);
    });
  });

  it('returns the fields of a hit and a marked snippet of the best message', async () => {
    const c = mkCase(7, {
      _id: 'ABCDEF0123456789ABCDEF01',
      subject: 'Faktura',
      state: 'HANDLING',
      bodies: ['Hej, jeg har et spørgsmål om noget helt andet.', 'Min faktura for marts er for høj, kan I se på den?'],
    });
    await withStore([c], (store) => {
      const r = searchCases(store, { query: 'marts', helpcenter: HC });
      expect(r).toEqual({
        total: 1,
        hits: [
          {
            _id: 'ABCDEF0123456789ABCDEF01',
            caseNumber: 7,
            subject: 'Faktura',
            state: 'HANDLING',
            lastActivity: '2025-01-10T00:00:00.000Z',
            helpcenter: HC,
            score: expect.any(Number) as number,
            snippet: 'Min faktura for [marts] er for høj, kan I se på den?',
          },
        ],
      });
      // a subject-only hit shows the message with most query words, marks as asked
      const s = searchCases(store, { query: 'faktura', marks: ['<', '>'] });
      expect(s.hits[0]!.snippet).toBe('Min <faktura> for marts er for høj, kan I se på den?');
    });
  });
});

describe('searchCases: words', () => {
  const danish = [
    mkCase(1, { bodies: ['Skærmen går i sort'] }),
    mkCase(2, { bodies: ['Der er en gar i teksten'] }),
    mkCase(3, { bodies: ['Huset ligger ved en sø'] }),
    mkCase(4, { bodies: ['So what'] }),
    mkCase(5, { bodies: ['Kontoret i Århus'] }),
    mkCase(6, { bodies: ['Kontoret i Arhus'] }),
    mkCase(7, { bodies: ['Et æble'] }),
    mkCase(8, { bodies: ['Et aeble'] }),
  ];

  it('keeps æ, ø and å distinct letters: each word finds itself, not its look-alike', async () => {
    const expected: [string, number][] = [['går', 1], ['gar', 2], ['sø', 3], ['so', 4], ['ÅRHUS', 5], ['arhus', 6], ['æble', 7], ['aeble', 8]];
    await withStore(danish, (store) => {
      for (const [query, n] of expected) expect(ids(store, { query }), query).toEqual([n]);
    });
  });

  it('folds other accents on both sides', async () => {
    const cases = [
      mkCase(1, { subject: 'Møde på Café Luna', bodies: ['x'] }),
      mkCase(2, { bodies: ['Vi ses på cafe\u0301en i München'] }),
      mkCase(3, { bodies: ['naive resume'] }),
    ];
    await withStore(cases, (store) => {
      expect(ids(store, { query: '"cafe"' })).toEqual([1]);
      expect(ids(store, { query: 'CAFÉ' })).toEqual([1, 2]); // prefix: caféen
      expect(ids(store, { query: 'munchen' })).toEqual([2]);
      expect(ids(store, { query: 'naïve résumé' })).toEqual([3]);
    });
  });

  it('the last word is a prefix from 3 characters; word* anywhere; "quoted" is exact', async () => {
    const cases = [
      mkCase(1, { bodies: ['Fakturaen er forkert'] }),
      mkCase(2, { bodies: ['Fakturanummer mangler'] }),
      mkCase(3, { bodies: ['Faktura'] }),
      mkCase(4, { bodies: ['Fa fa fa'] }),
    ];
    await withStore(cases, (store) => {
      expect(ids(store, { query: 'faktura' }).sort()).toEqual([1, 2, 3]);
      expect(ids(store, { query: 'fak' }).sort()).toEqual([1, 2, 3]);
      expect(ids(store, { query: '"faktura"' })).toEqual([3]);
      expect(ids(store, { query: 'faktura* forkert' })).toEqual([1]);
      expect(ids(store, { query: 'faktura forkert' })).toEqual([]); // only the last word is a prefix
      expect(ids(store, { query: 'fa' })).toEqual([4]); // too short to be a prefix
    });
  });

  it('does not expand a very common last word (cost bound), and says so through the tuning', async () => {
    const cases = [mkCase(1, { bodies: ['fiber'] }), mkCase(2, { bodies: ['fiberboks'] }), mkCase(3, { bodies: ['fiber igen'] })];
    await withStore(cases, (store) => {
      expect(ids(store, { query: 'fiber' }).sort()).toEqual([1, 2, 3]);
      const common = { ...DEFAULT_SEARCH_TUNING, prefixRows: 1 };
      expect(searchCases(store, { query: 'fiber' }, common).hits.map((h) => h.caseNumber).sort()).toEqual([1, 3]);
    });
  });

  it('finds phone numbers by 6 middle digits (with or without spaces) and e-mail addresses by their name part', async () => {
    const cases = [
      mkCase(1, { phoneNumber: '+45 88 12 34 56', emailAddress: 'Jens.Hansen@Firma.dk' }),
      mkCase(2, { phoneNumber: '+4520304050', emailAddress: 'mette_k@gmail.com' }),
      mkCase(3, { bodies: ['ring til 88123456'] }),
    ];
    await withStore(cases, (store) => {
      expect(ids(store, { query: '812345' })).toEqual([1]);
      expect(ids(store, { query: '81 23 45' })).toEqual([1]);
      expect(ids(store, { query: '030405' })).toEqual([2]);
      expect(ids(store, { query: 'jens.hansen' })).toEqual([1]);
      expect(ids(store, { query: 'hansen@firma' })).toEqual([1]);
      expect(ids(store, { query: 'mette_k' })).toEqual([2]);
      expect(ids(store, { query: 'gmail.com' })).toEqual([2]);
      // the contact match ranks first (tier 3), the message with the whole number after
      const r = searchCases(store, { query: '88123456' });
      expect(r.hits.map((h) => [h.caseNumber, Math.floor(h.score)])).toEqual([[1, 3], [3, 1]]);
    });
  });

  it('never fails on hostile input: results or an empty list', async () => {
    const cases = [mkCase(1, { subject: 'Router', bodies: ['a near router fiber and or not'] })];
    const hostile = [
      '"', '""', '"router', 'router"', '*', '**router', 'router*"', ':', 'subject:router', '-router', '--', '(router',
      'router)', 'NEAR(router fiber)', 'NEAR(', 'router AND', 'OR router', 'NOT', 'AND OR NOT', "'; DROP TABLE cases; --",
      "router' OR '1'='1", '%', '_', '\\', '\u0000router', '^router', '{subject}: router', '+router', '#1', '@', '🚀 router',
      'r'.repeat(5000), Array.from({ length: 200 }, (_, i) => `w${i}`).join(' '), 'router "fiber', '"*"', "'", '`router`',
    ];
    await withStore(cases, (store) => {
      for (const q of hostile) {
        const r = searchCases(store, { query: q });
        expect(Array.isArray(r.hits), q).toBe(true);
        expect(r.total, q).toBe(r.hits.length);
      }
      expect(searchCases(store, { query: "'; DROP TABLE cases; --" }).total).toBe(0);
      expect(ids(store, { query: '(router' })).toEqual([1]);
      expect(ids(store, { query: 'NEAR(router fiber)' })).toEqual([1]); // the phrase "near router", then fiber: plain words
      expect(ids(store, { query: '-router' })).toEqual([1]); // `-` is punctuation, not an operator
      expect(store.db.prepare('SELECT count(*) AS n FROM cases').get()).toEqual({ n: 1 });
    });
  });

  it('an empty query (after cleaning) gives an empty result', async () => {
    await withStore([mkCase(1, { bodies: ['x'] })], (store) => {
      expect(searchCases(store, { query: ' "" *** ' })).toEqual({ total: 0, hits: [] });
    });
  });
});

describe('searchCases: scope', () => {
  const dated = (n: number, state: CaseState, day: string): Case =>
    mkCase(n, { state, messages: [{ content: 'router problem', sent: `${day}T12:00:00Z`, type: 'INCOMING' }] });
  const cases = [dated(1, 'UNHANDLED', '2025-01-10'), dated(2, 'HANDLING', '2025-03-01'), dated(3, 'CLOSED', '2025-06-01'), mkCase(4, { bodies: ['fiber'] })];

  it('filters by state and by last activity: since inclusive, until exclusive', async () => {
    await withStore(cases, (store) => {
      const sorted = (o: Omit<SearchOptions, 'query'>) => ids(store, { query: 'router', ...o }).sort();
      expect(sorted({})).toEqual([1, 2, 3]);
      expect(sorted({ state: 'HANDLING' })).toEqual([2]);
      expect(sorted({ state: 'ALL' })).toEqual([1, 2, 3]);
      expect(sorted({ sinceMs: Date.parse('2025-03-01T12:00:00Z') })).toEqual([2, 3]);
      expect(sorted({ untilMs: Date.parse('2025-03-01T12:00:00Z') })).toEqual([1]);
      expect(sorted({ sinceMs: Date.parse('2025-02-01'), untilMs: Date.parse('2025-04-01') })).toEqual([2]);
      expect(sorted({ state: 'CLOSED', untilMs: Date.parse('2025-04-01') })).toEqual([]);
      expect(searchCases(store, { query: 'router', state: 'UNHANDLED' }).total).toBe(1);
    });
  });

  it('searches every helpcenter unless one is named; refuses a never-synced one', async () => {
    await withStore(cases, (store) => {
      write(store, [mkCase(9, { bodies: ['router i den anden'] })], { helpcenter: HC2 });
      expect(ids(store, { query: 'router' }).sort()).toEqual([1, 2, 3, 9]);
      expect(ids(store, { query: 'router', helpcenter: HC2.toUpperCase() })).toEqual([9]);
      expect(ids(store, { query: 'router', helpcenter: HC }).sort()).toEqual([1, 2, 3]);
      expect(searchCases(store, { query: 'router', helpcenter: HC2 }).hits[0]!.helpcenter).toBe(HC2);
      expect(() => searchCases(store, { query: 'router', helpcenter: 'c'.repeat(24) })).toThrow(ApiError);
      expect(() => searchCases(store, { query: 'router', helpcenter: 'nope' })).toThrow(ApiError);
    });
  });

  it('pages with limit and offset over a total that stops counting at TOTAL_CAP', async () => {
    const many = Array.from({ length: TOTAL_CAP + 5 }, (_, i) => mkCase(100 + i, { subject: 'Sag', bodies: [`modem ${i}`] }));
    await withStore(many, (store) => {
      const all = searchCases(store, { query: 'modem', limit: 500 });
      expect(all.total).toBe(TOTAL_CAP);
      expect(all.hits).toHaveLength(500);
      const page = searchCases(store, { query: 'modem', limit: 3, offset: 1 });
      expect(page.hits.map((h) => h._id)).toEqual(all.hits.slice(1, 4).map((h) => h._id));
      expect(searchCases(store, { query: 'modem', limit: 10, offset: TOTAL_CAP }).hits).toHaveLength(5);
      expect(searchCases(store, { query: 'modem 17' }).total).toBe(1);
    });
  });
});

describe('searchCases: unranked (very common words)', () => {
  it('reads newest first, subject/customer matches before message matches, filters still exact', async () => {
    const cases = [
      mkCase(1, { bodies: ['alarm'] }),
      mkCase(2, { subject: 'Alarm', bodies: ['x'] }),
      mkCase(3, { bodies: ['alarm', 'alarm igen'], state: 'HANDLING' }),
      mkCase(4, { bodies: ['alarm'] }),
      mkCase(5, { subject: 'Alarm' }),
    ];
    await withStore(cases, (store) => {
      const tiny = { ...DEFAULT_SEARCH_TUNING, rankRows: 1, chunkRows: 2 };
      const r = searchCases(store, { query: 'alarm' }, tiny);
      expect(r.hits.map((h) => [h.caseNumber, h.score])).toEqual([[5, 2], [2, 2], [4, 1], [3, 1], [1, 1]]);
      expect(r.total).toBe(5);
      // the matched message is the newest one that matched
      expect(r.hits[3]!.snippet).toBe('[alarm] igen');
      expect(searchCases(store, { query: 'alarm', state: 'HANDLING' }, tiny).hits.map((h) => h.caseNumber)).toEqual([3]);
      expect(searchCases(store, { query: 'alarm', limit: 2, offset: 2 }, tiny).hits.map((h) => h.caseNumber)).toEqual([4, 3]);
    });
  });
});

describe('searchCases: the index follows the store', () => {
  it('tombstoned cases are not found; a rewritten case matches its new words only', async () => {
    const a = mkCase(1, { bodies: ['gammel tekst om modem'] });
    const b = mkCase(2, { bodies: ['modem i kælderen'] });
    await withStore([a, b], (store) => {
      expect(ids(store, { query: 'modem' }).sort()).toEqual([1, 2]);
      // a verified complete sweep that no longer sees b tombstones it
      const { hc, runId } = write(store, [a], { verified: { afterId: '', throughId: null, seenIds: [a._id.toLowerCase()] } });
      expect(store.applyTombstones({ sweepId: runId, runId, hc, nowMs: Date.now(), maxDelete: { fraction: 1 } }).deleted).toBe(1);
      expect(ids(store, { query: 'modem' })).toEqual([1]);
      expect(ids(store, { query: 'kælderen' })).toEqual([]);

      // a's first message changes and one is added: old words leave, new ones arrive
      write(store, [{ ...a, subject: 'Ny titel', messages: [{ content: 'ny tekst om router', sent: '2025-01-02T00:00:00.000Z' }, { content: 'og fiber' }] }]);
      expect(ids(store, { query: 'modem' })).toEqual([]);
      expect(ids(store, { query: 'gammel' })).toEqual([]);
      expect(ids(store, { query: '"sag"' })).toEqual([]);
      expect(ids(store, { query: 'router' })).toEqual([1]);
      expect(ids(store, { query: 'fiber' })).toEqual([1]);
      expect(ids(store, { query: 'titel' })).toEqual([1]);

      // b comes back (restored): found again
      write(store, [b]);
      expect(ids(store, { query: 'kælderen' })).toEqual([2]);
    });
  });
});

describe('hcsync search (CLI)', () => {
  it('--json prints {total, hits} with _id; exit 2 on an empty query or a bad flag', async () => {
    if (!existsSync(path.join(ROOT, 'dist', 'cli', 'search.js'))) throw new Error('run `npm run build` first: the CLI tests run dist/');
    await withStore([mkCase(1, { subject: 'Router', bodies: ['min router er nede'] }), mkCase(2, { bodies: ['fiber'] })], async (store, file) => {
      store.close();
      const r = await runCli(['search', 'router', '--json', '--db', file]);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { total: number; hits: Record<string, unknown>[] };
      expect(Object.keys(out)).toEqual(['total', 'hits']);
      expect(out.total).toBe(1);
      expect(out.hits[0]).toMatchObject({ _id: mkCase(1)._id, caseNumber: 1, subject: 'Router', state: 'CLOSED', helpcenter: HC, snippet: 'min [router] er nede' });

      const table = await runCli(['search', 'min', 'router', '--db', file, '--helpcenter', HC]);
      expect(table.code).toBe(0);
      expect(table.stdout).toContain('min [router] er nede');
      expect(table.stdout).toMatch(/hits 1-1 of 1 matching cases/);

      for (const args of [['"***"'], ['--', '-'], ['router', '--state', 'OPEN'], ['router', '--since', 'yesterday'], ['router', '--limit', '0']]) {
        const bad = await runCli(['search', '--db', file, ...args]);
        expect(bad.code, args.join(' ')).toBe(2);
        expect(bad.stderr).toMatch(/^hcsync: /);
        expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      }
      const hostile = await runCli(['search', '--json', '--db', file, '--', "'; DROP TABLE cases; --", 'NEAR(', '"']);
      expect(hostile.code).toBe(0);
      expect(JSON.parse(hostile.stdout)).toEqual({ total: 0, hits: [] });
    });
  });
});
