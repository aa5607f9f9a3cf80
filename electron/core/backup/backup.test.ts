/**
 * Full backups against real vaults: create → restore into a fresh directory → every key signs as
 * before (Ed25519 byte for byte; secp256k1 and an HD wallet under the same public key / address),
 * the audit log verifies and records the restore; truncated, altered, wrong-passphrase and
 * wrong-target restores are refused with a message naming the problem and write nothing.
 */
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyMessage } from 'ethers';
import { describe, expect, it } from 'vitest';
import { FAST_KDF, PASSPHRASE, tempDir, unlockedCustodian } from '../../../test/helpers.js';
import { openCustodian } from '../custodian.js';
import { createCryptoEngine } from '../crypto/index.js';
import { openDatabase, SCHEMA_VERSION } from '../vault/database.js';
import { BACKUP_FORMAT_VERSION, HEADER_LENGTH, MANIFEST_FORMAT_NAME, sealBackup, verifyBackup } from './index.js';
import { snapshotParts } from './snapshot.js';
import { restoreBackup } from './restore.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const BACKUP_PASSPHRASE = new TextEncoder().encode('a separate backup passphrase');
const MESSAGE = new TextEncoder().encode('signed before and after');

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code?: string; message: string };
    return { code: e.code ?? 'none', message: e.message };
  }
  throw new Error('expected a refusal');
}

async function sourceVault() {
  const dataDir = tempDir();
  writeFileSync(join(dataDir, 'custos.yaml'), '# operator settings\n');
  writeFileSync(join(dataDir, 'ui-settings.json'), '{"theme":"dark"}\n');
  const c = await unlockedCustodian({ dataDir });
  await c.generateKey('default', 'ed', 'ed25519');
  await c.generateKey('default', 'k1', 'ecdsa-secp256k1');
  await c.hdImport('default', 'hd', ABANDON);
  return c;
}

