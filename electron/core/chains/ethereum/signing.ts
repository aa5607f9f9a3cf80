/**
 * @module core/chains/ethereum/signing
 * The one place Ethereum code asks a `Secp256k1Signer` (chains/signer.ts) for a signature, and the
 * 65-byte r ‖ s ‖ v form EIP-191 and EIP-712 signatures take (v = 27 + y parity, as
 * `personal_sign` / `eth_signTypedData_v4` return it).
 *
 * Trusts the signer to have signed the digest with the key behind `publicKey` and to report the
 * right recovery bit (the port's contract; the tests check every result by recovery with ethers).
 * Does not trust its output's shape: r and s must lie in [1, n−1] and s must be low (EIP-2), or
 * the signature is refused as INTERNAL rather than put into a transaction.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { CustodyError } from '../../../../shared/errors.js';
import type { Secp256k1Signer } from '../signer.js';
import { addressFromPublicKey } from './address.js';
import { bigintToBytes, toHex, toHex32, type Hex } from './encoding.js';

const N = secp256k1.Point.CURVE().n;
const HALF_N = N >> 1n;

/** An ECDSA signature with the y parity of R (EIP-2718 typed transactions call it yParity). */
export interface RecoverableSignature {
  readonly r: bigint;
  readonly s: bigint;
  readonly yParity: 0 | 1;
}

/** A signature over a message digest (EIP-191, EIP-712) in the forms wallets exchange. */
export interface EthSignature {
  /** r ‖ s ‖ v, 65 bytes, v = 27 + yParity. */
  readonly signature: Hex;
  readonly r: Hex;
  readonly s: Hex;
  readonly v: 27 | 28;
  readonly yParity: 0 | 1;
  /** The 32-byte digest that was signed. */
  readonly digest: Hex;
  /** The signer's EIP-55 address (what ethers recovers from `signature`). */
  readonly address: string;
}

const addresses = new WeakMap<Secp256k1Signer, string>();

/** The signer's EIP-55 address, computed once per signer (point decompression is not free). */
export function signerAddress(signer: Secp256k1Signer): string {
  let address = addresses.get(signer);
  if (address === undefined) {
    address = addressFromPublicKey(signer.publicKey);
    addresses.set(signer, address);
  }
  return address;
}

/**
 * Ask the signer to sign a 32-byte digest and check the answer's shape.
 * @throws INTERNAL when the signer returns r or s out of range, a high s or a bad recovery bit.
 */
export function signDigest(signer: Secp256k1Signer, digest: Uint8Array): RecoverableSignature {
  const { r, s, recovery } = signer.signDigest(digest);
  if (typeof r !== 'bigint' || typeof s !== 'bigint' || r < 1n || r >= N || s < 1n || s > HALF_N || (recovery !== 0 && recovery !== 1)) {
    throw new CustodyError('INTERNAL', 'the signer returned a signature that is not a low-S secp256k1 signature with a recovery bit');
  }
  return { r, s, yParity: recovery };
}

/** Sign a message digest and return the EIP-191/EIP-712 65-byte form. */
export function signMessageDigest(signer: Secp256k1Signer, digest: Uint8Array): EthSignature {
  const address = signerAddress(signer);
  const { r, s, yParity } = signDigest(signer, digest);
  const rsv = new Uint8Array(65);
  rsv.set(bigintToBytes(r, 32), 0);
  rsv.set(bigintToBytes(s, 32), 32);
  rsv[64] = 27 + yParity;
  return { signature: toHex(rsv), r: toHex32(r), s: toHex32(s), v: yParity === 0 ? 27 : 28, yParity, digest: toHex(digest), address };
}
