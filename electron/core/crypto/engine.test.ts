/**
 * The engine as a whole: provider selection, the power-on self-test (passes on both providers,
 * names the failing test when a primitive lies), key handles, generate/load for every
 * algorithm, encrypt/decrypt dispatch, AES import/export, the vault's AES-256-GCM fast path,
 * and hash/kdf/random dispatch. Per-algorithm detail lives in ed25519/ecdsa/rsa tests.
 */
import { describe, expect, it } from 'vitest';
import { HASH_ALGORITHMS, KDF_ALGORITHMS, KEY_ALGORITHMS, SYMMETRIC_KEY_ALGORITHMS, isRsaAlgorithm, type SigningKeyAlgorithm } from '../../../shared/algorithms.js';
import { CustodyError } from '../../../shared/errors.js';
import { createCryptoEngine, runSelfTest } from './index.js';
import { bytesToHex, hexToBytes, utf8Decode, utf8Encode } from './key-codec.js';
import type { CryptoEngine, KeyMaterial, PrivateKeyHandle, Provider } from './types.js';
import { codeOf } from '../../../test/support.js';

const PROVIDERS: readonly Provider[] = ['node', 'noble'];
const engines: Record<Provider, CryptoEngine> = { node: createCryptoEngine(), noble: createCryptoEngine({ forceNoble: true }) };


async function asyncCodeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    if (error instanceof CustodyError) return error.code;
    throw error;
  }
  return 'OK';
}

describe('providers', () => {
  it('lists every key algorithm, hash and KDF, and who signs each curve\'s prehashed digests', () => {
    const prehashed = KEY_ALGORITHMS.filter((a) => a.startsWith('ecdsa-')).map((a) => `${a}/prehashed`);
    const names = [...KEY_ALGORITHMS, ...prehashed, ...HASH_ALGORITHMS, ...KDF_ALGORITHMS].sort();
    for (const provider of PROVIDERS) expect(Object.keys(engines[provider].providers).sort()).toEqual(names);
  });

  it('uses node:crypto on Node for everything OpenSSL has (secp256k1 included)', () => {
    const p = engines.node.providers;
    for (const alg of ['ed25519', 'ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521', 'ecdsa-secp256k1', 'aes-256-gcm', 'sha256']) expect(p[alg]).toBe('node');
  });

  it('libsecp256k1 (WASM) signs secp256k1 digests on Node; noble the P-curves\' (node:crypto cannot sign a digest)', () => {
    expect(engines.node.providers['ecdsa-secp256k1/prehashed']).toBe('libsecp256k1');
    for (const alg of ['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521']) expect(engines.node.providers[`${alg}/prehashed`]).toBe('noble');
  });

  it('forceNoble moves everything noble covers; RSA stays on node (no noble RSA)', () => {
    for (const [name, provider] of Object.entries(engines.noble.providers)) {
      expect([name, provider]).toEqual([name, isRsaAlgorithm(name) ? 'node' : 'noble']);
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(engines.node.providers)).toBe(true);
  });
});

