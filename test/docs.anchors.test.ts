import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

/** Source folders whose comments may point into docs/ (node_modules and dist excluded). */
const SOURCE_DIRS = ['bench', 'cli', 'contract', 'query', 'sim', 'store', 'test', 'worker'];

/** Every .ts file below `dir`, recursively. */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of every heading (`#` to `######`) of a Markdown file, code blocks excluded. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = fenced ? null : /^#{1,6} (.+)$/.exec(line);
    if (m) anchors.add(headingAnchor(m[1]!));
  }
  return anchors;
}

/** Every `docs/<file>.md#<anchor>` written in the sources, with where it was written. */
function references(): { file: string; doc: string; anchor: string }[] {
  const refs: { file: string; doc: string; anchor: string }[] = [];
  const files = [path.join(ROOT, 'index.ts'), ...SOURCE_DIRS.flatMap((d) => tsFiles(path.join(ROOT, d)))];
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(/docs\/([\w-]+\.md)#([\w-]+)/g)) {
      refs.push({ file: path.relative(ROOT, file), doc: m[1]!, anchor: m[2]! });
    }
  }
  return refs;
}

describe('docs/ anchors cited by code comments', () => {
  it('computes anchors the way GitHub does', () => {
    expect(headingAnchor('Mass-deletion guard')).toBe('mass-deletion-guard');
    expect(headingAnchor('Budgets are measured, not asserted')).toBe('budgets-are-measured-not-asserted');
  });

  it('every docs/…md#anchor in the sources names a heading that exists', () => {
    const refs = references();
    // the contract, the sync guarantees and the decisions are each cited
    for (const doc of ['contract.md', 'sync.md', 'decisions.md']) expect(refs.some((r) => r.doc === doc)).toBe(true);
    const missing = refs.filter((r) => !anchorsOf(path.join(ROOT, 'docs', r.doc)).has(r.anchor));
    expect(missing.map((r) => `${r.file}: docs/${r.doc}#${r.anchor}`)).toEqual([]);
  });

  it('no source comment cites the SPEC by section any more', () => {
    const files = SOURCE_DIRS.flatMap((d) => tsFiles(path.join(ROOT, d)));
    const cite = 'SPEC ' + '\u00a7'; // spelt apart so that this file does not match itself
    const cites = files.filter((f) => readFileSync(f, 'utf8').includes(cite));
    expect(cites.map((f) => path.relative(ROOT, f))).toEqual([]);
  });
});
