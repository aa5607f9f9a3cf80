/**
 * The derivation cache: same nodes as direct derivation, interior nodes kept and reused, LRU
 * eviction that wipes, results owned by the caller, and a wiped cache that refuses work.
 */
import { describe, expect, it } from 'vitest';
import { codeOf, hex } from '../../../../test/support.js';
import { ethereumAddressPath, ethereumParentPath } from './accounts.js';
import { createDerivationCache } from './cache.js';
import { encodeExtendedPublicKey, parseExtendedKey } from './extended-key.js';
import { masterNodeFromSeed } from './slip10.js';

const seed = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0xff);

describe('createDerivationCache', () => {
  it('derives the same nodes as the root does, caching the interior nodes once', () => {
    const root = masterNodeFromSeed(seed);
    const cache = createDerivationCache(root);
    for (let i = 0; i < 20; i++) {
      const viaCache = cache.derive(ethereumAddressPath(i));
      const direct = root.derivePath(ethereumAddressPath(i));
      expect(hex(viaCache.privateKey as Uint8Array)).toBe(hex(direct.privateKey as Uint8Array));
      expect(hex(viaCache.chainCode)).toBe(hex(direct.chainCode));
      expect(viaCache.parentFingerprint).toBe(direct.parentFingerprint);
      expect(viaCache.depth).toBe(5);
    }
    expect(cache.size).toBe(4); // m/44', m/44'/60', m/44'/60'/0', m/44'/60'/0'/0
    cache.derive("m/44'/60'/1'/0/0"); // reuses m/44'/60'
    expect(cache.size).toBe(6);
    expect(hex(cache.derive(ethereumParentPath()).publicKey)).toBe(hex(root.derivePath(ethereumParentPath()).publicKey));
    expect(hex(cache.derive('m').publicKey)).toBe(hex(root.publicKey));
  });

  it('returns nodes the caller owns: wiping them, or the caller\'s root, leaves the cache working', () => {
    const root = masterNodeFromSeed(seed);
    const expected = hex(root.derivePath(ethereumAddressPath(3)).privateKey as Uint8Array);
    const cache = createDerivationCache(root);
    root.wipe();
    cache.derive(ethereumAddressPath(3)).wipe();
    cache.derive('m').wipe();
    expect(hex(cache.derive(ethereumAddressPath(3)).privateKey as Uint8Array)).toBe(expected);
  });

  it('evicts least recently used interior nodes past maxEntries, wiping them', () => {
    const root = masterNodeFromSeed(seed);
    const cache = createDerivationCache(root, { maxEntries: 3 });
    cache.derive("m/0/0/0/0"); // caches m/0, m/0/0, m/0/0/0
    expect(cache.size).toBe(3);
    cache.derive("m/1/0"); // caches m/1, evicts m/0
    expect(cache.size).toBe(3);
    expect(hex(cache.derive("m/0/0/0/5").publicKey)).toBe(hex(root.derivePath("m/0/0/0/5").publicKey));
    expect(codeOf(() => createDerivationCache(root, { maxEntries: 0 }))).toBe('INVALID_INPUT');
  });

  it('clear() wipes the interior nodes; wipe() also the root copy, after which it refuses', () => {
    const cache = createDerivationCache(masterNodeFromSeed(seed));
    cache.derive(ethereumAddressPath(0));
    cache.clear();
    expect(cache.size).toBe(0);
    expect(codeOf(() => cache.derive(ethereumAddressPath(0)))).toBe('OK');
    cache.wipe();
    expect(cache.size).toBe(0);
    expect(codeOf(() => cache.derive(ethereumAddressPath(0)))).toBe('INVALID_INPUT');
  });

  it('memo() makes a value once per key, evicts the least recently used past maxMemos, and disposes on eviction, clear() and wipe()', () => {
    const cache = createDerivationCache(masterNodeFromSeed(seed), { maxMemos: 2 });
    const disposed: string[] = [];
    let made = 0;
    const get = (key: string) =>
      cache.memo(
        key,
        () => {
          made++;
          return { key };
        },
        (v) => disposed.push(v.key),
      );
    const a = get('a');
    expect(get('a')).toBe(a);
    get('b');
    get('a'); // a is now the most recent
    get('c'); // evicts b
    expect([made, disposed]).toEqual([3, ['b']]);
    cache.clear();
    expect(disposed.sort()).toEqual(['a', 'b', 'c']);
    get('a');
    cache.wipe();
    expect(disposed).toHaveLength(4);
    expect(codeOf(() => get('d'))).toBe('INVALID_INPUT');
    expect(made).toBe(4);
    expect(codeOf(() => createDerivationCache(masterNodeFromSeed(seed), { maxMemos: 0 }))).toBe('INVALID_INPUT');
  });

  it('works over a watch-only account (xpub): normal children only', () => {
    const account = masterNodeFromSeed(seed).derivePath("m/84'/0'/0'");
    const cache = createDerivationCache(parseExtendedKey(encodeExtendedPublicKey(account)).node);
    expect(hex(cache.derive('m/0/9').publicKey)).toBe(hex(account.derivePath('m/0/9').publicKey));
    expect(codeOf(() => cache.derive("m/0'/1"))).toBe('INVALID_INPUT');
    expect(codeOf(() => cache.derive('m/x'))).toBe('INVALID_INPUT');
  });
});
