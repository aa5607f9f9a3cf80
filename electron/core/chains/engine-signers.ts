/**
 * @module core/chains/engine-signers
 * Signers (chains/signer.ts) backed by the crypto engine: the facade hands chain code one of
 * these, built from a vault key or an HD-derived key, and the chain code never sees the key.
 *
 * ECDSA goes through the engine's recoverable signature over the digest as given
 * (`signRecoverable`: libsecp256k1 where its WASM module loads, noble otherwise; low-S, hedged),
 * which returns the recovery id with r and s, so nothing is recomputed here.
 * BIP-340 Schnorr is not in the engine (no provider has it in node:crypto), so Taproot signing
 * uses noble's schnorr with the key this closure holds; that is the one place the key bytes stay
 * in JavaScript memory for the signer's lifetime — `dispose()` wipes them.
 *
 * Trusts the engine and noble; checks every input length.
 */
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { CustodyError } from '../../../shared/errors.js';
import type { CryptoEngine, PrivateKeyHandle } from '../crypto/types.js';
import type { Ed25519Signer, Secp256k1Signer } from './signer.js';

const N = secp256k1.Point.CURVE().n;
/** Above this, s is the high twin of a signature (BIP 62 / EIP-2); the engine never returns one. */
const HALF_N = N >> 1n;

export interface Disposable {
  /** Wipe the key bytes this signer holds (the engine's handle is dropped with the object). */
  dispose(): void;
}

/** A secp256k1 signer from a 32-byte private key (the bytes are copied; the caller wipes its own). */
export function secp256k1Signer(engine: CryptoEngine, privateKey: Uint8Array): Secp256k1Signer & Disposable {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) throw new CustodyError('INVALID_INPUT', 'a secp256k1 private key is 32 bytes');
  const key = Uint8Array.from(privateKey);
  const material = engine.importKey('ecdsa-secp256k1', 'raw', key);
  const handle = engine.loadPrivateKey(material);
  material.secret?.fill(0);
  const publicKey = secp256k1.getPublicKey(key, true);
  return {
    publicKey,
    signDigest: (digest) => signWithRecovery(engine, handle, digest),
    signSchnorr(message, tweak) {
      if (!(message instanceof Uint8Array) || message.length !== 32) throw new CustodyError('INVALID_INPUT', 'a BIP-340 message is 32 bytes');
      if (key.every((b) => b === 0)) throw new CustodyError('INVALID_INPUT', 'this signer has been disposed');
      const secret = tweak === undefined ? key : tweakedSecret(key, tweak);
      try {
        return schnorr.sign(message, secret, engine.random(32));
      } finally {
        if (secret !== key) secret.fill(0);
      }
    },
    dispose() {
      key.fill(0);
    },
  };
}

/**
 * A secp256k1 signer over a key the engine already holds (a vault key): only the handle and the
 * public key are needed, so no key bytes enter this module. No Schnorr (the engine has none).
 * `publicKeySec1` (compressed or not) is checked to be on the curve and kept compressed.
 */
export function secp256k1SignerFromHandle(engine: CryptoEngine, handle: PrivateKeyHandle, publicKeySec1: Uint8Array): Secp256k1Signer {
  if (!(publicKeySec1 instanceof Uint8Array)) throw new CustodyError('INVALID_INPUT', 'a secp256k1 public key is a SEC1 point');
  let publicKey: Uint8Array;
  try {
    publicKey = secp256k1.Point.fromBytes(publicKeySec1).toBytes(true);
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', 'not a valid secp256k1 public key', { cause });
  }
  return { publicKey, signDigest: (digest) => signWithRecovery(engine, handle, digest) };
}

function signWithRecovery(engine: CryptoEngine, handle: PrivateKeyHandle, digest: Uint8Array): { r: bigint; s: bigint; recovery: 0 | 1 } {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) throw new CustodyError('INVALID_INPUT', 'a digest to sign is 32 bytes');
  const { signature, recovery } = engine.signRecoverable(handle, digest);
  const r = bytesToBig(signature.subarray(0, 32));
  const s = bytesToBig(signature.subarray(32, 64));
  if (signature.length !== 64 || r < 1n || r >= N || s < 1n || s > HALF_N) throw new CustodyError('INTERNAL', 'the engine returned a malformed signature');
  return { r, s, recovery };
}

/** An Ed25519 signer from a 32-byte seed (RFC 8032 private key). */
export function ed25519Signer(engine: CryptoEngine, seed: Uint8Array): Ed25519Signer & Disposable {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new CustodyError('INVALID_INPUT', 'an Ed25519 private key is 32 bytes');
  const material = engine.importKey('ed25519', 'raw', seed);
  const handle = engine.loadPrivateKey(material);
  const spki = material.publicKey;
  material.secret?.fill(0);
  if (spki === undefined) throw new CustodyError('INTERNAL', 'the engine returned no public key');
  const publicKey = engine.exportPublicKey('ed25519', spki, 'raw');
  return {
    publicKey,
    sign(message) {
      return engine.sign(handle, message);
    },
    dispose() {
      // Nothing of the seed is kept here: the engine's handle goes with this object.
    },
  };
}

/**
 * An Ed25519 signer over a key the engine already holds (a vault key): the handle and the raw
 * 32-byte public key only, so no key bytes enter this module.
 */
export function ed25519SignerFromHandle(engine: CryptoEngine, handle: PrivateKeyHandle, publicKey: Uint8Array): Ed25519Signer {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new CustodyError('INVALID_INPUT', 'an Ed25519 public key is 32 bytes');
  const pub = Uint8Array.from(publicKey);
  return { publicKey: pub, sign: (message) => engine.sign(handle, message) };
}

/** BIP-341 key-path secret: negate d if its point has odd y, then add the tweak (mod n). */
function tweakedSecret(key: Uint8Array, tweak: Uint8Array): Uint8Array {
  if (!(tweak instanceof Uint8Array) || tweak.length !== 32) throw new CustodyError('INVALID_INPUT', 'a Taproot tweak is 32 bytes');
  const d0 = bytesToBig(key);
  const point = secp256k1.Point.BASE.multiply(d0);
  const d = point.toAffine().y % 2n === 0n ? d0 : N - d0;
  const t = bytesToBig(tweak);
  if (t >= N) throw new CustodyError('INVALID_INPUT', 'the Taproot tweak is not below the curve order');
  const out = (d + t) % N;
  if (out === 0n) throw new CustodyError('INVALID_INPUT', 'the tweaked key is zero');
  return bigToBytes(out);
}

function bytesToBig(b: Uint8Array): bigint {
  return BigInt('0x' + Buffer.from(b).toString('hex'));
}

function bigToBytes(n: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'));
}

