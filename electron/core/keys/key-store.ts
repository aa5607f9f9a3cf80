/**
 * @module core/keys/key-store
 * Key records and their versions: generate, import, rotate, disable/enable, scheduled
 * deletion, export. Secrets are sealed by the vault; every row carries a MAC so a flipped
 * byte anywhere is reported as TAMPERED naming the record. Trusts the vault and the engine.
 */
import { CustodyError } from '../../../shared/errors.js';
import {
  isRsaAlgorithm,
  isSigningAlgorithm,
  isSymmetricAlgorithm,
  type ImportFormat,
  type KeyAlgorithm,
} from '../../../shared/algorithms.js';
import type { CryptoEngine, KeyMaterial, PrivateKeyHandle, PublicKeyHandle } from '../crypto/types.js';
import { statementCache, type Sqlite } from '../vault/database.js';
import type { Statement } from 'better-sqlite3';
import { GroupCommit } from '../vault/group-commit.js';
import { tampered, type Clock, type Vault } from '../vault/vault.js';

export const KEY_STATES = ['active', 'disabled', 'pending-deletion', 'destroyed'] as const;
export type KeyState = (typeof KEY_STATES)[number];
export type KeyKind = 'private' | 'public' | 'secret';
export type KeyOrigin = 'generated' | 'imported';

export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_DELETION_WINDOW_MS = 7 * 24 * 3600 * 1000;
/** Shortest pending window an operator may ask for: a deletion must stay cancellable for a while. */
export const MIN_DELETION_WINDOW_MS = 24 * 3600 * 1000;

const NAME_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

export interface KeyVersionInfo {
  readonly version: number;
  readonly createdAt: number;
  readonly destroyed: boolean;
}

export interface KeyInfo {
  readonly namespace: string;
  readonly id: string;
  readonly algorithm: KeyAlgorithm;
  readonly kind: KeyKind;
  readonly state: KeyState;
  readonly exportable: boolean;
  readonly origin: KeyOrigin;
  readonly primaryVersion: number;
  readonly minDecryptVersion: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** When a pending deletion takes effect (epoch ms), else null. */
  readonly deletionAt: number | null;
  readonly versions: readonly KeyVersionInfo[];
  /** Where the key lives: absent for a vault key (`software`); `pkcs11:<token>` or `ledger:<device>` for a device key (core/backends). */
  readonly backend?: string;
}

export interface KeyFilter {
  readonly namespace?: string;
  readonly algorithm?: KeyAlgorithm;
  readonly state?: KeyState;
}

/** What an operation needs the key for; decides which states and kinds are acceptable. */
export type KeyPurpose = 'sign' | 'verify' | 'encrypt' | 'decrypt' | 'export';

export interface LoadedKey {
  readonly info: KeyInfo;
  readonly version: number;
  readonly privateHandle?: PrivateKeyHandle;
  readonly publicHandle?: PublicKeyHandle;
}

interface KeyRow {
  namespace: string;
  id: string;
  algorithm: string;
  kind: string;
  state: string;
  state_before_deletion: string | null;
  exportable: number;
  primary_version: number;
  min_decrypt_version: number;
  origin: string;
  created_at: number;
  updated_at: number;
  deletion_at: number | null;
  record_mac: Buffer;
}

interface VersionRow {
  namespace: string;
  key_id: string;
  version: number;
  public_key: Buffer | null;
  sealed_secret: Buffer | null;
  created_at: number;
  destroyed_at: number | null;
  record_mac: Buffer;
}

const PAIRWISE_TEST_MESSAGE = new TextEncoder().encode('custos pairwise consistency test');

export function assertName(value: string, what: 'key id' | 'namespace'): void {
  if (!NAME_PATTERN.test(value)) {
    throw new CustodyError('INVALID_INPUT', `invalid ${what}: use 1-128 characters of A-Z a-z 0-9 . _ -`);
  }
}

interface CachedVersion {
  /** The version row as last authenticated: an identical row needs no second MAC check. */
  readonly row: VersionRow;
  privateHandle?: PrivateKeyHandle;
  publicHandle?: PublicKeyHandle;
}

