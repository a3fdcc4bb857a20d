import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInstant, parseInstantGeneral } from '../contract/order.js';
import { foldText, foldTextGeneral } from '../store/fold.js';

// The write path reads every message's `sent` and folds every indexed text; both have a fast
// path for the common input (issue 11). These hold each fast path to the general one's answers.
const seed = Number(process.env.HCSYNC_PROPERTY_SEED ?? 20261130);
const same = (a: number, b: number) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe('parseInstant: the fast path answers as the general one', () => {
  it('on the edges of the remote form', () => {
    const edges = [
      '2024-01-01T00:00:00Z', '2024-02-29T23:59:59.999Z', '2023-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2000-02-29T00:00:00Z',
      '2024-12-31T24:00:00Z', '2024-06-30T12:30:60Z', '0050-01-01T00:00:00Z', '0099-12-31T23:59:59Z', '2024-01-01T00:00:00.1Z',
      '2024-01-01T00:00:00.123456789Z', '2024-01-01T00:00:00.1234567890Z', '2024-01-01T00:00:00.Z', '2024-13-01T00:00:00Z',
      '2024-00-10T00:00:00Z', '2024-04-31T00:00:00Z', '9999-12-31T23:59:59.999Z', '2024-01-01T00:00:00z', '2024-01-01T0a:00:00Z',
      '2024-01-01 00:00:00Z', '2024-01-01T00:00:00+02', '2024-01-01T00:00:00.5+02:00', '2024-01-01T00:00:00+24:00',
      '2024-01-01T00:00:00+02:60', '2024-03-01T00:30:00+01:00', '0100-01-01T00:00:00+01:00', '2024-01-01T00:00:00.+01:00', '2024-01-01T00:00:00x01:00', '2024-1-01T00:00:00Z', '２０２４-01-01T00:00:00Z',
    ];
    for (const s of edges) expect(same(parseInstant(s), parseInstantGeneral(s)), s).toBe(true);
    expect(parseInstant('2024-06-01T06:05:07.000Z')).toBe(Date.UTC(2024, 5, 1, 6, 5, 7));
    expect(parseInstant('2024-06-01T06:05:07.250+02:00')).toBe(Date.UTC(2024, 5, 1, 4, 5, 7, 250));
    expect(parseInstant('2024-01-01T00:30:00-01:30')).toBe(Date.UTC(2024, 0, 1, 2, 0, 0));
  });

  it('on random instants near the remote form', () => {
    const two = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
    const instant = fc.record({
      y: fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
      mo: two, d: two, h: two, mi: two, s: two,
      frac: fc.oneof(fc.constant(''), fc.stringMatching(/^\.[0-9]{0,10}$/)),
      zone: fc.constantFrom('Z', 'z', '', '+02', '-05:30', '+01:00', '+02:00', '-00:00', '+14:00', '+23:59', '+24:00', '-12:60', '+0200'),
    }).map((p) => `${p.y}-${p.mo}-${p.d}T${p.h}:${p.mi}:${p.s}${p.frac}${p.zone}`);
    fc.assert(fc.property(fc.oneof(instant, fc.string()), (s) => same(parseInstant(s), parseInstantGeneral(s))), { seed, numRuns: 20_000 });
  });
});

describe('foldText: the fast path answers as the general one', () => {
  it('on Danish, accented and decomposed text', () => {
    for (const s of ['ÆØÅ æøå', 'Blåbærgrød', 'Café', 'A\u030a', 'rene\u0301', 'ŞİŁ', '¡Hola! ¿Qué?', '\u00bf\u00c0']) expect(foldText(s), s).toBe(foldTextGeneral(s));
  });

  it('on random text', () => {
    const ch = fc.oneof(
      fc.integer({ min: 0x20, max: 0x7e }),
      fc.integer({ min: 0x80, max: 0x24f }),
      fc.integer({ min: 0x300, max: 0x36f }),
      fc.integer({ min: 0x370, max: 0xd7ff }),
    ).map((c) => String.fromCharCode(c));
    fc.assert(fc.property(fc.array(ch, { maxLength: 12 }).map((a) => a.join('')), (s) => foldText(s) === foldTextGeneral(s)), { seed, numRuns: 20_000 });
  });
});
