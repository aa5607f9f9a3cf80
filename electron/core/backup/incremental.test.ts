/**
 * Incremental backups against real vaults: full → changes (new, rotated, destroyed keys, a
 * revoked grant, a policy, audit events, ui-settings changed, custos.yaml removed) → incremental
 * 1 → more changes → incremental 2; the chain verifies and restores into a fresh directory where
 * every key signs exactly as before, the audit log is the source's plus the restore, and each
 * prefix of the chain restores the state of its time. Reordered, incomplete, tampered,
 * wrong-passphrase, forged and cross-schema chains are refused naming the file, and a restore that
 * fails in the last file leaves nothing behind.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAST_KDF, FakeClock, PASSPHRASE, tempDir, unlockedCustodian } from '../../../test/helpers.js';
import type { BackupProgress } from '../../../shared/api/airgap.js';
import { openCustodian, type Custodian } from '../custodian.js';
import { createCryptoEngine } from '../crypto/index.js';
import { openDatabase, SCHEMA_VERSION } from '../vault/database.js';
import { BACKUP_FORMAT_VERSION, HEADER_LENGTH, MANIFEST_FORMAT_NAME, openBackup, sealBackup, verifyBackup, verifyBackupChain, type BackupCreated } from './index.js';
import { snapshotParts } from './snapshot.js';
import { restoreBackup } from './restore.js';

const BACKUP_PASSPHRASE = new TextEncoder().encode('one backup passphrase for the chain');
const OTHER_PASSPHRASE = new TextEncoder().encode('another backup passphrase');
const MESSAGE = new TextEncoder().encode('signed before and after');
const DAY = 24 * 3600 * 1000;
const engine = createCryptoEngine();

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string; backup?: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; message: string; details?: Record<string, unknown> };
    return { code: e.code ?? 'none', message: e.message, backup: e.details?.backup };
  }
  throw new Error('expected a refusal');
}

const short = (sha256: string) => `${sha256.slice(0, 12)}…`;

const restoreInto = (files: readonly Uint8Array[], dataDir: string, onProgress?: (p: BackupProgress) => void) =>
  restoreBackup({ files, backupPassphrase: BACKUP_PASSPHRASE, dataDir, operator: 'admin', passphrase: PASSPHRASE, options: { kdf: FAST_KDF }, ...(onProgress === undefined ? {} : { onProgress }) });

/** Ed25519 is deterministic (RFC 8032 §5.1.6): the same key signs the same message with the same bytes. */
async function signatures(c: Custodian, refs: readonly [string, string][]): Promise<string[]> {
  return Promise.all(refs.map(async ([namespace, keyId]) => Buffer.from((await c.sign({ namespace, keyId, data: MESSAGE })).signature).toString('hex')));
}

interface Chain {
  readonly c: Custodian;
  readonly dataDir: string;
  readonly full: BackupCreated;
  readonly inc1: BackupCreated;
  readonly inc2: BackupCreated;
  /** What the source looked like when each backup was taken. */
  readonly keysAt: readonly string[];
  readonly signaturesAt2: readonly string[];
  readonly auditAt2: readonly { seq: number }[];
  readonly createProgress: BackupProgress[];
}

const SIGNERS: readonly [string, string][] = [
  ['default', 'ed'],
  ['default', 'rot'],
  ['default', 'new1'],
  ['default', 'new2'],
  ['ns2', 'far'],
];

