import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../contract/errors.js';
import { Simulator } from '../sim/index.js';
import { Store } from '../store/index.js';
import { TIMER_BOUNDS, parseDuration, parseDateFlag } from '../cli/options.js';
import { runCli, withTempDir, type CliResult } from './helpers.js';

const HC = 'a'.repeat(24);
/** nothing listens there: a command that got past its options would fail differently (exit 1), not hang */
const NO_REDIS = ['--redis-url', 'redis://127.0.0.1:1'];
const NO_REMOTE = ['--base-url', 'http://127.0.0.1:1', '--attempts', '1'];

function expectUsage(r: CliResult, re: RegExp, what: string): void {
  expect({ what, code: r.code, stderr: r.stderr.trim().split('\n'), stdout: r.stdout }).toEqual({ what, code: 2, stderr: [expect.stringMatching(re)], stdout: '' });
}

function expectRuntime(r: CliResult, re: RegExp, what: string): void {
  expect({ what, code: r.code, stderr: r.stderr.trim().split('\n') }).toEqual({ what, code: 1, stderr: [expect.stringMatching(re)] });
}

describe('one validated option layer', () => {
  it('parseDuration: at most 24 days for anything that becomes a timer; parseDateFlag: real dates only', () => {
    expect(parseDuration('24d', '--x')).toBe(TIMER_BOUNDS.maxMs);
    expect(TIMER_BOUNDS.maxMs).toBeLessThan(2 ** 31 - 1);
    expect(() => parseDuration('25d', '--x')).toThrow(new UsageError('--x must be at most 24d (a Node timer cannot wait longer), got "25d"'));
    expect(() => parseDuration('2147483648', '--x')).toThrow(UsageError);
    expect(() => parseDuration('9s', '--every', { minMs: 10_000, maxMs: TIMER_BOUNDS.maxMs })).toThrow(new UsageError('--every must be at least 10s, got "9s"'));
    expect(parseDateFlag('2024-02-29', '--since')).toBe(Date.UTC(2024, 1, 29));
    expect(parseDateFlag('2024-02-29T23:59:59Z', '--since')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59));
    for (const bad of ['2024-02-30', '2023-02-29', '2024-04-31', '2024-00-10', '2024-01-00', '2024-01-01T24:00', '2024-02-30T10:00+02:00']) {
      expect(() => parseDateFlag(bad, '--since'), bad).toThrow(UsageError);
    }
  });

  it('timer bounds: --retry-time 25d (also from HCSYNC_RETRY_TIME), worker --stalled-interval 30d and the other worker intervals are refused, exit 2', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 's.db');
      expectUsage(await runCli(['sync', '--db', db, '--helpcenter', HC, ...NO_REMOTE, '--retry-time', '25d']), /^hcsync: --retry-time must be at most 24d \(a Node timer cannot wait longer\), got "25d"$/, 'sync --retry-time');
      expectUsage(await runCli(['sync', '--db', db, '--helpcenter', HC, ...NO_REMOTE], { env: { HCSYNC_RETRY_TIME: '25d' } }), /^hcsync: --retry-time must be at most 24d/, 'HCSYNC_RETRY_TIME');
      for (const flag of ['--stalled-interval', '--lock-duration', '--busy-delay', '--redis-ready-timeout', '--shutdown-timeout', '--retry-time']) {
        expectUsage(await runCli(['worker', '--db', db, ...NO_REDIS, flag, '30d'], { timeoutMs: 20_000 }), new RegExp(`^hcsync: ${flag} must be at most 24d`), `worker ${flag}`);
      }
    });
  });

  it('--retry-time 24d is accepted and a sync with it runs without a timer overflow', async () => {
    await withTempDir(async (dir) => {
      const sim = await Simulator.start({ seed: 131, helpcenters: 1, cases: 50 });
      try {
        const [hc] = sim.world.helpcenterIds() as [string];
        const r = await runCli(['sync', '--db', path.join(dir, 's.db'), '--base-url', sim.url, '--helpcenter', hc, '--retry-time', '24d']);
        expect(r.stderr).toMatch(/^full sync of \w+ ok: /);
        expect(r.stderr).not.toMatch(/TimeoutOverflowWarning/);
        expect(r.code).toBe(0);
      } finally {
        await sim.close();
      }
    });
  });

  it('schedule add: --every 1ms and --tz "" are refused before Redis is asked', async () => {
    expectUsage(await runCli(['schedule', 'add', '--helpcenter', HC, '--every', '1ms', ...NO_REDIS], { timeoutMs: 20_000 }), /^hcsync: --every must be at least 10s, got "1ms"$/, '--every 1ms');
    expectUsage(await runCli(['schedule', 'add', '--helpcenter', HC, '--every', '25d', ...NO_REDIS], { timeoutMs: 20_000 }), /^hcsync: --every must be at most 24d/, '--every 25d');
    expectUsage(await runCli(['schedule', 'add', '--helpcenter', HC, '--tz', '', ...NO_REDIS], { timeoutMs: 20_000 }), /^hcsync: --tz must be an IANA time zone like Europe\/Copenhagen or UTC, got ""/, '--tz ""');
    expectUsage(await runCli(['schedule', 'add', '--helpcenter', HC, ...NO_REDIS], { env: { HCSYNC_TZ: '' }, timeoutMs: 20_000 }), /^hcsync: --tz must be an IANA time zone/, 'HCSYNC_TZ=');
  });

  it('dates are real dates: --since 2024-02-30 is refused, not read as 1 March', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 's.db');
      new Store(db).close();
      expectUsage(await runCli(['search', '--db', db, '--since', '2024-02-30', 'faktura']), /^hcsync: --since must be a real date, got "2024-02-30": 2024-02 has no day 30$/, 'search --since');
      expectUsage(await runCli(['search', '--db', db, '--until', '2023-02-29T10:00Z', 'faktura']), /^hcsync: --until must be a real date, got "2023-02-29T10:00Z"/, 'search --until');
      expectUsage(await runCli(['report', '--db', db, '--since', '2024-04-31']), /^hcsync: --since must be a real date/, 'report --since');
    });
  });

  it('empty values: serve --host "" and HCSYNC_HOST=, sync --db "" (no nameless temporary store synced) are refused', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 's.db');
      new Store(db).close();
      expectUsage(await runCli(['serve', '--db', db, '--port', '0', '--host', '']), /^hcsync: --host \(or HCSYNC_HOST\) must be an address or host name to listen on .*, got ""$/, 'serve --host ""');
      expectUsage(await runCli(['serve', '--db', db, '--port', '0'], { env: { HCSYNC_HOST: '' } }), /^hcsync: --host \(or HCSYNC_HOST\) must be/, 'HCSYNC_HOST=');
      const sim = await Simulator.start({ seed: 132, helpcenters: 1, cases: 50 });
      try {
        const [hc] = sim.world.helpcenterIds() as [string];
        expectUsage(await runCli(['sync', '--db', '', '--base-url', sim.url, '--helpcenter', hc]), /^hcsync: --db \(or HCSYNC_DB\) must be the path of the store file/, 'sync --db ""');
        expectUsage(await runCli(['sync', '--base-url', sim.url, '--helpcenter', hc], { env: { HCSYNC_DB: '' } }), /^hcsync: --db \(or HCSYNC_DB\) must be/, 'HCSYNC_DB=');
        expect(sim.counters.requests).toBe(0);
      } finally {
        await sim.close();
      }
      expectUsage(await runCli(['status', '--db', '']), /^hcsync: --db \(or HCSYNC_DB\) must be/, 'status --db ""');
    });
  });

  it('listening: --port 65536 exits 2; a port in use and a host that does not resolve exit 1; one line each', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 's.db');
      new Store(db).close();
      expectUsage(await runCli(['serve', '--db', db, '--port', '65536']), /^hcsync: --port must be a port number from 0 \(any free port\) to 65535, got "65536"$/, 'serve --port 65536');
      expectUsage(await runCli(['sim', '--port', '65536']), /^hcsync: --port must be a port number/, 'sim --port 65536');
      const holder = net.createServer();
      await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
      const port = (holder.address() as net.AddressInfo).port;
      try {
        expectRuntime(
          await runCli(['serve', '--db', db, '--port', String(port)]),
          new RegExp(`^hcsync: cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use; stop what holds it or choose another port \\(EADDRINUSE\\)$`),
          'port in use',
        );
      } finally {
        holder.close();
      }
      expectRuntime(await runCli(['serve', '--db', db, '--port', '0', '--host', 'nonexistent.invalid']), /^hcsync: cannot listen on nonexistent\.invalid:0: the host name does not resolve \(ENOTFOUND\)$/, 'host not found');
    });
  });
});
