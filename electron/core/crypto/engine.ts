/**
 * @module core/crypto/engine
 * The crypto engine: one object behind the `CryptoEngine` contract (types.ts) that picks a
 * provider per algorithm once, at construction, and dispatches every call to the module that
 * owns the primitive (ed25519.ts, ecdsa.ts, rsa.ts here; hash.ts, symmetric.ts, kdf.ts,
 * random.ts beside them). It owns option checking, key handles and the import/export dispatch.
 *
 * Providers: node:crypto when the runtime has the primitive (probe.ts; Ed25519 by generating
 * a key once), noble/scure otherwise or when `forceNoble` is set. RSA has no noble
 * implementation and stays on node even when noble is forced; `providers` says so. Prehashed
 * ECDSA (and `signRecoverable`) is never node's (it cannot sign a digest): libsecp256k1 (WASM)
 * signs secp256k1 digests where it loads and noble is not forced, noble signs the rest; the
 * `<algorithm>/prehashed` entries of `providers` say which.
 *
 * Handles: `loadPrivateKey` / `loadPublicKey` return frozen `{ algorithm, provider }` objects;
 * the parsed key (node KeyObject or noble bytes) lives in a WeakMap of this engine, so a handle
 * cannot be forged from a plain object, is not usable by another engine, and signing never
 * re-parses a key. Trusts the provider modules; trusts no argument.
 */
import {
  HASH_ALGORITHMS,
  IMPORT_FORMATS,
  KDF_ALGORITHMS,
  KEY_ALGORITHMS,
  PUBLIC_KEY_FORMATS,
  RSA_SCHEMES,
  SIGNATURE_FORMATS,
  SIGNATURE_HASHES,
  DEFAULT_SIGNATURE_HASH,
  isEcdsaAlgorithm,
  isRsaAlgorithm,
  isSigningAlgorithm,
  isSymmetricAlgorithm,
  type HashAlgorithm,
  type ImportFormat,
  type KdfAlgorithm,
  type KeyAlgorithm,
  type PublicKeyFormat,
  type RsaScheme,
  type SignatureFormat,
  type SignatureHash,
  type SigningKeyAlgorithm,
  type SymmetricKeyAlgorithm,
} from '../../../shared/algorithms.js';
import { CustodyError, assertNever } from '../../../shared/errors.js';
import {
  ECDSA_CURVES,
  HASH_LENGTH,
  ecPointFromValidSpki,
  ecdsaExportPrivate,
  ecdsaExportPublic,
  ecdsaGenerate,
  ecdsaImport,
  ecdsaLoadPrivate,
  ecdsaLoadPublic,
  ecdsaParsePublicKey,
  ecdsaSign,
  ecdsaSignRecoverable,
  ecdsaVerify,
  digestSignerFor,
  type EcdsaPrivateKey,
  type EcdsaPublicKey,
} from './ecdsa.js';
import {
  ed25519ExportPrivate,
  ed25519ExportPublic,
  ed25519Generate,
  ed25519Import,
  ed25519LoadPrivate,
  ed25519LoadPublic,
  ed25519ParsePublicKey,

  ed25519Sign,
  ed25519Verify,
  nodeHasEd25519,
  type Ed25519PrivateKey,
  type Ed25519PublicKey,
} from './ed25519.js';
import { hashProvider, hashWith } from './hash.js';
import { kdfProvider, deriveKey } from './kdf.js';
import { base64UrlEncode, bytesEqual, copyBytes, ecSpkiFromPoint, ed25519RawFromSpki, ed25519SpkiFromRaw, encodeJwk, jwkBytes, jwkString, parseJwk } from './key-codec.js';
import { probeRuntime, type RuntimeCapabilities } from './probe.js';
import { randomBytes } from './random.js';
import {
  rsaExportPrivate,
  rsaExportPublic,
  rsaGenerate,
  rsaImport,
  rsaLoadPrivate,
  rsaLoadPublic,
  rsaOaepDecrypt,
  rsaOaepEncrypt,
  rsaParsePublicKey,
  rsaSign,
  rsaSpkiOfPrivate,
  rsaVerify,
  type RsaPrivateKey,
  type RsaPublicKey,
} from './rsa.js';
import { aesCbcDecrypt, aesCbcEncrypt, aesGcmOpen, aesGcmSeal, aesProvider } from './symmetric.js';
import type {
  CryptoEngine,
  CryptoEngineOptions,
  DigestSigner,
  EncryptOptions,
  Implementation,
  KdfParams,
  KeyMaterial,
  PrivateKeyHandle,
  Provider,
  PublicKeyHandle,
  RecoverableSignature,
  SignOptions,
} from './types.js';