export class KeyStore {
  /** Loaded handles by (namespace, id, version), valid while the vault stays unlocked. */
  private readonly handles = new Map<string, CachedVersion>();
  /** Key rows as last authenticated, by (namespace, id). */
  private readonly verifiedKeys = new Map<string, KeyRow>();
  private readonly sql: (text: string) => Statement;
  private readonly commits: GroupCommit;
  /**
   * Hot path: results of `load` for active keys, valid while no other connection has written
   * (SQLite's `data_version` is unchanged) and this store has not changed the key. Every
   * entry was built from authenticated rows.
   */
  private readonly loaded = new Map<string, LoadedKey>();
  private loadedAtDataVersion = -1;

  constructor(
    private readonly db: Sqlite,
    private readonly vault: Vault,
    private readonly engine: CryptoEngine,
    private readonly clock: Clock,
  ) {
    this.commits = new GroupCommit(db);
    this.sql = statementCache(db);
    vault.onLock(() => {
      this.handles.clear();
      this.verifiedKeys.clear();
      this.loaded.clear();
    });
  }


  // ---------------------------------------------------------------- namespaces

  /** Called inside the vault's init transaction. */
  createNamespaceUnchecked(name: string): void {
    assertName(name, 'namespace');
    const now = this.clock.now();
    this.sql('INSERT INTO namespaces (name, created_at, record_mac) VALUES (?, ?, ?)')
      .run(name, now, this.vault.mac(['namespace', name, now]));
  }

  createNamespace(name: string): void {
    this.vault.requireUnlocked();
    assertName(name, 'namespace');
    this.db.transaction(() => {
      if (this.sql('SELECT 1 FROM namespaces WHERE name = ?').get(name) !== undefined) {
        throw new CustodyError('ALREADY_EXISTS', `namespace ${name} already exists`);
      }
      this.createNamespaceUnchecked(name);
    }).immediate();
  }

  listNamespaces(): { name: string; createdAt: number; keyCount: number }[] {
    this.vault.requireUnlocked();
    const rows = this.sql('SELECT n.name, n.created_at, n.record_mac, (SELECT count(*) FROM keys k WHERE k.namespace = n.name) AS key_count FROM namespaces n ORDER BY n.name')
      .all() as { name: string; created_at: number; record_mac: Buffer; key_count: number }[];
    return rows.map((r) => {
      this.vault.assertMac(r.record_mac, ['namespace', r.name, r.created_at], `namespace ${r.name}`);
      return { name: r.name, createdAt: r.created_at, keyCount: r.key_count };
    });
  }

  /** A namespace's verified record and the number of keys in it that are not destroyed. */
  namespaceInfo(name: string): { name: string; createdAt: number; keyCount: number } {
    this.vault.requireUnlocked();
    const createdAt = this.assertNamespace(name);
    return { name, createdAt, keyCount: this.liveKeyCount(name) };
  }

  /** Keys in a namespace that are not destroyed (what a quota counts). */
  liveKeyCount(namespace: string): number {
    return (this.sql("SELECT count(*) AS n FROM keys WHERE namespace = ? AND state != 'destroyed'").get(namespace) as { n: number }).n;
  }

  /**
   * Delete an empty namespace: no key in it may be anything but destroyed. The records of
   * destroyed keys (their material is already erased) go with it; the audit log keeps their
   * history. Caller holds the transaction.
   */
  deleteNamespaceUnchecked(name: string): void {
    this.assertNamespace(name);
    const live = this.liveKeyCount(name);
    if (live > 0) throw new CustodyError('NOT_EMPTY', `namespace ${name} still holds ${live} key${live === 1 ? '' : 's'}: delete them first`, { details: { keys: live } });
    this.sql('DELETE FROM key_versions WHERE namespace = ?').run(name);
    this.sql('DELETE FROM keys WHERE namespace = ?').run(name);
    this.sql('DELETE FROM namespaces WHERE name = ?').run(name);
    this.verifiedKeys.clear();
    this.loaded.clear();
  }

