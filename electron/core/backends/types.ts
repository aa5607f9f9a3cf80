/**
 * @module core/backends/types
 * The port every key-holding device implements, so that keys that never leave a device sign
 * through the same facade — same roles, ACLs, policies and audit — as vault keys. The vault is the
 * software backend (core/keys); a PKCS#11 token (backends/pkcs11) and a Ledger (backends/ledger)
 * are the others. The facade keeps a reference to each device key (which backend, which handle
 * on it, its public key) in the vault database; the device keeps the key.
 *
 * Backend ids: `software`, `pkcs11:<token label>`, `ledger:<device id>`.
 *
 * Errors are CustodyErrors with the device's condition as a typed code: DEVICE_UNAVAILABLE
 * (removed, no reader, session gone), PIN_INCORRECT, PIN_LOCKED, MECHANISM_UNSUPPORTED,
 * DEVICE_LOCKED, WRONG_APP, BLIND_SIGNING_DISABLED, USER_REJECTED (refused on the device).
 * A PIN is never in a message, a log or an audit detail.
 */
import type { KeyAlgorithm, RsaScheme, SignatureFormat, SignatureHash } from '../../../shared/algorithms.js';
import type { Secp256k1Signer } from '../chains/signer.js';

export type BackendKind = 'pkcs11' | 'ledger';

/** What a backend is doing right now, as the Devices screen shows it. */
export type BackendState = 'ready' | 'login-required' | 'unavailable' | 'locked' | 'wrong-app' | 'busy';

export interface BackendStatus {
  readonly state: BackendState;
  /** One line for a person ("SoftHSM slot 0x1a2b, token 'ops'", "Ethereum app 1.10.3", "removed"). */
  readonly detail: string;
}

/** A key on a device, as the device describes it (before or after the vault references it). */
export interface DeviceKey {
  /** Stable reference on the device: PKCS#11 CKA_ID as hex; Ledger: the BIP-32 path. */
  readonly handle: string;
  /** PKCS#11 CKA_LABEL; Ledger: the path again. */
  readonly label: string;
  readonly algorithm: KeyAlgorithm;
  /** SPKI DER for an asymmetric key; null for a secret key. */
  readonly publicKey: Uint8Array | null;
  /** The Ethereum address of a secp256k1 key (EIP-55), when it has one. */
  readonly address: string | null;
}

export interface BackendCapabilities {
  /** Algorithms the device can generate keys for (empty: it cannot, e.g. a Ledger). */
  readonly generate: readonly KeyAlgorithm[];
  /** Whether `sign` exists (a Ledger signs chain payloads only, through EthereumDevice). */
  readonly sign: boolean;
  /** Whether AES-GCM encrypt/decrypt exists. */
  readonly encrypt: boolean;
  /** Whether the device needs a login (a PIN entered by a person). */
  readonly login: boolean;
}

export interface BackendSignRequest {
  readonly data: Uint8Array;
  /** The hash for ECDSA and RSA (computed in software when the token lacks the combined mechanism). */
  readonly hash?: SignatureHash;
  /** `data` is already the digest of `hash`. */
  readonly prehashed?: boolean;
  readonly scheme?: RsaScheme;
  readonly saltLength?: number;
  /** ECDSA output: DER (default) or raw r‖s. */
  readonly format?: SignatureFormat;
}

export interface SignerBackend {
  /** `pkcs11:<token label>` or `ledger:<device id>`. */
  readonly id: string;
  readonly kind: BackendKind;
  status(): BackendStatus;
  capabilities(): BackendCapabilities;
  /** Keys the device holds (PKCS#11: private and secret keys of the token; Ledger: none until asked by path). */
  listKeys(): Promise<DeviceKey[]>;
  close(): Promise<void>;
}

/** A PKCS#11 token (backends/pkcs11): log in, generate, adopt, sign, encrypt — all on the token. */
export interface TokenBackend extends SignerBackend {
  readonly kind: 'pkcs11';
  /** The user PIN, entered by a person; never stored by the backend. */
  login(pin: Uint8Array): Promise<void>;
  logout(): Promise<void>;
  /** Sensitive, non-extractable, on the token. `id` defaults to random 16 bytes (hex). */
  generate(request: { algorithm: KeyAlgorithm; label: string; id?: string }): Promise<DeviceKey>;
  /** An existing key found by its CKA_LABEL or CKA_ID (hex). */
  find(by: { label?: string; id?: string }): Promise<DeviceKey>;
  sign(handle: string, request: BackendSignRequest): Promise<Uint8Array>;
  /** A synchronous secp256k1 digest signer over a token key (low-S, recovery id computed in software), for the chain code. */
  secp256k1Signer(handle: string): Secp256k1Signer;
  encrypt(handle: string, request: { plaintext: Uint8Array; aad?: Uint8Array }): Promise<{ iv: Uint8Array; ciphertext: Uint8Array }>;
  decrypt(handle: string, request: { iv: Uint8Array; ciphertext: Uint8Array; aad?: Uint8Array }): Promise<Uint8Array>;
}

/** A Ledger running the Ethereum app (backends/ledger): it signs what it shows, one request at a time. */
export interface EthereumDevice extends SignerBackend {
  readonly kind: 'ledger';
  /** App name and version, checked before each request. */
  appInfo(): Promise<{ name: string; version: string }>;
  /** The account at `path` (optionally shown on the device for the person to compare). */
  getAddress(path: string, options?: { display?: boolean }): Promise<{ address: string; publicKey: Uint8Array }>;
  /** An unsigned serialized transaction (EIP-2718 / legacy RLP, hex); returns v, r, s as the device gives them. */
  signTransaction(path: string, unsignedTxHex: string, options?: { signal?: AbortSignal }): Promise<{ v: string; r: string; s: string }>;
  signPersonalMessage(path: string, message: Uint8Array, options?: { signal?: AbortSignal }): Promise<{ v: number; r: string; s: string }>;
  /**
   * EIP-712: the full message first (the device shows fields); the hashed (blind) method only when
   * `allowBlind` (a policy allows blind signing explicitly) and the device lacks the full method.
   */
  signTypedData(path: string, typedData: unknown, options: { allowBlind: boolean; signal?: AbortSignal }): Promise<{ v: number; r: string; s: string; blind: boolean }>;
}
