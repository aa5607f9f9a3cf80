/**
 * @module core/crypto/ed25519
 * Ed25519 (RFC 8032 §5.1, PureEdDSA) on two providers: node:crypto when the runtime has it,
 * @noble/curves otherwise. Keys are held as the 32-byte seed (RFC 8032 §5.1.5) and the 32-byte
 * encoded point A; a loaded key keeps its node KeyObject so signing never re-parses.
 *
 * Trusts node:crypto / noble for the arithmetic. Verification is strict RFC 8032 §5.1.7 on both
 * providers: S < L, canonical encodings of A and R (noble with `zip215: false`; OpenSSL checks
 * S < L and the Wycheproof vectors pin the rest).
 */
import { nodeGenerateJwk } from './node-keygen.js';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { ImportFormat, PublicKeyFormat } from '../../../shared/algorithms.js';
import { CustodyError, assertNever } from '../../../shared/errors.js';
import type { KeyMaterial, Provider } from './types.js';
import {
  base64UrlEncode,
  bytesEqual,
  copyBytes,
  ed25519Pkcs8FromSeed,
  ed25519RawFromSpki,
  ed25519SeedFromPkcs8,
  ed25519SpkiFromRaw,
  encodeJwk,
  isPem,
  jwkBytes,
  jwkString,
  parseJwk,
  pemDecode,
  pemEncode,
} from './key-codec.js';

export const ED25519_SEED_LENGTH = 32;
export const ED25519_PUBLIC_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

let nodeEd25519: boolean | undefined;

/** Whether this runtime's node:crypto does Ed25519 (probed once: generate a key in a try/catch). */
export function nodeHasEd25519(): boolean {
  if (nodeEd25519 === undefined) {
    try {
      generateKeyPairSync('ed25519');
      nodeEd25519 = true;
    } catch {
      nodeEd25519 = false;
    }
  }
  return nodeEd25519;
}

export interface Ed25519PrivateKey {
  readonly kind: 'ed25519';
  readonly provider: Provider;
  readonly seed: Uint8Array;
  /** Raw 32-byte public key A. */
  readonly publicKey: Uint8Array;
  /** Present on the node provider. */
  readonly keyObject?: KeyObject;
}

export interface Ed25519PublicKey {
  readonly kind: 'ed25519';
  readonly provider: Provider;
  readonly raw: Uint8Array;
  readonly keyObject?: KeyObject;
}

function assertSeed(seed: Uint8Array): void {
  if (!(seed instanceof Uint8Array) || seed.length !== ED25519_SEED_LENGTH) {
    throw new CustodyError('INVALID_INPUT', 'an Ed25519 private key is a 32-byte seed');
  }
}

/**
 * Whether 32 bytes are a canonical encoding of a curve point (RFC 8032 §5.1.3). Low-order points
 * decode fine and are accepted, as RFC 8032 does not exclude them.
 */
export function isValidEd25519PublicKey(raw: Uint8Array): boolean {
  if (raw.length !== ED25519_PUBLIC_LENGTH) return false;
  try {
    ed25519.Point.fromBytes(raw, false);
    return true;
  } catch {
    return false;
  }
}

/** Throws INVALID_INPUT unless `raw` is a valid 32-byte Ed25519 public key. */
export function assertEd25519PublicKey(raw: Uint8Array): void {
  if (!isValidEd25519PublicKey(raw)) throw new CustodyError('INVALID_INPUT', 'not a valid Ed25519 public key (32-byte canonical point encoding)');
}

/** Public key A from the seed (RFC 8032 §5.1.5). */
export function ed25519PublicFromSeed(seed: Uint8Array, provider: Provider): Uint8Array {
  assertSeed(seed);
  if (provider === 'node') return publicRawFromKeyObject(createPublicKey(nodePrivateKeyObject(seed, undefined)));
  return ed25519.getPublicKey(seed);
}

/*
 * KeyObjects are built from and read as JWK, not DER: OpenSSL 3's DER encoders and decoders cost
 * 40-380 µs per call here, the raw-key paths behind JWK 1-40 µs (measured on Node 20).
 */
function publicRawFromKeyObject(key: KeyObject): Uint8Array {
  const x = key.export({ format: 'jwk' }).x;
  if (x === undefined) throw new CustodyError('INTERNAL', 'Ed25519 key export lacks x');
  return Uint8Array.from(Buffer.from(x, 'base64url'));
}

