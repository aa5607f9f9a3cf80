/**
 * ECDSA: every Wycheproof ECDSA vector (9 files: DER, P1363 = raw, Bitcoin low-S) on both
 * providers and through both the message and the prehashed path; sign/verify round trips for
 * every curve × hash × format × provider; node-vs-noble byte identity; import/export and the
 * typed errors of bad keys. secp256k1 digests: libsecp256k1 (WASM) on the default engine, noble
 * on the forced one, over every Wycheproof secp256k1 message; recoverable signatures checked by
 * noble's independent public-key recovery; libsecp256k1-vs-noble byte identity for the same
 * entropy; EIP-155's example reproduced by both. Vectors: test/vectors/wycheproof (see
 * test/vectors/README.md); the EIP-155 example is quoted from the EIP.
 */
import { secp256k1 as nobleSecp256k1 } from '@noble/curves/secp256k1.js';
import * as tinySecp256k1 from 'tiny-secp256k1';
import { createHash, randomBytes, createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SIGNATURE_FORMATS, SIGNATURE_HASHES, type SignatureHash } from '../../../shared/algorithms.js';
import { createCryptoEngine } from './engine.js';
import {
  ECDSA_CURVES,
  ecdsaLoadPrivate,
  ecdsaLoadPublic,
  ecdsaSignRecoverableDeterministicUnsafe,
  ecdsaVerify,
  hasLibsecp256k1,
  parseEcdsaSignature,
  type EcdsaAlgorithm,
} from './ecdsa.js';
import { bytesToHex, decodeEcdsaDer, encodeEcdsaDer, hexToBytes, utf8Decode, utf8Encode } from './key-codec.js';
import type { CryptoEngine, DigestSigner, Provider } from './types.js';
import { codeOf } from '../../../test/support.js';

const PROVIDERS: readonly Provider[] = ['node', 'noble'];
const engines: Record<Provider, CryptoEngine> = { node: createCryptoEngine(), noble: createCryptoEngine({ forceNoble: true }) };
const CURVES = Object.keys(ECDSA_CURVES) as EcdsaAlgorithm[];
/** Distinct messages across the three Wycheproof secp256k1 files. */
const MESSAGE_COUNT = 61;


// ---------------------------------------------------------------------------------------------
// Wycheproof
// ---------------------------------------------------------------------------------------------

interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  msg: string;
  sig: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface WycheproofEcdsaGroup {
  type: 'EcdsaVerify' | 'EcdsaP1363Verify' | 'EcdsaBitcoinVerify';
  publicKey: { curve: string; uncompressed: string };
  publicKeyDer: string;
  publicKeyPem: string;
  publicKeyJwk?: Record<string, string>;
  sha: string;
  tests: WycheproofTest[];
}
interface WycheproofFile<G> {
  numberOfTests: number;
  testGroups: G[];
}

function loadWycheproof<G>(name: string): WycheproofFile<G> {
  return JSON.parse(readFileSync(new URL(`../../../test/vectors/wycheproof/${name}`, import.meta.url), 'utf8')) as WycheproofFile<G>;
}

const SHA: Record<string, SignatureHash> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

const FILES: ReadonlyArray<{ file: string; algorithm: EcdsaAlgorithm; total: number; valid: number }> = [
  { file: 'ecdsa_secp256r1_sha256_test.json', algorithm: 'ecdsa-p256', total: 484, valid: 174 },
  { file: 'ecdsa_secp256r1_sha256_p1363_test.json', algorithm: 'ecdsa-p256', total: 262, valid: 173 },
  { file: 'ecdsa_secp384r1_sha384_test.json', algorithm: 'ecdsa-p384', total: 504, valid: 194 },
  { file: 'ecdsa_secp384r1_sha384_p1363_test.json', algorithm: 'ecdsa-p384', total: 280, valid: 193 },
  { file: 'ecdsa_secp521r1_sha512_test.json', algorithm: 'ecdsa-p521', total: 542, valid: 232 },
  { file: 'ecdsa_secp521r1_sha512_p1363_test.json', algorithm: 'ecdsa-p521', total: 318, valid: 231 },
  { file: 'ecdsa_secp256k1_sha256_test.json', algorithm: 'ecdsa-secp256k1', total: 476, valid: 168 },
  { file: 'ecdsa_secp256k1_sha256_p1363_test.json', algorithm: 'ecdsa-secp256k1', total: 252, valid: 167 },
  { file: 'ecdsa_secp256k1_sha256_bitcoin_test.json', algorithm: 'ecdsa-secp256k1', total: 463, valid: 162 },
];

