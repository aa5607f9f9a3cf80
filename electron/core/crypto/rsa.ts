/**
 * @module core/crypto/rsa
 * RSA (RFC 8017) on node:crypto only: RSASSA-PKCS1-v1_5 (§8.2), RSASSA-PSS (§8.1, MGF1 with the
 * message hash, salt length = hash length unless given), RSAES-OAEP with SHA-256 / MGF1-SHA-256
 * (§7.1). There is no noble RSA, so RSA stays on node even with `forceNoble`; Electron's
 * BoringSSL has all of it.
 *
 * Prehashed signing (the caller hands us the digest) is built from the raw RSA primitive:
 * PKCS#1 v1.5 = privateEncrypt of DigestInfo ‖ H (the DER prefixes of §9.2 note 1), PSS =
 * EMSA-PSS-ENCODE (§9.1.1) here + privateEncrypt with RSA_NO_PADDING. Prehashed verification
 * recovers EM with publicDecrypt(RSA_NO_PADDING) and checks it here: encode-and-compare for
 * v1.5 (§8.2.2 step 3–4), EMSA-PSS-VERIFY (§9.1.2) for PSS.
 *
 * Trusts OpenSSL/BoringSSL for the modular arithmetic (with CRT fault checks and blinding) and
 * for the message-path paddings. OAEP failures all become one DECRYPTION_FAILED with one
 * message, so no error text distinguishes padding faults (Manger, CRYPTO 2001).
 */
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  privateDecrypt,
  privateEncrypt,
  publicDecrypt,
  publicEncrypt,
  randomBytes as nodeRandomBytes,
  sign as nodeSign,
  verify as nodeVerify,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import type { ImportFormat, PublicKeyFormat, RsaScheme, SignatureHash } from '../../../shared/algorithms.js';
import { CustodyError, assertNever } from '../../../shared/errors.js';
import type { KeyMaterial } from './types.js';
import { bytesEqual, concatBytes, copyBytes, hexToBytes, isPem, jwkString, parseJwk, pemDecode, pemEncode, utf8Encode } from './key-codec.js';

export type RsaAlgorithm = 'rsa-2048' | 'rsa-3072' | 'rsa-4096';

export const RSA_MODULUS_BITS: Readonly<Record<RsaAlgorithm, number>> = { 'rsa-2048': 2048, 'rsa-3072': 3072, 'rsa-4096': 4096 };

const HASH_LENGTH: Readonly<Record<SignatureHash, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** DigestInfo DER prefixes, RFC 8017 §9.2 note 1. */
const DIGEST_INFO_PREFIX: Readonly<Record<SignatureHash, Uint8Array>> = {
  sha256: hexToBytes('3031300d060960864801650304020105000420'),
  sha384: hexToBytes('3041300d060960864801650304020205000430'),
  sha512: hexToBytes('3051300d060960864801650304020305000440'),
};

/** JWK "alg" values accepted on an RSA key (RFC 7518 §3.3, §3.5, §4.3). */
const JWK_ALGS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'RSA-OAEP-256']);

/** OAEP is fixed to SHA-256 with MGF1-SHA-256 in this product. */
const OAEP_HASH = 'sha256';
const OAEP_HASH_LENGTH = 32;

export interface RsaPublicKey {
  readonly kind: 'rsa';
  readonly algorithm: RsaAlgorithm;
  readonly keyObject: KeyObject;
  /** Modulus length in bits and bytes (k, RFC 8017 §2). */
  readonly modBits: number;
  readonly k: number;
}

