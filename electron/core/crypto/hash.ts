/**
 * @module core/crypto/hash
 * Message digests: SHA-2 (FIPS 180-4), SHA-3 (FIPS 202), Keccak-256 (the pre-FIPS padding used
 * by Ethereum) and BLAKE3. node:crypto serves what the runtime has; @noble/hashes serves the rest
 * and everything when noble is forced.
 *
 * Trusts: node:crypto's digests when the runtime lists them (probe.ts), and @noble/hashes.
 * - Electron's BoringSSL has no SHA-3, so there SHA3-256/512 come from noble.
 * - BLAKE3 and Keccak-256 are always noble: Node has no BLAKE3, and Node's 'sha3-256' is the
 *   FIPS 202 function (domain byte 0x06), not Keccak-256 (0x01), so it can never stand in.
 */
import { createHash } from 'node:crypto';
import { blake3 } from '@noble/hashes/blake3.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { keccak_256, sha3_256, sha3_512 } from '@noble/hashes/sha3.js';
import type { HashAlgorithm } from '../../../shared/algorithms.js';
import { CustodyError, assertNever } from '../../../shared/errors.js';
import type { RuntimeCapabilities } from './probe.js';
import type { Provider } from './types.js';

/** The hashes node:crypto can serve, by their OpenSSL names (the same spelling as ours). */
type NodeHash = 'sha256' | 'sha384' | 'sha512' | 'sha3-256' | 'sha3-512';

/** The node:crypto name of `algorithm`, or undefined for a hash node:crypto never serves. */
function nodeHashName(algorithm: HashAlgorithm): NodeHash | undefined {
  switch (algorithm) {
    case 'sha256':
    case 'sha384':
    case 'sha512':
    case 'sha3-256':
    case 'sha3-512':
      return algorithm;
    case 'blake3':
    case 'keccak256':
      return undefined;
    default:
      return assertNever(algorithm, 'hash algorithm');
  }
}

/**
 * Which implementation serves `algorithm` here: node when the runtime lists the digest and
 * noble is not forced, noble otherwise.
 */
export function hashProvider(algorithm: HashAlgorithm, caps: RuntimeCapabilities, forceNoble: boolean): Provider {
  const name = nodeHashName(algorithm);
  if (name === undefined || forceNoble) return 'noble';
  return caps.hashes.has(name) ? 'node' : 'noble';
}

/**
 * The digest of `data` (BLAKE3: its default 32-byte output).
 * @throws CustodyError('INVALID_INPUT') if `data` is not a Uint8Array.
 * @throws CustodyError('UNSUPPORTED') if `provider` is 'node' for BLAKE3 or Keccak-256.
 */
export function hashWith(provider: Provider, algorithm: HashAlgorithm, data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new CustodyError('INVALID_INPUT', 'data to hash must be a Uint8Array');
  switch (provider) {
    case 'node': {
      const name = nodeHashName(algorithm);
      if (name === undefined) throw new CustodyError('UNSUPPORTED', `${algorithm} has no node:crypto implementation`);
      // Copy out of the Buffer so callers get a plain Uint8Array that owns its memory.
      return new Uint8Array(createHash(name).update(data).digest());
    }
    case 'noble':
      return nobleHash(algorithm, data);
    default:
      return assertNever(provider, 'provider');
  }
}

function nobleHash(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array {
  switch (algorithm) {
    case 'sha256':
      return sha256(data);
    case 'sha384':
      return sha384(data);
    case 'sha512':
      return sha512(data);
    case 'sha3-256':
      return sha3_256(data);
    case 'sha3-512':
      return sha3_512(data);
    case 'keccak256':
      return keccak_256(data);
    case 'blake3':
      return blake3(data);
    default:
      return assertNever(algorithm, 'hash algorithm');
  }
}
