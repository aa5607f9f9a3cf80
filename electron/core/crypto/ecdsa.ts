/**
 * @module core/crypto/ecdsa
 * ECDSA (FIPS 186-5 §6, SEC 1 v2 §4.1) over P-256, P-384, P-521 and secp256k1, on node:crypto
 * when the runtime has the curve and @noble/curves otherwise (Electron's BoringSSL has no
 * secp256k1). Keys are held as the fixed-length private scalar (SEC 1 §2.3.6) and the
 * uncompressed public point 0x04‖x‖y (SEC 1 §2.3.3).
 *
 * Trusts node:crypto / noble for the arithmetic and its own strict parsers (key-codec.ts) for
 * every signature byte: signatures are decoded to (r, s), range-checked against n, and re-encoded
 * canonically before a provider sees them, so both providers accept exactly the same set.
 *
 * Choices worth knowing:
 *  - secp256k1 signatures are always low-S (s ≤ n/2, BIP 62 / BIP 146); node's output is
 *    normalised s → n − s, noble does it itself with `lowS: true`. P-curves are left as produced.
 *  - `verify` accepts high-S (as FIPS 186 and OpenSSL do). The Bitcoin/EVM rule "high-S is
 *    invalid" is `requireLowS` in `ecdsaVerify`, an internal policy, not a SignOptions field.
 *  - Digest signers are hedged: RFC 6979 deterministic k mixed with 32 fresh random bytes
 *    (`extraEntropy`, RFC 6979 §3.6), so a broken RNG degrades to RFC 6979, not to a leaked key.
 *  - Prehashed signing never uses node:crypto: it has no way to sign a caller-supplied digest with
 *    ECDSA (crypto.sign(null, …) hashes with SHA-256 for EC keys). P-curves sign digests with
 *    noble; secp256k1 with libsecp256k1 (tiny-secp256k1's WASM build, ~4x faster than noble v2
 *    here, and it returns the recovery id), or noble when the WASM module cannot load. The two
 *    give identical bytes for the same key, 32-byte digest and extra entropy (both are RFC 6979
 *    §3.6; ecdsa.test.ts checks it). A longer digest (SHA-384/512 on secp256k1) gives a valid
 *    signature on both, not necessarily the same bytes.
 *  - libsecp256k1 works on a copy of the scalar in the WASM module's linear memory: tiny-secp256k1
 *    zeroes its input buffer after each call (see SECURITY.md for what that does not cover).
 */