// ---------------------------------------------------------------------------------------------
// Internal key shapes
// ---------------------------------------------------------------------------------------------

interface AesKey {
  readonly kind: 'aes';
  readonly algorithm: SymmetricKeyAlgorithm;
  readonly provider: Provider;
  readonly key: Uint8Array;
}

type InternalPrivateKey = Ed25519PrivateKey | EcdsaPrivateKey | RsaPrivateKey | AesKey;
type InternalPublicKey = Ed25519PublicKey | EcdsaPublicKey | RsaPublicKey;

const AES_KEY_BYTES: Readonly<Record<SymmetricKeyAlgorithm, 16 | 24 | 32>> = {
  'aes-128-gcm': 16,
  'aes-192-gcm': 24,
  'aes-256-gcm': 32,
  'aes-256-cbc': 32,
};

function aesMode(algorithm: SymmetricKeyAlgorithm): 'gcm' | 'cbc' {
  return algorithm === 'aes-256-cbc' ? 'cbc' : 'gcm';
}

/** JWK "alg" for AES keys (RFC 7518 §5.3); plain CBC has no registered JWA name. */
const AES_JWK_ALG: Readonly<Record<SymmetricKeyAlgorithm, string | undefined>> = {
  'aes-128-gcm': 'A128GCM',
  'aes-192-gcm': 'A192GCM',
  'aes-256-gcm': 'A256GCM',
  'aes-256-cbc': undefined,
};

// ---------------------------------------------------------------------------------------------
// Argument checks
// ---------------------------------------------------------------------------------------------

function assertBytes(value: unknown, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new CustodyError('INVALID_INPUT', `${what} must be a Uint8Array`);
}

function assertKeyAlgorithm(value: unknown): asserts value is KeyAlgorithm {
  if (typeof value !== 'string' || !(KEY_ALGORITHMS as readonly string[]).includes(value)) {
    throw new CustodyError('INVALID_INPUT', `unknown key algorithm: ${String(value).slice(0, 40)}`);
  }
}

function assertSigningAlgorithm(value: unknown): asserts value is SigningKeyAlgorithm {
  assertKeyAlgorithm(value);
  if (!isSigningAlgorithm(value)) throw new CustodyError('WRONG_KEY_TYPE', `${value} is a symmetric algorithm: it has no public key`);
}

function assertOneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): asserts value is T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new CustodyError('INVALID_INPUT', `${what} must be one of ${allowed.join(', ')}`);
  }
}

interface NormalizedSignOptions {
  readonly hash: SignatureHash;
  readonly scheme: RsaScheme;
  readonly saltLength: number;
  readonly format: SignatureFormat;
  readonly prehashed: boolean;
}

/**
 * Validate SignOptions for an algorithm and fill in defaults. Options that do not apply to the
 * algorithm are refused (INVALID_INPUT), not ignored: a caller asking for a hash or scheme it
 * will not get must learn it.
 */
