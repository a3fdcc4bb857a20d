import type { Case, CaseState, Message, MessageType } from '../contract/types.js';
import { Rng, Zipf } from './random.js';
import { AGENTS, COMPANY_SUFFIXES, COMPANY_WORDS, FIRST_NAMES, SUBJECTS_DA, SUBJECTS_EN, SURNAMES, drawText, drawWord } from './vocabulary.js';

/**
 * Deterministic HelpCenter cases shaped like the seed page's example: the
 * same options give byte-identical JSON (no clock, no Math.random).
 */

export const DEFAULT_END_MS = Date.UTC(2026, 5, 1);
export const HISTORY_MS = 730 * 86_400_000;
const DAY_MS = 86_400_000;

export interface GenerateOptions {
  seed: number;
  helpcenterId: string;
  count: number;
  /** the instant the history ends at (default 2026-06-01T00:00:00Z) */
  endMs?: number;
}

type Lang = 'da' | 'en';

interface Customer {
  id: string;
  name: string;
  email: string;
  company: string | undefined;
  phone: string | undefined;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const FREEMAIL = ['gmail.com', 'hotmail.com', 'outlook.dk', 'live.dk', 'mail.dk', 'yahoo.dk'];
// share of cases created in each UTC hour (Danish office hours dominate)
const HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 9, 11, 11, 10, 8, 10, 10, 9, 7, 5, 4, 4, 3, 3, 2, 1, 1];
const HOUR_CDF: number[] = [];
for (let h = 0, acc = 0; h < 24; h++) HOUR_CDF.push((acc += HOUR_WEIGHTS[h] as number));
const NEXT_TYPE: Record<MessageType, [MessageType, number][]> = {
  INCOMING: [['OUTGOING', 0.65], ['COMMENT', 0.25], ['INCOMING', 0.1]],
  OUTGOING: [['INCOMING', 0.6], ['OUTGOING', 0.25], ['COMMENT', 0.15]],
  COMMENT: [['OUTGOING', 0.6], ['INCOMING', 0.2], ['COMMENT', 0.2]],
};

/** An ObjectId: 8 hex digits of creation seconds, then 16 random hex digits. */
export function objectId(rng: Rng, ms: number): string {
  return rng.chars(16, '0123456789abcdef', 4, Math.floor(ms / 1000).toString(16).padStart(8, '0'));
}

const dayPrefix = new Map<number, string>();

