import type Database from 'better-sqlite3';
import type { Db } from './open.js';
import { idBound, NO_UPPER_ID } from './report.js';
import { VIEW_COLUMNS } from './views.js';

/**
 * All SQL of `hcsync export`: rows of the documented views (store/views.ts,
 * docs/analytics.md) and the stored case JSON, one helpcenter at a time,
 * each as a statement iterator (better-sqlite3 `.iterate()`): one row in
 * memory at a time, whatever the store's size.
 */

export const EXPORT_TABLES = ['cases', 'messages', 'events'] as const;
export type ExportTable = (typeof EXPORT_TABLES)[number];

/** since inclusive, until exclusive, epoch ms; null: open. Cases by creation time, messages by `sent`, events by when observed. */
export interface ExportWindow {
  sinceMs: number | null;
  untilMs: number | null;
}

/** The view each table is read from, and so its columns. */
export const EXPORT_VIEWS = { cases: 'v_cases', messages: 'v_messages', events: 'v_case_events' } as const satisfies Record<ExportTable, keyof typeof VIEW_COLUMNS>;

interface Bounds {
  hc: string;
  fromId: string;
  toId: string;
  fromIso: string | null;
  toIso: string | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function bounds(helpcenter: string, w: ExportWindow): Bounds {
  return {
    hc: helpcenter.toLowerCase(),
    fromId: w.sinceMs === null ? '' : idBound(w.sinceMs),
    toId: w.untilMs === null ? NO_UPPER_ID : idBound(w.untilMs),
    fromIso: iso(w.sinceMs),
    toIso: iso(w.untilMs),
  };
}

// ISO texts of one format compare as the instants do
const SENT_IN_WINDOW = '(@fromIso IS NULL OR sent_at >= @fromIso) AND (@toIso IS NULL OR sent_at < @toIso)';
const OBSERVED_IN_WINDOW = '(@fromIso IS NULL OR observed_at >= @fromIso) AND (@toIso IS NULL OR observed_at < @toIso)';

export class CaseExport {
  private readonly s;
  private readonly db: Db;

  /** @internal statements on the store's connection, made by Store (store/index.ts) */
  constructor(db: Db) {
    this.db = db;
    const cols = (t: ExportTable) => VIEW_COLUMNS[EXPORT_VIEWS[t]].join(', ');
    this.s = {
      helpcenters: db.prepare<[], string>('SELECT id FROM helpcenters WHERE first_page_ms IS NOT NULL ORDER BY id').pluck(),
      synced: db.prepare<[string], number>('SELECT 1 FROM helpcenters WHERE id = ? AND first_page_ms IS NOT NULL').pluck(),
      // the partial index (hc, id) of live cases gives id order without a sort
      caseJson: db
        .prepare<[Bounds], Buffer>(
          `SELECT CAST(c.json AS BLOB) FROM cases c JOIN helpcenters h ON h.hc = c.hc
           WHERE h.id = @hc AND c.deleted_ms IS NULL AND c.id >= @fromId AND c.id < @toId ORDER BY c.id`,
        )
        .pluck(),
      cases: db.prepare<[Bounds]>(`SELECT ${cols('cases')} FROM v_cases WHERE helpcenter = @hc AND id >= @fromId AND id < @toId ORDER BY id`).raw(),
      messages: db.prepare<[Bounds]>(`SELECT ${cols('messages')} FROM v_messages WHERE helpcenter = @hc AND ${SENT_IN_WINDOW} ORDER BY case_id, seq`).raw(),
      events: db.prepare<[Bounds]>(`SELECT ${cols('events')} FROM v_case_events WHERE helpcenter = @hc AND ${OBSERVED_IN_WINDOW} ORDER BY event_id`).raw(),
    } satisfies Record<string, Database.Statement<never[]>>;
  }

  /** Every helpcenter with a committed page, by id (lower-case hex). */
  helpcenters(): string[] {
    return this.s.helpcenters.all();
  }

  /** Whether a page of this helpcenter was ever committed. */
  isSynced(helpcenter: string): boolean {
    return this.s.synced.get(helpcenter.toLowerCase()) !== undefined;
  }

  /** The column names of a table's rows: its view's (docs/analytics.md). */
  columns(table: ExportTable): readonly string[] {
    return VIEW_COLUMNS[EXPORT_VIEWS[table]];
  }

  /** Live cases created in the window, by id: each the stored JSON, the bytes the remote last delivered. Streamed. */
  caseJson(helpcenter: string, w: ExportWindow): IterableIterator<Buffer> {
    return this.s.caseJson.iterate(bounds(helpcenter, w));
  }

  /** A table's rows as arrays in `columns(table)` order. Streamed. */
  rows(table: ExportTable, helpcenter: string, w: ExportWindow): IterableIterator<unknown[]> {
    return this.s[table].iterate(bounds(helpcenter, w)) as IterableIterator<unknown[]>;
  }

  /** Start one read transaction: every helpcenter exported after it comes from one committed state. */
  begin(): void {
    if (!this.db.inTransaction) this.db.exec('BEGIN');
  }

  /** End the read transaction begun by `begin`. */
  end(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT');
  }
}
