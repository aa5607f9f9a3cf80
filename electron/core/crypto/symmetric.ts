/**
 * @module core/crypto/symmetric
 * AES-GCM (NIST SP 800-38D) and AES-CBC with PKCS#7 padding (SP 800-38A §6.2, RFC 5652 §6.3).
 * The key length picks AES-128/192/256 (FIPS 197). node:crypto serves a mode when the runtime
 * lists the cipher (probe.ts); @noble/ciphers serves it otherwise, or when noble is forced.
 *
 * Trusts: node:crypto and @noble/ciphers for the block cipher and the GCM tag check, and
 * random.ts for nonces and IVs. It does not trust its inputs: lengths are checked here, and
 * every decryption failure is one error (DECRYPTION_FAILED) with one message, so the wire
 * never says which check failed. Plaintext is only returned after the tag (GCM) or the padding
 * (CBC) has been verified; node's intermediate buffers are zeroed.
 *
 * Limits the caller owns:
 * - GCM with random 96-bit nonces: at most 2^32 seals per key (SP 800-38D §8.3).
 * - CBC is unauthenticated. Its padding check is a padding oracle (Vaudenay, EUROCRYPT 2002)
 *   for anyone who can submit ciphertexts and tell failures apart, and neither provider checks
 *   padding in constant time. Use it only for interoperability, and MAC the IV and ciphertext
 *   (encrypt-then-MAC) before decrypting anything that crossed a trust boundary.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { CipherGCMTypes } from 'node:crypto';
import { cbc, gcm } from '@noble/ciphers/aes.js';
import { CustodyError, assertNever } from '../../../shared/errors.js';
import type { RuntimeCapabilities } from './probe.js';
import { randomBytes } from './random.js';
import type { Provider } from './types.js';

/** GCM nonce length used by the public API: 96 bits, the length SP 800-38D §5.2.1.1 recommends (random: §8.2.2). */
export const GCM_NONCE_BYTES = 12;
/** GCM tag length: the full 128 bits (SP 800-38D §5.2.1.2). Shorter tags are never produced or accepted. */
export const GCM_TAG_BYTES = 16;
/** AES block length, which is also the CBC IV length (SP 800-38A §6.2). */
export const AES_BLOCK_BYTES = 16;
/** SP 800-38D §5.2.1.1: len(P) ≤ 2^39 − 256 bits. */
const GCM_MAX_PLAINTEXT_BYTES = 2 ** 36 - 32;

type AesBits = 128 | 192 | 256;
const EMPTY = new Uint8Array(0);
/** One message for every decryption failure: the caller learns nothing about which check failed. */
const DECRYPTION_FAILED_MESSAGE = 'decryption failed';

function assertBytes(value: unknown, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new CustodyError('INVALID_INPUT', `${what} must be a Uint8Array`);
}

/** AES key sizes (FIPS 197 §5): 16, 24 or 32 bytes. The length is not secret; the key is never echoed. */
function aesKeyBits(key: unknown): AesBits {
  assertBytes(key, 'AES key');
  switch (key.length) {
    case 16:
      return 128;
    case 24:
      return 192;
    case 32:
      return 256;
    default:
      throw new CustodyError('INVALID_INPUT', `AES key must be 16, 24 or 32 bytes, got ${key.length}`);
  }
}

function decryptionFailed(): CustodyError {
  return new CustodyError('DECRYPTION_FAILED', DECRYPTION_FAILED_MESSAGE);
}

/** Copy node Buffers into one fresh Uint8Array after `prefix`, then zero the Buffers (they may hold plaintext). */
function joinAndWipe(prefix: Uint8Array, parts: readonly Uint8Array[]): Uint8Array {
  let length = prefix.length;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  out.set(prefix, 0);
  let offset = prefix.length;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
    part.fill(0);
  }
  return out;
}

/**
 * Which implementation serves AES-`mode` with a `keyBytes`-byte key here.
 * @throws CustodyError('INVALID_INPUT') for an unknown mode or key size.
 */
