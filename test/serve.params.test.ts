import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';
import { get, withHarness, withLocalServer } from './sync.harness.js';

/** Every invalid form of docs/contract.md#parameters, with the key it must be reported under. */
const INVALID: [string, string][] = [
  ['', 'id'],
  ['id=', 'id'],
  ['id=123', 'id'],
  ['id=zzzzzzzzzzzzzzzzzzzzzzzz', 'id'],
  ['id=bad&id=HC', 'id'], // the first of repeated values counts
  ['id=HC&state=nope&state=CLOSED', 'state'],
  ['id=HC&state=', 'state'],
  ['id=HC&state=OPEN', 'state'],
  ['id=HC&sortBy=', 'sortBy'],
  ['id=HC&sortBy=NAME', 'sortBy'],
  ['id=HC&sortOrder=', 'sortOrder'],
  ['id=HC&sortOrder=up', 'sortOrder'],
  ['id=HC&offset=', 'offset'],
  ['id=HC&offset=-1', 'offset'],
  ['id=HC&offset=1.5', 'offset'],
  ['id=HC&offset=ten', 'offset'],
  ['id=HC&limit=', 'limit'],
  ['id=HC&limit=2.5', 'limit'],
  ['id=HC&limit=many', 'limit'],
  // precedence: id, state, sortBy, sortOrder, offset, limit
  ['id=HC&limit=x&offset=x&sortOrder=x&sortBy=x&state=x', 'state'],
  ['id=HC&limit=x&offset=x&sortOrder=x&sortBy=x', 'sortBy'],
  ['id=HC&limit=x&offset=x&sortOrder=x', 'sortOrder'],
  ['id=HC&limit=x&offset=x', 'offset'],
  ['id=bad&state=x', 'id'],
];

const FLAGS: Record<string, string> = { state: '--state', sortBy: '--sort-by', sortOrder: '--sort-order', offset: '--offset', limit: '--limit' };

describe('serve and cases: invalid parameters', () => {
  it('serve answers 422 with the right key; `hcsync cases` exits 2 with one line', async () => {
    await withHarness({ seed: 51, helpcenters: 1, cases: 30 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      await withLocalServer(h.store, async (srv) => {
        for (const [form, key] of INVALID) {
          const q = form.replace(/HC/g, hc);
          const [l, r] = await Promise.all([get(srv.url, q), get(h.sim.url, q)]);
          expect({ q, status: l.status, error: (l.body as { error: string }).error }).toEqual({ q, status: 422, error: key });
          expect(l.body).toEqual(r.body);
        }
      });
      for (const [form, key] of INVALID) {
        const params = new URLSearchParams(form.replace(/HC/g, hc));
        if (!params.has('id') || params.getAll('id').length > 1 || params.get('id') !== hc) continue; // id comes from --helpcenter
        const args = ['cases', '--db', h.dbFile, '--helpcenter', hc];
        const seen = new Set<string>();
        for (const [k, v] of params) if (k !== 'id' && !seen.has(k)) (seen.add(k), args.push(`${FLAGS[k]}=${v}`));
        const r = await runCli(args);
        expect({ args, code: r.code }).toEqual({ args, code: 2 });
        expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^hcsync: ${key}: `))]);
      }
      const bad = await runCli(['cases', '--db', h.dbFile, '--helpcenter', 'nothex']);
      expect(bad.code).toBe(2);
    });
  });

  it('serve: token, HEAD, unknown path, other methods, healthz', async () => {
    await withHarness({ seed: 52, helpcenters: 1, cases: 5 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      await withLocalServer(
        h.store,
        async (srv) => {
          expect((await get(srv.url, `id=${hc}`)).status).toBe(403);
          expect((await get(srv.url, `id=${hc}&token=nope`)).body).toEqual({ error: 'access_denied', description: 'Insufficient access level' });
          expect((await get(srv.url, `id=${hc}&token=s3cret`)).status).toBe(200);
          const viaHeader = await fetch(`${srv.url}/helpcenter/case?id=${hc}`, { headers: { authorization: 'Bearer s3cret' } });
          expect(viaHeader.status).toBe(200);
          const head = await fetch(`${srv.url}/helpcenter/case?id=${hc}&token=s3cret`, { method: 'HEAD' });
          expect(head.status).toBe(200);
          expect(Number(head.headers.get('content-length'))).toBeGreaterThan(100);
          expect((await fetch(`${srv.url}/nope`)).status).toBe(404);
          const post = await fetch(`${srv.url}/helpcenter/case?id=${hc}`, { method: 'POST' });
          expect(post.status).toBe(405);
          expect(post.headers.get('allow')).toBe('GET, HEAD');
          expect(await (await fetch(`${srv.url}/healthz`)).json()).toEqual({ ok: true });
        },
        's3cret',
      );
    });
  });

  it('`hcsync cases --json` prints exactly the API object; the table is readable', async () => {
    await withHarness({ seed: 53, helpcenters: 1, cases: 40 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      const j = await runCli(['cases', '--json', '--db', h.dbFile, '--helpcenter', hc, '--state', 'closed', '--limit', '7', '--sort-by', 'created', '--sort-order', 'desc']);
      expect(j.code).toBe(0);
      const remote = await get(h.sim.url, `id=${hc}&state=closed&limit=7&sortBy=created&sortOrder=desc`);
      expect(j.stdout).toBe(`${remote.text}\n`);
      const t = await runCli(['cases', '--db', h.dbFile], { env: { HCSYNC_HELPCENTER: hc } });
      expect(t.code).toBe(0);
      expect(t.stdout).toMatch(/^#\s+id\s+state\s+last activity/);
      expect(t.stdout).toMatch(/cases 1-40 of 40 \(limit 100\)/);
    });
  });
});
