/**
 * Derivation paths: both hardened marks, canonical output, and typed errors that name the segment.
 */
import { describe, expect, it } from 'vitest';
import { CustodyError } from '../../../../shared/errors.js';
import { codeOf } from '../../../../test/support.js';
import { HARDENED_OFFSET, formatPath, hardened, isHardened, parsePath, toIndices } from './path.js';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CustodyError && error.code === 'INVALID_INPUT') return error.message;
    throw error;
  }
  throw new Error('expected INVALID_INPUT');
}

describe('parsePath / formatPath', () => {
  it("reads ' h and H as hardened and writes '", () => {
    const expected = [44 + HARDENED_OFFSET, 60 + HARDENED_OFFSET, HARDENED_OFFSET, 0, 7];
    for (const text of ["m/44'/60'/0'/0/7", 'm/44h/60h/0h/0/7', 'm/44H/60H/0H/0/7', "m/44h/60'/0H/0/7"]) {
      expect(parsePath(text)).toEqual(expected);
    }
    expect(formatPath(expected)).toBe("m/44'/60'/0'/0/7");
    expect(formatPath(expected, 'h')).toBe('m/44h/60h/0h/0/7');
    expect(parsePath('m')).toEqual([]);
    expect(formatPath([])).toBe('m');
    expect(parsePath("m/2147483647'/2147483647")).toEqual([0xffffffff, 0x7fffffff]);
  });

  it('round-trips random paths', () => {
    for (let i = 0; i < 200; i++) {
      const indices = Array.from({ length: Math.floor(Math.random() * 8) }, () => Math.floor(Math.random() * 2 ** 32));
      expect(parsePath(formatPath(indices))).toEqual(indices);
    }
  });

  it('names the bad segment', () => {
    expect(messageOf(() => parsePath("m/44'/60'/x/0"))).toBe('derivation path segment 3 "x" is not an index (digits without leading zeros, then optionally \' or h)');
    expect(messageOf(() => parsePath("m/44'//0"))).toBe('derivation path segment 2 "" is empty');
    expect(messageOf(() => parsePath("m/44'/60'/0'/0/"))).toBe('derivation path segment 5 "" is empty');
    expect(messageOf(() => parsePath('m/2147483648'))).toMatch(/^derivation path segment 1 "2147483648" is out of range/);
    expect(messageOf(() => parsePath("m/2147483648'"))).toMatch(/^derivation path segment 1 "2147483648'" is out of range/);
    expect(messageOf(() => parsePath("44'/60'"))).toBe('derivation path must start with "m", not "44\'"');
    expect(messageOf(() => parsePath("M/44'"))).toBe('derivation path must start with "m", not "M"');
    for (const bad of ['m/01', 'm/+1', 'm/-1', 'm/1.5', "m/1''", 'm/ 1', 'm/1 ', 'm/0x10', "m/1'h", 'm/１']) {
      expect(codeOf(() => parsePath(bad)), bad).toBe('INVALID_INPUT');
    }
    const long = `m/${'9'.repeat(40)}`;
    expect(messageOf(() => parsePath(long))).toContain('…');
    expect(codeOf(() => parsePath(`m${'/0'.repeat(256)}`))).toBe('INVALID_INPUT');
    expect(codeOf(() => parsePath(`m${'/0'.repeat(255)}`))).toBe('OK');
    expect(codeOf(() => parsePath(undefined as unknown as string))).toBe('INVALID_INPUT');
  });

  it('the error carries the segment number', () => {
    try {
      parsePath("m/44'/60'/0'/zero");
    } catch (error) {
      expect((error as CustodyError).details).toEqual({ segment: 4 });
    }
  });

  it('hardened, isHardened, toIndices', () => {
    expect(hardened(44)).toBe(0x8000002c);
    expect(isHardened(0x8000002c)).toBe(true);
    expect(isHardened(44)).toBe(false);
    expect(codeOf(() => hardened(HARDENED_OFFSET))).toBe('INVALID_INPUT');
    expect(codeOf(() => hardened(-1))).toBe('INVALID_INPUT');
    expect(toIndices([1, 2])).toEqual([1, 2]);
    expect(codeOf(() => toIndices([2 ** 32]))).toBe('INVALID_INPUT');
    expect(codeOf(() => toIndices([1.5]))).toBe('INVALID_INPUT');
    expect(codeOf(() => formatPath([-1]))).toBe('INVALID_INPUT');
  });
});