const WYCHEPROOF_CURVE: Record<EcdsaAlgorithm, string> = {
  'ecdsa-p256': 'secp256r1',
  'ecdsa-p384': 'secp384r1',
  'ecdsa-p521': 'secp521r1',
  'ecdsa-secp256k1': 'secp256k1',
};

describe('Wycheproof ECDSA', () => {
  for (const { file, algorithm, total, valid } of FILES) {
    for (const provider of PROVIDERS) {
      for (const prehashed of [false, true]) {
        it(`${file} on ${provider}${prehashed ? ', prehashed' : ''}`, () => {
          const engine = engines[provider];
          const curve = ECDSA_CURVES[algorithm];
          const data = loadWycheproof<WycheproofEcdsaGroup>(file);
          const failures: string[] = [];
          let count = 0;
          let accepted = 0;
          let acceptable = 0;
          for (const group of data.testGroups) {
            expect(group.publicKey.curve).toBe(WYCHEPROOF_CURVE[algorithm]);
            const hash = SHA[group.sha];
            if (hash === undefined) throw new Error(`unexpected hash ${group.sha}`);
            const format = group.type === 'EcdsaP1363Verify' ? 'raw' : 'der';
            // The SPKI DER, the PEM, the bare SEC1 point and the JWK must all give one canonical SPKI.
            const spki = engine.parsePublicKey(algorithm, hexToBytes(group.publicKeyDer));
            expect(bytesToHex(engine.parsePublicKey(algorithm, utf8Encode(group.publicKeyPem)))).toBe(bytesToHex(spki));
            expect(bytesToHex(engine.parsePublicKey(algorithm, hexToBytes(group.publicKey.uncompressed)))).toBe(bytesToHex(spki));
            if (group.publicKeyJwk !== undefined) {
              const m = engine.importKey(algorithm, 'jwk', utf8Encode(JSON.stringify(group.publicKeyJwk)));
              expect(m.secret).toBeUndefined();
              expect(bytesToHex(m.publicKey as Uint8Array)).toBe(bytesToHex(spki));
            }
            const handle = engine.loadPublicKey(algorithm, spki);
            const internal = ecdsaLoadPublic(curve, hexToBytes(group.publicKey.uncompressed), provider);
            for (const t of group.tests) {
              count++;
              const msg = hexToBytes(t.msg);
              const sig = hexToBytes(t.sig);
              const input = prehashed ? new Uint8Array(createHash(hash).update(msg).digest()) : msg;
              const options = { hash, sigFormat: format, prehashed } as const;
              // The Bitcoin file adds one rule: high-S is invalid (BIP 146). That is the internal
              // `requireLowS` policy; engine.verify follows FIPS 186 and accepts high-S.
              const ok =
                group.type === 'EcdsaBitcoinVerify'
                  ? ecdsaVerify(internal, input, sig, { hash, format, prehashed }, { requireLowS: true })
                  : engine.verify(handle, input, sig, options);
              if (t.result === 'acceptable') {
                acceptable++;
                continue;
              }
              if (ok) accepted++;
              if (ok !== (t.result === 'valid')) failures.push(`tcId ${t.tcId} [${t.flags.join(',')}] ${t.comment}: expected ${t.result}`);
            }
          }
          expect(failures).toEqual([]);
          expect(count).toBe(total);
          expect(count).toBe(data.numberOfTests);
          expect(accepted).toBe(valid);
          // No ECDSA file has an "acceptable" vector, so there is nothing to pin.
          expect(acceptable).toBe(0);
        });
      }
    }
  }

  it('engine.verify (FIPS 186, high-S allowed) differs from the Bitcoin policy on exactly two vectors', () => {
    const data = loadWycheproof<WycheproofEcdsaGroup>('ecdsa_secp256k1_sha256_bitcoin_test.json');
    for (const provider of PROVIDERS) {
      const deviations: string[] = [];
      for (const group of data.testGroups) {
        const handle = engines[provider].loadPublicKey('ecdsa-secp256k1', hexToBytes(group.publicKeyDer));
        for (const t of group.tests) {
          const ok = engines[provider].verify(handle, hexToBytes(t.msg), hexToBytes(t.sig));
          if (ok !== (t.result === 'valid')) deviations.push(`${t.tcId}:${t.flags.join(',')}`);
        }
      }
      // Pinned: the two high-S signatures of the file, which `requireLowS` (BIP 146 LOW_S)
      // rejects and FIPS 186 / OpenSSL / the generic secp256k1 files accept: tcId 1 (the high-S
      // twin of a valid signature) and tcId 388 (s = ⌊n/2⌋ + 1, the smallest high S).
      expect(deviations).toEqual(['1:SignatureMalleabilityBitcoin', '388:ArithmeticError']);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------------------------

describe('ECDSA sign / verify round trips', () => {
  const message = utf8Encode('Custos ECDSA round trip');
  for (const algorithm of CURVES) {
    it(`${algorithm}: every hash × format × prehashed, signed on one provider, verified on both`, async () => {
      for (const signer of PROVIDERS) {
        const material = await engines[signer].generateKey(algorithm);
        const priv = engines[signer].loadPrivateKey(material);
        expect(priv.provider).toBe(engines[signer].providers[algorithm]);
        for (const hash of SIGNATURE_HASHES) {
          const digest = new Uint8Array(createHash(hash).update(message).digest());
          for (const sigFormat of SIGNATURE_FORMATS) {
            for (const prehashed of [false, true]) {
              const sig = engines[signer].sign(priv, prehashed ? digest : message, { hash, sigFormat, prehashed });
              if (sigFormat === 'raw') expect(sig.length).toBe(2 * ECDSA_CURVES[algorithm].size);
              for (const verifier of PROVIDERS) {
                const pub = engines[verifier].loadPublicKey(algorithm, material.publicKey as Uint8Array);
                // A signature verifies whichever path computes the digest.
                expect(engines[verifier].verify(pub, message, sig, { hash, sigFormat })).toBe(true);
                expect(engines[verifier].verify(pub, digest, sig, { hash, sigFormat, prehashed: true })).toBe(true);
                expect(engines[verifier].verify(pub, utf8Encode('other'), sig, { hash, sigFormat })).toBe(false);
                const otherHash = hash === 'sha256' ? 'sha384' : 'sha256';
                expect(engines[verifier].verify(pub, message, sig, { hash: otherHash, sigFormat })).toBe(false);
              }
            }
          }
        }
      }
    });
  }

  it('default hash per curve (sha256/sha384/sha512/sha256) and default DER format', async () => {
    const expected: Record<EcdsaAlgorithm, SignatureHash> = { 'ecdsa-p256': 'sha256', 'ecdsa-p384': 'sha384', 'ecdsa-p521': 'sha512', 'ecdsa-secp256k1': 'sha256' };
    for (const algorithm of CURVES) {
      const engine = engines.node;
      const material = await engine.generateKey(algorithm);
      const sig = engine.sign(engine.loadPrivateKey(material), message);
      expect(decodeEcdsaDer(sig, ECDSA_CURVES[algorithm].size)).not.toBeNull();
      const pub = engine.loadPublicKey(algorithm, material.publicKey as Uint8Array);
      expect(engine.verify(pub, message, sig, { hash: expected[algorithm], sigFormat: 'der' })).toBe(true);
    }
  });

  it('secp256k1 signatures are low-S on both providers (node output is normalised)', async () => {
    const c = ECDSA_CURVES['ecdsa-secp256k1'];
    for (const provider of PROVIDERS) {
      const engine = engines[provider];
      const priv = engine.loadPrivateKey(await engine.generateKey('ecdsa-secp256k1'));
      // 64 signatures: if node's output were not normalised, about half would be high-S.
      for (let i = 0; i < 64; i++) {
        const rs = parseEcdsaSignature(c, engine.sign(priv, utf8Encode(`m${i}`), { sigFormat: 'raw' }), 'raw');
        expect(rs).not.toBeNull();
        expect((rs as { s: bigint }).s <= c.n >> 1n).toBe(true);
      }
    }
  });

  it('verifies a node:crypto signature made outside the engine, and node verifies ours', () => {
    for (const algorithm of CURVES) {
      const c = ECDSA_CURVES[algorithm];
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: c.nodeName });
      const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
      const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
      const sig = new Uint8Array(nodeSign('sha256', message, privateKey));
      for (const provider of PROVIDERS) {
        const engine = engines[provider];
        expect(engine.verify(engine.loadPublicKey(algorithm, spki), message, sig, { hash: 'sha256' })).toBe(true);
        const ours = engine.sign(engine.loadPrivateKey(engine.importKey(algorithm, 'pkcs8', pkcs8)), message, { hash: 'sha384' });
        expect(nodeVerify('sha384', message, publicKey, ours)).toBe(true);
      }
    }
  });

  it('a prehashed digest of the wrong length is INVALID_INPUT (sign and verify)', async () => {
    for (const provider of PROVIDERS) {
      const engine = engines[provider];
      const material = await engine.generateKey('ecdsa-p256');
      const priv = engine.loadPrivateKey(material);
      const pub = engine.loadPublicKey('ecdsa-p256', material.publicKey as Uint8Array);
      expect(codeOf(() => engine.sign(priv, new Uint8Array(32), { hash: 'sha384', prehashed: true }))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.sign(priv, new Uint8Array(31), { prehashed: true }))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.verify(pub, new Uint8Array(33), new Uint8Array(64), { prehashed: true }))).toBe('INVALID_INPUT');
    }
  });

  it('options that do not apply to ECDSA are INVALID_INPUT', async () => {
    const engine = engines.node;
    const material = await engine.generateKey('ecdsa-p256');
    const priv = engine.loadPrivateKey(material);
    const pub = engine.loadPublicKey('ecdsa-p256', material.publicKey as Uint8Array);
    expect(codeOf(() => engine.sign(priv, message, { scheme: 'pss' }))).toBe('INVALID_INPUT');
    expect(codeOf(() => engine.sign(priv, message, { saltLength: 32 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => engine.verify(pub, message, new Uint8Array(64), { scheme: 'pkcs1v15' }))).toBe('INVALID_INPUT');
    expect(codeOf(() => engine.sign(priv, message, { hash: 'md5' as SignatureHash }))).toBe('INVALID_INPUT');
    expect(codeOf(() => engine.sign(priv, message, { sigFormat: 'p1363' as 'raw' }))).toBe('INVALID_INPUT');
  });

  it('verify returns false, never throws, for malformed signature bytes', async () => {
    for (const provider of PROVIDERS) {
      const engine = engines[provider];
      for (const algorithm of CURVES) {
        const material = await engine.generateKey(algorithm);
        const pub = engine.loadPublicKey(algorithm, material.publicKey as Uint8Array);
        const good = engine.sign(engine.loadPrivateKey(material), message);
        const samples = [new Uint8Array(0), new Uint8Array(1), new Uint8Array(200).fill(0xff), good.subarray(1), Uint8Array.of(...good, 0)];
        for (let i = 0; i < 20; i++) samples.push(new Uint8Array(createHash('sha512').update(`x${i}`).digest()).subarray(0, 8 + i * 3));
        for (const sig of samples) {
          for (const sigFormat of SIGNATURE_FORMATS) expect(engine.verify(pub, message, sig, { sigFormat })).toBe(false);
        }
        expect(engine.verify(pub, message, 'not bytes' as unknown as Uint8Array)).toBe(false);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Keys: import / export
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// secp256k1 digests: libsecp256k1 (WASM) and the noble fallback; recoverable signatures
// ---------------------------------------------------------------------------------------------

/** Which digest signer each engine uses for secp256k1: the default engine has libsecp256k1 on Node 20. */
const DIGEST_SIGNER: Record<Provider, DigestSigner> = { node: 'libsecp256k1', noble: 'noble' };

/** noble's own SEC 1 §4.1.6 recovery: the uncompressed public key that `signature`/`recovery` recovers to over `digest`. */
function nobleRecover(digest: Uint8Array, signature: Uint8Array, recovery: number): string {
  const sig65 = new Uint8Array(65);
  sig65[0] = recovery;
  sig65.set(signature, 1);
  return bytesToHex(nobleSecp256k1.Point.fromBytes(nobleSecp256k1.recoverPublicKey(sig65, digest, { prehash: false })).toBytes(false));
}

describe('secp256k1 digest signing and recoverable signatures', () => {
  it('libsecp256k1 loads on Node and signs secp256k1 digests; providers say so; forceNoble and the P-curves keep noble', () => {
    expect(hasLibsecp256k1()).toBe(true);
    for (const provider of PROVIDERS) {
      const p = engines[provider].providers;
      expect(p['ecdsa-secp256k1/prehashed']).toBe(DIGEST_SIGNER[provider]);
      for (const alg of ['ecdsa-p256', 'ecdsa-p384', 'ecdsa-p521']) expect(p[`${alg}/prehashed`]).toBe('noble');
    }
    // The key's own provider (keygen, message signing, verification) is unchanged.
    expect(engines.node.providers['ecdsa-secp256k1']).toBe('node');
  });

  it('every Wycheproof secp256k1 message: signRecoverable and prehashed sign on both digest signers, verified on both providers, recovered by noble', async () => {
    const messages = new Set<string>();
    for (const { file, algorithm } of FILES) {
      if (algorithm !== 'ecdsa-secp256k1') continue;
      for (const group of loadWycheproof<WycheproofEcdsaGroup>(file).testGroups) for (const t of group.tests) messages.add(t.msg);
    }
    // Pinned: the three secp256k1 files share their messages.
    expect(messages.size).toBe(MESSAGE_COUNT);
    const c = ECDSA_CURVES['ecdsa-secp256k1'];
    for (const signer of PROVIDERS) {
      const material = await engines[signer].generateKey('ecdsa-secp256k1');
      const priv = engines[signer].loadPrivateKey(material);
      const point = bytesToHex(engines[signer].exportPublicKey('ecdsa-secp256k1', material.publicKey as Uint8Array, 'raw'));
      const pubs = PROVIDERS.map((v) => engines[v].loadPublicKey('ecdsa-secp256k1', material.publicKey as Uint8Array));
      const internal = ecdsaLoadPublic(c, hexToBytes(point), 'noble');
      for (const hex of messages) {
        const msg = hexToBytes(hex);
        const digest = new Uint8Array(createHash('sha256').update(msg).digest());
        const { signature, recovery } = engines[signer].signRecoverable(priv, digest);
        expect(signature.length).toBe(64);
        expect([0, 1]).toContain(recovery);
        expect(nobleRecover(digest, signature, recovery)).toBe(point);
        const der = engines[signer].sign(priv, digest, { prehashed: true });
        for (const [i, verifier] of PROVIDERS.entries()) {
          const pub = pubs[i];
          if (pub === undefined) throw new Error('no public handle');
          expect(engines[verifier].verify(pub, digest, signature, { prehashed: true, sigFormat: 'raw' })).toBe(true);
          expect(engines[verifier].verify(pub, msg, signature, { sigFormat: 'raw' })).toBe(true);
          expect(engines[verifier].verify(pub, digest, der, { prehashed: true })).toBe(true);
        }
        // Low-S, as the Bitcoin policy (BIP 146) demands.
        expect(ecdsaVerify(internal, digest, signature, { hash: 'sha256', format: 'raw', prehashed: true }, { requireLowS: true })).toBe(true);
        expect(ecdsaVerify(internal, digest, der, { hash: 'sha256', format: 'der', prehashed: true }, { requireLowS: true })).toBe(true);
      }
    }
  });

  it('libsecp256k1 and noble give identical bytes for the same key, digest and extra entropy (and without it)', () => {
    for (let i = 0; i < 200; i++) {
      const key = nobleSecp256k1.utils.randomSecretKey();
      const digest = new Uint8Array(randomBytes(32));
      const entropy = i % 4 === 0 ? undefined : new Uint8Array(randomBytes(32));
      const lib = tinySecp256k1.signRecoverable(digest, key, entropy);
      const noble = nobleSecp256k1.sign(digest, key, { prehash: false, lowS: true, extraEntropy: entropy ?? false, format: 'recovered' });
      expect(bytesToHex(lib.signature)).toBe(bytesToHex(noble.subarray(1)));
      expect(lib.recoveryId).toBe(noble[0]);
      expect(bytesToHex(tinySecp256k1.sign(digest, key, entropy))).toBe(bytesToHex(noble.subarray(1)));
    }
  });

  it('reproduces the signature of EIP-155 §Example on both digest signers (deterministic RFC 6979, test path only)', () => {
    // EIP-155: key 0x4646…46, signing hash of the example transaction, v = 37 = 2·1 + 35 + yParity.
    const digest = hexToBytes('daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53');
    const r = 18515461264373351373200002665853028612451056578545711640558177340181847433846n;
    const s = 46948507304638947509940763649030358759909902576025900602547168820602576006531n;
    for (const signer of ['libsecp256k1', 'noble'] as const) {
      const key = ecdsaLoadPrivate(ECDSA_CURVES['ecdsa-secp256k1'], new Uint8Array(32).fill(0x46), 'noble', signer);
      const out = ecdsaSignRecoverableDeterministicUnsafe(key, digest);
      expect(bytesToHex(out.signature)).toBe(r.toString(16).padStart(64, '0') + s.toString(16).padStart(64, '0'));
      expect(out.recovery).toBe(0);
    }
  });

  it('is hedged: two signatures of one digest differ, and both verify', async () => {
    for (const provider of PROVIDERS) {
      const engine = engines[provider];
      const material = await engine.generateKey('ecdsa-secp256k1');
      const priv = engine.loadPrivateKey(material);
      const pub = engine.loadPublicKey('ecdsa-secp256k1', material.publicKey as Uint8Array);
      const digest = new Uint8Array(32).fill(7);
      const a = engine.signRecoverable(priv, digest);
      const b = engine.signRecoverable(priv, digest);
      expect(bytesToHex(a.signature)).not.toBe(bytesToHex(b.signature));
      for (const x of [a, b]) expect(engine.verify(pub, digest, x.signature, { prehashed: true, sigFormat: 'raw' })).toBe(true);
      const c = engine.sign(priv, digest, { prehashed: true, sigFormat: 'raw' });
      const d = engine.sign(priv, digest, { prehashed: true, sigFormat: 'raw' });
      expect(bytesToHex(c)).not.toBe(bytesToHex(d));
    }
  });

  it('typed errors: other key types, digests that are not 32 bytes, unknown handles', async () => {
    for (const provider of PROVIDERS) {
      const engine = engines[provider];
      const k1 = engine.loadPrivateKey(await engine.generateKey('ecdsa-secp256k1'));
      for (const alg of ['ecdsa-p256', 'ed25519', 'aes-256-gcm'] as const) {
        const other = engine.loadPrivateKey(await engine.generateKey(alg));
        expect(codeOf(() => engine.signRecoverable(other, new Uint8Array(32)))).toBe('WRONG_KEY_TYPE');
      }
      for (const n of [0, 31, 33, 64]) expect(codeOf(() => engine.signRecoverable(k1, new Uint8Array(n)))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.signRecoverable(k1, 'digest' as unknown as Uint8Array))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.signRecoverable({ algorithm: 'ecdsa-secp256k1', provider }, new Uint8Array(32)))).toBe('INVALID_INPUT');
      expect(codeOf(() => engines[provider === 'node' ? 'noble' : 'node'].signRecoverable(k1, new Uint8Array(32)))).toBe('INVALID_INPUT');
    }
    // libsecp256k1 is secp256k1 only: asking it to hold a P-256 key is refused.
    expect(codeOf(() => ecdsaLoadPrivate(ECDSA_CURVES['ecdsa-p256'], new Uint8Array(32).fill(1), 'noble', 'libsecp256k1'))).toBe('UNSUPPORTED');
  });
});

describe('ECDSA keys', () => {
  it('node and noble produce identical SPKI, PKCS#8 and JWK bytes, equal to OpenSSL’s own export', () => {
    for (const algorithm of CURVES) {
      const c = ECDSA_CURVES[algorithm];
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: c.nodeName });
      const opensslPkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
      const opensslSpki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
      const results = PROVIDERS.map((p) => {
        const engine = engines[p];
        const m = engine.importKey(algorithm, 'pkcs8', opensslPkcs8);
        return {
          spki: bytesToHex(m.publicKey as Uint8Array),
          pkcs8: bytesToHex(engine.exportPrivateKey(algorithm, m, 'pkcs8')),
          jwk: utf8Decode(engine.exportPrivateKey(algorithm, m, 'jwk'), 'jwk'),
          pubJwk: utf8Decode(engine.exportPublicKey(algorithm, m.publicKey as Uint8Array, 'jwk'), 'jwk'),
        };
      });
      expect(results[0]).toEqual(results[1]);
      expect(results[0]?.spki).toBe(bytesToHex(opensslSpki));
      expect(results[0]?.pkcs8).toBe(bytesToHex(opensslPkcs8));
      const nodeJwk = privateKey.export({ format: 'jwk' });
      expect(JSON.parse(results[0]?.jwk ?? '')).toEqual({ kty: 'EC', crv: nodeJwk.crv, x: nodeJwk.x, y: nodeJwk.y, d: nodeJwk.d });
    }
  });

  it('imports every format and exports every format, round trip', async () => {
    for (const provider of PROVIDERS) {
      const engine = engines[provider];
      for (const algorithm of CURVES) {
        const c = ECDSA_CURVES[algorithm];
        const material = await engine.generateKey(algorithm);
        const secret = material.secret as Uint8Array;
        const spki = material.publicKey as Uint8Array;
        expect(secret.length).toBe(c.size);
        for (const format of ['pkcs8', 'jwk', 'raw'] as const) {
          const exported = engine.exportPrivateKey(algorithm, material, format);
          const back = engine.importKey(algorithm, format, exported);
          expect(bytesToHex(back.secret as Uint8Array)).toBe(bytesToHex(secret));
          expect(bytesToHex(back.publicKey as Uint8Array)).toBe(bytesToHex(spki));
        }
        // PKCS#8 PEM as OpenSSL writes it.
        const pem = createPrivateKey({ key: Buffer.from(engine.exportPrivateKey(algorithm, material, 'pkcs8')), format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' });
        expect(bytesToHex(engine.importKey(algorithm, 'pkcs8', utf8Encode(pem as string)).secret as Uint8Array)).toBe(bytesToHex(secret));
        // Public formats.
        const raw = engine.exportPublicKey(algorithm, spki, 'raw');
        expect(raw.length).toBe(1 + 2 * c.size);
        expect(raw[0]).toBe(4);
        expect(bytesToHex(engine.exportPublicKey(algorithm, spki, 'der'))).toBe(bytesToHex(spki));
        const pubPem = engine.exportPublicKey(algorithm, spki, 'pem');
        expect(utf8Decode(pubPem, 'pem')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
        expect(bytesToHex(createPublicKey(Buffer.from(pubPem)).export({ format: 'der', type: 'spki' }))).toBe(bytesToHex(spki));
        for (const format of ['pem', 'der', 'jwk'] as const) {
          const m = engine.importKey(algorithm, format === 'jwk' ? 'jwk' : 'spki', engine.exportPublicKey(algorithm, spki, format));
          expect(m.secret).toBeUndefined();
          expect(bytesToHex(m.publicKey as Uint8Array)).toBe(bytesToHex(spki));
        }
        // parsePublicKey: SPKI, uncompressed and compressed SEC1 points.
        const compressed = c.noble.Point.fromBytes(raw).toBytes(true);
        for (const input of [spki, raw, compressed]) expect(bytesToHex(engine.parsePublicKey(algorithm, input))).toBe(bytesToHex(spki));
        // An SPKI carrying the compressed point is accepted and canonicalised.
        const compressedSpki = new Uint8Array(createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'der', type: 'spki' }));
        expect(bytesToHex(engine.parsePublicKey(algorithm, compressedSpki))).toBe(bytesToHex(spki));
      }
    }
  });

  it('wrong curve, wrong key type, bad scalars, off-curve points and bad JWKs give typed errors', async () => {
    for (const provider of PROVIDERS) {
      const engine = engines[provider];
      const p384 = await engine.generateKey('ecdsa-p384');
      const ed = await engine.generateKey('ed25519');
      const p256 = await engine.generateKey('ecdsa-p256');
      const c = ECDSA_CURVES['ecdsa-p256'];
      const n = c.n;
      const hex = (v: bigint): Uint8Array => hexToBytes(v.toString(16).padStart(64, '0'));
      // Wrong curve / type.
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'spki', p384.publicKey as Uint8Array))).toBe('WRONG_KEY_TYPE');
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'pkcs8', engine.exportPrivateKey('ecdsa-p384', p384, 'pkcs8')))).toBe('WRONG_KEY_TYPE');
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'pkcs8', engine.exportPrivateKey('ed25519', ed, 'pkcs8')))).toBe('WRONG_KEY_TYPE');
      expect(codeOf(() => engine.loadPublicKey('ecdsa-p256', ed.publicKey as Uint8Array))).toBe('WRONG_KEY_TYPE');
      expect(codeOf(() => engine.parsePublicKey('ecdsa-secp256k1', p256.publicKey as Uint8Array))).toBe('WRONG_KEY_TYPE');
      try {
        engine.importKey('ecdsa-p256', 'spki', p384.publicKey as Uint8Array);
      } catch (error) {
        expect((error as Error).message).toContain('P-256');
        expect((error as Error).message).toContain('P-384');
      }
      // Scalars: wrong length, 0, n, n+1 → INVALID_INPUT; n−1 is fine.
      for (const bad of [new Uint8Array(31), new Uint8Array(33), hex(0n), hex(n), hex(n + 1n), new Uint8Array(32).fill(0xff)]) {
        expect(codeOf(() => engine.importKey('ecdsa-p256', 'raw', bad))).toBe('INVALID_INPUT');
        expect(codeOf(() => engine.loadPrivateKey({ algorithm: 'ecdsa-p256', secret: bad }))).toBe('INVALID_INPUT');
      }
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'raw', hex(n - 1n)))).toBe('OK');
      expect(codeOf(() => engine.importKey('ecdsa-p521', 'raw', new Uint8Array(66).fill(0xff)))).toBe('INVALID_INPUT');
      // Off-curve point: flip a bit of y.
      const raw = engine.exportPublicKey('ecdsa-p256', p256.publicKey as Uint8Array, 'raw');
      const off = Uint8Array.from(raw);
      off[64] = (off[64] as number) ^ 1;
      expect(codeOf(() => engine.parsePublicKey('ecdsa-p256', off))).toBe('INVALID_INPUT');
      const offSpki = Uint8Array.from(p256.publicKey as Uint8Array);
      offSpki[offSpki.length - 1] = (offSpki[offSpki.length - 1] as number) ^ 1;
      expect(codeOf(() => engine.loadPublicKey('ecdsa-p256', offSpki))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'spki', offSpki))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.parsePublicKey('ecdsa-p256', new Uint8Array(65)))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.parsePublicKey('ecdsa-p256', Uint8Array.of(0)))).toBe('INVALID_INPUT');
      // A compressed x with no point on the curve.
      let x = 0n;
      for (; ; x++) {
        const candidate = Uint8Array.of(2, ...hex(x));
        if (codeOf(() => engine.parsePublicKey('ecdsa-p256', candidate)) === 'INVALID_INPUT') break;
      }
      // Malformed DER.
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'spki', (p256.publicKey as Uint8Array).subarray(0, 40)))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'pkcs8', Uint8Array.of(0x30, 0x80, 0, 0)))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'pkcs8', utf8Encode('-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n')))).toBe('INVALID_INPUT');
      // PKCS#8 whose embedded public key belongs to another private key.
      const other = await engine.generateKey('ecdsa-p256');
      const mixed = engine.exportPrivateKey('ecdsa-p256', p256, 'pkcs8');
      const otherPoint = engine.exportPublicKey('ecdsa-p256', other.publicKey as Uint8Array, 'raw');
      mixed.set(otherPoint, mixed.length - otherPoint.length);
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'pkcs8', mixed))).toBe('INVALID_INPUT');
      // JWKs.
      const jwk = JSON.parse(utf8Decode(engine.exportPrivateKey('ecdsa-p256', p256, 'jwk'), 'jwk')) as Record<string, string>;
      const j = (o: object): Uint8Array => utf8Encode(JSON.stringify(o));
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'jwk', j({ ...jwk, crv: 'P-384' })))).toBe('WRONG_KEY_TYPE');
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'jwk', j({ ...jwk, kty: 'RSA' })))).toBe('WRONG_KEY_TYPE');
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'jwk', j({ ...jwk, alg: 'ES384' })))).toBe('WRONG_KEY_TYPE');
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'jwk', j({ ...jwk, alg: 'ES256' })))).toBe('OK');
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'jwk', j({ kty: 'EC', crv: 'P-256', x: jwk.x })))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'jwk', j({ ...jwk, x: `${jwk.x}=` })))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'jwk', j({ ...jwk, d: jwk.d?.slice(2) })))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'jwk', j({ ...jwk, x: jwk.y })))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'jwk', utf8Encode('{not json')))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'jwk', j({ keys: [jwk] })))).toBe('INVALID_INPUT');
      expect(codeOf(() => engine.importKey('ecdsa-p256', 'jwk', j([jwk])))).toBe('INVALID_INPUT');
    }
  });

  it('error messages never contain the secret', () => {
    const secret = hexToBytes('ff'.repeat(32));
    try {
      engines.node.importKey('ecdsa-p256', 'raw', secret);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('ff'.repeat(8));
      expect((error as Error).message).not.toContain('//////');
    }
  });
});