describe('power-on self-test', () => {
  for (const provider of PROVIDERS) {
    it(`passes on ${provider}`, async () => {
      await expect(runSelfTest(engines[provider])).resolves.toBeUndefined();
    });
  }

  /** An engine whose method `name` returns a result with one bit flipped. */
  function lyingEngine(name: 'sign' | 'hash' | 'kdf' | 'encrypt' | 'verify'): CryptoEngine {
    const real = engines.node;
    return new Proxy(real, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        const fn = value as (...args: unknown[]) => unknown;
        if (prop !== name) return fn.bind(target);
        return (...args: unknown[]) => {
          const out = fn.apply(target, args);
          const flip = (b: Uint8Array): Uint8Array => {
            const c = Uint8Array.from(b);
            c[0] = (c[0] as number) ^ 1;
            return c;
          };
          if (out instanceof Promise) return out.then((b: Uint8Array) => flip(b));
          if (typeof out === 'boolean') return true;
          return flip(out as Uint8Array);
        };
      },
    });
  }

  const cases = [
    ['sign', 'ed25519-rfc8032-test2'],
    ['verify', 'ecdsa-p256-rfc6979-verify'],
    ['encrypt', 'aes-256-gcm-kat'],
    ['hash', 'sha256-abc'],
    ['kdf', 'hkdf-sha256-rfc5869-case1'],
  ] as const;
  for (const [method, test] of cases) {
    it(`fails with SELF_TEST_FAILED naming ${test} when ${method} lies`, async () => {
      const error = await runSelfTest(lyingEngine(method)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CustodyError);
      expect((error as CustodyError).code).toBe('SELF_TEST_FAILED');
      expect((error as CustodyError).message).toContain(test);
      expect((error as CustodyError).details['test']).toBe(test);
    });
  }

  it('fails with SELF_TEST_FAILED naming ecdsa-secp256k1-eip155-recoverable when signRecoverable lies (one bit, or a recovery id of 2)', async () => {
    for (const lie of ['bit', 'recovery'] as const) {
      const real = engines.node;
      const liar = new Proxy(real, {
        get(target, prop, receiver) {
          const value: unknown = Reflect.get(target, prop, receiver);
          if (typeof value !== 'function') return value;
          const fn = (value as (...args: unknown[]) => unknown).bind(target);
          if (prop !== 'signRecoverable') return fn;
          return (...args: unknown[]) => {
            const out = fn(...args) as { signature: Uint8Array; recovery: 0 | 1 };
            const signature = Uint8Array.from(out.signature);
            if (lie === 'bit') signature[0] = (signature[0] as number) ^ 1;
            return { signature, recovery: lie === 'recovery' ? 2 : out.recovery };
          };
        },
      });
      const error = await runSelfTest(liar).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as CustodyError).code).toBe('SELF_TEST_FAILED');
      expect((error as CustodyError).details['test']).toBe('ecdsa-secp256k1-eip155-recoverable');
    }
  });
});