  private assertNamespace(name: string): number {
    assertName(name, 'namespace');
    const row = this.sql('SELECT name, created_at, record_mac FROM namespaces WHERE name = ?').get(name) as
      | { name: string; created_at: number; record_mac: Buffer }
      | undefined;
    if (row === undefined) throw new CustodyError('NOT_FOUND', `namespace ${name} does not exist`);
    this.vault.assertMac(row.record_mac, ['namespace', row.name, row.created_at], `namespace ${name}`);
    return row.created_at;
  }

  // ---------------------------------------------------------------- create

  /** `inTransaction` runs inside the write transaction with the new key (the facade appends its audit event there). */
  async generate(namespace: string, id: string, algorithm: KeyAlgorithm, options: { exportable?: boolean } = {}, inTransaction?: (info: KeyInfo) => void): Promise<KeyInfo> {
    this.vault.requireUnlocked();
    this.assertNewKey(namespace, id);
    const material = await this.engine.generateKey(algorithm);
    this.pairwiseTest(material);
    // Concurrent generations share one durable transaction (group commit).
    return this.commits.run(() => {
      const info = this.insertKeyRows(namespace, id, material, 'generated', options.exportable === true);
      inTransaction?.(info);
      return info;
    });
  }

  import(namespace: string, id: string, algorithm: KeyAlgorithm, format: ImportFormat, data: Uint8Array, options: { exportable?: boolean } = {}): KeyInfo {
    this.vault.requireUnlocked();
    this.assertNewKey(namespace, id);
    const material = this.engine.importKey(algorithm, format, data);
    if (material.secret !== undefined) this.pairwiseTest(material);
    return this.db.transaction(() => this.insertKeyRows(namespace, id, material, 'imported', options.exportable === true)).immediate();
  }

  private assertNewKey(namespace: string, id: string): void {
    assertName(id, 'key id');
    this.assertNamespace(namespace);
    if (this.sql('SELECT 1 FROM keys WHERE namespace = ? AND id = ?').get(namespace, id) !== undefined) {
      throw new CustodyError('ALREADY_EXISTS', `key ${namespace}/${id} already exists`);
    }
  }

  /** Runs inside a write transaction. */
  private insertKeyRows(namespace: string, id: string, material: KeyMaterial, origin: KeyOrigin, exportable: boolean): KeyInfo {
    const kind: KeyKind = isSymmetricAlgorithm(material.algorithm) ? 'secret' : material.secret === undefined ? 'public' : 'private';
    const now = this.clock.now();
    const row: KeyRow = {
      namespace,
      id,
      algorithm: material.algorithm,
      kind,
      state: 'active',
      state_before_deletion: null,
      exportable: exportable && kind !== 'public' ? 1 : 0,
      primary_version: 1,
      min_decrypt_version: 1,
      origin,
      created_at: now,
      updated_at: now,
      deletion_at: null,
      record_mac: Buffer.alloc(0),
    };
    // Checked again inside the write transaction: another caller or process may have raced us.
    if (this.sql('SELECT 1 FROM keys WHERE namespace = ? AND id = ?').get(namespace, id) !== undefined) {
      throw new CustodyError('ALREADY_EXISTS', `key ${namespace}/${id} already exists`);
    }
    this.writeKeyRow(row, true);
    return this.toInfo(row, [this.insertVersion(row, 1, material, now)]);
  }

  private insertVersion(key: KeyRow, version: number, material: KeyMaterial, now: number): VersionRow {
    const sealed = material.secret === undefined ? null : Buffer.from(this.vault.seal(secretIdentity(key, version), material.secret));
    const v: VersionRow = {
      namespace: key.namespace,
      key_id: key.id,
      version,
      public_key: material.publicKey === undefined ? null : Buffer.from(material.publicKey),
      sealed_secret: sealed,
      created_at: now,
      destroyed_at: null,
      record_mac: Buffer.alloc(0),
    };
    v.record_mac = this.vault.mac(versionMacFields(v, key.algorithm));
    this.sql(
        `INSERT INTO key_versions (namespace, key_id, version, public_key, sealed_secret, created_at, destroyed_at, record_mac)
         VALUES (@namespace, @key_id, @version, @public_key, @sealed_secret, @created_at, @destroyed_at, @record_mac)`,
      )
      .run(v);
    return v;
  }

