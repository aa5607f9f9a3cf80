/**
 * @module core/backup/create
 * Writing a backup file from an open vault: the snapshot (snapshot.ts), the manifest, and the
 * seal (format.ts). The facade (custodian.backupCreate) authorizes and audits; this module does
 * the work, so everything about what a backup holds lives in core/backup.
 *
 * `previous` is the chain the new backup follows (the full backup first, then its incrementals in
 * order); absent, the backup is a full one. `onProgress` hears each phase as it starts.
 * Trusts the open connection, the crypto engine and the files it is given only after openBackup
 * has checked them.
 */
import { CustodyError } from '../../../shared/errors.js';
import type { BackupProgress } from '../../../shared/api/airgap.js';
import type { CryptoEngine } from '../crypto/types.js';
import type { Sqlite } from '../vault/database.js';
import { BACKUP_FORMAT_VERSION, MANIFEST_FORMAT_NAME, sealBackup, type BackupKdf, type BackupManifest } from './format.js';
import { snapshotParts } from './snapshot.js';

export interface CreateBackupDeps {
  readonly engine: CryptoEngine;
  readonly db: Sqlite;
  readonly dataDir: string;
  /** Epoch ms. */
  readonly now: number;
  /** Hex fingerprint of this vault's master key. */
  readonly vaultFingerprint: string;
}

export interface CreateBackupRequest {
  readonly backupPassphrase: Uint8Array;
  readonly kdf: BackupKdf;
  /** The chain to follow (full first, then incrementals in order): makes an incremental backup. */
  readonly previous?: readonly Uint8Array[];
  readonly onProgress?: (progress: BackupProgress) => void;
}

export interface CreatedBackupFile {
  readonly file: Uint8Array;
  readonly sha256: string;
  readonly manifest: BackupManifest;
}

export async function createBackupFile(deps: CreateBackupDeps, request: CreateBackupRequest): Promise<CreatedBackupFile> {
  if (request.previous !== undefined) throw new CustodyError('UNSUPPORTED', 'incremental backups are not available yet: make a full backup');
  const total = 2;
  request.onProgress?.({ operation: 'create', phase: 'snapshot', done: 0, total });
  const parts = snapshotParts(deps.db, deps.dataDir);
  try {
    request.onProgress?.({ operation: 'create', phase: 'encrypt', done: 1, total });
    const sealed = await sealBackup(deps.engine, {
      manifest: {
        format: MANIFEST_FORMAT_NAME,
        version: BACKUP_FORMAT_VERSION,
        kind: 'full',
        createdAt: new Date(deps.now).toISOString(),
        vaultFingerprint: deps.vaultFingerprint,
        schemaVersion: deps.db.pragma('user_version', { simple: true }) as number,
        previous: null,
      },
      parts,
      passphrase: request.backupPassphrase,
      kdf: { memoryKiB: request.kdf.memoryKiB, iterations: request.kdf.iterations, parallelism: request.kdf.parallelism },
    });
    request.onProgress?.({ operation: 'create', phase: 'done', done: total, total });
    return { file: sealed.file, sha256: sealed.sha256, manifest: sealed.manifest };
  } finally {
    for (const p of parts) p.bytes.fill(0);
  }
}
