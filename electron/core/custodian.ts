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
import { AuditLog, DEFAULT_AUDIT_OPTIONS, type AuditFilter, type AuditOptions, type AuditStatus, type VerifyReport } from './audit/log.js';
import type { AuditEvent, DetailValue } from './audit/event.js';
import type { ConsistencyProofFile, InclusionProofFile } from './audit/proof-file.js';
import { createHash } from 'node:crypto';

export interface CoreOptions {
  /** The data directory holding `custos.db`. */
  readonly dataDir: string;
  readonly clock?: Clock;
  readonly crypto?: CryptoEngineOptions;
  /** Argon2id parameters for new vaults and passphrase changes. */
  readonly kdf?: KdfSettings;
  readonly lockout?: LockoutSettings;
  readonly audit?: AuditOptions;
  /** Who is calling through this instance (the CLI: the local operator). */
  readonly client?: ClientContext;
}

/** Who asks, and over what: recorded in every audit event. */
export interface ClientContext {
  readonly principal: string;
  /** 'cli', 'ipc', 'host', 'hsm-grpc', … */
  readonly transport: string;
  readonly origin?: string;
  readonly tokenId?: string;
}

export const LOCAL_OPERATOR: ClientContext = { principal: 'operator', transport: 'cli' };

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
  /** The same custodian, acting for another client (transports call this per connection). */
  forClient(client: ClientContext): Custodian;
  status(): VaultStatus & { schemaVersion: number; dataDir: string; providers: Readonly<Record<string, string>> };
  /** Create the vault; `kdf` overrides the Argon2id parameters given at open. */
  init(passphrase: Uint8Array, kdf?: KdfSettings): Promise<void>;
  /** Unlock, then verify the audit log from the last verified point (a mismatch puts it in the TAMPERED state). */
  unlock(passphrase: Uint8Array): Promise<VerifyReport>;
  lock(): Promise<void>;
  changePassphrase(current: Uint8Array, next: Uint8Array): Promise<void>;

  createNamespace(name: string): Promise<void>;
  listNamespaces(): Promise<{ name: string; createdAt: number; keyCount: number }[]>;

  generateKey(namespace: string, id: string, algorithm: KeyAlgorithm, options?: { exportable?: boolean }): Promise<KeyInfo>;
  importKey(namespace: string, id: string, algorithm: KeyAlgorithm, format: ImportFormat, data: Uint8Array, options?: { exportable?: boolean }): Promise<KeyInfo>;
  listKeys(filter?: KeyFilter): Promise<KeyInfo[]>;
  getKey(namespace: string, id: string): Promise<KeyInfo>;
  publicKey(namespace: string, id: string, format: PublicKeyFormat, version?: number): Promise<{ info: KeyInfo; version: number; publicKey: Uint8Array }>;
  rotateKey(namespace: string, id: string): Promise<KeyInfo>;
  setMinDecryptVersion(namespace: string, id: string, version: number): Promise<KeyInfo>;
  disableKey(namespace: string, id: string): Promise<KeyInfo>;
  enableKey(namespace: string, id: string): Promise<KeyInfo>;
  scheduleKeyDeletion(namespace: string, id: string, windowMs?: number): Promise<KeyInfo>;
  cancelKeyDeletion(namespace: string, id: string): Promise<KeyInfo>;
  exportKey(namespace: string, id: string, format: 'pkcs8' | 'jwk' | 'raw'): Promise<Uint8Array>;

  sign(request: SignRequest): Promise<SignResult>;
  verify(request: VerifyRequest): Promise<{ valid: boolean; keyVersion: number }>;
  verifyWithPublicKey(request: VerifyWithPublicKeyRequest): Promise<{ valid: boolean }>;
  encrypt(request: EncryptRequest): Promise<{ ciphertext: Uint8Array; keyVersion: number }>;
  decrypt(request: DecryptRequest): Promise<{ plaintext: Uint8Array; keyVersion: number }>;
  hash(algorithm: HashAlgorithm, data: Uint8Array): Promise<Uint8Array>;
  kdf(params: KdfParams): Promise<Uint8Array>;
  random(length: number): Promise<Uint8Array>;

  auditStatus(): AuditStatus;
  auditQuery(filter?: AuditFilter): Promise<AuditEvent[]>;
  auditVerify(full: boolean): Promise<VerifyReport>;
  auditCheckpoint(): Promise<{ size: number; note: string } | null>;
  auditCheckpoints(): Promise<{ size: number; createdAt: number; note: string }[]>;
  auditInclusionProof(seq: number, treeSize?: number): Promise<{ proof: InclusionProofFile; checkpoint: string }>;
  auditConsistencyProof(size1: number, size2: number): Promise<{ proof: ConsistencyProofFile; from: string; to: string }>;
  auditExport(write: (line: string) => void): Promise<number>;
  /** An Admin clears the TAMPERED state after investigating; audited. */
  auditAcknowledge(): Promise<void>;

  /** `PRAGMA integrity_check` of the database file. */
  integrityCheck(): string;
  close(): Promise<void>;
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
  const audit = new AuditLog(db, vault, engine, clock, options.audit ?? DEFAULT_AUDIT_OPTIONS);
  const parts: Parts = { dataDir: options.dataDir, db, engine, vault, keys, audit, kdf: options.kdf ?? DEFAULT_KDF, closed: { value: false } };
  return new CustodianImpl(parts, options.client ?? LOCAL_OPERATOR);
}