/**
 * A node KeyObject from a seed. JWK requires `x`; OpenSSL builds the key from `d` alone (the raw
 * private key) and callers compare the public key derived from the result with the one they
 * expect, so a wrong `publicRaw` cannot go unnoticed.
 */
function nodePrivateKeyObject(seed: Uint8Array, publicRaw: Uint8Array | undefined): KeyObject {
  if (publicRaw === undefined) return createPrivateKey({ key: Buffer.from(ed25519Pkcs8FromSeed(seed)), format: 'der', type: 'pkcs8' });
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: Buffer.from(seed).toString('base64url'), x: Buffer.from(publicRaw).toString('base64url') },
    format: 'jwk',
  });
}

/** A fresh key pair: the seed from the provider's CSPRNG. */
export function ed25519Generate(provider: Provider): { seed: Uint8Array; publicKey: Uint8Array } {
  if (provider === 'node') {
    // Encoded by the keygen job itself: see node-keygen.ts for the Node 20 deadlock this avoids.
    const jwk = nodeGenerateJwk('ed25519');
    if (jwk.d === undefined || jwk.x === undefined) throw new CustodyError('INTERNAL', 'Ed25519 key export lacks members');
    // RFC 8037 §2: d is the 32-byte seed, x the 32-byte public key A.
    return { seed: Uint8Array.from(Buffer.from(jwk.d, 'base64url')), publicKey: Uint8Array.from(Buffer.from(jwk.x, 'base64url')) };
  }
  const { secretKey, publicKey } = ed25519.keygen();
  return { seed: secretKey, publicKey };
}

/**
 * Load a seed for signing. `publicKey` (raw) is derived here, once; `expectedPublicRaw`, when the
 * caller knows it, only speeds up building the node KeyObject (the caller still compares).
 */
export function ed25519LoadPrivate(seed: Uint8Array, provider: Provider, expectedPublicRaw?: Uint8Array): Ed25519PrivateKey {
  assertSeed(seed);
  const ownSeed = copyBytes(seed);
  if (provider === 'node') {
    const keyObject = nodePrivateKeyObject(ownSeed, expectedPublicRaw?.length === ED25519_PUBLIC_LENGTH ? expectedPublicRaw : undefined);
    return { kind: 'ed25519', provider, seed: ownSeed, publicKey: publicRawFromKeyObject(createPublicKey(keyObject)), keyObject };
  }
  return { kind: 'ed25519', provider, seed: ownSeed, publicKey: ed25519.getPublicKey(ownSeed) };
}

/**
 * Load a raw 32-byte public key for verification. The noble path checks the canonical point
 * encoding here; the node path leaves it to OpenSSL, whose verification decodes A and fails on
 * a non-canonical or off-curve encoding (RFC 8032 §5.1.7 step 1) — the noble check costs ~75 µs.
 */
export function ed25519LoadPublic(raw: Uint8Array, provider: Provider): Ed25519PublicKey {
  if (!(raw instanceof Uint8Array) || raw.length !== ED25519_PUBLIC_LENGTH) assertEd25519PublicKey(raw);
  const own = copyBytes(raw);
  if (provider === 'node') {
    const keyObject = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(own).toString('base64url') }, format: 'jwk' });
    return { kind: 'ed25519', provider, raw: own, keyObject };
  }
  assertEd25519PublicKey(own);
  return { kind: 'ed25519', provider, raw: own };
}

/** PureEdDSA signature R‖S (RFC 8032 §5.1.6). */
export function ed25519Sign(key: Ed25519PrivateKey, message: Uint8Array): Uint8Array {
  if (key.keyObject !== undefined) return new Uint8Array(nodeSign(null, message, key.keyObject));
  return ed25519.sign(message, key.seed);
}