describe('ECDSA DER signature codec', () => {
  it('encodes minimally and decodes only strict DER', () => {
    const cases: Array<[bigint, bigint]> = [
      [1n, 1n],
      [0x7fn, 0x80n],
      [0xffn, 0x100n],
      [2n ** 255n, 2n ** 256n - 1n],
    ];
    for (const [r, s] of cases) {
      const der = encodeEcdsaDer({ r, s });
      expect(decodeEcdsaDer(der, 32)).toEqual({ r, s });
    }
    expect(bytesToHex(encodeEcdsaDer({ r: 0x80n, s: 1n }))).toBe('3007020200800201' + '01');
    expect(decodeEcdsaDer(hexToBytes('3007020200800201' + '01' + '00'), 32)).toBeNull(); // trailing byte
    expect(decodeEcdsaDer(hexToBytes('3008020300008002' + '0101'), 32)).toBeNull(); // non-minimal r
    expect(decodeEcdsaDer(hexToBytes('30810702020080020101'), 32)).toBeNull(); // long-form short length
    expect(decodeEcdsaDer(hexToBytes('3006020180020101'), 32)).toBeNull(); // negative r
    expect(decodeEcdsaDer(hexToBytes('30800201010201010000'), 32)).toBeNull(); // indefinite length
  });
});
