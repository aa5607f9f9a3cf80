/**
 * @module core/custodian
 * THE facade: every operation from every transport (CLI today; IPC, browser host and loopback
 * servers later) goes through this one object. Transports map their wire format onto these
 * methods and back, and add no logic of their own.
 *
 * Order of steps per ARCHITECTURE.md: authenticate → authorize → validate → policy → approval
 * → execute → audit. This build has one principal (the local operator holding the passphrase);
 * authentication, roles, policy and audit arrive with their issues and slot in here.
 */
import { CustodyError } from '../../shared/errors.js';
import {
  isSigningAlgorithm,
  type HashAlgorithm,
  type ImportFormat,
  type KeyAlgorithm,
  type PublicKeyFormat,
  type RsaScheme,
  type SignatureFormat,
  type SignatureHash,
  type SigningKeyAlgorithm,
} from '../../shared/algorithms.js';
import { createCryptoEngine, runSelfTest } from './crypto/index.js';
import type { CryptoEngine, CryptoEngineOptions, KdfParams, SignOptions } from './crypto/types.js';
import { openDatabase, integrityCheck, type Sqlite } from './vault/database.js';
import { DEFAULT_KDF, DEFAULT_LOCKOUT, Vault, type Clock, type KdfSettings, type LockoutSettings, type VaultStatus } from './vault/vault.js';
import { DEFAULT_NAMESPACE, KeyStore, type KeyFilter, type KeyInfo } from './keys/key-store.js';

export interface CoreOptions {
  /** The data directory holding `custos.db`. */
  readonly dataDir: string;
  readonly clock?: Clock;
  readonly crypto?: CryptoEngineOptions;
  /** Argon2id parameters for new vaults and passphrase changes. */
  readonly kdf?: KdfSettings;
  readonly lockout?: LockoutSettings;
}

export interface SignRequest {
  readonly namespace: string;
  readonly keyId: string;
  readonly data: Uint8Array;
  readonly hash?: SignatureHash;
  readonly scheme?: RsaScheme;
  readonly saltLength?: number;
  readonly sigFormat?: SignatureFormat;
  readonly prehashed?: boolean;
}

export interface SignResult {
  readonly signature: Uint8Array;
  readonly keyVersion: number;
  readonly algorithm: KeyAlgorithm;
}

export interface VerifyRequest extends SignRequest {
  readonly signature: Uint8Array;
  readonly keyVersion?: number;
}

export interface VerifyWithPublicKeyRequest {
  readonly algorithm: SigningKeyAlgorithm;
  /** SPKI DER, raw 32-byte Ed25519, or a SEC1 EC point. */
  readonly publicKey: Uint8Array;
  readonly data: Uint8Array;
  readonly signature: Uint8Array;
  readonly hash?: SignatureHash;
  readonly scheme?: RsaScheme;
  readonly saltLength?: number;
  readonly sigFormat?: SignatureFormat;
  readonly prehashed?: boolean;
}

export interface EncryptRequest {
  readonly namespace: string;
  readonly keyId: string;
  readonly data: Uint8Array;
  readonly aad?: Uint8Array;
}

export interface DecryptRequest extends EncryptRequest {
  /** Which version encrypted the data. Without it: AES-GCM tries every allowed version (authenticated, so exactly one can match); CBC and RSA use the primary. */
  readonly keyVersion?: number;
}

export interface Custodian {
  readonly dataDir: string;
  readonly engine: CryptoEngine;
  status(): VaultStatus & { schemaVersion: number; dataDir: string; providers: Readonly<Record<string, string>> };
  /** Create the vault; `kdf` overrides the Argon2id parameters given at open. */
  init(passphrase: Uint8Array, kdf?: KdfSettings): Promise<void>;
  unlock(passphrase: Uint8Array): Promise<void>;
  lock(): void;
  changePassphrase(current: Uint8Array, next: Uint8Array): Promise<void>;

  createNamespace(name: string): void;
  listNamespaces(): { name: string; createdAt: number; keyCount: number }[];

  generateKey(namespace: string, id: string, algorithm: KeyAlgorithm, options?: { exportable?: boolean }): Promise<KeyInfo>;
  importKey(namespace: string, id: string, algorithm: KeyAlgorithm, format: ImportFormat, data: Uint8Array, options?: { exportable?: boolean }): KeyInfo;
  listKeys(filter?: KeyFilter): KeyInfo[];
  getKey(namespace: string, id: string): KeyInfo;
  publicKey(namespace: string, id: string, format: PublicKeyFormat, version?: number): { info: KeyInfo; version: number; publicKey: Uint8Array };
  rotateKey(namespace: string, id: string): Promise<KeyInfo>;
  setMinDecryptVersion(namespace: string, id: string, version: number): KeyInfo;
  disableKey(namespace: string, id: string): KeyInfo;
  enableKey(namespace: string, id: string): KeyInfo;
  scheduleKeyDeletion(namespace: string, id: string, windowMs?: number): KeyInfo;
  cancelKeyDeletion(namespace: string, id: string): KeyInfo;
  exportKey(namespace: string, id: string, format: 'pkcs8' | 'jwk' | 'raw'): Uint8Array;

