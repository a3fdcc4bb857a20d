import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

/**
 * A test never changes the machine: no test runs a package manager (the
 * Chromium test once installed Debian's chromium package by itself, about
 * 110 packages, when run as root). A missing tool is a visible skip; CI installs tools in
 * `.ci/run`.
 */

// the managers' names are assembled so that this file does not itself read like an install step
// `npm pack` is the one run allowed: it writes a tarball where it is told and installs nothing (test/package.test.ts)
const NPM_BUT_PACK = `npm(?!['"\`],\\s*\\[\\s*['"\`]pack['"\`])`;
const MANAGERS = ['apt' + '-get', 'apt', 'dpkg', 'dnf', 'yum', 'apk', 'brew', 'pip3?', NPM_BUT_PACK, 'npx', 'pnpm', 'yarn'];
const PACKAGE_MANAGER = new RegExp(`\\b(?:spawn|spawnSync|exec|execSync|execFile|execFileSync)\\(\\s*['"\`](?:${MANAGERS.join('|')})\\b`);

describe('tests', () => {
  it('run no package manager', () => {
    const dir = path.join(ROOT, 'test');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && f !== 'tests.hygiene.test.ts');
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) expect(readFileSync(path.join(dir, f), 'utf8'), f).not.toMatch(PACKAGE_MANAGER);
  });

  it('tell a package manager run from `npm pack`', () => {
    const q = "'";
    expect(`execFileSync(${q}npm${q}, [${q}pack${q}, ${q}--json${q}])`).not.toMatch(PACKAGE_MANAGER);
    expect(`execFileSync(${q}npm${q}, [${q}ci${q}])`).toMatch(PACKAGE_MANAGER);
    expect(`spawn(${q}npm${q}, [${q}run${q}, ${q}build${q}])`).toMatch(PACKAGE_MANAGER);
  });
});
