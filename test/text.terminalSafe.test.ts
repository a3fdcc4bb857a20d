import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { describeBinary, terminalSafe } from '../contract/text.js';
import { runCli, withTempDir } from './helpers.js';
import { HC_A, makeCase, writeSyncedStore } from './cases.fixture.js';

/**
 * Remote text never reaches a terminal raw: control sequences in an error
 * body, a subject or a company are shown as visible escapes by every
 * command that prints text (sync, status, cases, search, report, show), a
 * binary body is described, not dumped. JSON keeps the data as delivered.
 */

/** C0 but TAB and LF, DEL, C1, and the bidi overrides/isolates: nothing of these may reach a terminal. */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE = '\u001b]0;pwned\u0007\u001b[2J\u009b31mred\u202eevil';

/** A loopback server answering every request with `status` and `body`. */
async function answering(status: number, body: string | Buffer, headers: Record<string, string> = {}) {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}

describe('terminal-safe remote text', () => {
  it('error bodies: sync prints, stores and status replays them with escapes visible; gzip is described', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 'e.db');
      const sync = (url: string) => runCli(['sync', '--db', db, '--base-url', url, '--helpcenter', HC_A, '--attempts', '1']);

      const html = await answering(502, `<html><title>${HOSTILE}</title><body>Bad gateway</body></html>`, { 'content-type': 'text/html' });
      try {
        const r = await sync(html.url);
        expect(r.code).toBe(1);
        expect(r.stderr).not.toMatch(RAW_CONTROL);
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(r.stderr).toContain('\\x1b]0;pwned\\x07\\x1b[2J\\x9b31mred\\u202eevil');
      } finally {
        await html.close();
      }

      const json = await answering(403, JSON.stringify({ error: 'access_denied', description: `Denied ${HOSTILE}` }), { 'content-type': 'application/json' });
      try {
        const r = await sync(json.url);
        expect(r.code).toBe(1);
        expect(r.stderr).not.toMatch(RAW_CONTROL);
        expect(r.stderr).toContain('403 access_denied: Denied \\x1b]0;pwned');
      } finally {
        await json.close();
      }

      const gz = gzipSync(JSON.stringify({ error: 'busy', padding: 'x'.repeat(400) }));
      const zipped = await answering(503, gz, { 'content-type': 'application/json' });
      try {
        const r = await sync(zipped.url);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(`HTTP 503: ${gz.length} bytes of gzip`);
        expect(r.stderr).not.toMatch(RAW_CONTROL);
        expect(r.stderr).not.toContain('\ufffd');
      } finally {
        await zipped.close();
      }

      // status replays the stored errors: the text form safe, on one line per helpcenter
      const st = await runCli(['status', '--db', db, '--redis-url', 'redis://127.0.0.1:1']);
      expect(st.code).toBe(0);
      expect(st.stdout).not.toMatch(RAW_CONTROL);
      expect(st.stdout).toContain('bytes of gzip');
    });
  });

  it('subjects, companies and messages with escapes: shown visibly by cases, search, report and show; JSON as delivered', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 't.db');
      const c = makeCase(1, { subject: `Hej ${HOSTILE}`, company: `Firma ${HOSTILE}`, customerName: HOSTILE }, [['INCOMING', 0, `faktura ${HOSTILE} fejl\r\nlinje 2`]]);
      await writeSyncedStore(db, { [HC_A]: [c] });
      const outputs = [
        await runCli(['cases', '--db', db, '--helpcenter', HC_A]),
        await runCli(['search', '--db', db, 'faktura']),
        await runCli(['report', '--db', db]),
        await runCli(['show', '--db', db, '1']),
      ];
      for (const r of outputs) {
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).not.toMatch(RAW_CONTROL);
        expect(r.stdout).toContain('\\x1b]0;pwned');
      }
      // JSON keeps what the remote delivered, byte for byte in meaning
      const j = await runCli(['cases', '--db', db, '--helpcenter', HC_A, '--json']);
      expect((JSON.parse(j.stdout) as { cases: unknown[] }).cases[0]).toEqual(c);
      const s = await runCli(['search', '--db', db, '--json', 'faktura']);
      expect((JSON.parse(s.stdout) as { hits: { subject: string }[] }).hits[0]!.subject).toBe(c.subject);
    });
  });

  it('terminalSafe and describeBinary', () => {
    expect(terminalSafe('a\u001b[2Jb\tc\nd\r\ne\rf\u0000\u007f\u0085')).toBe('a\\x1b[2Jb\tc\nd\ne\nf\\x00\\x7f\\x85');
    expect(terminalSafe('Café 株式会社 👍🏽 ø')).toBe('Café 株式会社 👍🏽 ø');
    expect(describeBinary('plain text, æøå')).toBeUndefined();
    const gz = gzipSync('hello '.repeat(50));
    expect(describeBinary(gz.toString('utf8'), gz.length)).toBe(`${gz.length} bytes of gzip`);
    expect(describeBinary('\u0000\u0001\u0002abc', 6)).toBe('6 bytes of binary data');
  });
});
