/**
 * @module core/crypto/kdf
 * Key derivation: PBKDF2-HMAC (RFC 8018 §5.2), HKDF (RFC 5869) and Argon2id (RFC 9106).
 *
 * Trusts:
 * - node:crypto (`pbkdf2` on libuv's thread pool, `hkdfSync`) when the runtime lists the hash,
 *   @noble/hashes (`pbkdf2Async`, `hkdf`) otherwise or when noble is forced;
 * - hash-wasm's WASM `argon2id` for Argon2id, run in one worker thread so that a 64 MiB,
 *   t=3 derivation never stalls the event loop; inside that worker, @noble/hashes' `argon2id`
 *   for the requests hash-wasm cannot serve exactly (see `argon2Backend`).
 *
 * Every parameter is checked here (INVALID_INPUT) before any work: the RFC bounds, plus a few
 * product caps (marked below) so that a hostile parameter set, e.g. from an imported file, cannot
 * exhaust memory or hold the worker for hours. Messages name the parameter, never its value when
 * the value is secret.
 *
 * What JavaScript cannot do: zeroize reliably. The worker zeroes its copies of the password and
 * secret after use, and the parent hands over exact-size copies (never a pooled Buffer's whole
 * slab), but the engines' internal memory (WASM linear memory, V8 heap) is left to the GC.
 */
import { hkdfSync, pbkdf2 as nodePbkdf2 } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { hkdf } from '@noble/hashes/hkdf.js';
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import type { KdfAlgorithm } from '../../../shared/algorithms.js';
import { CustodyError, assertNever } from '../../../shared/errors.js';
import type { RuntimeCapabilities } from './probe.js';
import type { KdfParams, Provider } from './types.js';

type Pbkdf2Params = Extract<KdfParams, { algorithm: 'pbkdf2-sha256' | 'pbkdf2-sha512' }>;
type HkdfParams = Extract<KdfParams, { algorithm: 'hkdf-sha256' | 'hkdf-sha512' }>;
type Argon2Params = Extract<KdfParams, { algorithm: 'argon2id' }>;
type KdfHash = 'sha256' | 'sha512';

const EMPTY = new Uint8Array(0);
const HASH_BYTES: Readonly<Record<KdfHash, number>> = { sha256: 32, sha512: 64 };
const U32_MAX = 2 ** 32 - 1;

/** Product cap on PBKDF2 and Argon2id output. Keys are ≤ 64 bytes; 1 KiB leaves room and stops nonsense. */
export const MAX_DERIVED_KEY_BYTES = 1024;
/** RFC 8018 §5.2 only asks for a positive integer; node:crypto refuses counts above 2^31 − 1. */
export const PBKDF2_MAX_ITERATIONS = 2 ** 31 - 1;
/** node:crypto's `hkdfSync` refuses `info` longer than 1024 bytes; the noble path keeps the same limit. */
export const HKDF_MAX_INFO_BYTES = 1024;
/** RFC 9106 §3.1 allows m < 2^32 KiB. Product cap: 1 GiB (noble's default `maxmem`), 16× the vault's 64 MiB. */
export const ARGON2_MAX_MEMORY_KIB = 1024 * 1024;
/** RFC 9106 §3.1 allows t < 2^32. Product cap: 64 passes (the vault uses 3). */
export const ARGON2_MAX_ITERATIONS = 64;
/** Reference-implementation floor (ARGON2_MIN_SALT_LENGTH), also enforced by hash-wasm and noble. */
export const ARGON2_MIN_SALT_BYTES = 8;

function assertBytes(value: unknown, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new CustodyError('INVALID_INPUT', `${what} must be a Uint8Array`);
}

/** Public parameters (counts, lengths) may be quoted in messages; they are not secret. */
function assertIntegerIn(value: unknown, min: number, max: number, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new CustodyError('INVALID_INPUT', `${what} must be an integer from ${min} to ${max}`);
  }
}

function assertMaxLength(value: Uint8Array, max: number, what: string): void {
  if (value.length > max) throw new CustodyError('INVALID_INPUT', `${what} must be at most ${max} bytes`);
}

/** A plain Uint8Array copy that owns exactly its bytes (never a view into a pooled Buffer). */
function ownedCopy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

