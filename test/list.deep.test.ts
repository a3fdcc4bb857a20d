import { describe, expect, it } from 'vitest';
import { Store } from '../store/index.js';
import { expectSameAnswer, expectSameListsEverywhere, get, withHarness, withLocalServer } from './sync.harness.js';
import { randomQueries } from '../query/verify.js';

describe('deep pages', () => {
  it('pages read through anchors equal the remote, and anchors follow changes committed by another connection', async () => {
    await withHarness({ seed: 71, helpcenters: 1, cases: 1300 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      // a second connection whose reader seeks from an anchor every 7 entries for any skip over 20
      const reader = new Store(h.dbFile, { readonly: true, listTuning: { anchorStep: 7, directSkip: 20 } });
      try {
        await withLocalServer(reader, async (srv) => {
          await expectSameListsEverywhere(h.sim.url, srv.url, hc, 97);
          for (const q of randomQueries(hc, 200, 3, 1300)) expectSameAnswer(q, await get(h.sim.url, q), await get(srv.url, q));
          // change the remote, sync through the writer connection: the reader's anchors must be rebuilt
          for (let i = 0; i < 30; i++) h.sim.world.reply(hc, h.sim.world.cases(hc)[i * 40]!._id);
          for (let i = 0; i < 5; i++) h.sim.world.addCase(hc);
          await h.sync(hc, 'incremental');
          await expectSameListsEverywhere(h.sim.url, srv.url, hc, 113);
        });
      } finally {
        reader.close();
      }
      // and on the writer's own connection (total_changes, not data_version, marks its own writes)
      const own = new Store(h.dbFile, { listTuning: { anchorStep: 5, directSkip: 10 } });
      try {
        await withLocalServer(own, async (srv) => {
          const q = `id=${hc}&sortBy=SENT&offset=600&limit=50`;
          expectSameAnswer(q, await get(h.sim.url, q), await get(srv.url, q));
          h.sim.world.reply(hc, h.sim.world.cases(hc)[3]!._id);
          const { RemoteClient } = await import('../worker/client.js');
          const { runSync } = await import('../worker/sync.js');
          const c = new RemoteClient({ baseUrl: h.sim.url });
          await runSync(own, c, { helpcenter: hc, mode: 'incremental' });
          await c.close();
          expectSameAnswer(q, await get(h.sim.url, q), await get(srv.url, q));
        });
      } finally {
        own.close();
      }
    });
  });
});