async function chain(): Promise<Chain> {
  const clock = new FakeClock();
  const dataDir = tempDir();
  writeFileSync(join(dataDir, 'custos.yaml'), '# operator settings\n');
  writeFileSync(join(dataDir, 'ui-settings.json'), '{"theme":"dark"}\n');
  // Sessions outlast the deletion window here, so one operator session spans the whole story.
  const c = await unlockedCustodian({ dataDir, clock, access: { sessionIdleMs: 30 * DAY } });
  await c.generateKey('default', 'ed', 'ed25519');
  await c.generateKey('default', 'k1', 'ecdsa-secp256k1');
  await c.generateKey('default', 'rot', 'ed25519');
  await c.generateKey('default', 'gone', 'ed25519');
  await c.addOperator('bob', new TextEncoder().encode('bob passphrase'));
  await c.grant('bob', 'default', 'KeyUser');
  const keysJson = async () => JSON.stringify(await c.listKeys());
  const keysAt = [await keysJson()];
  const full = await c.backupCreate({ backupPassphrase: BACKUP_PASSPHRASE, kdf: FAST_KDF });

  // Changes 1: a new key, a rotation, a destruction (deletion window passed), a revoked grant, a
  // policy, signatures (audit events), ui-settings changed.
  clock.advance(1000);
  await c.generateKey('default', 'new1', 'ed25519');
  await c.rotateKey('default', 'rot');
  await c.scheduleKeyDeletion('default', 'gone', 7 * DAY);
  clock.advance(8 * DAY);
  await c.revokeGrant('bob', 'default', 'KeyUser');
  await c.putPolicy({ name: 'daily', kind: 'rules', scope: { kind: 'global' }, rules: [{ type: 'valueLimit', per24h: '1000' }] });
  await signatures(c, SIGNERS.slice(0, 3));
  writeFileSync(join(dataDir, 'ui-settings.json'), '{"theme":"light"}\n');
  keysAt.push(await keysJson());
  expect(JSON.parse(keysAt[1] as string).find((k: { id: string }) => k.id === 'gone').state).toBe('destroyed');
  const inc1 = await c.backupCreate({ backupPassphrase: BACKUP_PASSPHRASE, kdf: FAST_KDF, previous: [full.file] });

  // Changes 2: another key in a new namespace, another rotation, custos.yaml removed.
  clock.advance(1000);
  await c.generateKey('default', 'new2', 'ed25519');
  await c.rotateKey('default', 'rot');
  await c.createNamespace('ns2');
  await c.generateKey('ns2', 'far', 'ed25519');
  unlinkSync(join(dataDir, 'custos.yaml'));
  const signaturesAt2 = await signatures(c, SIGNERS);
  keysAt.push(await keysJson());
  const auditAt2 = await c.auditQuery({ limit: 100000 });
  const createProgress: BackupProgress[] = [];
  const inc2 = await c.backupCreate({ backupPassphrase: BACKUP_PASSPHRASE, kdf: FAST_KDF, previous: [full.file, inc1.file], onProgress: (p) => createProgress.push(p) });
  return { c, dataDir, full, inc1, inc2, keysAt, signaturesAt2, auditAt2, createProgress };
}

function expectProgress(events: readonly BackupProgress[], operation: BackupProgress['operation'], phases: readonly string[]): void {
  expect(events.map((p) => p.phase)).toEqual(phases);
  for (const [i, p] of events.entries()) {
    expect(p.operation).toBe(operation);
    expect(p.done).toBeLessThanOrEqual(p.total);
    if (i > 0) expect(p.done).toBeGreaterThanOrEqual((events[i - 1] as BackupProgress).done);
  }
  expect(events.at(-1)).toMatchObject({ phase: 'done', done: events.at(-1)?.total });
}

