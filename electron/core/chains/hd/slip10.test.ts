/**
 * SLIP-0010 / BIP-32 derivation: all 52 chains of test/vectors/bip/slip10_vectors.json (secp256k1,
 * nist256p1, ed25519, curve25519, including the nist256p1 derivation-retry and seed-retry vectors),
 * hardened-only refusal for ed25519/curve25519, public (CKDpub) derivation agreeing with private,
 * secp256k1 agreeing with @scure/bip32 on random seeds and paths, and the node's wipe semantics.
 */
import { describe, expect, it } from 'vitest';
import { HDKey } from '@scure/bip32';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { codeOf, hex, readVector } from '../../../../test/support.js';
import { HARDENED_OFFSET, formatPath } from './path.js';
import { HD_CURVES, HdNode, deriveFromSeed, masterNodeFromSeed, type HdCurve } from './slip10.js';

interface Slip10Chain {
  path: string;
  indices: number[];
  fingerprint: string;
  chainCode: string;
  private: string;
  public: string;
}
interface Slip10Vector {
  name: string;
  curve: HdCurve;
  hmacKey: string;
  seed: string;
  chains: Slip10Chain[];
}

const { vectors } = readVector<{ vectors: Slip10Vector[] }>('bip/slip10_vectors.json');
const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

describe('SLIP-0010 test vectors (all 52 chains)', () => {
  it('holds 10 vector sets, 52 chains, over the four curves', () => {
    expect(vectors).toHaveLength(10);
    expect(vectors.flatMap((v) => v.chains)).toHaveLength(52);
    expect(new Set(vectors.map((v) => v.curve))).toEqual(new Set(HD_CURVES));
  });

  let checked = 0;
  for (const vector of vectors) {
    it(`${vector.name}: private key, chain code, public key, parent fingerprint, depth and index of every chain`, () => {
      const master = masterNodeFromSeed(fromHex(vector.seed), vector.curve);
      for (const chain of vector.chains) {
        // Both ways in: the text path and the indices, each from the master.
        for (const node of [master.derivePath(chain.path.replaceAll('H', "'")), master.derivePath(chain.indices)]) {
          expect(hex(node.privateKey as Uint8Array)).toBe(chain.private);
          expect(hex(node.chainCode)).toBe(chain.chainCode);
          expect(hex(node.serializedPublicKey)).toBe(chain.public);
          expect(node.parentFingerprint.toString(16).padStart(8, '0')).toBe(chain.fingerprint);
          expect(node.depth).toBe(chain.indices.length);
          expect(node.index).toBe(chain.indices.at(-1) ?? 0);
          expect(node.curve).toBe(vector.curve);
        }
        checked++;
      }
    });
  }

  it('checked 52 chains', () => expect(checked).toBe(52));

  it('each chain step by step: the fingerprint of a node is its child\'s parent fingerprint', () => {
    for (const vector of vectors) {
      let node = masterNodeFromSeed(fromHex(vector.seed), vector.curve);
      for (const chain of vector.chains.slice(1)) {
        const child = node.derive(chain.indices.at(-1) as number);
        expect(child.parentFingerprint).toBe(node.fingerprint);
        expect(hex(child.privateKey as Uint8Array)).toBe(chain.private);
        node = child;
      }
    }
  });

  it('ed25519 public keys are the RFC 8032 keys of the private keys; ser_P is 0x00 ‖ key', () => {
    for (const vector of vectors.filter((v) => v.curve === 'ed25519')) {
      const master = masterNodeFromSeed(fromHex(vector.seed), 'ed25519');
      for (const chain of vector.chains) {
        const node = master.derivePath(chain.indices);
        expect(node.publicKey).toHaveLength(32);
        expect(hex(ed25519.getPublicKey(fromHex(chain.private)))).toBe(chain.public.slice(2));
        expect(hex(node.publicKey)).toBe(chain.public.slice(2));
      }
    }
  });
});

