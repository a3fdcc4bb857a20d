import type { Command } from 'commander';
import { HcsyncError, UsageError } from '../contract/errors.js';
import { idCreatedMs, lastActivityMs, parseInstant } from '../contract/order.js';
import { displayWidth, padToWidth, safeLine, terminalSafe, wrapToWidth } from '../contract/text.js';
import type { Case, Message } from '../contract/types.js';
import { Store, type StoredCase } from '../store/index.js';
import { addHelpcenterOption, addStoreOption, commonOptions } from './options.js';
import { BOLD, useColor } from './output.js';

/** Lines are wrapped to the terminal; without one, to $COLUMNS or this. */
const DEFAULT_WIDTH = 80;
/** Message text is indented under its heading. */
const INDENT = '    ';

/** `show CASE`: one case by `_id` or number, its conversation wrapped to the terminal; `--json` as stored. */
export function registerShow(program: Command): void {
  const cmd = program
    .command('show')
    .description("one case: subject, state, customer, times, then its conversation in order (wrapped to the terminal)")
    .argument('<case>', 'the case _id (24 hex characters) or its case number')
    .option('--json', 'print the case exactly as stored (as the remote last delivered it)');
  addStoreOption(cmd);
  addHelpcenterOption(cmd);
  cmd.action((ref: string, raw: Record<string, unknown>) => {
    const o = commonOptions(raw);
    const store = new Store(o.db, { readonly: true });
    try {
      const found = findCase(store, ref, o.helpcenter);
      if (raw.json) {
        process.stdout.write(`${found.json}\n`);
        return;
      }
      process.stdout.write(caseText(found, outputWidth(), useColor()));
    } finally {
      store.close();
    }
  });
}

/**
 * The one stored case `ref` names: an `_id` (24 hex) or a case number, in
 * `helpcenter` when given. Usage error for another form, or for a number
 * that several helpcenters have (pass --helpcenter); exit 1 when none.
 */
function findCase(store: Store, ref: string, helpcenter: string | undefined): StoredCase {
  const r = ref.trim();
  let all: StoredCase[];
  if (/^[0-9a-f]{24}$/i.test(r)) all = store.lookup.byId(r);
  else if (/^#?[0-9]{1,15}$/.test(r)) all = store.lookup.byNumber(Number(r.replace('#', '')));
  else throw new UsageError(`a case is its _id (24 hex characters) or its case number, got "${safeLine(ref)}"`);
  const matches = helpcenter === undefined ? all : all.filter((c) => c.helpcenter === helpcenter);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new UsageError(`case ${safeLine(r)} is in ${matches.length} helpcenters (${matches.map((c) => c.helpcenter).join(', ')}): pass --helpcenter`);
  }
  const where = helpcenter === undefined ? 'this store' : `helpcenter ${helpcenter}`;
  throw new HcsyncError('E_NOT_FOUND', `no case ${safeLine(r)} in ${where} (${store.file}); \`hcsync search\` finds cases by their words`, { exitCode: 1 });
}

function outputWidth(): number {
  if (process.stdout.isTTY && process.stdout.columns) return process.stdout.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env >= 20 ? env : DEFAULT_WIDTH;
}

/** `2026-01-31 12:00:05 UTC` for an ISO instant; the text as delivered (made safe) when it is not one. */
function when(sent: unknown): string {
  if (typeof sent !== 'string') return '(no time)';
  const ms = parseInstant(sent);
  return Number.isNaN(ms) ? `${safeLine(sent)} (not a time hcsync reads)` : utc(ms);
}

function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A delivered field as text: strings as they are, other values as JSON; absent → undefined. */
function field(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Who a message is from, by its type: the customer writes INCOMING, an agent OUTGOING and COMMENT (internal notes). */
function messageHeading(m: Message, i: number, c: Case): string {
  const by = field(m.sentBy);
  const customer = field(c.customerName) ?? field(c.emailAddress) ?? 'the customer';
  const type = field(m.type) ?? '(no type)';
  const who =
    m.type === 'INCOMING' ? `from ${by ?? customer}`
    : m.type === 'OUTGOING' ? `reply by ${by ?? '(agent not given)'}`
    : m.type === 'COMMENT' ? `internal note by ${by ?? '(agent not given)'}`
    : by !== undefined ? `by ${by}` : '';
  return [`#${i + 1} ${type}`, when(m.sent), who].filter(Boolean).map(safeLine).join(' · ');
}

/**
 * One case as text, `width` columns wide: a block of fields, then each
 * message under its heading, its text wrapped and indented. Everything from
 * the remote is terminal-safe; `bold` marks the headings.
 */
export function caseText(s: StoredCase, width: number, bold: boolean): string {
  const c = JSON.parse(s.json) as Case;
  const b = (t: string) => (bold ? `${BOLD[0]}${t}${BOLD[1]}` : t);
  const msgs: Message[] = Array.isArray(c.messages) ? c.messages : [];
  const state = s.deletedMs !== null
    ? `${field(c.state) ?? '?'} — deleted: not in the remote list since ${utc(s.deletedMs)}`
    : s.stateInferred ? `CLOSED — inferred: gone from the remote's open cases (the remote's own copy has not come yet)`
    : field(c.state) ?? '?';
  const rows: [string, string | undefined][] = [
    ['subject', field(c.subject)],
    ['state', state],
    ['company', field(c.company)],
    ['customer', field(c.customerName)],
    ['e-mail', field(c.emailAddress)],
    ['phone', field(c.phoneNumber)],
    ['created', utc(idCreatedMs(s.id))],
    ['last activity', utc(lastActivityMs(c))],
    ['messages', String(msgs.length)],
  ];
  const labelWidth = Math.max(...rows.map(([k]) => displayWidth(k)));
  const heading = (t: string) => wrapToWidth(t, width).map(b);
  const lines: string[] = heading(`Case ${s.caseNumber !== null ? `#${s.caseNumber} · ` : ''}${s.id} · helpcenter ${s.helpcenter}`);
  for (const [k, v] of rows) {
    if (v === undefined) continue;
    const [first = '', ...rest] = wrapToWidth(safeLine(v), width - labelWidth - 2);
    lines.push(`${padToWidth(k, labelWidth)}  ${first}`, ...rest.map((l) => `${' '.repeat(labelWidth + 2)}${l}`));
  }
  msgs.forEach((m, i) => {
    const msg = typeof m === 'object' && m !== null ? m : ({} as Message);
    lines.push('', ...heading(messageHeading(msg, i, c)));
    const content = field(msg.content);
    const text = content === undefined ? '(no text)' : terminalSafe(content).replace(/\t/g, '    ').replace(/\n{3,}/g, '\n\n').trim();
    for (const l of wrapToWidth(text, width - INDENT.length)) lines.push(l === '' ? '' : `${INDENT}${l}`);
  });
  return `${lines.join('\n')}\n`;
}
