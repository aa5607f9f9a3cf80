/**
 * @module shared/algorithms
 * Names of every algorithm Custos offers. One list, used by the core registry, the CLI and
 * (later) the renderer API schemas. Pure TypeScript.
 */

export const SIGNING_KEY_ALGORITHMS = [
  'ed25519',
  'ecdsa-p256',
  'ecdsa-p384',
  'ecdsa-p521',
  'ecdsa-secp256k1',
  'rsa-2048',
  'rsa-3072',
  'rsa-4096',
] as const;
export type SigningKeyAlgorithm = (typeof SIGNING_KEY_ALGORITHMS)[number];

export const SYMMETRIC_KEY_ALGORITHMS = ['aes-128-gcm', 'aes-192-gcm', 'aes-256-gcm', 'aes-256-cbc'] as const;
export type SymmetricKeyAlgorithm = (typeof SYMMETRIC_KEY_ALGORITHMS)[number];

export const KEY_ALGORITHMS = [...SIGNING_KEY_ALGORITHMS, ...SYMMETRIC_KEY_ALGORITHMS] as const;
export type KeyAlgorithm = SigningKeyAlgorithm | SymmetricKeyAlgorithm;

export const HASH_ALGORITHMS = ['sha256', 'sha384', 'sha512', 'sha3-256', 'sha3-512', 'blake3', 'keccak256'] as const;
export type HashAlgorithm = (typeof HASH_ALGORITHMS)[number];

/** Hashes allowed inside signatures (ECDSA, RSA). */
export const SIGNATURE_HASHES = ['sha256', 'sha384', 'sha512'] as const;
export type SignatureHash = (typeof SIGNATURE_HASHES)[number];

export const KDF_ALGORITHMS = ['pbkdf2-sha256', 'pbkdf2-sha512', 'hkdf-sha256', 'hkdf-sha512', 'argon2id'] as const;
export type KdfAlgorithm = (typeof KDF_ALGORITHMS)[number];

export const RSA_SCHEMES = ['pkcs1v15', 'pss'] as const;
export type RsaScheme = (typeof RSA_SCHEMES)[number];

export const SIGNATURE_FORMATS = ['der', 'raw'] as const;
export type SignatureFormat = (typeof SIGNATURE_FORMATS)[number];

export const PUBLIC_KEY_FORMATS = ['pem', 'der', 'jwk', 'raw'] as const;
export type PublicKeyFormat = (typeof PUBLIC_KEY_FORMATS)[number];

export const IMPORT_FORMATS = ['pkcs8', 'spki', 'jwk', 'raw'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export function isSigningAlgorithm(alg: string): alg is SigningKeyAlgorithm {
  return (SIGNING_KEY_ALGORITHMS as readonly string[]).includes(alg);
}
export function isSymmetricAlgorithm(alg: string): alg is SymmetricKeyAlgorithm {
  return (SYMMETRIC_KEY_ALGORITHMS as readonly string[]).includes(alg);
}
export function isKeyAlgorithm(alg: string): alg is KeyAlgorithm {
  return isSigningAlgorithm(alg) || isSymmetricAlgorithm(alg);
}
export function isRsaAlgorithm(alg: string): alg is 'rsa-2048' | 'rsa-3072' | 'rsa-4096' {
  return alg === 'rsa-2048' || alg === 'rsa-3072' || alg === 'rsa-4096';
}
export function isEcdsaAlgorithm(alg: string): alg is 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'ecdsa-secp256k1' {
  return alg.startsWith('ecdsa-');
}

/** Default message hash per signing algorithm (Ed25519 hashes internally: RFC 8032). */
export const DEFAULT_SIGNATURE_HASH: Readonly<Record<Exclude<SigningKeyAlgorithm, 'ed25519'>, SignatureHash>> = {
  'ecdsa-p256': 'sha256',
  'ecdsa-p384': 'sha384',
  'ecdsa-p521': 'sha512',
  'ecdsa-secp256k1': 'sha256',
  'rsa-2048': 'sha256',
  'rsa-3072': 'sha256',
  'rsa-4096': 'sha256',
};
