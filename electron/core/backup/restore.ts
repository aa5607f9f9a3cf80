/**
 * @module core/backup/restore
 * Restore a full backup into a new data directory, all or nothing: the parts are written into a
 * temporary directory beside the target, the vault there is opened and unlocked with an Admin's
 * passphrase (which checks the master key and verifies the audit log), checked end to end
 * (SQLite integrity, full audit verification, the vault's fingerprint against the manifest's),
 * the restore is appended to the restored audit log as `backup.restore`, and only then is the
 * directory renamed into place. Any failure removes the temporary directory, so the target is
 * never half-written: it either does not exist (or stays empty), or holds the whole vault.
 *
 * Why the restore event is written during the restore (not at the first unlock): the operator
 * who restores is present with a passphrase anyway (the check above needs it), and the event
 * then commits before the directory is visible, so no restored vault exists without it.
 * Trusts the backup format checks (format.ts) and the facade.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CustodyError } from '../../../shared/errors.js';
import { openCustodian, type CoreOptions } from '../custodian.js';
import { createCryptoEngine } from '../crypto/index.js';
import type { VerifyReport } from '../audit/log.js';
import type { BackupProgress } from '../../../shared/api/airgap.js';
import { openBackup, PART_FILES, type BackupManifest } from './format.js';

export interface RestoreRequest {
  /** The chain, in order: a full backup, then its incrementals (none for a plain full restore). */
  readonly files: readonly Uint8Array[];
  readonly backupPassphrase: Uint8Array;
  /** The new data directory: absent, or an empty directory. */
  readonly dataDir: string;
  /** An Admin of the backed-up vault, and their passphrase (as it was when the backup was made). */
  readonly operator: string;
  readonly passphrase: Uint8Array;
  /** Further options for opening the restored vault (clock, crypto, kdf, …); dataDir is ignored. */
  readonly options?: Omit<Partial<CoreOptions>, 'dataDir'>;
  readonly onProgress?: (progress: BackupProgress) => void;
}

export interface RestoreResult {
  readonly dataDir: string;
  /** SHA-256 of the last file of the chain (the state restored). */
  readonly sha256: string;
  /** The manifest of the last file of the chain. */
  readonly manifest: BackupManifest;
  /** The full audit verification of the restored log (before the restore event). */
  readonly report: VerifyReport;
  /** How many files were applied. */
  readonly files: number;
}

/** Refuses a target that exists and is not an empty directory. */
export function assertRestoreTarget(dataDir: string): void {
  if (!existsSync(dataDir)) return;
  if (!statSync(dataDir).isDirectory()) throw new CustodyError('ALREADY_EXISTS', `${dataDir} exists and is not a directory: restore only into a new or empty data directory`);
  if (readdirSync(dataDir).length > 0) throw new CustodyError('ALREADY_EXISTS', `${dataDir} is not empty: restore only into a new or empty data directory`);
}

export async function restoreBackup(request: RestoreRequest): Promise<RestoreResult> {
  const target = resolve(request.dataDir);
  assertRestoreTarget(target);
  const engine = createCryptoEngine(request.options?.crypto);
  if (request.files.length !== 1) throw new CustodyError('UNSUPPORTED', 'incremental backups are not available yet: restore one full backup');
  const opened = await openBackup(engine, request.files[0] as Uint8Array, request.backupPassphrase);
  mkdirSync(dirname(target), { recursive: true });
  const temp = mkdtempSync(join(dirname(target), `.${basename(target)}.restoring-`));
  try {
    chmodSync(temp, 0o700);
    for (const part of opened.parts) writeFileSync(join(temp, PART_FILES[part.name]), part.bytes, { mode: 0o600 });
    const c = await openCustodian({ ...request.options, dataDir: temp });
    let report: VerifyReport;
    try {
      const integrity = c.integrityCheck();
      if (integrity !== 'ok') throw new CustodyError('TAMPERED', `the restored database fails SQLite's integrity check: ${integrity}`, { details: { record: 'backup part database' } });
      const quick = await c.unlock(request.passphrase, request.operator);
      if (!quick.ok) throw new CustodyError('TAMPERED', `the restored audit log does not verify${quick.firstBadSeq === undefined ? '' : ` at event ${quick.firstBadSeq}`}: ${quick.reason ?? ''}`, { details: { record: 'audit log' } });
      report = await c.auditVerify(true);
      if (!report.ok) throw new CustodyError('TAMPERED', `the restored audit log does not verify${report.firstBadSeq === undefined ? '' : ` at event ${report.firstBadSeq}`}: ${report.reason ?? ''}`, { details: { record: 'audit log' } });
      await c.backupRecordRestore({ sha256: opened.sha256, createdAt: opened.manifest.createdAt, vaultFingerprint: opened.manifest.vaultFingerprint });
    } finally {
      await c.close();
    }
    // The target was checked above; check again just before the rename (something may have appeared).
    assertRestoreTarget(target);
    if (existsSync(target)) rmdirSync(target);
    renameSync(temp, target);
    return { dataDir: target, sha256: opened.sha256, manifest: opened.manifest, report, files: 1 };
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}