/** RFC 8032 §5.1.7 verification; false for any malformed or invalid signature, never throws. */
export function ed25519Verify(key: Ed25519PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  try {
    if (key.keyObject !== undefined) return nodeVerify(null, message, key.keyObject, signature);
    return ed25519.verify(signature, message, key.raw, { zip215: false });
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Import / export (canonical: the 32-byte seed; SPKI DER per RFC 8410 §4)
// ---------------------------------------------------------------------------------------------

/** JWK "alg" values that name Ed25519 (RFC 8037 §3.1 "EdDSA", RFC 9864 "Ed25519"). */
const JWK_ALGS = new Set(['EdDSA', 'Ed25519']);

function privateMaterial(seed: Uint8Array, provider: Provider, claimedPublic?: Uint8Array): KeyMaterial {
  assertSeed(seed);
  const publicKey = ed25519PublicFromSeed(seed, provider);
  if (claimedPublic !== undefined && !bytesEqual(claimedPublic, publicKey)) {
    throw new CustodyError('INVALID_INPUT', 'the Ed25519 public key in the input does not match its private key');
  }
  return { algorithm: 'ed25519', secret: copyBytes(seed), publicKey: ed25519SpkiFromRaw(publicKey) };
}

function publicMaterial(raw: Uint8Array): KeyMaterial {
  assertEd25519PublicKey(raw);
  return { algorithm: 'ed25519', publicKey: ed25519SpkiFromRaw(raw) };
}

function importJwk(data: Uint8Array, provider: Provider): KeyMaterial {
  const jwk = parseJwk(data);
  const kty = jwkString(jwk, 'kty');
  const crv = jwkString(jwk, 'crv');
  if (kty !== 'OKP' || crv !== 'Ed25519') {
    throw new CustodyError('WRONG_KEY_TYPE', `expected an OKP JWK with crv Ed25519 (RFC 8037), got kty ${kty ?? 'missing'} crv ${crv ?? 'missing'}`);
  }
  const alg = jwkString(jwk, 'alg');
  if (alg !== undefined && !JWK_ALGS.has(alg)) throw new CustodyError('WRONG_KEY_TYPE', `JWK alg ${alg} does not fit ed25519 (expected EdDSA or Ed25519)`);
  const x = jwkBytes(jwk, 'x', ED25519_PUBLIC_LENGTH);
  if (jwk['d'] === undefined) return publicMaterial(x);
  return privateMaterial(jwkBytes(jwk, 'd', ED25519_SEED_LENGTH), provider, x);
}

export function ed25519Import(format: ImportFormat, data: Uint8Array, provider: Provider): KeyMaterial {
  switch (format) {
    case 'raw':
      return privateMaterial(data, provider);
    case 'pkcs8': {
      const { seed, publicKey } = ed25519SeedFromPkcs8(isPem(data) ? pemDecode(data, 'PRIVATE KEY') : data);
      return privateMaterial(seed, provider, publicKey);
    }
    case 'spki':
      return publicMaterial(ed25519RawFromSpki(isPem(data) ? pemDecode(data, 'PUBLIC KEY') : data));
    case 'jwk':
      return importJwk(data, provider);
    default:
      return assertNever(format, 'import format');
  }
}

/** Canonical SPKI from SPKI DER/PEM or the raw 32-byte key (validated). */
export function ed25519ParsePublicKey(data: Uint8Array): Uint8Array {
  let raw: Uint8Array;
  if (isPem(data)) raw = ed25519RawFromSpki(pemDecode(data, 'PUBLIC KEY'));
  else if (data.length === ED25519_PUBLIC_LENGTH) raw = data;
  else raw = ed25519RawFromSpki(data);
  assertEd25519PublicKey(raw);
  return ed25519SpkiFromRaw(raw);
}

/** The validated raw public key from an Ed25519 SPKI. */
export function ed25519RawFromValidSpki(spki: Uint8Array): Uint8Array {
  const raw = ed25519RawFromSpki(spki);
  assertEd25519PublicKey(raw);
  return raw;
}

export function ed25519ExportPublic(spki: Uint8Array, format: PublicKeyFormat): Uint8Array {
  const raw = ed25519RawFromValidSpki(spki);
  switch (format) {
    case 'der':
      return ed25519SpkiFromRaw(raw);
    case 'pem':
      return pemEncode(ed25519SpkiFromRaw(raw), 'PUBLIC KEY');
    case 'jwk':
      return encodeJwk([['kty', 'OKP'], ['crv', 'Ed25519'], ['x', base64UrlEncode(raw)]]);
    case 'raw':
      return copyBytes(raw);
    default:
      return assertNever(format, 'public key format');
  }
}

export function ed25519ExportPrivate(seed: Uint8Array, format: 'pkcs8' | 'jwk' | 'raw', provider: Provider): Uint8Array {
  assertSeed(seed);
  switch (format) {
    case 'raw':
      return copyBytes(seed);
    case 'pkcs8':
      return ed25519Pkcs8FromSeed(seed);
    case 'jwk':
      return encodeJwk([['kty', 'OKP'], ['crv', 'Ed25519'], ['x', base64UrlEncode(ed25519PublicFromSeed(seed, provider))], ['d', base64UrlEncode(seed)]]);
    default:
      return assertNever(format, 'private key format');
  }
}
