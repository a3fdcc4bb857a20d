import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, withTempDir } from './helpers.js';

/**
 * The package as another project gets it: `npm pack`, the tarball unpacked
 * into a project's node_modules/hcsync (no network: the runtime
 * dependencies are linked from this repository's node_modules, where npm
 * put them), then used from plain JavaScript and type-checked TypeScript.
 */

const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** `npm pack` into `dir`: the tarball's path and the files it holds. */
function pack(dir: string): { tarball: string; files: string[] } {
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  // --ignore-scripts: no `prepare` build while other tests run the built CLI (`npm test` built dist first)
  const info = JSON.parse(out.slice(out.indexOf('[\n'))) as { filename: string; files: { path: string }[] }[];
  return { tarball: path.join(dir, info[0]!.filename), files: info[0]!.files.map((f) => f.path) };
}

/** A project with hcsync unpacked into node_modules and its dependencies (and @types/node, for tsc) linked in. */
function project(dir: string, tarball: string): string {
  const proj = path.join(dir, 'proj');
  const pkgDir = path.join(proj, 'node_modules', 'hcsync');
  mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', pkgDir, '--strip-components=1']);
  for (const dep of [...Object.keys(PKG.dependencies), '@types/node']) link(proj, dep);
  writeFileSync(path.join(proj, 'package.json'), JSON.stringify({ name: 'uses-hcsync', private: true, type: 'module' }));
  return proj;
}

/** `proj`'s node_modules/`dep` as a link to this repository's copy. */
function link(proj: string, dep: string): void {
  const at = path.join(proj, 'node_modules', dep);
  mkdirSync(path.dirname(at), { recursive: true });
  symlinkSync(realpathSync(path.join(ROOT, 'node_modules', dep)), at, 'dir');
}

/** `hcsync sim` from the installed package's bin: its url and helpcenter; stopped by the returned function. */
function startSim(proj: string): Promise<{ url: string; helpcenter: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(proj, 'node_modules', 'hcsync', 'bin', 'hcsync.js'), 'sim', '--cases', '300', '--seed', '5'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) {
        const info = JSON.parse(buf.slice(0, buf.indexOf('\n'))) as { url: string; helpcenters: string[] };
        resolve({ url: info.url, helpcenter: info.helpcenters[0]!, stop: () => child.kill('SIGTERM') });
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`hcsync sim exited with ${code}`)));
  });
}

const SCRIPT = `
import { openStore, runSync, RemoteClient, listCases, searchCases, buildReport, reportText, HcsyncError, StoreError } from 'hcsync';
const [url, helpcenter, file] = process.argv.slice(2);
const store = openStore(file);
const client = new RemoteClient({ baseUrl: url });
const summary = await runSync(store, client, { helpcenter, mode: 'full' });
await client.close();
const page = listCases(store, { id: helpcenter, state: 'CLOSED', sortBy: 'CREATED', sortOrder: 'desc', limit: 5 });
const found = searchCases(store, { query: 'faktura', helpcenter, limit: 3 });
const report = buildReport(store, { helpcenter });
store.close();
let missing;
try {
  openStore(file + '.none', { readonly: true });
} catch (e) {
  missing = { code: e.code, store: e instanceof StoreError, hcsync: e instanceof HcsyncError };
}
console.log(JSON.stringify({
  upserted: summary.casesUpserted, status: summary.status,
  total: page.total, listed: page.cases.map((c) => c.state),
  hits: found.hits.length, firstHit: found.hits[0] && typeof found.hits[0].score,
  reported: report.helpcenters[0].cases.total, text: reportText(report).includes(helpcenter),
  missing,
}));
`;