  sign(request: SignRequest): SignResult;
  verify(request: VerifyRequest): { valid: boolean; keyVersion: number };
  verifyWithPublicKey(request: VerifyWithPublicKeyRequest): { valid: boolean };
  encrypt(request: EncryptRequest): { ciphertext: Uint8Array; keyVersion: number };
  decrypt(request: DecryptRequest): { plaintext: Uint8Array; keyVersion: number };
  hash(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array;
  kdf(params: KdfParams): Promise<Uint8Array>;
  random(length: number): Uint8Array;

  /** `PRAGMA integrity_check` of the database file. */
  integrityCheck(): string;
  close(): void;
}

/** Self-tests are a power-on property of the process: run once per engine configuration. */
const selfTested = new Set<string>();

/**
 * Open (or prepare) the vault in `dataDir`. Runs the power-on self-test first: a failing
 * known-answer test refuses to open anything.
 */
export async function openCustodian(options: CoreOptions): Promise<Custodian> {
  const engine = createCryptoEngine(options.crypto);
  const config = JSON.stringify(engine.providers);
  if (!selfTested.has(config)) {
    await runSelfTest(engine);
    selfTested.add(config);
  }
  const clock = options.clock ?? { now: () => Date.now() };
  const db = openDatabase(options.dataDir);
  const vault = new Vault(db, engine, clock, options.lockout ?? DEFAULT_LOCKOUT);
  const keys = new KeyStore(db, vault, engine, clock);
  return new CustodianImpl(options.dataDir, db, engine, vault, keys, options.kdf ?? DEFAULT_KDF);
}

class CustodianImpl implements Custodian {
  private closed = false;

  constructor(
    readonly dataDir: string,
    private readonly db: Sqlite,
    readonly engine: CryptoEngine,
    private readonly vault: Vault,
    private readonly keys: KeyStore,
    private readonly kdfSettings: KdfSettings,
  ) {}

  status() {
    return {
      ...this.vault.status(),
      schemaVersion: this.db.pragma('user_version', { simple: true }) as number,
      dataDir: this.dataDir,
      providers: this.engine.providers,
    };
  }

  async init(passphrase: Uint8Array, kdf?: KdfSettings): Promise<void> {
    await this.vault.init(passphrase, kdf ?? this.kdfSettings, () => this.keys.createNamespaceUnchecked(DEFAULT_NAMESPACE));
  }

  async unlock(passphrase: Uint8Array): Promise<void> {
    await this.vault.unlock(passphrase);
    this.keys.purgeDue();
  }

  lock(): void {
    this.vault.lock();
  }

  async changePassphrase(current: Uint8Array, next: Uint8Array): Promise<void> {
    await this.vault.changePassphrase(current, next, this.kdfSettings);
  }

  createNamespace(name: string): void {
    this.keys.createNamespace(name);
  }

  listNamespaces() {
    return this.keys.listNamespaces();
  }

  generateKey(namespace: string, id: string, algorithm: KeyAlgorithm, options?: { exportable?: boolean }): Promise<KeyInfo> {
    return this.keys.generate(namespace, id, algorithm, options);
  }

  importKey(namespace: string, id: string, algorithm: KeyAlgorithm, format: ImportFormat, data: Uint8Array, options?: { exportable?: boolean }): KeyInfo {
    return this.keys.import(namespace, id, algorithm, format, data, options);
  }

  listKeys(filter?: KeyFilter): KeyInfo[] {
    return this.keys.list(filter);
  }

  getKey(namespace: string, id: string): KeyInfo {
    return this.keys.get(namespace, id);
  }

  publicKey(namespace: string, id: string, format: PublicKeyFormat, version?: number) {
    const { info, version: v, spki } = this.keys.publicKey(namespace, id, version);
    return { info, version: v, publicKey: this.engine.exportPublicKey(info.algorithm as SigningKeyAlgorithm, spki, format) };
  }

  rotateKey(namespace: string, id: string): Promise<KeyInfo> {
    return this.keys.rotate(namespace, id);
  }

  setMinDecryptVersion(namespace: string, id: string, version: number): KeyInfo {
    return this.keys.setMinDecryptVersion(namespace, id, version);
  }

  disableKey(namespace: string, id: string): KeyInfo {
    return this.keys.disable(namespace, id);
  }

  enableKey(namespace: string, id: string): KeyInfo {
    return this.keys.enable(namespace, id);
  }

  scheduleKeyDeletion(namespace: string, id: string, windowMs?: number): KeyInfo {
    return this.keys.scheduleDeletion(namespace, id, windowMs);
  }

  cancelKeyDeletion(namespace: string, id: string): KeyInfo {
    return this.keys.cancelDeletion(namespace, id);
  }

