/**
 * @module renderer/features/keys/key-meta
 * What the keys screen says about algorithms and states, and the CLI command equivalent to each
 * action (shown in empty states and dialogs, so an operator can script what they just did).
 */
import { KEY_ALGORITHMS, SIGNING_KEY_ALGORITHMS, SYMMETRIC_KEY_ALGORITHMS } from '../../../shared/algorithms.js';
import type { KeyAlgorithm, KeyInfo, KeyState } from '../../store/types.js';
import type { Tone } from '../../app/ui/Badge.js';

export const ALGORITHMS: readonly KeyAlgorithm[] = KEY_ALGORITHMS;
export const SIGNING_ALGORITHMS: readonly KeyAlgorithm[] = SIGNING_KEY_ALGORITHMS;
export const SYMMETRIC_ALGORITHMS: readonly KeyAlgorithm[] = SYMMETRIC_KEY_ALGORITHMS;
export const KEY_STATES: readonly KeyState[] = ['active', 'disabled', 'pending-deletion', 'destroyed'];

const ALG_NOTES: Record<KeyAlgorithm, string> = {
  ed25519: 'EdDSA on Curve25519 (RFC 8032). Fast, small, deterministic signatures.',
  'ecdsa-p256': 'ECDSA on NIST P-256 with SHA-256 (FIPS 186-5).',
  'ecdsa-p384': 'ECDSA on NIST P-384 with SHA-384.',
  'ecdsa-p521': 'ECDSA on NIST P-521 with SHA-512.',
  'ecdsa-secp256k1': 'ECDSA on secp256k1 (Bitcoin, Ethereum).',
  'rsa-2048': 'RSA 2048-bit, PKCS#1 v1.5 or PSS signatures.',
  'rsa-3072': 'RSA 3072-bit (≈128-bit security).',
  'rsa-4096': 'RSA 4096-bit. Key generation can take a few seconds.',
  'aes-128-gcm': 'AES-128 in GCM: authenticated encryption.',
  'aes-192-gcm': 'AES-192 in GCM: authenticated encryption.',
  'aes-256-gcm': 'AES-256 in GCM: authenticated encryption.',
  'aes-256-cbc': 'AES-256 in CBC with an HMAC: for systems that require CBC.',
};

export function algorithmNote(alg: KeyAlgorithm): string {
  return ALG_NOTES[alg];
}

export function isSymmetric(alg: KeyAlgorithm): boolean {
  return SYMMETRIC_ALGORITHMS.includes(alg);
}

export const STATE_LABEL: Record<KeyState, string> = {
  active: 'Active',
  disabled: 'Disabled',
  'pending-deletion': 'Pending deletion',
  destroyed: 'Destroyed',
};

export const STATE_TONE: Record<KeyState, Tone> = {
  active: 'success',
  disabled: 'neutral',
  'pending-deletion': 'warning',
  destroyed: 'danger',
};

export const KIND_LABEL: Record<KeyInfo['kind'], string> = {
  private: 'Private (asymmetric)',
  public: 'Public only (verify)',
  secret: 'Secret (symmetric)',
};

/** Same rule as the contract's `name`: 1–128 of A-Z a-z 0-9 . _ - */
export const KEY_ID_RE = /^[A-Za-z0-9._-]{1,128}$/;

function nsFlag(namespace: string): string {
  return namespace === 'default' ? '' : ` --ns ${namespace}`;
}
/** Shell-safe enough for the characters KEY_ID_RE allows; placeholders stay uppercase. */
function idOr(id: string): string {
  return id !== '' && KEY_ID_RE.test(id) ? id : 'ID';
}

export const cli = {
  generate: (namespace: string, id: string, alg: KeyAlgorithm, exportable: boolean) => `custos key generate --id ${idOr(id)}${nsFlag(namespace)} --alg ${alg}${exportable ? ' --exportable' : ''}`,
  import: (namespace: string, id: string, alg: KeyAlgorithm, format: string, file: string | undefined, exportable: boolean) =>
    `custos key import --id ${idOr(id)}${nsFlag(namespace)} --alg ${alg} --format ${format} --in ${file === undefined || file === '' ? 'FILE' : JSON.stringify(file)}${exportable ? ' --exportable' : ''}`,
  list: (namespace: string) => `custos key list${nsFlag(namespace)}`,
  show: (namespace: string, id: string) => `custos key show --id ${id}${nsFlag(namespace)}`,
  rotate: (namespace: string, id: string) => `custos key rotate --id ${id}${nsFlag(namespace)}`,
  delete: (namespace: string, id: string, days: number | undefined) => `custos key delete --id ${id}${nsFlag(namespace)}${days === undefined ? '' : ` --window-days ${days}`}`,
};
