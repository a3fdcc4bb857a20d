import { describe, expect, it } from 'vitest';
import { ftsExpression, parseQuery, type Term } from '../query/search/parse.js';
import { buildSnippet } from '../query/search/snippet.js';

const words = (q: string) => parseQuery(q).terms.map((t) => `${t.quoted ? '"' : ''}${t.tokens.join(' ')}${t.prefix ? '*' : ''}`);

describe('parseQuery', () => {
  it('folds words like the index does: lower case, accents off, æ ø å kept', () => {
    expect(words('Café MÜNCHEN Skærm Søren Århus')).toEqual(['cafe', 'munchen', 'skærm', 'søren', 'århus']);
  });

  it('splits on punctuation the way unicode61 does; a hyphenated word is a phrase', () => {
    expect(words('SIM-kort (router) subject:fiber')).toEqual(['sim kort', 'router', 'subject fiber']);
  });

  it('"phrase" in balanced quotes; an unpaired quote is dropped and its text stays plain words', () => {
    expect(words('"router blinker" rødt')).toEqual(['"router blinker', 'rødt']);
    expect(words('router "blinker rødt')).toEqual(['router', 'blinker', 'rødt']);
    expect(words('"a" "b" "c')).toEqual(['"a', '"b', 'c']);
  });

  it('word* is a prefix from 3 characters; shorter or misplaced stars are punctuation', () => {
    expect(words('fak* st* fi*ber')).toEqual(['fak*', 'st', 'fi ber']);
    expect(words('"fakt ura"*')).toEqual(['"fakt ura*']);
  });

  it('marks the last plain word (3+ characters, not a stopword) for the automatic prefix', () => {
    const p = parseQuery('router fak');
    expect(p.autoPrefix).toBe(1);
    expect(parseQuery('router fa').autoPrefix).toBeNull();
    expect(parseQuery('router "fak"').autoPrefix).toBeNull();
    expect(parseQuery('fak*').autoPrefix).toBeNull();
  });

  it('drops stopwords when other words remain, keeps them when they are all there is', () => {
    expect(words('og router i det')).toEqual(['router']);
    expect(words('og i')).toEqual(['og', 'i']);
    expect(words('Hej, min router virker ikke. Mvh')).toEqual(['router', 'virker']);
    expect(words('NOT router AND fiber OR')).toEqual(['router', 'fiber']);
  });

  it('finds contact fragments: phone digits (with or without spaces), e-mail-like pieces', () => {
    expect(parseQuery('88 12 34').contact).toBe('881234');
    expect(words('88 12 34')).toEqual(['88 12 34']); // and its digit groups are one phrase
    expect(parseQuery('+45 8812-3456').contact).toBe('4588123456');
    expect(parseQuery('123').contact).toBeNull();
    expect(parseQuery('Jens.Hansen').contact).toBe('jens.hansen');
    expect(parseQuery('<hansen@firma.dk>').contact).toBe('hansen@firma.dk');
    expect(parseQuery('hansen@').contact).toBe('hansen@');
    expect(parseQuery('router fiber').contact).toBeNull();
    expect(parseQuery('jens hansen@firma.dk').contact).toBeNull();
  });

  it('builds MATCH text from quoted tokens only, whatever the input', () => {
    const p = parseQuery(`'; DROP TABLE cases; -- NEAR(a b) "x" y*`);
    expect(ftsExpression(p.terms)).toBe('"drop" "table" "cases" "near a" "b" "x" "y"');
    for (const t of parseQuery('a"b c\'d e:f (g) {h} ^i').terms) {
      for (const tok of t.tokens) expect(tok).toMatch(/^[\p{L}\p{N}]+$/u);
    }
  });

  it('gives nothing for punctuation alone', () => {
    for (const q of ['', '   ', '"', '""', '***', '-', ':', '()', '"*"']) {
      const p = parseQuery(q);
      expect(p.terms).toEqual([]);
      expect(p.contact).toBeNull();
    }
  });
});

describe('buildSnippet', () => {
  const terms: Term[] = [{ tokens: ['router'], prefix: false, quoted: false }, { tokens: ['fak'], prefix: true, quoted: false }];

  it('marks query words (and prefix matches) in a window around the first one', () => {
    const text = 'En to tre fire fem seks syv otte ni ti elleve tolv tretten fjorten femten seksten sytten. Min Router er nede, se fakturaen.';
    const s = buildSnippet(text, terms, ['[', ']']);
    // near the end the window fills up backwards: 16 words either way
    expect(s).toBe('… otte ni ti elleve tolv tretten fjorten femten seksten sytten. Min [Router] er nede, se [fakturaen].');
  });

  it('matches accented text by its folded form and keeps the original spelling', () => {
    const t: Term[] = [{ tokens: ['cafe'], prefix: false, quoted: false }];
    expect(buildSnippet('Mødet er på Café Nørd i morgen', t, ['<', '>'])).toBe('Mødet er på <Café> Nørd i morgen');
    expect(buildSnippet('Mødet er på Cafe\u0301 Nørd', t, ['<', '>'])).toBe('Mødet er på <Cafe\u0301> Nørd');
  });

  it('starts at the beginning when nothing matches, cutting long text', () => {
    const text = Array.from({ length: 40 }, (_, i) => `w${i}`).join(' ');
    expect(buildSnippet(text, terms, ['[', ']'])).toBe(`${Array.from({ length: 16 }, (_, i) => `w${i}`).join(' ')} …`);
  });
});
