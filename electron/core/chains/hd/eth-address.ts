/**
 * @module core/chains/hd/eth-address
 * The Ethereum address of a secp256k1 public key (Ethereum Yellow Paper §"Appendix F", the last
 * 20 bytes of Keccak-256 of the 64-byte uncompressed point x ‖ y) written with the EIP-55 mixed-
 * case checksum. Kept here, beside the derivation it serves, so deriving addresses needs nothing
 * from the chain modules; chains/ethereum owns everything else about Ethereum.
 *
 * Trusts @noble/curves to decode and validate the point, and @noble/hashes for Keccak-256 (not
 * SHA3-256: the padding differs). Public data only; nothing to wipe.
 */
import { keccak_256 } from '@noble/hashes/sha3.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { CustodyError } from '../../../../shared/errors.js';

function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** EIP-55: upper-case the i-th hex letter when the i-th nibble of keccak256(lowercase hex) is ≥ 8. */
function eip55(lowerHex: string): string {
  const hash = keccak_256(new TextEncoder().encode(lowerHex));
  let out = '0x';
  for (let i = 0; i < lowerHex.length; i++) {
    const c = lowerHex[i] as string;
    const nibble = ((hash[i >> 1] as number) >> (i % 2 === 0 ? 4 : 0)) & 15;
    out += nibble >= 8 ? c.toUpperCase() : c;
  }
  return out;
}

/**
 * `0x` + 40 hex digits, EIP-55 checksummed, from a secp256k1 public key: 33-byte compressed,
 * 65-byte uncompressed (0x04 ‖ x ‖ y) or 64-byte raw x ‖ y. The uncompressed forms are faster
 * (a compressed key costs a square root); `HdNode.uncompressedPublicKey` gives one for free.
 * @throws CustodyError('INVALID_INPUT') if the bytes are not a point on secp256k1.
 */
export function ethAddressFromPublicKey(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array)) throw new CustodyError('INVALID_INPUT', 'public key must be bytes');
  let xy: Uint8Array;
  try {
    if (publicKey.length === 64) {
      const sec1 = new Uint8Array(65);
      sec1[0] = 0x04;
      sec1.set(publicKey, 1);
      secp256k1.Point.fromBytes(sec1); // validates the point
      xy = publicKey;
    } else if (publicKey.length === 65) {
      secp256k1.Point.fromBytes(publicKey); // validates the point (no square root needed)
      xy = publicKey.subarray(1);
    } else if (publicKey.length === 33) {
      xy = secp256k1.Point.fromBytes(publicKey).toBytes(false).subarray(1); // decompression: a square root
    } else {
      throw new CustodyError('INVALID_INPUT', 'public key must be 33, 64 or 65 bytes');
    }
  } catch (cause) {
    if (cause instanceof CustodyError) throw cause;
    throw new CustodyError('INVALID_INPUT', 'public key is not a point on secp256k1', { cause });
  }
  return eip55(toHex(keccak_256(xy).subarray(12)));
}