export interface RsaPrivateKey {
  readonly kind: 'rsa';
  readonly algorithm: RsaAlgorithm;
  readonly keyObject: KeyObject;
  readonly modBits: number;
  readonly k: number;
  readonly publicKey: RsaPublicKey;
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

function describeNodeKeyType(key: KeyObject): string {
  const type = key.asymmetricKeyType;
  if (type === 'ec') return `an EC key (${key.asymmetricKeyDetails?.namedCurve ?? 'unknown curve'})`;
  return type === undefined ? 'a non-asymmetric key' : `an ${type.toUpperCase()} key`;
}

/** Refuses anything but a plain rsaEncryption key of exactly the algorithm's size with a sane e. */
function assertRsaKey(algorithm: RsaAlgorithm, key: KeyObject): number {
  const bits = RSA_MODULUS_BITS[algorithm];
  if (key.asymmetricKeyType !== 'rsa') {
    const hint = key.asymmetricKeyType === 'rsa-pss' ? ' (RSASSA-PSS-restricted keys are not supported: use an rsaEncryption key)' : '';
    throw new CustodyError('WRONG_KEY_TYPE', `expected an ${algorithm} key (RSA, ${bits}-bit modulus), got ${describeNodeKeyType(key)}${hint}`);
  }
  const details = key.asymmetricKeyDetails;
  if (details?.modulusLength !== bits) {
    throw new CustodyError('WRONG_KEY_TYPE', `expected an ${algorithm} key (${bits}-bit modulus), got a ${details?.modulusLength ?? 'unknown'}-bit RSA key`);
  }
  const e = details.publicExponent;
  if (e === undefined || e < 3n || e % 2n === 0n) throw new CustodyError('INVALID_INPUT', 'RSA public exponent must be odd and at least 3');
  return bits;
}

function publicFromKeyObject(algorithm: RsaAlgorithm, keyObject: KeyObject): RsaPublicKey {
  const modBits = assertRsaKey(algorithm, keyObject);
  return { kind: 'rsa', algorithm, keyObject, modBits, k: Math.ceil(modBits / 8) };
}

function parsePrivateDer(der: Uint8Array): KeyObject {
  try {
    return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', 'malformed PKCS#8 private key', { cause });
  }
}

function parsePublicDer(der: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', 'malformed SubjectPublicKeyInfo', { cause });
  }
}

function spkiOf(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return copyBytes(pub.export({ format: 'der', type: 'spki' }));
}

function pkcs8Of(key: KeyObject): Uint8Array {
  return copyBytes(key.export({ format: 'der', type: 'pkcs8' }));
}

export function rsaLoadPublic(algorithm: RsaAlgorithm, spki: Uint8Array): RsaPublicKey {
  return publicFromKeyObject(algorithm, parsePublicDer(spki));
}

export function rsaLoadPrivate(algorithm: RsaAlgorithm, pkcs8: Uint8Array): RsaPrivateKey {
  const keyObject = parsePrivateDer(pkcs8);
  const publicKey = publicFromKeyObject(algorithm, createPublicKey(keyObject));
  return { kind: 'rsa', algorithm, keyObject, modBits: publicKey.modBits, k: publicKey.k, publicKey };
}

/** Canonical SPKI of the private key (for the consistency check on load). */
export function rsaSpkiOfPrivate(key: RsaPrivateKey): Uint8Array {
  return spkiOf(key.keyObject);
}

