import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runCli, withTempDir } from './helpers.js';
import { withTestQueue } from './worker.harness.js';

const redisUrl = inject('redisUrl');
const id = () => randomBytes(12).toString('hex');

describe('schedule add|run|remove with several helpcenters', () => {
  it('repeated and comma-listed --helpcenter and --helpcenters-file in one call; a bad id anywhere changes nothing (exit 2)', async () => {
    await withTempDir(async (dir) => {
      await withTestQueue(redisUrl, async (queue, name) => {
        const env = { REDIS_URL: redisUrl, HCSYNC_QUEUE: name };
        const [a, b, c, d, e] = [id(), id(), id(), id(), id()];
        const file = path.join(dir, 'hcs.txt');
        writeFileSync(file, `# our fleet\n${c}\n\n  ${d.toUpperCase()}  # shouting is fine\n${a}\n`);

        const add = await runCli(['schedule', 'add', '--helpcenter', `${a},${b}`, '--helpcenters-file', file, '--every', '10m', '--json'], { env });
        expect(add.stderr).toBe('');
        expect(add.code).toBe(0);
        const added = JSON.parse(add.stdout) as { helpcenter: string; every: number }[];
        // in the order given, each once, lower case
        expect(added.map((s) => s.helpcenter)).toEqual([a, b, c, d]);
        expect(added.every((s) => s.every === 600_000)).toBe(true);
        expect((await queue.getJobSchedulers()).length).toBe(8);

        // one bad id among good ones: nothing changes, every bad one is named with its place
        writeFileSync(file, `${e}\nnot-an-id\n`);
        const bad = await runCli(['schedule', 'remove', '--helpcenter', a, '--helpcenter', 'xyz', '--helpcenters-file', file], { env });
        expect(bad.code).toBe(2);
        expect(bad.stdout).toBe('');
        expect(bad.stderr).toBe(`hcsync: helpcenter ids must be 24 hex characters; 2 are not: "xyz" (--helpcenter), "not-an-id" (${file} line 2); nothing was changed\n`);
        expect((await queue.getJobSchedulers()).length).toBe(8);
        const badAdd = await runCli(['schedule', 'add', '--helpcenter', `${e},${e.slice(1)}`], { env });
        expect(badAdd.code).toBe(2);
        expect((await queue.getJobSchedulers()).length).toBe(8);

        const missing = await runCli(['schedule', 'add', '--helpcenters-file', path.join(dir, 'nope.txt')], { env });
        expect(missing.code).toBe(2);
        expect(missing.stderr).toMatch(/^hcsync: --helpcenters-file .*nope\.txt cannot be read \(ENOENT\)\n$/);

        // run: one job per helpcenter, several in one call
        const run = await runCli(['schedule', 'run', '--helpcenter', c, '--helpcenter', d, '--full', '--json'], { env });
        expect(run.code).toBe(0);
        expect((JSON.parse(run.stdout) as { helpcenter: string; mode: string; added: boolean }[]).map((r) => [r.helpcenter, r.mode, r.added])).toEqual([
          [c, 'full', true],
          [d, 'full', true],
        ]);

        // remove, text: one line each; one helpcenter alone keeps the single-object JSON
        const rm = await runCli(['schedule', 'remove', '--helpcenter', `${a},${b},${c}`], { env });
        expect(rm.code).toBe(0);
        expect(rm.stdout).toBe([a, b, c].map((h) => `removed the schedules of helpcenter ${h}\n`).join(''));
        const one = await runCli(['schedule', 'remove', '--helpcenter', d, '--json'], { env });
        expect(JSON.parse(one.stdout)).toEqual({ helpcenter: d, removed: true });
        expect(await queue.getJobSchedulers()).toEqual([]);
      });
    });
  });

  it('a flag wins over its variable: HCSYNC_HELPCENTER is not added to --helpcenters-file; a long bad id is cut in the message', async () => {
    await withTempDir(async (dir) => {
      await withTestQueue(redisUrl, async (queue, name) => {
        const [a, b] = [id(), id()];
        const env = { REDIS_URL: redisUrl, HCSYNC_QUEUE: name };
        expect((await runCli(['schedule', 'add', '--helpcenter', `${a},${b}`, '--every', '1h'], { env })).code).toBe(0);
        const file = path.join(dir, 'b.txt');
        writeFileSync(file, `${b}\n`);
        const rm = await runCli(['schedule', 'remove', '--helpcenters-file', file], { env: { ...env, HCSYNC_HELPCENTER: a } });
        expect(rm.stdout).toBe(`removed the schedules of helpcenter ${b}\n`);
        expect((await queue.getJobSchedulers()).map((j) => j.key).join(' ')).toContain(a);
        // the variable alone still works
        const rmEnv = await runCli(['schedule', 'remove'], { env: { ...env, HCSYNC_HELPCENTER: a } });
        expect(rmEnv.stdout).toBe(`removed the schedules of helpcenter ${a}\n`);

        writeFileSync(file, `${'x'.repeat(100_000)}\n`);
        const long = await runCli(['schedule', 'add', '--helpcenters-file', file], { env });
        expect(long.code).toBe(2);
        expect(long.stderr.length).toBeLessThan(300);
      });
    });
  });
});