/**
 * Which implementation serves `algorithm` here.
 * PBKDF2 and HKDF: node when the runtime lists the hash and noble is not forced, noble otherwise.
 * Argon2id: always reported as 'noble'. Neither Node 20's nor Electron's node:crypto has Argon2,
 * so it runs in hash-wasm (WASM), with @noble/hashes for the cases hash-wasm lacks. `Provider`
 * has no 'wasm' member; 'noble' here means "not node:crypto, a bundled library".
 */
export function kdfProvider(algorithm: KdfAlgorithm, caps: RuntimeCapabilities, forceNoble: boolean): Provider {
  switch (algorithm) {
    case 'pbkdf2-sha256':
    case 'hkdf-sha256':
      return !forceNoble && caps.hashes.has('sha256') ? 'node' : 'noble';
    case 'pbkdf2-sha512':
    case 'hkdf-sha512':
      return !forceNoble && caps.hashes.has('sha512') ? 'node' : 'noble';
    case 'argon2id':
      return 'noble';
    default:
      return assertNever(algorithm, 'KDF algorithm');
  }
}

/**
 * Derive `params.length` bytes. PBKDF2 runs off the event loop (libuv thread pool, or noble's
 * async variant that yields); HKDF is cheap and runs inline; Argon2id runs in the worker.
 * @throws CustodyError('INVALID_INPUT') for a parameter outside its bounds (see the constants above).
 * @throws CustodyError('UNSUPPORTED') for argon2id with the 'node' provider.
 * @throws CustodyError('INTERNAL') if a provider or the Argon2 worker fails.
 */
export async function deriveKey(provider: Provider, params: KdfParams): Promise<Uint8Array> {
  if (provider !== 'node' && provider !== 'noble') throw new CustodyError('INVALID_INPUT', 'unknown crypto provider');
  if (typeof params !== 'object' || params === null) throw new CustodyError('INVALID_INPUT', 'KDF parameters must be an object');
  switch (params.algorithm) {
    case 'pbkdf2-sha256':
    case 'pbkdf2-sha512':
      return derivePbkdf2(provider, params);
    case 'hkdf-sha256':
    case 'hkdf-sha512':
      return deriveHkdf(provider, params);
    case 'argon2id':
      return deriveArgon2id(provider, params);
    default:
      void (params satisfies never);
      throw new CustodyError('INVALID_INPUT', 'unknown KDF algorithm');
  }
}

// ---------------------------------------------------------------------------------------------
// PBKDF2 (RFC 8018 §5.2)
// ---------------------------------------------------------------------------------------------

async function derivePbkdf2(provider: Provider, params: Pbkdf2Params): Promise<Uint8Array> {
  const hash: KdfHash = params.algorithm === 'pbkdf2-sha256' ? 'sha256' : 'sha512';
  assertBytes(params.password, 'PBKDF2 password');
  assertBytes(params.salt, 'PBKDF2 salt');
  assertIntegerIn(params.iterations, 1, PBKDF2_MAX_ITERATIONS, 'PBKDF2 iteration count');
  // RFC 8018 §5.2 allows dkLen up to (2^32 − 1)·hLen; we cap it (MAX_DERIVED_KEY_BYTES).
  assertIntegerIn(params.length, 1, MAX_DERIVED_KEY_BYTES, 'PBKDF2 output length');
  const { password, salt, iterations, length } = params;
  if (provider === 'node') {
    return new Promise<Uint8Array>((resolve, reject) => {
      nodePbkdf2(password, salt, iterations, length, hash, (error, derived) => {
        if (error) {
          reject(new CustodyError('INTERNAL', 'PBKDF2 failed', { cause: error }));
          return;
        }
        const key = ownedCopy(derived);
        derived.fill(0);
        resolve(key);
      });
    });
  }
  try {
    return await pbkdf2Async(hash === 'sha256' ? sha256 : sha512, password, salt, { c: iterations, dkLen: length });
  } catch (cause) {
    throw new CustodyError('INTERNAL', 'PBKDF2 failed', { cause });
  }
}

// ---------------------------------------------------------------------------------------------
// HKDF (RFC 5869)
// ---------------------------------------------------------------------------------------------

