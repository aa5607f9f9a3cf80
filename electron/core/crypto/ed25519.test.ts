/**
 * Ed25519: RFC 8032 §7.1 vectors (sign reproduces the signature, public key derivation) and every
 * Wycheproof Ed25519 vector, on both providers; round trips, node-vs-noble byte identity,
 * import/export and the typed errors. Vectors: test/vectors (see test/vectors/README.md).
 */
import { createPrivateKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createCryptoEngine } from './engine.js';
import { ed25519LoadPrivate, ed25519LoadPublic, ed25519Sign, ed25519Verify, isValidEd25519PublicKey } from './ed25519.js';
import { bytesToHex, hexToBytes, utf8Decode, utf8Encode } from './key-codec.js';
import type { CryptoEngine, Provider } from './types.js';
import { codeOf } from '../../../test/support.js';

const PROVIDERS: readonly Provider[] = ['node', 'noble'];
const engines: Record<Provider, CryptoEngine> = { node: createCryptoEngine(), noble: createCryptoEngine({ forceNoble: true }) };


function vectorFile<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../../../test/vectors/${path}`, import.meta.url), 'utf8')) as T;
}

interface Rfc8032Vector {
  name: string;
  secretKey: string;
  publicKey: string;
  message: string;
  signature: string;
}

describe('RFC 8032 §7.1 test vectors', () => {
  const { vectors } = vectorFile<{ vectors: Rfc8032Vector[] }>('rfc8032.json');

  it('holds TEST 1, 2, 3, 1024 and SHA(abc)', () => {
    expect(vectors.map((v) => v.name)).toEqual(['TEST 1', 'TEST 2', 'TEST 3', 'TEST 1024', 'TEST SHA(abc)']);
    expect(hexToBytes(vectors[3]?.message ?? '').length).toBe(1023);
  });

  for (const provider of PROVIDERS) {
    for (const v of vectors) {
      it(`${v.name} on ${provider}: public key, signature byte for byte, verify`, () => {
        const engine = engines[provider];
        const material = engine.importKey('ed25519', 'raw', hexToBytes(v.secretKey));
        const spki = material.publicKey as Uint8Array;
        expect(bytesToHex(engine.exportPublicKey('ed25519', spki, 'raw'))).toBe(v.publicKey);
        const priv = engine.loadPrivateKey(material);
        expect(priv.provider).toBe(provider);
        const message = hexToBytes(v.message);
        expect(bytesToHex(engine.sign(priv, message))).toBe(v.signature);
        const pub = engine.loadPublicKey('ed25519', engine.parsePublicKey('ed25519', hexToBytes(v.publicKey)));
        expect(engine.verify(pub, message, hexToBytes(v.signature))).toBe(true);
        // The module API directly, too.
        const internal = ed25519LoadPrivate(hexToBytes(v.secretKey), provider);
        expect(bytesToHex(internal.publicKey)).toBe(v.publicKey);
        expect(bytesToHex(ed25519Sign(internal, message))).toBe(v.signature);
        expect(ed25519Verify(ed25519LoadPublic(hexToBytes(v.publicKey), provider), message, hexToBytes(v.signature))).toBe(true);
      });
    }
  }
});

interface WycheproofEddsaGroup {
  publicKey: { curve: string; pk: string };
  publicKeyDer: string;
  publicKeyPem: string;
  publicKeyJwk: Record<string, string>;
  tests: Array<{ tcId: number; comment: string; flags: string[]; msg: string; sig: string; result: 'valid' | 'invalid' | 'acceptable' }>;
}

describe('Wycheproof ed25519_test.json', () => {
  for (const provider of PROVIDERS) {
    it(`every vector on ${provider}: valid verifies, invalid is rejected`, () => {
      const engine = engines[provider];
      const data = vectorFile<{ numberOfTests: number; testGroups: WycheproofEddsaGroup[] }>('wycheproof/ed25519_test.json');
      const failures: string[] = [];
      let count = 0;
      let accepted = 0;
      let acceptable = 0;
      for (const group of data.testGroups) {
        expect(group.publicKey.curve).toBe('edwards25519');
        const spki = engine.parsePublicKey('ed25519', hexToBytes(group.publicKeyDer));
        expect(bytesToHex(engine.parsePublicKey('ed25519', hexToBytes(group.publicKey.pk)))).toBe(bytesToHex(spki));
        expect(bytesToHex(engine.parsePublicKey('ed25519', utf8Encode(group.publicKeyPem)))).toBe(bytesToHex(spki));
        expect(bytesToHex(engine.importKey('ed25519', 'jwk', utf8Encode(JSON.stringify(group.publicKeyJwk))).publicKey as Uint8Array)).toBe(bytesToHex(spki));
        const pub = engine.loadPublicKey('ed25519', spki);
        for (const t of group.tests) {
          count++;
          if (t.result === 'acceptable') {
            acceptable++;
            continue;
          }
          const ok = engine.verify(pub, hexToBytes(t.msg), hexToBytes(t.sig));
          if (ok) accepted++;
          if (ok !== (t.result === 'valid')) failures.push(`tcId ${t.tcId} [${t.flags.join(',')}] ${t.comment}: expected ${t.result}`);
        }
      }
      expect(failures).toEqual([]);
      expect(count).toBe(151);
      expect(count).toBe(data.numberOfTests);
      expect(accepted).toBe(88);
      // The file has no "acceptable" vectors: nothing to pin.
      expect(acceptable).toBe(0);
    });
  }
});

describe('Ed25519 engine', () => {
  const message = utf8Encode('Custos Ed25519');

  it('generates on one provider, verifies on both; both providers give identical bytes', async () => {
    for (const signer of PROVIDERS) {
      const material = await engines[signer].generateKey('ed25519');
      expect(material.secret?.length).toBe(32);
      const sig = engines[signer].sign(engines[signer].loadPrivateKey(material), message);
      expect(sig.length).toBe(64);
      for (const other of PROVIDERS) {
        const again = engines[other].importKey('ed25519', 'raw', material.secret as Uint8Array);
        expect(bytesToHex(again.publicKey as Uint8Array)).toBe(bytesToHex(material.publicKey as Uint8Array));
        // Ed25519 is deterministic: same key, same message, same signature on both providers.
        expect(bytesToHex(engines[other].sign(engines[other].loadPrivateKey(again), message))).toBe(bytesToHex(sig));
        const pub = engines[other].loadPublicKey('ed25519', material.publicKey as Uint8Array);
        expect(engines[other].verify(pub, message, sig)).toBe(true);
        expect(engines[other].verify(pub, utf8Encode('Custos Ed25519!'), sig)).toBe(false);
        for (const format of ['pkcs8', 'jwk', 'raw'] as const) {
          expect(bytesToHex(engines[other].exportPrivateKey('ed25519', again, format))).toBe(bytesToHex(engines[signer].exportPrivateKey('ed25519', material, format)));
        }
      }
    }
  });

  it('matches OpenSSL’s PKCS#8 and SPKI bytes; node verifies ours and we verify node’s', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
    for (const provider of PROVIDERS) {
      const engine = engines[provider];
      const material = engine.importKey('ed25519', 'pkcs8', pkcs8);
      expect(bytesToHex(material.publicKey as Uint8Array)).toBe(bytesToHex(spki));
      expect(bytesToHex(engine.exportPrivateKey('ed25519', material, 'pkcs8'))).toBe(bytesToHex(pkcs8));
      expect(nodeVerify(null, message, publicKey, engine.sign(engine.loadPrivateKey(material), message))).toBe(true);
      expect(engine.verify(engine.loadPublicKey('ed25519', spki), message, new Uint8Array(nodeSign(null, message, privateKey)))).toBe(true);
      const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
      expect(bytesToHex(engine.importKey('ed25519', 'pkcs8', utf8Encode(pem)).secret as Uint8Array)).toBe(bytesToHex(material.secret as Uint8Array));
    }
  });

  it('imports and exports every format', async () => {
    for (const provider of PROVIDERS) {
      const engine = engines[provider];
      const material = await engine.generateKey('ed25519');
      const spki = material.publicKey as Uint8Array;
      for (const format of ['pkcs8', 'jwk', 'raw'] as const) {
        const back = engine.importKey('ed25519', format, engine.exportPrivateKey('ed25519', material, format));
        expect(back).toEqual(material);
      }
      const jwk = JSON.parse(utf8Decode(engine.exportPrivateKey('ed25519', material, 'jwk'), 'jwk')) as Record<string, string>;
      expect(Object.keys(jwk)).toEqual(['kty', 'crv', 'x', 'd']);
      expect(createPrivateKey({ key: jwk, format: 'jwk' }).asymmetricKeyType).toBe('ed25519');
      for (const format of ['pem', 'der', 'jwk', 'raw'] as const) {
        const out = engine.exportPublicKey('ed25519', spki, format);
        expect(bytesToHex(engine.parsePublicKey('ed25519', format === 'jwk' ? (engine.importKey('ed25519', 'jwk', out).publicKey as Uint8Array) : out))).toBe(bytesToHex(spki));
      }
      expect(engine.exportPublicKey('ed25519', spki, 'raw').length).toBe(32);
      expect(bytesToHex(engine.importKey('ed25519', 'spki', engine.exportPublicKey('ed25519', spki, 'pem')).publicKey as Uint8Array)).toBe(bytesToHex(spki));
    }
  });

  it('options: hash / scheme / saltLength / sigFormat are INVALID_INPUT, prehashed is UNSUPPORTED', async () => {
    for (const provider of PROVIDERS) {
      const engine = engines[provider];
      const material = await engine.generateKey('ed25519');
      const priv = engine.loadPrivateKey(material);
      const pub = engine.loadPublicKey('ed25519', material.publicKey as Uint8Array);
      expect(codeOf(() => engine.sign(priv, message, { hash: 'sha256' }))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.sign(priv, message, { scheme: 'pss' }))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.sign(priv, message, { saltLength: 0 }))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.sign(priv, message, { sigFormat: 'raw' }))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.sign(priv, new Uint8Array(64), { prehashed: true }))).toBe('UNSUPPORTED');
      expect(codeOf(() => engine.verify(pub, message, new Uint8Array(64), { prehashed: true }))).toBe('UNSUPPORTED');
      expect(codeOf(() => engine.verify(pub, message, new Uint8Array(64), { hash: 'sha512' }))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.sign(priv, message, { prehashed: false }))).toBe('OK');
      expect(codeOf(() => engine.sign(priv, message, {}))).toBe('OK');
    }
  });

  it('verify returns false for malformed signatures and never throws', async () => {
    for (const provider of PROVIDERS) {
      const engine = engines[provider];
      const material = await engine.generateKey('ed25519');
      const pub = engine.loadPublicKey('ed25519', material.publicKey as Uint8Array);
      const good = engine.sign(engine.loadPrivateKey(material), message);
      for (const sig of [new Uint8Array(0), good.subarray(0, 63), Uint8Array.of(...good, 0), new Uint8Array(64), new Uint8Array(64).fill(0xff)]) {
        expect(engine.verify(pub, message, sig)).toBe(false);
      }
      expect(engine.verify(pub, message, null as unknown as Uint8Array)).toBe(false);
    }
  });

  it('wrong sizes, wrong key types, non-canonical points and bad JWKs give typed errors', async () => {
    for (const provider of PROVIDERS) {
      const engine = engines[provider];
      const p256 = await engine.generateKey('ecdsa-p256');
      const ed = await engine.generateKey('ed25519');
      for (const bad of [new Uint8Array(31), new Uint8Array(33), new Uint8Array(64)]) {
        expect(codeOf(() => engine.importKey('ed25519', 'raw', bad))).toBe('INVALID_INPUT');
        expect(codeOf(() => engine.loadPrivateKey({ algorithm: 'ed25519', secret: bad }))).toBe('INVALID_INPUT');
      }
      expect(codeOf(() => engine.importKey('ed25519', 'spki', p256.publicKey as Uint8Array))).toBe('WRONG_KEY_TYPE');
      expect(codeOf(() => engine.importKey('ed25519', 'pkcs8', engine.exportPrivateKey('ecdsa-p256', p256, 'pkcs8')))).toBe('WRONG_KEY_TYPE');
      expect(codeOf(() => engine.loadPublicKey('ed25519', p256.publicKey as Uint8Array))).toBe('WRONG_KEY_TYPE');
      // y = p (non-canonical: ≥ p) and a y with no x on the curve.
      const yEqualsP = hexToBytes('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
      expect(isValidEd25519PublicKey(yEqualsP)).toBe(false);
      expect(codeOf(() => engine.parsePublicKey('ed25519', yEqualsP))).toBe('INVALID_INPUT');
      let notOnCurve: Uint8Array | undefined;
      for (let i = 2; notOnCurve === undefined; i++) {
        const candidate = new Uint8Array(32);
        candidate[0] = i;
        if (!isValidEd25519PublicKey(candidate)) notOnCurve = candidate;
      }
      expect(codeOf(() => engine.parsePublicKey('ed25519', notOnCurve as Uint8Array))).toBe('INVALID_INPUT');
      const offCurveSpki = Uint8Array.of(...hexToBytes('302a300506032b6570032100'), ...(notOnCurve as Uint8Array));
      expect(codeOf(() => engine.importKey('ed25519', 'spki', offCurveSpki))).toBe('INVALID_INPUT');
      // loadPublicKey (for keys already validated at import) checks the point on the noble path;
      // on the node path OpenSSL's verification decodes A and refuses every signature instead.
      const loaded = codeOf(() => engine.loadPublicKey('ed25519', offCurveSpki));
      if (engine.providers.ed25519 === 'noble') expect(loaded).toBe('INVALID_INPUT');
      else {
        expect(loaded).toBe('OK');
        const handle = engine.loadPublicKey('ed25519', offCurveSpki);
        expect(engine.verify(handle, new Uint8Array(1), new Uint8Array(64))).toBe(false);
        expect(engine.verify(handle, new Uint8Array(1), Uint8Array.of(...(notOnCurve as Uint8Array), ...new Uint8Array(32)))).toBe(false);
      }
      expect(codeOf(() => engine.parsePublicKey('ed25519', new Uint8Array(33)))).toBe('INVALID_INPUT');
      // SPKI with parameters (RFC 8410 §3 says absent).
      expect(codeOf(() => engine.importKey('ed25519', 'spki', hexToBytes('302c300706032b65700500032100' + '00'.repeat(32))))).toBe('INVALID_INPUT');
      // Material whose stored public key is not the seed's.
      expect(codeOf(() => engine.loadPrivateKey({ algorithm: 'ed25519', secret: ed.secret as Uint8Array, publicKey: p256.publicKey as Uint8Array }))).toBe('INVALID_INPUT');
      // JWKs.
      const jwk = JSON.parse(utf8Decode(engine.exportPrivateKey('ed25519', ed, 'jwk'), 'jwk')) as Record<string, string>;
      const j = (o: object): Uint8Array => utf8Encode(JSON.stringify(o));
      expect(codeOf(() => engine.importKey('ed25519', 'jwk', j({ ...jwk, crv: 'Ed448' })))).toBe('WRONG_KEY_TYPE');
      expect(codeOf(() => engine.importKey('ed25519', 'jwk', j({ ...jwk, kty: 'EC' })))).toBe('WRONG_KEY_TYPE');
      expect(codeOf(() => engine.importKey('ed25519', 'jwk', j({ ...jwk, alg: 'ES256' })))).toBe('WRONG_KEY_TYPE');
      expect(codeOf(() => engine.importKey('ed25519', 'jwk', j({ ...jwk, alg: 'EdDSA' })))).toBe('OK');
      expect(codeOf(() => engine.importKey('ed25519', 'jwk', j({ ...jwk, x: bytesToHex(new Uint8Array(32)) })))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.importKey('ed25519', 'jwk', j({ kty: 'OKP', crv: 'Ed25519', d: jwk.d })))).toBe('INVALID_INPUT');
      const otherSpki = (await engine.generateKey('ed25519')).publicKey as Uint8Array;
      const otherX = JSON.parse(utf8Decode(engine.exportPublicKey('ed25519', otherSpki, 'jwk'), 'jwk')) as Record<string, string>;
      expect(codeOf(() => engine.importKey('ed25519', 'jwk', j({ ...jwk, x: otherX.x })))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.importKey('ed25519', 'jwk', j({ ...jwk, d: 123 })))).toBe('INVALID_INPUT');
    }
  });
});
