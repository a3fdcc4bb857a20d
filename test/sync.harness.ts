import path from 'node:path';
import { expect } from 'vitest';
import { Simulator } from '../sim/index.js';
import { serve, type LocalServer } from '../query/serve.js';
import { Store } from '../store/index.js';
import { RemoteClient } from '../worker/client.js';
import { runSync, type SyncOptions } from '../worker/sync.js';
import type { SyncSummary } from '../worker/events.js';
import { withTempDir } from './helpers.js';

export interface Harness {
  sim: Simulator;
  store: Store;
  client: RemoteClient;
  dbFile: string;
  dir: string;
  sync(helpcenter: string, mode: SyncOptions['mode'], extra?: Partial<SyncOptions>): Promise<SyncSummary>;
}

/** A simulator, a store file in a temp dir and a client; all closed afterwards. */
export async function withHarness<T>(
  simOpts: Parameters<typeof Simulator.start>[0],
  fn: (h: Harness) => Promise<T>,
  clientOpts: Partial<ConstructorParameters<typeof RemoteClient>[0]> = {},
): Promise<T> {
  return withTempDir(async (dir) => {
    const sim = await Simulator.start(simOpts);
    const dbFile = path.join(dir, 'h.db');
    const store = new Store(dbFile);
    const client = new RemoteClient({ baseUrl: sim.url, baseDelayMs: 5, maxDelayMs: 50, ...clientOpts });
    try {
      return await fn({
        sim,
        store,
        client,
        dbFile,
        dir,
        sync: (helpcenter, mode, extra) => runSync(store, client, { helpcenter, mode, ...extra }),
      });
    } finally {
      await client.close();
      store.close();
      await sim.close();
    }
  });
}

export async function withLocalServer<T>(store: Store, fn: (srv: LocalServer) => Promise<T>, token?: string): Promise<T> {
  const srv = await serve(store, { port: 0, ...(token ? { token } : {}) });
  try {
    return await fn(srv);
  } finally {
    await srv.close();
  }
}

export async function get(base: string, query: string): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(`${base}/helpcenter/case?${query}`);
  const text = await res.text();
  let parsed: { v: unknown } | undefined;
  return {
    status: res.status,
    text,
    // parsed on first use: byte-equal answers never need it
    get body(): unknown {
      if (!parsed) {
        try {
          parsed = { v: JSON.parse(text) };
        } catch {
          parsed = { v: text };
        }
      }
      return parsed.v;
    },
  };
}

export const STATES = ['ALL', 'UNHANDLED', 'HANDLING', 'CLOSED'] as const;
export const SORT_BYS = ['SENT', 'CREATED', 'STATE'] as const;
export const ORDERS = ['asc', 'desc'] as const;

/** Every page of every state × sortBy × sortOrder: local and remote answer the same status and body. */
export async function expectSameListsEverywhere(remote: string, local: string, helpcenter: string, limit = 500): Promise<number> {
  let compared = 0;
  for (const state of STATES) {
    for (const sortBy of SORT_BYS) {
      for (const sortOrder of ORDERS) {
        for (let offset = 0; ; offset += limit) {
          const q = `id=${helpcenter}&state=${state}&sortBy=${sortBy}&sortOrder=${sortOrder}&offset=${offset}&limit=${limit}`;
          const [r, l] = await Promise.all([get(remote, q), get(local, q)]);
          expectSameAnswer(q, r, l);
          compared++;
          const b = r.body as { total: number };
          if (offset + limit >= b.total) break;
        }
      }
    }
  }
  return compared;
}

/** Same status and body; byte-equal text is the fast path, a structural diff explains a mismatch. */
export function expectSameAnswer(q: string, remote: { status: number; body: unknown; text: string }, local: { status: number; body: unknown; text: string }): void {
  if (remote.status === local.status && remote.text === local.text) return;
  expect({ q, status: local.status, body: local.body }).toEqual({ q, status: remote.status, body: remote.body });
}
