/**
 * The documented data model: read-only SQL views over the store's internal
 * tables, for analysts (sqlite3, DuckDB, Datasette, pandas) and for
 * `hcsync export`. docs/analytics.md documents every column; the views test
 * (test/views.test.ts) holds the two to the same names.
 *
 * Views hold no data and have no triggers or indexes: a sync writes exactly
 * as before. Times are ISO 8601 UTC text with milliseconds, as JavaScript's
 * `toISOString()` writes them (`2026-05-29T00:18:56.000Z`); the helpcenter
 * is its 24-hex id, never the store's internal integer; states are text.
 *
 * Definitions follow the report (query/report/build.ts, README "report"):
 *  - created: the `_id`'s first 8 hex digits, seconds since the epoch;
 *  - last activity: the latest parseable `messages[].sent`, else created;
 *  - first response: from the first INCOMING to the first OUTGOING after it,
 *    over INCOMING and OUTGOING messages with a parseable `sent`, ordered by
 *    `sent` then position; NULL when the first such message is OUTGOING, when
 *    no OUTGOING follows, or when there are none;
 *  - resolution: CLOSED cases only, last activity − created, never negative
 *    (a CLOSED case without messages: 0).
 *
 * This text is migration 4 of store/schema.ts: a shipped migration never
 * changes, so a change to a view is a new migration that drops and
 * recreates it.
 */

/** ISO 8601 UTC text with milliseconds of an epoch-ms expression; NULL stays NULL. */
const isoSql = (ms: string): string => `strftime('%Y-%m-%dT%H:%M:%fZ', (${ms}) / 1000.0, 'unixepoch')`;

/** Seconds since the epoch from the first 8 hex digits of a lower-case hex `_id` (SQLite has no hex-to-integer function). */
const idSeconds = (id: string): string => {
  let expr = '0';
  for (let k = 1; k <= 8; k++) expr = `(${expr}) * 16 + (instr('0123456789abcdef', substr(${id}, ${k}, 1)) - 1)`;
  return `(${expr})`;
};

/** Dated INCOMING/OUTGOING messages of case `c`: what first response reads. */
const conversation = (types: string) => `FROM messages m WHERE m.case_rowid = c.rowid AND m.type IN (${types}) AND m.sent_ms IS NOT NULL`;

export const VIEWS_MIGRATION = `
  CREATE VIEW v_cases AS
  SELECT
    h.id AS helpcenter,
    c.id AS id,
    c.case_number AS case_number,
    CASE c.state_rank WHEN 0 THEN 'UNHANDLED' WHEN 1 THEN 'HANDLING' WHEN 2 THEN 'CLOSED'
      ELSE CASE WHEN json_valid(c.json) THEN CAST(json_extract(c.json, '$.state') AS TEXT) END END AS state,
    c.subject AS subject,
    c.company AS company,
    c.customer_name AS customer_name,
    c.email AS email,
    c.phone AS phone,
    ${isoSql(`${idSeconds('c.id')} * 1000`)} AS created_at,
    ${isoSql('c.sent_ms')} AS last_activity_at,
    c.message_count AS message_count,
    CASE WHEN (SELECT m.type ${conversation(`'INCOMING', 'OUTGOING'`)} ORDER BY m.sent_ms, m.seq LIMIT 1) = 'INCOMING'
      THEN ((SELECT min(m.sent_ms) ${conversation(`'OUTGOING'`)}) - (SELECT min(m.sent_ms) ${conversation(`'INCOMING'`)})) / 1000.0
    END AS first_response_seconds,
    CASE WHEN c.state_rank = 2 THEN max(0, c.sent_ms - ${idSeconds('c.id')} * 1000) / 1000.0 END AS resolution_seconds,
    c.state_inferred AS state_inferred
  FROM cases c JOIN helpcenters h ON h.hc = c.hc
  WHERE c.deleted_ms IS NULL;

  CREATE VIEW v_messages AS
  SELECT
    h.id AS helpcenter,
    c.id AS case_id,
    m.seq AS seq,
    m.type AS type,
    ${isoSql('m.sent_ms')} AS sent_at,
    m.sent_by AS sent_by,
    m.content AS content
  FROM messages m JOIN cases c ON c.rowid = m.case_rowid JOIN helpcenters h ON h.hc = c.hc
  WHERE c.deleted_ms IS NULL;

  CREATE VIEW v_case_events AS
  SELECT
    e.rowid AS event_id,
    h.id AS helpcenter,
    e.case_id AS case_id,
    ${isoSql('e.at_ms')} AS observed_at,
    e.kind AS kind,
    e.from_state AS from_state,
    e.to_state AS to_state,
    e.n AS messages_added,
    e.inferred AS inferred,
    e.run_id AS run_id
  FROM case_events e JOIN helpcenters h ON h.hc = e.hc;

  CREATE VIEW v_sync_runs AS
  SELECT
    r.run_id AS run_id,
    h.id AS helpcenter,
    r.mode AS mode,
    r.status AS status,
    r.owner AS owner,
    ${isoSql('r.started_ms')} AS started_at,
    ${isoSql('r.finished_ms')} AS finished_at,
    (r.finished_ms - r.started_ms) / 1000.0 AS duration_seconds,
    r.pages AS pages,
    r.requests AS requests,
    r.cases_upserted AS cases_upserted,
    r.messages_upserted AS messages_upserted,
    r.unchanged AS unchanged,
    r.deleted AS deleted,
    r.rejected AS rejected,
    r.inferred_closed AS inferred_closed,
    r.drift AS drift,
    r.warnings AS warnings,
    r.held_deletions AS held_deletions,
    r.resumed_from AS resumed_from,
    r.error_code AS error_code,
    r.error AS error
  FROM sync_runs r JOIN helpcenters h ON h.hc = r.hc;
`;

/** The views and their columns, in order: what docs/analytics.md documents and `hcsync export` writes. */
export const VIEW_COLUMNS = {
  v_cases: ['helpcenter', 'id', 'case_number', 'state', 'subject', 'company', 'customer_name', 'email', 'phone', 'created_at', 'last_activity_at', 'message_count', 'first_response_seconds', 'resolution_seconds', 'state_inferred'],
  v_messages: ['helpcenter', 'case_id', 'seq', 'type', 'sent_at', 'sent_by', 'content'],
  v_case_events: ['event_id', 'helpcenter', 'case_id', 'observed_at', 'kind', 'from_state', 'to_state', 'messages_added', 'inferred', 'run_id'],
  v_sync_runs: [
    'run_id', 'helpcenter', 'mode', 'status', 'owner', 'started_at', 'finished_at', 'duration_seconds', 'pages', 'requests', 'cases_upserted',
    'messages_upserted', 'unchanged', 'deleted', 'rejected', 'inferred_closed', 'drift', 'warnings', 'held_deletions', 'resumed_from', 'error_code', 'error',
  ],
} as const;

export type ViewName = keyof typeof VIEW_COLUMNS;
