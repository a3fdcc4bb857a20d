import { describe, expect, it } from 'vitest';
import { get, parseExposition, value } from './metrics.harness.js';
import { withHarness, withLocalServer } from './sync.harness.js';

const TOKEN = 'serve-token-0123456789abcdef';

describe('serve GET /metrics', () => {
  it('counts requests by route and status, times them, tells the store age per helpcenter; under the API token', async () => {
    await withHarness({ seed: 9, helpcenters: 2, cases: 300 }, async (h) => {
      const [hc, never] = h.sim.world.helpcenterIds() as [string, string];
      const t0 = Date.now();
      await h.sync(hc, 'full');
      await withLocalServer(h.store, async (srv) => {
        const auth = { authorization: `Bearer ${TOKEN}` };
        // no token, a wrong one: refused like the list
        expect((await get(`${srv.url}/metrics`)).status).toBe(403);
        expect((await get(`${srv.url}/metrics?token=nope`)).status).toBe(403);
        for (let i = 0; i < 3; i++) expect((await get(`${srv.url}/helpcenter/case?id=${hc}&limit=5`, auth)).status).toBe(200);
        expect((await get(`${srv.url}/helpcenter/case?id=${hc}`)).status).toBe(403);
        expect((await get(`${srv.url}/nowhere/${'x'.repeat(40)}`)).status).toBe(404);
        expect((await get(`${srv.url}/healthz`)).status).toBe(200);
        const r = await get(`${srv.url}/metrics?token=${TOKEN}`);
        expect(r.status).toBe(200);
        expect(r.type).toContain('text/plain');
        const e = parseExposition(r.body);
        const list = { route: '/helpcenter/case' };
        expect(value(e, 'hcsync_serve_requests_total', { ...list, status: '200' })).toBe(3);
        expect(value(e, 'hcsync_serve_requests_total', { ...list, status: '403' })).toBe(1);
        expect(value(e, 'hcsync_serve_requests_total', { route: '/metrics', status: '403' })).toBe(2);
        // a path never becomes a label
        expect(value(e, 'hcsync_serve_requests_total', { route: 'other', status: '404' })).toBe(1);
        expect(value(e, 'hcsync_serve_requests_total', { route: '/healthz', status: '200' })).toBe(1);
        expect(value(e, 'hcsync_serve_request_duration_seconds_count', list)).toBe(4);
        const age = value(e, 'hcsync_store_age_seconds', { helpcenter: hc });
        expect(age).toBeGreaterThanOrEqual(0);
        expect(age).toBeLessThanOrEqual((Date.now() - t0) / 1000 + 1);
        // a helpcenter never synced has no age
        expect(e.samples.some((s) => s.labels.helpcenter === never)).toBe(false);
        expect(e.types.get('process_cpu_user_seconds_total')).toBe('counter');
        expect(r.body).not.toContain(TOKEN);
        // the scrape itself is counted by the next one
        const again = parseExposition((await get(`${srv.url}/metrics`, auth)).body);
        expect(value(again, 'hcsync_serve_requests_total', { route: '/metrics', status: '200' })).toBe(1);
      }, TOKEN);
    });
  });
});
