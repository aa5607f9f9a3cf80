/**
 * BIP-32 extended keys: test vectors 1-4 (17 chains: xprv and xpub, encoded and parsed, public
 * derivation from parsed xpubs) and the 16 invalid keys of test vector 5, each refused with
 * INVALID_INPUT for its own reason. Vectors: test/vectors/bip/bip32_vectors.json.
 */
import { describe, expect, it } from 'vitest';
import { HDKey } from '@scure/bip32';
import { CustodyError } from '../../../../shared/errors.js';
import { codeOf, hex, readVector } from '../../../../test/support.js';
import {
  EXTENDED_KEY_VERSIONS,
  accountExtendedPublicKey,
  encodeExtendedPrivateKey,
  encodeExtendedPublicKey,
  extendedPublicPrefix,
  parseExtendedKey,
  type ExtendedPrivatePrefix,
  type ExtendedPublicPrefix,
} from './extended-key.js';
import { isHardened } from './path.js';
import { deriveFromSeed, masterNodeFromSeed } from './slip10.js';

interface Bip32Chain {
  path: string;
  indices: number[];
  xpub: string;
  xprv: string;
}
interface Bip32File {
  vectors: Array<{ vector: number; seed: string; chains: Bip32Chain[] }>;
  invalidExtendedKeys: Array<{ vector: number; key: string; reason: string }>;
}

const FILE = readVector<Bip32File>('bip/bip32_vectors.json');
const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CustodyError && error.code === 'INVALID_INPUT') return error.message;
    throw error;
  }
  return 'OK';
}

describe('BIP-32 test vectors 1-4', () => {
  it('holds vectors 1, 2, 3, 4 with 17 chains', () => {
    expect(FILE.vectors.map((v) => v.vector)).toEqual([1, 2, 3, 4]);
    expect(FILE.vectors.flatMap((v) => v.chains)).toHaveLength(17);
  });

  let checked = 0;
  for (const vector of FILE.vectors) {
    it(`vector ${vector.vector}: every chain encodes to its xprv and xpub, and parses back`, () => {
      const master = masterNodeFromSeed(fromHex(vector.seed));
      for (const chain of vector.chains) {
        const node = master.derivePath(chain.path.replaceAll('H', "'"));
        expect(encodeExtendedPrivateKey(node)).toBe(chain.xprv);
        expect(encodeExtendedPublicKey(node)).toBe(chain.xpub);
        expect(encodeExtendedPublicKey(node.neuter())).toBe(chain.xpub);

        const prv = parseExtendedKey(chain.xprv);
        expect(prv).toMatchObject({ prefix: 'xprv', isPrivate: true, network: 'mainnet' });
        expect(hex(prv.node.privateKey as Uint8Array)).toBe(hex(node.privateKey as Uint8Array));
        expect(prv.node.depth).toBe(chain.indices.length);
        expect(prv.node.index).toBe(chain.indices.at(-1) ?? 0);
        expect(encodeExtendedPublicKey(prv.node)).toBe(chain.xpub);

        const pub = parseExtendedKey(chain.xpub);
        expect(pub).toMatchObject({ prefix: 'xpub', isPrivate: false, network: 'mainnet' });
        expect(pub.node.hasPrivateKey).toBe(false);
        expect(hex(pub.node.publicKey)).toBe(hex(node.publicKey));
        expect(encodeExtendedPublicKey(pub.node)).toBe(chain.xpub);
        expect(codeOf(() => encodeExtendedPrivateKey(pub.node))).toBe('INVALID_INPUT');
        checked++;
      }
    });

    it(`vector ${vector.vector}: a parsed xpub derives the next chain's xpub wherever that step is not hardened`, () => {
      let steps = 0;
      vector.chains.slice(1).forEach((chain, i) => {
        const index = chain.indices.at(-1) as number;
        const parent = parseExtendedKey((vector.chains[i] as Bip32Chain).xpub).node;
        if (isHardened(index)) {
          expect(codeOf(() => parent.derive(index))).toBe('INVALID_INPUT');
          return;
        }
        expect(encodeExtendedPublicKey(parent.derive(index))).toBe(chain.xpub);
        steps++;
      });
      expect(steps).toBe({ 1: 3, 2: 3, 3: 0, 4: 0 }[vector.vector]);
    });
  }

  it('checked 17 chains', () => expect(checked).toBe(17));

  it('@scure/bip32 reads our encodings and we read its encodings', () => {
    for (let i = 0; i < 20; i++) {
      const seed = Uint8Array.from({ length: 32 }, () => Math.floor(Math.random() * 256));
      const node = deriveFromSeed(seed, `m/${i}'/${i * 7}`);
      const theirs = HDKey.fromExtendedKey(encodeExtendedPrivateKey(node));
      expect(theirs.publicExtendedKey).toBe(encodeExtendedPublicKey(node));
      expect(encodeExtendedPrivateKey(parseExtendedKey(theirs.privateExtendedKey).node)).toBe(theirs.privateExtendedKey);
    }
  });
});

