import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { generateKeyPairSync, createPublicKey, verify as nodeVerify, createHash } from 'node:crypto';
import { KEY_ALGORITHMS, SIGNING_KEY_ALGORITHMS, type KeyAlgorithm } from '../../../shared/algorithms.js';
import { codeOfAsync } from '../../../test/support.js';
import { databasePath } from '../vault/database.js';
import { FakeClock, tempDir, unlockedCustodian } from '../../../test/helpers.js';
import type { Custodian } from '../custodian.js';

const MSG = new TextEncoder().encode('custos key store test');

/** Every row of every table: to prove a refused operation changed nothing. */
function snapshot(dataDir: string): string {
  const db = new Database(databasePath(dataDir), { readonly: true });
  const tables = ['vault_header', 'namespaces', 'keys', 'key_versions'];
  const dump = tables.map((t) => JSON.stringify(db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all()));
  db.close();
  return dump.join('\n');
}

describe.each([
  ['node:crypto where present', false],
  ['noble forced (the Electron/BoringSSL fallback)', true],
])('generate and use every algorithm — %s', (_name, forceNoble) => {
  it.each(KEY_ALGORITHMS.filter((a) => a !== 'rsa-4096' && a !== 'rsa-3072'))('%s', async (alg) => {
    const c = await unlockedCustodian({ crypto: { forceNoble } });
    if (forceNoble && !alg.startsWith('rsa-')) expect(c.status().providers[alg]).toBe('noble');
    const k = await c.generateKey('default', 'k', alg);
    expect(k).toMatchObject({ algorithm: alg, state: 'active', primaryVersion: 1, exportable: false, origin: 'generated' });
    if ((SIGNING_KEY_ALGORITHMS as readonly string[]).includes(alg)) {
      const { signature } = (await c.sign({ namespace: 'default', keyId: 'k', data: MSG }));
      expect((await c.verify({ namespace: 'default', keyId: 'k', data: MSG, signature })).valid).toBe(true);
      // Independent check: node:crypto verifies with the exported SPKI.
      const spki = (await c.publicKey('default', 'k', 'der')).publicKey;
      const pub = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      const hash = alg === 'ed25519' ? null : alg === 'ecdsa-p384' ? 'sha384' : alg === 'ecdsa-p521' ? 'sha512' : 'sha256';
      expect(nodeVerify(hash, MSG, pub, signature)).toBe(true);
    } else {
      const { ciphertext } = (await c.encrypt({ namespace: 'default', keyId: 'k', data: MSG }));
      expect(Buffer.from((await c.decrypt({ namespace: 'default', keyId: 'k', data: ciphertext })).plaintext)).toEqual(Buffer.from(MSG));
    }
    await c.close();
  });
});

