import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../store/index.js';
import { withLocalServer, get } from './sync.harness.js';
import { ROOT, SCRIPT, runCli, runOnTty, withTempDir } from './helpers.js';
import { HC_A, makeCase, writeSyncedStore } from './cases.fixture.js';

/** One command line: the same flags mean the same everywhere, errors are one `hcsync:` line, help is output. */


let helps: Promise<Map<string, string>> | undefined;
/** Every command's --help (schedule's subcommands one by one), whitespace folded; read once per file. */
function everyHelp(): Promise<Map<string, string>> {
  return (helps ??= readEveryHelp());
}

async function readEveryHelp(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const top = await runCli(['--help']);
  const names = [...top.stdout.matchAll(/^ {2}([a-z]+)(?: \[options\]| <|\s|$)/gm)].map((m) => m[1]!).filter((n) => n !== 'help');
  for (const n of names) {
    if (n === 'schedule') {
      for (const sub of ['add', 'list', 'run', 'remove']) out.set(`schedule ${sub}`, (await runCli(['schedule', sub, '--help'])).stdout.replace(/\s+/g, ' '));
    } else out.set(n, (await runCli([n, '--help'])).stdout.replace(/\s+/g, ' '));
  }
  return out;
}

describe('the command line', () => {
  it('help goes to stdout (bare hcsync, a group without its subcommand, --help)', async () => {
    for (const args of [[], ['schedule'], ['--help'], ['show', '--help']]) {
      const r = await runCli(args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(r.stdout).toMatch(/^Usage: hcsync/);
    }
  });

  it('parser errors are one hcsync: line, the suggestion on it, exit 2', async () => {
    const cases: [string[], string][] = [
      [['cse'], "hcsync: unknown command 'cse' (Did you mean cases?)\n"],
      [['search', '-fejl'], "hcsync: unknown option '-fejl'\n"],
      [['sync', '--token-in', 'cookie'], "hcsync: option '--token-in <where>' argument 'cookie' is invalid. Allowed choices are header, query.\n"],
      [['report', '--jsn'], "hcsync: unknown option '--jsn' (Did you mean --json?)\n"],
    ];
    for (const [args, stderr] of cases) {
      const r = await runCli(args);
      expect({ args, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ args, code: 2, stderr, stdout: '' });
    }
  });

  it('--json on every command that prints data; report --json is --format json', async () => {
    const help = await everyHelp();
    const printing = ['sync', 'cases', 'show', 'search', 'report', 'status', 'verify', 'schedule add', 'schedule list', 'schedule run', 'schedule remove'];
    for (const c of printing) expect(help.get(c), c).toMatch(/--json\b/);
    await withTempDir(async (dir) => {
      const db = path.join(dir, 'r.db');
      await writeSyncedStore(db, { [HC_A]: [makeCase(1, { company: 'Acme' })] });
      const a = await runCli(['report', '--db', db, '--json']);
      const b = await runCli(['report', '--db', db, '--format', 'json']);
      expect(a.code).toBe(0);
      const strip = (s: string) => ({ ...(JSON.parse(s) as Record<string, unknown>), generatedAt: null });
      expect(strip(a.stdout)).toEqual(strip(b.stdout));
      const clash = await runCli(['report', '--db', db, '--json', '--format', 'csv']);
      expect([clash.code, clash.stderr]).toEqual([2, 'hcsync: --json means --format json; it cannot go with --format csv\n']);
    });
  });

  it('status takes --redis-url and --queue like worker and schedule', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 's.db');
      new Store(db).close();
      const r = await runCli(['status', '--db', db, '--json', '--redis-url', 'redis://127.0.0.1:1', '--queue', 'elsewhere']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ helpcenters: [], queue: { name: 'elsewhere', redis: 'redis://127.0.0.1:1', available: false } });
      const bad = await runCli(['status', '--db', db, '--queue', 'a:b']);
      expect([bad.code, bad.stderr]).toEqual([2, 'hcsync: --queue must be a non-empty name without ":", got "a:b"\n']);
    });
  });

  it('one rule for --limit out of range and for --since at or after --until: exit 2, one line', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 'l.db');
      await writeSyncedStore(db, { [HC_A]: [makeCase(1, { subject: 'faktura' })] });
      for (const limit of ['0', '501', '-1', 'ten']) {
        const r = await runCli(['search', '--db', db, '--limit', limit, 'faktura']);
        expect([r.code, r.stderr]).toEqual([2, `hcsync: --limit must be a whole number from 1 to 500, got "${limit}"\n`]);
      }
      expect((await runCli(['search', '--db', db, '--limit', '500', 'faktura'])).code).toBe(0);
      for (const cmd of [['search', 'faktura'], ['report']]) {
        for (const [since, until] of [['2025-02-01', '2025-01-01'], ['2025-01-01', '2025-01-01']]) {
          const r = await runCli([...cmd, '--db', db, '--since', since!, '--until', until!]);
          expect({ cmd, code: r.code, stderr: r.stderr }).toEqual({ cmd, code: 2, stderr: `hcsync: --since must be before --until, got ${since} and ${until}\n` });
        }
      }
    });
  });

  it('help is the same on every call (verify --seed has no moving default)', async () => {
    const a = await runCli(['verify', '--help']);
    await new Promise((r) => setTimeout(r, 5));
    const b = await runCli(['verify', '--help']);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toMatch(/--seed <n>\s+seed of the query generator/);
  });

  it('NO_COLOR, --no-color and TERM=dumb turn bold off on a terminal', async () => {
    expect(existsSync(SCRIPT), `${SCRIPT} (util-linux) gives the CLI its terminal`).toBe(true);
    await withTempDir(async (dir) => {
      const db = path.join(dir, 'c.db');
      await writeSyncedStore(db, { [HC_A]: [makeCase(1, { subject: 'x' }, [['INCOMING', 0, 'en faktura med fejl']])] });
      const bold = '\u001b[1mfaktura\u001b[22m';
      const plain = await runOnTty(['search', '--db', db, 'faktura']);
      expect(plain.code).toBe(0);
      expect(plain.output).toContain(bold); // the terminal default: bold matches
      for (const [args, env] of [[['--no-color'], {}], [[], { NO_COLOR: '1' }], [[], { TERM: 'dumb' }]] as const) {
        const r = await runOnTty(['search', '--db', db, ...args, 'faktura'], { env });
        expect(r.code).toBe(0);
        expect(r.output, JSON.stringify({ args, env })).not.toContain('\u001b[1m');
        expect(r.output).toContain('en [faktura] med'); // marked in brackets instead
      }
    });
  });

  it('cases --json is serve\'s body followed by one newline', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 'j.db');
      await writeSyncedStore(db, { [HC_A]: [makeCase(1, {}), makeCase(2, { subject: 'Ønske' })] });
      const q = `id=${HC_A}&sortBy=CREATED&limit=7`;
      const cli = await runCli(['cases', '--db', db, '--helpcenter', HC_A, '--sort-by', 'CREATED', '--limit', '7', '--json']);
      const store = new Store(db, { readonly: true });
      try {
        await withLocalServer(store, async (srv) => {
          const body = (await get(srv.url, q)).text;
          expect(cli.stdout).toBe(`${body}\n`);
        });
      } finally {
        store.close();
      }
    });
  });

  it('the README\'s variables table lists every environment variable an option reads', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('### The token'));
    const vars = new Set<string>();
    for (const text of (await everyHelp()).values()) for (const m of text.matchAll(/\benv: ([A-Z_]+)\)/g)) vars.add(m[1]!);
    expect(vars.size).toBeGreaterThan(15);
    for (const v of vars) expect(section, `${v} in the README's Configuration table`).toContain(`\`${v}\``);
  });
});
