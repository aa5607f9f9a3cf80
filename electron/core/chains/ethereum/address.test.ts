/**
 * EIP-55 addresses against ethers (computeAddress, getAddress) and the EIP-55 examples, and the
 * address parser's refusals.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { computeAddress, getAddress, hexlify, randomBytes } from 'ethers';
import { describe, expect, it } from 'vitest';
import { codeOf, readVector } from '../../../../test/support.js';
import { addressFromPublicKey, isValidAddress, parseAddress } from './address.js';

interface MailVector {
  signer: { privateKey: string; publicKeyUncompressed: string; address: string };
}

// EIP-55 §Test Cases: all caps, all lower, normal.
const EIP55 = [
  '0x52908400098527886E0F7030069857D2E4169EE7',
  '0x8617E340B3D01FA5F11F306F4090FD50E238070D',
  '0xde709f2102306220921060314715629080e2fb77',
  '0x27b1fdb04752bbc536007a920d24acb045561c26',
  '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
  '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
  '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
  '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
];

describe('addressFromPublicKey', () => {
  it('gives the EIP-712 example signer its address from either point encoding', () => {
    const v = readVector<MailVector>('eip712/eip712_mail.json');
    const uncompressed = Uint8Array.from(Buffer.from(v.signer.publicKeyUncompressed.slice(2), 'hex'));
    const compressed = secp256k1.Point.fromBytes(uncompressed).toBytes(true);
    expect(addressFromPublicKey(uncompressed)).toBe('0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826');
    expect(addressFromPublicKey(compressed)).toBe('0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826');
    expect(addressFromPublicKey(compressed).toLowerCase()).toBe(v.signer.address);
  });

  it('equals ethers computeAddress for random keys', () => {
    for (let i = 0; i < 50; i++) {
      const pub = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), i % 2 === 0);
      expect(addressFromPublicKey(pub)).toBe(computeAddress(hexlify(pub)));
    }
  });

  it('refuses bytes that are not a point on the curve', () => {
    expect(codeOf(() => addressFromPublicKey(new Uint8Array(33)))).toBe('INVALID_INPUT');
    expect(codeOf(() => addressFromPublicKey(Uint8Array.of(2, ...new Uint8Array(32).fill(0xff))))).toBe('INVALID_INPUT');
    expect(codeOf(() => addressFromPublicKey(new Uint8Array(64)))).toBe('INVALID_INPUT');
    expect(codeOf(() => addressFromPublicKey('02ab' as unknown as Uint8Array))).toBe('INVALID_INPUT');
  });
});

describe('parseAddress (EIP-55)', () => {
  it('accepts the EIP-55 examples and returns the checksummed form', () => {
    for (const address of EIP55) {
      expect(parseAddress(address)).toBe(getAddress(address));
      expect(parseAddress(address.toLowerCase())).toBe(getAddress(address));
      expect(parseAddress(`0x${address.slice(2).toUpperCase()}`)).toBe(getAddress(address));
    }
  });

  it('refuses a mixed-case address whose checksum is wrong, naming the expected form', () => {
    const good = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
    const bad = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD';
    expect(codeOf(() => parseAddress(bad))).toBe('INVALID_INPUT');
    expect(() => parseAddress(bad)).toThrow(good);
    expect(isValidAddress(bad)).toBe(false);
    expect(isValidAddress(good)).toBe(true);
  });

  it('flipping the case of any one letter of a checksummed address is caught', () => {
    for (let n = 0; n < 20; n++) {
      const address = getAddress(hexlify(randomBytes(20)));
      for (let i = 2; i < address.length; i++) {
        const c = address[i] as string;
        if (c.toLowerCase() === c.toUpperCase()) continue;
        const flipped = address.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + address.slice(i + 1);
        const body = flipped.slice(2);
        if (body === body.toLowerCase() || body === body.toUpperCase()) continue; // became checksum-less
        expect(codeOf(() => parseAddress(flipped))).toBe('INVALID_INPUT');
      }
    }
  });

  it('accepts only 0x + 40 hex digits: no ICAP, no missing prefix, no ENS, no padding', () => {
    for (const value of [
      '5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
      'XE7338O073KYGTWWZN0F2WZ0R8PX5ZPPZS',
      'vitalik.eth',
      '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae',
      '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00',
      ' 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed',
      '0X5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED',
      '',
      null,
      42,
      { address: '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed' },
    ]) {
      expect(codeOf(() => parseAddress(value)), String(value)).toBe('INVALID_INPUT');
    }
  });
});
