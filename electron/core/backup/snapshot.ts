/**
 * @module core/backup/snapshot
 * The parts of a full backup, read from an open vault: a consistent copy of the SQLite database
 * and the data directory's custos.yaml and ui-settings.json when present.
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

export function snapshotParts(db: Sqlite, dataDir: string): BackupPart[] {
  const dir = mkdtempSync(join(tmpdir(), 'custos-backup-'));
  try {
    const copy = join(dir, 'snapshot.db');
    try {
      db.prepare('VACUUM INTO ?').run(copy);
    } catch (cause) {
      throw new CustodyError('INTERNAL', 'cannot take a snapshot of the vault database', { cause });
    }
    const parts: BackupPart[] = [{ name: 'database', bytes: Uint8Array.from(readFileSync(copy)) }];
    for (const name of ['config', 'ui-settings'] as const) {
      const file = join(dataDir, PART_FILES[name]);
      if (existsSync(file)) parts.push({ name, bytes: Uint8Array.from(readFileSync(file)) });
    }
    return parts;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
