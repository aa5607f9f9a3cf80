/**
 * @module core/backup/format
 * The backup file: a small plaintext header, then one AES-256-GCM ciphertext of a container
 * (manifest + parts) under a key derived from a separate backup passphrase with Argon2id.
 *
 * ```
 * header (HEADER_LENGTH = 75 bytes, all of it the GCM associated data):
 *   magic "CUSTOSBK" (8) | format version u8 (=1) | kdf id u8 (1 = argon2id)
 *   | memoryKiB u32be | iterations u32be | parallelism u8 | salt (16)
 *   | verifier (32) | body length u64be (nonce ‖ ciphertext ‖ tag)
 * body: nonce (12) ‖ AES-256-GCM(container) ‖ tag (16)
 * container: manifest length u32be | manifest (UTF-8 JSON) | parts, concatenated in manifest order
 * ```
 *
 * Why this shape:
 * - The header is AAD, so KDF parameters, salt and length cannot be changed without GCM failing.
 * - Argon2id gives 64 bytes, like the vault's key slots (vault.deriveKek): the first half is the
 *   AES key, the second half a stored verifier. It lets a wrong passphrase be told apart from a
 *   damaged body ("wrong backup passphrase" vs "authentication failed") and costs an attacker
 *   nothing they did not have (the Argon2id work per guess is the same either way).
 * - The body length in the header makes truncation an exact error ("truncated at byte N of M")
 *   before any key derivation.
 * - The manifest carries `kind`, `previous` (SHA-256 of the whole previous backup file; null for a
 *   full backup) and `result` (diff.ts stateDigest of the database this backup leaves behind), so
 *   an incremental (kind 'incremental', one `diff` part instead of `database`) chains to the file
 *   before it and a restore proves every step reproduced the state it was made from. Incrementals
 *   came without a format version change: an older build refuses the kind by name (UNSUPPORTED).
 * - Every part has a size and SHA-256 in the manifest. Under GCM a change is already caught; the
 *   checksums also catch a writer's bug, and name the part that is wrong.
 *
 * The whole file is held in memory (the database snapshot included): fine for vaults of tens or
 * hundreds of MB; a streaming variant would chunk the body (one GCM segment per chunk).
 * Trusts the crypto engine (Argon2id, AES-256-GCM, SHA-256); trusts nothing in the file.
 */
import { timingSafeEqual } from 'node:crypto';
import { CustodyError } from '../../../shared/errors.js';
import type { CryptoEngine } from '../crypto/types.js';

export const BACKUP_MAGIC = 'CUSTOSBK';
export const BACKUP_FORMAT_VERSION = 1;
export const MANIFEST_FORMAT_NAME = 'custos-backup';
const KDF_ARGON2ID = 1;
const SALT_LENGTH = 16;
const VERIFIER_LENGTH = 32;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;
export const HEADER_LENGTH = 8 + 1 + 1 + 4 + 4 + 1 + SALT_LENGTH + VERIFIER_LENGTH + 8;
/** Below this Argon2id is not worth its name; above this a crafted header could exhaust memory. */
const MIN_MEMORY_KIB = 1024;
const MAX_MEMORY_KIB = 4 * 1024 * 1024;
const MAX_ITERATIONS = 64;
const MAX_PARALLELISM = 16;
const MAX_MANIFEST_BYTES = 1 << 20;

/** The parts that are files of the data directory, and the file each restores to. */
export const PART_FILES = { database: 'custos.db', config: 'custos.yaml', 'ui-settings': 'ui-settings.json' } as const;
export type FilePartName = keyof typeof PART_FILES;
/** `diff`: an incremental's database changes (diff.ts), restored by applying, not as a file. */
export type PartName = FilePartName | 'diff';
const PART_NAMES: readonly PartName[] = ['database', 'config', 'ui-settings', 'diff'];

export function isFilePart(name: PartName): name is FilePartName {
  return name !== 'diff';
}