const TYPED = `
import { openStore, listCases, searchCases, runSync, RemoteClient, buildReport, HcsyncError, type ErrorCode, type Case, type SearchResult, type SyncSummary } from 'hcsync';
const store = openStore('x.db', { readonly: true });
const page = listCases(store, { id: 'aaaaaaaaaaaaaaaaaaaaaaaa', limit: 10 });
const first: Case | undefined = page.cases[0];
const subject: string | undefined = first?.subject;
const found: SearchResult = searchCases(store, { query: 'faktura' });
const score: number = found.hits[0]?.score ?? 0;
const days: number = buildReport(store).helpcenters[0]?.volumePerDay.length ?? 0;
async function sync(): Promise<SyncSummary> {
  return runSync(store, new RemoteClient({ baseUrl: 'http://127.0.0.1:1' }), { helpcenter: 'aaaaaaaaaaaaaaaaaaaaaaaa', mode: 'incremental' });
}
function why(e: unknown): ErrorCode | undefined {
  return e instanceof HcsyncError ? e.code : undefined;
}
export { subject, score, days, sync, why };
`;

/** Each a deliberate type error the real types must catch. */
const WRONG: [string, string, string][] = [
  ['a mode that does not exist', `runSync(store, new RemoteClient({ baseUrl: 'x' }), { helpcenter: 'a', mode: 'sideways' });`, 'TS2322'],
  ['an error code that does not exist', `const c: ErrorCode = 'E_NOPE';`, 'TS2322'],
  ['a search hit\'s score taken for text', `const s: string = searchCases(store, { query: 'x' }).hits[0]!.score;`, 'TS2322'],
  ['the store\'s internal connection', `store.db.exec('DROP TABLE cases');`, 'TS2339'],
];

function tsc(proj: string, source: string): { code: number | null; out: string } {
  writeFileSync(path.join(proj, 'use.ts'), source);
  const r = spawnSync(process.execPath, [TSC, '-p', path.join(proj, 'tsconfig.json')], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('the package (npm pack, unpacked into a project)', () => {
  it('ships dist, bin and README but no tests; works from JavaScript; its types are checked; internals are not importable', async () => {
    await withTempDir(async (dir) => {
      const { tarball, files } = pack(dir);
      expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/hcsync.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'docs/analytics.md']));
      expect(files.filter((f) => f.startsWith('test/') || f.startsWith('dist/test/') || f.startsWith('dist/bench/') || (f.endsWith('.ts') && !f.endsWith('.d.ts')) || f.endsWith('.map'))).toEqual([]);
      const proj = project(dir, tarball);

      const sim = await startSim(proj);
      try {
        writeFileSync(path.join(proj, 'main.mjs'), SCRIPT);
        const out = execFileSync(process.execPath, ['main.mjs', sim.url, sim.helpcenter, path.join(dir, 'store', 'h.db')], { cwd: proj, encoding: 'utf8' });
        expect(JSON.parse(out)).toEqual({
          upserted: 300,
          status: 'ok',
          total: expect.any(Number),
          listed: ['CLOSED', 'CLOSED', 'CLOSED', 'CLOSED', 'CLOSED'],
          hits: 3,
          firstHit: 'number',
          reported: 300,
          text: true,
          missing: { code: 'E_STORE_MISSING', store: true, hcsync: true },
        });
      } finally {
        sim.stop();
      }

      // only the package's entry point is public
      const internal = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('hcsync/dist/store/write.js')"], { cwd: proj, encoding: 'utf8' });
      expect(internal.status).not.toBe(0);
      expect(internal.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');

      // TypeScript as a strict project checks it: every declaration file too (skipLibCheck off), with nothing but @types/node
      writeFileSync(
        path.join(proj, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['use.ts'] }),
      );
      expect(tsc(proj, TYPED)).toEqual({ code: 0, out: '' });
      // every wrong line in one file (one tsc run): each must be an error of its own, on its own line
      const first = TYPED.split('\n').length + 1;
      const bad = tsc(proj, `${TYPED}\n${WRONG.map(([, line]) => line).join('\n')}\n`);
      expect(bad.code).not.toBe(0);
      WRONG.forEach(([what, , code], i) => expect(bad.out, what).toMatch(new RegExp(`use\\.ts\\(${first + i},\\d+\\): error ${code}`)));
      expect(bad.out.trim().split('\n').filter((l) => /use\.ts\(\d+,\d+\): error/.test(l)).length).toBe(WRONG.length);
    });
  }, 300_000); // pack, a sync and two tsc runs: about a minute alone, two with the suite running beside it
});