describe('hardened-only curves (SLIP-10: ed25519 and curve25519 refuse normal derivation)', () => {
  for (const curve of ['ed25519', 'curve25519'] as const) {
    it(`${curve}: a normal index is INVALID_INPUT, naming the index`, () => {
      const master = masterNodeFromSeed(new Uint8Array(16).fill(1), curve);
      expect(codeOf(() => master.derive(0))).toBe('INVALID_INPUT');
      expect(codeOf(() => master.derive(HARDENED_OFFSET - 1))).toBe('INVALID_INPUT');
      expect(codeOf(() => master.derivePath("m/44'/501'/0'/0"))).toBe('INVALID_INPUT');
      expect(codeOf(() => master.derivePath("m/44'/501'/0'/0'"))).toBe('OK');
      try {
        master.derive(5);
      } catch (error) {
        expect((error as Error).message).toBe(`${curve} derivation is hardened only (SLIP-10): child index 5 is not hardened; use 5' (2147483653)`);
      }
      // A public-only node cannot derive at all (no CKDpub for these curves).
      expect(codeOf(() => master.neuter().derive(HARDENED_OFFSET))).toBe('INVALID_INPUT');
    });
  }
});

describe('public derivation (CKDpub) agrees with private derivation', () => {
  for (const curve of ['secp256k1', 'nist256p1'] as const) {
    it(`${curve}: neutered parents give the same public children; hardened children are refused`, () => {
      for (let i = 0; i < 10; i++) {
        const seed = Uint8Array.from({ length: 32 }, () => Math.floor(Math.random() * 256));
        const account = deriveFromSeed(seed, "m/44'/0'/0'", curve);
        const pub = account.neuter();
        expect(pub.hasPrivateKey).toBe(false);
        expect(pub.privateKey).toBeUndefined();
        for (const path of ['m/0', 'm/1/7', 'm/0/2147483647']) {
          const a = account.derivePath(path);
          const b = pub.derivePath(path);
          expect(hex(b.publicKey)).toBe(hex(a.publicKey));
          expect(hex(b.chainCode)).toBe(hex(a.chainCode));
          expect(b.parentFingerprint).toBe(a.parentFingerprint);
          expect(b.hasPrivateKey).toBe(false);
        }
        expect(codeOf(() => pub.derive(HARDENED_OFFSET))).toBe('INVALID_INPUT');
      }
    });
  }

  it('the nist256p1 retry vector through a public parent (m/28578H → /33941)', () => {
    const retry = vectors.find((v) => v.name === 'Test derivation retry for nist256p1') as Slip10Vector;
    const parent = masterNodeFromSeed(fromHex(retry.seed), 'nist256p1').derivePath(retry.chains[1]?.indices ?? []);
    const last = retry.chains[2] as Slip10Chain;
    expect(hex(parent.neuter().derive(33941).serializedPublicKey)).toBe(last.public);
  });
});

describe('secp256k1 agrees with @scure/bip32', () => {
  it('random seeds (16 to 64 bytes) and random paths of mixed indices', () => {
    for (let i = 0; i < 40; i++) {
      const seed = Uint8Array.from({ length: 16 + Math.floor(Math.random() * 49) }, () => Math.floor(Math.random() * 256));
      const indices = Array.from({ length: 1 + Math.floor(Math.random() * 6) }, () => Math.floor(Math.random() * 2 ** 32));
      const path = formatPath(indices);
      const ours = deriveFromSeed(seed, path);
      const theirs = HDKey.fromMasterSeed(seed).derive(path);
      expect(hex(ours.privateKey as Uint8Array)).toBe(hex(theirs.privateKey as Uint8Array));
      expect(hex(ours.publicKey)).toBe(hex(theirs.publicKey as Uint8Array));
      expect(hex(ours.chainCode)).toBe(hex(theirs.chainCode as Uint8Array));
      expect(ours.parentFingerprint).toBe(theirs.parentFingerprint);
      expect(ours.fingerprint).toBe(theirs.fingerprint);
    }
  });
});