  private writeKeyRow(row: KeyRow, insert: boolean): void {
    row.record_mac = this.vault.mac(keyMacFields(row));
    if (insert) {
      this.sql(
          `INSERT INTO keys (namespace, id, algorithm, kind, state, state_before_deletion, exportable, primary_version, min_decrypt_version, origin, created_at, updated_at, deletion_at, record_mac)
           VALUES (@namespace, @id, @algorithm, @kind, @state, @state_before_deletion, @exportable, @primary_version, @min_decrypt_version, @origin, @created_at, @updated_at, @deletion_at, @record_mac)`,
        )
        .run(row);
    } else {
      this.sql(
          `UPDATE keys SET state = @state, state_before_deletion = @state_before_deletion, primary_version = @primary_version,
             min_decrypt_version = @min_decrypt_version, updated_at = @updated_at, deletion_at = @deletion_at, record_mac = @record_mac
           WHERE namespace = @namespace AND id = @id`,
        )
        .run(row);
    }
  }

  /** Sign-then-verify (or encrypt-then-decrypt) before a key is stored (FIPS 140-3 pairwise consistency test). */
  private pairwiseTest(material: KeyMaterial): void {
    try {
      const priv = this.engine.loadPrivateKey(material);
      if (isSigningAlgorithm(material.algorithm)) {
        if (material.publicKey === undefined) throw new Error('no public key');
        const pub = this.engine.loadPublicKey(material.algorithm, material.publicKey);
        const sig = this.engine.sign(priv, PAIRWISE_TEST_MESSAGE);
        if (!this.engine.verify(pub, PAIRWISE_TEST_MESSAGE, sig)) throw new Error('signature did not verify');
        if (isRsaAlgorithm(material.algorithm)) {
          const ct = this.engine.encrypt(pub, PAIRWISE_TEST_MESSAGE);
          if (!bytesEqual(this.engine.decrypt(priv, ct), PAIRWISE_TEST_MESSAGE)) throw new Error('OAEP round trip failed');
        }
      } else {
        const ct = this.engine.encrypt(priv, PAIRWISE_TEST_MESSAGE);
        if (!bytesEqual(this.engine.decrypt(priv, ct), PAIRWISE_TEST_MESSAGE)) throw new Error('round trip failed');
      }
    } catch (cause) {
      if (cause instanceof CustodyError && cause.code !== 'INTERNAL') {
        throw new CustodyError('SELF_TEST_FAILED', `pairwise consistency test failed for ${material.algorithm}: the key pair does not match`, { cause });
      }
      throw new CustodyError('SELF_TEST_FAILED', `pairwise consistency test failed for ${material.algorithm}`, { cause });
    }
  }

  // ---------------------------------------------------------------- read

  get(namespace: string, id: string): KeyInfo {
    this.vault.requireUnlocked();
    const row = this.readKeyRow(namespace, id);
    return this.toInfo(row, this.readVersions(row));
  }

  list(filter: KeyFilter = {}): KeyInfo[] {
    this.vault.requireUnlocked();
    const where: string[] = [];
    const args: string[] = [];
    if (filter.namespace !== undefined) {
      where.push('namespace = ?');
      args.push(filter.namespace);
    }
    if (filter.algorithm !== undefined) {
      where.push('algorithm = ?');
      args.push(filter.algorithm);
    }
    if (filter.state !== undefined) {
      where.push('state = ?');
      args.push(filter.state);
    }
    const rows = this.sql(`SELECT * FROM keys ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY namespace, id`)
      .all(...args) as KeyRow[];
    return rows.map((row) => {
      this.assertKeyRow(row);
      return this.toInfo(row, this.readVersions(row));
    });
  }

  /** The public key (SPKI DER) of a version, default the primary one. */
  publicKey(namespace: string, id: string, version?: number): { info: KeyInfo; version: number; spki: Uint8Array } {
    const info = this.get(namespace, id);
    if (info.kind === 'secret') throw new CustodyError('WRONG_KEY_TYPE', `key ${namespace}/${id} is a symmetric key: it has no public key`);
    const v = version ?? info.primaryVersion;
    const row = this.readVersion(info, v);
    if (row.public_key === null) throw tampered(`key ${namespace}/${id} version ${v}`);
    return { info, version: v, spki: row.public_key };
  }

