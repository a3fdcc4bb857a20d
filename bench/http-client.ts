import net from 'node:net';

/** One answer as the bench needs it: status and body length (bytes), the body itself dropped. */
export interface LeanAnswer {
  status: number;
  bytes: number;
}

/**
 * The bench's HTTP client for timing `serve`: one keep-alive connection,
 * one GET at a time, and every read lands in one reused 256 KiB buffer
 * (net's `onread`), so receiving a body allocates nothing.
 *
 * Why not undici: a general client wraps every 64 KiB read in a buffer of
 * its own and leaves them to the GC; for a 1.7 MB body that is ~26 buffers
 * a request, freed in batches, and the client's allocator faults their
 * memory in again. On this VM that put p95 7–9 ms under a server answering
 * from memory (the bench's "floor" row), most of serve's limit-500 tail.
 * This client shows what the server costs; the floor row shows both.
 *
 * Reads `Content-Length` bodies only (serve always sends it); anything
 * else, or a connection that ends early, rejects.
 */
export class LeanClient {
  private readonly socket: net.Socket;
  private readonly ready: Promise<void>;
  private head: Buffer[] = [];
  private need = -1; // body bytes still to come; -1: reading the head
  private status = 0;
  private got = 0;
  private pending: { resolve: (a: LeanAnswer) => void; reject: (e: Error) => void } | null = null;

  constructor(readonly url: string) {
    const u = new URL(url);
    const buffer = Buffer.allocUnsafe(256 * 1024);
    this.socket = net.connect({ host: u.hostname, port: Number(u.port), onread: { buffer, callback: (n) => this.onRead(n, buffer) } });
    this.socket.setNoDelay(true);
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('error', (e) => this.fail(e));
    this.socket.on('close', () => this.fail(new Error('connection closed')));
  }

  /** GET `path` (with its query); resolves at the body's last byte. */
  async get(path: string): Promise<LeanAnswer> {
    await this.ready;
    if (this.pending) throw new Error('one request at a time');
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.need = -1;
      this.head = [];
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${new URL(this.url).host}\r\n\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onRead(n: number, b: Buffer): boolean {
    let at = 0;
    if (this.need < 0) {
      // the head, usually whole in the first read; copied only when it spans reads
      const chunk = b.subarray(0, n);
      const before = this.head.length > 0 ? Buffer.concat(this.head) : undefined;
      const all = before ? Buffer.concat([before, chunk]) : chunk;
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) {
        this.head.push(Buffer.from(chunk));
        return true;
      }
      const head = all.toString('latin1', 0, end + 2);
      const length = /\r\ncontent-length: *(\d+)\r\n/i.exec(head);
      if (!length) {
        this.fail(new Error(`no Content-Length in ${JSON.stringify(head.slice(0, 200))}`));
        return false;
      }
      this.status = Number(head.slice(9, 12));
      this.need = Number(length[1]);
      this.got = 0;
      at = end + 4 - (before?.length ?? 0);
    }
    this.got += n - at;
    if (this.got >= this.need && this.pending) {
      const p = this.pending;
      this.pending = null;
      this.need = -1;
      p.resolve({ status: this.status, bytes: this.got });
    }
    return true;
  }

  private fail(e: Error): void {
    const p = this.pending;
    this.pending = null;
    p?.reject(e);
  }
}
