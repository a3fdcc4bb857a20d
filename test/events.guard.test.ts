import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { SyncEmitter, type SyncEvents } from '../worker/events.js';
import { withHarness } from './sync.harness.js';

describe('SyncEmitter: guarded listeners', () => {
  it('a listener that throws on every page does not fail the run; it is reported once, and the listeners after it still hear every page', async () => {
    await withHarness({ seed: 7, helpcenters: 1, cases: 1800 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      const reports: { event: string; message: string }[] = [];
      const events = new SyncEmitter((event, e) => reports.push({ event, message: e instanceof Error ? e.message : String(e) }));
      let thrown = 0;
      events.on('page', () => {
        thrown++;
        throw new Error('a broken progress bar');
      });
      events.on('finish', () => {
        throw new Error('a broken summary line');
      });
      const pages: number[] = [];
      events.on('page', (e) => pages.push(e.pages));
      const s = await h.sync(hc, 'full', { events });
      expect(s.status).toBe('ok');
      expect(s.casesUpserted).toBe(1800);
      expect(thrown).toBe(s.pages);
      expect(pages).toEqual(Array.from({ length: s.pages }, (_, i) => i + 1));
      expect(reports).toEqual([
        { event: 'page', message: 'a broken progress bar' },
        { event: 'finish', message: 'a broken summary line' },
      ]);
      const run = h.store.runs.run(s.runId)!;
      expect(run.status).toBe('ok');
    });
  });

  it('without guarding, the same listener would have failed the run (the emitter is what protects it)', () => {
    const plain = new EventEmitter<SyncEvents>();
    plain.on('drift', () => {
      throw new Error('boom');
    });
    expect(() => plain.emit('drift', { helpcenter: 'x', runId: 1, steps: 1, offset: 0 })).toThrow('boom');
    const guarded = new SyncEmitter(() => {});
    guarded.on('drift', () => {
      throw new Error('boom');
    });
    expect(guarded.emit('drift', { helpcenter: 'x', runId: 1, steps: 1, offset: 0 })).toBe(true);
  });
});
