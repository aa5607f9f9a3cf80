/**
 * Tests for core/crypto/kdf: Wycheproof HKDF-SHA256 and PBKDF2-HMAC-SHA256 and RFC 5869
 * Appendix A on both providers, node/noble agreement for the SHA-512 variants, and Argon2id
 * against RFC 9106 §5.3 and the reference implementation's test.c vectors, including the
 * worker's behaviour (off the event loop, serialised, unref'd, shut down cleanly).
 * Trusts only the vector files (test/vectors/, see its README) and, as a second opinion on
 * Argon2id, @noble/hashes' argon2id called directly.
 */
import { execFile } from 'node:child_process';
import { createHmac, randomBytes as nodeRandomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js';
import { extract as nobleHkdfExtract } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { afterAll, describe, expect, it } from 'vitest';
import { KDF_ALGORITHMS } from '../../../shared/algorithms.js';
import { CustodyError } from '../../../shared/errors.js';
import {
  ARGON2_MAX_ITERATIONS,
  ARGON2_MAX_MEMORY_KIB,
  HKDF_MAX_INFO_BYTES,
  MAX_DERIVED_KEY_BYTES,
  argon2Backend,
  deriveKey,
  kdfProvider,
  shutdownKdfWorkers,
} from './kdf.js';
import { NO_CAPABILITIES, probeRuntime } from './probe.js';
import type { KdfParams, Provider } from './types.js';

const VECTORS = new URL('../../../test/vectors/', import.meta.url);
const readJson = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, VECTORS), 'utf8')) as T;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const unhex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);
const random = (length: number): Uint8Array => new Uint8Array(nodeRandomBytes(length));

/** The CustodyError code the promise rejects with, 'none' if it resolves, 'foreign' for anything else. */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'none';
  } catch (error) {
    return error instanceof CustodyError ? error.code : 'foreign';
  }
}
async function errorOf(promise: Promise<unknown>): Promise<CustodyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CustodyError) return error;
    throw error;
  }
  throw new Error('expected a CustodyError');
}

const caps = probeRuntime();
const BOTH: readonly Provider[] = ['node', 'noble'];

afterAll(async () => {
  await shutdownKdfWorkers();
});

interface WycheproofFile<T> {
  readonly numberOfTests: number;
  readonly testGroups: readonly { readonly type: string; readonly tests: readonly T[] }[];
}
interface HkdfTest {
  readonly tcId: number;
  readonly flags: readonly string[];
  readonly ikm: string;
  readonly salt: string;
  readonly info: string;
  readonly size: number;
  readonly okm: string;
  readonly result: 'valid' | 'invalid' | 'acceptable';
}
interface PbkdfTest {
  readonly tcId: number;
  readonly flags: readonly string[];
  readonly password: string;
  readonly salt: string;
  readonly iterationCount: number;
  readonly dkLen: number;
  readonly dk: string;
  readonly result: 'valid' | 'invalid' | 'acceptable';
}
interface Argon2Vector {
  readonly password: string;
  readonly salt: string;
  readonly secret: string;
  readonly associatedData: string;
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
  readonly length: number;
  readonly tag: string;
}
interface Argon2Reference {
  readonly password: string;
  readonly salt: string;
  readonly iterations: number;
  readonly memoryKiB: number;
  readonly parallelism: number;
  readonly tag: string;
}

describe('kdfProvider', () => {
  it('uses node:crypto for PBKDF2/HKDF when the runtime has the hash, noble otherwise or when forced', () => {
    for (const algorithm of ['pbkdf2-sha256', 'pbkdf2-sha512', 'hkdf-sha256', 'hkdf-sha512'] as const) {
      expect(kdfProvider(algorithm, caps, false)).toBe('node');
      expect(kdfProvider(algorithm, caps, true)).toBe('noble');
      expect(kdfProvider(algorithm, NO_CAPABILITIES, false)).toBe('noble');
    }
  });

  it("reports 'noble' for argon2id in every case (hash-wasm/noble, never node:crypto)", () => {
    expect(kdfProvider('argon2id', caps, false)).toBe('noble');
    expect(kdfProvider('argon2id', caps, true)).toBe('noble');
    expect(KDF_ALGORITHMS.length).toBe(5);
  });
});

