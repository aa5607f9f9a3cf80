/**
 * @module core/chains/solana/address
 * Solana addresses: the 32 bytes of an Ed25519 public key (or of a program-derived address, which
 * is deliberately off the curve) in Bitcoin-alphabet base58. Our own addresses come from Ed25519
 * public keys and are checked to be curve points; addresses read from transactions are any 32 bytes.
 *
 * Public data only. Trusts @scure/base (base58) and noble (point decoding).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { CustodyError } from '../../../../shared/errors.js';

/** The base58 address of a 32-byte Ed25519 public key; INVALID_INPUT unless it is a valid point. */
export function solanaAddress(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new CustodyError('INVALID_INPUT', 'a Solana public key is 32 bytes');
  try {
    ed25519.Point.fromBytes(publicKey);
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', 'not an Ed25519 public key (the bytes do not decode to a curve point)', { cause });
  }
  return base58.encode(publicKey);
}

/** The 32 bytes behind a base58 address (on or off the curve); INVALID_INPUT otherwise. */
export function parseSolanaAddress(address: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = base58.decode(address);
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', `not a base58 Solana address: ${String(address)}`, { cause });
  }
  if (bytes.length !== 32) throw new CustodyError('INVALID_INPUT', `a Solana address is 32 bytes, this one is ${bytes.length}`);
  return bytes;
}

/** Base58 of any 32 bytes read from a message (accounts, programs, blockhashes). */
export function encodeAddress(bytes: Uint8Array): string {
  return base58.encode(bytes);
}
