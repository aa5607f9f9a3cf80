import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openCustodian } from '../custodian.js';
import { databasePath, SCHEMA_VERSION } from './database.js';
import { FakeClock, FAST_KDF, PASSPHRASE, tempDir } from '../../../test/helpers.js';
import { CustodyError } from '../../../shared/errors.js';
import { codeOfAsync } from '../../../test/support.js';

const WRONG = new TextEncoder().encode('not the passphrase');

/** Flip one bit of one byte in a BLOB or TEXT column, behind the vault's back. */
function flip(dataDir: string, table: string, column: string, where: string, byteIndex = 5): void {
  const db = new Database(databasePath(dataDir));
  const row = db.prepare(`SELECT ${column} AS v FROM ${table} WHERE ${where}`).get() as { v: Buffer | string | number };
  let next: Buffer | string | number;
  if (Buffer.isBuffer(row.v)) {
    const b = Buffer.from(row.v);
    b.writeUInt8(b.readUInt8(byteIndex % b.length) ^ 0x01, byteIndex % b.length);
    next = b;
  } else if (typeof row.v === 'number') next = row.v ^ 1;
  else {
    const b = Buffer.from(row.v, 'utf8');
    b.writeUInt8(b.readUInt8(byteIndex % b.length) ^ 0x01, byteIndex % b.length);
    next = b.toString('utf8');
  }
  db.prepare(`UPDATE ${table} SET ${column} = ? WHERE ${where}`).run(next);
  db.close();
}