describe('Wycheproof HKDF-SHA256 (test/vectors/wycheproof/hkdf_sha256_test.json)', () => {
  const file = readJson<WycheproofFile<HkdfTest>>('wycheproof/hkdf_sha256_test.json');

  it('is the file we expect', () => {
    expect(file.testGroups.flatMap((g) => g.tests).length).toBe(file.numberOfTests);
    expect(file.numberOfTests).toBe(86);
  });

  for (const provider of BOTH) {
    it(`every vector on ${provider}`, async () => {
      const tally = { valid: 0, sizeTooLarge: 0 };
      const failures: string[] = [];
      for (const t of file.testGroups.flatMap((g) => g.tests)) {
        const id = `tcId ${t.tcId} [${t.flags.join(',')}]`;
        const params: KdfParams = { algorithm: 'hkdf-sha256', ikm: unhex(t.ikm), salt: unhex(t.salt), info: unhex(t.info), length: t.size };
        if (t.result === 'valid') {
          tally.valid++;
          const okm = await deriveKey(provider, params);
          if (hex(okm) !== t.okm) failures.push(`${id}: okm mismatch`);
        } else if (t.result === 'invalid') {
          if (t.flags.includes('SizeTooLarge')) tally.sizeTooLarge++;
          const code = await codeOf(deriveKey(provider, params));
          if (code !== 'INVALID_INPUT') failures.push(`${id}: invalid vector gave ${code}`);
        } else {
          failures.push(`${id}: unexpected result ${t.result}`);
        }
      }
      expect(failures).toEqual([]);
      // Pinned: no vector skipped. The 3 invalid ones ask for 8161 > 255·32 bytes (RFC 5869 §2.3).
      expect(tally).toEqual({ valid: 83, sizeTooLarge: 3 });
    });
  }
});

describe('Wycheproof PBKDF2-HMAC-SHA256 (test/vectors/wycheproof/pbkdf2_hmacsha256_test.json)', () => {
  const file = readJson<WycheproofFile<PbkdfTest>>('wycheproof/pbkdf2_hmacsha256_test.json');

  it('is the file we expect', () => {
    expect(file.testGroups.flatMap((g) => g.tests).length).toBe(file.numberOfTests);
    expect(file.numberOfTests).toBe(60);
  });

  for (const provider of BOTH) {
    it(`every vector on ${provider}`, async () => {
      const tally = { valid: 0, invalid: 0 };
      const failures: string[] = [];
      for (const t of file.testGroups.flatMap((g) => g.tests)) {
        const id = `tcId ${t.tcId} [${t.flags.join(',')}]`;
        // Passwords are raw bytes (some are not UTF-8): never decode them to strings.
        const params: KdfParams = {
          algorithm: 'pbkdf2-sha256',
          password: unhex(t.password),
          salt: unhex(t.salt),
          iterations: t.iterationCount,
          length: t.dkLen,
        };
        if (t.result === 'valid') {
          tally.valid++;
          const dk = await deriveKey(provider, params);
          if (hex(dk) !== t.dk) failures.push(`${id}: dk mismatch`);
        } else if (t.result === 'invalid') {
          tally.invalid++;
          const code = await codeOf(deriveKey(provider, params));
          if (code !== 'INVALID_INPUT') failures.push(`${id}: invalid vector gave ${code}`);
        } else {
          failures.push(`${id}: unexpected result ${t.result}`);
        }
      }
      expect(failures).toEqual([]);
      // Pinned: every vector valid, none skipped.
      expect(tally).toEqual({ valid: 60, invalid: 0 });
    });
  }
});

