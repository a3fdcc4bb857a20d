import type { Case, Message } from '../contract/types.js';
import { Simulator, World } from '../sim/index.js';
import { Store } from '../store/index.js';
import { RemoteClient } from '../worker/client.js';
import { runSync } from '../worker/sync.js';

/**
 * Stores holding exactly the cases a test writes, synced the way users sync:
 * the simulator serves them over loopback HTTP and `runSync` makes a full
 * sweep into a real SQLite file.
 */

export const HC_A = 'a1a1a1a1a1a1a1a1a1a1a1a1';
export const HC_B = 'b2b2b2b2b2b2b2b2b2b2b2b2';
/** 2025-03-03 (a Monday) 09:00 UTC: the cases below are created from here on, an hour apart. */
export const T0 = Date.UTC(2025, 2, 3, 9);
const HOUR = 3_600_000;

/** The ObjectId of case `n`, created `n` hours after T0 (its first 8 hex digits are the seconds). */
export function caseId(n: number): string {
  return Math.floor((T0 + n * HOUR) / 1000).toString(16).padStart(8, '0') + n.toString(16).padStart(16, '0');
}

/** Case number `n` with the given fields; messages as [type, minutes after creation, content, sentBy?]. */
export function makeCase(n: number, fields: Partial<Case>, msgs: [Message['type'] | string, number, string, string?][] = []): Case {
  const created = T0 + n * HOUR;
  const messages = msgs.map(([type, min, content, by], i) => ({
    messageId: `m${n}-${i}`,
    type: type as Message['type'],
    sent: new Date(created + min * 60_000).toISOString(),
    content,
    ...(by === undefined ? {} : { sentBy: by }),
  }));
  return { _id: caseId(n), caseNumber: n, state: 'UNHANDLED', subject: `Case ${n}`, messages, ...fields };
}

/** Sync `byHelpcenter` (helpcenter id → its cases, kept as given) into the store file `file`. */
export async function writeSyncedStore(file: string, byHelpcenter: Record<string, readonly unknown[]>): Promise<void> {
  const world = new World({ seed: 1, helpcenters: Object.entries(byHelpcenter).map(([id, cases]) => ({ id, cases })) });
  const sim = await Simulator.start({ world });
  const store = new Store(file);
  const client = new RemoteClient({ baseUrl: sim.url });
  try {
    for (const helpcenter of Object.keys(byHelpcenter)) await runSync(store, client, { helpcenter, mode: 'full' });
  } finally {
    await client.close();
    store.close();
    await sim.close();
  }
}
