/**
 * @module core/backup
 * Encrypted full and incremental backups of a data directory (format.ts: the file; snapshot.ts:
 * what goes in; diff.ts: an incremental's database changes and the state digest; chain.ts: a full
 * backup and its incrementals, linked by SHA-256; create.ts: writing one; restore.ts:
 * all-or-nothing restore of a chain). The facade's backupCreate authorizes and audits creation;
 * verifyBackup here is pure, verifyBackupChain writes only to a private temporary directory.
 */
import { createCryptoEngine } from '../crypto/index.js';
import type { CryptoEngine } from '../crypto/types.js';
import type { BackupProgress } from '../../../shared/api/airgap.js';
import { join } from 'node:path';
import { openChain, rebuildDatabase } from './chain.js';
import { withScratchDir } from './snapshot.js';
import { openBackup, type BackupManifest } from './format.js';

export { assertBackupKdf, backupFileHash, BACKUP_FORMAT_VERSION, BACKUP_MAGIC, HEADER_LENGTH, MANIFEST_FORMAT_NAME, isFilePart, openBackup, PART_FILES, sealBackup, type BackupKdf, type FilePartName, type BackupManifest, type BackupPart, type OpenedBackup, type PartEntry, type PartName } from './format.js';

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
 * Check a chain of backups (a full one, then its incrementals in order) without restoring it:
 * every file as verifyBackup does, every link (`previous` is the SHA-256 of the file before), one
 * vault and schema throughout, and that applying the incrementals gives exactly the state each
 * was made from (rebuilt in a private temporary directory, removed afterwards). One entry per
 * file, in order.
 * @throws INVALID_INPUT / TAMPERED / PASSPHRASE_INCORRECT / UNSUPPORTED naming the file (`backup N of M`, details.backup = N).
 */
export async function verifyBackupChain(
  files: readonly Uint8Array[],
  passphrase: Uint8Array,
  options: { engine?: CryptoEngine; onProgress?: (progress: BackupProgress) => void } = {},
): Promise<BackupVerified[]> {
  const engine = options.engine ?? createCryptoEngine();
  const n = files.length;
  // decrypt each, apply each.
  const total = 2 * n;
  const chain = await openChain(engine, files, passphrase, { operation: 'verify', total, onProgress: options.onProgress });
  await withScratchDir((dir) => rebuildDatabase(chain, join(dir, 'rebuilt.db'), { operation: 'verify', done: n, total, onProgress: options.onProgress }));
  options.onProgress?.({ operation: 'verify', phase: 'done', done: total, total });
  return chain.map((o, i) => ({ sha256: o.sha256, bytes: (files[i] as Uint8Array).length, manifest: o.manifest }));
}
