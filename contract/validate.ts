import { STATE_RANK, parseInstant, sortKeys, type SortKeys } from './order.js';
import type { Case } from './types.js';

/**
 * Tolerant reading of delivered cases (docs/sync.md#tolerant-reading): a case
 * is refused only when it has no usable `_id`; everything else is kept as
 * delivered, and each documented field that cannot be read is reported as a
 * warning (it is then absent for sorting and reporting).
 */

/** A field of a delivered case that could not be read (stored anyway). */
export interface FieldWarning {
  /** e.g. `caseNumber`, `messages`, `messages[3].sent` */
  field: string;
  /** what was wrong, e.g. "not a number (string)" */
  detail: string;
}

/** A case as delivered and accepted: the object, its sort keys, and its JSON text exactly as delivered. */
export interface DeliveredCase {
  case: Case;
  keys: SortKeys;
  /** the case's JSON text as it came over the wire (or re-serialised when the body could not be sliced) */
  json: string;
  warnings: readonly FieldWarning[];
}

/** A delivered item that cannot be stored: no usable `_id` (or not serialisable at all). */
export interface RejectedCase {
  /** the `_id` as delivered, when it was a string */
  id: string | undefined;
  reason: string;
  raw: unknown;
}

export type CaseCheck =
  | { ok: true; case: Case; keys: SortKeys; warnings: FieldWarning[] }
  | { ok: false; id: string | undefined; reason: string };

const HEX24 = /^[0-9a-fA-F]{24}$/;
const STRING_FIELDS = ['conversationId', 'subject', 'customer', 'company', 'customerName', 'emailAddress', 'phoneNumber'] as const;
const MESSAGE_STRING_FIELDS = ['content', 'messageId', 'internetMessageId', 'sentBy', 'type'] as const;
/** warnings kept per case; a case with thousands of odd messages reports the first ones and a count */
const MAX_WARNINGS_PER_CASE = 20;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/**
 * Check one delivered item. Refused (`ok: false`) only without a usable
 * `_id`; otherwise accepted with the warnings for documented fields that do
 * not have their documented types (null counts as absent: the API omits or
 * nulls empty properties). Unknown fields pass untouched. Never throws.
 */
export function validateCase(raw: unknown): CaseCheck {
  if (!isObject(raw)) return { ok: false, id: undefined, reason: `case is not an object (${kind(raw)})` };
  const id = typeof raw._id === 'string' ? raw._id : undefined;
  if (id === undefined) return { ok: false, id: undefined, reason: `_id is missing or not a string (${kind(raw._id)})` };
  if (!HEX24.test(id)) return { ok: false, id, reason: '_id is not 24 hex characters' };
  const warnings: FieldWarning[] = [];
  let dropped = 0;
  const warn = (field: string, detail: string) => {
    if (warnings.length < MAX_WARNINGS_PER_CASE) warnings.push({ field, detail });
    else dropped++;
  };
  if (typeof raw.state !== 'string' || !Object.hasOwn(STATE_RANK, raw.state)) {
    warn('state', raw.state === undefined ? 'missing' : `not UNHANDLED, HANDLING or CLOSED (${kind(raw.state)})`);
  }
  for (const f of STRING_FIELDS) {
    const v = raw[f];
    if (v != null && typeof v !== 'string') warn(f, `not a string (${kind(v)})`);
  }
  if (raw.caseNumber != null && typeof raw.caseNumber !== 'number') warn('caseNumber', `not a number (${kind(raw.caseNumber)})`);
  if (raw.actionNeeded != null && typeof raw.actionNeeded !== 'boolean') warn('actionNeeded', `not a boolean (${kind(raw.actionNeeded)})`);
  const msgs = raw.messages;
  if (msgs != null) {
    if (!Array.isArray(msgs)) warn('messages', `not an array (${kind(msgs)})`);
    else {
      for (let i = 0; i < msgs.length; i++) {
        const m: unknown = msgs[i];
        if (!isObject(m)) {
          warn(`messages[${i}]`, `not an object (${kind(m)})`);
          continue;
        }
        for (const f of MESSAGE_STRING_FIELDS) {
          const v = m[f];
          if (v != null && typeof v !== 'string') warn(`messages[${i}].${f}`, `not a string (${kind(v)})`);
        }
        const sent = m.sent;
        if (sent != null && (typeof sent !== 'string' || Number.isNaN(parseInstant(sent)))) {
          warn(`messages[${i}].sent`, typeof sent === 'string' ? 'not an ISO 8601 instant' : `not a string (${kind(sent)})`);
        }
      }
    }
  }
  if (dropped > 0) warnings.push({ field: '…', detail: `${dropped} more unreadable fields` });
  const c = raw as Case;
  return { ok: true, case: c, keys: sortKeys(c), warnings };
}