  exportKey(namespace: string, id: string, format: 'pkcs8' | 'jwk' | 'raw'): Uint8Array {
    const material = this.keys.exportMaterial(namespace, id);
    try {
      return this.engine.exportPrivateKey(material.algorithm, material, format);
    } finally {
      material.secret?.fill(0);
    }
  }

  sign(request: SignRequest): SignResult {
    const key = this.keys.load(request.namespace, request.keyId, 'sign');
    if (key.privateHandle === undefined) throw new CustodyError('WRONG_KEY_TYPE', `key ${request.namespace}/${request.keyId} cannot sign`);
    const signature = this.engine.sign(key.privateHandle, request.data, signOptions(request));
    return { signature, keyVersion: key.version, algorithm: key.info.algorithm };
  }

  verify(request: VerifyRequest): { valid: boolean; keyVersion: number } {
    const key = this.keys.load(request.namespace, request.keyId, 'verify', request.keyVersion);
    if (key.publicHandle === undefined) throw new CustodyError('WRONG_KEY_TYPE', `key ${request.namespace}/${request.keyId} cannot verify`);
    return { valid: this.engine.verify(key.publicHandle, request.data, request.signature, signOptions(request)), keyVersion: key.version };
  }

  verifyWithPublicKey(request: VerifyWithPublicKeyRequest): { valid: boolean } {
    if (!isSigningAlgorithm(request.algorithm)) throw new CustodyError('INVALID_INPUT', `${String(request.algorithm)} is not a signature algorithm`);
    const spki = this.engine.parsePublicKey(request.algorithm, request.publicKey);
    const handle = this.engine.loadPublicKey(request.algorithm, spki);
    return { valid: this.engine.verify(handle, request.data, request.signature, signOptions(request)) };
  }

  encrypt(request: EncryptRequest): { ciphertext: Uint8Array; keyVersion: number } {
    const key = this.keys.load(request.namespace, request.keyId, 'encrypt');
    const handle = key.privateHandle ?? key.publicHandle;
    if (handle === undefined) throw new CustodyError('WRONG_KEY_TYPE', `key ${request.namespace}/${request.keyId} cannot encrypt`);
    const ciphertext = this.engine.encrypt(handle, request.data, request.aad === undefined ? {} : { aad: request.aad });
    return { ciphertext, keyVersion: key.version };
  }

  decrypt(request: DecryptRequest): { plaintext: Uint8Array; keyVersion: number } {
    const options = request.aad === undefined ? {} : { aad: request.aad };
    if (request.keyVersion !== undefined) {
      const key = this.keys.load(request.namespace, request.keyId, 'decrypt', request.keyVersion);
      return { plaintext: this.engine.decrypt(requirePrivate(key.privateHandle), request.data, options), keyVersion: key.version };
    }
    const info = this.keys.get(request.namespace, request.keyId);
    const gcm = info.algorithm.endsWith('-gcm');
    const candidates = gcm ? range(info.primaryVersion, info.minDecryptVersion) : [info.primaryVersion];
    let lastError: unknown;
    for (const v of candidates) {
      const key = this.keys.load(request.namespace, request.keyId, 'decrypt', v);
      try {
        return { plaintext: this.engine.decrypt(requirePrivate(key.privateHandle), request.data, options), keyVersion: v };
      } catch (error) {
        if (!(error instanceof CustodyError) || error.code !== 'DECRYPTION_FAILED') throw error;
        lastError = error;
      }
    }
    throw lastError instanceof CustodyError ? lastError : new CustodyError('DECRYPTION_FAILED', 'decryption failed');
  }

  hash(algorithm: HashAlgorithm, data: Uint8Array): Uint8Array {
    return this.engine.hash(algorithm, data);
  }

  kdf(params: KdfParams): Promise<Uint8Array> {
    return this.engine.kdf(params);
  }

  random(length: number): Uint8Array {
    return this.engine.random(length);
  }

  integrityCheck(): string {
    return integrityCheck(this.db);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.vault.lock();
    this.db.close();
  }
}

function signOptions(request: { hash?: SignatureHash; scheme?: RsaScheme; saltLength?: number; sigFormat?: SignatureFormat; prehashed?: boolean }): SignOptions {
  const o: { -readonly [K in keyof SignOptions]: SignOptions[K] } = {};
  if (request.hash !== undefined) o.hash = request.hash;
  if (request.scheme !== undefined) o.scheme = request.scheme;
  if (request.saltLength !== undefined) o.saltLength = request.saltLength;
  if (request.sigFormat !== undefined) o.sigFormat = request.sigFormat;
  if (request.prehashed === true) o.prehashed = true;
  return o;
}

function requirePrivate<T>(handle: T | undefined): T {
  if (handle === undefined) throw new CustodyError('WRONG_KEY_TYPE', 'this key cannot decrypt');
  return handle;
}

function range(from: number, downTo: number): number[] {
  const out: number[] = [];
  for (let v = from; v >= downTo; v--) out.push(v);
  return out;
}