describe('RFC 5869 Appendix A (test/vectors/rfc5869.json)', () => {
  const { cases } = readJson<{
    cases: readonly { name: string; ikm: string; salt: string; info: string; L: number; prk: string; okm: string }[];
  }>('rfc5869.json');

  it('holds test cases 1-3', () => {
    expect(cases.map((c) => c.name.slice(0, 3))).toEqual(['A.1', 'A.2', 'A.3']);
  });

  for (const vector of cases) {
    for (const provider of BOTH) {
      it(`${vector.name} on ${provider}`, async () => {
        const okm = await deriveKey(provider, {
          algorithm: 'hkdf-sha256',
          ikm: unhex(vector.ikm),
          salt: unhex(vector.salt),
          info: unhex(vector.info),
          length: vector.L,
        });
        expect(hex(okm)).toBe(vector.okm);
      });
    }

    it(`${vector.name}: PRK = HMAC-SHA256(salt, IKM) (§2.2; file integrity, two implementations)`, () => {
      // An empty salt is HashLen zero bytes (§2.2).
      const salt = vector.salt === '' ? new Uint8Array(32) : unhex(vector.salt);
      expect(createHmac('sha256', salt).update(unhex(vector.ikm)).digest('hex')).toBe(vector.prk);
      expect(hex(nobleHkdfExtract(sha256, unhex(vector.ikm), unhex(vector.salt)))).toBe(vector.prk);
    });
  }
});

describe('SHA-512 variants: node and noble agree', () => {
  it('hkdf-sha512 on random inputs, up to the 255·64-byte maximum', async () => {
    for (const length of [1, 32, 63, 64, 65, 200, 255 * 64]) {
      const params: KdfParams = {
        algorithm: 'hkdf-sha512',
        ikm: random(1 + Math.floor(Math.random() * 100)),
        salt: random(Math.floor(Math.random() * 130)),
        info: random(Math.floor(Math.random() * 100)),
        length,
      };
      const [byNode, byNoble] = await Promise.all(BOTH.map((provider) => deriveKey(provider, params)));
      expect(byNode?.length).toBe(length);
      expect(hex(byNoble ?? new Uint8Array())).toBe(hex(byNode ?? new Uint8Array(1)));
    }
  });

  it('pbkdf2-sha512 on random inputs', async () => {
    for (const [iterations, length] of [[1, 64], [2, 1], [1000, 65], [3, 128], [10, MAX_DERIVED_KEY_BYTES]] as const) {
      const params: KdfParams = {
        algorithm: 'pbkdf2-sha512',
        password: random(Math.floor(Math.random() * 200)),
        salt: random(Math.floor(Math.random() * 64)),
        iterations,
        length,
      };
      const [byNode, byNoble] = await Promise.all(BOTH.map((provider) => deriveKey(provider, params)));
      expect(byNode?.length).toBe(length);
      expect(hex(byNoble ?? new Uint8Array())).toBe(hex(byNode ?? new Uint8Array(1)));
    }
  });

  it('the forced-noble and default paths agree for every PBKDF2/HKDF algorithm', async () => {
    for (const algorithm of ['pbkdf2-sha256', 'pbkdf2-sha512', 'hkdf-sha256', 'hkdf-sha512'] as const) {
      const params: KdfParams = algorithm.startsWith('pbkdf2')
        ? { algorithm: algorithm as 'pbkdf2-sha256', password: random(20), salt: random(16), iterations: 100, length: 48 }
        : { algorithm: algorithm as 'hkdf-sha256', ikm: random(40), salt: random(16), info: random(10), length: 48 };
      const viaDefault = await deriveKey(kdfProvider(algorithm, caps, false), params);
      const viaForced = await deriveKey(kdfProvider(algorithm, caps, true), params);
      expect(hex(viaForced)).toBe(hex(viaDefault));
    }
  });
});

