import type { CaseState } from '../../contract/types.js';

/** The report's shape and the constants its builder and renderers share (see build.ts). */
export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
export const TOP_COMPANIES = 10;
/** Monday first (ISO 8601). */
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export const PERCENTILE_METHOD = 'nearest-rank';

export interface ReportOptions {
  /** 24 hex characters; absent: every synced helpcenter */
  helpcenter?: string;
  sinceMs?: number;
  untilMs?: number;
  /** when the report is made (`generatedAt`); default Date.now() */
  nowMs?: number;
  /**
   * the "now" of every helpcenter's backlog ages and last backlog point;
   * default: its last successful sync's end (else the last change the sync
   * observed, else `nowMs`)
   */
  asOfMs?: number;
}

/** null: no value to take a statistic of ("n/a") */
export interface Spread {
  median: number | null;
  p90: number | null;
}

export interface HistogramBucket {
  /** e.g. "1–4h" */
  label: string;
  fromMs: number;
  /** exclusive; null: no upper end */
  toMs: number | null;
  count: number;
}

export interface HelpcenterReport {
  helpcenter: string;
  /** ISO: the instant ages are measured to, the end of the last successful sync (see ReportOptions.asOfMs) */
  asOf: string;
  /** live cases created in the window, by current state */
  cases: { total: number } & Record<CaseState, number>;
  /** every live UNHANDLED or HANDLING case as of `asOf`, whenever created (not windowed); age = asOf − creation */
  backlog: { open: number; ageMs: Spread & { max: number | null } };
  firstResponse: {
    /** first INCOMING answered by a later OUTGOING: these have a time */
    answered: number;
    /** first INCOMING with no OUTGOING after it */
    unanswered: number;
    /** the conversation began with an OUTGOING: excluded */
    outgoingFirst: number;
    /** no dated INCOMING or OUTGOING message: excluded */
    noConversation: number;
    ms: Spread;
    histogram: HistogramBucket[];
  };
  /** CLOSED cases: creation → last activity; `withoutMessages` of them count as 0 (their last activity is their creation) */
  resolution: { closed: number; withoutMessages: number; ms: Spread; histogram: HistogramBucket[] };
  /** all messages (any type) of each case created in the window */
  messagesPerCase: { cases: number; mean: number | null } & Spread;
  /** UTC days from the first to the last with any case created or message sent in the window */
  volumePerDay: { date: string; cases: number; messages: number }[];
  /** INCOMING messages sent in the window: counts[weekday Mon..Sun][hour 0..23], UTC */
  incomingHeatmap: { weekdays: readonly string[]; counts: number[][] };
  topCompanies: { company: string; cases: number }[];
  casesWithoutCompany: number;
  /** OUTGOING messages sent in the window per `sentBy` (null: not given), most first */
  agents: { agent: string | null; outgoing: number }[];
  /** open cases at the end of each UTC day (or at --until / now), replayed from the observed events */
  backlogOverTime: { date: string; open: number }[];
}

export interface Report {
  generatedAt: string;
  since: string | null;
  until: string | null;
  percentiles: typeof PERCENTILE_METHOD;
  helpcenters: HelpcenterReport[];
}
