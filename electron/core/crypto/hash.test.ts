/**
 * Tests for core/crypto/hash: FIPS 180-4 / FIPS 202 / Keccak known answers and the official
 * BLAKE3 vectors (test/vectors/, see its README), on every provider the runtime has, plus
 * node-vs-noble agreement on random inputs. Trusts only the vector files and, as independent
 * second opinions, hash-wasm's keccak and blake3.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js';
import { blake3 as wasmBlake3, keccak as wasmKeccak } from 'hash-wasm';
import { describe, expect, it } from 'vitest';
import { HASH_ALGORITHMS } from '../../../shared/algorithms.js';
import type { HashAlgorithm } from '../../../shared/algorithms.js';
import { CustodyError } from '../../../shared/errors.js';
import { hashProvider, hashWith } from './hash.js';
import { NO_CAPABILITIES, probeRuntime } from './probe.js';
import type { RuntimeCapabilities } from './probe.js';
import type { Provider } from './types.js';

const VECTORS = new URL('../../../test/vectors/', import.meta.url);
const readJson = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, VECTORS), 'utf8')) as T;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

const caps = probeRuntime();
/** The providers that can serve `algorithm` on this runtime: noble always, node when listed. */
function providersFor(algorithm: HashAlgorithm): Provider[] {
  return hashProvider(algorithm, caps, false) === 'node' ? ['node', 'noble'] : ['noble'];
}

interface KnownAnswer {
  readonly algorithm: HashAlgorithm;
  readonly message: string;
  readonly digest: string;
  readonly source: string;
}
interface Blake3Vectors {
  readonly key: string;
  readonly context_string: string;
  readonly cases: readonly { input_len: number; hash: string; keyed_hash: string; derive_key: string }[];
}

describe('hashProvider', () => {
  it('uses node:crypto for what the runtime lists, noble for the rest', () => {
    expect(hashProvider('sha256', caps, false)).toBe('node');
    expect(hashProvider('sha512', caps, false)).toBe('node');
    expect(hashProvider('sha256', NO_CAPABILITIES, false)).toBe('noble');
    for (const algorithm of HASH_ALGORITHMS) expect(hashProvider(algorithm, caps, true)).toBe('noble');
  });

  it('falls back to noble for SHA-3 on a runtime without it (Electron BoringSSL)', () => {
    const boringLike: RuntimeCapabilities = {
      ...caps,
      hashes: new Set([...caps.hashes].filter((name) => !name.startsWith('sha3'))),
    };
    expect(hashProvider('sha3-256', boringLike, false)).toBe('noble');
    expect(hashProvider('sha3-512', boringLike, false)).toBe('noble');
    expect(hashProvider('sha256', boringLike, false)).toBe('node');
  });

  it('serves BLAKE3 and Keccak-256 from noble even when node lists sha3-256', () => {
    const everything: RuntimeCapabilities = { ...caps, hashes: new Set([...caps.hashes, 'blake3', 'keccak256']) };
    expect(hashProvider('blake3', everything, false)).toBe('noble');
    expect(hashProvider('keccak256', everything, false)).toBe('noble');
  });
});

describe('hashWith: known answers (test/vectors/sha3.json)', () => {
  const { vectors } = readJson<{ vectors: readonly KnownAnswer[] }>('sha3.json');

  it('has the expected vector set', () => {
    expect(vectors.length).toBe(9);
    expect(new Set(vectors.map((v) => v.algorithm))).toEqual(
      new Set(['sha3-256', 'sha3-512', 'keccak256', 'sha256', 'sha384', 'sha512']),
    );
  });

  for (const vector of vectors) {
    for (const provider of providersFor(vector.algorithm)) {
      it(`${vector.algorithm}(${JSON.stringify(vector.message)}) on ${provider}`, () => {
        expect(hex(hashWith(provider, vector.algorithm, ascii(vector.message)))).toBe(vector.digest);
      });
    }
  }

  it('Keccak-256 answers agree with a second implementation (hash-wasm keccak(256))', async () => {
    const keccakVectors = vectors.filter((v) => v.algorithm === 'keccak256');
    expect(keccakVectors.length).toBe(2);
    for (const vector of keccakVectors) expect(await wasmKeccak(ascii(vector.message), 256)).toBe(vector.digest);
  });

  it("node's sha3-256 is FIPS 202, not Keccak-256: the two differ on the same input", () => {
    const data = ascii('abc');
    expect(hex(hashWith('node', 'sha3-256', data))).not.toBe(hex(hashWith('noble', 'keccak256', data)));
  });
});

