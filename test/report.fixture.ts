import type { Case, CaseState, Message } from '../contract/types.js';
import { validateCase } from '../contract/validate.js';
import { Store, zeroCounters } from '../store/index.js';

/**
 * A small helpcenter for the report tests, written as the sync writes it:
 * three syncs (writePage at chosen `nowMs`), the last a verified full sweep
 * that tombstones case H. The expected numbers are worked out by hand in the
 * tests from the timeline below (all UTC; 2025-01-06 is a Monday).
 *
 *  case created        messages (type time [sentBy])                         company          final
 *  Z    Sun 05 22:00   IN Sun 22:00                                           Beta, "Nordic"   CLOSED
 *  A    Mon 06 08:00   IN 08:00, COMMENT 08:30 Anna, OUT 09:00 Anna,          Acme             CLOSED
 *                      IN 10:00, OUT 10:30 Bo, COMMENT 10:45 Anna
 *  B    Mon 06 08:20   IN 08:20, OUT Tue 08:20 Anna                           Acme             CLOSED
 *  H    Tue 07 10:00   IN Tue 10:00                                           Hidden           deleted at S3
 *  C    Tue 07 13:00   IN 13:00                                               Beta, "Nordic"   UNHANDLED
 *  D    Tue 07 14:00   OUT 14:00 Bo, IN 15:00, OUT 16:00 Anna                 (none)           HANDLING
 *  E    Wed 08 10:00   (none)                                                 Beta, "Nordic"   CLOSED
 *  F    Wed 08 11:00   IN 11:00, OUT 11:10 (no sentBy)                        Acme             CLOSED
 *  G    Thu 09 09:00   [OUT Thu 12:00 Bo, IN Thu 09:30]  (array ≠ time order) Gamma & <Sons>   HANDLING
 *
 * Syncs: S1 Tue 07 12:00 sees Z CLOSED, A HANDLING, B UNHANDLED, H UNHANDLED.
 *        S2 Wed 08 12:00: A CLOSED, B HANDLING; new C UNHANDLED, D HANDLING, E CLOSED, F CLOSED.
 *        S3 Thu 09 18:00 (full sweep): B CLOSED; new G HANDLING; H missing → deleted.
 */

export const HC = 'abcabcabcabcabcabcabcabc';
export const EMPTY_HC = 'def0def0def0def0def0def0';
const H = 3_600_000;
const M = 60_000;
export const MON = Date.UTC(2025, 0, 6);
const DAY = 24 * H;
export const S1 = MON + DAY + 12 * H;
export const S2 = MON + 2 * DAY + 12 * H;
export const S3 = MON + 3 * DAY + 18 * H;
/** the wall clock of the library tests: Fri 2025-01-10 06:00, after the last sync (S3) */
export const NOW = MON + 4 * DAY + 6 * H;

function objectId(createdMs: number, n: number): string {
  return Math.floor(createdMs / 1000).toString(16).padStart(8, '0') + n.toString(16).padStart(16, '0');
}

type Msg = [Message['type'], number, string?];

function mkCase(n: number, createdMs: number, company: string | undefined, msgs: Msg[], state: CaseState = 'CLOSED'): Case {
  const messages: Message[] = msgs.map(([type, at, by], i) => ({
    messageId: `m${n}-${i}`,
    type,
    sent: new Date(at).toISOString(),
    content: `message ${i} of case ${n}`,
    ...(by === undefined ? {} : { sentBy: by }),
  }));
  return { _id: objectId(createdMs, n), caseNumber: n, subject: `Case ${n}`, state, ...(company === undefined ? {} : { company }), messages };
}