  // ---------------------------------------------------------------- lifecycle

  async rotate(namespace: string, id: string, inTransaction?: (version: number) => void): Promise<KeyInfo> {
    this.vault.requireUnlocked();
    const row = this.readKeyRow(namespace, id);
    if (row.state !== 'active') throw stateError(row, 'rotate');
    if (row.kind === 'public') throw new CustodyError('WRONG_KEY_TYPE', `key ${namespace}/${id} is public-only: import a new key instead of rotating`);
    const material = await this.engine.generateKey(row.algorithm as KeyAlgorithm);
    this.pairwiseTest(material);
    this.db.transaction(() => {
      const current = this.readKeyRow(namespace, id);
      if (current.state !== 'active') throw stateError(current, 'rotate');
      const max = this.sql('SELECT max(version) AS v FROM key_versions WHERE namespace = ? AND key_id = ?').get(namespace, id) as { v: number };
      const next = max.v + 1;
      const now = this.clock.now();
      this.insertVersion(current, next, material, now);
      this.writeKeyRow({ ...current, primary_version: next, updated_at: now }, false);
      inTransaction?.(next);
    }).immediate();
    this.forgetHandles(namespace, id);
    return this.get(namespace, id);
  }

  /** Versions below `minVersion` no longer decrypt (they still verify; only the primary version ever signs). */
  setMinDecryptVersion(namespace: string, id: string, minVersion: number): KeyInfo {
    return this.update(namespace, id, (row) => {
      if (!Number.isSafeInteger(minVersion) || minVersion < 1 || minVersion > row.primary_version) {
        throw new CustodyError('INVALID_INPUT', `minimum decryption version must be between 1 and the primary version ${row.primary_version}`);
      }
      if (row.state === 'destroyed') throw stateError(row, 'change');
      return { ...row, min_decrypt_version: minVersion };
    });
  }

  disable(namespace: string, id: string): KeyInfo {
    return this.update(namespace, id, (row) => {
      if (row.state === 'disabled') return row;
      if (row.state !== 'active') throw stateError(row, 'disable');
      return { ...row, state: 'disabled' };
    });
  }

  enable(namespace: string, id: string): KeyInfo {
    return this.update(namespace, id, (row) => {
      if (row.state === 'active') return row;
      if (row.state !== 'disabled') throw stateError(row, 'enable');
      return { ...row, state: 'active' };
    });
  }

  scheduleDeletion(namespace: string, id: string, windowMs: number = DEFAULT_DELETION_WINDOW_MS): KeyInfo {
    if (!Number.isSafeInteger(windowMs) || windowMs < MIN_DELETION_WINDOW_MS) {
      throw new CustodyError('INVALID_INPUT', `the deletion window must be at least ${MIN_DELETION_WINDOW_MS / 3600_000} hours`);
    }
    return this.update(namespace, id, (row, now) => {
      if (row.state === 'pending-deletion' || row.state === 'destroyed') throw stateError(row, 'schedule deletion of');
      return { ...row, state_before_deletion: row.state, state: 'pending-deletion', deletion_at: now + windowMs };
    });
  }

  cancelDeletion(namespace: string, id: string): KeyInfo {
    return this.update(namespace, id, (row) => {
      if (row.state !== 'pending-deletion') throw stateError(row, 'cancel deletion of');
      const restored = row.state_before_deletion === 'disabled' ? 'disabled' : 'active';
      return { ...row, state: restored, state_before_deletion: null, deletion_at: null };
    });
  }