describe('key handles', () => {
  it('generate → load → use, for every algorithm on both providers', async () => {
    const message = utf8Encode('handles');
    for (const provider of PROVIDERS) {
      const engine = engines[provider];
      for (const algorithm of KEY_ALGORITHMS) {
        if (algorithm === 'rsa-3072' || algorithm === 'rsa-4096') continue; // generated once, in rsa.test.ts
        const material = await engine.generateKey(algorithm);
        expect(material.algorithm).toBe(algorithm);
        const priv = engine.loadPrivateKey(material);
        expect(Object.isFrozen(priv)).toBe(true);
        expect(priv).toEqual({ algorithm, provider: engine.providers[algorithm] });
        if ((SYMMETRIC_KEY_ALGORITHMS as readonly string[]).includes(algorithm)) {
          expect(material.publicKey).toBeUndefined();
          expect(bytesToHex(engine.decrypt(priv, engine.encrypt(priv, message)))).toBe(bytesToHex(message));
          expect(codeOf(() => engine.sign(priv, message))).toBe('WRONG_KEY_TYPE');
          continue;
        }
        const pub = engine.loadPublicKey(algorithm as SigningKeyAlgorithm, material.publicKey as Uint8Array);
        expect(engine.verify(pub, message, engine.sign(priv, message))).toBe(true);
        if (isRsaAlgorithm(algorithm)) {
          expect(bytesToHex(engine.decrypt(priv, engine.encrypt(pub, message)))).toBe(bytesToHex(message));
        } else {
          expect(codeOf(() => engine.encrypt(pub, message))).toBe('WRONG_KEY_TYPE');
          expect(codeOf(() => engine.encrypt(priv, message))).toBe('WRONG_KEY_TYPE');
          expect(codeOf(() => engine.decrypt(priv, message))).toBe('WRONG_KEY_TYPE');
        }
      }
    }
  });

  it('a forged handle or another engine’s handle is refused', async () => {
    const material = await engines.node.generateKey('ed25519');
    const forged = { algorithm: 'ed25519', provider: 'node' } as PrivateKeyHandle;
    expect(codeOf(() => engines.node.sign(forged, new Uint8Array(1)))).toBe('INVALID_INPUT');
    const foreign = engines.noble.loadPrivateKey(material);
    expect(codeOf(() => engines.node.sign(foreign, new Uint8Array(1)))).toBe('INVALID_INPUT');
    const pub = engines.node.loadPublicKey('ed25519', material.publicKey as Uint8Array);
    expect(codeOf(() => engines.node.sign(pub as unknown as PrivateKeyHandle, new Uint8Array(1)))).toBe('INVALID_INPUT');
    expect(codeOf(() => engines.node.verify({ algorithm: 'ed25519', provider: 'node' }, new Uint8Array(1), new Uint8Array(64)))).toBe('INVALID_INPUT');
  });

  it('refuses material without a secret, with a mismatched public key, or of an unknown algorithm', async () => {
    const engine = engines.node;
    const a = await engine.generateKey('ecdsa-p256');
    const b = await engine.generateKey('ecdsa-p256');
    expect(codeOf(() => engine.loadPrivateKey({ algorithm: 'ecdsa-p256', publicKey: a.publicKey as Uint8Array }))).toBe('INVALID_INPUT');
    expect(codeOf(() => engine.loadPrivateKey({ ...a, publicKey: b.publicKey as Uint8Array }))).toBe('INVALID_INPUT');
    expect(codeOf(() => engine.loadPrivateKey({ ...a, algorithm: 'ecdsa-p999' } as unknown as KeyMaterial))).toBe('INVALID_INPUT');
    expect(codeOf(() => engine.loadPrivateKey({ algorithm: 'aes-256-gcm', secret: new Uint8Array(16) }))).toBe('INVALID_INPUT');
    expect(codeOf(() => engine.loadPrivateKey({ algorithm: 'aes-256-gcm', secret: new Uint8Array(32), publicKey: new Uint8Array(1) }))).toBe('INVALID_INPUT');
    expect(await asyncCodeOf(engine.generateKey('dsa-1024' as 'ed25519'))).toBe('INVALID_INPUT');
    expect(codeOf(() => engine.loadPublicKey('aes-256-gcm' as 'ed25519', new Uint8Array(1)))).toBe('WRONG_KEY_TYPE');
    expect(codeOf(() => engine.exportPrivateKey('ecdsa-p384', a, 'raw'))).toBe('WRONG_KEY_TYPE');
    expect(codeOf(() => engine.exportPrivateKey('ecdsa-p256', { algorithm: 'ecdsa-p256', publicKey: a.publicKey as Uint8Array }, 'raw'))).toBe('INVALID_INPUT');
    expect(codeOf(() => engine.importKey('ecdsa-p256', 'pem' as 'spki', new Uint8Array(1)))).toBe('INVALID_INPUT');
    expect(codeOf(() => engine.importKey('ecdsa-p256', 'raw', 'aa' as unknown as Uint8Array))).toBe('INVALID_INPUT');
    expect(codeOf(() => engine.parsePublicKey('ecdsa-p256', new Uint8Array(0)))).toBe('INVALID_INPUT');
  });

  it('loads Buffers as well as Uint8Arrays, and returns plain Uint8Arrays', async () => {
    const engine = engines.node;
    for (const algorithm of ['ed25519', 'ecdsa-secp256k1'] as const) {
      const m = await engine.generateKey(algorithm);
      expect(Object.getPrototypeOf(m.secret)).toBe(Uint8Array.prototype);
      expect(Object.getPrototypeOf(m.publicKey)).toBe(Uint8Array.prototype);
      const priv = engine.loadPrivateKey({ algorithm, secret: Buffer.from(m.secret as Uint8Array), publicKey: Buffer.from(m.publicKey as Uint8Array) });
      const sig = engine.sign(priv, Buffer.from('x'));
      expect(Object.getPrototypeOf(sig)).toBe(Uint8Array.prototype);
      expect(engine.verify(engine.loadPublicKey(algorithm, Buffer.from(m.publicKey as Uint8Array)), Buffer.from('x'), Buffer.from(sig))).toBe(true);
    }
  });
});