describe('hashWith: BLAKE3 official vectors (test/vectors/blake3.json)', () => {
  const vectors = readJson<Blake3Vectors>('blake3.json');
  const input = (length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => i % 251);
  const required = [0, 1, 1023, 1024, 1025, 2048, 3072, 7168, 8192, 31744, 102400];

  it('holds every case of the upstream file, including the required lengths', () => {
    expect(vectors.cases.length).toBe(22);
    const lengths = vectors.cases.map((c) => c.input_len);
    for (const length of required) expect(lengths).toContain(length);
  });

  for (const vector of vectors.cases) {
    it(`hash of ${vector.input_len} bytes: first 32 bytes of the extended output`, () => {
      expect(hex(hashWith('noble', 'blake3', input(vector.input_len)))).toBe(vector.hash.slice(0, 64));
    });
  }

  it('file integrity: all three modes at the full 131-byte length (noble) and hash mode (hash-wasm)', async () => {
    const key = ascii(vectors.key);
    const context = ascii(vectors.context_string);
    for (const vector of vectors.cases) {
      const data = input(vector.input_len);
      expect(vector.hash.length).toBe(262);
      expect(hex(nobleBlake3(data, { dkLen: 131 }))).toBe(vector.hash);
      expect(hex(nobleBlake3(data, { dkLen: 131, key }))).toBe(vector.keyed_hash);
      expect(hex(nobleBlake3(data, { dkLen: 131, context }))).toBe(vector.derive_key);
      expect(await wasmBlake3(data, 256)).toBe(vector.hash.slice(0, 64));
    }
  });
});

describe('hashWith: providers agree on random inputs', () => {
  // Lengths around the SHA-2 / SHA-3 / BLAKE3 block and chunk boundaries, plus random ones.
  const lengths = [0, 1, 55, 56, 63, 64, 65, 71, 72, 111, 112, 127, 128, 135, 136, 137, 1023, 1024, 1025, 4096, 65537];
  for (let i = 0; i < 8; i++) lengths.push(Math.floor(Math.random() * 20_000));

  for (const algorithm of HASH_ALGORITHMS) {
    it(`${algorithm}: the forced-noble path equals the default path (node where it serves)`, async () => {
      const defaultProvider = hashProvider(algorithm, caps, false);
      const forcedProvider = hashProvider(algorithm, caps, true);
      expect(forcedProvider).toBe('noble');
      for (const length of lengths) {
        const data = new Uint8Array(nodeRandomBytes(length));
        const viaDefault = hashWith(defaultProvider, algorithm, data);
        expect(hex(hashWith(forcedProvider, algorithm, data))).toBe(hex(viaDefault));
        // BLAKE3 and Keccak-256 have no node path: compare with hash-wasm instead.
        if (algorithm === 'blake3') expect(await wasmBlake3(data, 256)).toBe(hex(viaDefault));
        if (algorithm === 'keccak256') expect(await wasmKeccak(data, 256)).toBe(hex(viaDefault));
      }
    });
  }

  it('node actually serves SHA-2 and SHA-3 on this runtime (so the comparison above is real)', () => {
    for (const algorithm of ['sha256', 'sha384', 'sha512', 'sha3-256', 'sha3-512'] as const) {
      expect(hashProvider(algorithm, caps, false)).toBe('node');
    }
  });
});

describe('hashWith: input checks', () => {
  it('returns plain Uint8Arrays of the right length', () => {
    const sizes: Record<HashAlgorithm, number> = {
      sha256: 32, sha384: 48, sha512: 64, 'sha3-256': 32, 'sha3-512': 64, blake3: 32, keccak256: 32,
    };
    for (const algorithm of HASH_ALGORITHMS) {
      for (const provider of providersFor(algorithm)) {
        const digest = hashWith(provider, algorithm, ascii('x'));
        expect(digest.constructor).toBe(Uint8Array);
        expect(digest.length).toBe(sizes[algorithm]);
      }
    }
  });

  it('accepts a Buffer (a Uint8Array subclass)', () => {
    expect(hex(hashWith('node', 'sha256', Buffer.from('abc')))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('refuses non-bytes with INVALID_INPUT', () => {
    for (const bad of ['abc', null, undefined, [1, 2, 3], new Uint16Array(2)]) {
      expect(() => hashWith('noble', 'sha256', bad as unknown as Uint8Array)).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT' }),
      );
    }
  });

  it('refuses the node provider for BLAKE3 and Keccak-256 with UNSUPPORTED', () => {
    for (const algorithm of ['blake3', 'keccak256'] as const) {
      let caught: unknown;
      try {
        hashWith('node', algorithm, ascii('abc'));
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(CustodyError);
      expect((caught as CustodyError).code).toBe('UNSUPPORTED');
    }
  });
});
