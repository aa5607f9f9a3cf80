/**
 * @module core/chains/ethereum/encoding
 * Strict parsers for the values Ethereum requests carry as JSON (hex byte strings, quantities,
 * plain objects) and exact formatters for what a person reads (wei as ETH or gwei, no floating
 * point). Everything the other modules of this folder accept goes through one of these checks
 * first, so a malformed value is an INVALID_INPUT naming the field, never a TypeError from a
 * library further down.
 *
 * Trusts nothing it is given. Quantities follow the JSON-RPC forms (Ethereum execution API
 * `uint`: 0x-hex) plus decimal strings, safe-integer numbers and bigints, because wallets and
 * typed-data producers use all four; anything else (floats, exponents, signs, "010") is refused.
 */
import { CustodyError } from '../../../../shared/errors.js';

/** A 0x-prefixed lowercase hex string. */
export type Hex = `0x${string}`;

export const MAX_UINT256 = (1n << 256n) - 1n;
export const MAX_UINT64 = (1n << 64n) - 1n;

/** Numeric input as callers send it. */
export type QuantityLike = bigint | number | string;

/** Longest quantity string accepted (a uint256 is 66 hex characters with 0x, 78 decimal digits). */
const MAX_QUANTITY_CHARS = 80;

export function invalid(message: string, cause?: unknown): CustodyError {
  return new CustodyError('INVALID_INPUT', message, cause === undefined ? {} : { cause });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Throws INVALID_INPUT unless `value` is a plain object whose keys are all in `allowed`. */
export function assertObjectWithKeys(value: unknown, allowed: readonly string[], what: string): asserts value is Record<string, unknown> {
  if (!isPlainObject(value)) throw invalid(`${what} must be a JSON object`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw invalid(`${what} has an unexpected field ${JSON.stringify(key.slice(0, 40))}`);
  }
}

/** A short, safe rendering of a bad value for an error message (never the whole input). */
export function preview(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 24 ? `${value.slice(0, 24)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}

const HEX_BYTES = /^0x(?:[0-9a-fA-F]{2})*$/;

/** 0x-hex with an even number of digits (any case) → bytes. `length` pins the byte count. */
export function parseHexBytes(value: unknown, what: string, length?: number): Uint8Array {
  if (value instanceof Uint8Array) {
    if (length !== undefined && value.length !== length) throw invalid(`${what} must be ${length} bytes, got ${value.length}`);
    return value;
  }
  if (typeof value !== 'string' || !HEX_BYTES.test(value)) throw invalid(`${what} must be 0x-prefixed hex bytes, got ${preview(value)}`);
  const bytes = Uint8Array.from(Buffer.from(value.slice(2), 'hex'));
  if (length !== undefined && bytes.length !== length) throw invalid(`${what} must be ${length} bytes, got ${bytes.length}`);
  return bytes;
}

/** Same check as parseHexBytes, returning the lowercase hex string (no copy into bytes). */
export function parseHexString(value: unknown, what: string, length?: number): Hex {
  if (value instanceof Uint8Array) return toHex(parseHexBytes(value, what, length));
  if (typeof value !== 'string' || !HEX_BYTES.test(value)) throw invalid(`${what} must be 0x-prefixed hex bytes, got ${preview(value)}`);
  if (length !== undefined && value.length !== 2 + 2 * length) throw invalid(`${what} must be ${length} bytes, got ${(value.length - 2) / 2}`);
  return value.toLowerCase() as Hex;
}

export function toHex(bytes: Uint8Array): Hex {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

/** A bigint as 0x-hex of exactly 32 bytes (r, s, hashes). */
export function toHex32(value: bigint): Hex {
  return `0x${value.toString(16).padStart(64, '0')}`;
}

/** A bigint as a JSON-RPC quantity (0x-hex, no leading zeros). */
export function toQuantityHex(value: bigint): Hex {
  return `0x${value.toString(16)}`;
}

const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
const SIGNED_DECIMAL = /^-?(?:0|[1-9][0-9]*)$/;
const HEX_QUANTITY = /^0x[0-9a-fA-F]+$/;

/**
 * A non-negative integer ≤ `max` from a bigint, a safe-integer number, a decimal string without
 * leading zeros, or 0x-hex. Throws INVALID_INPUT naming `what` otherwise.
 */
export function parseQuantity(value: unknown, what: string, max: bigint = MAX_UINT256): bigint {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw invalid(`${what} must be an integer (numbers above 2^53 must be strings), got ${preview(value)}`);
    n = BigInt(value);
  } else if (typeof value === 'string' && value.length <= MAX_QUANTITY_CHARS && (DECIMAL.test(value) || HEX_QUANTITY.test(value))) {
    n = BigInt(value);
  } else {
    throw invalid(`${what} must be a non-negative integer (decimal or 0x-hex), got ${preview(value)}`);
  }
  if (n < 0n) throw invalid(`${what} must not be negative`);
  if (n > max) throw invalid(`${what} is too large (at most ${max})`);
  return n;
}

/** A signed integer in [min, max] (EIP-712 intN): as parseQuantity, plus a leading '-' on decimal strings. */
export function parseSignedInteger(value: unknown, what: string, min: bigint, max: bigint): bigint {
  let n: bigint;
  if (typeof value === 'string' && value.startsWith('-') && value.length <= MAX_QUANTITY_CHARS && SIGNED_DECIMAL.test(value) && value !== '-0') n = BigInt(value);
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === 'bigint') n = value;
  else n = parseQuantity(value, what, MAX_UINT256);
  if (n < min || n > max) throw invalid(`${what} is out of range for its type (${min} to ${max})`);
  return n;
}

/** A chain id: a positive integer (EIP-155: 0 is not a chain). */
export function parseChainId(value: unknown, what: string): bigint {
  const id = parseQuantity(value, what);
  if (id === 0n) throw invalid(`${what} must not be 0`);
  return id;
}

/**
 * `value / 10^decimals` as an exact decimal string: no exponent, no rounding, no trailing zeros
 * ("1.5", "0.000000000000000001", "12"). What a person compares digit by digit.
 */
export function formatUnitsExact(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

/** Fixed-width big-endian bytes of a non-negative bigint. */
export function bigintToBytes(value: bigint, length: number): Uint8Array {
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex'));
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(toHex(bytes));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
