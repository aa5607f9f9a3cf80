/**
 * @module core/crypto/types
 * The contract of the crypto engine: one registry of algorithms behind one interface.
 * Callers (keys, vault, facade) never touch node:crypto or noble directly.
 *
 * Canonical storage forms (what the vault encrypts and stores):
 *  - ed25519: the 32-byte private seed (RFC 8032 §5.1.5)
 *  - ecdsa-*: the private scalar, big-endian, fixed length (32 / 48 / 66 bytes)
 *  - rsa-*:   PKCS#8 DER (RFC 5208)
 *  - aes-*:   the raw key (16 / 24 / 32 bytes)
 * Public keys are always stored as SPKI DER (RFC 5280 §4.1.2.7).
 */
import type {
  HashAlgorithm,
  ImportFormat,
  KdfAlgorithm,
  KeyAlgorithm,
  PublicKeyFormat,
  RsaScheme,
  SignatureFormat,
  SignatureHash,
  SigningKeyAlgorithm,
  SymmetricKeyAlgorithm,
} from '../../../shared/algorithms.js';

/** Which implementation holds a key and serves an algorithm: the runtime's node:crypto or the noble/scure libraries. */
export type Provider = 'node' | 'noble';

/**
 * Who signs prehashed ECDSA digests (node:crypto cannot): libsecp256k1 (tiny-secp256k1's WASM
 * build) for secp256k1 where it loads, noble otherwise.
 */
export type DigestSigner = 'noble' | 'libsecp256k1';

/** Any implementation named in `CryptoEngine.providers`. */
export type Implementation = Provider | DigestSigner;

/** A secp256k1 signature with its recovery id (SEC 1 §4.1.6), as Ethereum and Bitcoin messages carry it. */
export interface RecoverableSignature {
  /** r ‖ s, 32 bytes each, big-endian, s ≤ n/2 (BIP 62, EIP-2). */
  readonly signature: Uint8Array;
  /** The parity of R.y. */
  readonly recovery: 0 | 1;
}

export interface KeyMaterial {
  readonly algorithm: KeyAlgorithm;
  /** Canonical private/secret bytes (see module header). Absent for public-only keys. */
  readonly secret?: Uint8Array;
  /** SPKI DER for asymmetric keys; absent for symmetric keys. */
  readonly publicKey?: Uint8Array;
}

export interface SignOptions {
  /** Message hash for ECDSA/RSA. Default per algorithm (DEFAULT_SIGNATURE_HASH). Rejected (INVALID_INPUT) for ed25519. */
  readonly hash?: SignatureHash;
  /** RSA only; default 'pkcs1v15'. Rejected for non-RSA keys. */
  readonly scheme?: RsaScheme;
  /** RSA-PSS only; default = hash length in bytes. */
  readonly saltLength?: number;
  /** ECDSA only; default 'der'. Ed25519 and RSA signatures have one format only. */
  readonly sigFormat?: SignatureFormat;
  /** The data is already the digest of `hash` (ECDSA, RSA). Ed25519 refuses it (UNSUPPORTED). */
  readonly prehashed?: boolean;
}

/** An opaque, runtime-specific private key ready for signing/decrypting (e.g. a node KeyObject). */
export interface PrivateKeyHandle {
  readonly algorithm: KeyAlgorithm;
  readonly provider: Provider;
}

/** An opaque, runtime-specific public key ready for verifying/encrypting. */
export interface PublicKeyHandle {
  readonly algorithm: SigningKeyAlgorithm;
  readonly provider: Provider;
}

export interface EncryptOptions {
  /** Additional authenticated data (AES-GCM only; rejected for CBC and OAEP). */
  readonly aad?: Uint8Array;
  /** Test hook only: a fixed IV/nonce. Production callers never pass it. */
  readonly ivUnsafe?: Uint8Array;
}

export type KdfParams =
  | { readonly algorithm: 'pbkdf2-sha256' | 'pbkdf2-sha512'; readonly password: Uint8Array; readonly salt: Uint8Array; readonly iterations: number; readonly length: number }
  | { readonly algorithm: 'hkdf-sha256' | 'hkdf-sha512'; readonly ikm: Uint8Array; readonly salt: Uint8Array; readonly info: Uint8Array; readonly length: number }
  | {
      readonly algorithm: 'argon2id';
      readonly password: Uint8Array;
      readonly salt: Uint8Array;
      /** Memory in KiB. */
      readonly memoryKiB: number;
      readonly iterations: number;
      readonly parallelism: number;
      readonly length: number;
      /** RFC 9106 optional inputs. */
      readonly secret?: Uint8Array;
      readonly associatedData?: Uint8Array;
    };

