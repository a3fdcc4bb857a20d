/** The remote API's shapes (seed page `api:helpcenter:case:list`). */

export const STATES = ['UNHANDLED', 'HANDLING', 'CLOSED'] as const;
export type CaseState = (typeof STATES)[number];
export type StateFilter = 'ALL' | CaseState;
export const SORT_BYS = ['SENT', 'CREATED', 'STATE'] as const;
export type SortBy = (typeof SORT_BYS)[number];
export type SortOrder = 'asc' | 'desc';
export const MESSAGE_TYPES = ['COMMENT', 'INCOMING', 'OUTGOING'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export interface Message {
  content?: string;
  messageId?: string;
  internetMessageId?: string;
  sent?: string;
  sentBy?: string;
  type?: MessageType;
  [extra: string]: unknown;
}

/** A case as the remote delivers it; unknown fields are kept. */
export interface Case {
  _id: string;
  caseNumber?: number;
  conversationId?: string;
  subject?: string;
  state: CaseState;
  customer?: string;
  company?: string;
  customerName?: string;
  emailAddress?: string;
  phoneNumber?: string;
  actionNeeded?: boolean;
  messages?: Message[];
  [extra: string]: unknown;
}

export interface ListParams {
  /** helpcenter id, lower-case hex */
  id: string;
  state: StateFilter;
  sortBy: SortBy;
  sortOrder: SortOrder;
  offset: number;
  /** effective limit, already clamped into [1, 500] */
  limit: number;
}

export interface ListResponse<C = Case> {
  offset: number;
  limit: number;
  total: number;
  cases: C[];
}

export interface ErrorBody {
  error: string;
  description?: string;
}