interface Parts {
  readonly dataDir: string;
  readonly db: Sqlite;
  readonly engine: CryptoEngine;
  readonly vault: Vault;
  readonly keys: KeyStore;
  readonly audit: AuditLog;
  readonly kdf: KdfSettings;
  readonly closed: { value: boolean };
}

interface Target {
  readonly namespace?: string | null;
  readonly keyId?: string | null;
  readonly keyVersion?: number | null;
}

type Details = Record<string, DetailValue>;

class CustodianImpl implements Custodian {
  readonly dataDir: string;
  readonly engine: CryptoEngine;
  private readonly db: Sqlite;
  private readonly vault: Vault;
  private readonly keys: KeyStore;
  private readonly audit: AuditLog;

  constructor(
    private readonly parts: Parts,
    private readonly client: ClientContext,
  ) {
    this.dataDir = parts.dataDir;
    this.engine = parts.engine;
    this.db = parts.db;
    this.vault = parts.vault;
    this.keys = parts.keys;
    this.audit = parts.audit;
  }

  forClient(client: ClientContext): Custodian {
    return new CustodianImpl(this.parts, client);
  }

  // ---------------------------------------------------------------- auditing

  private event(action: string, target: Target, result: string, requestId: string, details: Details) {
    const client: Record<string, string> = { transport: this.client.transport };
    if (this.client.origin !== undefined) client.origin = this.client.origin;
    if (this.client.tokenId !== undefined) client.tokenId = this.client.tokenId;
    return {
      principal: this.client.principal,
      namespace: target.namespace ?? null,
      action,
      keyId: target.keyId ?? null,
      keyVersion: target.keyVersion ?? null,
      result,
      requestId,
      client,
      details,
    };
  }

  /**
   * Run an operation that changes no state; its event is durable before the answer leaves.
   * A failure is audited with its error code, then rethrown.
   */
  private async observe<T>(action: string, target: Target, details: Details, run: () => T | Promise<T>, after?: (value: T) => { keyVersion?: number; details?: Details }): Promise<T> {
    const requestId = AuditLog.newRequestId();
    let value: T;
    try {
      value = await run();
    } catch (error) {
      await this.auditFailure(action, target, requestId, details, error);
      throw error;
    }
    const extra = after?.(value);
    await this.audit.appendDurable(this.event(action, { ...target, keyVersion: extra?.keyVersion ?? target.keyVersion ?? null }, 'ok', requestId, { ...details, ...extra?.details }));
    return value;
  }