describe('symmetric keys and encryption', () => {
  const pt = utf8Encode('Custos AES');

  it('every AES algorithm round-trips across providers (node encrypts, noble decrypts and back)', async () => {
    for (const algorithm of SYMMETRIC_KEY_ALGORITHMS) {
      const material = await engines.node.generateKey(algorithm);
      expect(material.secret?.length).toBe(algorithm === 'aes-128-gcm' ? 16 : algorithm === 'aes-192-gcm' ? 24 : 32);
      const [a, b] = [engines.node.loadPrivateKey(material), engines.noble.loadPrivateKey(material)];
      const gcm = algorithm !== 'aes-256-cbc';
      const aad = gcm ? utf8Encode('aad') : undefined;
      const options = aad === undefined ? {} : { aad };
      const ct1 = engines.node.encrypt(a, pt, options);
      const ct2 = engines.noble.encrypt(b, pt, options);
      expect(ct1.length).toBe(gcm ? 12 + pt.length + 16 : 16 + 16);
      expect(bytesToHex(engines.noble.decrypt(b, ct1, options))).toBe(bytesToHex(pt));
      expect(bytesToHex(engines.node.decrypt(a, ct2, options))).toBe(bytesToHex(pt));
      if (gcm) {
        expect(codeOf(() => engines.node.decrypt(a, ct1, { aad: utf8Encode('other') }))).toBe('DECRYPTION_FAILED');
        expect(codeOf(() => engines.node.decrypt(a, ct1))).toBe('DECRYPTION_FAILED');
        // A fixed nonce is honoured (test hook) and gives the same bytes on both providers.
        const iv = new Uint8Array(12).fill(9);
        expect(bytesToHex(engines.node.encrypt(a, pt, { ...options, ivUnsafe: iv }))).toBe(bytesToHex(engines.noble.encrypt(b, pt, { ...options, ivUnsafe: iv })));
      } else {
        expect(codeOf(() => engines.node.encrypt(a, pt, { aad: new Uint8Array(1) }))).toBe('INVALID_INPUT');
        expect(codeOf(() => engines.node.decrypt(a, ct1, { aad: new Uint8Array(1) }))).toBe('INVALID_INPUT');
        const iv = new Uint8Array(16).fill(3);
        expect(bytesToHex(engines.node.encrypt(a, pt, { ivUnsafe: iv }))).toBe(bytesToHex(engines.noble.encrypt(b, pt, { ivUnsafe: iv })));
      }
      expect(codeOf(() => engines.node.decrypt(a, ct1, { ivUnsafe: new Uint8Array(12) }))).toBe('INVALID_INPUT');
    }
  });

  it('AES import/export: raw and jwk round trip; pkcs8/spki refused; sizes and alg checked', async () => {
    const engine = engines.node;
    for (const algorithm of SYMMETRIC_KEY_ALGORITHMS) {
      const material = await engine.generateKey(algorithm);
      for (const format of ['raw', 'jwk'] as const) expect(engine.importKey(algorithm, format, engine.exportPrivateKey(algorithm, material, format))).toEqual(material);
      expect(codeOf(() => engine.exportPrivateKey(algorithm, material, 'pkcs8'))).toBe('UNSUPPORTED');
      expect(codeOf(() => engine.importKey(algorithm, 'pkcs8', new Uint8Array(32)))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.importKey(algorithm, 'spki', new Uint8Array(32)))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.importKey(algorithm, 'raw', new Uint8Array(20)))).toBe('INVALID_INPUT');
    }
    const jwk = (o: object): Uint8Array => utf8Encode(JSON.stringify(o));
    const k = Buffer.alloc(32, 1).toString('base64url');
    expect(codeOf(() => engine.importKey('aes-256-gcm', 'jwk', jwk({ kty: 'oct', k, alg: 'A256GCM' })))).toBe('OK');
    expect(codeOf(() => engine.importKey('aes-256-gcm', 'jwk', jwk({ kty: 'oct', k, alg: 'A128GCM' })))).toBe('WRONG_KEY_TYPE');
    expect(codeOf(() => engine.importKey('aes-256-cbc', 'jwk', jwk({ kty: 'oct', k, alg: 'A256GCM' })))).toBe('WRONG_KEY_TYPE');
    expect(codeOf(() => engine.importKey('aes-256-cbc', 'jwk', jwk({ kty: 'oct', k })))).toBe('OK');
    expect(codeOf(() => engine.importKey('aes-128-gcm', 'jwk', jwk({ kty: 'oct', k })))).toBe('INVALID_INPUT');
    expect(codeOf(() => engine.importKey('aes-256-gcm', 'jwk', jwk({ kty: 'RSA', k })))).toBe('WRONG_KEY_TYPE');
    expect(JSON.parse(utf8Decode(engine.exportPrivateKey('aes-128-gcm', { algorithm: 'aes-128-gcm', secret: new Uint8Array(16) }, 'jwk'), 'jwk'))).toEqual({
      kty: 'oct',
      k: 'AAAAAAAAAAAAAAAAAAAAAA',
      alg: 'A128GCM',
    });
  });

  it('sealAes256Gcm / openAes256Gcm: 32-byte keys only, cross-provider, tamper-evident', () => {
    const key = hexToBytes('00'.repeat(31) + '01');
    const aad = utf8Encode('record 1');
    for (const provider of PROVIDERS) {
      const other = provider === 'node' ? engines.noble : engines.node;
      const sealed = engines[provider].sealAes256Gcm(key, pt, aad);
      expect(sealed.length).toBe(12 + pt.length + 16);
      expect(bytesToHex(other.openAes256Gcm(key, sealed, aad))).toBe(bytesToHex(pt));
      const bad = Uint8Array.from(sealed);
      bad[20] = (bad[20] as number) ^ 1;
      expect(codeOf(() => other.openAes256Gcm(key, bad, aad))).toBe('DECRYPTION_FAILED');
      expect(codeOf(() => other.openAes256Gcm(key, sealed, utf8Encode('record 2')))).toBe('DECRYPTION_FAILED');
      expect(codeOf(() => engines[provider].sealAes256Gcm(new Uint8Array(16), pt, aad))).toBe('INVALID_INPUT');
      expect(codeOf(() => engines[provider].openAes256Gcm(new Uint8Array(24), sealed, aad))).toBe('INVALID_INPUT');
    }
  });
});

