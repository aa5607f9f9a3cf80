/**
 * @module core/chains/starknet/felt
 * Field elements of the Stark prime field (P = 2^251 + 17·2^192 + 1) and the encodings StarkNet
 * builds on them: Cairo short strings (≤ 31 ASCII bytes, big-endian), starknet_keccak selectors
 * (Keccak-256 truncated to 250 bits), Pedersen and Poseidon hashes of arrays. Pure; untrusted
 * input is checked and refused with INVALID_INPUT.
 *
 * Trusts @scure/starknet for the hash functions.
 */
import { computeHashOnElements, keccak, pedersen, poseidonHashMany } from '@scure/starknet';
import { CustodyError } from '../../../../shared/errors.js';

/** The Stark field prime. */
export const FIELD_PRIME = 2n ** 251n + 17n * 2n ** 192n + 1n;

export type FeltInput = bigint | number | string;

/**
 * A field element from a bigint, a safe integer, or a hex (0x…) / decimal string. Anything else,
 * or a value outside [0, P), is INVALID_INPUT.
 */
export function toFelt(value: FeltInput, what = 'value'): bigint {
  let v: bigint;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new CustodyError('INVALID_INPUT', `${what}: ${value} is not a safe integer`);
    v = BigInt(value);
  } else if (typeof value === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value.trim())) v = BigInt(value.trim());
  else throw new CustodyError('INVALID_INPUT', `${what}: not a number: ${String(value)}`);
  if (v < 0n || v >= FIELD_PRIME) throw new CustodyError('INVALID_INPUT', `${what}: outside the Stark field`);
  return v;
}

/** Whether a string is a number as starknet.js reads one (hex with 0x, or decimal). */
export function isNumeric(value: string): boolean {
  return /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value);
}

/** Cairo short string: up to 31 ASCII characters as a big-endian integer. */
export function encodeShortString(text: string, what = 'short string'): bigint {
  if (typeof text !== 'string' || text.length > 31 || [...text].some((c) => c.charCodeAt(0) > 0x7f)) {
    throw new CustodyError('INVALID_INPUT', `${what}: a short string is at most 31 ASCII characters`);
  }
  let v = 0n;
  for (const ch of text) v = (v << 8n) | BigInt(ch.charCodeAt(0));
  return v;
}

/** The text of a short string felt, when every byte is printable ASCII; null otherwise. */
export function decodeShortString(value: bigint): string | null {
  let v = value;
  let out = '';
  while (v > 0n) {
    const b = Number(v & 0xffn);
    if (b < 0x20 || b > 0x7e) return null;
    out = String.fromCharCode(b) + out;
    v >>= 8n;
  }
  return out;
}

/** starknet_keccak: Keccak-256 of the UTF-8 bytes, low 250 bits (entry point selectors, SNIP-12 type hashes). */
export function starknetKeccak(text: string): bigint {
  return keccak(new TextEncoder().encode(text));
}

/** The entry point selector of a function name. */
export function selectorFromName(name: string): bigint {
  return starknetKeccak(name);
}

/** Pedersen hash chain over an array with its length appended (`compute_hash_on_elements`). */
export function pedersenArray(values: readonly bigint[]): bigint {
  return BigInt(computeHashOnElements([...values]) as string);
}

export function pedersen2(a: bigint, b: bigint): bigint {
  return BigInt(pedersen(a, b));
}

/** Poseidon hash of an array (`poseidon_hash_many`). */
export function poseidonArray(values: readonly bigint[]): bigint {
  return poseidonHashMany([...values]);
}

export function toHex(value: bigint): string {
  return `0x${value.toString(16)}`;
}