function deriveHkdf(provider: Provider, params: HkdfParams): Uint8Array {
  const hash: KdfHash = params.algorithm === 'hkdf-sha256' ? 'sha256' : 'sha512';
  assertBytes(params.ikm, 'HKDF input keying material');
  // RFC 5869 §2.2: an empty salt means HashLen zero bytes; both providers do exactly that.
  assertBytes(params.salt, 'HKDF salt');
  assertBytes(params.info, 'HKDF info');
  assertMaxLength(params.info, HKDF_MAX_INFO_BYTES, 'HKDF info');
  // RFC 5869 §2.3: L ≤ 255·HashLen.
  assertIntegerIn(params.length, 1, 255 * HASH_BYTES[hash], `HKDF-${hash.toUpperCase()} output length`);
  const { ikm, salt, info, length } = params;
  try {
    if (provider === 'node') return new Uint8Array(hkdfSync(hash, ikm, salt, info, length));
    return hkdf(hash === 'sha256' ? sha256 : sha512, ikm, salt, info, length);
  } catch (cause) {
    throw new CustodyError('INTERNAL', 'HKDF failed', { cause });
  }
}

// ---------------------------------------------------------------------------------------------
// Argon2id (RFC 9106)
// ---------------------------------------------------------------------------------------------

/** Which library computes an Argon2id request inside the worker. */
export type Argon2Backend = 'hash-wasm' | 'noble';

/**
 * hash-wasm (fast WASM) serves Argon2id unless it cannot follow RFC 9106 for the request:
 * - associated data X: hash-wasm always hashes a zero-length X into H0 (RFC 9106 §3.2 step 1)
 *   and has no option for it, so any non-empty X goes to noble's `argon2id` (`personalization`);
 * - an empty password: RFC 9106 §3.1 allows length 0, hash-wasm refuses it.
 * hash-wasm does honour the secret K (its `secret` option). noble is about 3× slower.
 */
export function argon2Backend(params: Pick<Argon2Params, 'password' | 'associatedData'>): Argon2Backend {
  const adLength = params.associatedData?.length ?? 0;
  return adLength > 0 || params.password.length === 0 ? 'noble' : 'hash-wasm';
}

/** RFC 9106 §3.1 bounds, plus the product caps above. */
function assertArgon2Params(params: Argon2Params): void {
  assertBytes(params.password, 'Argon2id password');
  assertMaxLength(params.password, U32_MAX, 'Argon2id password');
  assertBytes(params.salt, 'Argon2id salt');
  if (params.salt.length < ARGON2_MIN_SALT_BYTES) {
    throw new CustodyError('INVALID_INPUT', `Argon2id salt must be at least ${ARGON2_MIN_SALT_BYTES} bytes`);
  }
  assertMaxLength(params.salt, U32_MAX, 'Argon2id salt');
  if (params.secret !== undefined) {
    assertBytes(params.secret, 'Argon2id secret');
    assertMaxLength(params.secret, U32_MAX, 'Argon2id secret');
  }
  if (params.associatedData !== undefined) {
    assertBytes(params.associatedData, 'Argon2id associated data');
    assertMaxLength(params.associatedData, U32_MAX, 'Argon2id associated data');
  }
  // p: 1 ≤ p ≤ 2^24 − 1.
  assertIntegerIn(params.parallelism, 1, 2 ** 24 - 1, 'Argon2id parallelism');
  // m: 8·p ≤ m (KiB); the upper bound is the product cap.
  assertIntegerIn(params.memoryKiB, 8 * params.parallelism, ARGON2_MAX_MEMORY_KIB, 'Argon2id memory (KiB)');
  // t: 1 ≤ t; the upper bound is the product cap.
  assertIntegerIn(params.iterations, 1, ARGON2_MAX_ITERATIONS, 'Argon2id iterations');
  // T: 4 ≤ T; the upper bound is the product cap.
  assertIntegerIn(params.length, 4, MAX_DERIVED_KEY_BYTES, 'Argon2id output length');
}