describe('PBKDF2 / HKDF input checks', () => {
  type Pbkdf2Params = Extract<KdfParams, { algorithm: 'pbkdf2-sha256' | 'pbkdf2-sha512' }>;
  type HkdfParams = Extract<KdfParams, { algorithm: 'hkdf-sha256' | 'hkdf-sha512' }>;
  const pbkdf2 = (over: Partial<Pbkdf2Params>): KdfParams => ({
    algorithm: 'pbkdf2-sha256', password: ascii('hunter2-secret'), salt: ascii('saltsalt'), iterations: 10, length: 32, ...over,
  });
  const hkdf = (over: Partial<HkdfParams>): KdfParams => ({
    algorithm: 'hkdf-sha256', ikm: ascii('hunter2-secret'), salt: ascii('salt'), info: ascii('info'), length: 32, ...over,
  });

  for (const provider of BOTH) {
    it(`on ${provider}, out-of-range parameters are INVALID_INPUT`, async () => {
      for (const params of [
        pbkdf2({ iterations: 0 }),
        pbkdf2({ iterations: 1.5 }),
        pbkdf2({ iterations: 2 ** 31 }),
        pbkdf2({ length: 0 }),
        pbkdf2({ length: MAX_DERIVED_KEY_BYTES + 1 }),
        pbkdf2({ password: 'hunter2' as unknown as Uint8Array }),
        pbkdf2({ salt: undefined as unknown as Uint8Array }),
        hkdf({ length: 0 }),
        hkdf({ length: 255 * 32 + 1 }),
        hkdf({ algorithm: 'hkdf-sha512', length: 255 * 64 + 1 }),
        hkdf({ info: new Uint8Array(HKDF_MAX_INFO_BYTES + 1) }),
        hkdf({ ikm: [1, 2, 3] as unknown as Uint8Array }),
      ]) {
        expect(await codeOf(deriveKey(provider, params))).toBe('INVALID_INPUT');
      }
      // The limits themselves are accepted.
      expect(await codeOf(deriveKey(provider, hkdf({ length: 255 * 32, info: new Uint8Array(HKDF_MAX_INFO_BYTES) })))).toBe('none');
      expect(await codeOf(deriveKey(provider, pbkdf2({ length: MAX_DERIVED_KEY_BYTES, iterations: 1 })))).toBe('none');
      // Empty password, salt, IKM and info are legal in RFC 8018 / RFC 5869.
      expect(await codeOf(deriveKey(provider, pbkdf2({ password: new Uint8Array(0), salt: new Uint8Array(0) })))).toBe('none');
      expect(await codeOf(deriveKey(provider, hkdf({ ikm: new Uint8Array(0), salt: new Uint8Array(0), info: new Uint8Array(0) })))).toBe('none');
    });
  }

  it('refuses unknown algorithms, providers and non-objects', async () => {
    expect(await codeOf(deriveKey('node', { algorithm: 'scrypt' } as unknown as KdfParams))).toBe('INVALID_INPUT');
    expect(await codeOf(deriveKey('node', null as unknown as KdfParams))).toBe('INVALID_INPUT');
    expect(await codeOf(deriveKey('wasm' as Provider, hkdf({})))).toBe('INVALID_INPUT');
  });

  it('never echoes the password in an error message', async () => {
    const error = await errorOf(deriveKey('node', pbkdf2({ iterations: 0 })));
    expect(error.message).not.toContain('hunter2');
  });
});

