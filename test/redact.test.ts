import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { enqueueSync } from '../worker/queue.js';
import { REDACTED, WITHHELD, tokenRedactor } from '../worker/redact.js';
import { runCli, waitUntil, withTempDir } from './helpers.js';
import { scanRedisFor, syncRuns, withTestQueue, withWorkers, workerArgs } from './worker.harness.js';

const redisUrl = inject('redisUrl');

/** Where the token was: a piece replaced, or the whole text withheld. */
const REMOVED = new RegExp(`${REDACTED.replace(/[[\]]/g, '\\$&')}|${WITHHELD.replace(/[[\]]/g, '\\$&')}`);

/** Every piece of `token` of 8+ characters found in `text`, case-insensitively (what must never be written). */
function leaks(text: string, token: string): string[] {
  const low = text.toLowerCase();
  const t = token.toLowerCase();
  const found: string[] = [];
  for (let i = 0; i + 8 <= t.length; i++) if (low.includes(t.slice(i, i + 8))) found.push(t.slice(i, i + 8));
  return found;
}

/** How a careless remote echoes a token: whole, shouting, cut, with its middle elided, and form-encoded. */
const ECHOES: Record<string, (t: string) => string> = {
  upper: (t) => t.toUpperCase(),
  truncated: (t) => t.slice(0, 14),
  elided: (t) => `${t.slice(0, 10)}…${t.slice(-10)}`,
  'mixed case, from the middle': (t) => [...t.slice(5, 25)].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join(''),
  'form-encoded tail': (t) => new URLSearchParams({ t }).toString().slice(-12),
  // pieces of 7 that a reader joins again: JSON escapes (decoded when the body is read), markup (dropped)
  'JSON escapes': (t) => [...t].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
  'split by markup': (t) => [0, 7, 14, 21, 28, 35, 42].map((i) => t.slice(i, i + 7)).join('<b></b>'),
};

/** Helpcenter ids this remote knows: the n-th echoes the token the n-th way, with 403 (permanent) or 500 (transient). */
function echoIds(): { id: string; echo: string; status: number }[] {
  return Object.keys(ECHOES).flatMap((echo, i) => [
    { id: `${(2 * i).toString(16).padStart(2, '0')}${'a'.repeat(22)}`, echo, status: 403 },
    { id: `${(2 * i + 1).toString(16).padStart(2, '0')}${'b'.repeat(22)}`, echo, status: 500 },
  ]);
}

