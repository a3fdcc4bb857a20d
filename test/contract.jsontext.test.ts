import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitListBytes, withTopLevelField } from '../contract/jsontext.js';

/**
 * contract/jsontext.ts reads a list answer from its bytes, decoding each
 * case on its own. Whatever the bytes, it must give what decoding the whole
 * body with TextDecoder (as the client did before) and splitting that text
 * would give: the same cases, each the exact text it had in the body.
 */
const decode = (b: Uint8Array) => new TextDecoder('utf-8').decode(b);

/** Text of arbitrary JSON values, with the characters a remote sends: Latin-1, æøå, beyond the BMP, escapes. */
const text = fc.string({ unit: fc.constantFrom('a', 'Æ', 'ø', 'å', '"', '\\', '/', '\n', '—', '😀', '{', '}', '[', ']', ',', ':', ' ', 'é', '\u0000') });
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(text, tie('v'), { maxKeys: 4 })),
})).v;

describe('splitListBytes', () => {
  it('splits any list answer as TextDecoder plus the text would: same cases, exact texts, fields, with or without BOM and spaces', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 6 }), fc.dictionary(fc.constantFrom('offset', 'limit', 'total', 'pad', 'x"y'), value), fc.boolean(), fc.constantFrom('', ' ', '\n  ', '\t'), (cases, extra, bom, ws) => {
        const members = [...Object.entries(extra).map(([k, v]) => `${JSON.stringify(k)}${ws}:${ws}${JSON.stringify(v)}`), `"cases":${ws}[${ws}${cases.map((c) => JSON.stringify(c, null, ws ? 1 : 0)).join(`${ws},${ws}`)}${ws}]`];
        const body = `${ws}{${ws}${members.join(`,${ws}`)}${ws}}${ws}`;
        const bytes = Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(body)]);
        const split = splitListBytes(bytes)!;
        expect(split).toBeDefined();
        expect(split.cases!.map((c) => JSON.parse(c) as unknown)).toEqual(JSON.parse(decode(bytes)).cases);
        expect(split.cases).toEqual(cases.map((c) => JSON.stringify(c, null, ws ? 1 : 0)));
        for (const [k, v] of Object.entries(extra)) expect(JSON.parse(split.fields.get(k)!)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 300 },
    );
  });

  it('accepts a body exactly when JSON.parse of its text accepts an object: any one byte changed, inserted or removed', () => {
    const body = Buffer.from('\ufeff{"offset":0, "pad":[1,-2.5e+3,{"k":"v\\u00e6\\n"},true,false,null,""],"cases":[{"_id":"a","s":"æ\\""}, {"_id":"b","m":[{"c":"x"}]}],"x":{},"total":2}');
    const ours = (b: Buffer) => {
      const split = splitListBytes(b);
      if (split === undefined) return false;
      try {
        for (const c of split.cases ?? []) JSON.parse(c); // as worker/page.ts does; the fields it skips are never parsed
        return true;
      } catch {
        return false;
      }
    };
    const reference = (b: Buffer) => {
      try {
        const v: unknown = JSON.parse(decode(b));
        return typeof v === 'object' && v !== null && !Array.isArray(v);
      } catch {
        return false;
      }
    };
    expect(ours(body)).toBe(true);
    const byte = fc.constantFrom(0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x20, 0x0a, 0x00, 0x01, 0x30, 0x31, 0x2d, 0x2e, 0x65, 0x2b, 0x74, 0x6e, 0x75, 0x61, 0xc3, 0xa6, 0xff, 0xef);
    fc.assert(
      fc.property(fc.nat(body.length - 1), byte, fc.constantFrom('replace', 'insert', 'remove'), (at, value, how) => {
        const b = how === 'remove' ? Buffer.concat([body.subarray(0, at), body.subarray(at + 1)]) : Buffer.concat([body.subarray(0, at), Buffer.from([value]), body.subarray(how === 'replace' ? at + 1 : at)]);
        expect(ours(b), JSON.stringify(b.toString('latin1'))).toBe(reference(b));
      }),
      { numRuns: 3000 },
    );
  });

  it('decodes no case past maxCaseValues, but counts them all: a page of millions of tiny cases builds no million strings', () => {
    const n = 3_000_000;
    const body = Buffer.concat([Buffer.from('{"offset":0,"cases":['), Buffer.from('{},'.repeat(n - 1)), Buffer.from('{}],"total":1}')]);
    const bounded = splitListBytes(body, 1_000)!;
    expect(bounded.caseValues).toBeGreaterThanOrEqual(n);
    expect(bounded.cases!.length).toBeLessThanOrEqual(1_001);
    expect(splitListBytes(body)!.cases).toHaveLength(n); // no bound: every case
  });

  it('decodes malformed UTF-8 inside a case as TextDecoder does (U+FFFD), and keeps the structure around it', () => {
    const bad = [Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xe2, 0x82]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf0, 0x9f, 0x98]), Buffer.from([0x80, 0x80])];
    for (const b of bad) {
      const body = Buffer.concat([Buffer.from('{"total":2,"cases":[{"_id":"a","subject":"x'), b, Buffer.from('"},{"_id":"b","subject":"'), b, b, Buffer.from('y"}],"offset":0}')]);
      const split = splitListBytes(body)!;
      const whole = JSON.parse(decode(body)) as { cases: unknown[] };
      expect(split.cases!.map((c) => JSON.parse(c) as unknown)).toEqual(whole.cases);
      expect(decode(body)).toContain(split.cases![1]!);
    }
  });

  it('refuses what is not one JSON object: every strict prefix of an answer, trailing text, an unterminated string', () => {
    const body = Buffer.from('{"offset":0,"cases":[{"_id":"æ","m":["\\"",{"a":[1,2]}]}],"total":1}');
    expect(splitListBytes(body)).toBeDefined();
    for (let n = 0; n < body.length; n++) expect(splitListBytes(body.subarray(0, n))).toBeUndefined();
    expect(splitListBytes(Buffer.concat([body, Buffer.from('x')]))).toBeUndefined();
    expect(splitListBytes(Buffer.from('{"cases":["abc]}'))).toBeUndefined();
    expect(splitListBytes(Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toBeUndefined(); // one BOM only
  });
});

describe('withTopLevelField', () => {
  it('replaces or appends a top-level field of text holding multi-byte characters, leaving the rest byte for byte', () => {
    const json = '{"subject":"Æblegrød — 😀","state":"HANDLING","nested":{"state":"x"},"note":"ø"}';
    expect(withTopLevelField(json, 'state', '"CLOSED"')).toBe('{"subject":"Æblegrød — 😀","state":"CLOSED","nested":{"state":"x"},"note":"ø"}');
    expect(withTopLevelField(json, 'extra', '1')).toBe('{"subject":"Æblegrød — 😀","state":"HANDLING","nested":{"state":"x"},"note":"ø","extra":1}');
    expect(withTopLevelField('{}', 'a', '2')).toBe('{"a":2}');
    expect(withTopLevelField('[1]', 'a', '2')).toBeUndefined();
  });
});