describe('BIP-32 test vector 5: the 16 invalid extended keys', () => {
  // The reason of each key (as the BIP words it) and the check that must refuse it.
  const EXPECTED: Record<string, RegExp> = {
    'pubkey version / prvkey mismatch': /^extended key: xpub version with private key data \(version \/ key type mismatch\)$/,
    'prvkey version / pubkey mismatch': /^extended key: xprv version with public key data \(version \/ key type mismatch\)$/,
    'invalid pubkey prefix 04': /^extended key: public key must start with 0x02 or 0x03, not 0x04$/,
    'invalid prvkey prefix 04': /^extended key: private key data must start with 0x00, not 0x04$/,
    'invalid pubkey prefix 01': /^extended key: public key must start with 0x02 or 0x03, not 0x01$/,
    'invalid prvkey prefix 01': /^extended key: private key data must start with 0x00, not 0x01$/,
    'zero depth with non-zero parent fingerprint': /^extended key: depth 0 \(master\) with a non-zero parent fingerprint$/,
    'zero depth with non-zero index': /^extended key: depth 0 \(master\) with a non-zero child index$/,
    'unknown extended key version': /^extended key: unknown version bytes 0x[0-9a-f]{8}$/,
    'private key 0 not in 1..n-1': /^extended key: private key is not in \[1, n-1\] for secp256k1$/,
    'private key n not in 1..n-1': /^extended key: private key is not in \[1, n-1\] for secp256k1$/,
    'invalid pubkey 020000000000000000000000000000000000000000000000000000000000000007': /^extended key: public key is not a point on secp256k1$/,
    'invalid checksum': /^extended key: Base58Check checksum does not match$/,
  };

  it('every one is refused with INVALID_INPUT, for its own reason, without echoing the key', () => {
    expect(FILE.invalidExtendedKeys).toHaveLength(16);
    for (const { key, reason } of FILE.invalidExtendedKeys) {
      const pattern = EXPECTED[reason];
      expect(pattern, reason).toBeDefined();
      const message = messageOf(() => parseExtendedKey(key));
      expect(message, reason).toMatch(pattern as RegExp);
      expect(message).not.toContain(key.slice(4, 20));
    }
  });

  it('other malformed input', () => {
    expect(messageOf(() => parseExtendedKey(''))).toMatch(/1 to 120 characters/);
    expect(messageOf(() => parseExtendedKey('x'.repeat(121)))).toMatch(/1 to 120 characters/);
    expect(messageOf(() => parseExtendedKey('xpub0OIl'))).toBe('extended key: not Base58 text');
    expect(messageOf(() => parseExtendedKey('3QJmnh'))).toMatch(/^extended key: decodes to \d+ bytes/);
    expect(messageOf(() => parseExtendedKey(42 as unknown as string))).toBe('extended key: must be a string');
  });
});

describe('SLIP-0132 prefixes', () => {
  const node = deriveFromSeed(Uint8Array.from({ length: 32 }, (_, i) => i * 3), "m/84'/0'/0'");

  it('every prefix round-trips and reports its network', () => {
    for (const [prefix, version] of Object.entries(EXTENDED_KEY_VERSIONS)) {
      const text = prefix.endsWith('pub')
        ? encodeExtendedPublicKey(node, prefix as ExtendedPublicPrefix)
        : encodeExtendedPrivateKey(node, prefix as ExtendedPrivatePrefix);
      expect(text.slice(0, 4)).toBe(prefix);
      const parsed = parseExtendedKey(text);
      expect(parsed.prefix).toBe(prefix);
      expect(parsed.network).toBe(/^[tuv]/.test(prefix) ? 'testnet' : 'mainnet');
      expect(Buffer.from(parsed.node.publicKey).equals(Buffer.from(node.publicKey))).toBe(true);
      expect(version).toBeGreaterThan(0);
    }
  });

  it('prefix per script type and network; watch-only export needs a hardened depth-3 node', () => {
    expect(extendedPublicPrefix('p2pkh', 'mainnet')).toBe('xpub');
    expect(extendedPublicPrefix('p2sh-p2wpkh', 'mainnet')).toBe('ypub');
    expect(extendedPublicPrefix('p2wpkh', 'mainnet')).toBe('zpub');
    expect(extendedPublicPrefix('p2tr', 'mainnet')).toBe('xpub');
    expect(extendedPublicPrefix('p2pkh', 'regtest')).toBe('tpub');
    expect(extendedPublicPrefix('p2sh-p2wpkh', 'testnet')).toBe('upub');
    expect(extendedPublicPrefix('p2wpkh', 'testnet')).toBe('vpub');
    expect(accountExtendedPublicKey(node, 'p2wpkh', 'mainnet').slice(0, 4)).toBe('zpub');
    expect(codeOf(() => accountExtendedPublicKey(node.derive(0), 'p2wpkh', 'mainnet'))).toBe('INVALID_INPUT');
    const root = masterNodeFromSeed(new Uint8Array(16).fill(9));
    expect(codeOf(() => accountExtendedPublicKey(root, 'p2wpkh', 'mainnet'))).toBe('INVALID_INPUT');
    expect(codeOf(() => accountExtendedPublicKey(root.derivePath("m/84'/0'/0"), 'p2wpkh', 'mainnet'))).toBe('INVALID_INPUT');
  });

  it('only secp256k1 nodes have an extended key encoding', () => {
    const ed = masterNodeFromSeed(new Uint8Array(16).fill(1), 'ed25519');
    expect(codeOf(() => encodeExtendedPublicKey(ed))).toBe('INVALID_INPUT');
    const p256 = masterNodeFromSeed(new Uint8Array(16).fill(1), 'nist256p1');
    expect(codeOf(() => encodeExtendedPrivateKey(p256))).toBe('INVALID_INPUT');
    expect(codeOf(() => encodeExtendedPublicKey(node, 'xprv' as ExtendedPublicPrefix))).toBe('INVALID_INPUT');
    expect(codeOf(() => encodeExtendedPrivateKey(node, 'zpub' as ExtendedPrivatePrefix))).toBe('INVALID_INPUT');
  });
});