describe('incremental backups', () => {
  it('full → incremental → incremental restores into a fresh directory exactly as the vault was, audit included', async () => {
    const { c, full, inc1, inc2, keysAt, signaturesAt2, auditAt2, createProgress } = await chain();
    expect(inc1.manifest).toMatchObject({ kind: 'incremental', previous: full.sha256, vaultFingerprint: full.manifest.vaultFingerprint, schemaVersion: full.manifest.schemaVersion });
    expect(inc2.manifest).toMatchObject({ kind: 'incremental', previous: inc1.sha256 });
    expect(inc1.manifest.parts.map((p) => p.name)).toEqual(['diff', 'config', 'ui-settings']);
    expect(inc2.manifest.parts.map((p) => p.name)).toEqual(['diff', 'ui-settings']);
    expect(inc2.manifest.result).toMatch(/^[0-9a-f]{64}$/);
    expectProgress(createProgress, 'create', ['decrypt 1/2', 'decrypt 2/2', 'apply 1/2', 'apply 2/2', 'snapshot', 'diff', 'check', 'encrypt', 'done']);
    const [created] = await c.auditQuery({ action: 'backup.create', limit: 1, descending: true });
    expect(created?.details).toMatchObject({ kind: 'incremental', sha256: inc2.sha256, previous: inc1.sha256 });
    await c.close();

    const verifyProgress: BackupProgress[] = [];
    const verified = await verifyBackupChain([full.file, inc1.file, inc2.file], BACKUP_PASSPHRASE, { onProgress: (p) => verifyProgress.push(p) });
    expect(verified.map((v) => [v.sha256, v.manifest.kind, v.bytes])).toEqual([
      [full.sha256, 'full', full.file.length],
      [inc1.sha256, 'incremental', inc1.file.length],
      [inc2.sha256, 'incremental', inc2.file.length],
    ]);
    expectProgress(verifyProgress, 'verify', ['decrypt 1/3', 'decrypt 2/3', 'decrypt 3/3', 'apply 1/3', 'apply 2/3', 'apply 3/3', 'done']);
    expect((await verifyBackup(inc1.file, BACKUP_PASSPHRASE)).manifest.kind).toBe('incremental');

    const target = join(tempDir(), 'restored');
    const restoreProgress: BackupProgress[] = [];
    const restored = await restoreInto([full.file, inc1.file, inc2.file], target, (p) => restoreProgress.push(p));
    expect(restored).toMatchObject({ files: 3, sha256: inc2.sha256, manifest: { kind: 'incremental', previous: inc1.sha256 } });
    expect(restored.report.ok).toBe(true);
    expectProgress(restoreProgress, 'restore', ['decrypt 1/3', 'decrypt 2/3', 'decrypt 3/3', 'apply 1/3', 'apply 2/3', 'apply 3/3', 'check', 'record', 'done']);
    // The files are those of the last backup's time: ui-settings changed, custos.yaml removed.
    expect(readdirSync(target)).not.toContain('custos.yaml');
    expect(readFileSync(join(target, 'ui-settings.json'), 'utf8')).toBe('{"theme":"light"}\n');

    const r = await openCustodian({ dataDir: target, kdf: FAST_KDF });
    try {
      expect((await r.unlock(PASSPHRASE)).ok).toBe(true);
      expect((await r.auditVerify(true)).ok).toBe(true);
      expect(JSON.stringify(await r.listKeys())).toBe(keysAt[2]);
      expect(await signatures(r, SIGNERS)).toEqual(signaturesAt2);
      expect((await r.getKey('default', 'rot')).primaryVersion).toBe(3);
      expect((await refusal(r.sign({ namespace: 'default', keyId: 'gone', data: MESSAGE }))).code).toBe('KEY_DESTROYED');
      expect((await r.listGrants()).some((g) => g.principal === 'bob')).toBe(false);
      expect((await r.listPolicies()).policies.map((p) => p.definition.name)).toContain('daily');
      // The source's audit log up to the incremental, then the restore.
      const events = await r.auditQuery({ limit: 100000 });
      const restoreEvent = events.find((e) => e.action === 'backup.restore');
      expect(restoreEvent).toMatchObject({ result: 'ok', principal: 'admin', details: { sha256: inc2.sha256 } });
      expect(JSON.stringify(events.slice(0, auditAt2.length))).toBe(JSON.stringify(auditAt2));
    } finally {
      await r.close();
    }

    // A prefix of the chain restores the state of its time.
    const middle = join(tempDir(), 'middle');
    expect((await restoreInto([full.file, inc1.file], middle)).files).toBe(2);
    expect(readFileSync(join(middle, 'custos.yaml'), 'utf8')).toBe('# operator settings\n');
    const m = await openCustodian({ dataDir: middle, kdf: FAST_KDF });
    try {
      expect((await m.unlock(PASSPHRASE)).ok).toBe(true);
      expect(JSON.stringify(await m.listKeys())).toBe(keysAt[1]);
    } finally {
      await m.close();
    }
  });

  it('refuses reordered, incomplete, tampered, truncated and mixed-passphrase chains, naming the file, and writes nothing', async () => {
    const { c, full, inc1, inc2 } = await chain();
    await c.close();
    const parent = tempDir();
    const target = join(parent, 'new');
    const both = async (files: readonly Uint8Array[]) => {
      const v = await refusal(verifyBackupChain(files, BACKUP_PASSPHRASE));
      const r = await refusal(restoreInto(files, target));
      expect(r).toEqual(v);
      expect(existsSync(target)).toBe(false);
      return r;
    };

    expect(await both([full.file, inc2.file, inc1.file])).toEqual({
      code: 'TAMPERED',
      message: `backup 2 of 3 follows ${short(inc1.sha256)}, but backup 1 of 3 is ${short(full.sha256)} (a file is missing or the files are out of order)`,
      backup: 2,
    });
    expect(await both([full.file, inc2.file])).toEqual({ code: 'TAMPERED', message: `backup 2 of 2 follows ${short(inc1.sha256)}, but backup 1 of 2 is ${short(full.sha256)} (a file is missing)`, backup: 2 });
    expect((await both([inc1.file, inc2.file])).message).toBe(`backup 1 of 2 is an incremental backup (it follows ${short(full.sha256)}): a chain starts with its full backup`);
    expect((await both([full.file, full.file])).message).toBe('backup 2 of 2 is a full backup: only incremental backups follow the first file of a chain');
    expect((await both([])).code).toBe('INVALID_INPUT');

    const flipped = Uint8Array.from(inc1.file);
    flipped[HEADER_LENGTH + 40] = (flipped[HEADER_LENGTH + 40] as number) ^ 0x01;
    expect(await both([full.file, flipped, inc2.file])).toEqual({ code: 'TAMPERED', message: 'backup 2 of 3: the backup was tampered with or damaged (authentication failed)', backup: 2 });
    expect((await both([full.file, inc1.file, inc2.file.subarray(0, inc2.file.length - 9)])).message).toBe(`backup 3 of 3: truncated at byte ${inc2.file.length - 9}: the header says the file is ${inc2.file.length} bytes`);

    // The second file sealed under another backup passphrase (same contents, same link).
    const opened = await openBackup(engine, inc1.file, BACKUP_PASSPHRASE);
    const { parts: _parts, ...manifest } = opened.manifest;
    const resealed = await sealBackup(engine, { manifest, parts: opened.parts, passphrase: OTHER_PASSPHRASE, kdf: FAST_KDF });
    expect(await both([full.file, resealed.file])).toEqual({
      code: 'PASSPHRASE_INCORRECT',
      message: 'backup 2 of 2: wrong backup passphrase (or the backup header was altered); every file of a chain is sealed with the same backup passphrase',
      backup: 2,
    });
    expect(readdirSync(parent)).toEqual([]);
  });

  it('a chain whose last file does not reproduce its state, or whose diff is malformed, fails in that file and leaves the target absent', async () => {
    const { c, full, inc1, inc2 } = await chain();
    await c.close();
    const opened = await openBackup(engine, inc2.file, BACKUP_PASSPHRASE);
    const { parts: _parts, ...manifest } = opened.manifest;
    const wrongResult = await sealBackup(engine, { manifest: { ...manifest, result: '0'.repeat(64) }, parts: opened.parts, passphrase: BACKUP_PASSPHRASE, kdf: FAST_KDF });
    const diff = opened.parts.find((p) => p.name === 'diff')?.bytes as Uint8Array;
    const cut = await sealBackup(engine, { manifest, parts: opened.parts.map((p) => (p.name === 'diff' ? { name: p.name, bytes: diff.subarray(0, diff.length - 3) } : p)), passphrase: BACKUP_PASSPHRASE, kdf: FAST_KDF });
    const parent = tempDir();
    // An empty target directory stays empty.
    const target = join(parent, 'empty');
    mkdirSync(target);
    const wrong = await refusal(restoreInto([full.file, inc1.file, wrongResult.file], target));
    expect(wrong).toEqual({ code: 'TAMPERED', message: 'backup 3 of 3: applying it does not give the state it was made from (the chain is not the one it followed)', backup: 3 });
    const malformed = await refusal(restoreInto([full.file, inc1.file, cut.file], target));
    expect(malformed.code).toBe('TAMPERED');
    expect(malformed.message).toMatch(/^backup 3 of 3: the diff part is malformed: .* runs past the end of the part$/);
    expect((await refusal(verifyBackupChain([full.file, inc1.file, wrongResult.file], BACKUP_PASSPHRASE))).message).toBe(wrong.message);
    expect(readdirSync(parent)).toEqual(['empty']);
    expect(readdirSync(target)).toEqual([]);
  });

  it('creating an incremental refuses a chain of another vault, a wrong passphrase, a broken chain and a schema change', async () => {
    const { c, dataDir, full, inc1 } = await chain();
    const other = await unlockedCustodian();
    const otherFull = await other.backupCreate({ backupPassphrase: BACKUP_PASSPHRASE, kdf: FAST_KDF });
    await other.close();
    const create = (previous: readonly Uint8Array[], backupPassphrase = BACKUP_PASSPHRASE) => refusal(c.backupCreate({ backupPassphrase, kdf: FAST_KDF, previous }));

    const foreign = await create([otherFull.file]);
    expect(foreign.code).toBe('INVALID_INPUT');
    expect(foreign.message).toMatch(/^the chain is a backup of vault [0-9a-f]{16}, not of this vault \([0-9a-f]{16}\)$/);
    expect(await create([full.file, inc1.file], OTHER_PASSPHRASE)).toMatchObject({ code: 'PASSPHRASE_INCORRECT', message: 'backup 1 of 2: wrong backup passphrase (or the backup header was altered)' });
    expect((await create([inc1.file])).message).toContain('a chain starts with its full backup');
    expect((await create([])).code).toBe('INVALID_INPUT');

    // A full backup made when the database was at an older schema version (an older build).
    const db = openDatabase(dataDir);
    const parts = snapshotParts(db, dataDir);
    db.close();
    const scratch = mkdtempSync(join(tmpdir(), 'custos-old-'));
    const oldDb = join(scratch, 'old.db');
    writeFileSync(oldDb, (parts[0] as { bytes: Uint8Array }).bytes);
    const raw = new Database(oldDb);
    raw.pragma(`user_version = ${SCHEMA_VERSION - 1}`);
    raw.close();
    const older = await sealBackup(engine, {
      manifest: { format: MANIFEST_FORMAT_NAME, version: BACKUP_FORMAT_VERSION, kind: 'full', createdAt: new Date().toISOString(), vaultFingerprint: full.manifest.vaultFingerprint, schemaVersion: SCHEMA_VERSION - 1, previous: null, result: null },
      parts: [{ name: 'database', bytes: Uint8Array.from(readFileSync(oldDb)) }],
      passphrase: BACKUP_PASSPHRASE,
      kdf: FAST_KDF,
    });
    rmSync(scratch, { recursive: true, force: true });
    expect(await create([older.file])).toEqual({
      code: 'UNSUPPORTED',
      message: `the chain was made at database schema version ${SCHEMA_VERSION - 1} and this vault is at version ${SCHEMA_VERSION}: an incremental cannot carry a schema change, make a new full backup`,
      backup: undefined,
    });
    const failures = await c.auditQuery({ action: 'backup.create' });
    expect(failures.map((e) => e.result)).toEqual(expect.arrayContaining(['INVALID_INPUT', 'PASSPHRASE_INCORRECT', 'UNSUPPORTED']));
    await c.close();
  });

  it('a manifest that claims to be incremental without a link, or mixes parts, is refused', async () => {
    const c = await unlockedCustodian();
    const { file } = await c.backupCreate({ backupPassphrase: BACKUP_PASSPHRASE, kdf: FAST_KDF });
    await c.close();
    const opened = await openBackup(engine, file, BACKUP_PASSPHRASE);
    const { parts: _parts, ...manifest } = opened.manifest;
    const reseal = (m: object, parts = opened.parts) => sealBackup(engine, { manifest: { ...manifest, ...m } as typeof manifest, parts, passphrase: BACKUP_PASSPHRASE, kdf: FAST_KDF });
    const noLink = await reseal({ kind: 'incremental' });
    expect((await refusal(verifyBackup(noLink.file, BACKUP_PASSPHRASE))).message).toBe('the backup manifest is invalid: an incremental backup names the SHA-256 of the backup it follows');
    const withDatabase = await reseal({ kind: 'incremental', previous: 'a'.repeat(64) });
    expect((await refusal(verifyBackup(withDatabase.file, BACKUP_PASSPHRASE))).message).toBe('the backup manifest is invalid: an incremental backup has a diff part and no database part');
    const linkedFull = await reseal({ previous: 'a'.repeat(64) });
    expect((await refusal(verifyBackup(linkedFull.file, BACKUP_PASSPHRASE))).message).toBe('the backup manifest is invalid: a full backup has no previous backup');
  });
});