  /**
   * Run a state change whose event must commit in the same transaction. `run` receives the
   * function that appends the success event inside the transaction the change uses.
   */
  private async change<T>(action: string, target: Target, details: Details, run: (record: (extra?: { keyVersion?: number; details?: Details }) => void) => T | Promise<T>): Promise<T> {
    const requestId = AuditLog.newRequestId();
    try {
      const value = await run((extra) => {
        this.audit.appendInTransaction(this.event(action, { ...target, keyVersion: extra?.keyVersion ?? target.keyVersion ?? null }, 'ok', requestId, { ...details, ...extra?.details }));
      });
      this.audit.maybeCheckpoint();
      return value;
    } catch (error) {
      await this.auditFailure(action, target, requestId, details, error);
      throw error;
    }
  }

  /** A synchronous state change and its event in one IMMEDIATE transaction. */
  private changeSync<T>(action: string, target: Target, details: Details, run: () => T, version?: (value: T) => number): Promise<T> {
    return this.change(action, target, details, (record) =>
      this.db
        .transaction(() => {
          const value = run();
          record(version === undefined ? undefined : { keyVersion: version(value) });
          return value;
        })
        .immediate(),
    );
  }

  private async auditFailure(action: string, target: Target, requestId: string, details: Details, error: unknown): Promise<void> {
    const code = error instanceof CustodyError ? error.code : 'INTERNAL';
    try {
      await this.audit.appendDurable(this.event(action, target, code, requestId, details));
    } catch {
      // The original error matters more; a log that cannot be written shows up in verification.
    }
  }

  /** Erase keys whose deletion window has passed; each destruction is audited in its transaction. */
  private purge(): void {
    if (!this.vault.isUnlocked()) return;
    this.keys.purgeDue((key) => {
      this.audit.appendInTransaction({ ...this.event('key.destroy', { namespace: key.namespace, keyId: key.id }, 'ok', AuditLog.newRequestId(), { reason: 'deletion window ended' }), principal: 'system' });
    });
  }

  /** Signing and decryption are refused while the audit log is in the TAMPERED state. */
  private assertAuditIntact(): void {
    const t = this.audit.tamperedState();
    if (t !== null) {
      throw new CustodyError('TAMPERED', `the audit log failed verification${t.seq === null ? '' : ` at event ${t.seq}`}: ${t.reason}. An Admin must run \`custos audit acknowledge\``, {
        details: { record: 'audit log' },
      });
    }
  }

  // ---------------------------------------------------------------- vault

  status() {
    return {
      ...this.vault.status(),
      schemaVersion: this.db.pragma('user_version', { simple: true }) as number,
      dataDir: this.dataDir,
      providers: this.engine.providers,
    };
  }

  async init(passphrase: Uint8Array, kdf?: KdfSettings): Promise<void> {
    const requestId = AuditLog.newRequestId();
    const settings = kdf ?? this.parts.kdf;
    try {
      await this.vault.init(passphrase, settings, () => {
        this.keys.createNamespaceUnchecked(DEFAULT_NAMESPACE);
        this.audit.appendInTransaction(this.event('vault.init', { namespace: DEFAULT_NAMESPACE }, 'ok', requestId, { kdf: 'argon2id', memoryKiB: settings.memoryKiB, iterations: settings.iterations, parallelism: settings.parallelism }));
      });
    } catch (error) {
      await this.auditFailure('vault.init', {}, requestId, {}, error);
      throw error;
    }
    this.audit.checkpoint();
  }

  async unlock(passphrase: Uint8Array): Promise<VerifyReport> {
    const wasUnlocked = this.vault.isUnlocked();
    await this.observe('vault.unlock', {}, { reauthentication: wasUnlocked }, () => this.vault.unlock(passphrase));
    const report = this.audit.verify(false);
    if (!report.ok) {
      await this.audit.appendDurable(this.event('audit.violation', {}, 'TAMPERED', AuditLog.newRequestId(), { firstBadSeq: report.firstBadSeq ?? null, reason: report.reason ?? null }));
    }
    this.purge();
    return report;
  }

  async lock(): Promise<void> {
    if (!this.vault.isUnlocked()) return;
    await this.audit.appendDurable(this.event('vault.lock', {}, 'ok', AuditLog.newRequestId(), {}));
    this.audit.checkpoint();
    this.vault.lock();
  }