/** "YYYY-MM-DDT" of a UTC day (cached: Date#toISOString is slow and these repeat). */
function datePart(day: number): string {
  let s = dayPrefix.get(day);
  if (s === undefined) {
    s = new Date(day * DAY_MS).toISOString().slice(0, 11);
    if (dayPrefix.size > 100_000) dayPrefix.clear();
    dayPrefix.set(day, s);
  }
  return s;
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** The instant as ISO 8601 with ms: with `Z`, or (offsetMin ≠ 0) as local time with a `+02:00`-style offset. */
export function formatInstant(ms: number, offsetMin = 0): string {
  const local = ms + offsetMin * 60_000;
  const day = Math.floor(local / DAY_MS);
  let rest = local - day * DAY_MS;
  const milli = rest % 1000;
  rest = (rest - milli) / 1000;
  const time = `${two(Math.floor(rest / 3600))}:${two(Math.floor(rest / 60) % 60)}:${two(rest % 60)}.${milli < 100 ? (milli < 10 ? '00' : '0') : ''}${milli}`;
  if (offsetMin === 0) return `${datePart(day)}${time}Z`;
  const a = Math.abs(offsetMin);
  return `${datePart(day)}${time}${offsetMin < 0 ? '-' : '+'}${two(Math.floor(a / 60))}:${two(a % 60)}`;
}

function slug(s: string): string {
  return s.toLowerCase().replace(/æ/g, 'ae').replace(/ø/g, 'oe').replace(/å/g, 'aa').replace(/[^a-z0-9]/g, '');
}

/** Makes cases, messages and customers from one seeded stream. The World uses it for mutations too. */
export class CaseFactory {
  readonly rng: Rng;
  readonly helpcenterId: string;
  private readonly customers: Customer[] = [];
  private readonly customerZipf: Zipf;
  private readonly companies: string[] = [];
  private readonly companyZipf: Zipf;

  constructor(rng: Rng, helpcenterId: string, expectedCases: number) {
    this.rng = rng;
    this.helpcenterId = helpcenterId;
    const nCompanies = Math.max(5, Math.ceil(expectedCases / 12));
    for (let i = 0; i < nCompanies; i++) this.companies.push(this.companyName());
    this.companyZipf = new Zipf(nCompanies);
    const nCustomers = Math.max(10, Math.ceil(expectedCases / 3));
    for (let i = 0; i < nCustomers; i++) this.customers.push(this.makeCustomer());
    this.customerZipf = new Zipf(nCustomers);
  }

  private companyName(): string {
    const r = this.rng;
    const head = r.chance(0.5) ? r.pick(SURNAMES) : `${r.pick(COMPANY_WORDS)} ${r.pick(COMPANY_WORDS)}`;
    return `${head} ${r.pick(COMPANY_SUFFIXES)}`.trim();
  }

  private makeCustomer(): Customer {
    const r = this.rng;
    const first = r.pick(FIRST_NAMES);
    const last = r.pick(SURNAMES);
    const company = r.chance(0.9) ? this.companies[this.companyZipf.sample(r)] : undefined;
    const domain = company !== undefined && r.chance(0.6) ? `${slug(company).slice(0, 20) || 'firma'}.dk` : r.pick(FREEMAIL);
    const email = `${slug(first)}${r.pick(['.', '', '_'])}${slug(last)}${r.chance(0.3) ? r.int(1, 99) : ''}@${domain}`;
    let phone: string | undefined;
    if (r.chance(0.9)) {
      const d = String(r.int(20_000_000, 99_999_999));
      phone = r.chance(0.2) ? `+45 ${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4, 6)} ${d.slice(6)}` : `+45${d}`;
    }
    return { id: r.hex(24), name: `${first} ${last}`, email, company, phone };
  }

  private pickCustomer(): Customer {
    const r = this.rng;
    const i = r.chance(0.3) ? this.customerZipf.sample(r) : r.int(0, this.customers.length - 1);
    return this.customers[i] as Customer;
  }

  private b64(prefix: string, n: number): string {
    return this.rng.chars(n, B64, 6, prefix, '=');
  }

  /** Sorted, increasing creation instants over the HISTORY_MS before endMs, weighted to office hours and weekdays. */
  creationTimes(count: number, endMs: number): Float64Array {
    const r = this.rng;
    const out = new Float64Array(count);
    const startDay = Math.floor((endMs - HISTORY_MS) / DAY_MS);
    const total = HOUR_CDF[23] as number;
    for (let i = 0; i < count; i++) {
      let day: number;
      do day = startDay + r.int(0, 729);
      while ((new Date(day * DAY_MS).getUTCDay() % 6 === 0 && !r.chance(0.35)) || day * DAY_MS >= endMs);
      const u = r.next() * total;
      let hour = 0;
      while ((HOUR_CDF[hour] as number) <= u) hour++;
      out[i] = Math.min(endMs - 1000, day * DAY_MS + hour * 3_600_000 + r.int(0, 3_599_999));
    }
    return out.sort();
  }

  makeCase(createdMs: number, caseNumber: number, endMs: number): Case {
    const r = this.rng;
    const lang: Lang = r.chance(0.75) ? 'da' : 'en';
    const cust = this.pickCustomer();
    let id = objectId(r, createdMs);
    if (r.chance(0.02)) id = id.toUpperCase();
    const u = r.next();
    const state: CaseState = u < 0.85 ? 'CLOSED' : u < 0.93 ? 'HANDLING' : 'UNHANDLED';
    const agent = r.pick(AGENTS);
    const c: Case = { _id: id, caseNumber, conversationId: this.b64('AAQkA', 43), subject: this.subject(lang, caseNumber), state, customer: cust.id };
    if (cust.company !== undefined) c.company = cust.company;
    c.customerName = cust.name;
    c.emailAddress = cust.email;
    if (cust.phone !== undefined && r.chance(0.85)) c.phoneNumber = cust.phone;
    c.actionNeeded = state === 'UNHANDLED';
    const messages = this.thread(createdMs, endMs, state, lang, cust, agent);
    c.messages = messages;
    const last = messages[messages.length - 1];
    if (last !== undefined && r.chance(0.1)) c.latestMessageId = last.messageId;
    if (r.chance(0.1)) c.createdAt = new Date(createdMs).toISOString();
    if (r.chance(0.1)) c.helpCenterId = this.helpcenterId;
    if (r.chance(0.05)) c.meta = { source: r.pick(['email', 'web', 'phone']), priority: r.int(1, 4), tags: [drawWord(r), drawWord(r)], v: 2 };
    return c;
  }

  private subject(lang: Lang, caseNumber: number): string {
    const r = this.rng;
    let s = r.pick(lang === 'da' ? SUBJECTS_DA : SUBJECTS_EN);
    if (r.chance(0.4)) s += ` - ${drawText(r, r.int(1, 3)).slice(0, -1)}`;
    if (r.chance(0.1)) s = `${r.pick(lang === 'da' ? ['SV: ', 'VS: '] : ['Re: ', 'Fwd: '])}${s}`;
    if (r.chance(0.2)) s = `#${caseNumber} ${s}`;
    return s;
  }

  private thread(createdMs: number, endMs: number, state: CaseState, lang: Lang, cust: Customer, agent: string): Message[] {
    const r = this.rng;
    const n = r.chance(0.03) ? 0 : r.int(1, 10);
    const types: MessageType[] = [];
    for (let i = 0; i < n; i++) {
      const prev = types[i - 1];
      if (prev === undefined) types.push(r.chance(0.9) ? 'INCOMING' : r.chance(0.7) ? 'OUTGOING' : 'COMMENT');
      else {
        const u = r.next();
        let acc = 0;
        let next: MessageType = 'INCOMING';
        for (const [t, p] of NEXT_TYPE[prev]) if (u < (acc += p)) { next = t; break; }
        types.push(next);
      }
    }
    if (state === 'UNHANDLED' && n > 0) types[n - 1] = 'INCOMING';
    const out: Message[] = [];
    let t = Math.floor(createdMs / 1000) * 1000 - r.int(0, 300) * 1000;
    for (const type of types) {
      if (t >= endMs) break;
      const ms = r.chance(0.1) ? r.int(0, 999) : 0;
      out.push(this.message(type, t + ms, lang, cust.name, cust.email, r.chance(0.8) ? agent : r.pick(AGENTS)));
      const g = r.next();
      t += 1000 * (g < 0.3 ? r.int(60, 3600) : g < 0.8 ? r.int(3600, 86_400) : r.int(86_400, 7 * 86_400));
    }
    return out;
  }

  /** One message; `sentMs` becomes `sent` (5% written with a +01:00/+02:00 offset). */
  message(type: MessageType, sentMs: number, lang: Lang, customerName: string, customerEmail: string, agent: string): Message {
    const r = this.rng;
    const words = 10 + Math.floor(110 * r.next() ** 2);
    const first = customerName.split(' ')[0] ?? customerName;
    const da = lang === 'da';
    let content: string;
    if (type === 'COMMENT') content = drawText(r, words);
    else if (type === 'INCOMING') content = drawText(r, words, `${da ? 'Hej' : 'Hi'},\n\n`, `\n\n${da ? 'Mvh' : 'Regards'}\n${customerName}`);
    else content = drawText(r, words, `${da ? 'Hej' : 'Dear'} ${first},\n\n`, `\n\n${da ? 'Med venlig hilsen' : 'Kind regards'}\n${agent}\nTelecomX Support`);
    const m: Message = { content, messageId: this.b64('AAMkAG', 46) };
    if (type !== 'COMMENT') {
      const domain = type === 'INCOMING' ? customerEmail.slice(customerEmail.indexOf('@') + 1) : 'telecomx.dk';
      m.internetMessageId = r.chars(20, '0123456789ABCDEF', 4, '<', `@${domain}>`);
    }
    m.sent = formatInstant(sentMs, r.chance(0.05) ? r.pick([60, 120]) : 0);
    m.sentBy = type === 'INCOMING' ? customerName : agent;
    m.type = type;
    if (r.chance(0.02)) m.attachments = [{ name: `${drawWord(r)}.png`, size: r.int(1000, 900_000) }];
    return m;
  }

  /** A case that has just arrived: UNHANDLED, one INCOMING message sent at `createdMs`. */
  freshCase(createdMs: number, caseNumber: number): Case {
    const c = this.makeCase(createdMs, caseNumber, Number.POSITIVE_INFINITY);
    const m = this.reply(c, createdMs, 'INCOMING');
    c.state = 'UNHANDLED';
    c.actionNeeded = true;
    c.messages = [m];
    if (c.latestMessageId !== undefined) c.latestMessageId = m.messageId;
    return c;
  }

  /** A reply to an existing case (World.reply): OUTGOING by an agent unless `type` says otherwise. */
  reply(c: Case, sentMs: number, type: MessageType = 'OUTGOING'): Message {
    const r = this.rng;
    const name = typeof c.customerName === 'string' ? c.customerName : 'Kunde';
    const email = typeof c.emailAddress === 'string' ? c.emailAddress : 'kunde@example.dk';
    return this.message(type, sentMs, r.chance(0.75) ? 'da' : 'en', name, email, r.pick(AGENTS));
  }
}

/** `count` cases of one helpcenter, oldest first, case numbers 1..count. */
export function generateCases(opts: GenerateOptions): Case[] {
  const endMs = opts.endMs ?? DEFAULT_END_MS;
  const f = new CaseFactory(new Rng(opts.seed, `cases:${opts.helpcenterId.toLowerCase()}`), opts.helpcenterId, opts.count);
  const times = f.creationTimes(opts.count, endMs);
  const out: Case[] = new Array(opts.count);
  for (let i = 0; i < opts.count; i++) out[i] = f.makeCase(times[i] as number, i + 1, endMs);
  return out;
}