describe('hash, kdf, random', () => {
  it('hash dispatches every algorithm and both providers agree', () => {
    const data = utf8Encode('abc');
    for (const algorithm of HASH_ALGORITHMS) {
      expect(bytesToHex(engines.node.hash(algorithm, data))).toBe(bytesToHex(engines.noble.hash(algorithm, data)));
    }
    expect(bytesToHex(engines.node.hash('sha256', data))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(codeOf(() => engines.node.hash('md5' as 'sha256', data))).toBe('INVALID_INPUT');
  });

  it('kdf dispatches and both providers agree', async () => {
    const params = { algorithm: 'pbkdf2-sha256', password: utf8Encode('pw'), salt: utf8Encode('saltsalt'), iterations: 1000, length: 32 } as const;
    expect(bytesToHex(await engines.node.kdf(params))).toBe(bytesToHex(await engines.noble.kdf(params)));
    expect(await asyncCodeOf(engines.node.kdf({ ...params, algorithm: 'scrypt' as 'pbkdf2-sha256' }))).toBe('INVALID_INPUT');
  });

  it('random returns fresh bytes of the requested length', () => {
    const a = engines.node.random(32);
    const b = engines.node.random(32);
    expect(a.length).toBe(32);
    expect(bytesToHex(a)).not.toBe(bytesToHex(b));
  });
});