  changePassphrase(current: Uint8Array, next: Uint8Array): Promise<void> {
    return this.observe('vault.change-passphrase', {}, {}, () => this.vault.changePassphrase(current, next, this.parts.kdf));
  }

  // ---------------------------------------------------------------- namespaces

  createNamespace(name: string): Promise<void> {
    return this.changeSync('namespace.create', { namespace: name }, {}, () => this.keys.createNamespace(name));
  }

  listNamespaces() {
    return this.observe('namespace.list', {}, {}, () => this.keys.listNamespaces());
  }

  // ---------------------------------------------------------------- keys

  generateKey(namespace: string, id: string, algorithm: KeyAlgorithm, options?: { exportable?: boolean }): Promise<KeyInfo> {
    return this.change('key.generate', { namespace, keyId: id }, { algorithm: String(algorithm), exportable: options?.exportable === true }, (record) =>
      this.keys.generate(namespace, id, algorithm, options, () => record({ keyVersion: 1 })),
    );
  }

  importKey(namespace: string, id: string, algorithm: KeyAlgorithm, format: ImportFormat, data: Uint8Array, options?: { exportable?: boolean }): Promise<KeyInfo> {
    return this.changeSync(
      'key.import',
      { namespace, keyId: id },
      { algorithm: String(algorithm), format: String(format), exportable: options?.exportable === true },
      () => this.keys.import(namespace, id, algorithm, format, data, options),
      () => 1,
    );
  }

  listKeys(filter?: KeyFilter): Promise<KeyInfo[]> {
    return this.observe('key.list', { namespace: filter?.namespace ?? null }, {}, () => {
      this.purge();
      return this.keys.list(filter);
    });
  }

  getKey(namespace: string, id: string): Promise<KeyInfo> {
    return this.observe('key.get', { namespace, keyId: id }, {}, () => {
      this.purge();
      return this.keys.get(namespace, id);
    });
  }

  publicKey(namespace: string, id: string, format: PublicKeyFormat, version?: number) {
    return this.observe(
      'key.public',
      { namespace, keyId: id },
      { format: String(format) },
      () => {
        const { info, version: v, spki } = this.keys.publicKey(namespace, id, version);
        return { info, version: v, publicKey: this.engine.exportPublicKey(info.algorithm as SigningKeyAlgorithm, spki, format) };
      },
      (r) => ({ keyVersion: r.version }),
    );
  }

  rotateKey(namespace: string, id: string): Promise<KeyInfo> {
    this.purge();
    return this.change('key.rotate', { namespace, keyId: id }, {}, (record) => this.keys.rotate(namespace, id, (v) => record({ keyVersion: v })));
  }

  setMinDecryptVersion(namespace: string, id: string, version: number): Promise<KeyInfo> {
    this.purge();
    return this.changeSync('key.min-decrypt-version', { namespace, keyId: id }, { minDecryptVersion: version }, () => this.keys.setMinDecryptVersion(namespace, id, version));
  }

  disableKey(namespace: string, id: string): Promise<KeyInfo> {
    this.purge();
    return this.changeSync('key.disable', { namespace, keyId: id }, {}, () => this.keys.disable(namespace, id));
  }

  enableKey(namespace: string, id: string): Promise<KeyInfo> {
    this.purge();
    return this.changeSync('key.enable', { namespace, keyId: id }, {}, () => this.keys.enable(namespace, id));
  }

  scheduleKeyDeletion(namespace: string, id: string, windowMs?: number): Promise<KeyInfo> {
    this.purge();
    return this.changeSync('key.schedule-deletion', { namespace, keyId: id }, { windowMs: windowMs ?? null }, () => this.keys.scheduleDeletion(namespace, id, windowMs));
  }

  cancelKeyDeletion(namespace: string, id: string): Promise<KeyInfo> {
    this.purge();
    return this.changeSync('key.cancel-deletion', { namespace, keyId: id }, {}, () => this.keys.cancelDeletion(namespace, id));
  }