export interface BackupKdf {
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

export interface PartEntry {
  readonly name: PartName;
  readonly size: number;
  /** Lowercase hex. */
  readonly sha256: string;
}

export interface BackupManifest {
  readonly format: typeof MANIFEST_FORMAT_NAME;
  readonly version: typeof BACKUP_FORMAT_VERSION;
  /** 'full': a database snapshot; 'incremental': the changes since the backup named by `previous`. */
  readonly kind: 'full' | 'incremental';
  /** ISO 8601. */
  readonly createdAt: string;
  /** Vault.masterKeyFingerprint in hex: which vault this is, saying nothing about its key. */
  readonly vaultFingerprint: string;
  readonly schemaVersion: number;
  /** SHA-256 (hex) of the backup file this one follows; null for a full backup. */
  readonly previous: string | null;
  /**
   * SHA-256 (hex) of the canonical state of the database this backup leaves behind (diff.ts
   * stateDigest): after applying an incremental, or of the full backup's snapshot. Null only in
   * full backups written before incrementals existed.
   */
  readonly result: string | null;
  readonly parts: readonly PartEntry[];
}

export interface BackupPart {
  readonly name: PartName;
  readonly bytes: Uint8Array;
}

export interface OpenedBackup {
  readonly manifest: BackupManifest;
  readonly parts: readonly BackupPart[];
  /** SHA-256 (hex) of the whole file. */
  readonly sha256: string;
}

function invalid(message: string, record = 'backup file'): CustodyError {
  return new CustodyError('TAMPERED', message, { details: { record } });
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** SHA-256 (hex) of a whole backup file: what the operator records and what an incremental's `previous` names. */
export function backupFileHash(engine: CryptoEngine, file: Uint8Array): string {
  return hex(engine.hash('sha256', file));
}

async function deriveKeys(engine: CryptoEngine, passphrase: Uint8Array, salt: Uint8Array, kdf: BackupKdf): Promise<{ key: Uint8Array; verifier: Uint8Array }> {
  const out = await engine.kdf({ algorithm: 'argon2id', password: passphrase, salt, memoryKiB: kdf.memoryKiB, iterations: kdf.iterations, parallelism: kdf.parallelism, length: 64 });
  const key = Uint8Array.from(out.subarray(0, 32));
  const verifier = Uint8Array.from(out.subarray(32, 64));
  out.fill(0);
  return { key, verifier };
}

export function assertBackupKdf(kdf: BackupKdf): void {
  const ok = (n: number, min: number, max: number) => Number.isSafeInteger(n) && n >= min && n <= max;
  if (!ok(kdf.memoryKiB, MIN_MEMORY_KIB, MAX_MEMORY_KIB) || !ok(kdf.iterations, 1, MAX_ITERATIONS) || !ok(kdf.parallelism, 1, MAX_PARALLELISM)) {
    throw new CustodyError('INVALID_INPUT', `backup key derivation out of range (memory ${MIN_MEMORY_KIB}-${MAX_MEMORY_KIB} KiB, iterations 1-${MAX_ITERATIONS}, parallelism 1-${MAX_PARALLELISM})`);
  }
}

/**
 * Seal a manifest's parts into a backup file. The manifest's part entries are computed here from
 * `parts` (in that order), so they cannot disagree with what is written.
 * @throws INVALID_INPUT for an empty passphrase or KDF parameters out of range.
 */
export async function sealBackup(
  engine: CryptoEngine,
  request: { manifest: Omit<BackupManifest, 'parts'>; parts: readonly BackupPart[]; passphrase: Uint8Array; kdf: BackupKdf },
): Promise<{ file: Uint8Array; manifest: BackupManifest; sha256: string }> {
  if (!(request.passphrase instanceof Uint8Array) || request.passphrase.length === 0) throw new CustodyError('INVALID_INPUT', 'the backup passphrase is empty');
  assertBackupKdf(request.kdf);
  const manifest: BackupManifest = {
    ...request.manifest,
    parts: request.parts.map((p) => ({ name: p.name, size: p.bytes.length, sha256: hex(engine.hash('sha256', p.bytes)) })),
  };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  const container = new Uint8Array(4 + manifestBytes.length + request.parts.reduce((n, p) => n + p.bytes.length, 0));
  new DataView(container.buffer).setUint32(0, manifestBytes.length);
  container.set(manifestBytes, 4);
  let at = 4 + manifestBytes.length;
  for (const p of request.parts) {
    container.set(p.bytes, at);
    at += p.bytes.length;
  }
  const salt = engine.random(SALT_LENGTH);
  const { key, verifier } = await deriveKeys(engine, request.passphrase, salt, request.kdf);
  try {
    const bodyLength = NONCE_LENGTH + container.length + TAG_LENGTH;
    const header = new Uint8Array(HEADER_LENGTH);
    const view = new DataView(header.buffer);
    header.set(new TextEncoder().encode(BACKUP_MAGIC), 0);
    header[8] = BACKUP_FORMAT_VERSION;
    header[9] = KDF_ARGON2ID;
    view.setUint32(10, request.kdf.memoryKiB);
    view.setUint32(14, request.kdf.iterations);
    header[18] = request.kdf.parallelism;
    header.set(salt, 19);
    header.set(verifier, 19 + SALT_LENGTH);
    view.setBigUint64(19 + SALT_LENGTH + VERIFIER_LENGTH, BigInt(bodyLength));
    const body = engine.sealAes256Gcm(key, container, header);
    if (body.length !== bodyLength) throw new CustodyError('INTERNAL', 'unexpected AES-GCM output length');
    const file = new Uint8Array(HEADER_LENGTH + body.length);
    file.set(header, 0);
    file.set(body, HEADER_LENGTH);
    return { file, manifest, sha256: backupFileHash(engine, file) };
  } finally {
    key.fill(0);
    container.fill(0);
  }
}

interface ParsedHeader {
  readonly header: Uint8Array;
  readonly kdf: BackupKdf;
  readonly salt: Uint8Array;
  readonly verifier: Uint8Array;
  readonly bodyLength: number;
}

function parseHeader(file: Uint8Array): ParsedHeader {
  if (file.length < BACKUP_MAGIC.length || Buffer.from(file.subarray(0, 8)).toString('latin1') !== BACKUP_MAGIC) {
    if (file.length < BACKUP_MAGIC.length && Buffer.from(file).toString('latin1') === BACKUP_MAGIC.slice(0, file.length) && file.length > 0) {
      throw invalid(`truncated at byte ${file.length}: the header is ${HEADER_LENGTH} bytes`);
    }
    throw invalid('not a Custos backup file (no CUSTOSBK header)');
  }
  if (file.length < HEADER_LENGTH) throw invalid(`truncated at byte ${file.length}: the header is ${HEADER_LENGTH} bytes`);
  const header = file.subarray(0, HEADER_LENGTH);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (header[8] !== BACKUP_FORMAT_VERSION) {
    throw new CustodyError('UNSUPPORTED', `backup format version ${header[8]} is not known to this build (it reads version ${BACKUP_FORMAT_VERSION})`);
  }
  if (header[9] !== KDF_ARGON2ID) throw invalid(`unknown key derivation ${header[9]} in the backup header`);
  const kdf = { memoryKiB: view.getUint32(10), iterations: view.getUint32(14), parallelism: header[18] as number };
  try {
    assertBackupKdf(kdf);
  } catch {
    throw invalid('the backup header has key-derivation parameters out of range (altered header?)');
  }
  const bodyLength = view.getBigUint64(19 + SALT_LENGTH + VERIFIER_LENGTH);
  if (bodyLength < BigInt(NONCE_LENGTH + 4 + TAG_LENGTH) || bodyLength > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid('the backup header has an impossible body length (altered header?)');
  return { header, kdf, salt: header.subarray(19, 19 + SALT_LENGTH), verifier: header.subarray(19 + SALT_LENGTH, 19 + SALT_LENGTH + VERIFIER_LENGTH), bodyLength: Number(bodyLength) };
}

/**
 * Decrypt a backup and check its manifest and every part's size and checksum. Pure: reads
 * nothing else, writes nothing. Errors name what is wrong: truncation (with the byte offset),
 * trailing bytes, a wrong passphrase, a body that fails authentication, a bad manifest, a part
 * whose checksum does not match.
 * @throws TAMPERED, UNSUPPORTED (newer format), PASSPHRASE_INCORRECT (wrong backup passphrase).
 */
export async function openBackup(engine: CryptoEngine, file: Uint8Array, passphrase: Uint8Array): Promise<OpenedBackup> {
  const h = parseHeader(file);
  const expected = HEADER_LENGTH + h.bodyLength;
  if (file.length < expected) throw invalid(`truncated at byte ${file.length}: the header says the file is ${expected} bytes`);
  if (file.length > expected) throw invalid(`${file.length - expected} unexpected bytes after the end of the backup (byte ${expected})`);
  if (!(passphrase instanceof Uint8Array) || passphrase.length === 0) throw new CustodyError('INVALID_INPUT', 'the backup passphrase is empty');
  const { key, verifier } = await deriveKeys(engine, passphrase, h.salt, h.kdf);
  let container: Uint8Array;
  try {
    if (!timingSafeEqual(verifier, h.verifier)) {
      throw new CustodyError('PASSPHRASE_INCORRECT', 'wrong backup passphrase (or the backup header was altered)');
    }
    try {
      container = engine.openAes256Gcm(key, file.subarray(HEADER_LENGTH), h.header);
    } catch (cause) {
      throw new CustodyError('TAMPERED', 'the backup was tampered with or damaged (authentication failed)', { cause, details: { record: 'backup file' } });
    }
  } finally {
    key.fill(0);
    verifier.fill(0);
  }
  const manifest = parseManifest(container);
  const parts: BackupPart[] = [];
  let at = 4 + new DataView(container.buffer, container.byteOffset).getUint32(0);
  for (const entry of manifest.parts) {
    if (at + entry.size > container.length) throw invalid(`part ${entry.name}: the container ends before its ${entry.size} bytes`, `backup part ${entry.name}`);
    const bytes = container.subarray(at, at + entry.size);
    at += entry.size;
    if (hex(engine.hash('sha256', bytes)) !== entry.sha256) throw invalid(`part ${entry.name}: checksum does not match`, `backup part ${entry.name}`);
    parts.push({ name: entry.name, bytes });
  }
  if (at !== container.length) throw invalid(`${container.length - at} bytes in the container that no manifest part accounts for`);
  return { manifest, parts, sha256: backupFileHash(engine, file) };
}

function parseManifest(container: Uint8Array): BackupManifest {
  if (container.length < 4) throw invalid('the backup container is too short for a manifest', 'backup manifest');
  const length = new DataView(container.buffer, container.byteOffset).getUint32(0);
  if (length > MAX_MANIFEST_BYTES || 4 + length > container.length) throw invalid('the backup manifest length is impossible', 'backup manifest');
  let m: unknown;
  try {
    m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(container.subarray(4, 4 + length)));
  } catch (cause) {
    throw new CustodyError('TAMPERED', 'the backup manifest is not valid JSON', { cause, details: { record: 'backup manifest' } });
  }
  const bad = (what: string) => invalid(`the backup manifest is invalid: ${what}`, 'backup manifest');
  if (typeof m !== 'object' || m === null) throw bad('not an object');
  const o = m as Record<string, unknown>;
  if (o.format !== MANIFEST_FORMAT_NAME) throw bad('format');
  if (o.version !== BACKUP_FORMAT_VERSION) throw new CustodyError('UNSUPPORTED', `backup manifest version ${String(o.version)} is not known to this build`);
  if (o.kind !== 'full' && o.kind !== 'incremental') throw new CustodyError('UNSUPPORTED', `backup kind ${JSON.stringify(o.kind)} is not known to this build`);
  const kind = o.kind;
  if (typeof o.createdAt !== 'string' || Number.isNaN(Date.parse(o.createdAt))) throw bad('createdAt');
  if (typeof o.vaultFingerprint !== 'string' || !/^[0-9a-f]{16}$/.test(o.vaultFingerprint)) throw bad('vaultFingerprint');
  if (!Number.isSafeInteger(o.schemaVersion) || (o.schemaVersion as number) < 1) throw bad('schemaVersion');
  const sha256Hex = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
  if (kind === 'full' && o.previous !== null) throw bad('a full backup has no previous backup');
  if (kind === 'incremental' && !sha256Hex(o.previous)) throw bad('an incremental backup names the SHA-256 of the backup it follows');
  // Full backups from before incrementals have no `result`; an incremental always has one.
  const result = o.result === undefined && kind === 'full' ? null : o.result;
  if (result !== null && !sha256Hex(result)) throw bad('result');
  if (kind === 'incremental' && result === null) throw bad('an incremental backup names the state it leads to (result)');
  if (!Array.isArray(o.parts)) throw bad('parts');
  const seen = new Set<string>();
  const parts: PartEntry[] = o.parts.map((p: unknown, i: number) => {
    const e = p as Record<string, unknown> | null;
    if (typeof e !== 'object' || e === null || typeof e.name !== 'string' || !(PART_NAMES as readonly string[]).includes(e.name) || seen.has(e.name)) throw bad(`part ${i + 1}: name`);
    seen.add(e.name);
    if (!Number.isSafeInteger(e.size) || (e.size as number) < 0) throw bad(`part ${e.name}: size`);
    if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) throw bad(`part ${e.name}: sha256`);
    return { name: e.name as PartName, size: e.size as number, sha256: e.sha256 };
  });
  if (kind === 'full' && (!seen.has('database') || seen.has('diff'))) throw bad('a full backup has a database part and no diff part');
  if (kind === 'incremental' && (!seen.has('diff') || seen.has('database'))) throw bad('an incremental backup has a diff part and no database part');
  return {
    format: MANIFEST_FORMAT_NAME,
    version: BACKUP_FORMAT_VERSION,
    kind,
    createdAt: o.createdAt,
    vaultFingerprint: o.vaultFingerprint,
    schemaVersion: o.schemaVersion as number,
    previous: kind === 'full' ? null : (o.previous as string),
    result,
    parts,
  };
}