import { createECDH, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type * as TinySecp256k1 from 'tiny-secp256k1';
import type { ECDSA } from '@noble/curves/abstract/weierstrass.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { ImportFormat, PublicKeyFormat, SignatureFormat, SignatureHash } from '../../../shared/algorithms.js';
import { CustodyError, assertNever } from '../../../shared/errors.js';
import { hashWith } from './hash.js';
import { nodeGenerateJwk } from './node-keygen.js';
import { randomBytes } from './random.js';
import type { DigestSigner, KeyMaterial, Provider, RecoverableSignature } from './types.js';
import {
  base64UrlEncode,
  bytesEqual,
  concatBytes,
  copyBytes,
  decodeEcdsaDer,
  decodeEcdsaRaw,
  ecPkcs8FromScalar,
  ecPointFromSpki,
  ecScalarFromPkcs8,
  ecSpkiFromPoint,
  encodeEcdsaDer,
  encodeEcdsaRaw,
  encodeJwk,
  isPem,
  jwkBytes,
  jwkString,
  parseJwk,
  pemDecode,
  pemEncode,
  type EcCurveCodec,
  type EcdsaRS,
  OID_PRIME256V1,
  OID_SECP256K1,
  OID_SECP384R1,
  OID_SECP521R1,
} from './key-codec.js';

export type EcdsaAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'ecdsa-secp256k1';

export interface EcdsaCurve extends EcCurveCodec {
  readonly algorithm: EcdsaAlgorithm;
  /** OpenSSL's curve name (what getCurves() lists). */
  readonly nodeName: string;
  /** JWK "crv" (RFC 7518 §6.2.1.1, RFC 8812 §3.1). */
  readonly jwkCrv: string;
  /** JWK "alg" accepted on import (RFC 7518 §3.1, RFC 8812 §3.2). */
  readonly jwkAlg: string;
  readonly noble: ECDSA;
  /** Group order n. */
  readonly n: bigint;
  /** Signatures this engine produces have s ≤ n/2 (secp256k1 only). */
  readonly lowS: boolean;
}

function curve(algorithm: EcdsaAlgorithm, label: string, nodeName: string, jwkCrv: string, jwkAlg: string, oid: Uint8Array, noble: ECDSA, lowS: boolean): EcdsaCurve {
  return Object.freeze({ algorithm, label, nodeName, jwkCrv, jwkAlg, oid, noble, size: noble.lengths.secretKey as number, n: noble.Point.Fn.ORDER, lowS });
}

export const ECDSA_CURVES: Readonly<Record<EcdsaAlgorithm, EcdsaCurve>> = Object.freeze({
  'ecdsa-p256': curve('ecdsa-p256', 'ecdsa-p256 (P-256)', 'prime256v1', 'P-256', 'ES256', OID_PRIME256V1, p256, false),
  'ecdsa-p384': curve('ecdsa-p384', 'ecdsa-p384 (P-384)', 'secp384r1', 'P-384', 'ES384', OID_SECP384R1, p384, false),
  'ecdsa-p521': curve('ecdsa-p521', 'ecdsa-p521 (P-521)', 'secp521r1', 'P-521', 'ES512', OID_SECP521R1, p521, false),
  'ecdsa-secp256k1': curve('ecdsa-secp256k1', 'ecdsa-secp256k1 (secp256k1)', 'secp256k1', 'secp256k1', 'ES256K', OID_SECP256K1, secp256k1, true),
});

export const HASH_LENGTH: Readonly<Record<SignatureHash, number>> = { sha256: 32, sha384: 48, sha512: 64 };

function nobleHash(hash: SignatureHash, data: Uint8Array): Uint8Array {
  return hashWith('noble', hash, data);
}

// ---------------------------------------------------------------------------------------------
// libsecp256k1 (WASM)
// ---------------------------------------------------------------------------------------------

/**
 * tiny-secp256k1's CommonJS build, loaded synchronously (it compiles its WASM module on load) and
 * inside try/catch: a runtime that cannot load it (no WebAssembly, the .wasm file missing from a
 * package) keeps working with noble. Null when it did not load.
 */
const libsecp256k1: typeof TinySecp256k1 | null = (() => {
  try {
    return createRequire(import.meta.url)('tiny-secp256k1') as typeof TinySecp256k1;
  } catch {
    return null;
  }
})();

/** Whether libsecp256k1 (WASM) loaded in this process: it then signs secp256k1 digests. */
export function hasLibsecp256k1(): boolean {
  return libsecp256k1 !== null;
}

/** Who signs digests for a curve: libsecp256k1 for secp256k1 where it loaded (and noble is not forced), noble otherwise. */
export function digestSignerFor(c: EcdsaCurve, forceNoble: boolean): DigestSigner {
  return c.algorithm === 'ecdsa-secp256k1' && !forceNoble && libsecp256k1 !== null ? 'libsecp256k1' : 'noble';
}

export interface EcdsaPrivateKey {
  readonly kind: 'ecdsa';
  readonly curve: EcdsaCurve;
  readonly provider: Provider;
  /** Who signs prehashed digests with this key (digestSignerFor). */
  readonly digestSigner: DigestSigner;
  readonly scalar: Uint8Array;
  /** Uncompressed SEC1 point. */
  readonly point: Uint8Array;
  readonly keyObject?: KeyObject;
}

export interface EcdsaPublicKey {
  readonly kind: 'ecdsa';
  readonly curve: EcdsaCurve;
  readonly provider: Provider;
  readonly point: Uint8Array;
  readonly keyObject?: KeyObject;
}

// ---------------------------------------------------------------------------------------------
// Key checks and derivation
// ---------------------------------------------------------------------------------------------

/** Throws INVALID_INPUT unless `scalar` is `size` bytes and in 1..n-1 (SEC 1 §3.2.1). */
export function assertEcScalar(c: EcdsaCurve, scalar: Uint8Array): void {
  if (!(scalar instanceof Uint8Array) || scalar.length !== c.size || !c.noble.utils.isValidSecretKey(scalar)) {
    throw new CustodyError('INVALID_INPUT', `an ${c.label} private key is a ${c.size}-byte big-endian scalar in 1..n-1`);
  }
}

/**
 * Parse a SEC1 point (compressed 0x02/0x03‖x or uncompressed 0x04‖x‖y, SEC 1 §2.3.4), check it
 * is on the curve and not the identity, and return the uncompressed form.
 */
export function ecPointToUncompressed(c: EcdsaCurve, bytes: Uint8Array): Uint8Array {
  const compressed = bytes.length === 1 + c.size && (bytes[0] === 0x02 || bytes[0] === 0x03);
  const uncompressed = bytes.length === 1 + 2 * c.size && bytes[0] === 0x04;
  if (!compressed && !uncompressed) {
    throw new CustodyError('INVALID_INPUT', `an ${c.label} public key is a SEC1 point of ${1 + c.size} or ${1 + 2 * c.size} bytes`);
  }
  try {
    const point = c.noble.Point.fromBytes(bytes);
    point.assertValidity();
    return point.toBytes(false);
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', `not a valid ${c.label} public key: the point is not on the curve`, { cause });
  }
}

/** Q = d·G, uncompressed (SEC 1 §3.2.1). */
export function ecPublicFromScalar(c: EcdsaCurve, scalar: Uint8Array, provider: Provider): Uint8Array {
  assertEcScalar(c, scalar);
  if (provider === 'node') {
    const ecdh = createECDH(c.nodeName);
    ecdh.setPrivateKey(scalar);
    return copyBytes(ecdh.getPublicKey(null, 'uncompressed'));
  }
  return c.noble.getPublicKey(scalar, false);
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** RFC 7518 §6.2.1 public members from an uncompressed SEC1 point. */
function ecJwkPublic(c: EcdsaCurve, point: Uint8Array): { kty: 'EC'; crv: string; x: string; y: string } {
  return { kty: 'EC', crv: c.jwkCrv, x: b64url(point.subarray(1, 1 + c.size)), y: b64url(point.subarray(1 + c.size)) };
}

export function ecdsaGenerate(c: EcdsaCurve, provider: Provider): { scalar: Uint8Array; point: Uint8Array } {
  if (provider === 'node') {
    // Encoded by the keygen job itself: see node-keygen.ts for the Node 20 deadlock this avoids.
    const jwk = nodeGenerateJwk('ec', c.nodeName);
    if (jwk.d === undefined || jwk.x === undefined || jwk.y === undefined) throw new CustodyError('INTERNAL', 'EC key export lacks members');
    const pad = (b64: string): Uint8Array => {
      const raw = Uint8Array.from(Buffer.from(b64, 'base64url'));
      const out = new Uint8Array(c.size);
      out.set(raw, c.size - raw.length);
      return out;
    };
    return { scalar: pad(jwk.d), point: concatBytes(Uint8Array.of(4), pad(jwk.x), pad(jwk.y)) };
  }
  const { secretKey } = c.noble.keygen();
  return { scalar: secretKey, point: c.noble.getPublicKey(secretKey, false) };
}

export function ecdsaLoadPrivate(c: EcdsaCurve, scalar: Uint8Array, provider: Provider, digestSigner: DigestSigner = 'noble'): EcdsaPrivateKey {
  assertEcScalar(c, scalar);
  if (digestSigner === 'libsecp256k1' && (c.algorithm !== 'ecdsa-secp256k1' || libsecp256k1 === null)) {
    throw new CustodyError('UNSUPPORTED', `libsecp256k1 cannot sign ${c.label} digests here`);
  }
  const own = copyBytes(scalar);
  const point = ecPublicFromScalar(c, own, provider);
  if (provider === 'node') {
    // JWK, not PKCS#8 DER: OpenSSL 3's DER decoder costs ~350 µs per key here, JWK ~70 µs.
    const keyObject = createPrivateKey({ key: { ...ecJwkPublic(c, point), d: b64url(own) }, format: 'jwk' });
    return { kind: 'ecdsa', curve: c, provider, digestSigner, scalar: own, point, keyObject };
  }
  return { kind: 'ecdsa', curve: c, provider, digestSigner, scalar: own, point };
}

/** Load a public key from any SEC1 point encoding (validated). */
export function ecdsaLoadPublic(c: EcdsaCurve, pointBytes: Uint8Array, provider: Provider): EcdsaPublicKey {
  if (provider === 'node' && pointBytes.length === 1 + 2 * c.size && pointBytes[0] === 0x04) {
    // OpenSSL checks that the point is on the curve when it imports JWK coordinates.
    const point = copyBytes(pointBytes);
    let keyObject: KeyObject;
    try {
      keyObject = createPublicKey({ key: ecJwkPublic(c, point), format: 'jwk' });
    } catch (cause) {
      throw new CustodyError('INVALID_INPUT', `not a valid ${c.label} public key: the point is not on the curve`, { cause });
    }
    return { kind: 'ecdsa', curve: c, provider, point, keyObject };
  }
  const point = ecPointToUncompressed(c, pointBytes);
  if (provider === 'node') {
    const keyObject = createPublicKey({ key: ecJwkPublic(c, point), format: 'jwk' });
    return { kind: 'ecdsa', curve: c, provider, point, keyObject };
  }
  return { kind: 'ecdsa', curve: c, provider, point };
}

// ---------------------------------------------------------------------------------------------
// Sign / verify
// ---------------------------------------------------------------------------------------------

export interface EcdsaSignParams {
  readonly hash: SignatureHash;
  readonly format: SignatureFormat;
  /** `data` is already the `hash` digest. */
  readonly prehashed: boolean;
}

export interface EcdsaVerifyPolicy {
  /** Reject s > n/2 (Bitcoin BIP 146 LOW_S, EIP-2). Off by default: FIPS 186 accepts both. */
  readonly requireLowS?: boolean;
}

function assertDigest(hash: SignatureHash, digest: Uint8Array): void {
  if (digest.length !== HASH_LENGTH[hash]) {
    throw new CustodyError('INVALID_INPUT', `a prehashed ${hash} digest is ${HASH_LENGTH[hash]} bytes, got ${digest.length}`);
  }
}

/** Sign a digest (no hashing) with the key's digest signer, hedged with 32 fresh random bytes. */
function signDigest(key: EcdsaPrivateKey, digest: Uint8Array): EcdsaRS {
  const c = key.curve;
  const entropy = randomBytes(32);
  let compact: Uint8Array;
  if (key.digestSigner === 'libsecp256k1' && libsecp256k1 !== null) {
    // libsecp256k1 takes exactly 32 bytes; a longer digest (SHA-384/512) enters ECDSA as its
    // leftmost 256 bits anyway (FIPS 186-5 §6.4.1, SEC 1 §4.1.3 step 5), which is what noble does.
    compact = libsecp256k1.sign(digest.length > 32 ? digest.subarray(0, 32) : digest, key.scalar, entropy);
  } else {
    compact = c.noble.sign(digest, key.scalar, { prehash: false, lowS: c.lowS, extraEntropy: entropy, format: 'compact' });
  }
  const rs = decodeEcdsaRaw(compact, c.size);
  if (rs === null) throw new CustodyError('INTERNAL', `${key.digestSigner} returned a malformed signature`);
  return rs;
}

/**
 * secp256k1 ECDSA over a 32-byte digest with its recovery id (SEC 1 §4.1.6: the parity of R.y),
 * what Ethereum and Bitcoin message signatures carry. Low-S (s ≤ n/2); when the signer
 * normalises s → n − s it flips the recovery id with it. Hedged like every digest signature.
 * @throws WRONG_KEY_TYPE for a key on another curve; INVALID_INPUT for a digest that is not 32 bytes;
 *   INTERNAL for a recovery id of 2 or 3 (R.x ≥ n, probability ~2^-127, not expressible by the chains).
 */
export function ecdsaSignRecoverable(key: EcdsaPrivateKey, digest: Uint8Array): RecoverableSignature {
  return signRecoverableWith(key, digest, randomBytes(32));
}

/**
 * `ecdsaSignRecoverable` without the fresh entropy: plain RFC 6979 §3.2, so known-answer vectors
 * (EIP-155's example) can be reproduced byte for byte. Tests only; the engine never calls it.
 */
export function ecdsaSignRecoverableDeterministicUnsafe(key: EcdsaPrivateKey, digest: Uint8Array): RecoverableSignature {
  return signRecoverableWith(key, digest, undefined);
}

function signRecoverableWith(key: EcdsaPrivateKey, digest: Uint8Array, entropy: Uint8Array | undefined): RecoverableSignature {
  const c = key.curve;
  if (c.algorithm !== 'ecdsa-secp256k1') throw new CustodyError('WRONG_KEY_TYPE', `recoverable signatures are secp256k1 only, not ${c.algorithm}`);
  if (!(digest instanceof Uint8Array) || digest.length !== 32) throw new CustodyError('INVALID_INPUT', 'a digest to sign is 32 bytes');
  let signature: Uint8Array;
  let recovery: number;
  if (key.digestSigner === 'libsecp256k1' && libsecp256k1 !== null) {
    const out = libsecp256k1.signRecoverable(digest, key.scalar, entropy);
    signature = out.signature;
    recovery = out.recoveryId;
  } else {
    // noble's 'recovered' format: recovery ‖ r ‖ s.
    const out = c.noble.sign(digest, key.scalar, { prehash: false, lowS: true, extraEntropy: entropy ?? false, format: 'recovered' });
    signature = out.slice(1);
    recovery = out[0] as number;
  }
  if (signature.length !== 64) throw new CustodyError('INTERNAL', `${key.digestSigner} returned a malformed signature`);
  if (recovery !== 0 && recovery !== 1) throw new CustodyError('INTERNAL', `${key.digestSigner} returned recovery id ${recovery}: R.x overflowed n, retry`);
  return { signature, recovery };
}

/** ECDSA signature in DER (default) or raw r‖s; secp256k1 output always has s ≤ n/2. */
export function ecdsaSign(key: EcdsaPrivateKey, data: Uint8Array, params: EcdsaSignParams): Uint8Array {
  const c = key.curve;
  let rs: EcdsaRS | null;
  if (params.prehashed) {
    assertDigest(params.hash, data);
    rs = signDigest(key, data);
  } else if (key.keyObject !== undefined) {
    rs = decodeEcdsaRaw(nodeSign(params.hash, data, { key: key.keyObject, dsaEncoding: 'ieee-p1363' }), c.size);
    if (rs === null) throw new CustodyError('INTERNAL', 'node returned a malformed signature');
  } else {
    rs = signDigest(key, nobleHash(params.hash, data));
  }
  // Low-S normalisation (BIP 62 / BIP 146): (r, n − s) is the same signature's twin.
  if (c.lowS && rs.s > c.n >> 1n) rs = { r: rs.r, s: c.n - rs.s };
  return params.format === 'der' ? encodeEcdsaDer(rs) : encodeEcdsaRaw(rs, c.size);
}

/** Decode a signature in the given format and range-check r, s ∈ [1, n−1] (SEC 1 §4.1.4 step 1). */
export function parseEcdsaSignature(c: EcdsaCurve, signature: Uint8Array, format: SignatureFormat): EcdsaRS | null {
  if (!(signature instanceof Uint8Array)) return null;
  const rs = format === 'der' ? decodeEcdsaDer(signature, c.size) : decodeEcdsaRaw(signature, c.size);
  if (rs === null || rs.r < 1n || rs.r >= c.n || rs.s < 1n || rs.s >= c.n) return null;
  return rs;
}

/** False for any malformed or invalid signature; throws only for a prehashed digest of the wrong length. */
export function ecdsaVerify(key: EcdsaPublicKey, data: Uint8Array, signature: Uint8Array, params: EcdsaSignParams, policy: EcdsaVerifyPolicy = {}): boolean {
  const c = key.curve;
  if (params.prehashed) assertDigest(params.hash, data);
  const rs = parseEcdsaSignature(c, signature, params.format);
  if (rs === null) return false;
  if (policy.requireLowS === true && rs.s > c.n >> 1n) return false;
  try {
    if (!params.prehashed && key.keyObject !== undefined) {
      return nodeVerify(params.hash, data, { key: key.keyObject, dsaEncoding: 'der' }, encodeEcdsaDer(rs));
    }
    const digest = params.prehashed ? data : nobleHash(params.hash, data);
    return c.noble.verify(encodeEcdsaRaw(rs, c.size), digest, key.point, { prehash: false, lowS: false, format: 'compact' });
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Import / export (canonical: fixed-length scalar, SPKI DER with the uncompressed point)
// ---------------------------------------------------------------------------------------------

function publicMaterial(c: EcdsaCurve, point: Uint8Array): KeyMaterial {
  return { algorithm: c.algorithm, publicKey: ecSpkiFromPoint(c, point) };
}

function privateMaterial(c: EcdsaCurve, scalar: Uint8Array, provider: Provider, claimedPoint?: Uint8Array): KeyMaterial {
  assertEcScalar(c, scalar);
  const point = ecPublicFromScalar(c, scalar, provider);
  if (claimedPoint !== undefined && !bytesEqual(ecPointToUncompressed(c, claimedPoint), point)) {
    throw new CustodyError('INVALID_INPUT', `the ${c.label} public key in the input does not match its private key`);
  }
  return { algorithm: c.algorithm, secret: copyBytes(scalar), publicKey: ecSpkiFromPoint(c, point) };
}

function importJwk(c: EcdsaCurve, data: Uint8Array, provider: Provider): KeyMaterial {
  const jwk = parseJwk(data);
  const kty = jwkString(jwk, 'kty');
  if (kty !== 'EC') throw new CustodyError('WRONG_KEY_TYPE', `expected an EC JWK (crv ${c.jwkCrv}) for ${c.algorithm}, got kty ${kty ?? 'missing'}`);
  const crv = jwkString(jwk, 'crv');
  if (crv !== c.jwkCrv) throw new CustodyError('WRONG_KEY_TYPE', `expected an EC JWK with crv ${c.jwkCrv} for ${c.algorithm}, got crv ${crv ?? 'missing'}`);
  const alg = jwkString(jwk, 'alg');
  if (alg !== undefined && alg !== c.jwkAlg) throw new CustodyError('WRONG_KEY_TYPE', `JWK alg ${alg} does not fit ${c.algorithm} (expected ${c.jwkAlg})`);
  const point = concatBytes(Uint8Array.of(4), jwkBytes(jwk, 'x', c.size), jwkBytes(jwk, 'y', c.size));
  if (jwk['d'] === undefined) return publicMaterial(c, ecPointToUncompressed(c, point));
  return privateMaterial(c, jwkBytes(jwk, 'd', c.size), provider, point);
}

export function ecdsaImport(c: EcdsaCurve, format: ImportFormat, data: Uint8Array, provider: Provider): KeyMaterial {
  switch (format) {
    case 'raw':
      assertEcScalar(c, data);
      return privateMaterial(c, data, provider);
    case 'pkcs8': {
      const der = isPem(data) ? pemDecode(data, 'PRIVATE KEY') : data;
      const { scalar, publicPoint } = ecScalarFromPkcs8(c, der);
      return privateMaterial(c, scalar, provider, publicPoint);
    }
    case 'spki': {
      const der = isPem(data) ? pemDecode(data, 'PUBLIC KEY') : data;
      return publicMaterial(c, ecPointToUncompressed(c, ecPointFromSpki(c, der)));
    }
    case 'jwk':
      return importJwk(c, data, provider);
    default:
      return assertNever(format, 'import format');
  }
}

/** The validated uncompressed point from a (canonical or not) EC SPKI. */
export function ecPointFromValidSpki(c: EcdsaCurve, spki: Uint8Array): Uint8Array {
  return ecPointToUncompressed(c, ecPointFromSpki(c, spki));
}

/** Canonical SPKI from SPKI DER/PEM or a bare SEC1 point. */
export function ecdsaParsePublicKey(c: EcdsaCurve, data: Uint8Array): Uint8Array {
  if (isPem(data)) return ecSpkiFromPoint(c, ecPointFromValidSpki(c, pemDecode(data, 'PUBLIC KEY')));
  if (data[0] === 0x30) return ecSpkiFromPoint(c, ecPointFromValidSpki(c, data));
  return ecSpkiFromPoint(c, ecPointToUncompressed(c, data));
}

function jwkPublicMembers(c: EcdsaCurve, point: Uint8Array): Array<[string, string]> {
  return [
    ['kty', 'EC'],
    ['crv', c.jwkCrv],
    ['x', base64UrlEncode(point.subarray(1, 1 + c.size))],
    ['y', base64UrlEncode(point.subarray(1 + c.size))],
  ];
}

export function ecdsaExportPublic(c: EcdsaCurve, spki: Uint8Array, format: PublicKeyFormat): Uint8Array {
  const point = ecPointFromValidSpki(c, spki);
  switch (format) {
    case 'der':
      return ecSpkiFromPoint(c, point);
    case 'pem':
      return pemEncode(ecSpkiFromPoint(c, point), 'PUBLIC KEY');
    case 'jwk':
      return encodeJwk(jwkPublicMembers(c, point));
    case 'raw':
      return point;
    default:
      return assertNever(format, 'public key format');
  }
}

export function ecdsaExportPrivate(c: EcdsaCurve, scalar: Uint8Array, format: 'pkcs8' | 'jwk' | 'raw', provider: Provider): Uint8Array {
  assertEcScalar(c, scalar);
  if (format === 'raw') return copyBytes(scalar);
  const point = ecPublicFromScalar(c, scalar, provider);
  if (format === 'pkcs8') return ecPkcs8FromScalar(c, scalar, point);
  return encodeJwk([...jwkPublicMembers(c, point), ['d', base64UrlEncode(scalar)]]);
}
