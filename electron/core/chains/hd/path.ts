/**
 * @module core/chains/hd/path
 * BIP-32 derivation paths as text (`m/44'/60'/0'/0/7`) and as child indices. BIP-32 §"The key
 * tree" writes hardened indices with a subscript H; wallets write `'` or `h`. Both are accepted
 * (and `H`); the canonical output uses `'`.
 *
 * Trusts nothing it parses. A path has exactly one accepted spelling per index (no leading
 * zeros, no `+`, no whitespace, no empty segment), at most 255 levels (the depth byte of
 * BIP-32 §Serialization format), and every index below 2^31 before the hardened mark. A bad path
 * throws `CustodyError('INVALID_INPUT')` naming the segment; paths are not secret, so the
 * offending text is quoted (cut to 24 characters).
 */
import { CustodyError } from '../../../../shared/errors.js';

/** BIP-32 §"Child key derivation (CKD) functions": indices ≥ 2^31 are hardened. */
export const HARDENED_OFFSET = 0x80000000;

/** BIP-32 §Serialization format: depth is one byte. */
export const MAX_PATH_DEPTH = 255;

/** `index + 2^31`. @throws CustodyError('INVALID_INPUT') if `index` is not an integer in [0, 2^31). */
export function hardened(index: number): number {
  assertUnhardenedIndex(index, 'index');
  return index + HARDENED_OFFSET;
}

export function isHardened(index: number): boolean {
  return index >= HARDENED_OFFSET;
}

/** @throws CustodyError('INVALID_INPUT') unless `index` is an integer in [0, 2^32). */
export function assertChildIndex(index: number, what = 'child index'): void {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 0xffffffff) {
    throw new CustodyError('INVALID_INPUT', `${what} must be an integer from 0 to 2^32-1`);
  }
}

/** @throws CustodyError('INVALID_INPUT') unless `index` is an integer in [0, 2^31). */
export function assertUnhardenedIndex(index: number, what = 'index'): void {
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= HARDENED_OFFSET) {
    throw new CustodyError('INVALID_INPUT', `${what} must be an integer from 0 to 2^31-1`);
  }
}

const SEGMENT = /^(0|[1-9][0-9]{0,9})(['hH]?)$/;

function quote(text: string): string {
  return JSON.stringify(text.length > 24 ? `${text.slice(0, 24)}…` : text);
}

/**
 * Parse `m/44'/60'/0'/0/7` (or `m/44h/60h/0h/0/7`) into child indices (hardened ones + 2^31).
 * `m` alone is the master node (no indices).
 * @throws CustodyError('INVALID_INPUT') naming the bad segment (1-based, after `m`).
 */
export function parsePath(path: string): number[] {
  if (typeof path !== 'string') throw new CustodyError('INVALID_INPUT', 'derivation path must be a string');
  const segments = path.split('/');
  if (segments[0] !== 'm') {
    throw new CustodyError('INVALID_INPUT', `derivation path must start with "m", not ${quote(segments[0] ?? '')}`);
  }
  if (segments.length - 1 > MAX_PATH_DEPTH) {
    throw new CustodyError('INVALID_INPUT', `derivation path has ${segments.length - 1} levels; BIP-32 allows at most ${MAX_PATH_DEPTH}`);
  }
  const indices: number[] = [];
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i] as string;
    const match = SEGMENT.exec(segment);
    if (match === null) {
      const why = segment === '' ? 'is empty' : 'is not an index (digits without leading zeros, then optionally \' or h)';
      throw new CustodyError('INVALID_INPUT', `derivation path segment ${i} ${quote(segment)} ${why}`, {
        details: { segment: i },
      });
    }
    const value = Number(match[1]);
    if (value >= HARDENED_OFFSET) {
      throw new CustodyError('INVALID_INPUT', `derivation path segment ${i} ${quote(segment)} is out of range: an index must be below 2^31 (2147483648) before the hardened mark`, {
        details: { segment: i },
      });
    }
    indices.push(match[2] === '' ? value : value + HARDENED_OFFSET);
  }
  return indices;
}

/** Indices back to text, hardened ones marked `'` (or `h`). */
export function formatPath(indices: readonly number[], mark: "'" | 'h' = "'"): string {
  if (indices.length > MAX_PATH_DEPTH) throw new CustodyError('INVALID_INPUT', `a path has at most ${MAX_PATH_DEPTH} levels`);
  let out = 'm';
  for (const index of indices) {
    assertChildIndex(index);
    out += isHardened(index) ? `/${index - HARDENED_OFFSET}${mark}` : `/${index}`;
  }
  return out;
}

/** A path given as text or as indices, as indices (text is parsed; indices are range-checked and copied). */
export function toIndices(path: string | readonly number[]): number[] {
  if (typeof path === 'string') return parsePath(path);
  if (!Array.isArray(path)) throw new CustodyError('INVALID_INPUT', 'derivation path must be a string or an array of indices');
  if (path.length > MAX_PATH_DEPTH) throw new CustodyError('INVALID_INPUT', `a path has at most ${MAX_PATH_DEPTH} levels`);
  path.forEach((index, i) => assertChildIndex(index, `path index ${i + 1}`));
  return [...path];
}