const BETA = 'Beta, "Nordic"';
const GAMMA = 'Gamma & <Sons>';
export const CASES = {
  Z: mkCase(1, MON - 2 * H, BETA, [['INCOMING', MON - 2 * H]]),
  A: mkCase(2, MON + 8 * H, 'Acme', [
    ['INCOMING', MON + 8 * H],
    ['COMMENT', MON + 8 * H + 30 * M, 'Anna'],
    ['OUTGOING', MON + 9 * H, 'Anna'],
    ['INCOMING', MON + 10 * H],
    ['OUTGOING', MON + 10 * H + 30 * M, 'Bo'],
    ['COMMENT', MON + 10 * H + 45 * M, 'Anna'],
  ]),
  B: mkCase(3, MON + 8 * H + 20 * M, 'Acme', [['INCOMING', MON + 8 * H + 20 * M], ['OUTGOING', MON + DAY + 8 * H + 20 * M, 'Anna']]),
  H: mkCase(4, MON + DAY + 10 * H, 'Hidden', [['INCOMING', MON + DAY + 10 * H]], 'UNHANDLED'),
  C: mkCase(5, MON + DAY + 13 * H, BETA, [['INCOMING', MON + DAY + 13 * H]], 'UNHANDLED'),
  D: mkCase(6, MON + DAY + 14 * H, undefined, [
    ['OUTGOING', MON + DAY + 14 * H, 'Bo'],
    ['INCOMING', MON + DAY + 15 * H],
    ['OUTGOING', MON + DAY + 16 * H, 'Anna'],
  ], 'HANDLING'),
  E: mkCase(7, MON + 2 * DAY + 10 * H, BETA, []),
  F: mkCase(8, MON + 2 * DAY + 11 * H, 'Acme', [['INCOMING', MON + 2 * DAY + 11 * H], ['OUTGOING', MON + 2 * DAY + 11 * H + 10 * M]]),
  G: mkCase(9, MON + 3 * DAY + 9 * H, GAMMA, [['OUTGOING', MON + 3 * DAY + 12 * H, 'Bo'], ['INCOMING', MON + 3 * DAY + 9 * H + 30 * M]], 'HANDLING'),
};

const at = (c: Case, state: CaseState): Case => ({ ...c, state });

/** One committed page at `nowMs`, as the sync writes it (keys from the contract's validation). */
function syncPage(store: Store, helpcenter: string, nowMs: number, cases: readonly Case[], full = false): void {
  const hc = store.runs.ensureHelpcenter(helpcenter);
  const runId = store.runs.startRun(hc, full ? 'full' : 'incremental', 'test', nowMs, null);
  const delivered = cases.map((c) => {
    const v = validateCase(c);
    if (!v.ok) throw new Error(v.reason);
    return { case: v.case, keys: v.keys, json: JSON.stringify(c), warnings: v.warnings };
  });
  const verified = full ? { afterId: '', throughId: null, seenIds: delivered.map((d) => d.keys.id) } : undefined;
  store.writePage({ hc, runId, nowMs, cases: delivered, rejected: [], progress: () => zeroCounters(), checkpoint: null, ...(verified ? { verified } : {}) });
  if (full) store.applyTombstones({ sweepId: runId, runId, hc, nowMs, maxDelete: { fraction: 1 } });
  // a successful run: its end is the report's "as of" for the helpcenter
  store.runs.completeRun(runId, hc, full ? 'full' : 'incremental', nowMs, nowMs);
}

/** Write the fixture's three syncs, plus a synced helpcenter with no cases at all. */
export function writeFixture(file: string): void {
  const store = new Store(file);
  try {
    const { Z, A, B, H: Hc, C, D, E, F, G } = CASES;
    syncPage(store, HC, S1, [Z, at(A, 'HANDLING'), at(B, 'UNHANDLED'), Hc]);
    syncPage(store, HC, S2, [Z, A, at(B, 'HANDLING'), Hc, C, D, E, F]);
    syncPage(store, HC, S3, [Z, A, B, C, D, E, F, G], true);
    syncPage(store, EMPTY_HC, S1, [], true);
  } finally {
    store.close();
  }
}
