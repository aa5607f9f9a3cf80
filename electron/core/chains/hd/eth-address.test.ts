/**
 * Ethereum addresses of secp256k1 public keys (Keccak-256, last 20 bytes, EIP-55), checked
 * against ethers' computeAddress for every key encoding, and the typed errors.
 */
import { describe, expect, it } from 'vitest';
import { computeAddress, getAddress } from 'ethers';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { codeOf } from '../../../../test/support.js';
import { ethAddressFromPublicKey } from './eth-address.js';

const hex0x = (b: Uint8Array): string => `0x${Buffer.from(b).toString('hex')}`;

describe('ethAddressFromPublicKey', () => {
  it('agrees with ethers for compressed, uncompressed and raw x‖y keys', () => {
    for (let i = 0; i < 100; i++) {
      const sk = secp256k1.utils.randomSecretKey();
      const compressed = secp256k1.getPublicKey(sk, true);
      const uncompressed = secp256k1.getPublicKey(sk, false);
      const expected = computeAddress(hex0x(uncompressed));
      expect(ethAddressFromPublicKey(compressed)).toBe(expected);
      expect(ethAddressFromPublicKey(uncompressed)).toBe(expected);
      expect(ethAddressFromPublicKey(uncompressed.subarray(1))).toBe(expected);
      expect(getAddress(expected.toLowerCase())).toBe(expected); // EIP-55 mixed case, as ethers writes it
    }
  });

  it('the address of the secp256k1 generator (private key 1)', () => {
    // Widely published: the address of private key 0x…01.
    expect(ethAddressFromPublicKey(secp256k1.getPublicKey(Uint8Array.from({ length: 32 }, (_, i) => (i === 31 ? 1 : 0))))).toBe(
      '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf',
    );
  });

  it('refuses bytes that are not a point', () => {
    expect(codeOf(() => ethAddressFromPublicKey(new Uint8Array(33)))).toBe('INVALID_INPUT');
    expect(codeOf(() => ethAddressFromPublicKey(new Uint8Array(64)))).toBe('INVALID_INPUT');
    expect(codeOf(() => ethAddressFromPublicKey(new Uint8Array(65).fill(4)))).toBe('INVALID_INPUT');
    expect(codeOf(() => ethAddressFromPublicKey(new Uint8Array(32)))).toBe('INVALID_INPUT');
    expect(codeOf(() => ethAddressFromPublicKey('0x02' as unknown as Uint8Array))).toBe('INVALID_INPUT');
  });
});
