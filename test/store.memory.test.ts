import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runsOnGlibc } from '../store/memory.js';
import { ROOT } from './helpers.js';

/**
 * store/memory.ts: raiseMallocThresholds keeps freed page buffers in the
 * process. Measured in a fresh node process each (the thresholds are
 * process-wide and only rise): the minor page faults of a list server's
 * pattern, bursts of ~1.7 MB buffers alive together and freed together.
 */
const MODULE = path.join(ROOT, 'dist', 'store', 'memory.js');
const SCRIPT = `
const { raiseMallocThresholds } = await import(${JSON.stringify(MODULE)});
const applied = process.argv[1] === 'raise' ? raiseMallocThresholds() : false;
gc();
const faults = () => process.resourceUsage().minorPageFault;
function burst() { let bs = []; for (let i = 0; i < 16; i++) bs.push(Buffer.alloc(1_700_000 + i * 4096, 1)); bs = null; gc(); }
burst(); burst();
const f0 = faults();
for (let i = 0; i < 10; i++) burst();
console.log(JSON.stringify({ applied, faults: faults() - f0 }));`;

function run(mode: 'raise' | 'default', env: Record<string, string> = {}): { applied: boolean; faults: number } {
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', SCRIPT, mode], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return JSON.parse(out) as { applied: boolean; faults: number };
}

const glibc = runsOnGlibc();

describe('raiseMallocThresholds', () => {
  it.skipIf(!glibc)('keeps freed page buffers resident: a quarter of the page faults or fewer (glibc only)', () => {
    const before = run('default');
    const after = run('raise');
    expect(after.applied).toBe(true);
    // the default hands each burst's ~27 MB back to the kernel and faults it in again
    expect(before.faults).toBeGreaterThan(5_000);
    expect(after.faults).toBeLessThan(before.faults / 4);
  });

  it.skipIf(!glibc)('leaves thresholds the environment sets alone', () => {
    const r = run('raise', { GLIBC_TUNABLES: 'glibc.malloc.trim_threshold=131072' });
    expect(r.applied).toBe(false);
  });

  it.runIf(!glibc)('is not applied here: this process does not run on glibc', () => {
    expect(run('raise').applied).toBe(false);
  });
});
