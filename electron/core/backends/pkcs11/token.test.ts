/**
 * The token backend against a real SoftHSM2 token this file creates. Signatures are checked with
 * node:crypto, @noble/curves and ethers — never with the backend itself — and key attributes are
 * read back through a separate raw pkcs11js session.
 */
import { createHash, createPublicKey, verify as nodeVerify, constants as cryptoConstants, randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { Signature, SigningKey, Transaction, computeAddress, keccak256 } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustodyError } from '../../../../shared/errors.js';
import type { KeyAlgorithm } from '../../../../shared/algorithms.js';
import * as C from './constants.js';
import { acquireModule, findSlotByLabel, type Pkcs11Module } from './module.js';
import { openToken, type Pkcs11Backend } from './token.js';
import { translatePkcs11Error } from './ckr.js';
import { createTestToken, removeSoftHsmEnv, type TestToken } from './test-token.js';
import type { DeviceKey } from '../types.js';

const codeOf = async (fn: () => unknown): Promise<string> => {
  try {
    await fn();
  } catch (e) {
    if (e instanceof CustodyError) return e.code;
    return `not a CustodyError: ${String(e)}`;
  }
  return 'no error';
};

let token: TestToken;
let backend: Pkcs11Backend;
let raw: Pkcs11Module;
let rawSession: Buffer;

beforeAll(async () => {
  token = await createTestToken('custos-test', { pin: '246810' });
  backend = await openToken({ modulePath: token.modulePath, label: token.label });
  raw = acquireModule(token.modulePath);
});

afterAll(async () => {
  await backend?.close();
  raw?.release();
  removeSoftHsmEnv();
});

const spki = (key: DeviceKey) => createPublicKey({ key: Buffer.from(key.publicKey!), format: 'der', type: 'spki' });

/** Read attributes of the key with CKA_ID `id` of class `cls` through an independent session. */
function readAttributes(id: string, cls: number, types: number[]): Map<number, Buffer> {
  const p = raw.pkcs11;
  p.C_FindObjectsInit(rawSession, [{ type: C.CKA_CLASS, value: cls }, { type: C.CKA_ID, value: Buffer.from(id, 'hex') }]);
  const [object] = p.C_FindObjects(rawSession, 2);
  p.C_FindObjectsFinal(rawSession);
  expect(object).toBeDefined();
  return new Map(p.C_GetAttributeValue(rawSession, object!, types.map((type) => ({ type }))).map((a) => [a.type, a.value]));
}

/** CKA_PRIVATE_EXPONENT (v2.40 §2.1.3): an RSA private key has no CKA_VALUE; this is its secret. */
const CKA_PRIVATE_EXPONENT = 0x123;

