/**
 * @module core/backup
 * Encrypted full backups of a data directory (format.ts: the file; snapshot.ts: what goes in;
 * restore.ts: all-or-nothing restore). The facade's backupCreate authorizes and audits creation;
 * verifyBackup here is pure. Incremental backups are not written yet: the manifest's `kind` and
 * `previous` (the SHA-256 of the file a backup follows) are there so they can chain later.
 */
import { createCryptoEngine } from '../crypto/index.js';
import type { CryptoEngine } from '../crypto/types.js';
import type { BackupProgress } from '../../../shared/api/airgap.js';
import { CustodyError } from '../../../shared/errors.js';
import { openBackup, type BackupManifest } from './format.js';

export { assertBackupKdf, backupFileHash, BACKUP_FORMAT_VERSION, BACKUP_MAGIC, HEADER_LENGTH, MANIFEST_FORMAT_NAME, openBackup, PART_FILES, sealBackup, type BackupKdf, type BackupManifest, type BackupPart, type OpenedBackup, type PartEntry, type PartName } from './format.js';

/** What backupCreate returns: the file (write it out) and public facts about it. */
export interface BackupCreated {
  readonly file: Uint8Array;
  /** SHA-256 (hex) of the whole file: record it; a later incremental names it as `previous`. */
  readonly sha256: string;
  readonly manifest: BackupManifest;
}

export interface BackupVerified {
  readonly sha256: string;
  readonly bytes: number;
  readonly manifest: BackupManifest;
}

/**
 * Check a backup without restoring it: structure, length, passphrase, authentication, manifest and
 * every part's checksum. Nothing is written.
 * @throws TAMPERED / PASSPHRASE_INCORRECT / UNSUPPORTED naming what is wrong.
 */
export async function verifyBackup(file: Uint8Array, passphrase: Uint8Array, engine: CryptoEngine = createCryptoEngine()): Promise<BackupVerified> {
  const opened = await openBackup(engine, file, passphrase);
  return { sha256: opened.sha256, bytes: file.length, manifest: opened.manifest };
}

/**
 * Check a chain of backups (a full one, then its incrementals in order) without restoring it.
 * One entry per file, in order.
 * @throws TAMPERED / PASSPHRASE_INCORRECT / UNSUPPORTED naming the file (by position) and what is wrong.
 */
export async function verifyBackupChain(
  files: readonly Uint8Array[],
  passphrase: Uint8Array,
  options: { engine?: CryptoEngine; onProgress?: (progress: BackupProgress) => void } = {},
): Promise<BackupVerified[]> {
  if (files.length !== 1) throw new CustodyError('UNSUPPORTED', 'incremental backups are not available yet: verify one full backup');
  const engine = options.engine ?? createCryptoEngine();
  options.onProgress?.({ operation: 'verify', phase: 'decrypt', done: 0, total: 1 });
  const verified = await verifyBackup(files[0] as Uint8Array, passphrase, engine);
  options.onProgress?.({ operation: 'verify', phase: 'done', done: 1, total: 1 });
  return [verified];
}