  exportKey(namespace: string, id: string, format: 'pkcs8' | 'jwk' | 'raw'): Promise<Uint8Array> {
    return this.observe('key.export', { namespace, keyId: id }, { format: String(format) }, () => {
      const material = this.keys.exportMaterial(namespace, id);
      try {
        return this.engine.exportPrivateKey(material.algorithm, material, format);
      } finally {
        material.secret?.fill(0);
      }
    });
  }

  // ---------------------------------------------------------------- crypto

  sign(request: SignRequest): Promise<SignResult> {
    return this.observe(
      'crypto.sign',
      { namespace: request.namespace, keyId: request.keyId },
      { dataSha256: sha256Hex(request.data), ...optionDetails(request) },
      () => {
        this.assertAuditIntact();
        const key = this.keys.load(request.namespace, request.keyId, 'sign');
        if (key.privateHandle === undefined) throw new CustodyError('WRONG_KEY_TYPE', `key ${request.namespace}/${request.keyId} cannot sign`);
        const signature = this.engine.sign(key.privateHandle, request.data, signOptions(request));
        return { signature, keyVersion: key.version, algorithm: key.info.algorithm };
      },
      (r) => ({ keyVersion: r.keyVersion, details: { algorithm: r.algorithm } }),
    );
  }

  verify(request: VerifyRequest): Promise<{ valid: boolean; keyVersion: number }> {
    return this.observe(
      'crypto.verify',
      { namespace: request.namespace, keyId: request.keyId, keyVersion: request.keyVersion ?? null },
      { dataSha256: sha256Hex(request.data), ...optionDetails(request) },
      () => {
        const key = this.keys.load(request.namespace, request.keyId, 'verify', request.keyVersion);
        if (key.publicHandle === undefined) throw new CustodyError('WRONG_KEY_TYPE', `key ${request.namespace}/${request.keyId} cannot verify`);
        return { valid: this.engine.verify(key.publicHandle, request.data, request.signature, signOptions(request)), keyVersion: key.version };
      },
      (r) => ({ keyVersion: r.keyVersion, details: { valid: r.valid } }),
    );
  }

  verifyWithPublicKey(request: VerifyWithPublicKeyRequest): Promise<{ valid: boolean }> {
    return this.observe(
      'crypto.verify-public',
      {},
      { algorithm: String(request.algorithm), dataSha256: sha256Hex(request.data), publicKeySha256: sha256Hex(request.publicKey), ...optionDetails(request) },
      () => {
        if (!isSigningAlgorithm(request.algorithm)) throw new CustodyError('INVALID_INPUT', `${String(request.algorithm)} is not a signature algorithm`);
        const spki = this.engine.parsePublicKey(request.algorithm, request.publicKey);
        const handle = this.engine.loadPublicKey(request.algorithm, spki);
        return { valid: this.engine.verify(handle, request.data, request.signature, signOptions(request)) };
      },
      (r) => ({ details: { valid: r.valid } }),
    );
  }

  encrypt(request: EncryptRequest): Promise<{ ciphertext: Uint8Array; keyVersion: number }> {
    return this.observe(
      'crypto.encrypt',
      { namespace: request.namespace, keyId: request.keyId },
      { bytes: request.data.length, aad: request.aad !== undefined },
      () => {
        const key = this.keys.load(request.namespace, request.keyId, 'encrypt');
        const handle = key.privateHandle ?? key.publicHandle;
        if (handle === undefined) throw new CustodyError('WRONG_KEY_TYPE', `key ${request.namespace}/${request.keyId} cannot encrypt`);
        const ciphertext = this.engine.encrypt(handle, request.data, request.aad === undefined ? {} : { aad: request.aad });
        return { ciphertext, keyVersion: key.version };
      },
      (r) => ({ keyVersion: r.keyVersion, details: { algorithm: null } }),
    );
  }