function normalizeSignOptions(algorithm: Exclude<SigningKeyAlgorithm, 'ed25519'>, options: SignOptions | undefined): NormalizedSignOptions {
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw new CustodyError('INVALID_INPUT', 'sign options must be an object');
  const o = options ?? {};
  const rsa = isRsaAlgorithm(algorithm);
  if (o.hash !== undefined) assertOneOf(o.hash, SIGNATURE_HASHES, 'hash');
  if (o.prehashed !== undefined && typeof o.prehashed !== 'boolean') throw new CustodyError('INVALID_INPUT', 'prehashed must be a boolean');
  if (o.sigFormat !== undefined) {
    if (rsa) throw new CustodyError('INVALID_INPUT', 'sigFormat applies to ECDSA only: RSA signatures have one format');
    assertOneOf(o.sigFormat, SIGNATURE_FORMATS, 'sigFormat');
  }
  if (o.scheme !== undefined) {
    if (!rsa) throw new CustodyError('INVALID_INPUT', `scheme applies to RSA only, not ${algorithm}`);
    assertOneOf(o.scheme, RSA_SCHEMES, 'scheme');
  }
  const scheme: RsaScheme = o.scheme ?? 'pkcs1v15';
  if (o.saltLength !== undefined) {
    if (!rsa || scheme !== 'pss') throw new CustodyError('INVALID_INPUT', 'saltLength applies to RSA-PSS only');
    if (typeof o.saltLength !== 'number' || !Number.isSafeInteger(o.saltLength) || o.saltLength < 0) {
      throw new CustodyError('INVALID_INPUT', 'saltLength must be a non-negative integer');
    }
  }
  const hash = o.hash ?? DEFAULT_SIGNATURE_HASH[algorithm];
  return { hash, scheme, saltLength: o.saltLength ?? HASH_LENGTH[hash], format: o.sigFormat ?? 'der', prehashed: o.prehashed === true };
}

/** Ed25519 takes no options but `prehashed: false` (RFC 8032 PureEdDSA hashes internally). */
function assertEd25519Options(options: SignOptions): void {
  if (typeof options !== 'object' || options === null) throw new CustodyError('INVALID_INPUT', 'sign options must be an object');
  if (options.hash !== undefined) throw new CustodyError('INVALID_INPUT', 'Ed25519 takes no hash option: it hashes with SHA-512 internally (RFC 8032 §5.1)');
  if (options.scheme !== undefined) throw new CustodyError('INVALID_INPUT', 'scheme applies to RSA only, not ed25519');
  if (options.saltLength !== undefined) throw new CustodyError('INVALID_INPUT', 'saltLength applies to RSA-PSS only');
  if (options.sigFormat !== undefined) throw new CustodyError('INVALID_INPUT', 'sigFormat applies to ECDSA only: Ed25519 signatures have one format');
  if (options.prehashed !== undefined && typeof options.prehashed !== 'boolean') throw new CustodyError('INVALID_INPUT', 'prehashed must be a boolean');
  if (options.prehashed === true) throw new CustodyError('UNSUPPORTED', 'Ed25519 cannot sign a prehashed digest (Ed25519ph is not offered)');
}