export function aesProvider(mode: 'gcm' | 'cbc', keyBytes: 16 | 24 | 32, caps: RuntimeCapabilities, forceNoble: boolean): Provider {
  if (mode !== 'gcm' && mode !== 'cbc') throw new CustodyError('INVALID_INPUT', 'AES mode must be gcm or cbc');
  if (keyBytes !== 16 && keyBytes !== 24 && keyBytes !== 32) {
    throw new CustodyError('INVALID_INPUT', 'AES key size must be 16, 24 or 32 bytes');
  }
  if (forceNoble) return 'noble';
  return caps.ciphers.has(`aes-${keyBytes * 8}-${mode}`) ? 'node' : 'noble';
}

// ---------------------------------------------------------------------------------------------
// AES-GCM
// ---------------------------------------------------------------------------------------------

/**
 * AES-GCM encryption (SP 800-38D §7.1). Returns nonce(12) ‖ ciphertext ‖ tag(16).
 * The nonce is 96 random bits unless `nonceUnsafe` is given; reusing a nonce under one key
 * reveals the XOR of plaintexts and the GHASH key, so only tests pass it.
 * @throws CustodyError('INVALID_INPUT') for a bad key, nonce length or input type.
 */
export function aesGcmSeal(
  provider: Provider,
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array = EMPTY,
  nonceUnsafe?: Uint8Array,
): Uint8Array {
  aesKeyBits(key);
  assertBytes(plaintext, 'plaintext');
  assertBytes(aad, 'aad');
  const nonce = freshOrGivenIv(nonceUnsafe, GCM_NONCE_BYTES, 'AES-GCM nonce');
  const body = gcmEncrypt(provider, key, nonce, plaintext, aad);
  const out = new Uint8Array(GCM_NONCE_BYTES + body.length);
  out.set(nonce, 0);
  out.set(body, GCM_NONCE_BYTES);
  return out;
}

/**
 * AES-GCM authenticated decryption (SP 800-38D §7.2) of nonce(12) ‖ ciphertext ‖ tag(16).
 * Never returns plaintext unless the tag verifies.
 * @throws CustodyError('DECRYPTION_FAILED') for input shorter than nonce + tag or a tag that does not verify.
 * @throws CustodyError('INVALID_INPUT') for a bad key or a non-Uint8Array argument.
 */
export function aesGcmOpen(provider: Provider, key: Uint8Array, sealed: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
  aesKeyBits(key);
  assertBytes(sealed, 'sealed data');
  assertBytes(aad, 'aad');
  if (sealed.length < GCM_NONCE_BYTES + GCM_TAG_BYTES) throw decryptionFailed();
  try {
    return gcmDecrypt(provider, key, sealed.subarray(0, GCM_NONCE_BYTES), sealed.subarray(GCM_NONCE_BYTES), aad);
  } catch (error) {
    if (error instanceof CustodyError && error.code === 'DECRYPTION_FAILED') throw error;
    // A 12-byte nonce is never refused, but fail closed with the one decryption error if it were.
    throw decryptionFailed();
  }
}

/**
 * @internal For Wycheproof vectors only: AES-GCM with an IV of any non-zero length
 * (SP 800-38D §5.2.1.1; IVs other than 96 bits go through GHASH, §7.1 step 2). Returns
 * ciphertext ‖ tag(16). Production code uses aesGcmSeal, which only makes 96-bit nonces.
 * @throws CustodyError('INVALID_INPUT') for an empty IV; CustodyError('UNSUPPORTED') if the
 * provider refuses the IV length (noble wants ≥ 8 bytes; node refuses very long IVs).
 */
export function aesGcmEncryptWithIvUnsafe(
  provider: Provider,
  key: Uint8Array,
  iv: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array = EMPTY,
): Uint8Array {
  aesKeyBits(key);
  assertGcmIv(iv);
  assertBytes(plaintext, 'plaintext');
  assertBytes(aad, 'aad');
  return gcmEncrypt(provider, key, iv, plaintext, aad);
}

