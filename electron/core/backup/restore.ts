/**
 * @module core/backup/restore
 * Restore a chain of backups (a full one, then its incrementals in order; chain.ts) into a new
 * data directory, all or nothing: every file is decrypted and every link checked first, then the
 * database is rebuilt (full snapshot, each incremental applied and checked against the state it
 * was made from) and custos.yaml / ui-settings.json of the last file written into a temporary
 * directory beside the target, the vault there is opened and unlocked with an Admin's
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
import { lastFileParts, openChain, rebuildDatabase } from './chain.js';
import { isFilePart, PART_FILES, type BackupManifest, type OpenedBackup } from './format.js';

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

/**
 * Restore a chain (a full backup, then its incrementals in order) into a new data directory.
 * Every file is decrypted and every link checked before anything is written; the database is
 * rebuilt in the temporary directory, each step checked against its manifest's `result`.
 * @throws ALREADY_EXISTS (target not empty), INVALID_INPUT / TAMPERED / PASSPHRASE_INCORRECT /
 * UNSUPPORTED naming the file of the chain (`backup N of M`), PASSPHRASE_INCORRECT (operator).
 */
export async function restoreBackup(request: RestoreRequest): Promise<RestoreResult> {
  const target = resolve(request.dataDir);
  assertRestoreTarget(target);
  const engine = createCryptoEngine(request.options?.crypto);
  const n = request.files.length;
  // decrypt each, apply each (the full backup's snapshot first), check, record.
  const total = 2 * n + 2;
  const emit = (phase: string, done: number) => request.onProgress?.({ operation: 'restore', phase, done, total });
  const chain = await openChain(engine, request.files, request.backupPassphrase, { operation: 'restore', total, onProgress: request.onProgress });
  const last = chain[n - 1] as OpenedBackup;
  mkdirSync(dirname(target), { recursive: true });
  const temp = mkdtempSync(join(dirname(target), `.${basename(target)}.restoring-`));
  try {
    chmodSync(temp, 0o700);
    rebuildDatabase(chain, join(temp, PART_FILES.database), { operation: 'restore', done: n, total, onProgress: request.onProgress });
    for (const part of lastFileParts(chain)) if (isFilePart(part.name)) writeFileSync(join(temp, PART_FILES[part.name]), part.bytes, { mode: 0o600 });
    emit('check', 2 * n);
    const c = await openCustodian({ ...request.options, dataDir: temp });
    let report: VerifyReport;
    try {
      const integrity = c.integrityCheck();
      if (integrity !== 'ok') throw new CustodyError('TAMPERED', `the restored database fails SQLite's integrity check: ${integrity}`, { details: { record: 'backup part database' } });
      const quick = await c.unlock(request.passphrase, request.operator);
      if (!quick.ok) throw new CustodyError('TAMPERED', `the restored audit log does not verify${quick.firstBadSeq === undefined ? '' : ` at event ${quick.firstBadSeq}`}: ${quick.reason ?? ''}`, { details: { record: 'audit log' } });
      report = await c.auditVerify(true);
      if (!report.ok) throw new CustodyError('TAMPERED', `the restored audit log does not verify${report.firstBadSeq === undefined ? '' : ` at event ${report.firstBadSeq}`}: ${report.reason ?? ''}`, { details: { record: 'audit log' } });
      emit('record', 2 * n + 1);
      await c.backupRecordRestore({ sha256: last.sha256, createdAt: last.manifest.createdAt, vaultFingerprint: last.manifest.vaultFingerprint });
    } finally {
      await c.close();
    }
    // The target was checked above; check again just before the rename (something may have appeared).
    assertRestoreTarget(target);
    if (existsSync(target)) rmdirSync(target);
    renameSync(temp, target);
    emit('done', total);
    return { dataDir: target, sha256: last.sha256, manifest: last.manifest, report, files: n };
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}
