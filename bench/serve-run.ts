/**
 * The bench's serve latency (benchServeRandom, then transportFloor) over an
 * existing store, on its own: `node dist/bench/serve-run.js FILE HELPCENTER`.
 * Prints p50/p95 in ms per pass, as `npm run bench` measures them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchServeRandom, transportFloor } from './serve.js';
import { Store } from '../store/index.js';

const [file, helpcenter] = process.argv.slice(2);
if (!file || !helpcenter) throw new Error('usage: serve-run.js FILE HELPCENTER');
const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'hcsync.js');
const store = new Store(file, { readonly: true, mmap: false });
const totals: Record<string, number> = {};
try {
  const rows = store.db.prepare('SELECT state_rank, count(*) AS n FROM cases WHERE deleted_ms IS NULL GROUP BY state_rank').all() as { state_rank: number; n: number }[];
  const n = (rank: number) => rows.find((r) => r.state_rank === rank)?.n ?? 0;
  Object.assign(totals, { ALL: n(0) + n(1) + n(2), UNHANDLED: n(0), HANDLING: n(1), CLOSED: n(2) });
} finally {
  store.close();
}
const r = await benchServeRandom(BIN, file, helpcenter, totals);
const f = await transportFloor(r.limit500Bytes);
const show = (label: string, x: { p50: number; p95: number }) => process.stdout.write(`${label.padEnd(40)} p50 ${x.p50.toFixed(2)} p95 ${x.p95.toFixed(2)}\n`);
show('limit 100, random, first pass', r.first);
show('limit 100, random, warm', r.warm);
show(`limit 500, random (${(r.limit500Bytes / 1e6).toFixed(2)} MB)`, r.limit500);
show('limit 500, random, with undici', r.limit500Undici);
show('the floor', f.lean);
show('the floor, with undici', f.undici);