async function deriveArgon2id(provider: Provider, params: Argon2Params): Promise<Uint8Array> {
  if (provider !== 'noble') throw new CustodyError('UNSUPPORTED', 'argon2id has no node:crypto implementation (use kdfProvider)');
  assertArgon2Params(params);
  return runInArgon2Worker({
    backend: argon2Backend(params),
    password: ownedCopy(params.password),
    salt: ownedCopy(params.salt),
    secret: ownedCopy(params.secret ?? EMPTY),
    associatedData: ownedCopy(params.associatedData ?? EMPTY),
    memoryKiB: params.memoryKiB,
    iterations: params.iterations,
    parallelism: params.parallelism,
    length: params.length,
  });
}

// ---------------------------------------------------------------------------------------------
// The Argon2 worker: one lazily created worker_threads Worker, unref'd while idle, requests
// serialised through it and matched to replies by sequence number.
// ---------------------------------------------------------------------------------------------

/** One request. Byte arrays are exact-size copies, transferred (moved) to the worker. */
interface Argon2Job {
  readonly backend: Argon2Backend;
  readonly password: Uint8Array<ArrayBuffer>;
  readonly salt: Uint8Array<ArrayBuffer>;
  readonly secret: Uint8Array<ArrayBuffer>;
  readonly associatedData: Uint8Array<ArrayBuffer>;
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
  readonly length: number;
}

interface Argon2Request extends Argon2Job {
  readonly seq: number;
}

type Argon2Reply =
  | { readonly seq: number; readonly ok: true; readonly key: Uint8Array }
  | { readonly seq: number; readonly ok: false; readonly message: string };

interface PendingJob {
  readonly length: number;
  readonly resolve: (key: Uint8Array) => void;
  readonly reject: (error: CustodyError) => void;
}

interface WorkerSlot {
  readonly worker: Worker;
  readonly pending: Map<number, PendingJob>;
}

/** What the worker needs, resolved in the parent so that nothing depends on the process cwd. */
interface Argon2WorkerData {
  readonly hashWasmPath: string;
  readonly nobleArgon2Url: string;
}

/**
 * The worker's code: CommonJS, evaluated from this string (`eval: true`) so that it runs the
 * same from TypeScript sources (vitest, tsx) and from compiled JS in dist/. It loads hash-wasm
 * by absolute path (a bare `require` in an eval worker would resolve from the cwd) and noble's
 * ESM-only argon2 by absolute file URL through dynamic import.
 */
