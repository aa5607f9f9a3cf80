/**
 * @module core/backup/chain
 * A chain of backups: one full backup, then incrementals, each naming the SHA-256 of the file
 * before it (`previous`). Opening a chain decrypts and checks every file (format.ts) and every
 * link; rebuilding writes the full backup's database and applies each incremental's diff,
 * checking after each step that the database is exactly the state the step was made from (the
 * manifest's `result`, diff.ts stateDigest).
 *
 * Every error about one file of a longer chain starts with `backup N of M` (a chain of one file
 * keeps the plain message) and carries `details.backup = N`, so a caller that knows the files'
 * paths (the CLI) can name the file. One backup passphrase seals a
 * whole chain (an incremental is made by decrypting the files before it).
 * Trusts format.ts's checks of each file and diff.ts; trusts nothing else in the files.
 */
import { writeFileSync } from 'node:fs';
import { CustodyError } from '../../../shared/errors.js';
import type { BackupProgress } from '../../../shared/api/airgap.js';
import type { CryptoEngine } from '../crypto/types.js';
import { applyDiff, decodeDiff, openScratch, stateDigest } from './diff.js';
import { openBackup, type OpenedBackup } from './format.js';

export type ProgressSink = (progress: BackupProgress) => void;

/** `backup 2 of 3`: how errors and progress name a file of a chain. */
export function chainLabel(index: number, total: number): string {
  return `backup ${index + 1} of ${total}`;
}

/** `backup 2 of 3: ` before a message about one file; nothing when the chain is one file (the caller knows which). */
function about(index: number, total: number): string {
  return total === 1 ? '' : `${chainLabel(index, total)}: `;
}

function prefix(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}

/** The error, with its message prefixed by the file's label and `details.backup` set. */
export function inChain(error: unknown, index: number, total: number): unknown {
  if (!(error instanceof CustodyError) || error.details.backup !== undefined) return error;
  let message = `${about(index, total)}${error.message}`;
  if (error.code === 'PASSPHRASE_INCORRECT' && index > 0) message += '; every file of a chain is sealed with the same backup passphrase';
  return new CustodyError(error.code, message, { cause: error, details: { ...error.details, backup: index + 1 } });
}

function chainError(code: 'TAMPERED' | 'INVALID_INPUT', message: string, index: number): CustodyError {
  return new CustodyError(code, message, { details: { record: 'backup chain', backup: index + 1 } });
}

/**
 * Decrypt and check every file of a chain, in order, and the chain itself: the first is a full
 * backup, the rest incrementals, each `previous` is the SHA-256 of the file before it, and all
 * name the same vault and schema version. Nothing is written.
 * @throws INVALID_INPUT for an empty chain; TAMPERED / PASSPHRASE_INCORRECT / UNSUPPORTED naming the file.
 */
export async function openChain(
  engine: CryptoEngine,
  files: readonly Uint8Array[],
  passphrase: Uint8Array,
  progress?: { operation: BackupProgress['operation']; total: number; onProgress?: ProgressSink | undefined },
): Promise<OpenedBackup[]> {
  if (files.length === 0) throw new CustodyError('INVALID_INPUT', 'no backup files given: a chain starts with a full backup');
  const n = files.length;
  const opened: OpenedBackup[] = [];
  for (const [i, file] of files.entries()) {
    progress?.onProgress?.({ operation: progress.operation, phase: `decrypt ${i + 1}/${n}`, done: i, total: progress.total });
    let o: OpenedBackup;
    try {
      o = await openBackup(engine, file, passphrase);
    } catch (error) {
      throw inChain(error, i, n);
    }
    const m = o.manifest;
    const label = chainLabel(i, n);
    if (i === 0) {
      if (m.kind !== 'full') throw chainError('INVALID_INPUT', `${label} is an incremental backup (it follows ${prefix(m.previous ?? '')}): a chain starts with its full backup`, i);
    } else {
      const before = opened[i - 1] as OpenedBackup;
      const first = opened[0] as OpenedBackup;
      if (m.kind !== 'incremental') throw chainError('INVALID_INPUT', `${label} is a full backup: only incremental backups follow the first file of a chain`, i);
      if (m.previous !== before.sha256) {
        const hint = opened.some((p) => p.sha256 === m.previous) ? ' (the files are out of order)' : files.length > i + 1 ? ' (a file is missing or the files are out of order)' : ' (a file is missing)';
        throw chainError('TAMPERED', `${label} follows ${prefix(m.previous ?? '')}, but ${chainLabel(i - 1, n)} is ${prefix(before.sha256)}${hint}`, i);
      }
      if (m.vaultFingerprint !== first.manifest.vaultFingerprint) throw chainError('TAMPERED', `${label} is a backup of vault ${m.vaultFingerprint}, but the chain is of vault ${first.manifest.vaultFingerprint}`, i);
      if (m.schemaVersion !== first.manifest.schemaVersion) throw chainError('TAMPERED', `${label} has schema version ${m.schemaVersion}, but the chain has ${first.manifest.schemaVersion}`, i);
    }
    opened.push(o);
  }
  return opened;
}

