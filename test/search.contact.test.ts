import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { searchCases } from '../query/search.js';
import { Store } from '../store/index.js';
import { MIGRATIONS } from '../store/schema.js';
import { runCli, withTempDir } from './helpers.js';
import { HC_A, caseId, makeCase, writeSyncedStore } from './cases.fixture.js';

/**
 * E-mail fragments fold like words: Unicode normalisation and accents off
 * (except å) on both the indexed address and the query, so the form a mail
 * client or macOS paste produced does not decide what is found.
 */

const DECOMPOSED = 'rene\u0301.olsen@firma.dk'; // é as e + U+0301
const COMPOSED = 'ren\u00e9.dupont@firma.dk';

describe('search: contact fragments', () => {
  it('find decomposed and accented addresses whatever the query\'s form', async () => {
    await withTempDir(async (dir) => {
      const db = path.join(dir, 'c.db');
      await writeSyncedStore(db, {
        [HC_A]: [
          makeCase(1, { emailAddress: DECOMPOSED, subject: 'Olsen' }),
          makeCase(2, { emailAddress: COMPOSED, subject: 'Dupont' }),
          makeCase(3, { emailAddress: 'Åse.Ågård@firma.dk', subject: 'Ågård' }),
        ],
      });
      const ids = async (q: string) => {
        const r = await runCli(['search', '--db', db, '--json', '--', q]);
        expect(r.code, r.stderr).toBe(0);
        return (JSON.parse(r.stdout) as { hits: { _id: string }[] }).hits.map((h) => h._id);
      };
      expect(await ids('né.olsen')).toEqual([caseId(1)]); // composed query, decomposed address
      expect(await ids('ne\u0301.olsen')).toEqual([caseId(1)]); // decomposed query
      expect(await ids('ne.olsen')).toEqual([caseId(1)]); // no accent
      expect(await ids('ne.dupont')).toEqual([caseId(2)]); // README: accents don't matter
      expect(await ids('RENÉ.DUPONT@')).toEqual([caseId(2)]);
      // å stays a letter of its own, as in the word indexes
      expect(await ids('åse.ågård')).toEqual([caseId(3)]);
      expect(await ids('ase.agard')).toEqual([]);
    });
  });

  it('migration 2 rebuilds the contact index of a store written before it', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'old.db');
      // a schema-1 store as the previous hcsync wrote it: the address indexed lower-cased only
      const db = new Database(file);
      db.exec(MIGRATIONS[0] as string);
      db.pragma('user_version = 1');
      db.prepare("INSERT INTO helpcenters (hc, id, first_page_ms, last_full_ms) VALUES (1, ?, 1, 1)").run(HC_A);
      const c = makeCase(1, { emailAddress: DECOMPOSED, phoneNumber: '+45 12 34 56 78' });
      db.prepare(
        `INSERT INTO cases (rowid, hc, id, state_rank, sent_ms, case_number, email, phone, message_count, json, hash, first_seen_ms, changed_ms)
         VALUES (1, 1, ?, 0, 0, 1, ?, ?, 0, ?, 'h', 0, 0)`,
      ).run(c._id, DECOMPOSED, '+45 12 34 56 78', JSON.stringify(c));
      db.prepare("INSERT INTO contact_fts (rowid, contact) VALUES (1, ?)").run(`${DECOMPOSED.toLowerCase()} 4512345678`);
      // a tombstoned case stays out of the index
      db.prepare(
        `INSERT INTO cases (rowid, hc, id, state_rank, sent_ms, email, message_count, json, hash, first_seen_ms, changed_ms, deleted_ms)
         VALUES (2, 1, ?, 0, 0, 'rene.gone@firma.dk', 0, '{}', 'h', 0, 0, 5)`,
      ).run(caseId(2));
      db.close();

      const before = await runCli(['search', '--db', file, '--', 'né.olsen']);
      expect(before.code).toBe(1);
      expect(before.stderr).toMatch(new RegExp(`^hcsync: store .* has schema version 1; run a sync once to upgrade it to ${MIGRATIONS.length}\\n$`));

      new Store(file).close(); // any writing command (sync, worker) migrates
      const store = new Store(file, { readonly: true });
      try {
        expect(searchCases(store, { query: 'né.olsen' }).hits.map((h) => h._id)).toEqual([c._id]);
        expect(searchCases(store, { query: '5678' }).hits.map((h) => h._id)).toEqual([c._id]);
        expect(searchCases(store, { query: 'rene.gone' }).hits).toEqual([]);
      } finally {
        store.close();
      }
    });
  });
});