/**
 * @internal For Wycheproof vectors only: the inverse of aesGcmEncryptWithIvUnsafe.
 * @throws CustodyError('DECRYPTION_FAILED') if the tag does not verify; INVALID_INPUT / UNSUPPORTED as above.
 */
export function aesGcmDecryptWithIvUnsafe(
  provider: Provider,
  key: Uint8Array,
  iv: Uint8Array,
  ciphertextAndTag: Uint8Array,
  aad: Uint8Array = EMPTY,
): Uint8Array {
  aesKeyBits(key);
  assertGcmIv(iv);
  assertBytes(ciphertextAndTag, 'ciphertext');
  assertBytes(aad, 'aad');
  return gcmDecrypt(provider, key, iv, ciphertextAndTag, aad);
}

/** SP 800-38D §5.2.1.1: 1 ≤ len(IV). A zero-length IV is refused on encrypt and decrypt alike. */
function assertGcmIv(iv: unknown): asserts iv is Uint8Array {
  assertBytes(iv, 'IV');
  if (iv.length === 0) throw new CustodyError('INVALID_INPUT', 'AES-GCM IV must not be empty');
}

/** Returns ciphertext ‖ tag. Inputs are already checked. */
function gcmEncrypt(provider: Provider, key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  if (plaintext.length > GCM_MAX_PLAINTEXT_BYTES) throw new CustodyError('INVALID_INPUT', 'AES-GCM plaintext is too long');
  switch (provider) {
    case 'node': {
      let cipher;
      try {
        cipher = createCipheriv(nodeGcmName(key), key, iv, { authTagLength: GCM_TAG_BYTES });
      } catch (cause) {
        throw new CustodyError('UNSUPPORTED', `node:crypto refused a ${iv.length}-byte AES-GCM IV`, { cause });
      }
      cipher.setAAD(aad);
      const body = cipher.update(plaintext);
      const last = cipher.final();
      return joinAndWipe(EMPTY, [body, last, cipher.getAuthTag()]);
    }
    case 'noble': {
      let cipher;
      try {
        cipher = gcm(key, iv, aad);
      } catch (cause) {
        throw new CustodyError('UNSUPPORTED', `@noble/ciphers refused a ${iv.length}-byte AES-GCM IV`, { cause });
      }
      return cipher.encrypt(plaintext);
    }
    default:
      return assertNever(provider, 'provider');
  }
}

/** Splits ciphertext ‖ tag, verifies the tag, returns the plaintext. Inputs are already checked. */
function gcmDecrypt(provider: Provider, key: Uint8Array, iv: Uint8Array, ciphertextAndTag: Uint8Array, aad: Uint8Array): Uint8Array {
  if (ciphertextAndTag.length < GCM_TAG_BYTES) throw decryptionFailed();
  switch (provider) {
    case 'node': {
      let decipher;
      try {
        decipher = createDecipheriv(nodeGcmName(key), key, iv, { authTagLength: GCM_TAG_BYTES });
      } catch (cause) {
        throw new CustodyError('UNSUPPORTED', `node:crypto refused a ${iv.length}-byte AES-GCM IV`, { cause });
      }
      const split = ciphertextAndTag.length - GCM_TAG_BYTES;
      return runNodeDecipher((parts) => {
        decipher.setAuthTag(ciphertextAndTag.subarray(split));
        decipher.setAAD(aad);
        parts.push(decipher.update(ciphertextAndTag.subarray(0, split)));
        // final() throws when the tag does not verify (SP 800-38D §7.2: output FAIL).
        parts.push(decipher.final());
      });
    }
    case 'noble': {
      let cipher;
      try {
        cipher = gcm(key, iv, aad);
      } catch (cause) {
        throw new CustodyError('UNSUPPORTED', `@noble/ciphers refused a ${iv.length}-byte AES-GCM IV`, { cause });
      }
      try {
        return cipher.decrypt(ciphertextAndTag);
      } catch {
        throw decryptionFailed();
      }
    }
    default:
      return assertNever(provider, 'provider');
  }
}

function nodeGcmName(key: Uint8Array): CipherGCMTypes {
  return `aes-${aesKeyBits(key)}-gcm`;
}

