/**
 * @module core/backup/snapshot
 * The parts of a backup, read from an open vault: a consistent copy of the SQLite database
 * and the data directory's custos.yaml and ui-settings.json when present (every backup, full or
 * incremental, carries those two whole: they are small, and a restore then takes them from the
 * last file of the chain).
 *
 * The database is copied with `VACUUM INTO` on the open connection: one read transaction, so the
 * copy is a consistent snapshot even while the WAL holds uncommitted pages or other connections
 * write, and it is compact (no free pages, which with secure_delete are zeroed anyway). Every
 * secret in it stays sealed under the vault's master key. The copy goes to a fresh 0700 temp
 * directory and is removed in a finally block. Trusts the open connection and the filesystem.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustodyError } from '../../../shared/errors.js';
import type { Sqlite } from '../vault/database.js';
import { PART_FILES, type BackupPart } from './format.js';

/** Copy the open database into `path` (a new file) with VACUUM INTO. */
export function snapshotDatabase(db: Sqlite, path: string): void {
  try {
    db.prepare('VACUUM INTO ?').run(path);
  } catch (cause) {
    throw new CustodyError('INTERNAL', 'cannot take a snapshot of the vault database', { cause });
  }
}

/** custos.yaml and ui-settings.json of the data directory, those present. */
export function dataDirFileParts(dataDir: string): BackupPart[] {
  const parts: BackupPart[] = [];
  for (const name of ['config', 'ui-settings'] as const) {
    const file = join(dataDir, PART_FILES[name]);
    if (existsSync(file)) parts.push({ name, bytes: Uint8Array.from(readFileSync(file)) });
  }
  return parts;
}

/** A private 0700 temporary directory for snapshots and rebuilt chains; `use` runs with it, then it is removed. */
export async function withScratchDir<T>(use: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'custos-backup-'));
  try {
    return await use(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function snapshotParts(db: Sqlite, dataDir: string): BackupPart[] {
  const dir = mkdtempSync(join(tmpdir(), 'custos-backup-'));
  try {
    const copy = join(dir, 'snapshot.db');
    snapshotDatabase(db, copy);
    return [{ name: 'database', bytes: Uint8Array.from(readFileSync(copy)) }, ...dataDirFileParts(dataDir)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
