/**
 * EIP-7702 authorization tuples: the digest against the EIP's formula and ethers'
 * hashAuthorization, signatures checked with ethers' verifyAuthorization, a signed tuple carried
 * by a type-4 transaction that ethers parses, and the chain id rule.
 */
import { Transaction, Wallet, concat, encodeRlp, hashAuthorization as ethersHashAuthorization, keccak256, toBeArray, toUtf8Bytes, verifyAuthorization } from 'ethers';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../../test/support.js';
import { hashAuthorization, signAuthorization } from './authorization.js';
import { countingSigner, testSigner } from './test-signers.js';
import { signTransaction } from './transaction.js';

const keyOf = (label: string): Uint8Array => Uint8Array.from(Buffer.from(keccak256(toUtf8Bytes(label)).slice(2), 'hex'));
const authorityKey = keyOf('custos 7702 authority key');
const authority = testSigner(authorityKey);
const authorityAddress = new Wallet(keccak256(toUtf8Bytes('custos 7702 authority key'))).address;
const sponsor = testSigner(keyOf('custos 7702 sponsor key'));
const DELEGATE = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';

describe('EIP-7702 authorization', () => {
  it('digest = keccak256(0x05 ‖ rlp([chain_id, address, nonce])), as ethers computes it', () => {
    for (const [chainId, nonce] of [
      [1n, 0n],
      [11155111n, 42n],
      [0n, 2n ** 64n - 2n],
    ] as const) {
      const expected = keccak256(concat(['0x05', encodeRlp([toBeArray(chainId), DELEGATE, toBeArray(nonce)])]));
      const options = chainId === 0n ? { expectedChainId: 1, allowAnyChain: true } : { expectedChainId: chainId };
      expect(hashAuthorization({ chainId, address: DELEGATE, nonce }, options)).toBe(expected);
      expect(expected).toBe(ethersHashAuthorization({ chainId, address: DELEGATE, nonce }));
    }
  });

  it('signs so that ethers verifyAuthorization recovers the authority', () => {
    const signed = signAuthorization(authority, { chainId: 1, address: DELEGATE, nonce: 5 }, { expectedChainId: 1 });
    expect(signed.authority).toBe(authorityAddress);
    expect(signed).toMatchObject({ chainId: '0x1', address: DELEGATE, nonce: '0x5' });
    expect(verifyAuthorization({ chainId: 1n, address: DELEGATE, nonce: 5n }, { r: signed.r, s: signed.s, yParity: Number(signed.yParity) as 0 | 1 })).toBe(authorityAddress);
  });

  it('a signed tuple goes into a type-4 transaction sent by another account, and ethers reads it back', () => {
    const signed = signAuthorization(authority, { chainId: '0x1', address: DELEGATE, nonce: '0x0' }, { expectedChainId: 1 });
    const { digest: _d, authority: _a, ...tuple } = signed;
    const tx = signTransaction(sponsor, {
      type: 4,
      chainId: 1,
      nonce: 0,
      to: authorityAddress,
      gasLimit: 100000,
      maxFeePerGas: '2000000000',
      maxPriorityFeePerGas: '1000000000',
      authorizationList: [tuple],
    });
    const t = Transaction.from(tx.rawTransaction);
    const a = t.authorizationList?.[0];
    expect(a?.address).toBe(DELEGATE);
    expect(verifyAuthorization({ chainId: a?.chainId ?? 0n, address: a?.address ?? '', nonce: a?.nonce ?? 0n }, a?.signature ?? '0x')).toBe(authorityAddress);
    expect(t.from).not.toBe(authorityAddress);
  });

  it('chain id 0 (every chain) needs allowAnyChain; a chain id other than the expected one is refused; nothing is signed', () => {
    const counting = countingSigner(authority);
    expect(codeOf(() => signAuthorization(counting, { chainId: 0, address: DELEGATE, nonce: 0 }, { expectedChainId: 1 }))).toBe('INVALID_INPUT');
    expect(() => signAuthorization(counting, { chainId: 10, address: DELEGATE, nonce: 0 }, { expectedChainId: 1 })).toThrow(/chain 10, .*chain 1$/);
    expect(codeOf(() => signAuthorization(counting, { chainId: 1, address: DELEGATE, nonce: 0 }, {} as never))).toBe('INVALID_INPUT');
    expect(codeOf(() => signAuthorization(counting, { chainId: 1, address: DELEGATE, nonce: (2n ** 64n - 1n).toString() }, { expectedChainId: 1 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => signAuthorization(counting, { chainId: 1, address: DELEGATE.toLowerCase().replace('5a', '5A'), nonce: 0 }, { expectedChainId: 1 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => signAuthorization(counting, { chainId: 1, address: DELEGATE, nonce: 0, extra: 1 }, { expectedChainId: 1 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => signAuthorization(counting, { chainId: 1, address: DELEGATE }, { expectedChainId: 1 }))).toBe('INVALID_INPUT');
    expect(counting.calls).toBe(0);
    const anyChain = signAuthorization(counting, { chainId: 0, address: DELEGATE, nonce: 0 }, { expectedChainId: 1, allowAnyChain: true });
    expect(anyChain.chainId).toBe('0x0');
    expect(counting.calls).toBe(1);
  });
});
