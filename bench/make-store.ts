/**
 * Build a store of N generated cases without HTTP (for profiling the
 * queries): `node dist/bench/make-store.js FILE N [seed]`.
 */
import { rmSync } from 'node:fs';
import { validateCase } from '../contract/validate.js';
import { generateCases } from '../sim/generator.js';
import { Store, zeroCounters } from '../store/index.js';

const [file, n, seed] = process.argv.slice(2);
if (!file || !n) throw new Error('usage: make-store.js FILE N [seed]');
for (const s of ['', '-wal', '-shm']) rmSync(file + s, { force: true });
const helpcenter = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const store = new Store(file);
const hc = store.runs.ensureHelpcenter(helpcenter);
const runId = store.runs.startRun(hc, 'full', 'make-store', Date.now(), null);
const counters = zeroCounters();
const progress = () => counters;
const total = Number(n);
const chunk = 20_000;
for (let done = 0, part = 0; done < total; done += chunk, part++) {
  const cases = generateCases({ seed: Number(seed ?? 1) * 1000 + part, helpcenterId: helpcenter, count: Math.min(chunk, total - done) });
  const valid = cases.map(validateCase).flatMap((r) => (r.ok ? [{ case: r.case, keys: r.keys, json: JSON.stringify(r.case), warnings: r.warnings }] : []));
  for (let i = 0; i < valid.length; i += 500) {
    store.writePage({ hc, runId, nowMs: Date.now(), cases: valid.slice(i, i + 500), rejected: [], progress, checkpoint: null });
  }
  process.stderr.write(`${done + valid.length} cases\n`);
}
store.runs.completeRun(runId, hc, 'full', Date.now(), Date.now());
store.db.pragma('wal_checkpoint(TRUNCATE)');
store.close();
process.stdout.write(`${JSON.stringify({ file, helpcenter, cases: total })}\n`);