describe('full backup', () => {
  it('restores into a fresh directory where every key signs as before and the audit log verifies', async () => {
    const c = await sourceVault();
    const edSig = (await c.sign({ namespace: 'default', keyId: 'ed', data: MESSAGE })).signature;
    const k1Spki = (await c.publicKey('default', 'k1', 'der')).publicKey;
    const hdRef = { namespace: 'default', wallet: 'hd', index: 0 };
    const address = (await c.ethAddress(hdRef)).address;
    const created = await c.backupCreate({ backupPassphrase: BACKUP_PASSPHRASE, kdf: FAST_KDF });
    expect(created.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(created.manifest).toMatchObject({ kind: 'full', previous: null, vaultFingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(created.manifest.parts.map((p) => p.name)).toEqual(['database', 'config', 'ui-settings']);
    const [event] = await c.auditQuery({ action: 'backup.create', limit: 1 });
    expect(event?.details).toMatchObject({ bytes: created.file.length, sha256: created.sha256 });
    expect(JSON.stringify(event)).not.toContain('separate backup passphrase');
    await c.close();

    const verified = await verifyBackup(created.file, BACKUP_PASSPHRASE);
    expect(verified).toMatchObject({ sha256: created.sha256, bytes: created.file.length });

    const target = join(tempDir(), 'restored');
    const restored = await restoreBackup({ files: [created.file], backupPassphrase: BACKUP_PASSPHRASE, dataDir: target, operator: 'admin', passphrase: PASSPHRASE, options: { kdf: FAST_KDF } });
    expect(restored.report.ok).toBe(true);
    expect(readdirSync(target).sort()).toEqual(expect.arrayContaining(['custos.db', 'custos.yaml', 'ui-settings.json']));
    expect(readdirSync(join(target, '..')).filter((n) => n.includes('restoring'))).toEqual([]);

    const r = await openCustodian({ dataDir: target, kdf: FAST_KDF });
    try {
      expect((await r.unlock(PASSPHRASE)).ok).toBe(true);
      expect((await r.auditVerify(true)).ok).toBe(true);
      expect((await r.sign({ namespace: 'default', keyId: 'ed', data: MESSAGE })).signature).toEqual(edSig);
      expect((await r.publicKey('default', 'k1', 'der')).publicKey).toEqual(k1Spki);
      const k1Sig = (await r.sign({ namespace: 'default', keyId: 'k1', data: MESSAGE, hash: 'sha256' })).signature;
      expect(nodeVerify('sha256', MESSAGE, createPublicKey({ key: Buffer.from(k1Spki), format: 'der', type: 'spki' }), k1Sig)).toBe(true);
      expect((await r.ethAddress(hdRef)).address).toBe(address);
      expect(verifyMessage(MESSAGE, (await r.ethSignMessage(hdRef, MESSAGE)).signature)).toBe(address);
      const [restoreEvent] = await r.auditQuery({ action: 'backup.restore', limit: 1 });
      expect(restoreEvent).toMatchObject({ result: 'ok', principal: 'admin', details: { sha256: created.sha256 } });
    } finally {
      await r.close();
    }
  });

  it('refuses truncated, altered, wrong-passphrase and misdirected restores and writes nothing', async () => {
    const c = await sourceVault();
    const { file } = await c.backupCreate({ backupPassphrase: BACKUP_PASSPHRASE, kdf: FAST_KDF });
    await c.close();
    const parent = tempDir();
    const target = join(parent, 'new');
    const restore = (bytes: Uint8Array, backupPassphrase = BACKUP_PASSPHRASE, dataDir = target) =>
      restoreBackup({ files: [bytes], backupPassphrase, dataDir, operator: 'admin', passphrase: PASSPHRASE, options: { kdf: FAST_KDF } });

    const cut = file.subarray(0, file.length - 100);
    expect(await refusal(restore(cut))).toEqual({ code: 'TAMPERED', message: `truncated at byte ${file.length - 100}: the header says the file is ${file.length} bytes` });
    expect((await refusal(restore(file.subarray(0, 20)))).message).toBe(`truncated at byte 20: the header is ${HEADER_LENGTH} bytes`);
    expect((await refusal(restore(new Uint8Array([...file, 0])))).message).toContain('1 unexpected bytes after the end of the backup');

    const flipped = Uint8Array.from(file);
    flipped[HEADER_LENGTH + 500] = (flipped[HEADER_LENGTH + 500] as number) ^ 0x01;
    expect(await refusal(restore(flipped))).toEqual({ code: 'TAMPERED', message: 'the backup was tampered with or damaged (authentication failed)' });
    const flippedHeader = Uint8Array.from(file);
    flippedHeader[25] = (flippedHeader[25] as number) ^ 0x01; // in the salt
    expect((await refusal(restore(flippedHeader))).code).toBe('PASSPHRASE_INCORRECT');

    expect(await refusal(restore(file, new TextEncoder().encode('not the backup passphrase')))).toEqual({
      code: 'PASSPHRASE_INCORRECT',
      message: 'wrong backup passphrase (or the backup header was altered)',
    });
    expect((await refusal(verifyBackup(flipped, BACKUP_PASSPHRASE))).message).toContain('authentication failed');
    expect((await refusal(verifyBackup(new TextEncoder().encode('hello world, not a backup'), BACKUP_PASSPHRASE))).message).toBe('not a Custos backup file (no CUSTOSBK header)');

    // The operator's passphrase is checked on the restored copy: wrong → refused, nothing left.
    const wrongOperator = await refusal(restoreBackup({ files: [file], backupPassphrase: BACKUP_PASSPHRASE, dataDir: target, operator: 'admin', passphrase: new TextEncoder().encode('nope'), options: { kdf: FAST_KDF } }));
    expect(wrongOperator.code).toBe('PASSPHRASE_INCORRECT');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);

    const full = join(parent, 'occupied');
    mkdirSync(full);
    writeFileSync(join(full, 'something'), 'x');
    expect(await refusal(restore(file, BACKUP_PASSPHRASE, full))).toEqual({ code: 'ALREADY_EXISTS', message: `${full} is not empty: restore only into a new or empty data directory` });
    expect(readdirSync(full)).toEqual(['something']);

    // An empty directory is a valid target.
    const empty = join(parent, 'empty');
    mkdirSync(empty);
    expect((await restore(file, BACKUP_PASSPHRASE, empty)).report.ok).toBe(true);
    expect(readdirSync(parent).sort()).toEqual(['empty', 'occupied']);
  });

  it('only an Admin may create a backup, and an empty backup passphrase is refused', async () => {
    const c = await unlockedCustodian();
    expect((await refusal(c.backupCreate({ backupPassphrase: new Uint8Array(), kdf: FAST_KDF }))).code).toBe('INVALID_INPUT');
    await c.addOperator('bob', new TextEncoder().encode('bob passphrase'));
    const bob = await c.login('bob', new TextEncoder().encode('bob passphrase'));
    expect((await refusal(bob.backupCreate({ backupPassphrase: BACKUP_PASSPHRASE, kdf: FAST_KDF }))).code).toBe('PERMISSION_DENIED');
    const failures = await c.auditQuery({ action: 'backup.create' });
    expect(failures.map((e) => e.result)).toEqual(expect.arrayContaining(['INVALID_INPUT', 'PERMISSION_DENIED']));
    await c.close();
  });

  it('refuses a newer format and a manifest that names another vault, writing nothing', async () => {
    const c = await sourceVault();
    const { file } = await c.backupCreate({ backupPassphrase: BACKUP_PASSPHRASE, kdf: FAST_KDF });
    const dataDir = c.dataDir;
    await c.close();
    const newer = Uint8Array.from(file);
    newer[8] = BACKUP_FORMAT_VERSION + 1;
    expect(await refusal(verifyBackup(newer, BACKUP_PASSPHRASE))).toEqual({ code: 'UNSUPPORTED', message: `backup format version ${BACKUP_FORMAT_VERSION + 1} is not known to this build (it reads version ${BACKUP_FORMAT_VERSION})` });

    // A well-formed backup whose manifest claims another vault than the database it carries.
    const db = openDatabase(dataDir);
    const parts = snapshotParts(db, dataDir);
    db.close();
    const engine = createCryptoEngine();
    const forged = await sealBackup(engine, {
      manifest: { format: MANIFEST_FORMAT_NAME, version: BACKUP_FORMAT_VERSION, kind: 'full', createdAt: new Date().toISOString(), vaultFingerprint: '0123456789abcdef', schemaVersion: SCHEMA_VERSION, previous: null, result: null },
      parts,
      passphrase: BACKUP_PASSPHRASE,
      kdf: FAST_KDF,
    });
    expect((await verifyBackup(forged.file, BACKUP_PASSPHRASE)).manifest.vaultFingerprint).toBe('0123456789abcdef');
    const parent = tempDir();
    const refused = await refusal(restoreBackup({ files: [forged.file], backupPassphrase: BACKUP_PASSPHRASE, dataDir: join(parent, 'x'), operator: 'admin', passphrase: PASSPHRASE, options: { kdf: FAST_KDF } }));
    expect(refused.code).toBe('TAMPERED');
    expect(refused.message).toMatch(/^the backup manifest names vault 0123456789abcdef, but the restored database is vault [0-9a-f]{16}$/);
    expect(readdirSync(parent)).toEqual([]);
  });
});