/** The raw key inside an Ed25519 SPKI, or undefined when it is not one (the caller's comparison then fails). */
function rawEd25519OrUndefined(spki: Uint8Array): Uint8Array | undefined {
  try {
    return ed25519RawFromSpki(spki);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Provider selection
// ---------------------------------------------------------------------------------------------

function signingProviders(caps: RuntimeCapabilities, forceNoble: boolean): Record<SigningKeyAlgorithm, Provider> {
  const ec = (alg: keyof typeof ECDSA_CURVES): Provider => (!forceNoble && caps.curves.has(ECDSA_CURVES[alg].nodeName) ? 'node' : 'noble');
  return {
    ed25519: !forceNoble && nodeHasEd25519() ? 'node' : 'noble',
    'ecdsa-p256': ec('ecdsa-p256'),
    'ecdsa-p384': ec('ecdsa-p384'),
    'ecdsa-p521': ec('ecdsa-p521'),
    'ecdsa-secp256k1': ec('ecdsa-secp256k1'),
    // No noble RSA exists: RSA is node:crypto on every runtime, forceNoble or not.
    'rsa-2048': 'node',
    'rsa-3072': 'node',
    'rsa-4096': 'node',
  };
}

// ---------------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------------

type EcdsaKeyAlgorithm = keyof typeof ECDSA_CURVES;

class Engine implements CryptoEngine {
  readonly providers: Readonly<Record<string, Implementation>>;
  readonly #signing: Readonly<Record<SigningKeyAlgorithm, Provider>>;
  readonly #digestSigners: Readonly<Record<EcdsaKeyAlgorithm, DigestSigner>>;
  readonly #aes: Readonly<Record<SymmetricKeyAlgorithm, Provider>>;
  readonly #hashes: Readonly<Record<HashAlgorithm, Provider>>;
  readonly #kdfs: Readonly<Record<KdfAlgorithm, Provider>>;
  readonly #privateKeys = new WeakMap<object, InternalPrivateKey>();
  readonly #publicKeys = new WeakMap<object, InternalPublicKey>();

  constructor(caps: RuntimeCapabilities, forceNoble: boolean) {
    this.#signing = Object.freeze(signingProviders(caps, forceNoble));
    const digestSigners = {} as Record<EcdsaKeyAlgorithm, DigestSigner>;
    for (const alg of Object.keys(ECDSA_CURVES) as EcdsaKeyAlgorithm[]) digestSigners[alg] = digestSignerFor(ECDSA_CURVES[alg], forceNoble);
    this.#digestSigners = Object.freeze(digestSigners);
    const prehashed: Record<string, DigestSigner> = {};
    for (const alg of Object.keys(digestSigners) as EcdsaKeyAlgorithm[]) prehashed[`${alg}/prehashed`] = digestSigners[alg];
    const aes = {} as Record<SymmetricKeyAlgorithm, Provider>;
    for (const alg of Object.keys(AES_KEY_BYTES) as SymmetricKeyAlgorithm[]) aes[alg] = aesProvider(aesMode(alg), AES_KEY_BYTES[alg], caps, forceNoble);
    this.#aes = Object.freeze(aes);
    const hashes = {} as Record<HashAlgorithm, Provider>;
    for (const alg of HASH_ALGORITHMS) hashes[alg] = hashProvider(alg, caps, forceNoble);
    this.#hashes = Object.freeze(hashes);
    const kdfs = {} as Record<KdfAlgorithm, Provider>;
    for (const alg of KDF_ALGORITHMS) kdfs[alg] = kdfProvider(alg, caps, forceNoble);
    this.#kdfs = Object.freeze(kdfs);
    this.providers = Object.freeze({ ...this.#signing, ...prehashed, ...this.#aes, ...this.#hashes, ...this.#kdfs });
  }

  // -- keys -----------------------------------------------------------------------------------

  async generateKey(algorithm: KeyAlgorithm): Promise<KeyMaterial> {
    assertKeyAlgorithm(algorithm);
    if (isSymmetricAlgorithm(algorithm)) return { algorithm, secret: randomBytes(AES_KEY_BYTES[algorithm]) };
    if (isRsaAlgorithm(algorithm)) {
      const { pkcs8, spki } = await rsaGenerate(algorithm);
      return { algorithm, secret: pkcs8, publicKey: spki };
    }
    if (isEcdsaAlgorithm(algorithm)) {
      const curve = ECDSA_CURVES[algorithm];
      const { scalar, point } = ecdsaGenerate(curve, this.#signing[algorithm]);
      return { algorithm, secret: scalar, publicKey: ecSpkiFromPoint(curve, point) };
    }
    const { seed, publicKey } = ed25519Generate(this.#signing.ed25519);
    return { algorithm, secret: seed, publicKey: ed25519SpkiFromRaw(publicKey) };
  }

  importKey(algorithm: KeyAlgorithm, format: ImportFormat, data: Uint8Array): KeyMaterial {
    assertKeyAlgorithm(algorithm);
    assertOneOf(format, IMPORT_FORMATS, 'import format');
    assertBytes(data, 'key data');
    if (isSymmetricAlgorithm(algorithm)) return importAes(algorithm, format, data);
    if (isRsaAlgorithm(algorithm)) return rsaImport(algorithm, format, data);
    if (isEcdsaAlgorithm(algorithm)) return ecdsaImport(ECDSA_CURVES[algorithm], format, data, this.#signing[algorithm]);
    return ed25519Import(format, data, this.#signing.ed25519);
  }

  exportPublicKey(algorithm: SigningKeyAlgorithm, spki: Uint8Array, format: PublicKeyFormat): Uint8Array {
    assertSigningAlgorithm(algorithm);
    assertBytes(spki, 'public key');
    assertOneOf(format, PUBLIC_KEY_FORMATS, 'public key format');
    if (isRsaAlgorithm(algorithm)) return rsaExportPublic(algorithm, spki, format);
    if (isEcdsaAlgorithm(algorithm)) return ecdsaExportPublic(ECDSA_CURVES[algorithm], spki, format);
    return ed25519ExportPublic(spki, format);
  }

  exportPrivateKey(algorithm: KeyAlgorithm, material: KeyMaterial, format: 'pkcs8' | 'jwk' | 'raw'): Uint8Array {
    assertKeyAlgorithm(algorithm);
    assertOneOf(format, ['pkcs8', 'jwk', 'raw'] as const, 'private key format');
    if (material.algorithm !== algorithm) throw new CustodyError('WRONG_KEY_TYPE', `expected ${algorithm} key material, got ${String(material.algorithm)}`);
    const secret = material.secret;
    if (secret === undefined) throw new CustodyError('INVALID_INPUT', 'the key material has no private part');
    assertBytes(secret, 'secret');
    if (isSymmetricAlgorithm(algorithm)) return exportAes(algorithm, secret, format);
    if (isRsaAlgorithm(algorithm)) return rsaExportPrivate(algorithm, secret, format);
    if (isEcdsaAlgorithm(algorithm)) return ecdsaExportPrivate(ECDSA_CURVES[algorithm], secret, format, this.#signing[algorithm]);
    return ed25519ExportPrivate(secret, format, this.#signing.ed25519);
  }

  parsePublicKey(algorithm: SigningKeyAlgorithm, data: Uint8Array): Uint8Array {
    assertSigningAlgorithm(algorithm);
    assertBytes(data, 'public key');
    if (data.length === 0) throw new CustodyError('INVALID_INPUT', 'empty public key');
    if (isRsaAlgorithm(algorithm)) return rsaParsePublicKey(algorithm, data);
    if (isEcdsaAlgorithm(algorithm)) return ecdsaParsePublicKey(ECDSA_CURVES[algorithm], data);
    return ed25519ParsePublicKey(data);
  }

  loadPrivateKey(material: KeyMaterial): PrivateKeyHandle {
    if (typeof material !== 'object' || material === null) throw new CustodyError('INVALID_INPUT', 'key material must be an object');
    const { algorithm, secret, publicKey } = material;
    assertKeyAlgorithm(algorithm);
    if (secret === undefined) throw new CustodyError('INVALID_INPUT', 'the key material has no private part');
    assertBytes(secret, 'secret');
    if (publicKey !== undefined) assertBytes(publicKey, 'public key');
    let key: InternalPrivateKey;
    let derivedSpki: Uint8Array | undefined;
    if (isSymmetricAlgorithm(algorithm)) {
      if (secret.length !== AES_KEY_BYTES[algorithm]) throw new CustodyError('INVALID_INPUT', `an ${algorithm} key is ${AES_KEY_BYTES[algorithm]} bytes`);
      if (publicKey !== undefined) throw new CustodyError('INVALID_INPUT', 'symmetric key material has no public key');
      key = { kind: 'aes', algorithm, provider: this.#aes[algorithm], key: copyBytes(secret) };
    } else if (isRsaAlgorithm(algorithm)) {
      const rsa = rsaLoadPrivate(algorithm, secret);
      if (publicKey !== undefined) derivedSpki = rsaSpkiOfPrivate(rsa);
      key = rsa;
    } else if (isEcdsaAlgorithm(algorithm)) {
      const curve = ECDSA_CURVES[algorithm];
      const ec = ecdsaLoadPrivate(curve, secret, this.#signing[algorithm], this.#digestSigners[algorithm]);
      if (publicKey !== undefined) derivedSpki = ecSpkiFromPoint(curve, ec.point);
      key = ec;
    } else {
      const ed = ed25519LoadPrivate(secret, this.#signing.ed25519, publicKey === undefined ? undefined : rawEd25519OrUndefined(publicKey));
      if (publicKey !== undefined) derivedSpki = ed25519SpkiFromRaw(ed.publicKey);
      key = ed;
    }
    if (publicKey !== undefined && derivedSpki !== undefined && !bytesEqual(publicKey, derivedSpki)) {
      throw new CustodyError('INVALID_INPUT', `the ${algorithm} public key does not match its private key`);
    }
    const handle: PrivateKeyHandle = Object.freeze({ algorithm, provider: key.kind === 'rsa' ? 'node' : key.provider });
    this.#privateKeys.set(handle, key);
    return handle;
  }

  loadPublicKey(algorithm: SigningKeyAlgorithm, spki: Uint8Array): PublicKeyHandle {
    assertSigningAlgorithm(algorithm);
    assertBytes(spki, 'public key');
    let key: InternalPublicKey;
    if (isRsaAlgorithm(algorithm)) {
      key = rsaLoadPublic(algorithm, spki);
    } else if (isEcdsaAlgorithm(algorithm)) {
      const curve = ECDSA_CURVES[algorithm];
      key = ecdsaLoadPublic(curve, ecPointFromValidSpki(curve, spki), this.#signing[algorithm]);
    } else {
      // ed25519LoadPublic validates the point where the provider needs it (see there).
      key = ed25519LoadPublic(ed25519RawFromSpki(spki), this.#signing.ed25519);
    }
    const handle: PublicKeyHandle = Object.freeze({ algorithm, provider: key.kind === 'rsa' ? 'node' : key.provider });
    this.#publicKeys.set(handle, key);
    return handle;
  }

  #private(handle: PrivateKeyHandle): InternalPrivateKey {
    const key = this.#privateKeys.get(handle);
    if (key === undefined) throw new CustodyError('INVALID_INPUT', 'unknown private key handle (load keys with this engine)');
    return key;
  }

  #public(handle: PublicKeyHandle): InternalPublicKey {
    const key = this.#publicKeys.get(handle);
    if (key === undefined) throw new CustodyError('INVALID_INPUT', 'unknown public key handle (load keys with this engine)');
    return key;
  }

  // -- signatures -----------------------------------------------------------------------------

  sign(handle: PrivateKeyHandle, data: Uint8Array, options?: SignOptions): Uint8Array {
    const key = this.#private(handle);
    assertBytes(data, 'data');
    switch (key.kind) {
      case 'ed25519':
        if (options !== undefined) assertEd25519Options(options);
        return ed25519Sign(key, data);
      case 'ecdsa':
        return ecdsaSign(key, data, normalizeSignOptions(key.curve.algorithm, options));
      case 'rsa':
        return rsaSign(key, data, normalizeSignOptions(key.algorithm, options));
      case 'aes':
        throw new CustodyError('WRONG_KEY_TYPE', `${key.algorithm} keys cannot sign`);
      default:
        return assertNever(key, 'key kind');
    }
  }

  signRecoverable(handle: PrivateKeyHandle, digest: Uint8Array): RecoverableSignature {
    const key = this.#private(handle);
    assertBytes(digest, 'digest');
    if (key.kind !== 'ecdsa' || key.curve.algorithm !== 'ecdsa-secp256k1') {
      throw new CustodyError('WRONG_KEY_TYPE', `recoverable signatures are secp256k1 only, not ${handle.algorithm}`);
    }
    return ecdsaSignRecoverable(key, digest);
  }

  verify(handle: PublicKeyHandle, data: Uint8Array, signature: Uint8Array, options?: SignOptions): boolean {
    const key = this.#public(handle);
    assertBytes(data, 'data');
    switch (key.kind) {
      case 'ed25519':
        if (options !== undefined) assertEd25519Options(options);
        return ed25519Verify(key, data, signature);
      case 'ecdsa':
        return ecdsaVerify(key, data, signature, normalizeSignOptions(key.curve.algorithm, options));
      case 'rsa':
        return rsaVerify(key, data, signature, normalizeSignOptions(key.algorithm, options));
      default:
        return assertNever(key, 'key kind');
    }
  }

  // -- encryption -----------------------------------------------------------------------------

  encrypt(handle: PrivateKeyHandle | PublicKeyHandle, plaintext: Uint8Array, options: EncryptOptions = {}): Uint8Array {
    const key = this.#privateKeys.get(handle) ?? this.#publicKeys.get(handle);
    if (key === undefined) throw new CustodyError('INVALID_INPUT', 'unknown key handle (load keys with this engine)');
    assertBytes(plaintext, 'plaintext');
    const { aad, ivUnsafe } = options;
    if (aad !== undefined) assertBytes(aad, 'aad');
    if (ivUnsafe !== undefined) assertBytes(ivUnsafe, 'iv');
    switch (key.kind) {
      case 'aes':
        if (aesMode(key.algorithm) === 'gcm') return aesGcmSeal(key.provider, key.key, plaintext, aad, ivUnsafe);
        if (aad !== undefined) throw new CustodyError('INVALID_INPUT', 'aad applies to AES-GCM only');
        return aesCbcEncrypt(key.provider, key.key, plaintext, ivUnsafe);
      case 'rsa':
        if (aad !== undefined) throw new CustodyError('INVALID_INPUT', 'aad applies to AES-GCM only (RSA-OAEP takes no label here)');
        if (ivUnsafe !== undefined) throw new CustodyError('INVALID_INPUT', 'RSA-OAEP takes no IV');
        return rsaOaepEncrypt(key, plaintext);
      case 'ed25519':
      case 'ecdsa':
        throw new CustodyError('WRONG_KEY_TYPE', `${key.kind} keys cannot encrypt`);
      default:
        return assertNever(key, 'key kind');
    }
  }

  decrypt(handle: PrivateKeyHandle, ciphertext: Uint8Array, options: EncryptOptions = {}): Uint8Array {
    const key = this.#private(handle);
    assertBytes(ciphertext, 'ciphertext');
    const { aad } = options;
    if (aad !== undefined) assertBytes(aad, 'aad');
    if (options.ivUnsafe !== undefined) throw new CustodyError('INVALID_INPUT', 'decrypt takes no IV: it is part of the ciphertext');
    switch (key.kind) {
      case 'aes':
        if (aesMode(key.algorithm) === 'gcm') return aesGcmOpen(key.provider, key.key, ciphertext, aad);
        if (aad !== undefined) throw new CustodyError('INVALID_INPUT', 'aad applies to AES-GCM only');
        return aesCbcDecrypt(key.provider, key.key, ciphertext);
      case 'rsa':
        if (aad !== undefined) throw new CustodyError('INVALID_INPUT', 'aad applies to AES-GCM only (RSA-OAEP takes no label here)');
        return rsaOaepDecrypt(key, ciphertext);
      case 'ed25519':
      case 'ecdsa':
        throw new CustodyError('WRONG_KEY_TYPE', `${key.kind} keys cannot decrypt`);
      default:
        return assertNever(key, 'key kind');
    }
  }

  sealAes256Gcm(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
    assertBytes(key, 'key');
    if (key.length !== 32) throw new CustodyError('INVALID_INPUT', 'sealAes256Gcm takes a 32-byte key');
    return aesGcmSeal(this.#aes['aes-256-gcm'], key, plaintext, aad);
  }

  openAes256Gcm(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
    assertBytes(key, 'key');
    if (key.length !== 32) throw new CustodyError('INVALID_INPUT', 'openAes256Gcm takes a 32-byte key');
    return aesGcmOpen(this.#aes['aes-256-gcm'], key, sealed, aad);
  }

  // -- hashes, KDFs, randomness ---------------------------------------------------------------

  hash(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array {
    assertOneOf(algorithm, HASH_ALGORITHMS, 'hash algorithm');
    assertBytes(data, 'data');
    return hashWith(this.#hashes[algorithm], algorithm, data);
  }

  async kdf(params: KdfParams): Promise<Uint8Array> {
    if (typeof params !== 'object' || params === null) throw new CustodyError('INVALID_INPUT', 'kdf params must be an object');
    assertOneOf(params.algorithm, KDF_ALGORITHMS, 'kdf algorithm');
    return deriveKey(this.#kdfs[params.algorithm], params);
  }

  random(length: number): Uint8Array {
    return randomBytes(length);
  }
}

// ---------------------------------------------------------------------------------------------
// AES import / export (raw and JWK "oct", RFC 7518 §6.4)
// ---------------------------------------------------------------------------------------------

function importAes(algorithm: SymmetricKeyAlgorithm, format: ImportFormat, data: Uint8Array): KeyMaterial {
  const size = AES_KEY_BYTES[algorithm];
  switch (format) {
    case 'raw':
      if (data.length !== size) throw new CustodyError('INVALID_INPUT', `an ${algorithm} key is ${size} bytes, got ${data.length}`);
      return { algorithm, secret: copyBytes(data) };
    case 'jwk': {
      const jwk = parseJwk(data);
      const kty = jwkString(jwk, 'kty');
      if (kty !== 'oct') throw new CustodyError('WRONG_KEY_TYPE', `expected an oct JWK for ${algorithm}, got kty ${kty ?? 'missing'}`);
      const alg = jwkString(jwk, 'alg');
      const expected = AES_JWK_ALG[algorithm];
      if (alg !== undefined && alg !== expected) {
        throw new CustodyError('WRONG_KEY_TYPE', `JWK alg ${alg} does not fit ${algorithm}${expected === undefined ? ' (omit alg)' : ` (expected ${expected})`}`);
      }
      return { algorithm, secret: jwkBytes(jwk, 'k', size) };
    }
    case 'pkcs8':
    case 'spki':
      throw new CustodyError('INVALID_INPUT', `${algorithm} keys import as raw or jwk, not ${format}`);
    default:
      return assertNever(format, 'import format');
  }
}

function exportAes(algorithm: SymmetricKeyAlgorithm, secret: Uint8Array, format: 'pkcs8' | 'jwk' | 'raw'): Uint8Array {
  if (secret.length !== AES_KEY_BYTES[algorithm]) throw new CustodyError('INVALID_INPUT', `an ${algorithm} key is ${AES_KEY_BYTES[algorithm]} bytes`);
  switch (format) {
    case 'raw':
      return copyBytes(secret);
    case 'jwk': {
      const alg = AES_JWK_ALG[algorithm];
      return encodeJwk([['kty', 'oct'], ['k', base64UrlEncode(secret)], ...(alg === undefined ? [] : [['alg', alg] as const])]);
    }
    case 'pkcs8':
      throw new CustodyError('UNSUPPORTED', `${algorithm} keys export as raw or jwk, not pkcs8`);
    default:
      return assertNever(format, 'private key format');
  }
}

/**
 * Build the engine. Probes the runtime once (cached in probe.ts) and fixes the provider of
 * every algorithm; `options.forceNoble` moves everything noble covers to noble (RSA stays on node).
 */
export function createCryptoEngine(options: CryptoEngineOptions = {}): CryptoEngine {
  return new Engine(probeRuntime(), options.forceNoble === true);
}