const ARGON2_WORKER_SOURCE = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const hashWasm = require(workerData.hashWasmPath);
let noble;
async function derive(job) {
  if (job.backend === 'hash-wasm') {
    return hashWasm.argon2id({
      password: job.password, salt: job.salt, secret: job.secret,
      iterations: job.iterations, parallelism: job.parallelism, memorySize: job.memoryKiB,
      hashLength: job.length, outputType: 'binary',
    });
  }
  noble = noble || import(workerData.nobleArgon2Url);
  const { argon2id } = await noble;
  return argon2id(job.password, job.salt, {
    t: job.iterations, m: job.memoryKiB, p: job.parallelism, dkLen: job.length,
    key: job.secret, personalization: job.associatedData, maxmem: job.memoryKiB * 1024,
  });
}
parentPort.on('message', async (job) => {
  try {
    const derived = await derive(job);
    const key = new Uint8Array(derived);
    derived.fill(0);
    parentPort.postMessage({ seq: job.seq, ok: true, key }, [key.buffer]);
  } catch (error) {
    parentPort.postMessage({ seq: job.seq, ok: false, message: error instanceof Error ? error.message : 'unknown error' });
  } finally {
    job.password.fill(0);
    job.secret.fill(0);
  }
});
`;

let slot: WorkerSlot | undefined;
let nextSeq = 1;
/** Bumped by shutdownKdfWorkers: jobs queued before a shutdown fail instead of starting a new worker. */
let generation = 0;
/** Serialises jobs: each waits for the previous one to settle. */
let queueTail: Promise<unknown> = Promise.resolve();

function runInArgon2Worker(job: Argon2Job): Promise<Uint8Array> {
  const submittedIn = generation;
  const run = queueTail.then(() => {
    if (submittedIn !== generation) throw new CustodyError('INTERNAL', 'argon2 worker was shut down');
    return postJob(job);
  });
  queueTail = run.catch(() => undefined);
  return run;
}

function postJob(job: Argon2Job): Promise<Uint8Array> {
  const current = slot ?? (slot = startWorker());
  const seq = nextSeq++;
  const request: Argon2Request = { ...job, seq };
  return new Promise<Uint8Array>((resolve, reject) => {
    current.pending.set(seq, { length: job.length, resolve, reject });
    // Keep the process alive while a derivation is in flight; unref again when idle.
    current.worker.ref();
    try {
      current.worker.postMessage(request, [
        job.password.buffer,
        job.salt.buffer,
        job.secret.buffer,
        job.associatedData.buffer,
      ]);
    } catch (cause) {
      current.pending.delete(seq);
      if (current.pending.size === 0) current.worker.unref();
      reject(new CustodyError('INTERNAL', 'could not send the request to the argon2 worker', { cause }));
    }
  });
}

function startWorker(): WorkerSlot {
  let workerData: Argon2WorkerData;
  try {
    const resolver = createRequire(import.meta.url);
    workerData = {
      hashWasmPath: resolver.resolve('hash-wasm'),
      nobleArgon2Url: pathToFileURL(resolver.resolve('@noble/hashes/argon2.js')).href,
    };
  } catch (cause) {
    throw new CustodyError('INTERNAL', 'argon2 worker dependencies not found', { cause });
  }
  const worker = new Worker(ARGON2_WORKER_SOURCE, { eval: true, workerData });
  const created: WorkerSlot = { worker, pending: new Map() };
  worker.unref();
  worker.on('message', (message: unknown) => onReply(created, message));
  worker.on('error', (cause: unknown) => retire(created, new CustodyError('INTERNAL', 'argon2 worker failed', { cause })));
  worker.on('messageerror', (cause: unknown) => retire(created, new CustodyError('INTERNAL', 'argon2 worker sent an unreadable message', { cause })));
  worker.on('exit', (code: number) => retire(created, new CustodyError('INTERNAL', `argon2 worker exited with code ${code}`)));
  return created;
}

function parseArgon2Reply(message: unknown): Argon2Reply | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const { seq, ok } = message as { seq?: unknown; ok?: unknown };
  if (typeof seq !== 'number') return undefined;
  if (ok === true) {
    const { key } = message as { key?: unknown };
    return key instanceof Uint8Array ? { seq, ok, key } : undefined;
  }
  if (ok === false) {
    const { message: text } = message as { message?: unknown };
    return typeof text === 'string' ? { seq, ok, message: text } : undefined;
  }
  return undefined;
}

function onReply(owner: WorkerSlot, message: unknown): void {
  const reply = parseArgon2Reply(message);
  const job = reply === undefined ? undefined : owner.pending.get(reply.seq);
  if (reply === undefined || job === undefined) {
    // The protocol is broken: fail closed, and start afresh on the next request.
    retire(owner, new CustodyError('INTERNAL', 'argon2 worker sent an unexpected reply'));
    void owner.worker.terminate();
    return;
  }
  owner.pending.delete(reply.seq);
  if (owner.pending.size === 0) owner.worker.unref();
  if (!reply.ok) {
    job.reject(new CustodyError('INTERNAL', 'argon2id derivation failed in the worker', { cause: new Error(reply.message) }));
  } else if (reply.key.length !== job.length) {
    job.reject(new CustodyError('INTERNAL', 'argon2 worker returned a key of the wrong length'));
  } else {
    job.resolve(reply.key);
  }
}

/** Forget a worker and fail whatever it still owed. Idempotent. */
function retire(owner: WorkerSlot, error: CustodyError): void {
  if (slot === owner) slot = undefined;
  for (const job of owner.pending.values()) job.reject(error);
  owner.pending.clear();
}

/**
 * Terminate the Argon2 worker, if one is running. In-flight and queued derivations fail with
 * INTERNAL; a later `deriveKey` starts a new worker. The worker is unref'd while idle, so this
 * is for orderly shutdown and tests, not needed for the process to exit.
 */
export async function shutdownKdfWorkers(): Promise<void> {
  generation++;
  const current = slot;
  if (current === undefined) return;
  retire(current, new CustodyError('INTERNAL', 'argon2 worker was shut down'));
  await current.worker.terminate();
}