describe('key lifecycle', () => {
  it('rotation: new version signs, old versions still verify and decrypt, minimum decryption version', async () => {
    const c = await unlockedCustodian();
    await c.generateKey('default', 's', 'ecdsa-secp256k1');
    const v1sig = (await c.sign({ namespace: 'default', keyId: 's', data: MSG }));
    const rotated = await c.rotateKey('default', 's');
    expect(rotated.primaryVersion).toBe(2);
    expect(rotated.versions.map((v) => v.version)).toEqual([1, 2]);
    const v2sig = (await c.sign({ namespace: 'default', keyId: 's', data: MSG }));
    expect(v2sig.keyVersion).toBe(2);
    expect((await c.verify({ namespace: 'default', keyId: 's', data: MSG, signature: v1sig.signature, keyVersion: 1 })).valid).toBe(true);
    expect((await c.verify({ namespace: 'default', keyId: 's', data: MSG, signature: v1sig.signature })).valid).toBe(false);
    expect((await c.publicKey('default', 's', 'der', 1)).publicKey).not.toEqual((await c.publicKey('default', 's', 'der')).publicKey);

    await c.generateKey('default', 'a', 'aes-256-gcm');
    const ct1 = (await c.encrypt({ namespace: 'default', keyId: 'a', data: MSG }));
    await c.rotateKey('default', 'a');
    const ct2 = (await c.encrypt({ namespace: 'default', keyId: 'a', data: MSG }));
    expect([ct1.keyVersion, ct2.keyVersion]).toEqual([1, 2]);
    expect((await c.decrypt({ namespace: 'default', keyId: 'a', data: ct1.ciphertext })).keyVersion).toBe(1);
    expect((await c.decrypt({ namespace: 'default', keyId: 'a', data: ct2.ciphertext })).keyVersion).toBe(2);
    await c.setMinDecryptVersion('default', 'a', 2);
    expect(await codeOfAsync(c.decrypt({ namespace: 'default', keyId: 'a', data: ct1.ciphertext }))).toBe('DECRYPTION_FAILED');
    expect(await codeOfAsync(c.decrypt({ namespace: 'default', keyId: 'a', data: ct1.ciphertext, keyVersion: 1 }))).toBe('PERMISSION_DENIED');
    expect(await codeOfAsync(c.setMinDecryptVersion('default', 'a', 3))).toBe('INVALID_INPUT');
    await c.close();
  });

  it('disable and enable', async () => {
    const c = await unlockedCustodian();
    await c.generateKey('default', 'k', 'ed25519');
    expect((await c.disableKey('default', 'k')).state).toBe('disabled');
    expect(await codeOfAsync(c.sign({ namespace: 'default', keyId: 'k', data: MSG }))).toBe('KEY_DISABLED');
    expect(await codeOfAsync(c.verify({ namespace: 'default', keyId: 'k', data: MSG, signature: new Uint8Array(64) }))).toBe('KEY_DISABLED');
    await expect(c.rotateKey('default', 'k')).rejects.toMatchObject({ code: 'KEY_DISABLED' });
    expect((await c.enableKey('default', 'k')).state).toBe('active');
    expect((await c.sign({ namespace: 'default', keyId: 'k', data: MSG })).signature.length).toBe(64);
    await c.close();
  });

  it('scheduled deletion without a window uses the configured one (security.key_deletion_window_days)', async () => {
    const clock = new FakeClock();
    const c = await unlockedCustodian({ clock, deletionWindowMs: 3 * 24 * 3600 * 1000 });
    await c.generateKey('default', 'k', 'ed25519');
    expect((await c.scheduleKeyDeletion('default', 'k')).deletionAt).toBe(clock.t + 3 * 24 * 3600 * 1000);
    await c.close();
  });

  it('scheduled deletion: cancellable during the window, then the material is erased', async () => {
    const clock = new FakeClock();
    const dataDir = tempDir();
    // Days pass in this test: an operator session that outlives them (the default idle timeout is 15 minutes).
    const c = await unlockedCustodian({ dataDir, clock, access: { sessionIdleMs: 30 * 24 * 3600 * 1000 } });
    await c.generateKey('default', 'gone', 'ed25519');
    await c.generateKey('default', 'kept', 'ed25519');
    await c.disableKey('default', 'kept');
    const pending = (await c.scheduleKeyDeletion('default', 'kept'));
    expect(pending.state).toBe('pending-deletion');
    expect(pending.deletionAt).toBe(clock.t + 7 * 24 * 3600 * 1000);
    expect((await c.cancelKeyDeletion('default', 'kept')).state).toBe('disabled'); // back to the state it had
    expect(await codeOfAsync(c.scheduleKeyDeletion('default', 'gone', 3600_000))).toBe('INVALID_INPUT'); // under a day
    await c.scheduleKeyDeletion('default', 'gone', 2 * 24 * 3600 * 1000);
    expect(await codeOfAsync(c.sign({ namespace: 'default', keyId: 'gone', data: MSG }))).toBe('KEY_PENDING_DELETION');
    clock.advance(2 * 24 * 3600 * 1000 - 1);
    expect((await c.getKey('default', 'gone')).state).toBe('pending-deletion');
    clock.advance(1);
    expect(await codeOfAsync(c.sign({ namespace: 'default', keyId: 'gone', data: MSG }))).toBe('KEY_DESTROYED');
    expect((await c.getKey('default', 'gone'))).toMatchObject({ state: 'destroyed', versions: [{ version: 1, destroyed: true }] });
    expect(await codeOfAsync(c.cancelKeyDeletion('default', 'gone'))).toBe('KEY_DESTROYED');
    await c.close();
    const db = new Database(databasePath(dataDir), { readonly: true });
    const rows = db.prepare('SELECT key_id, sealed_secret FROM key_versions ORDER BY key_id').all() as { key_id: string; sealed_secret: Buffer | null }[];
    db.close();
    expect(rows.find((r) => r.key_id === 'gone')?.sealed_secret).toBeNull();
    expect(rows.find((r) => r.key_id === 'kept')?.sealed_secret).not.toBeNull();
  });

  it('export only for exportable keys, and the export is the same key', async () => {
    const c = await unlockedCustodian();
    await c.generateKey('default', 'locked', 'ecdsa-p256');
    expect(await codeOfAsync(c.exportKey('default', 'locked', 'pkcs8'))).toBe('KEY_NOT_EXPORTABLE');
    await c.generateKey('default', 'open', 'ecdsa-p256', { exportable: true });
    const pkcs8 = (await c.exportKey('default', 'open', 'pkcs8'));
    await c.importKey('default', 'copy', 'ecdsa-p256', 'pkcs8', pkcs8);
    expect((await c.publicKey('default', 'copy', 'der')).publicKey).toEqual((await c.publicKey('default', 'open', 'der')).publicKey);
    const jwk = JSON.parse(Buffer.from((await c.exportKey('default', 'open', 'jwk'))).toString('utf8')) as { d?: string; crv?: string };
    expect(jwk.crv).toBe('P-256');
    expect(typeof jwk.d).toBe('string');
    await c.close();
  });

  it('namespaces isolate key ids', async () => {
    const c = await unlockedCustodian();
    await expect(c.generateKey('team', 'k', 'ed25519')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await c.createNamespace('team');
    expect(await codeOfAsync(c.createNamespace('team'))).toBe('ALREADY_EXISTS');
    await c.generateKey('team', 'k', 'ed25519');
    await c.generateKey('default', 'k', 'ed25519');
    expect((await c.listKeys({ namespace: 'team' })).map((k) => `${k.namespace}/${k.id}`)).toEqual(['team/k']);
    expect((await c.listNamespaces()).map((n) => [n.name, n.keyCount])).toEqual([
      ['default', 1],
      ['team', 1],
    ]);
    expect((await c.listKeys({ algorithm: 'ed25519' }))).toHaveLength(2);
    expect((await c.listKeys({ state: 'disabled' }))).toHaveLength(0);
    await c.close();
  });
});

describe('import', () => {
  it('PKCS#8 (PEM and DER), SPKI as verify-only, JWK, raw', async () => {
    const c = await unlockedCustodian();
    const ed = generateKeyPairSync('ed25519');
    await c.importKey('default', 'ed-pem', 'ed25519', 'pkcs8', new TextEncoder().encode(ed.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string));
    await c.importKey('default', 'ed-der', 'ed25519', 'pkcs8', ed.privateKey.export({ format: 'der', type: 'pkcs8' }));
    const jwk = ed.privateKey.export({ format: 'jwk' });
    await c.importKey('default', 'ed-jwk', 'ed25519', 'jwk', new TextEncoder().encode(JSON.stringify(jwk)));
    await c.importKey('default', 'ed-raw', 'ed25519', 'raw', Buffer.from(jwk.d as string, 'base64url'));
    const spki = ed.publicKey.export({ format: 'der', type: 'spki' });
    for (const id of ['ed-pem', 'ed-der', 'ed-jwk', 'ed-raw']) {
      expect(Buffer.from((await c.publicKey('default', id, 'der')).publicKey)).toEqual(spki);
    }
    await c.importKey('default', 'ed-pub', 'ed25519', 'spki', spki);
    const pubInfo = (await c.getKey('default', 'ed-pub'));
    expect(pubInfo.kind).toBe('public');
    const sig = (await c.sign({ namespace: 'default', keyId: 'ed-raw', data: MSG })).signature;
    expect((await c.verify({ namespace: 'default', keyId: 'ed-pub', data: MSG, signature: sig })).valid).toBe(true);
    expect(await codeOfAsync(c.sign({ namespace: 'default', keyId: 'ed-pub', data: MSG }))).toBe('WRONG_KEY_TYPE');
    await expect(c.rotateKey('default', 'ed-pub')).rejects.toMatchObject({ code: 'WRONG_KEY_TYPE' });

    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const d = Buffer.from(k1.privateKey.export({ format: 'jwk' }).d as string, 'base64url');
    await c.importKey('default', 'k1-raw', 'ecdsa-secp256k1', 'raw', d);
    expect(Buffer.from((await c.publicKey('default', 'k1-raw', 'der')).publicKey)).toEqual(k1.publicKey.export({ format: 'der', type: 'spki' }));
    await c.importKey('default', 'aes-raw', 'aes-128-gcm', 'raw', new Uint8Array(16).fill(7));
    await c.close();
  });

  it('bad input is a typed error and leaves the vault unchanged', async () => {
    const dataDir = tempDir();
    const c = await unlockedCustodian({ dataDir });
    await c.generateKey('default', 'exists', 'ed25519');
    const before = snapshot(dataDir);
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const cases: [string, () => Promise<unknown>][] = [
      ['wrong curve', () => c.importKey('default', 'x', 'ecdsa-p384', 'pkcs8', p256.privateKey.export({ format: 'der', type: 'pkcs8' }))],
      ['wrong key type', () => c.importKey('default', 'x', 'ed25519', 'pkcs8', p256.privateKey.export({ format: 'der', type: 'pkcs8' }))],
      ['wrong AES size', () => c.importKey('default', 'x', 'aes-256-gcm', 'raw', new Uint8Array(16))],
      ['garbage DER', () => c.importKey('default', 'x', 'ecdsa-p256', 'pkcs8', new Uint8Array([0x30, 0x03, 1, 2, 3]))],
      ['garbage JWK', () => c.importKey('default', 'x', 'ecdsa-p256', 'jwk', new TextEncoder().encode('{"kty":"EC"'))],
      ['zero scalar', () => c.importKey('default', 'x', 'ecdsa-secp256k1', 'raw', new Uint8Array(32))],
      ['bad id', () => c.importKey('default', 'bad/id', 'aes-128-gcm', 'raw', new Uint8Array(16))],
      ['long id', () => c.importKey('default', 'x'.repeat(129), 'aes-128-gcm', 'raw', new Uint8Array(16))],
      ['duplicate id', () => c.importKey('default', 'exists', 'aes-128-gcm', 'raw', new Uint8Array(16))],
      ['unknown key', () => c.sign({ namespace: 'default', keyId: 'nope', data: MSG })],
      ['unknown algorithm', () => c.importKey('default', 'x', 'rsa-1024' as KeyAlgorithm, 'raw', new Uint8Array(16))],
      ['RSA option on Ed25519', () => c.sign({ namespace: 'default', keyId: 'exists', data: MSG, scheme: 'pss' })],
      ['malformed signature', () => c.verify({ namespace: 'default', keyId: 'exists', data: MSG, signature: new Uint8Array(3) })],
    ];
    const codes: Record<string, string> = {};
    for (const [name, fn] of cases) codes[name] = await codeOfAsync(fn());
    expect(codes).toEqual({
      'wrong curve': 'WRONG_KEY_TYPE',
      'wrong key type': 'WRONG_KEY_TYPE',
      'wrong AES size': expect.stringMatching(/INVALID_INPUT|WRONG_KEY_TYPE/),
      'garbage DER': expect.stringMatching(/INVALID_INPUT|WRONG_KEY_TYPE/),
      'garbage JWK': 'INVALID_INPUT',
      'zero scalar': 'INVALID_INPUT',
      'bad id': 'INVALID_INPUT',
      'long id': 'INVALID_INPUT',
      'duplicate id': 'ALREADY_EXISTS',
      'unknown key': 'NOT_FOUND',
      'unknown algorithm': expect.stringMatching(/INVALID_INPUT|UNSUPPORTED/),
      'RSA option on Ed25519': 'INVALID_INPUT',
      'malformed signature': 'OK', // a malformed signature is a "no", not an error
    });
    expect((await c.verify({ namespace: 'default', keyId: 'exists', data: MSG, signature: new Uint8Array(3) })).valid).toBe(false);
    expect(snapshot(dataDir)).toBe(before);
    await c.close();
  });
});

describe('the facade hides nothing it should not', () => {
  it('key info never carries secret material', async () => {
    const c: Custodian = await unlockedCustodian();
    await c.generateKey('default', 'k', 'aes-256-gcm', { exportable: true });
    const secret = (await c.exportKey('default', 'k', 'raw'));
    const everything = JSON.stringify([(await c.listKeys()), (await c.getKey('default', 'k')), c.status()]);
    expect(everything).not.toContain(Buffer.from(secret).toString('hex'));
    expect(everything).not.toContain(Buffer.from(secret).toString('base64'));
    expect(createHash('sha256').update(secret).digest().length).toBe(32);
    await c.close();
  });
});

describe('two processes on one vault', () => {
  it('a change made through another connection is seen by the next operation', async () => {
    const dataDir = tempDir();
    const a = await unlockedCustodian({ dataDir });
    await a.generateKey('default', 'k', 'ed25519');
    (await a.sign({ namespace: 'default', keyId: 'k', data: MSG })); // warm every cache
    const { openCustodian } = await import('../custodian.js');
    const { PASSPHRASE } = await import('../../../test/helpers.js');
    const b = await openCustodian({ dataDir });
    await b.unlock(PASSPHRASE);
    await b.disableKey('default', 'k');
    expect(await codeOfAsync(a.sign({ namespace: 'default', keyId: 'k', data: MSG }))).toBe('KEY_DISABLED');
    await b.enableKey('default', 'k');
    await b.rotateKey('default', 'k');
    expect((await a.sign({ namespace: 'default', keyId: 'k', data: MSG })).keyVersion).toBe(2);
    await b.close();
    await a.close();
  });

  it('a row altered behind an open custodian is TAMPERED at the next use, even with warm caches', async () => {
    const dataDir = tempDir();
    const a = await unlockedCustodian({ dataDir });
    await a.generateKey('default', 'k', 'ed25519');
    await a.sign({ namespace: 'default', keyId: 'k', data: MSG });
    const db = new Database(databasePath(dataDir));
    db.prepare("UPDATE keys SET exportable = 1 WHERE id = 'k'").run();
    db.close();
    expect(await codeOfAsync(a.sign({ namespace: 'default', keyId: 'k', data: MSG }))).toBe('TAMPERED');
    expect(await codeOfAsync(a.exportKey('default', 'k', 'raw'))).toBe('TAMPERED');
    await a.close();
  });
});

describe('runtimes share one vault', () => {
  it('keys written under node:crypto work under the noble fallback and back (CLI on Node, app on Electron)', async () => {
    const { openCustodian } = await import('../custodian.js');
    const { PASSPHRASE } = await import('../../../test/helpers.js');
    const dataDir = tempDir();
    const onNode = await unlockedCustodian({ dataDir });
    const algs = ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'ecdsa-secp256k1', 'aes-256-gcm', 'aes-256-cbc'] as const;
    const sigs = new Map<string, Uint8Array>();
    const cts = new Map<string, Uint8Array>();
    for (const alg of algs) {
      await onNode.generateKey('default', alg, alg);
      if (alg.startsWith('aes')) cts.set(alg, (await onNode.encrypt({ namespace: 'default', keyId: alg, data: MSG })).ciphertext);
      else sigs.set(alg, (await onNode.sign({ namespace: 'default', keyId: alg, data: MSG })).signature);
    }
    await onNode.close();
    const onNoble = await openCustodian({ dataDir, crypto: { forceNoble: true } });
    await onNoble.unlock(PASSPHRASE);
    for (const alg of algs) {
      if (alg.startsWith('aes')) {
        expect(Buffer.from((await onNoble.decrypt({ namespace: 'default', keyId: alg, data: cts.get(alg)! })).plaintext)).toEqual(Buffer.from(MSG));
      } else {
        expect((await onNoble.verify({ namespace: 'default', keyId: alg, data: MSG, signature: sigs.get(alg)! })).valid, alg).toBe(true);
        const again = (await onNoble.sign({ namespace: 'default', keyId: alg, data: MSG })).signature;
        expect((await onNoble.verify({ namespace: 'default', keyId: alg, data: MSG, signature: again })).valid).toBe(true);
      }
    }
    await onNoble.close();
  });
});
