/**
 * StarkNet keys: EIP-2645 paths and StarkWare key grinding against the published examples in
 * test/vectors/bip/starknet_key_derivation.json (StarkWare's starkware-crypto-utils tests, and
 * Argent X's for both its current m/44'/9004' layout and its earlier EIP-2645 path), and against
 * @scure/starknet's getAccountPath / grindKey on random inputs.
 */
import { describe, expect, it } from 'vitest';
import { getAccountPath, getStarkKey, grindKey } from '@scure/starknet';
import { codeOf, hex, readVector } from '../../../../test/support.js';
import { mnemonicToSeed } from './bip39.js';
import { masterNodeFromSeed } from './slip10.js';
import { STARK_CURVE_ORDER, eip2645Path, eip2645Segment, grindStarkKey, starkKeyFromNode, starknetAccountPath } from './starknet.js';

interface StarkVectors {
  starkware: {
    layer: string;
    application: string;
    mnemonic: string;
    ethAddress: string;
    keys: Array<{ index: number; privateKey: string }>;
    grind: { seed: string; groundKey: string };
  };
  argentx: { secret: string; basePath: string; starkKeys: Array<{ index: number; starkKey: string }>; pathHash: Record<string, number> };
  argentxLegacy: { secret: string; layer: string; application: string; ethAddress: string; basePath: string; starkKeys: Array<{ index: number; starkKey: string }> };
}

const V = readVector<StarkVectors>('bip/starknet_key_derivation.json');
const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const unpadded = (h: string): string => h.replace(/^0x/, '').replace(/^0+/, '');

describe('StarkWare (starkware-crypto-utils) vectors', () => {
  it('EIP-2645 path from layer, application and Ethereum address; ground keys at indices 0, 7, 598', () => {
    const s = V.starkware;
    const root = masterNodeFromSeed(mnemonicToSeed(s.mnemonic));
    expect(s.keys).toHaveLength(3);
    for (const { index, privateKey } of s.keys) {
      const path = eip2645Path({ layer: s.layer, application: s.application, ethAddress: s.ethAddress, index });
      expect(path).toBe(getAccountPath(s.layer, s.application, s.ethAddress, index));
      expect(hex(starkKeyFromNode(root.derivePath(path)))).toBe(privateKey);
    }
    expect(eip2645Path({ layer: s.layer, application: s.application, ethAddress: s.ethAddress, index: 0 })).toBe("m/2645'/579218131'/891216374'/1961790679'/2135936222'/0");
  });

  it('grindKey of the published seed', () => {
    const ground = grindStarkKey(fromHex(V.starkware.grind.seed));
    expect(ground).toHaveLength(32);
    expect(unpadded(hex(ground))).toBe(V.starkware.grind.groundKey);
  });
});

describe('Argent X vectors', () => {
  it("current layout m/44'/9004'/0'/0/i from a 32-byte secret as BIP-32 seed: Stark public keys of indices 5 and 7", () => {
    const a = V.argentx;
    const master = masterNodeFromSeed(fromHex(a.secret));
    for (const { index, starkKey } of a.starkKeys) {
      expect(`${a.basePath}/${index}`).toBe(starknetAccountPath(index));
      expect(unpadded(getStarkKey(starkKeyFromNode(master.derivePath(starknetAccountPath(index)))))).toBe(unpadded(starkKey));
    }
  });

  it('earlier EIP-2645 layout m/2645\'/starknet\'/argentx\'/0\'/0\'/i: indices 5 and 7', () => {
    const a = V.argentxLegacy;
    const master = masterNodeFromSeed(fromHex(a.secret));
    for (const { index, starkKey } of a.starkKeys) {
      const path = eip2645Path({ layer: a.layer, application: a.application, ethAddress: a.ethAddress, index });
      expect(path).toBe(`${a.basePath}/${index}`);
      expect(unpadded(getStarkKey(starkKeyFromNode(master.derivePath(path))))).toBe(unpadded(starkKey));
    }
  });

  it('EIP-2645 name hashes (argent-x pathHash)', () => {
    for (const [name, value] of Object.entries(V.argentx.pathHash)) expect(eip2645Segment(name)).toBe(value);
  });
});

describe('grindStarkKey agrees with @scure/starknet', () => {
  it('random 32-byte seeds give the same key, in [1, n)', () => {
    for (let i = 0; i < 200; i++) {
      const seed = Uint8Array.from({ length: 32 }, () => Math.floor(Math.random() * 256));
      const ours = grindStarkKey(seed);
      expect(unpadded(hex(ours))).toBe(unpadded(grindKey(seed)));
      const k = BigInt(`0x${hex(ours)}`);
      expect(k > 0n && k < STARK_CURVE_ORDER).toBe(true);
    }
  });

  it('random EIP-2645 paths agree with getAccountPath', () => {
    for (let i = 0; i < 50; i++) {
      const address = `0x${hex(Uint8Array.from({ length: 20 }, () => Math.floor(Math.random() * 256)))}`;
      const index = Math.floor(Math.random() * 2 ** 31);
      expect(eip2645Path({ layer: 'starknet', application: `app${i}`, ethAddress: address, index })).toBe(getAccountPath('starknet', `app${i}`, address, index));
      expect(eip2645Path({ layer: 'starknet', application: `app${i}`, ethAddress: fromHex(address.slice(2)), index })).toBe(getAccountPath('starknet', `app${i}`, address, index));
    }
  });
});

describe('typed errors', () => {
  it('bad inputs are INVALID_INPUT', () => {
    const master = masterNodeFromSeed(new Uint8Array(32).fill(5));
    expect(codeOf(() => grindStarkKey(new Uint8Array(0)))).toBe('INVALID_INPUT');
    expect(codeOf(() => starkKeyFromNode(master.neuter()))).toBe('INVALID_INPUT');
    expect(codeOf(() => starkKeyFromNode(masterNodeFromSeed(new Uint8Array(32).fill(5), 'ed25519')))).toBe('INVALID_INPUT');
    expect(codeOf(() => eip2645Path({ layer: '', application: 'a', ethAddress: `0x${'00'.repeat(20)}`, index: 0 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => eip2645Path({ layer: 'l', application: 'a', ethAddress: '0x1234', index: 0 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => eip2645Path({ layer: 'l', application: 'a', ethAddress: `0x${'00'.repeat(20)}`, index: 2 ** 31 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => starknetAccountPath(-1))).toBe('INVALID_INPUT');
  });
});