export interface CryptoEngine {
  /**
   * Which implementation serves each capability on this runtime (after probing / forcing): one
   * entry per key algorithm, hash and KDF, plus `<ecdsa algorithm>/prehashed` naming who signs
   * caller-supplied digests (and `signRecoverable`) for that curve.
   */
  readonly providers: Readonly<Record<string, Implementation>>;

  /** Generate a key (RSA in a worker / off the event loop). Returns canonical material. */
  generateKey(algorithm: KeyAlgorithm): Promise<KeyMaterial>;
  /** Parse imported material into canonical form; throws INVALID_INPUT / WRONG_KEY_TYPE. */
  importKey(algorithm: KeyAlgorithm, format: ImportFormat, data: Uint8Array): KeyMaterial;
  /** Export a public key (SPKI DER in) as pem (UTF-8 bytes), der, jwk (UTF-8 JSON bytes) or raw (Ed25519 32 bytes, EC uncompressed SEC1 point, RSA: UNSUPPORTED). */
  exportPublicKey(algorithm: SigningKeyAlgorithm, spki: Uint8Array, format: PublicKeyFormat): Uint8Array;
  /** Export private material for exportable keys: pkcs8 (DER), jwk (UTF-8 JSON), raw (canonical secret, not for RSA). */
  exportPrivateKey(algorithm: KeyAlgorithm, material: KeyMaterial, format: 'pkcs8' | 'jwk' | 'raw'): Uint8Array;
  /** Public key (SPKI DER) from a public key in any accepted form: SPKI DER, raw 32-byte Ed25519, SEC1 EC point (compressed or not). */
  parsePublicKey(algorithm: SigningKeyAlgorithm, data: Uint8Array): Uint8Array;

  loadPrivateKey(material: KeyMaterial): PrivateKeyHandle;
  loadPublicKey(algorithm: SigningKeyAlgorithm, spki: Uint8Array): PublicKeyHandle;

  sign(key: PrivateKeyHandle, data: Uint8Array, options?: SignOptions): Uint8Array;
  /**
   * secp256k1 ECDSA over a 32-byte digest (no hashing) with its recovery id; low-S; hedged with 32
   * fresh random bytes (RFC 6979 §3.6).
   * @throws WRONG_KEY_TYPE for any other key; INVALID_INPUT for a digest that is not 32 bytes or an unknown handle.
   */
  signRecoverable(key: PrivateKeyHandle, digest: Uint8Array): RecoverableSignature;  /** Returns false for an invalid or malformed signature; throws only for bad options. */
  verify(key: PublicKeyHandle, data: Uint8Array, signature: Uint8Array, options?: SignOptions): boolean;

  /** AES-GCM: nonce(12) ‖ ciphertext ‖ tag(16). AES-CBC: iv(16) ‖ ciphertext (PKCS#7). RSA: OAEP SHA-256 with the public key. */
  encrypt(key: PrivateKeyHandle | PublicKeyHandle, plaintext: Uint8Array, options?: EncryptOptions): Uint8Array;
  /** Throws DECRYPTION_FAILED on any authentication / padding failure, never returns wrong plaintext. */
  decrypt(key: PrivateKeyHandle, ciphertext: Uint8Array, options?: EncryptOptions): Uint8Array;

  hash(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array;
  /** argon2id runs in a worker thread; the others may run inline. */
  kdf(params: KdfParams): Promise<Uint8Array>;
  random(length: number): Uint8Array;

  /** Raw AES-256-GCM for the vault's envelope encryption (no handle, no allocation of a KeyObject per call). */
  sealAes256Gcm(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  openAes256Gcm(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array;
}

export interface CryptoEngineOptions {
  /** Force the noble/scure implementations for every algorithm they cover (tests, and Electron parity checks). */
  readonly forceNoble?: boolean;
}

export type { SymmetricKeyAlgorithm, SigningKeyAlgorithm, KdfAlgorithm };
