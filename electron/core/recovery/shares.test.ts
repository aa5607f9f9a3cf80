/**
 * Share encoding: both printed forms round-trip, every M-subset rebuilds the secret, fewer than
 * M are refused, a flipped character is refused naming the share's position, and shares of
 * another split or key are refused.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CustodyError } from '../../../shared/errors.js';
import { combineShares, parseShare, splitMasterKey, type ParsedShare } from './shares.js';

const random = (n: number) => Uint8Array.from(randomBytes(n));

function subsets<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  return items.flatMap((item, i) => subsets(items.slice(i + 1), k - 1).map((rest) => [item, ...rest]));
}

async function refusal(run: () => unknown): Promise<CustodyError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof CustodyError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('recovery shares', () => {
  it('print as base32 and words, and any 3 of 5 rebuild the key in either form', async () => {
    const master = random(32);
    const fingerprint = random(8);
    const { shares } = await splitMasterKey(master, { shares: 5, threshold: 3, fingerprint, random });
    expect(shares).toHaveLength(5);
    expect(shares[1]?.base32).toMatch(/^CUSTOS-2-3of5-([A-Z2-7]{4}-){21}[A-Z2-7]$/);
    expect(shares[1]?.words.split(' ')).toHaveLength(39);
    const parsed = shares.map((s, i) => parseShare(i % 2 === 0 ? s.base32 : s.words, i + 1));
    expect(parsed.map((p) => p.number)).toEqual([1, 2, 3, 4, 5]);
    expect(parsed[0]?.fingerprint).toBe(Buffer.from(fingerprint).toString('hex'));
    for (const subset of subsets(parsed, 3)) {
      expect(Buffer.from((await combineShares(subset)).secret).equals(Buffer.from(master))).toBe(true);
    }
    for (const subset of subsets(parsed, 2)) {
      expect((await refusal(() => combineShares(subset))).message).toBe('3 shares are needed (any 3 of 5); 2 given');
    }
    // Lower case, extra spaces and missing dashes are all the same share.
    const [label, body] = [(shares[0]?.base32 ?? '').slice(0, 14), (shares[0]?.base32 ?? '').slice(14)];
    const loose = `${label.toLowerCase()} ${body.toLowerCase().replaceAll('-', ' ')}`;
    expect(parseShare(loose, 1).point).toEqual(parsed[0]?.point);
  });

  it('refuse a flipped character or word, naming the share by its place in the input', async () => {
    const { shares } = await splitMasterKey(random(32), { shares: 5, threshold: 3, fingerprint: random(8), random });
    const b32 = shares[2]?.base32 ?? '';
    const at = b32.length - 10;
    const flipped = b32.slice(0, at) + (b32[at] === 'A' ? 'B' : 'A') + b32.slice(at + 1);
    const error = await refusal(() => parseShare(flipped, 3));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toBe('share 3: checksum does not match (a character or word is wrong)');
    expect(error.details).toMatchObject({ share: 3 });

    const words = (shares[2]?.words ?? '').split(' ');
    words[7] = words[7] === 'abandon' ? 'ability' : 'abandon';
    expect((await refusal(() => parseShare(words.join(' '), 2))).message).toMatch(/^share 2: checksum does not match/);
    words[7] = 'notaword';
    expect((await refusal(() => parseShare(words.join(' '), 2))).message).toBe('share 2: word 8 is not in the BIP-39 English wordlist');
    // The label must agree with the contents.
    expect((await refusal(() => parseShare(b32.replace(/^CUSTOS-3-/, 'CUSTOS-4-'), 1))).message).toMatch(/^share 1: its label does not match/);
    expect((await refusal(() => parseShare('', 4))).message).toBe('share 4: is empty');
  });

  it('refuse mixing splits, keys and repeats', async () => {
    const master = random(32);
    const fingerprint = random(8);
    const one = (await splitMasterKey(master, { shares: 3, threshold: 2, fingerprint, random })).shares.map((s, i) => parseShare(s.base32, i + 1));
    const two = (await splitMasterKey(master, { shares: 3, threshold: 2, fingerprint, random })).shares.map((s, i) => parseShare(s.base32, i + 1));
    const other = (await splitMasterKey(random(32), { shares: 3, threshold: 2, fingerprint: random(8), random })).shares.map((s, i) => parseShare(s.base32, i + 1));
    const pick = (xs: ParsedShare[], i: number) => xs[i] as ParsedShare;
    expect((await refusal(() => combineShares([pick(one, 0), pick(two, 1)]))).message).toMatch(/^share 2: is from a different split/);
    expect((await refusal(() => combineShares([pick(one, 0), pick(other, 1)]))).message).toMatch(/^share 2: belongs to a different vault/);
    expect((await refusal(() => combineShares([pick(one, 0), pick(one, 0)]))).message).toMatch(/^share 2: repeats share 1/);
  });

  it('refuse thresholds that are no scheme', async () => {
    const base = { fingerprint: random(8), random };
    for (const [shares, threshold] of [[5, 1], [2, 3], [17, 3], [1, 1]] as const) {
      expect((await refusal(() => splitMasterKey(random(32), { ...base, shares, threshold }))).code).toBe('INVALID_INPUT');
    }
  });
});
