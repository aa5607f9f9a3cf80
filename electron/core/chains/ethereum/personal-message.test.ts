/**
 * EIP-191 personal_sign through the engine signer, checked with ethers (hashMessage,
 * verifyMessage), and byte-equal to ethers' Wallet.signMessage when both sign deterministically.
 */
import { Wallet, hashMessage, keccak256, toUtf8Bytes, verifyMessage } from 'ethers';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../../test/support.js';
import { hashPersonalMessage, signPersonalMessage } from './personal-message.js';
import { countingSigner, deterministicSigner, testSigner } from './test-signers.js';

const KEY = keccak256(toUtf8Bytes('custos personal_sign test key'));
const keyBytes = Uint8Array.from(Buffer.from(KEY.slice(2), 'hex'));
const wallet = new Wallet(KEY);

const MESSAGES: Uint8Array[] = [
  toUtf8Bytes('Hello, Custos'),
  new Uint8Array(0),
  Uint8Array.of(0, 1, 2, 0xff),
  toUtf8Bytes('0x1234'),
  toUtf8Bytes('Sign in to example.org\nNonce: 8f3a\n\u00e9\u4e2d\u{1F600}'),
  new Uint8Array(1000).fill(0x61),
];

describe('personal_sign (EIP-191 version 0x45)', () => {
  const signer = testSigner(keyBytes);

  it('hashes as ethers hashMessage does, over the bytes given', () => {
    for (const m of MESSAGES) expect(hashPersonalMessage(m)).toBe(hashMessage(m));
    // The prefix carries the decimal byte length: "\x19Ethereum Signed Message:\n5hello".
    expect(hashPersonalMessage(toUtf8Bytes('hello'))).toBe(keccak256(toUtf8Bytes('\x19Ethereum Signed Message:\n5hello')));
  });

  it('signs so that ethers verifyMessage recovers our address', () => {
    for (const m of MESSAGES) {
      const sig = signPersonalMessage(signer, m);
      expect(sig.address).toBe(wallet.address);
      expect(verifyMessage(m, sig.signature)).toBe(wallet.address);
      expect(sig.signature).toMatch(/^0x[0-9a-f]{130}$/);
      expect([27, 28]).toContain(sig.v);
      expect(Number.parseInt(sig.signature.slice(130), 16)).toBe(sig.v);
      expect(sig.signature.slice(2, 66)).toBe(sig.r.slice(2));
      expect(sig.signature.slice(66, 130)).toBe(sig.s.slice(2));
      expect(sig.digest).toBe(hashMessage(m));
    }
  });

  it('gives the same 65 bytes as ethers Wallet.signMessage when both sign with plain RFC 6979', async () => {
    const det = deterministicSigner(keyBytes);
    for (const m of MESSAGES) expect(signPersonalMessage(det, m).signature).toBe(await wallet.signMessage(m));
  });

  it('takes bytes only: a string (text or hex?) is INVALID_INPUT and nothing is signed', () => {
    const counting = countingSigner(signer);
    for (const bad of ['hello', '0x1234', null, [1, 2], { length: 2 }]) {
      expect(codeOf(() => signPersonalMessage(counting, bad as unknown as Uint8Array))).toBe('INVALID_INPUT');
    }
    expect(counting.calls).toBe(0);
  });
});