// ---------------------------------------------------------------------------------------------
// AES-CBC with PKCS#7 padding (unauthenticated: see the module header)
// ---------------------------------------------------------------------------------------------

/**
 * AES-CBC encryption with PKCS#7 padding (RFC 5652 §6.3). Returns iv(16) ‖ ciphertext.
 * The IV is random (SP 800-38A Appendix C: unpredictable) unless `ivUnsafe` is given (tests only).
 * @throws CustodyError('INVALID_INPUT') for a bad key, IV length or input type.
 */
export function aesCbcEncrypt(provider: Provider, key: Uint8Array, plaintext: Uint8Array, ivUnsafe?: Uint8Array): Uint8Array {
  const bits = aesKeyBits(key);
  assertBytes(plaintext, 'plaintext');
  const iv = freshOrGivenIv(ivUnsafe, AES_BLOCK_BYTES, 'AES-CBC IV');
  switch (provider) {
    case 'node': {
      // autoPadding (the default) is PKCS#7.
      const cipher = createCipheriv(`aes-${bits}-cbc`, key, iv);
      return joinAndWipe(iv, [cipher.update(plaintext), cipher.final()]);
    }
    case 'noble': {
      const body = cbc(key, iv).encrypt(plaintext);
      const out = new Uint8Array(AES_BLOCK_BYTES + body.length);
      out.set(iv, 0);
      out.set(body, AES_BLOCK_BYTES);
      return out;
    }
    default:
      return assertNever(provider, 'provider');
  }
}

/**
 * AES-CBC decryption of iv(16) ‖ ciphertext, removing and checking PKCS#7 padding.
 * @throws CustodyError('DECRYPTION_FAILED') for a length that is not IV + a positive number of
 * blocks, or bad padding. The same error and message for both.
 * @throws CustodyError('INVALID_INPUT') for a bad key or a non-Uint8Array argument.
 */
export function aesCbcDecrypt(provider: Provider, key: Uint8Array, data: Uint8Array): Uint8Array {
  const bits = aesKeyBits(key);
  assertBytes(data, 'ciphertext');
  // PKCS#7 always adds 1..16 bytes, so a valid ciphertext is at least one block after the IV.
  if (data.length < 2 * AES_BLOCK_BYTES || data.length % AES_BLOCK_BYTES !== 0) throw decryptionFailed();
  const iv = data.subarray(0, AES_BLOCK_BYTES);
  const body = data.subarray(AES_BLOCK_BYTES);
  switch (provider) {
    case 'node': {
      return runNodeDecipher((parts) => {
        const decipher = createDecipheriv(`aes-${bits}-cbc`, key, iv);
        parts.push(decipher.update(body));
        // final() strips the padding and throws when it is malformed.
        parts.push(decipher.final());
      });
    }
    case 'noble': {
      try {
        return cbc(key, iv).decrypt(body);
      } catch {
        throw decryptionFailed();
      }
    }
    default:
      return assertNever(provider, 'provider');
  }
}

/** A fresh random IV/nonce, or the caller's (tests only), which must have exactly `length` bytes. */
function freshOrGivenIv(givenUnsafe: Uint8Array | undefined, length: number, what: string): Uint8Array {
  if (givenUnsafe === undefined) return randomBytes(length);
  assertBytes(givenUnsafe, what);
  if (givenUnsafe.length !== length) throw new CustodyError('INVALID_INPUT', `${what} must be ${length} bytes, got ${givenUnsafe.length}`);
  return givenUnsafe;
}

/**
 * Run node:crypto decipher steps that push their output into `parts`. Any failure (tag, padding,
 * length) wipes what was already produced and is DECRYPTION_FAILED: never partial plaintext.
 */
function runNodeDecipher(steps: (parts: Uint8Array[]) => void): Uint8Array {
  const parts: Uint8Array[] = [];
  try {
    steps(parts);
  } catch {
    for (const part of parts) part.fill(0);
    throw decryptionFailed();
  }
  return joinAndWipe(EMPTY, parts);
}
