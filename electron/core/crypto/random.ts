/**
 * @module core/crypto/random
 * Random bytes for keys, nonces, IVs and salts. Trusts only the operating system's CSPRNG as
 * exposed by node:crypto (`randomFillSync`, the same source as WebCrypto `getRandomValues`).
 * There is no fallback and no userland generator: if the runtime has no CSPRNG, Node throws and
 * so do we. The 1 MiB cap keeps a caller-supplied length from pinning the event loop or memory.
 */
import { randomFillSync } from 'node:crypto';
import { CustodyError } from '../../../shared/errors.js';

/** Largest request `randomBytes` serves (1 MiB). Keys and nonces are tiny; anything bigger is a bug. */
export const MAX_RANDOM_BYTES = 1024 * 1024;

/**
 * `length` fresh random bytes from the OS CSPRNG.
 * @throws CustodyError('INVALID_INPUT') if `length` is not an integer in [0, MAX_RANDOM_BYTES].
 */
export function randomBytes(length: number): Uint8Array {
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0 || length > MAX_RANDOM_BYTES) {
    throw new CustodyError('INVALID_INPUT', `random length must be an integer from 0 to ${MAX_RANDOM_BYTES}`);
  }
  return randomFillSync(new Uint8Array(length));
}
