import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, withTempDir } from './helpers.js';

/**
 * Bodies a break-it run of the byte-level page reading found mishandled
 * (issue 11): a small body over a declared cap crashed the process; junk in
 * a field the sync skips was accepted although the body is not JSON; line
 * breaks between a case's tokens broke `export --format ndjson`. A remote
 * of our own on loopback answers the crafted body at offset 0 and an empty
 * page after it.
 */
const HC = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const A1 = `${'a'.repeat(23)}1`;
const A2 = `${'a'.repeat(23)}2`;
const CASE = (id: string, ws = '') => `{${ws}"_id"${ws}:${ws}"${id}",${ws}"state":"UNHANDLED",${ws}"createdDate":"2026-01-0${id.slice(-1)}T10:00:00Z",${ws}"messages":[${ws}]${ws}}`;

async function withRemote<T>(body: () => Buffer, fn: (url: string) => Promise<T>): Promise<T> {
  const total = /"total":(\d+)/.exec(body().toString())?.[1] ?? '0'; // the later pages agree with the first
  const server = http.createServer((req, res) => {
    const offset = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('offset') ?? '0');
    const b = offset === 0 ? body() : Buffer.from(`{"offset":${offset},"limit":500,"total":${total},"cases":[]}`);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': b.length });
    res.end(b);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

const sync = (url: string, db: string, ...extra: string[]) => runCli(['sync', '--full', '--base-url', url, '--helpcenter', HC, '--db', db, '--attempts', '1', ...extra]);

describe('hostile list bodies', () => {
  it('a small body over the declared cap, received whole, is one line and exit 1, never a crash', async () => {
    await withTempDir(async (dir) => {
      const body = Buffer.from(`{"offset":0,"limit":500,"total":1,"pad":"${'x'.repeat(4096)}","cases":[${CASE(A1)}]}`);
      await withRemote(
        () => body,
        async (url) => {
          for (let i = 0; i < 3; i++) {
            const r = await sync(url, path.join(dir, 'cap.db'), '--max-page-bytes', '4096');
            expect(r.code).toBe(1);
            expect(r.stderr).toMatch(/^hcsync: .*exceeds the 4096 byte cap/);
            expect(r.stderr.trim().split('\n')).toHaveLength(1);
            expect(r.stderr).not.toMatch(/\bat \S+ \(|node:events|Unhandled/);
          }
        },
      );
    });
  });

  it('an error answer with a body over the cap is still what its status says: a 401 fails at once as a token problem', async () => {
    await withTempDir(async (dir) => {
      const body = Buffer.from(`{"error":"invalid_token","pad":"${'x'.repeat(100_000)}"}`);
      const server = http.createServer((_req, res) => {
        res.writeHead(401, { 'content-type': 'application/json', 'content-length': body.length });
        res.end(body);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const r = await runCli(['sync', '--full', '--base-url', url, '--helpcenter', HC, '--db', path.join(dir, 'auth.db'), '--attempts', '3', '--max-page-bytes', '4096']);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^hcsync: .*401/);
        expect(r.stderr).not.toMatch(/cap|attempts/);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
      } finally {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
    });
  });

  it('refuses a body that is not JSON because of a field it skips, and stores nothing of it', async () => {
    const junk = ['[1,2}', '"a\u0001b"', '"\\q"', 'tru', 'hello', 'NaN', '01', '{"a"}', '[,,]', '-', '1.', '"\\u12"', '[1,]', '{"a":1,}'];
    await withTempDir(async (dir) => {
      for (const [n, j] of junk.entries()) {
        const body = Buffer.from(`{"offset":0,"limit":500,"total":1,"pad":${j},"cases":[${CASE(A1)}]}`);
        expect(() => JSON.parse(body.toString()) as unknown, j).toThrow();
        await withRemote(
          () => body,
          async (url) => {
            const db = path.join(dir, `junk${n}.db`);
            const r = await sync(url, db);
            expect(r.code, `${j}: ${r.stderr}`).toBe(1);
            expect(r.stderr).toMatch(/^hcsync: .*not JSON/);
            const shown = await runCli(['cases', '--db', db, '--helpcenter', HC, '--json']);
            expect(shown.stdout).not.toContain(A1);
          },
        );
      }
      // the same body with valid values there is read
      await withRemote(
        () => Buffer.from(`{"offset":0,"limit":500,"total":1,"pad":[1,{"a":[true,false,null,-0.5e+3,"\\u00e6\\n"]}],"cases":[${CASE(A1)}]}`),
        async (url) => {
          const db = path.join(dir, 'ok.db');
          expect((await sync(url, db)).code).toBe(0);
          expect((await runCli(['cases', '--db', db, '--helpcenter', HC, '--json'])).stdout).toContain(A1);
        },
      );
    });
  });

  it('exports cases whose text has line breaks between tokens as one JSON value per line, every other byte as delivered', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 'ws.db');
      await withRemote(
        () => Buffer.from(`{"offset":0,"limit":500,"total":2,"cases":[\r\n${CASE(A1, '\n\t')},\n${CASE(A2, '\r\n ')}\n]}`),
        async (url) => expect((await sync(url, db)).code).toBe(0),
      );
      const out = await runCli(['export', '--db', db, '--format', 'ndjson']);
      expect(out.code).toBe(0);
      const lines = out.stdout.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(2);
      expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([JSON.parse(CASE(A1)), JSON.parse(CASE(A2))]);
      expect(lines[0]).toBe(CASE(A1, ' \t'));
    });
  });
});