  /**
   * Erase the material of every key whose deletion window has passed. `inTransaction` runs in
   * the same transaction for each destroyed key (the facade audits the destruction there).
   * Returns the keys destroyed. Must not run inside another transaction (it checkpoints the WAL).
   */
  purgeDue(inTransaction?: (key: { namespace: string; id: string }) => void): { namespace: string; id: string }[] {
    this.vault.requireUnlocked();
    const now = this.clock.now();
    const due = this.sql(`SELECT * FROM keys WHERE state = 'pending-deletion' AND deletion_at IS NOT NULL AND deletion_at <= ?`).all(now) as KeyRow[];
    if (due.length === 0) return [];
    this.db.transaction(() => {
      for (const row of due) {
        this.assertKeyRow(row);
        for (const v of this.readVersions(row)) {
          const erased: VersionRow = { ...v, sealed_secret: null, destroyed_at: now };
          erased.record_mac = this.vault.mac(versionMacFields(erased, row.algorithm));
          this.sql('UPDATE key_versions SET sealed_secret = NULL, destroyed_at = ?, record_mac = ? WHERE namespace = ? AND key_id = ? AND version = ?').run(
            now,
            erased.record_mac,
            v.namespace,
            v.key_id,
            v.version,
          );
        }
        this.writeKeyRow({ ...row, state: 'destroyed', state_before_deletion: null, updated_at: now }, false);
        inTransaction?.({ namespace: row.namespace, id: row.id });
      }
    }).immediate();
    for (const row of due) this.forgetHandles(row.namespace, row.id);
    // Push the overwritten pages out of the WAL into the main file (secure_delete zeroes them there).
    if (!this.db.inTransaction) this.db.pragma('wal_checkpoint(TRUNCATE)');
    return due.map((r) => ({ namespace: r.namespace, id: r.id }));
  }

  /** `change` gets the time the change is stamped with (one clock read: updated_at and anything derived from it agree). */
  private update(namespace: string, id: string, change: (row: KeyRow, now: number) => KeyRow): KeyInfo {
    this.vault.requireUnlocked();
    this.db.transaction(() => {
      const row = this.readKeyRow(namespace, id);
      const now = this.clock.now();
      const next = change(row, now);
      if (next === row) return;
      this.writeKeyRow({ ...next, updated_at: now }, false);
    }).immediate();
    this.forgetHandles(namespace, id);
    return this.get(namespace, id);
  }

  // ---------------------------------------------------------------- use

  /**
   * Load a key for an operation. Signing and encryption use the primary version; verification
   * and decryption may name an older one, down to the minimum decryption version.
   */
  load(namespace: string, id: string, purpose: KeyPurpose, version?: number): LoadedKey {
    this.vault.requireUnlocked();
    const dataVersion = this.sql('PRAGMA data_version').pluck().get() as number;
    if (dataVersion !== this.loadedAtDataVersion) {
      this.loaded.clear();
      this.loadedAtDataVersion = dataVersion;
    }
    const fastKey = `${namespace}\u0000${id}\u0000${purpose}\u0000${version ?? 'primary'}`;
    const hit = this.loaded.get(fastKey);
    if (hit !== undefined) return hit;
    const result = this.loadFromRows(namespace, id, purpose, version);
    // Only active keys are cached: their usability does not depend on the clock.
    if (result.info.state === 'active') this.loaded.set(fastKey, result);
    return result;
  }

