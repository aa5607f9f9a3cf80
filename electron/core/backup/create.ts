/**
 * @module core/backup/create
 * Writing a backup file from an open vault: the snapshot (snapshot.ts), the manifest, and the
 * seal (format.ts). The facade (custodian.backupCreate) authorizes and audits; this module does
 * the work, so everything about what a backup holds lives in core/backup.
 *
 * `previous` is the chain the new backup follows (the full backup first, then its incrementals in
 * order); absent, the backup is a full one. An incremental holds the database's changes since the
 * chain's last file (diff.ts), custos.yaml and ui-settings.json whole, the SHA-256 of that file
 * (`previous`) and the digest of the state it leads to (`result`). `onProgress` hears each phase
 * as it starts.
 * Trusts the open connection, the crypto engine and the files it is given only after openBackup
 * has checked them.
 */
import { CustodyError } from '../../../shared/errors.js';
import type { BackupProgress } from '../../../shared/api/airgap.js';
import type { CryptoEngine } from '../crypto/types.js';
import type { Sqlite } from '../vault/database.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openChain, rebuildDatabase } from './chain.js';
import { applyDiff, computeDiff, encodeDiff, openScratch, stateDigest } from './diff.js';
import { assertBackupKdf, BACKUP_FORMAT_VERSION, MANIFEST_FORMAT_NAME, sealBackup, type BackupKdf, type BackupManifest, type BackupPart, type OpenedBackup } from './format.js';
import { dataDirFileParts, snapshotDatabase, withScratchDir } from './snapshot.js';

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

/**
 * A full backup (no `previous`): the database snapshot, custos.yaml and ui-settings.json, and the
 * snapshot's state digest. An incremental (`previous` = the chain, full first): the chain is
 * decrypted with the same backup passphrase and rebuilt in a scratch directory, the database is
 * diffed against it, and the diff is applied to the rebuilt copy once more to check that it gives
 * exactly the current state before anything is sealed (a backup that could not restore is never
 * written).
 * @throws INVALID_INPUT (empty passphrase, bad KDF, a chain of another vault or not a chain),
 * UNSUPPORTED (the schema changed since the chain's full backup: make a new full one),
 * TAMPERED / PASSPHRASE_INCORRECT naming the file of the chain.
 */
export async function createBackupFile(deps: CreateBackupDeps, request: CreateBackupRequest): Promise<CreatedBackupFile> {
  if (!(request.backupPassphrase instanceof Uint8Array) || request.backupPassphrase.length === 0) throw new CustodyError('INVALID_INPUT', 'the backup passphrase is empty');
  assertBackupKdf(request.kdf);
  const previous = request.previous;
  const schemaVersion = Number(deps.db.pragma('user_version', { simple: true }));
  const emit = (phase: string, done: number, total: number) => request.onProgress?.({ operation: 'create', phase, done, total });
  return withScratchDir(async (dir) => {
    let parts: BackupPart[];
    let result: string;
    let follows: string | null = null;
    let total: number;
    let done: number;
    const current = join(dir, 'current.db');
    if (previous === undefined || previous.length === 0) {
      if (previous !== undefined) throw new CustodyError('INVALID_INPUT', 'an incremental backup needs the chain it follows (at least its full backup)');
      total = 2;
      done = 0;
      emit('snapshot', done++, total);
      snapshotDatabase(deps.db, current);
      parts = [{ name: 'database', bytes: Uint8Array.from(readFileSync(current)) }, ...dataDirFileParts(deps.dataDir)];
      result = digestFile(current);
    } else {
      const n = previous.length;
      // decrypt each, apply each (the full backup's snapshot first), snapshot, diff, check, seal.
      total = 2 * n + 4;
      const chain = await openChain(deps.engine, previous, request.backupPassphrase, { operation: 'create', total, onProgress: request.onProgress });
      const first = (chain[0] as OpenedBackup).manifest;
      if (first.vaultFingerprint !== deps.vaultFingerprint) {
        throw new CustodyError('INVALID_INPUT', `the chain is a backup of vault ${first.vaultFingerprint}, not of this vault (${deps.vaultFingerprint})`, { details: { record: 'backup chain', backup: 1 } });
      }
      if (first.schemaVersion !== schemaVersion) {
        throw new CustodyError('UNSUPPORTED', `the chain was made at database schema version ${first.schemaVersion} and this vault is at version ${schemaVersion}: an incremental cannot carry a schema change, make a new full backup`);
      }
      const rebuilt = join(dir, 'previous.db');
      rebuildDatabase(chain, rebuilt, { operation: 'create', done: n, total, onProgress: request.onProgress });
      done = 2 * n;
      emit('snapshot', done++, total);
      snapshotDatabase(deps.db, current);
      emit('diff', done++, total);
      const diffs = computeDiff(rebuilt, current);
      result = digestFile(current);
      emit('check', done++, total);
      const check = openScratch(rebuilt);
      try {
        applyDiff(check, diffs, (what) => new CustodyError('INTERNAL', `the incremental backup does not apply to its own chain: ${what}`));
        if (stateDigest(check) !== result) throw new CustodyError('INTERNAL', 'the incremental backup would not restore the current state exactly; make a full backup');
      } finally {
        check.close();
      }
      parts = [{ name: 'diff', bytes: encodeDiff(diffs) }, ...dataDirFileParts(deps.dataDir)];
      follows = (chain[n - 1] as OpenedBackup).sha256;
    }
    try {
      emit('encrypt', done, total);
      const sealed = await sealBackup(deps.engine, {
        manifest: {
          format: MANIFEST_FORMAT_NAME,
          version: BACKUP_FORMAT_VERSION,
          kind: follows === null ? 'full' : 'incremental',
          createdAt: new Date(deps.now).toISOString(),
          vaultFingerprint: deps.vaultFingerprint,
          schemaVersion,
          previous: follows,
          result,
        },
        parts,
        passphrase: request.backupPassphrase,
        kdf: { memoryKiB: request.kdf.memoryKiB, iterations: request.kdf.iterations, parallelism: request.kdf.parallelism },
      });
      emit('done', total, total);
      return { file: sealed.file, sha256: sealed.sha256, manifest: sealed.manifest };
    } finally {
      for (const p of parts) p.bytes.fill(0);
    }
  });
}

function digestFile(path: string): string {
  const db = openScratch(path, true);
  try {
    return stateDigest(db);
  } finally {
    db.close();
  }
}