function rawValueReadFails(id: string, cls: number, type: number): string {
  const p = raw.pkcs11;
  p.C_FindObjectsInit(rawSession, [{ type: C.CKA_CLASS, value: cls }, { type: C.CKA_ID, value: Buffer.from(id, 'hex') }]);
  const [object] = p.C_FindObjects(rawSession, 2);
  p.C_FindObjectsFinal(rawSession);
  try {
    p.C_GetAttributeValue(rawSession, object!, [{ type }]);
    return 'readable';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('PKCS#11 token backend on SoftHSM2', () => {
  it('opens the token by label and needs a login', () => {
    expect(backend.id).toBe('pkcs11:custos-test');
    expect(backend.kind).toBe('pkcs11');
    const status = backend.status();
    expect(status.state).toBe('login-required');
    expect(status.detail).toContain("token 'custos-test'");
    expect(status.detail).toContain('SoftHSM');
    const caps = backend.capabilities();
    expect(caps.login).toBe(true);
    expect(caps.encrypt).toBe(true);
    expect(caps.sign).toBe(true);
    expect(caps.generate).toEqual(expect.arrayContaining(['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-secp256k1', 'rsa-2048', 'aes-256-gcm']));
    expect(caps.generate).not.toContain('aes-256-cbc');
  });

  it('refuses key operations before login', async () => {
    expect(await codeOf(() => backend.listKeys())).toBe('UNAUTHENTICATED');
    expect(await codeOf(() => backend.generate({ algorithm: 'ecdsa-p256', label: 'x' }))).toBe('UNAUTHENTICATED');
  });

  it('a wrong PIN is PIN_INCORRECT, the message does not carry it, and the PIN bytes are zeroed', async () => {
    const wrong = new TextEncoder().encode('999999');
    let error: unknown;
    try {
      await backend.login(wrong);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CustodyError);
    expect((error as CustodyError).code).toBe('PIN_INCORRECT');
    expect((error as CustodyError).message).not.toContain('999999');
    expect([...wrong].every((b) => b === 0)).toBe(true);
    expect(backend.status().state).toBe('login-required');
    expect(await codeOf(() => backend.login(new Uint8Array(0)))).toBe('INVALID_INPUT');
    expect(await codeOf(() => backend.login(Uint8Array.of(0xff, 0xfe)))).toBe('INVALID_INPUT');
  });

  it('logs in with the right PIN', async () => {
    const pin = token.pin();
    await backend.login(pin);
    expect([...pin].every((b) => b === 0)).toBe(true);
    expect(backend.status().state).toBe('ready');
    rawSession = raw.pkcs11.C_OpenSession(findSlotByLabel(raw, token.label)!, C.CKF_SERIAL_SESSION);
    await backend.login(token.pin()); // already logged in: fine
  });

  const generated = new Map<KeyAlgorithm, DeviceKey>();
  const signing: KeyAlgorithm[] = ['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'ecdsa-secp256k1', 'ed25519', 'rsa-2048'];

  it.each([...signing, 'aes-256-gcm', 'aes-128-gcm'] as KeyAlgorithm[])('generates %s on the token: sensitive, never extractable, private', async (algorithm) => {
    const key = await backend.generate({ algorithm, label: `gen-${algorithm}` });
    generated.set(algorithm, key);
    expect(key.algorithm).toBe(algorithm);
    expect(key.label).toBe(`gen-${algorithm}`);
    expect(key.handle).toMatch(/^[0-9a-f]{32}$/);
    const secret = algorithm.startsWith('aes-');
    const cls = secret ? C.CKO_SECRET_KEY : C.CKO_PRIVATE_KEY;
    const attrs = readAttributes(key.handle, cls, [C.CKA_TOKEN, C.CKA_PRIVATE, C.CKA_SENSITIVE, C.CKA_EXTRACTABLE, C.CKA_ALWAYS_SENSITIVE, C.CKA_NEVER_EXTRACTABLE, C.CKA_LABEL]);
    expect(attrs.get(C.CKA_TOKEN)![0]).toBe(1);
    expect(attrs.get(C.CKA_PRIVATE)![0]).toBe(1);
    expect(attrs.get(C.CKA_SENSITIVE)![0]).toBe(1);
    expect(attrs.get(C.CKA_EXTRACTABLE)![0]).toBe(0);
    expect(attrs.get(C.CKA_ALWAYS_SENSITIVE)![0]).toBe(1);
    expect(attrs.get(C.CKA_NEVER_EXTRACTABLE)![0]).toBe(1);
    expect(attrs.get(C.CKA_LABEL)!.toString()).toBe(`gen-${algorithm}`);
    expect(rawValueReadFails(key.handle, cls, algorithm === 'rsa-2048' ? CKA_PRIVATE_EXPONENT : C.CKA_VALUE)).toBe('CKR_ATTRIBUTE_SENSITIVE');
    if (secret) expect(key.publicKey).toBeNull();
    else {
      const pub = spki(key);
      expect(pub.asymmetricKeyType).toBe(algorithm === 'ed25519' ? 'ed25519' : algorithm === 'rsa-2048' ? 'rsa' : 'ec');
    }
    expect(key.address === null).toBe(algorithm !== 'ecdsa-secp256k1');
  });

  it('lists the generated keys and finds them by label and by id', async () => {
    const keys = await backend.listKeys();
    for (const key of generated.values()) {
      expect(keys).toContainEqual(key);
      expect(await backend.find({ label: key.label })).toEqual(key);
      expect(await backend.find({ id: key.handle.toUpperCase() })).toEqual(key);
    }
    expect(await codeOf(() => backend.find({ label: 'no such key' }))).toBe('NOT_FOUND');
    expect(await codeOf(() => backend.find({}))).toBe('INVALID_INPUT');
    expect(await codeOf(() => backend.generate({ algorithm: 'ecdsa-p256', label: 'gen-ecdsa-p256' }))).toBe('ALREADY_EXISTS');
    expect(await codeOf(() => backend.generate({ algorithm: 'ecdsa-p256', label: 'other', id: generated.get('ecdsa-p256')!.handle }))).toBe('ALREADY_EXISTS');
    expect(await codeOf(() => backend.generate({ algorithm: 'aes-256-cbc', label: 'cbc' }))).toBe('MECHANISM_UNSUPPORTED');
    expect(await codeOf(() => backend.generate({ algorithm: 'ecdsa-p256', label: 'bad id', id: 'xyz' }))).toBe('INVALID_INPUT');
  });

  it('generates with a given id', async () => {
    const key = await backend.generate({ algorithm: 'ecdsa-p256', label: 'with-id', id: 'C0FFEE' });
    expect(key.handle).toBe('c0ffee');
    expect((await backend.find({ id: 'c0ffee' })).label).toBe('with-id');
  });

  it.each(['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521'] as const)('%s signatures verify with node:crypto (DER default, raw, prehashed)', async (algorithm) => {
    const key = generated.get(algorithm)!;
    const data = randomBytes(100);
    const hash = algorithm === 'ecdsa-p256' ? 'sha256' : algorithm === 'ecdsa-p384' ? 'sha384' : 'sha512';
    const der = await backend.sign(key.handle, { data });
    expect(der[0]).toBe(0x30);
    expect(nodeVerify(hash, data, spki(key), der)).toBe(true);
    expect(nodeVerify(hash, randomBytes(100), spki(key), der)).toBe(false);
    const rawSig = await backend.sign(key.handle, { data, format: 'raw' });
    expect(nodeVerify(hash, data, { key: spki(key), dsaEncoding: 'ieee-p1363' }, rawSig)).toBe(true);
    const digest = createHash('sha256').update(data).digest();
    const pre = await backend.sign(key.handle, { data: digest, hash: 'sha256', prehashed: true });
    expect(nodeVerify('sha256', data, spki(key), pre)).toBe(true);
    expect(await codeOf(() => backend.sign(key.handle, { data: digest.subarray(1), hash: 'sha256', prehashed: true }))).toBe('INVALID_INPUT');
  });

  it('secp256k1 signatures verify with noble and are low-S', async () => {
    const key = generated.get('ecdsa-secp256k1')!;
    const point = spki(key).export({ format: 'jwk' });
    const pub = Buffer.concat([Buffer.from([4]), Buffer.from(point.x!, 'base64url'), Buffer.from(point.y!, 'base64url')]);
    for (let i = 0; i < 8; i++) {
      const data = randomBytes(40);
      const sig = await backend.sign(key.handle, { data, format: 'raw' });
      const digest = createHash('sha256').update(data).digest();
      expect(secp256k1.verify(sig, digest, pub, { prehash: false, lowS: true })).toBe(true);
    }
  });

  it('ed25519 signatures verify with node:crypto', async () => {
    const key = generated.get('ed25519')!;
    const data = randomBytes(77);
    const sig = await backend.sign(key.handle, { data });
    expect(sig.length).toBe(64);
    expect(nodeVerify(null, data, spki(key), sig)).toBe(true);
    expect(await codeOf(() => backend.sign(key.handle, { data: randomBytes(32), prehashed: true }))).toBe('INVALID_INPUT');
  });

  it('RSA PKCS#1 v1.5 and PSS verify with node:crypto, hashed on the token or prehashed here', async () => {
    const key = generated.get('rsa-2048')!;
    const data = randomBytes(200);
    const v15 = await backend.sign(key.handle, { data, scheme: 'pkcs1v15', hash: 'sha256' });
    expect(nodeVerify('sha256', data, spki(key), v15)).toBe(true);
    const v15pre = await backend.sign(key.handle, { data: createHash('sha384').update(data).digest(), hash: 'sha384', prehashed: true });
    expect(nodeVerify('sha384', data, spki(key), v15pre)).toBe(true);
    for (const prehashed of [false, true]) {
      const input = prehashed ? createHash('sha256').update(data).digest() : data;
      const pss = await backend.sign(key.handle, { data: input, scheme: 'pss', hash: 'sha256', saltLength: 32, prehashed });
      expect(nodeVerify('sha256', data, { key: spki(key), padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, pss)).toBe(true);
      expect(nodeVerify('sha256', data, { key: spki(key), padding: cryptoConstants.RSA_PKCS1_PADDING }, pss)).toBe(false);
    }
    expect(await codeOf(() => backend.sign(key.handle, { data, scheme: 'pss', saltLength: 4000 }))).toBe('INVALID_INPUT');
  });

  it('secp256k1Signer: an Ethereum digest and a transaction recover to the key’s address with ethers; s is low', async () => {
    const key = generated.get('ecdsa-secp256k1')!;
    const signer = backend.secp256k1Signer(key.handle);
    expect(signer.publicKey.length).toBe(33);
    expect(computeAddress('0x' + Buffer.from(signer.publicKey).toString('hex'))).toBe(key.address);
    const parities = new Set<number>();
    for (let i = 0; i < 16; i++) {
      const digest = keccak256(randomBytes(64));
      const { r, s, recovery } = signer.signDigest(Buffer.from(digest.slice(2), 'hex'));
      expect(s <= secp256k1.Point.CURVE().n / 2n).toBe(true);
      parities.add(recovery);
      const sig = Signature.from({ r: '0x' + r.toString(16).padStart(64, '0'), s: '0x' + s.toString(16).padStart(64, '0'), v: 27 + recovery });
      expect(computeAddress(SigningKey.recoverPublicKey(digest, sig))).toBe(key.address);
    }
    // With 16 signatures, both parities show up with probability 1 - 2^-15.
    expect(parities.size).toBe(2);

    const tx = Transaction.from({ type: 2, chainId: 1, nonce: 7, to: '0x00000000000000000000000000000000000000aa', value: 10n ** 15n, gasLimit: 21000n, maxFeePerGas: 30n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n });
    const { r, s, recovery } = signer.signDigest(Buffer.from(tx.unsignedHash.slice(2), 'hex'));
    tx.signature = Signature.from({ r: '0x' + r.toString(16).padStart(64, '0'), s: '0x' + s.toString(16).padStart(64, '0'), v: 27 + recovery });
    expect(Transaction.from(tx.serialized).from).toBe(key.address);

    expect(await codeOf(() => backend.secp256k1Signer(generated.get('ecdsa-p256')!.handle))).toBe('WRONG_KEY_TYPE');
    expect(await codeOf(() => signer.signDigest(new Uint8Array(31)))).toBe('INVALID_INPUT');
  });

  it('AES-GCM encrypts and decrypts on the token; altered data, tag, IV or AAD is DECRYPTION_FAILED', async () => {
    for (const alg of ['aes-256-gcm', 'aes-128-gcm'] as const) {
      const key = generated.get(alg)!;
      const plaintext = randomBytes(1000);
      const aad = new TextEncoder().encode('context');
      const { iv, ciphertext } = await backend.encrypt(key.handle, { plaintext, aad });
      expect(iv.length).toBe(12);
      expect(ciphertext.length).toBe(plaintext.length + 16);
      expect(Buffer.from(await backend.decrypt(key.handle, { iv, ciphertext, aad })).equals(plaintext)).toBe(true);
      const tag = Uint8Array.from(ciphertext);
      tag[tag.length - 1]! ^= 1;
      expect(await codeOf(() => backend.decrypt(key.handle, { iv, ciphertext: tag, aad }))).toBe('DECRYPTION_FAILED');
      const body = Uint8Array.from(ciphertext);
      body[0]! ^= 0x80;
      expect(await codeOf(() => backend.decrypt(key.handle, { iv, ciphertext: body, aad }))).toBe('DECRYPTION_FAILED');
      expect(await codeOf(() => backend.decrypt(key.handle, { iv, ciphertext }))).toBe('DECRYPTION_FAILED');
      const otherIv = Uint8Array.from(iv);
      otherIv[0]! ^= 1;
      expect(await codeOf(() => backend.decrypt(key.handle, { iv: otherIv, ciphertext, aad }))).toBe('DECRYPTION_FAILED');
    }
    const two = await backend.encrypt(generated.get('aes-256-gcm')!.handle, { plaintext: new Uint8Array(16) });
    const again = await backend.encrypt(generated.get('aes-256-gcm')!.handle, { plaintext: new Uint8Array(16) });
    expect(Buffer.from(two.iv).equals(Buffer.from(again.iv))).toBe(false);
    expect(await codeOf(() => backend.sign(generated.get('aes-256-gcm')!.handle, { data: new Uint8Array(1) }))).toBe('WRONG_KEY_TYPE');
    expect(await codeOf(() => backend.encrypt(generated.get('ecdsa-p256')!.handle, { plaintext: new Uint8Array(1) }))).toBe('WRONG_KEY_TYPE');
  });

  it('logout makes the token login-required again', async () => {
    await backend.logout();
    expect(backend.status().state).toBe('login-required');
    expect(await codeOf(() => backend.sign(generated.get('ecdsa-p256')!.handle, { data: new Uint8Array(1) }))).toBe('UNAUTHENTICATED');
    await backend.login(token.pin());
    expect(backend.status().state).toBe('ready');
  });

  it('SoftHSM 2.6 never locks the user PIN: after wrong tries it sets CKF_USER_PIN_COUNT_LOW and still accepts the right PIN', async () => {
    await backend.logout();
    for (let i = 0; i < 12; i++) expect(await codeOf(() => backend.login(new TextEncoder().encode('000000')))).toBe('PIN_INCORRECT');
    const slot = findSlotByLabel(raw, token.label)!;
    const flags = raw.pkcs11.C_GetTokenInfo(slot).flags;
    expect(flags & C.CKF_USER_PIN_COUNT_LOW).toBe(C.CKF_USER_PIN_COUNT_LOW);
    expect(flags & C.CKF_USER_PIN_LOCKED).toBe(0);
    await backend.login(token.pin());
    expect(backend.status().state).toBe('ready');
  });

  it('maps CKR values a SoftHSM token cannot produce here (PIN locked, device removed) with pkcs11js’s own error class', () => {
    const lib = raw.lib as unknown as { Pkcs11Error: new (message: string) => Error };
    const err = (name: string, code: number) => translatePkcs11Error(new lib.Pkcs11Error(`${name}:${code}`), 'login');
    expect(err('CKR_PIN_LOCKED', 0xa4).code).toBe('PIN_LOCKED');
    expect(err('CKR_PIN_INCORRECT', 0xa0).code).toBe('PIN_INCORRECT');
    expect(err('CKR_DEVICE_REMOVED', 0x32).code).toBe('DEVICE_UNAVAILABLE');
    expect(err('CKR_TOKEN_NOT_PRESENT', 0xe0).code).toBe('DEVICE_UNAVAILABLE');
    expect(err('CKR_MECHANISM_INVALID', 0x70).code).toBe('MECHANISM_UNSUPPORTED');
    const unknown = err('CKR_VENDOR_DEFINED', 0x80000000);
    expect(unknown.code).toBe('INTERNAL');
    expect(unknown.message).toContain('CKR_VENDOR_DEFINED');
  });
});