/**
 * Write the chain's database to `path` (a new file): the full backup's snapshot, then every
 * incremental applied in order, each checked against its manifest's `result`. Returns the
 * final state's digest. The file is left closed.
 * @throws TAMPERED naming the file whose diff is malformed or does not reproduce its state.
 */
export function rebuildDatabase(chain: readonly OpenedBackup[], path: string, progress?: { operation: BackupProgress['operation']; done: number; total: number; onProgress?: ProgressSink | undefined }): string {
  const n = chain.length;
  const full = chain[0] as OpenedBackup;
  progress?.onProgress?.({ operation: progress.operation, phase: `apply 1/${n}`, done: progress.done, total: progress.total });
  const snapshot = full.parts.find((p) => p.name === 'database');
  if (snapshot === undefined) throw chainError('TAMPERED', `${about(0, n)}the full backup has no database part`, 0);
  writeFileSync(path, snapshot.bytes, { mode: 0o600, flag: 'wx' });
  let db;
  try {
    db = openScratch(path);
  } catch (cause) {
    throw new CustodyError('TAMPERED', `${about(0, n)}the database part is not an SQLite database`, { cause, details: { record: 'backup part database', backup: 1 } });
  }
  try {
    const mismatch = (i: number, what: string) => new CustodyError('TAMPERED', `${about(i, n)}${what}`, { details: { record: 'backup chain', backup: i + 1 } });
    let digest: string;
    try {
      const version = Number(db.pragma('user_version', { simple: true }) as bigint);
      if (version !== full.manifest.schemaVersion) throw mismatch(0, `the database has schema version ${version}, but the manifest says ${full.manifest.schemaVersion}`);
      digest = stateDigest(db);
    } catch (cause) {
      if (cause instanceof CustodyError) throw cause;
      throw new CustodyError('TAMPERED', `${about(0, n)}the database part cannot be read`, { cause, details: { record: 'backup part database', backup: 1 } });
    }
    if (full.manifest.result !== null && digest !== full.manifest.result) throw mismatch(0, 'the database does not match the state recorded in the manifest');
    for (let i = 1; i < n; i++) {
      const o = chain[i] as OpenedBackup;
      progress?.onProgress?.({ operation: progress.operation, phase: `apply ${i + 1}/${n}`, done: progress.done + i, total: progress.total });
      const part = o.parts.find((p) => p.name === 'diff');
      if (part === undefined) throw mismatch(i, 'it has no diff part');
      const fail = (what: string) => new CustodyError('TAMPERED', `${about(i, n)}the diff part is malformed: ${what}`, { details: { record: 'backup part diff', backup: i + 1 } });
      const diffs = decodeDiff(part.bytes, fail);
      try {
        applyDiff(db, diffs, fail);
      } catch (cause) {
        if (cause instanceof CustodyError) throw cause;
        throw new CustodyError('TAMPERED', `${about(i, n)}its changes cannot be applied to the state before it`, { cause, details: { record: 'backup part diff', backup: i + 1 } });
      }
      digest = stateDigest(db);
      if (digest !== o.manifest.result) throw mismatch(i, 'applying it does not give the state it was made from (the chain is not the one it followed)');
    }
    return digest;
  } finally {
    db.close();
  }
}

/** The file parts (custos.yaml, ui-settings.json) as of the last file: every backup carries them whole when present. */
export function lastFileParts(chain: readonly OpenedBackup[]): OpenedBackup['parts'] {
  return (chain[chain.length - 1] as OpenedBackup).parts.filter((p) => p.name === 'config' || p.name === 'ui-settings');
}
