import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startServe } from './serve.harness.js';
import { withHarness } from './sync.harness.js';

/** What came back on one raw connection: the status of the first response (null: closed without one). */
interface RawAnswer {
  status: number | null;
  head: string;
  body: string;
}

/** Send `bytes` on a fresh connection and read until the server closes it (every request says `Connection: close`). */
function rawRequest(port: number, bytes: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no close within 10 s after ${JSON.stringify(String(bytes).slice(0, 80))}`));
    }, 10_000);
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.on('error', () => {}); // a reset after the answer is fine: what was read counts
    sock.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({ status: m ? Number(m[1]) : null, head, body });
    });
    // half-close after the bytes: a request that never completes ends at EOF instead of a header timeout
    sock.end(bytes);
  });
}

const get = (target: string, headers = 'Host: x\r\n') => `GET ${target} HTTP/1.1\r\n${headers}Connection: close\r\n\r\n`;

/**
 * Malformed and hostile requests, each with the statuses it may get. `null`
 * means the connection may be closed without an answer (the request never
 * parsed). After every one, `/healthz` must still answer.
 */
function corpus(hc: string): [string, string | Buffer, (number | null)[]][] {
  return [
    // the requests that killed the process: the URL parser rejects these targets
    ['empty authority', get('//'), [404]],
    ['userinfo authority', get('//a:b@'), [404]],
    ['port out of range', get('//x:99999/'), [404]],
    ['backslashes', get('/\\\\'), [404]],
    ['scheme-relative to the list', get(`//evil/helpcenter/case?id=${hc}`), [404]],
    ['absolute form', get(`http://h/helpcenter/case?id=${hc}&token=s3cret&limit=1`), [200]],
    ['absolute form, bad port', get('http://h:99999/helpcenter/case'), [400]],
    ['absolute form, other scheme', get('ftp://h/healthz'), [400]],
    ['asterisk', get('*'), [400]],
    ['OPTIONS asterisk', 'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', [405]],
    ['no leading slash', get('helpcenter/case'), [400]],
    ['percent-encoded path', get('/helpcenter%2Fcase'), [404]],
    ['NUL in path', get('/%00'), [404]],
    ['traversal', get('/..%2f..%2fetc%2fpasswd'), [404]],
    ['malformed percent in query', get(`/helpcenter/case?id=${hc}&token=s3cret&state=%zz`), [422]],
    ['invalid UTF-8 in query', get(`/helpcenter/case?id=${hc}&token=s3cret&state=%C3%28`), [422]],
    ['huge offset', get(`/helpcenter/case?id=${hc}&token=s3cret&offset=99999999999999999999999`), [422]],
    ['no token', get(`/helpcenter/case?id=${hc}`), [403]],
    ['token twice, wrong first', get(`/helpcenter/case?id=${hc}&token=x&token=s3cret`), [403]],
    ['empty bearer', get(`/helpcenter/case?id=${hc}`, 'Host: x\r\nAuthorization: Bearer\r\n'), [403]],
    ['latin-1 bytes in a header', Buffer.from(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: \xff\xfe\r\nConnection: close\r\n\r\n`, 'latin1'), [200]],
    ['control byte in a header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\nConnection: close\r\n\r\n`, [400]],
    ['URL of 10 KiB', get(`/helpcenter/case?id=${hc}&x=${'a'.repeat(10 * 1024)}`), [414]],
    ['URL of 40 KiB', get(`/helpcenter/case?id=${hc}&x=${'a'.repeat(40 * 1024)}`), [431]],
    ['header of 40 KiB', get('/healthz', `Host: x\r\nX-Big: ${'b'.repeat(40 * 1024)}\r\n`), [431]],
    ['unknown method', 'BREW /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', [400]],
    ['DELETE', 'DELETE /helpcenter/case HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', [405]],
    ['POST with a body', 'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello', [405]],
    ['GET with a body', 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello', [200]],
    ['bad content-length', 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n', [400]],
    ['content-length and chunked', 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n', [400]],
    ['no Host on HTTP/1.1', 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n', [400]],
    ['HTTP/1.0 without Host', 'GET /healthz HTTP/1.0\r\n\r\n', [200]],
    ['HTTP/9.9', 'GET /healthz HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n', [400]],
    ['upgrade', get('/healthz', 'Host: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'), [200]],
    ['CONNECT', 'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n', [405]],
    ['expectation', get('/healthz', 'Host: x\r\nExpect: teapot\r\n'), [417]],
    ['TLS hello', Buffer.from('16030100a5010000a10303', 'hex'), [400]],
    // no request at all: nothing to answer, the connection just ends
    ['bare newline', '\r\n\r\n', [null]],
  ];
}

describe('serve answers every request', () => {
  it('a corpus of malformed requests over a raw socket: each gets a status, and /healthz answers after each', async () => {
    await withHarness({ seed: 91, helpcenters: 1, cases: 20 }, async (h) => {
      const [hc] = h.sim.world.helpcenterIds() as [string];
      await h.sync(hc, 'full');
      const srv = await startServe(['--db', h.dbFile, '--token', 's3cret']);
      try {
        for (const [name, bytes, allowed] of corpus(hc)) {
          const a = await rawRequest(srv.port, bytes);
          expect({ name, status: a.status }, a.head).toEqual({ name, status: expect.toSatisfy((s: number | null) => allowed.includes(s)) });
          if (a.status !== null && a.status >= 400 && /content-type: application\/json/i.test(a.head)) {
            // our own answers are the API's JSON error shape
            expect(JSON.parse(a.body), name).toMatchObject({ error: expect.any(String) });
          }
          const health = await rawRequest(srv.port, get('/healthz'));
          expect({ after: name, health: health.status }).toEqual({ after: name, health: 200 });
        }
        expect(srv.child.exitCode).toBeNull();
        // the token given in a query never reaches the log
        expect(srv.stderr()).not.toContain('s3cret');
      } finally {
        await srv.stop();
      }
    });
  });
});
