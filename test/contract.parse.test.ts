import { describe, expect, it } from 'vitest';
import { lastActivityMs, parseInstant } from '../contract/order.js';
import { parseListParams } from '../contract/params.js';
import { validateCase } from '../contract/validate.js';

const ID = '0123456789abcdef01234567';

describe('contract edge cases', () => {
  it('instants: ISO only, zone-less read as UTC whatever the machine zone', () => {
    expect(parseInstant('2024-05-14T08:48:05.000Z')).toBe(Date.UTC(2024, 4, 14, 8, 48, 5));
    expect(parseInstant('2024-05-14T10:48:05+02:00')).toBe(Date.UTC(2024, 4, 14, 8, 48, 5));
    expect(parseInstant('2024-05-14T08:48:05')).toBe(Date.UTC(2024, 4, 14, 8, 48, 5));
    expect(parseInstant('May 14 2024')).toBeNaN();
    expect(parseInstant('2024-05-14T08:48:05 garbage')).toBeNaN();
    // string order and instant order differ here: the later instant wins
    expect(lastActivityMs({ _id: ID, messages: [{ sent: '2024-05-14T09:00:00+02:00' }, { sent: '2024-05-14T08:30:00Z' }] })).toBe(Date.UTC(2024, 4, 14, 8, 30));
    expect(lastActivityMs({ _id: ID, messages: [] })).toBe(parseInt(ID.slice(0, 8), 16) * 1000);
  });

  it('states must be own keys: "toString" and "__proto__" are unknown states (stored with a warning)', () => {
    for (const state of ['toString', '__proto__', 'constructor', 'closed']) {
      // tolerant reading (docs/sync.md#tolerant-reading): stored, but the state is unreadable: a warning, and it sorts as unknown
      const v = validateCase({ _id: ID, state });
      expect(v.ok && { rank: v.keys.stateRank, warned: v.warnings.map((w) => w.field) }).toEqual({ rank: 3, warned: ['state'] });
    }
    expect(validateCase({ _id: ID, state: 'CLOSED', messages: [{ sent: 'May 14 2024' }] })).toMatchObject({
      ok: true,
      warnings: [{ field: 'messages[0].sent', detail: 'not an ISO 8601 instant' }],
    });
  });

  it('enum case-folding is ASCII only', () => {
    const p = (q: string) => () => parseListParams(new URLSearchParams(`id=${ID}&${q}`));
    expect(p('state=cloſed')).toThrow(/state/);
    expect(p('state=handlıng')).toThrow(/state/);
    expect(p('sortBy=ſent')).toThrow(/sortBy/);
    expect(p('sortOrder=DESC')()).toMatchObject({ sortOrder: 'desc' });
  });
});