/** Key generation runs on libuv's thread pool (async generateKeyPair), off the event loop. */
export function rsaGenerate(algorithm: RsaAlgorithm): Promise<{ pkcs8: Uint8Array; spki: Uint8Array }> {
  return new Promise((resolve, reject) => {
    // DER encoded inside the keygen job: exporting the returned KeyObjects instead can deadlock on
    // Node 20 when GC finalises the job that shares their mutex (see node-keygen.ts).
    generateKeyPair(
      'rsa',
      {
        modulusLength: RSA_MODULUS_BITS[algorithm],
        publicExponent: 0x10001,
        publicKeyEncoding: { type: 'spki', format: 'der' },
        privateKeyEncoding: { type: 'pkcs8', format: 'der' },
      },
      (error, spki, pkcs8) => {
        if (error !== null) {
          reject(new CustodyError('INTERNAL', 'RSA key generation failed', { cause: error }));
          return;
        }
        resolve({ pkcs8: copyBytes(pkcs8), spki: copyBytes(spki) });
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Import / export (canonical: PKCS#8 DER and SPKI DER as OpenSSL re-encodes them)
// ---------------------------------------------------------------------------------------------

function importJwk(algorithm: RsaAlgorithm, data: Uint8Array): KeyMaterial {
  const jwk = parseJwk(data);
  const kty = jwkString(jwk, 'kty');
  if (kty !== 'RSA') throw new CustodyError('WRONG_KEY_TYPE', `expected an RSA JWK for ${algorithm}, got kty ${kty ?? 'missing'}`);
  const alg = jwkString(jwk, 'alg');
  if (alg !== undefined && !JWK_ALGS.has(alg)) throw new CustodyError('WRONG_KEY_TYPE', `JWK alg ${alg} does not fit ${algorithm}`);
  for (const member of ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi']) jwkString(jwk, member); // type-check present members
  if (jwk['oth'] !== undefined) throw new CustodyError('UNSUPPORTED', 'multi-prime RSA keys (JWK "oth") are not supported');
  const nodeJwk = jwk as unknown as JsonWebKey;
  if (jwk['d'] === undefined) {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: nodeJwk, format: 'jwk' });
    } catch (cause) {
      throw new CustodyError('INVALID_INPUT', 'malformed RSA public JWK', { cause });
    }
    assertRsaKey(algorithm, key);
    return { algorithm, publicKey: spkiOf(key) };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: nodeJwk, format: 'jwk' });
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', 'malformed RSA private JWK (n, e, d, p, q, dp, dq, qi are required)', { cause });
  }
  return privateMaterialChecked(algorithm, key);
}

/** Pairwise consistency test (FIPS 140-3 IG 10.3.A): sign and verify once, so a corrupt key fails at import. */
function assertPairwiseConsistent(key: KeyObject): void {
  const message = utf8Encode('custos rsa pairwise consistency test');
  let ok = false;
  try {
    const sig = nodeSign('sha256', message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    ok = nodeVerify('sha256', message, { key: createPublicKey(key), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig);
  } catch {
    ok = false;
  }
  if (!ok) throw new CustodyError('INVALID_INPUT', 'the RSA private key is inconsistent (its pairwise sign/verify test failed)');
}

function privateMaterialChecked(algorithm: RsaAlgorithm, key: KeyObject): KeyMaterial {
  assertRsaKey(algorithm, createPublicKey(key));
  assertPairwiseConsistent(key);
  return { algorithm, secret: pkcs8Of(key), publicKey: spkiOf(key) };
}

export function rsaImport(algorithm: RsaAlgorithm, format: ImportFormat, data: Uint8Array): KeyMaterial {
  switch (format) {
    case 'pkcs8':
      return privateMaterialChecked(algorithm, parsePrivateDer(isPem(data) ? pemDecode(data, 'PRIVATE KEY') : data));
    case 'spki': {
      const key = parsePublicDer(isPem(data) ? pemDecode(data, 'PUBLIC KEY') : data);
      assertRsaKey(algorithm, key);
      return { algorithm, publicKey: spkiOf(key) };
    }
    case 'jwk':
      return importJwk(algorithm, data);
    case 'raw':
      throw new CustodyError('UNSUPPORTED', 'RSA keys have no raw form: import them as pkcs8, spki or jwk');
    default:
      return assertNever(format, 'import format');
  }
}

/** Canonical SPKI from SPKI DER or PEM. */
export function rsaParsePublicKey(algorithm: RsaAlgorithm, data: Uint8Array): Uint8Array {
  const key = parsePublicDer(isPem(data) ? pemDecode(data, 'PUBLIC KEY') : data);
  assertRsaKey(algorithm, key);
  return spkiOf(key);
}

export function rsaExportPublic(algorithm: RsaAlgorithm, spki: Uint8Array, format: PublicKeyFormat): Uint8Array {
  const key = rsaLoadPublic(algorithm, spki).keyObject;
  switch (format) {
    case 'der':
      return spkiOf(key);
    case 'pem':
      return pemEncode(spkiOf(key), 'PUBLIC KEY');
    case 'jwk': {
      const jwk = key.export({ format: 'jwk' });
      return utf8Encode(JSON.stringify({ kty: 'RSA', n: jwk.n, e: jwk.e }));
    }
    case 'raw':
      throw new CustodyError('UNSUPPORTED', 'RSA public keys have no raw form: export der, pem or jwk');
    default:
      return assertNever(format, 'public key format');
  }
}

export function rsaExportPrivate(algorithm: RsaAlgorithm, pkcs8: Uint8Array, format: 'pkcs8' | 'jwk' | 'raw'): Uint8Array {
  const key = rsaLoadPrivate(algorithm, pkcs8).keyObject;
  switch (format) {
    case 'pkcs8':
      return pkcs8Of(key);
    case 'jwk': {
      const j = key.export({ format: 'jwk' });
      return utf8Encode(JSON.stringify({ kty: 'RSA', n: j.n, e: j.e, d: j.d, p: j.p, q: j.q, dp: j.dp, dq: j.dq, qi: j.qi }));
    }
    case 'raw':
      throw new CustodyError('UNSUPPORTED', 'RSA private keys have no raw form: export pkcs8 or jwk');
    default:
      return assertNever(format, 'private key format');
  }
}

// ---------------------------------------------------------------------------------------------
// EMSA encodings (RFC 8017 §9)
// ---------------------------------------------------------------------------------------------

function digest(hash: SignatureHash, ...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash(hash);
  for (const p of parts) h.update(p);
  return copyBytes(h.digest());
}

/** MGF1 (RFC 8017 §B.2.1). */
export function mgf1(hash: SignatureHash, seed: Uint8Array, maskLen: number): Uint8Array {
  const hLen = HASH_LENGTH[hash];
  const out = new Uint8Array(Math.ceil(maskLen / hLen) * hLen);
  const counter = new Uint8Array(4);
  for (let i = 0; i * hLen < maskLen; i++) {
    new DataView(counter.buffer).setUint32(0, i);
    out.set(digest(hash, seed, counter), i * hLen);
  }
  return out.subarray(0, maskLen);
}

/** EMSA-PKCS1-v1_5-ENCODE (RFC 8017 §9.2) from a digest: 0x00 01 FF…FF 00 ‖ DigestInfo. */
export function emsaPkcs1v15Encode(hash: SignatureHash, mHash: Uint8Array, emLen: number): Uint8Array {
  const t = concatBytes(DIGEST_INFO_PREFIX[hash], mHash);
  if (emLen < t.length + 11) throw new CustodyError('INVALID_INPUT', 'intended encoded message length too short');
  const em = new Uint8Array(emLen).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[emLen - t.length - 1] = 0x00;
  em.set(t, emLen - t.length);
  return em;
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) from a digest. `saltUnsafe` is a test hook only. */
export function emsaPssEncode(hash: SignatureHash, mHash: Uint8Array, emBits: number, sLen: number, saltUnsafe?: Uint8Array): Uint8Array {
  const hLen = HASH_LENGTH[hash];
  const emLen = Math.ceil(emBits / 8);
  if (mHash.length !== hLen) throw new CustodyError('INVALID_INPUT', 'digest length does not match the hash');
  if (emLen < hLen + sLen + 2) throw new CustodyError('INVALID_INPUT', 'PSS salt too long for this key');
  const salt = saltUnsafe ?? copyBytes(nodeRandomBytes(sLen));
  if (salt.length !== sLen) throw new CustodyError('INVALID_INPUT', 'salt length mismatch');
  // Steps 5–6: M' = (0x)00 00 00 00 00 00 00 00 ‖ mHash ‖ salt; H = Hash(M').
  const h = digest(hash, new Uint8Array(8), mHash, salt);
  // Steps 7–8: DB = PS ‖ 0x01 ‖ salt.
  const db = new Uint8Array(emLen - hLen - 1);
  db[emLen - sLen - hLen - 2] = 0x01;
  db.set(salt, emLen - sLen - hLen - 1);
  // Steps 9–11: maskedDB = DB ⊕ MGF(H), clear the leftmost 8·emLen − emBits bits.
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & (0xff >> (8 * emLen - emBits));
  // Step 12: EM = maskedDB ‖ H ‖ 0xbc.
  return concatBytes(db, h, Uint8Array.of(0xbc));
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with a fixed salt length. */
export function emsaPssVerify(hash: SignatureHash, mHash: Uint8Array, em: Uint8Array, emBits: number, sLen: number): boolean {
  const hLen = HASH_LENGTH[hash];
  const emLen = Math.ceil(emBits / 8);
  if (mHash.length !== hLen || em.length !== emLen) return false;
  if (emLen < hLen + sLen + 2) return false; // step 3
  if (em[emLen - 1] !== 0xbc) return false; // step 4
  const maskedDb = em.subarray(0, emLen - hLen - 1);
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff & ~(0xff >> (8 * emLen - emBits));
  if (((maskedDb[0] as number) & topMask) !== 0) return false; // step 6
  const dbMask = mgf1(hash, h, maskedDb.length);
  const db = new Uint8Array(maskedDb.length);
  for (let i = 0; i < db.length; i++) db[i] = (maskedDb[i] as number) ^ (dbMask[i] as number);
  db[0] = (db[0] as number) & ~topMask; // step 9
  // Step 10: the leftmost emLen − hLen − sLen − 2 octets are zero, the next is 0x01.
  const psLen = emLen - hLen - sLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const salt = db.subarray(db.length - sLen);
  return bytesEqual(digest(hash, new Uint8Array(8), mHash, salt), h); // steps 12–14
}

// ---------------------------------------------------------------------------------------------
// Sign / verify
// ---------------------------------------------------------------------------------------------

export interface RsaSignParams {
  readonly hash: SignatureHash;
  readonly scheme: RsaScheme;
  /** PSS salt length in bytes (already defaulted to the hash length). */
  readonly saltLength: number;
  readonly prehashed: boolean;
}

/** Largest PSS salt for this key and hash: emLen − hLen − 2 (RFC 8017 §9.1.1 step 3). */
export function maxPssSaltLength(key: { readonly modBits: number }, hash: SignatureHash): number {
  return Math.ceil((key.modBits - 1) / 8) - HASH_LENGTH[hash] - 2;
}

function assertParams(key: { readonly modBits: number }, data: Uint8Array, params: RsaSignParams): void {
  if (params.prehashed && data.length !== HASH_LENGTH[params.hash]) {
    throw new CustodyError('INVALID_INPUT', `a prehashed ${params.hash} digest is ${HASH_LENGTH[params.hash]} bytes, got ${data.length}`);
  }
  if (params.scheme === 'pss') {
    const max = maxPssSaltLength(key, params.hash);
    if (!Number.isSafeInteger(params.saltLength) || params.saltLength < 0 || params.saltLength > max) {
      throw new CustodyError('INVALID_INPUT', `PSS saltLength must be an integer in 0..${max} for this key and hash`);
    }
  }
}

/** The integer→octets of RSASP1 with the em left-padded to k bytes (emLen may be k − 1, §8.1.1). */
function toK(em: Uint8Array, k: number): Uint8Array {
  if (em.length === k) return em;
  const out = new Uint8Array(k);
  out.set(em, k - em.length);
  return out;
}

export function rsaSign(key: RsaPrivateKey, data: Uint8Array, params: RsaSignParams): Uint8Array {
  assertParams(key, data, params);
  const { hash, scheme } = params;
  if (!params.prehashed) {
    const padding = scheme === 'pss' ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
    return copyBytes(nodeSign(hash, data, { key: key.keyObject, padding, ...(scheme === 'pss' ? { saltLength: params.saltLength } : {}) }));
  }
  switch (scheme) {
    case 'pkcs1v15':
      // RSA_PKCS1_PADDING on the private-key operation is the type-1 block 00 01 FF…FF 00 ‖ T.
      return copyBytes(privateEncrypt({ key: key.keyObject, padding: constants.RSA_PKCS1_PADDING }, concatBytes(DIGEST_INFO_PREFIX[hash], data)));
    case 'pss': {
      const em = emsaPssEncode(hash, data, key.modBits - 1, params.saltLength);
      return copyBytes(privateEncrypt({ key: key.keyObject, padding: constants.RSA_NO_PADDING }, toK(em, key.k)));
    }
    default:
      return assertNever(scheme, 'RSA scheme');
  }
}

/** False for any malformed or invalid signature; throws only for bad parameters. */
export function rsaVerify(key: RsaPublicKey, data: Uint8Array, signature: Uint8Array, params: RsaSignParams): boolean {
  assertParams(key, data, params);
  // RFC 8017 §8.1.2 / §8.2.2 step 1: the signature is exactly k octets.
  if (!(signature instanceof Uint8Array) || signature.length !== key.k) return false;
  const { hash, scheme } = params;
  try {
    if (!params.prehashed) {
      const padding = scheme === 'pss' ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
      return nodeVerify(hash, data, { key: key.keyObject, padding, ...(scheme === 'pss' ? { saltLength: params.saltLength } : {}) }, signature);
    }
    // RSAVP1 (§5.2.2) via publicDecrypt without padding: EM = s^e mod n as k octets (fails if s ≥ n).
    const em = copyBytes(publicDecrypt({ key: key.keyObject, padding: constants.RSA_NO_PADDING }, signature));
    switch (scheme) {
      case 'pkcs1v15':
        return bytesEqual(em, emsaPkcs1v15Encode(hash, data, key.k));
      case 'pss': {
        const emBits = key.modBits - 1;
        const emLen = Math.ceil(emBits / 8);
        if (em.length > emLen && em.subarray(0, em.length - emLen).some((b) => b !== 0)) return false;
        return emsaPssVerify(hash, data, em.subarray(em.length - emLen), emBits, params.saltLength);
      }
      default:
        return assertNever(scheme, 'RSA scheme');
    }
  } catch (error) {
    if (error instanceof CustodyError && error.code === 'INTERNAL') throw error;
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// RSAES-OAEP, SHA-256 / MGF1-SHA-256 (RFC 8017 §7.1)
// ---------------------------------------------------------------------------------------------

/** Largest OAEP plaintext: k − 2·hLen − 2 (§7.1.1 step 1b). */
export function maxOaepPlaintext(key: { readonly k: number }): number {
  return key.k - 2 * OAEP_HASH_LENGTH - 2;
}

export function rsaOaepEncrypt(key: RsaPublicKey | RsaPrivateKey, plaintext: Uint8Array, label?: Uint8Array): Uint8Array {
  const max = maxOaepPlaintext(key);
  if (plaintext.length > max) throw new CustodyError('INVALID_INPUT', `RSA-OAEP plaintext is at most ${max} bytes for ${key.algorithm}`);
  const pub = 'publicKey' in key ? key.publicKey.keyObject : key.keyObject;
  return copyBytes(
    publicEncrypt(
      { key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH, ...(label === undefined ? {} : { oaepLabel: Buffer.from(label) }) },
      plaintext,
    ),
  );
}

/** Every failure — length, integer range, padding, label — is one DECRYPTION_FAILED. */
export function rsaOaepDecrypt(key: RsaPrivateKey, ciphertext: Uint8Array, label?: Uint8Array): Uint8Array {
  const fail = (): CustodyError => new CustodyError('DECRYPTION_FAILED', 'RSA-OAEP decryption failed');
  if (!(ciphertext instanceof Uint8Array) || ciphertext.length !== key.k) throw fail(); // §7.1.2 step 1b
  try {
    return copyBytes(
      privateDecrypt(
        { key: key.keyObject, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH, ...(label === undefined ? {} : { oaepLabel: Buffer.from(label) }) },
        ciphertext,
      ),
    );
  } catch {
    throw fail();
  }
}