describe('vault lifecycle', () => {
  it('init, lock, unlock, status, change passphrase', async () => {
    const dataDir = tempDir();
    const c = await openCustodian({ dataDir, kdf: FAST_KDF });
    expect(c.status().initialized).toBe(false);
    expect(await codeOfAsync(c.unlock(PASSPHRASE))).toBe('VAULT_NOT_INITIALIZED');
    await c.init(PASSPHRASE);
    expect(c.status()).toMatchObject({ initialized: true, unlocked: true, schemaVersion: SCHEMA_VERSION, kdf: FAST_KDF });
    expect(await codeOfAsync(c.init(PASSPHRASE))).toBe('VAULT_ALREADY_INITIALIZED');
    await c.generateKey('default', 'k1', 'ed25519');
    await c.lock();
    expect(c.status().unlocked).toBe(false);
    expect(await codeOfAsync(c.listKeys())).toBe('VAULT_LOCKED');
    expect(await codeOfAsync(c.unlock(WRONG))).toBe('PASSPHRASE_INCORRECT');
    await c.unlock(PASSPHRASE);
    expect((await c.listKeys()).map((k) => k.id)).toEqual(['k1']);

    const next = new TextEncoder().encode('a whole new passphrase');
    expect(await codeOfAsync(c.changePassphrase(WRONG, next))).toBe('PASSPHRASE_INCORRECT');
    await c.changePassphrase(PASSPHRASE, next);
    await c.close();
    const again = await openCustodian({ dataDir, kdf: FAST_KDF });
    expect(await codeOfAsync(again.unlock(PASSPHRASE))).toBe('PASSPHRASE_INCORRECT');
    await again.unlock(next);
    // The master key did not change: the key sealed before the change still signs.
    expect((await again.sign({ namespace: 'default', keyId: 'k1', data: new Uint8Array([1]) })).signature.length).toBe(64);
    await again.close();
  });

  it('refuses short passphrases and weak KDF parameters', async () => {
    const c = await openCustodian({ dataDir: tempDir(), kdf: FAST_KDF });
    expect(await codeOfAsync(c.init(new TextEncoder().encode('short')))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(c.init(PASSPHRASE, { ...FAST_KDF, memoryKiB: 64 }))).toBe('INVALID_INPUT');
    expect(c.status().initialized).toBe(false);
    await c.close();
  });

  it('uses the default Argon2id parameters (m=64 MiB, t=3, p=1) when none are given', async () => {
    const c = await openCustodian({ dataDir: tempDir() });
    await c.init(PASSPHRASE);
    expect(c.status().kdf).toEqual({ algorithm: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 1 });
    await c.close();
  });

  it('rejects a database written by a newer schema', async () => {
    const dataDir = tempDir();
    await (await openCustodian({ dataDir })).close();
    const db = new Database(databasePath(dataDir));
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    await expect(openCustodian({ dataDir })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});

describe('lockout', () => {
  it('delays after 5 consecutive failures, exponentially, and survives a restart', async () => {
    const dataDir = tempDir();
    const clock = new FakeClock();
    const lockout = { freeAttempts: 5, baseDelayMs: 30_000, maxDelayMs: 3_600_000, windowMs: 900_000 };
    const c = await openCustodian({ dataDir, kdf: FAST_KDF, clock, lockout });
    await c.init(PASSPHRASE);
    await c.lock();
    for (let i = 1; i <= 4; i++) expect(await codeOfAsync(c.unlock(WRONG))).toBe('PASSPHRASE_INCORRECT');
    expect(c.status().lockedUntil).toBe(0);
    expect(await codeOfAsync(c.unlock(WRONG))).toBe('PASSPHRASE_INCORRECT'); // 5th failure starts the delay
    expect(c.status().lockedUntil).toBe(clock.t + 30_000);
    // Even the right passphrase is refused while locked out.
    expect(await codeOfAsync(c.unlock(PASSPHRASE))).toBe('LOCKED_OUT');
    await c.close();

    // A restart does not reset anything.
    const reopened = await openCustodian({ dataDir, kdf: FAST_KDF, clock, lockout });
    expect(reopened.status()).toMatchObject({ consecutiveFailures: 5, lockedUntil: clock.t + 30_000 });
    const err = await reopened.unlock(PASSPHRASE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CustodyError);
    expect((err as CustodyError).details.retryAfterMs).toBe(30_000);
    clock.advance(30_000);
    expect(await codeOfAsync(reopened.unlock(WRONG))).toBe('PASSPHRASE_INCORRECT'); // 6th: 60 s
    expect(reopened.status().lockedUntil).toBe(clock.t + 60_000);
    clock.advance(60_000);
    await reopened.unlock(PASSPHRASE);
    expect(reopened.status()).toMatchObject({ consecutiveFailures: 0, lockedUntil: 0 });
    await reopened.close();
  });
});

describe('every passphrase check meets the lockout', () => {
  it('wrong current passphrases in changePassphrase count, and unlocking an unlocked vault still checks', async () => {
    const clock = new FakeClock();
    const c = await openCustodian({ dataDir: tempDir(), kdf: FAST_KDF, clock });
    await c.init(PASSPHRASE);
    expect(await codeOfAsync(c.unlock(WRONG))).toBe('PASSPHRASE_INCORRECT');
    expect(c.status().unlocked).toBe(true); // a failed re-authentication does not lock
    const next = new TextEncoder().encode('a whole new passphrase');
    for (let i = 0; i < 4; i++) expect(await codeOfAsync(c.changePassphrase(WRONG, next))).toBe('PASSPHRASE_INCORRECT');
    expect(c.status()).toMatchObject({ consecutiveFailures: 5, lockedUntil: clock.t + 30_000 });
    expect(await codeOfAsync(c.changePassphrase(PASSPHRASE, next))).toBe('LOCKED_OUT');
    clock.advance(30_000);
    await c.changePassphrase(PASSPHRASE, next);
    expect(c.status().consecutiveFailures).toBe(0);
    await c.close();
  });
});

describe('tamper detection', () => {
  async function vaultWithKeys(): Promise<string> {
    const dataDir = tempDir();
    const c = await openCustodian({ dataDir, kdf: FAST_KDF });
    await c.init(PASSPHRASE);
    await c.generateKey('default', 'sig', 'ecdsa-p256');
    await c.generateKey('default', 'aes', 'aes-256-gcm');
    await c.close();
    return dataDir;
  }

  async function attempt(dataDir: string, op: (c: Awaited<ReturnType<typeof openCustodian>>) => unknown): Promise<CustodyError | 'OK'> {
    const c = await openCustodian({ dataDir, kdf: FAST_KDF });
    try {
      await c.unlock(PASSPHRASE);
      await op(c);
      return 'OK';
    } catch (error) {
      if (error instanceof CustodyError) return error;
      throw error;
    } finally {
      await c.close();
    }
  }

  const sign = (c: Awaited<ReturnType<typeof openCustodian>>) => c.sign({ namespace: 'default', keyId: 'sig', data: new Uint8Array([1, 2, 3]) });
  const encrypt = (c: Awaited<ReturnType<typeof openCustodian>>) => c.encrypt({ namespace: 'default', keyId: 'aes', data: new Uint8Array([1, 2, 3]) });

  it.each([
    ['the wrapped master key', 'operators', 'wrapped_master_key', "name = 'admin'", sign, 'key slot of operator admin'],
    ['the KDF salt', 'operators', 'kdf_salt', "name = 'admin'", sign, 'key slot of operator admin'],
    ["the slot's KDF parameters", 'operators', 'kdf_params', "name = 'admin'", sign, 'key slot of operator admin'],
    ["the slot's record MAC", 'operators', 'record_mac', "name = 'admin'", sign, 'key slot of operator admin'],
    ['a grant', 'grants', 'created_at', "principal = 'admin'", sign, "grant of Admin on * to admin"],
    ['the KDF parameters', 'vault_header', 'kdf_params', 'id = 1', sign, 'vault header (key-derivation parameters)'],
    ['the passphrase verifier', 'operators', 'passphrase_verifier', "name = 'admin'", sign, 'key slot of operator admin'],
    ['a sealed signing secret', 'key_versions', 'sealed_secret', "key_id = 'sig'", sign, 'key default/sig version 1 secret'],
    ['a sealed AES secret', 'key_versions', 'sealed_secret', "key_id = 'aes'", encrypt, 'key default/aes version 1 secret'],
    ['a public key', 'key_versions', 'public_key', "key_id = 'sig'", sign, 'key default/sig version 1 record'],
    ['a key algorithm', 'keys', 'algorithm', "id = 'sig'", sign, 'key default/sig record'],
    ['a key state', 'keys', 'state', "id = 'sig'", sign, 'key default/sig record'],
    ['the exportable flag', 'keys', 'exportable', "id = 'sig'", sign, 'key default/sig record'],
    ['a version record', 'key_versions', 'record_mac', "key_id = 'sig'", sign, 'key default/sig version 1 record'],
    ['a key record MAC', 'keys', 'record_mac', "id = 'aes'", encrypt, 'key default/aes record'],
    ['a namespace record', 'namespaces', 'created_at', "name = 'default'", (c: Awaited<ReturnType<typeof openCustodian>>) => c.listNamespaces(), 'namespace default'],
  ])('a flipped byte in %s is TAMPERED naming the record', async (_what, table, column, where, op, record) => {
    const dataDir = await vaultWithKeys();
    expect(await attempt(dataDir, op)).toBe('OK');
    flip(dataDir, table, column, where);
    const result = await attempt(dataDir, op);
    expect(result).toBeInstanceOf(CustodyError);
    expect((result as CustodyError).code).toBe('TAMPERED');
    expect((result as CustodyError).details.record).toBe(record);
    expect((result as CustodyError).message).toContain(record);
  });

  it('a sealed secret moved to another key is TAMPERED (identity is bound as associated data)', async () => {
    const dataDir = tempDir();
    const c = await openCustodian({ dataDir, kdf: FAST_KDF });
    await c.init(PASSPHRASE);
    await c.generateKey('default', 'a', 'aes-256-gcm');
    await c.generateKey('default', 'b', 'aes-256-gcm');
    await c.close();
    const db = new Database(databasePath(dataDir));
    const a = db.prepare("SELECT sealed_secret FROM key_versions WHERE key_id = 'a'").get() as { sealed_secret: Buffer };
    db.prepare("UPDATE key_versions SET sealed_secret = ? WHERE key_id = 'b'").run(a.sealed_secret);
    db.close();
    const d = await openCustodian({ dataDir, kdf: FAST_KDF });
    await d.unlock(PASSPHRASE);
    await expect(d.encrypt({ namespace: 'default', keyId: 'b', data: new Uint8Array(1) })).rejects.toThrow(/key default\/b version 1 secret/);
    await d.close();
  });
});
