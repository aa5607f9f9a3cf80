/**
 * @module core/vault/database
 * Opens the one SQLite database of a data directory (better-sqlite3, WAL, synchronous=FULL)
 * and brings its schema up to date. Trusts the filesystem to hold the file; trusts nothing
 * inside it (every record is authenticated by the layers above).
 */
import Database from 'better-sqlite3';
import { mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { CustodyError } from '../../../shared/errors.js';
import { MIGRATIONS } from './migrations.js';

export type Sqlite = Database.Database;

/**
 * Prepared statements compiled once per connection and reused: preparing costs more than
 * running (measured ~10-20 µs vs ~3-6 µs here), which matters on the signing hot path.
 */
export function statementCache(db: Sqlite): (text: string) => Database.Statement {
  const statements = new Map<string, Database.Statement>();
  return (text) => {
    let st = statements.get(text);
    if (st === undefined) {
      st = db.prepare(text);
      statements.set(text, st);
    }
    return st;
  };
}

export const DATABASE_FILE = 'custos.db';

export function databasePath(dataDir: string): string {
  return join(dataDir, DATABASE_FILE);
}

/** The schema version this build writes. A newer file is refused rather than misread. */
export const SCHEMA_VERSION = MIGRATIONS.length;

export function openDatabase(dataDir: string): Sqlite {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = databasePath(dataDir);
  let db: Sqlite;
  try {
    db = new Database(file);
  } catch (cause) {
    throw new CustodyError('INTERNAL', `cannot open the vault database in ${dataDir}`, { cause });
  }
  try {
    chmodSync(file, 0o600);
    // WAL: readers never block the writer; FULL: a committed transaction survives power loss.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Erased key material is overwritten in the file, not just unlinked from the b-tree.
    db.pragma('secure_delete = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
  } catch (error) {
    db.close();
    if (error instanceof CustodyError) throw error;
    if (isSqliteCorrupt(error)) {
      throw new CustodyError('TAMPERED', 'the vault database file is corrupt (SQLite refused it)', { cause: error, details: { record: 'database file' } });
    }
    throw new CustodyError('INTERNAL', 'cannot prepare the vault database', { cause: error });
  }
  return db;
}

function isSqliteCorrupt(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB';
}

function migrate(db: Sqlite): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new CustodyError('UNSUPPORTED', `the vault was written by a newer Custos (schema ${current}, this build knows ${SCHEMA_VERSION})`);
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (step === undefined) throw new CustodyError('INTERNAL', `missing migration ${v + 1}`);
    db.transaction(() => {
      db.exec(step);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}

/** `PRAGMA integrity_check` result: 'ok' or the first problems SQLite reports. */
export function integrityCheck(db: Sqlite): string {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).join('; ');
}