/** A remote that answers every list request with an error body quoting the token it was sent, transformed. */
async function withEchoRemote<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const ids = new Map(echoIds().map((e) => [e.id, e]));
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const auth = req.headers.authorization;
    const token = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice(7) : (u.searchParams.get('token') ?? '');
    const e = ids.get(u.searchParams.get('id') ?? '') ?? { echo: 'upper', status: 403 };
    const said = ECHOES[e.echo]!(token);
    res.statusCode = e.status;
    if (e.status === 403) {
      res.setHeader('content-type', 'application/json');
      // written by hand: JSON.stringify would escape the backslashes of the JSON-escapes echo
      res.end(`{"error":"access_denied","description":"token ${said.replace(/"/g, '\\"')} may not read this"}`);
    } else {
      res.setHeader('content-type', 'text/plain');
      res.end(`upstream failed for ${said}`);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await fn(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/** Everything under `dir` (the store, its -wal, the lock files) as text. */
function filesText(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => readFileSync(path.join(d.parentPath, d.name)).toString('latin1'))
    .join('\n');
}

describe('the token never leaves in pieces', () => {
  it('tokenRedactor removes exact forms and case-insensitive pieces of 8+ characters, and leaves shorter ones and other text', () => {
    const t = 'tOk-3nTr0py-Zq9!x/y+z-0123456789';
    const r = tokenRedactor(t);
    expect(r(`a ${t} b`)).toBe(`a ${REDACTED} b`);
    expect(r(t.toUpperCase())).toBe(REDACTED);
    expect(r(`(${t.slice(0, 8)})`)).toBe(`(${REDACTED})`);
    expect(r(`${t.slice(0, 10)}…${t.slice(-10)}`)).toBe(`${REDACTED}…${REDACTED}`);
    expect(r(`q=${encodeURIComponent(t).slice(3, 20)}&`)).toBe(`q=${REDACTED}&`);
    expect(r(t.slice(0, 7))).toBe(t.slice(0, 7));
    expect(r('helpcenter 36a0a9e7ec812137667ad210: 403 access_denied')).toBe('helpcenter 36a0a9e7ec812137667ad210: 403 access_denied');
    expect(tokenRedactor('short')('a short SHORT b')).toBe(`a ${REDACTED} SHORT b`);
    expect(tokenRedactor(undefined)('anything')).toBe('anything');
    // split into pieces of 7 by markup or spaces: no piece is the token's, the whole is, so the text is withheld
    expect(tokenRedactor('s3cr3t-T0KEN-abcdefgh')('bad token s3cr3t-<b>T0KEN-a</b>bcdefgh')).toBe(WITHHELD);
    expect(tokenRedactor('s3cr3t-T0KEN-abcdefgh')('bad token s3cr3t- T0KEN-a bcdefgh')).toBe(WITHHELD);
    expect(tokenRedactor('s3cr3t-T0KEN-abcdefgh')('403 access_denied: Insufficient access level')).toBe('403 access_denied: Insufficient access level');
  });

  it('`hcsync sync` against a remote echoing the token cut, upper-cased or elided: not on stderr, not in sync_runs.error, not in any file of the store', async () => {
    await withTempDir(async (dir) => {
      const token = `tok-${randomBytes(20).toString('hex')}`;
      await withEchoRemote(async (url) => {
        for (const tokenIn of ['header', 'query']) {
          // query mode: the permanent failures are enough to show the same path (each CLI run costs ~1.5 s)
          const ids = echoIds().filter((e) => tokenIn === 'header' || e.status === 403);
          for (const e of ids) {
            const db = path.join(dir, `${tokenIn}.db`);
            const r = await runCli(['sync', '--db', db, '--base-url', url, '--helpcenter', e.id, '--token-in', tokenIn, '--attempts', '1'], { env: { TELECOMX_TOKEN: token } });
            const what = `${tokenIn}, ${e.echo}, ${e.status}`;
            expect({ what, code: r.code, lines: r.stderr.trim().split('\n').length }).toEqual({ what, code: 1, lines: 1 });
            expect(r.stderr, what).toMatch(REMOVED);
            expect(leaks(r.stderr + r.stdout, token), what).toEqual([]);
          }
          const db = path.join(dir, `${tokenIn}.db`);
          const errors = syncRuns(db).map((x) => x.error ?? '');
          expect(errors).toHaveLength(ids.length);
          for (const err of errors) expect(err).toMatch(REMOVED);
          expect(leaks(errors.join('\n'), token)).toEqual([]);
          const st = await runCli(['status', '--json', '--db', db]);
          expect(leaks(st.stdout + st.stderr, token)).toEqual([]);
        }
        expect(leaks(filesText(dir), token)).toEqual([]);
      });
    });
  });

  it('the worker: not in failedReason or stacktrace in Redis, not in its log, not in the store', async () => {
    await withTempDir(async (dir) => {
      const token = `tok-${randomBytes(20).toString('hex')}`;
      await withEchoRemote(async (url) => {
        await withTestQueue(redisUrl, async (queue, name) => {
          const db = path.join(dir, 'w.db');
          await withWorkers(async (spawnWorker) => {
            const w = spawnWorker([...workerArgs({ db, baseUrl: url, redisUrl, queue: name }), '--attempts', '1'], { TELECOMX_TOKEN: token });
            await w.waitForLog((l) => l.event === 'worker.ready', 'worker ready');
            const jobs = await Promise.all(echoIds().map((e) => enqueueSync(queue, { helpcenter: e.id, mode: 'full' })));
            // 403: failed for good; 500: failed once, waiting for its retry
            await waitUntil(async () => {
              const all = await Promise.all(jobs.map((j) => queue.getJob(j.id!)));
              return all.every((j) => j?.failedReason);
            }, 'every job failed once');
            const all = await Promise.all(jobs.map((j) => queue.getJob(j.id!)));
            for (const j of all) {
              expect(j!.failedReason).toMatch(REMOVED);
              expect(leaks(`${j!.failedReason}\n${(j!.stacktrace ?? []).join('\n')}`, token)).toEqual([]);
            }
            expect(all.some((j) => (j!.stacktrace ?? []).length > 0)).toBe(true);
            await waitUntil(() => w.logs.filter((l) => l.event === 'job.finish').length >= jobs.length, 'a job.finish line per job');
            w.child.kill('SIGTERM');
            await w.exited;
            expect(leaks(w.stdout() + w.stderr(), token)).toEqual([]);
          });
          const lower = token.toLowerCase();
          const needles = [];
          for (let i = 0; i + 8 <= lower.length; i++) needles.push(lower.slice(i, i + 8), lower.slice(i, i + 8).toUpperCase());
          const { hits } = await scanRedisFor(queue, needles);
          expect(hits).toEqual([]);
          expect(syncRuns(db).every((r) => REMOVED.test(r.error ?? ''))).toBe(true);
          expect(leaks(filesText(dir), token)).toEqual([]);
        });
      });
    });
  });
});