  private loadFromRows(namespace: string, id: string, purpose: KeyPurpose, version?: number): LoadedKey {
    const row = this.readKeyRow(namespace, id);
    if (row.state === 'pending-deletion' && row.deletion_at !== null && row.deletion_at <= this.clock.now()) {
      // Its window has passed: it is destroyed whether or not the purge has run yet.
      throw stateError({ ...row, state: 'destroyed' }, purpose === 'export' ? 'export' : `use (${purpose})`);
    }
    if (row.state !== 'active') throw stateError(row, purpose === 'export' ? 'export' : `use (${purpose})`);
    const alg = row.algorithm as KeyAlgorithm;
    const kindOk =
      purpose === 'sign' ? row.kind === 'private' : purpose === 'verify' ? row.kind !== 'secret' : purpose === 'encrypt' ? row.kind === 'secret' || isRsaAlgorithm(alg) : purpose === 'decrypt' ? row.kind === 'secret' || (isRsaAlgorithm(alg) && row.kind === 'private') : row.kind !== 'public';
    if (!kindOk) throw new CustodyError('WRONG_KEY_TYPE', `key ${namespace}/${id} (${alg}, ${row.kind}) cannot ${purpose}`);
    const v = version ?? row.primary_version;
    if ((purpose === 'sign' || purpose === 'encrypt') && v !== row.primary_version) {
      throw new CustodyError('INVALID_INPUT', `only the primary version (${row.primary_version}) of ${namespace}/${id} may ${purpose}`);
    }
    if (!Number.isSafeInteger(v) || v < 1 || v > row.primary_version) {
      throw new CustodyError('NOT_FOUND', `key ${namespace}/${id} has no version ${v}`);
    }
    if (purpose === 'decrypt' && v < row.min_decrypt_version) {
      throw new CustodyError('PERMISSION_DENIED', `version ${v} of ${namespace}/${id} is below the minimum decryption version ${row.min_decrypt_version}`);
    }
    const info = this.toInfo(row, []);
    const cacheKey = `${namespace}\u0000${id}\u0000${v}`;
    let cached = this.handles.get(cacheKey);
    const versionRow = this.readVersion(info, v, cached?.row);
    if (cached === undefined || cached.row !== versionRow) {
      cached = { row: versionRow };
      this.handles.set(cacheKey, cached);
    }
    const needPrivate = purpose !== 'verify' && !(purpose === 'encrypt' && row.kind === 'private');
    if (versionRow.public_key !== null && cached.publicHandle === undefined && isSigningAlgorithm(alg)) {
      cached.publicHandle = this.engine.loadPublicKey(alg, versionRow.public_key);
    }
    if (needPrivate && cached.privateHandle === undefined) {
      if (versionRow.sealed_secret === null) throw tampered(`key ${namespace}/${id} version ${v} secret`);
      const secret = this.vault.open(secretIdentity(row, v), versionRow.sealed_secret, `key ${namespace}/${id} version ${v} secret`);
      try {
        cached.privateHandle = this.engine.loadPrivateKey({ algorithm: alg, secret, ...(versionRow.public_key === null ? {} : { publicKey: versionRow.public_key }) });
      } finally {
        secret.fill(0);
      }
    }
    return {
      info,
      version: v,
      ...(needPrivate && cached.privateHandle !== undefined ? { privateHandle: cached.privateHandle } : {}),
      ...(cached.publicHandle === undefined ? {} : { publicHandle: cached.publicHandle }),
    };
  }

  /** The decrypted material of an exportable key's primary version. The caller must wipe `secret`. */
  exportMaterial(namespace: string, id: string): KeyMaterial {
    this.vault.requireUnlocked();
    const row = this.readKeyRow(namespace, id);
    if (row.state !== 'active') throw stateError(row, 'export');
    if (row.kind === 'public') throw new CustodyError('WRONG_KEY_TYPE', `key ${namespace}/${id} is public-only: use \`key show\``);
    if (row.exportable !== 1) throw new CustodyError('KEY_NOT_EXPORTABLE', `key ${namespace}/${id} was not created exportable`);
    const info = this.toInfo(row, []);
    const v = this.readVersion(info, row.primary_version);
    if (v.sealed_secret === null) throw tampered(`key ${namespace}/${id} version ${v.version} secret`);
    const secret = this.vault.open(secretIdentity(row, v.version), v.sealed_secret, `key ${namespace}/${id} version ${v.version} secret`);
    return { algorithm: row.algorithm as KeyAlgorithm, secret, ...(v.public_key === null ? {} : { publicKey: v.public_key }) };
  }

  // ---------------------------------------------------------------- rows

  private readKeyRow(namespace: string, id: string): KeyRow {
    assertName(namespace, 'namespace');
    assertName(id, 'key id');
    const row = this.sql('SELECT * FROM keys WHERE namespace = ? AND id = ?').get(namespace, id) as KeyRow | undefined;
    if (row === undefined) throw new CustodyError('NOT_FOUND', `no key ${namespace}/${id}`);
    const cacheKey = `${namespace}\u0000${id}`;
    const known = this.verifiedKeys.get(cacheKey);
    if (known !== undefined && sameRow(known, row)) return known;
    this.assertKeyRow(row);
    this.verifiedKeys.set(cacheKey, row);
    return row;
  }

  private assertKeyRow(row: KeyRow): void {
    this.vault.assertMac(row.record_mac, keyMacFields(row), `key ${row.namespace}/${row.id} record`);
  }

