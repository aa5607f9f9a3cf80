/**
 * @module core/chains/ethereum/address
 * Ethereum account addresses: the address of a secp256k1 public key (Yellow Paper §7, the last 20
 * bytes of keccak256 over the 64-byte uncompressed point) in EIP-55 mixed-case checksum form, and
 * the one parser every address a request carries goes through.
 *
 * EIP-55 rule as applied here: an all-lowercase or all-uppercase address carries no checksum and
 * is accepted; a mixed-case address must match its checksum exactly, or it is INVALID_INPUT (a
 * mistyped address is what the checksum exists to catch). Only the plain 0x + 40 hex form is
 * accepted: no ICAP, no missing 0x, no ENS names (name resolution is a network lookup, and this
 * module trusts no network).
 *
 * Trusts noble to validate and decompress the point, ethers for keccak256 and EIP-55 casing.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { getAddress, keccak256 } from 'ethers';
import { invalid, preview } from './encoding.js';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * The EIP-55 address of a SEC1 secp256k1 public key (33 bytes compressed or 65 uncompressed).
 * @throws INVALID_INPUT when the bytes are not a point on the curve.
 */
export function addressFromPublicKey(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || (publicKey.length !== 33 && publicKey.length !== 65)) {
    throw invalid('a secp256k1 public key is a SEC1 point of 33 or 65 bytes');
  }
  let uncompressed: Uint8Array;
  try {
    uncompressed = secp256k1.Point.fromBytes(publicKey).toBytes(false);
  } catch (cause) {
    throw invalid('not a valid secp256k1 public key: the point is not on the curve', cause);
  }
  return getAddress(`0x${keccak256(uncompressed.subarray(1)).slice(26)}`);
}

/**
 * Parse an address a request carries and return its EIP-55 form.
 * @throws INVALID_INPUT for anything but 0x + 40 hex digits, or a mixed-case address whose
 * checksum does not match (EIP-55).
 */
export function parseAddress(value: unknown, what = 'address'): string {
  if (typeof value !== 'string' || !ADDRESS.test(value)) throw invalid(`${what} must be 0x followed by 40 hex digits, got ${preview(value)}`);
  const checksummed = checksumOf(value.toLowerCase());
  const body = value.slice(2);
  const mixed = body !== body.toLowerCase() && body !== body.toUpperCase();
  if (mixed && value !== checksummed) throw invalid(`${what} ${value} has a bad EIP-55 checksum (expected ${checksummed})`);
  return checksummed;
}

/** EIP-55 forms of recently parsed addresses (public data; a pure function of the key): ~20 µs of keccak per address saved on repeat recipients. */
const CHECKSUMMED = new Map<string, string>();
const CHECKSUMMED_MAX = 1024;

function checksumOf(lower: string): string {
  let out = CHECKSUMMED.get(lower);
  if (out === undefined) {
    out = getAddress(lower);
    if (CHECKSUMMED.size >= CHECKSUMMED_MAX) CHECKSUMMED.delete(CHECKSUMMED.keys().next().value as string);
    CHECKSUMMED.set(lower, out);
  }
  return out;
}

/** True when `value` would pass parseAddress. */
export function isValidAddress(value: unknown): boolean {
  try {
    parseAddress(value);
    return true;
  } catch {
    return false;
  }
}

export const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';
