import { STATE_RANK, lastActivityMs, parseInstant, type SortKeys } from './order.js';
import type { Case } from './types.js';

export type CaseCheck =
  | { ok: true; case: Case; keys: SortKeys }
  | { ok: false; id: string | undefined; reason: string };

const HEX24 = /^[0-9a-fA-F]{24}$/;
const STRING_FIELDS = ['conversationId', 'subject', 'customer', 'company', 'customerName', 'emailAddress', 'phoneNumber'] as const;
const MESSAGE_STRING_FIELDS = ['content', 'messageId', 'internetMessageId', 'sent', 'sentBy', 'type'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Check one delivered case against the documented shape. Documented fields
 * must have their documented types when present (null counts as absent: the
 * API omits or nulls empty properties); unknown fields pass untouched.
 */
export function validateCase(raw: unknown): CaseCheck {
  if (!isObject(raw)) return { ok: false, id: undefined, reason: 'case is not an object' };
  const id = typeof raw._id === 'string' ? raw._id : undefined;
  if (id === undefined) return { ok: false, id: undefined, reason: '_id is missing or not a string' };
  if (!HEX24.test(id)) return { ok: false, id, reason: '_id is not 24 hex characters' };
  if (typeof raw.state !== 'string' || !Object.hasOwn(STATE_RANK, raw.state)) {
    return { ok: false, id, reason: `state ${JSON.stringify(raw.state)} is not UNHANDLED, HANDLING or CLOSED` };
  }
  for (const f of STRING_FIELDS) {
    const v = raw[f];
    if (v !== undefined && v !== null && typeof v !== 'string') return { ok: false, id, reason: `${f} is not a string` };
  }
  if (raw.caseNumber != null && typeof raw.caseNumber !== 'number') return { ok: false, id, reason: 'caseNumber is not a number' };
  if (raw.actionNeeded != null && typeof raw.actionNeeded !== 'boolean') return { ok: false, id, reason: 'actionNeeded is not a boolean' };
  const msgs = raw.messages;
  if (msgs != null) {
    if (!Array.isArray(msgs)) return { ok: false, id, reason: 'messages is not an array' };
    for (let i = 0; i < msgs.length; i++) {
      const m: unknown = msgs[i];
      if (!isObject(m)) return { ok: false, id, reason: `messages[${i}] is not an object` };
      for (const f of MESSAGE_STRING_FIELDS) {
        const v = m[f];
        if (v !== undefined && v !== null && typeof v !== 'string') return { ok: false, id, reason: `messages[${i}].${f} is not a string` };
      }
      if (typeof m.sent === 'string' && Number.isNaN(parseInstant(m.sent))) {
        return { ok: false, id, reason: `messages[${i}].sent is not an ISO 8601 date` };
      }
    }
  }
  const c = raw as Case;
  return { ok: true, case: c, keys: { id: id.toLowerCase(), sentMs: lastActivityMs(c), stateRank: STATE_RANK[c.state] } };
}
