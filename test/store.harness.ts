import { closeSync, openSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';

/**
 * Overwrite the root page of `table` and of each of its indexes with junk
 * (after folding the WAL into the file): SQLite reports SQLITE_CORRUPT on
 * their first use, while the schema and other tables still read.
 */
export function corruptTable(file: string, table: string): void {
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const roots = db.prepare('SELECT rootpage FROM sqlite_schema WHERE tbl_name = ? AND rootpage > 0').pluck().all(table) as number[];
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  const fd = openSync(file, 'r+');
  try {
    for (const r of roots) writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (r - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
}