describe('Argon2id', () => {
  const rfc = readJson<{ argon2id: readonly Argon2Vector[] }>('rfc9106.json').argon2id;
  const reference = readJson<{ argon2id: readonly Argon2Reference[] }>('argon2-reference.json').argon2id;
  const base = {
    algorithm: 'argon2id' as const,
    password: ascii('correct horse'),
    salt: ascii('saltsaltsalt'),
    memoryKiB: 64,
    iterations: 1,
    parallelism: 1,
    length: 32,
  };

  it('RFC 9106 §5.3 (with secret K and associated data X) gives the published tag', async () => {
    expect(rfc.length).toBe(1);
    const v = rfc[0];
    if (v === undefined) throw new Error('missing vector');
    const params: KdfParams = {
      algorithm: 'argon2id',
      password: unhex(v.password),
      salt: unhex(v.salt),
      secret: unhex(v.secret),
      associatedData: unhex(v.associatedData),
      memoryKiB: v.memoryKiB,
      iterations: v.iterations,
      parallelism: v.parallelism,
      length: v.length,
    };
    expect(hex(await deriveKey('noble', params))).toBe(v.tag);
  });

  it('deviation, pinned: hash-wasm has no associated data, so X ≠ ∅ (and an empty password) go to noble', () => {
    const v = rfc[0];
    if (v === undefined) throw new Error('missing vector');
    expect(argon2Backend({ password: unhex(v.password), associatedData: unhex(v.associatedData) })).toBe('noble');
    expect(argon2Backend({ password: unhex(v.password), associatedData: new Uint8Array(0) })).toBe('hash-wasm');
    expect(argon2Backend({ password: unhex(v.password) })).toBe('hash-wasm');
    expect(argon2Backend({ password: new Uint8Array(0) })).toBe('noble');
  });

  it('hash-wasm honours the secret K: §5.3 inputs without X match noble called directly', async () => {
    const v = rfc[0];
    if (v === undefined) throw new Error('missing vector');
    const params = {
      algorithm: 'argon2id' as const,
      password: unhex(v.password),
      salt: unhex(v.salt),
      secret: unhex(v.secret),
      memoryKiB: v.memoryKiB,
      iterations: v.iterations,
      parallelism: v.parallelism,
      length: v.length,
    };
    expect(argon2Backend(params)).toBe('hash-wasm');
    const viaWorker = await deriveKey('noble', params);
    const direct = nobleArgon2id(params.password, params.salt, { t: 3, m: 32, p: 4, dkLen: 32, key: params.secret });
    expect(hex(viaWorker)).toBe(hex(direct));
    // And X really matters: without it the RFC tag is not reproduced.
    expect(hex(viaWorker)).not.toBe(v.tag);
  });

  it('matches the reference implementation test.c vectors (test/vectors/argon2-reference.json)', async () => {
    expect(reference.length).toBe(8);
    for (const v of reference) {
      const params: KdfParams = {
        algorithm: 'argon2id',
        password: ascii(v.password),
        salt: ascii(v.salt),
        memoryKiB: v.memoryKiB,
        iterations: v.iterations,
        parallelism: v.parallelism,
        length: 32,
      };
      expect(argon2Backend(params)).toBe('hash-wasm');
      expect(`${v.memoryKiB}/${v.iterations}/${v.parallelism} ${hex(await deriveKey('noble', params))}`).toBe(
        `${v.memoryKiB}/${v.iterations}/${v.parallelism} ${v.tag}`,
      );
    }
  });

  it('hash-wasm (worker) and noble (direct) agree on random parameters, with and without a secret', async () => {
    for (let i = 0; i < 8; i++) {
      const parallelism = 1 + (i % 4);
      const memoryKiB = 8 * parallelism + Math.floor(Math.random() * 200);
      const iterations = 1 + (i % 3);
      const length = 4 + Math.floor(Math.random() * 100);
      const password = random(1 + Math.floor(Math.random() * 40));
      const salt = random(8 + Math.floor(Math.random() * 24));
      const secret = i % 2 === 0 ? random(1 + Math.floor(Math.random() * 32)) : undefined;
      const viaWorker = await deriveKey('noble', { algorithm: 'argon2id', password, salt, secret, memoryKiB, iterations, parallelism, length });
      const direct = nobleArgon2id(password, salt, { t: iterations, m: memoryKiB, p: parallelism, dkLen: length, ...(secret ? { key: secret } : {}) });
      expect(hex(viaWorker)).toBe(hex(direct));
    }
  });

  it('derives from an empty password (RFC 9106 allows it; served by noble)', async () => {
    const key = await deriveKey('noble', { ...base, password: new Uint8Array(0) });
    expect(hex(key)).toBe(hex(nobleArgon2id(new Uint8Array(0), base.salt, { t: 1, m: 64, p: 1, dkLen: 32 })));
  });

  it('refuses parameters outside RFC 9106 §3.1 (and the product caps) with INVALID_INPUT', async () => {
    const bad: KdfParams[] = [
      { ...base, memoryKiB: 7 },
      { ...base, parallelism: 2, memoryKiB: 15 },
      { ...base, memoryKiB: ARGON2_MAX_MEMORY_KIB + 1 },
      { ...base, memoryKiB: 64.5 },
      { ...base, iterations: 0 },
      { ...base, iterations: ARGON2_MAX_ITERATIONS + 1 },
      { ...base, parallelism: 0 },
      { ...base, parallelism: 2 ** 24, memoryKiB: ARGON2_MAX_MEMORY_KIB },
      { ...base, salt: new Uint8Array(7) },
      { ...base, length: 3 },
      { ...base, length: MAX_DERIVED_KEY_BYTES + 1 },
      { ...base, password: 'correct horse' as unknown as Uint8Array },
      { ...base, secret: 'k' as unknown as Uint8Array },
      { ...base, associatedData: 42 as unknown as Uint8Array },
    ];
    for (const params of bad) expect(await codeOf(deriveKey('noble', params))).toBe('INVALID_INPUT');
    // The bounds themselves are accepted.
    for (const params of [
      { ...base, memoryKiB: 8 },
      { ...base, parallelism: 2, memoryKiB: 16 },
      { ...base, salt: new Uint8Array(8) },
      { ...base, length: 4 },
    ]) {
      expect(await codeOf(deriveKey('noble', params))).toBe('none');
    }
  });

  it("refuses the 'node' provider with UNSUPPORTED", async () => {
    expect(await codeOf(deriveKey('node', base))).toBe('UNSUPPORTED');
  });

  it('never echoes the password or secret in an error message', async () => {
    const error = await errorOf(deriveKey('noble', { ...base, secret: ascii('top-secret'), salt: new Uint8Array(2) }));
    expect(error.message).not.toContain('correct horse');
    expect(error.message).not.toContain('top-secret');
  });

  it('does not mutate or detach the caller’s buffers', async () => {
    const password = ascii('correct horse');
    const secret = ascii('pepper');
    await deriveKey('noble', { ...base, password, secret });
    expect(new TextDecoder().decode(password)).toBe('correct horse');
    expect(new TextDecoder().decode(secret)).toBe('pepper');
  });

  it("keeps the event loop responsive during the vault's m=64 MiB, t=3, p=1 derivation", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    try {
      const key = await deriveKey('noble', { ...base, memoryKiB: 64 * 1024, iterations: 3, parallelism: 1 });
      expect(key.length).toBe(32);
    } finally {
      clearInterval(timer);
    }
    const elapsed = performance.now() - started;
    // A blocked loop would tick at most once; a free one about elapsed/5 times.
    expect(ticks).toBeGreaterThanOrEqual(Math.min(10, Math.floor(elapsed / 20)));
    expect(ticks).toBeGreaterThan(1);
  });

  it('serialises concurrent requests and matches each reply to its request', async () => {
    const inputs = Array.from({ length: 6 }, (_, i) => ({ ...base, password: ascii(`password ${i}`), memoryKiB: 64 + 8 * i }));
    const concurrent = await Promise.all(inputs.map((params) => deriveKey('noble', params)));
    for (const [i, params] of inputs.entries()) {
      const direct = nobleArgon2id(params.password, params.salt, { t: 1, m: params.memoryKiB, p: 1, dkLen: 32 });
      expect(hex(concurrent[i] ?? new Uint8Array())).toBe(hex(direct));
    }
  });

  it('shutdownKdfWorkers fails in-flight and queued work with INTERNAL; the next request starts a new worker', async () => {
    // codeOf attaches the handlers now, before the rejections happen.
    const inFlight = codeOf(deriveKey('noble', { ...base, memoryKiB: 64 * 1024, iterations: 3 }));
    const queued = codeOf(deriveKey('noble', base));
    // Let the first request reach the worker.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await shutdownKdfWorkers();
    expect(await inFlight).toBe('INTERNAL');
    expect(await queued).toBe('INTERNAL');
    const again = await deriveKey('noble', base);
    expect(hex(again)).toBe(hex(nobleArgon2id(base.password, base.salt, { t: 1, m: 64, p: 1, dkLen: 32 })));
    await shutdownKdfWorkers();
    await shutdownKdfWorkers(); // idempotent
  });

  it('runs from another cwd under tsx, and the idle worker does not keep the process alive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'custos-kdf-'));
    try {
      const kdfUrl = new URL('./kdf.ts', import.meta.url).href;
      const script = join(dir, 'derive.mts');
      writeFileSync(
        script,
        [
          `import { deriveKey } from ${JSON.stringify(kdfUrl)};`,
          `const enc = new TextEncoder();`,
          `const key = await deriveKey('noble', { algorithm: 'argon2id', password: enc.encode('password'), salt: enc.encode('somesalt'), memoryKiB: 256, iterations: 2, parallelism: 1, length: 32 });`,
          `console.log(Buffer.from(key).toString('hex'));`,
          // No shutdownKdfWorkers(): the process must still exit on its own.
        ].join('\n'),
      );
      const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', tsxLoader, script], { cwd: dir, timeout: 30_000 });
      expect(stdout.trim()).toBe('9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