describe('HdNode', () => {
  const seed = Uint8Array.from({ length: 32 }, (_, i) => i);

  it('wipe() zeroes the private key and chain code, and the node refuses further use', () => {
    const node = deriveFromSeed(seed, "m/44'/60'/0'/0/0");
    const key = node.privateKey as Uint8Array;
    const chainCode = node.chainCode;
    expect(key.some((b) => b !== 0)).toBe(true);
    node.wipe();
    expect(key.every((b) => b === 0)).toBe(true);
    expect(chainCode.every((b) => b === 0)).toBe(true);
    expect(node.isWiped).toBe(true);
    expect(codeOf(() => node.privateKey)).toBe('INVALID_INPUT');
    expect(codeOf(() => node.derive(0))).toBe('INVALID_INPUT');
    expect(codeOf(() => node.neuter())).toBe('INVALID_INPUT');
    node.wipe(); // idempotent
  });

  it('public keys are computed on first use; the uncompressed form matches noble for both Weierstrass curves', () => {
    for (const [curve, lib] of [['secp256k1', secp256k1], ['nist256p1', p256]] as const) {
      const node = deriveFromSeed(seed, "m/1'/2/3", curve);
      const expected = lib.getPublicKey(node.privateKey as Uint8Array, false);
      expect(hex(node.uncompressedPublicKey)).toBe(hex(expected));
      expect(hex(node.publicKey)).toBe(hex(lib.getPublicKey(node.privateKey as Uint8Array, true)));
      expect(hex(node.neuter().uncompressedPublicKey)).toBe(hex(expected)); // from the compressed point
    }
    expect(codeOf(() => masterNodeFromSeed(seed, 'ed25519').uncompressedPublicKey)).toBe('INVALID_INPUT');
    const unused = deriveFromSeed(seed, "m/0'");
    unused.wipe();
    expect(codeOf(() => unused.publicKey)).toBe('INVALID_INPUT'); // never computed, and now cannot be
  });

  it('derivePath returns a node the caller owns: wiping it leaves the parent intact; `m` is a copy', () => {
    const master = masterNodeFromSeed(seed);
    const copy = master.derivePath('m');
    copy.wipe();
    expect(master.isWiped).toBe(false);
    expect((master.privateKey as Uint8Array).some((b) => b !== 0)).toBe(true);
    const child = master.derivePath("m/0'/1");
    child.wipe();
    expect(hex(master.derivePath("m/0'/1").privateKey as Uint8Array)).toMatch(/[1-9a-f]/);
  });

  it('fromParts validates each field', () => {
    const master = masterNodeFromSeed(seed);
    const ok = { curve: 'secp256k1' as const, depth: 1, index: 5, parentFingerprint: 7, chainCode: master.chainCode };
    expect(codeOf(() => HdNode.fromParts({ ...ok, privateKey: master.privateKey as Uint8Array }))).toBe('OK');
    expect(codeOf(() => HdNode.fromParts({ ...ok, publicKey: master.publicKey }))).toBe('OK');
    expect(codeOf(() => HdNode.fromParts(ok))).toBe('INVALID_INPUT');
    expect(codeOf(() => HdNode.fromParts({ ...ok, depth: 0, publicKey: master.publicKey }))).toBe('INVALID_INPUT');
    expect(codeOf(() => HdNode.fromParts({ ...ok, depth: 256, publicKey: master.publicKey }))).toBe('INVALID_INPUT');
    expect(codeOf(() => HdNode.fromParts({ ...ok, chainCode: new Uint8Array(31), publicKey: master.publicKey }))).toBe('INVALID_INPUT');
    expect(codeOf(() => HdNode.fromParts({ ...ok, privateKey: new Uint8Array(32) }))).toBe('INVALID_INPUT');
    expect(codeOf(() => HdNode.fromParts({ ...ok, privateKey: new Uint8Array(32).fill(0xff) }))).toBe('INVALID_INPUT');
    const offCurve = new Uint8Array(33); // 02 00…07: x = 7 has no point (BIP-32 test vector 5)
    offCurve[0] = 2;
    offCurve[32] = 7;
    expect(codeOf(() => HdNode.fromParts({ ...ok, publicKey: offCurve }))).toBe('INVALID_INPUT');
    expect(codeOf(() => HdNode.fromParts({ ...ok, publicKey: Uint8Array.of(4, ...master.publicKey.subarray(1)) }))).toBe('INVALID_INPUT');
    expect(codeOf(() => HdNode.fromParts({ ...ok, curve: 'ed448' as HdCurve, publicKey: master.publicKey }))).toBe('INVALID_INPUT');
    const copied = master.privateKey as Uint8Array;
    const node = HdNode.fromParts({ ...ok, privateKey: copied });
    node.wipe();
    expect(copied.some((b) => b !== 0)).toBe(true); // the input was copied, not adopted
  });

  it('seeds of 16 to 64 bytes only; depth stops at 255', () => {
    expect(codeOf(() => masterNodeFromSeed(new Uint8Array(15)))).toBe('INVALID_INPUT');
    expect(codeOf(() => masterNodeFromSeed(new Uint8Array(65)))).toBe('INVALID_INPUT');
    expect(codeOf(() => masterNodeFromSeed(new Uint8Array(16), 'ed448' as HdCurve))).toBe('INVALID_INPUT');
    const deep = masterNodeFromSeed(seed).derivePath(Array(255).fill(0));
    expect(deep.depth).toBe(255);
    expect(codeOf(() => deep.derive(0))).toBe('INVALID_INPUT');
  });
});