  decrypt(request: DecryptRequest): Promise<{ plaintext: Uint8Array; keyVersion: number }> {
    return this.observe(
      'crypto.decrypt',
      { namespace: request.namespace, keyId: request.keyId, keyVersion: request.keyVersion ?? null },
      { bytes: request.data.length, aad: request.aad !== undefined },
      () => {
        this.assertAuditIntact();
        return this.decryptUnaudited(request);
      },
      (r) => ({ keyVersion: r.keyVersion }),
    );
  }

  private decryptUnaudited(request: DecryptRequest): { plaintext: Uint8Array; keyVersion: number } {
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

  hash(algorithm: HashAlgorithm, data: Uint8Array): Promise<Uint8Array> {
    return this.observe('crypto.hash', {}, { algorithm: String(algorithm), bytes: data.length }, () => this.engine.hash(algorithm, data));
  }

  kdf(params: KdfParams): Promise<Uint8Array> {
    return this.observe('crypto.kdf', {}, { algorithm: String(params.algorithm), length: params.length }, () => this.engine.kdf(params));
  }

  random(length: number): Promise<Uint8Array> {
    return this.observe('crypto.random', {}, { length }, () => this.engine.random(length));
  }

  // ---------------------------------------------------------------- audit

  auditStatus(): AuditStatus {
    return this.audit.status();
  }

  auditQuery(filter?: AuditFilter): Promise<AuditEvent[]> {
    return this.observe('audit.query', { namespace: filter?.namespace ?? null }, {}, () => this.audit.query(filter));
  }

  auditVerify(full: boolean): Promise<VerifyReport> {
    return this.observe('audit.verify', {}, { full }, () => {
      this.vault.requireUnlocked();
      return this.audit.verify(full);
    }, (r) => ({ details: { ok: r.ok, size: r.size, firstBadSeq: r.firstBadSeq ?? null } }));
  }

  async auditCheckpoint(): Promise<{ size: number; note: string } | null> {
    const cp = await this.observe('audit.checkpoint', {}, {}, () => this.audit.checkpoint());
    return cp === undefined ? null : { size: cp.size, note: cp.note };
  }

  auditCheckpoints() {
    return this.observe('audit.checkpoints', {}, {}, () => this.audit.checkpoints());
  }

  auditInclusionProof(seq: number, treeSize?: number) {
    return this.observe('audit.prove', {}, { seq, treeSize: treeSize ?? null }, () => this.audit.inclusionProof(seq, treeSize));
  }

  auditConsistencyProof(size1: number, size2: number) {
    return this.observe('audit.consistency', {}, { size1, size2 }, () => this.audit.consistencyProof(size1, size2));
  }

  auditExport(write: (line: string) => void): Promise<number> {
    return this.observe('audit.export', {}, {}, () => {
      let n = 0;
      for (const line of this.audit.exportLines()) {
        write(line);
        n++;
      }
      return n;
    }, (n) => ({ details: { lines: n } }));
  }

  auditAcknowledge(): Promise<void> {
    const before = this.audit.tamperedState();
    return this.changeSync('audit.acknowledge', {}, { firstBadSeq: before?.seq ?? null, reason: before?.reason ?? null }, () => {
      this.vault.requireUnlocked();
      if (before === null) throw new CustodyError('INVALID_INPUT', 'the audit log is not in the TAMPERED state');
      this.audit.acknowledge();
    });
  }

  integrityCheck(): string {
    return integrityCheck(this.db);
  }

  async close(): Promise<void> {
    if (this.parts.closed.value) return;
    this.parts.closed.value = true;
    try {
      if (this.vault.isUnlocked()) this.audit.checkpoint();
    } finally {
      this.vault.lock();
      this.db.close();
    }
  }
}

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function optionDetails(request: { hash?: SignatureHash; scheme?: RsaScheme; saltLength?: number; sigFormat?: SignatureFormat; prehashed?: boolean }): Details {
  const d: Details = {};
  if (request.hash !== undefined) d.hash = request.hash;
  if (request.scheme !== undefined) d.scheme = request.scheme;
  if (request.saltLength !== undefined) d.saltLength = request.saltLength;
  if (request.sigFormat !== undefined) d.sigFormat = request.sigFormat;
  if (request.prehashed === true) d.prehashed = true;
  return d;
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