  private readVersions(row: KeyRow): VersionRow[] {
    const versions = this.sql('SELECT * FROM key_versions WHERE namespace = ? AND key_id = ? ORDER BY version')
      .all(row.namespace, row.id) as VersionRow[];
    for (const v of versions) this.assertVersionRow(v, row.algorithm);
    if (versions.length !== row.primary_version) throw tampered(`key ${row.namespace}/${row.id} versions`);
    return versions;
  }

  /** Returns `known` itself when the stored row is byte-identical to it (already authenticated). */
  private readVersion(info: KeyInfo, version: number, known?: VersionRow): VersionRow {
    const v = this.sql('SELECT * FROM key_versions WHERE namespace = ? AND key_id = ? AND version = ?').get(info.namespace, info.id, version) as
      | VersionRow
      | undefined;
    if (v === undefined) throw tampered(`key ${info.namespace}/${info.id} version ${version}`);
    if (known !== undefined && sameRow(known, v)) return known;
    this.assertVersionRow(v, info.algorithm);
    return v;
  }

  private assertVersionRow(v: VersionRow, algorithm: string): void {
    this.vault.assertMac(v.record_mac, versionMacFields(v, algorithm), `key ${v.namespace}/${v.key_id} version ${v.version} record`);
  }

  private toInfo(row: KeyRow, versions: VersionRow[]): KeyInfo {
    return {
      namespace: row.namespace,
      id: row.id,
      algorithm: row.algorithm as KeyAlgorithm,
      kind: row.kind as KeyKind,
      state: row.state as KeyState,
      exportable: row.exportable === 1,
      origin: row.origin as KeyOrigin,
      primaryVersion: row.primary_version,
      minDecryptVersion: row.min_decrypt_version,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      deletionAt: row.deletion_at,
      versions: versions.map((v) => ({ version: v.version, createdAt: v.created_at, destroyed: v.destroyed_at !== null })),
    };
  }

  private forgetHandles(namespace: string, id: string): void {
    const prefix = `${namespace}\u0000${id}\u0000`;
    for (const k of this.handles.keys()) if (k.startsWith(prefix)) this.handles.delete(k);
    this.verifiedKeys.delete(`${namespace}\u0000${id}`);
    this.loaded.clear();
  }
}

function secretIdentity(row: { namespace: string; id: string; algorithm: string }, version: number): string {
  return `${row.namespace}/${row.id}/${version}/${row.algorithm}`;
}

function keyMacFields(r: KeyRow): (string | number | null)[] {
  return ['key', r.namespace, r.id, r.algorithm, r.kind, r.state, r.state_before_deletion, r.exportable, r.primary_version, r.min_decrypt_version, r.origin, r.created_at, r.updated_at, r.deletion_at];
}

function versionMacFields(v: VersionRow, algorithm: string): (string | number | null | Uint8Array)[] {
  return ['key-version', v.namespace, v.key_id, v.version, algorithm, v.public_key, v.sealed_secret === null ? 0 : 1, v.created_at, v.destroyed_at];
}

function stateError(row: KeyRow, action: string): CustodyError {
  const name = `${row.namespace}/${row.id}`;
  switch (row.state as KeyState) {
    case 'disabled':
      return new CustodyError('KEY_DISABLED', `cannot ${action} key ${name}: it is disabled`);
    case 'pending-deletion':
      return new CustodyError('KEY_PENDING_DELETION', `cannot ${action} key ${name}: it is scheduled for deletion (cancel with \`key cancel-delete\`)`);
    case 'destroyed':
      return new CustodyError('KEY_DESTROYED', `cannot ${action} key ${name}: its material has been destroyed`);
    case 'active':
      return new CustodyError('INVALID_INPUT', `cannot ${action} key ${name}: it is active`);
    default:
      throw tampered(`key ${name} record`);
  }
}

/** Column-by-column equality of two rows of the same table (BLOBs by content). */
function sameRow<T extends object>(a: T, b: T): boolean {
  for (const key of Object.keys(a) as (keyof T)[]) {
    const x = a[key];
    const y = b[key];
    if (Buffer.isBuffer(x) && Buffer.isBuffer(y)) {
      if (!x.equals(y)) return false;
    } else if (x !== y) return false;
  }
  return true;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
