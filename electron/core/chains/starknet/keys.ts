/**
 * @module core/chains/starknet/keys
 * Stark keys and the Stark signer adapter.
 *
 * This is the one place in Custos where a JavaScript library signs with a private key held in
 * JavaScript memory: the crypto engine has no Stark curve (node:crypto does not implement it, and
 * no other provider of ours does), so `starkSignerFromPrivateKey` wraps @scure/starknet's ECDSA
 * (RFC 6979 nonces, the StarkWare r < 2^251 and s⁻¹ < 2^251 checks). The key bytes live in the
 * closure until `dispose()` wipes them; @scure/starknet converts them to hex strings and bigints
 * internally, which JavaScript cannot wipe (see SECURITY.md on what JS cannot zeroize). The key
 * itself is expected from the HD module (EIP-2645 path, grindKey) or from the vault.
 *
 * A StarkNet "public key" is the x coordinate of the public point. Signatures are checked with
 * @scure/starknet's verify against both points with that x, as Cairo's check_ecdsa_signature does.
 */
import { getPublicKey, getStarkKey, Signature, sign, verify } from '@scure/starknet';
import { CustodyError } from '../../../../shared/errors.js';
import type { StarkSigner } from '../signer.js';

/** Order of the Stark curve's generator. */
export const STARK_CURVE_ORDER = 3618502788666131213697322783095070105526743751716087489154079457884512865583n;
/** Message hashes and r must be below 2^251 (StarkWare's ECDSA domain). */
export const MAX_STARK_HASH = 2n ** 251n;

export interface Disposable {
  dispose(): void;
}

/** Parse a Stark private key (bigint, hex string, or 32 bytes) into 32 bytes; INVALID_INPUT unless 1 ≤ k < n. */
export function parseStarkPrivateKey(privateKey: bigint | string | Uint8Array): Uint8Array {
  let k: bigint;
  if (typeof privateKey === 'bigint') k = privateKey;
  else if (typeof privateKey === 'string' && /^(0x)?[0-9a-fA-F]{1,64}$/.test(privateKey)) k = BigInt(privateKey.startsWith('0x') ? privateKey : `0x${privateKey}`);
  else if (privateKey instanceof Uint8Array && privateKey.length === 32) k = BigInt(`0x${Buffer.from(privateKey).toString('hex')}`);
  else throw new CustodyError('INVALID_INPUT', 'a Stark private key is a bigint, a hex string or 32 bytes');
  if (k <= 0n || k >= STARK_CURVE_ORDER) throw new CustodyError('INVALID_INPUT', 'the Stark private key is not in [1, n)');
  return Uint8Array.from(Buffer.from(k.toString(16).padStart(64, '0'), 'hex'));
}

/** The StarkNet public key (x coordinate) of a private key. */
export function starkPublicKey(privateKey: bigint | string | Uint8Array): bigint {
  const key = parseStarkPrivateKey(privateKey);
  try {
    return BigInt(getStarkKey(key));
  } finally {
    key.fill(0);
  }
}

/** A StarkSigner over a private key (see the module header for why this one signs in JavaScript). */
export function starkSignerFromPrivateKey(privateKey: bigint | string | Uint8Array): StarkSigner & Disposable {
  const key = parseStarkPrivateKey(privateKey);
  const publicKey = BigInt(getStarkKey(key));
  return {
    publicKey,
    signHash(hash) {
      if (typeof hash !== 'bigint' || hash < 0n || hash >= MAX_STARK_HASH) throw new CustodyError('INVALID_INPUT', 'a Stark message hash is a bigint in [0, 2^251)');
      if (key.every((b) => b === 0)) throw new CustodyError('INVALID_INPUT', 'this signer has been disposed');
      const sig = sign(hash.toString(16).padStart(64, '0'), key);
      return { r: sig.r, s: sig.s };
    },
    dispose() {
      key.fill(0);
    },
  };
}

/**
 * Whether (r, s) is a valid Stark ECDSA signature of `hash` by the key whose x coordinate is
 * `publicKey` (either y). False for anything malformed.
 */
export function verifyStarkSignature(hash: bigint, signature: { readonly r: bigint; readonly s: bigint }, publicKey: bigint): boolean {
  if (hash < 0n || hash >= MAX_STARK_HASH || publicKey <= 0n) return false;
  const x = publicKey.toString(16).padStart(64, '0');
  const msg = hash.toString(16).padStart(64, '0');
  for (const prefix of ['02', '03']) {
    try {
      if (verify(new Signature(signature.r, signature.s), msg, prefix + x)) return true;
    } catch {
      // Not a point for this parity, or r/s out of range: try the other, then report false.
    }
  }
  return false;
}

/** The full public point (uncompressed SEC1) of a private key — for tests and tools. */
export function starkFullPublicKey(privateKey: bigint | string | Uint8Array): Uint8Array {
  const key = parseStarkPrivateKey(privateKey);
  try {
    return getPublicKey(key, false);
  } finally {
    key.fill(0);
  }
}
