/**
 * @module core/vault/vault
 * The vault: a random 256-bit master key, wrapped with a key derived from the operator's
 * passphrase by Argon2id (RFC 9106), and envelope encryption of every stored secret under it
 * (AES-256-GCM, with the record's identity as associated data so records cannot be swapped).
 * Also the record MACs that make a flipped byte in any key record a TAMPERED error.
 *
 * Locked means the master key is not in memory. Trusts the crypto engine; trusts nothing read
 * from the database until it has been authenticated.
 */
import { createHash, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { CustodyError } from '../../../shared/errors.js';
import type { CryptoEngine } from '../crypto/types.js';
import type { Sqlite } from './database.js';
import { AuthThrottle, type ThrottleSettings } from '../access/throttle.js';

/** Argon2id parameters, stored beside the wrapped key so they can be raised later. */
export interface KdfSettings {
  readonly algorithm: 'argon2id';
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** ARCHITECTURE/issue defaults: m = 64 MiB, t = 3, p = 1. */
export const DEFAULT_KDF: KdfSettings = { algorithm: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 1 };

export type LockoutSettings = ThrottleSettings;

export const DEFAULT_LOCKOUT: LockoutSettings = { freeAttempts: 5, baseDelayMs: 30_000, maxDelayMs: 3_600_000, windowMs: 900_000 };

/** The first Admin's name when `init` is not given one, and the operator the CLI assumes. */
export const DEFAULT_OPERATOR = 'admin';
/** Operator names: no colon (token principals are `token:<id>`), no spaces, nothing that reads like a passphrase. */
export const OPERATOR_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Principal names the core writes itself. */
export const RESERVED_PRINCIPALS: ReadonlySet<string> = new Set(['system', 'anonymous', 'unknown']);
/** The lockout bucket for names that are not operators: what a caller typed is never stored. */
const UNKNOWN_OPERATOR_BUCKET = '?unknown-operator';

/** An operator's key slot, as listed (no key material). */
export interface OperatorSlot {
  readonly name: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly updatedAt: number;
  readonly kdf: KdfSettings;
}

export function assertOperatorName(name: string): void {
  if (typeof name !== 'string' || !OPERATOR_NAME_PATTERN.test(name) || RESERVED_PRINCIPALS.has(name)) {
    throw new CustodyError('INVALID_INPUT', 'an operator name is 1-64 of [A-Za-z0-9._-], starting with a letter or digit, and not system, anonymous or unknown');
  }
}

export interface VaultStatus {
  readonly initialized: boolean;
  readonly unlocked: boolean;
  readonly consecutiveFailures: number;
  /** Epoch ms until which unlock attempts are refused; 0 when not locked out. */
  readonly lockedUntil: number;
  readonly kdf?: KdfSettings;
  readonly createdAt?: number;
}

export interface Clock {
  now(): number;
}

interface SlotRow {
  name: string;
  kdf_params: string;
  kdf_salt: Buffer;
  passphrase_verifier: Buffer;
  wrapped_master_key: Buffer;
  slot_checksum: Buffer;
  created_at: number;
  created_by: string;
  updated_at: number;
  record_mac: Buffer;
}

interface HeaderRow {
  format: number;
  kdf_params: string;
  kdf_salt: Buffer;
  passphrase_verifier: Buffer;
  header_checksum: Buffer;
  wrapped_master_key: Buffer;
  created_at: number;
  updated_at: number;
}

/** 1: the header held the one passphrase slot. 2: slots live in `operators`; the header keeps parameters only. */
const HEADER_FORMAT = 2;
const LEGACY_MASTER_KEY_AAD = new TextEncoder().encode('custos/v1/master-key');
const EMPTY = Buffer.alloc(0);
const MIN_PASSPHRASE_CHARS = 8;

/** Branded so a master key is never confused with other bytes. */
type MasterKey = Buffer & { readonly __brand: 'MasterKey' };

export class Vault {
  private master: MasterKey | undefined;
  private macKey: Buffer | undefined;
  private readonly lockListeners: (() => void)[] = [];
  readonly throttle: AuthThrottle;

  constructor(
    private readonly db: Sqlite,
    private readonly engine: CryptoEngine,
    private readonly clock: Clock,
    lockout: LockoutSettings = DEFAULT_LOCKOUT,
  ) {
    this.throttle = new AuthThrottle(db, clock, lockout);
  }

  isInitialized(): boolean {
    return this.readHeader() !== undefined;
  }

  isUnlocked(): boolean {
    return this.master !== undefined;
  }

  /** Vault facts, and the lockout state of `operator` (what an unlock screen shows). */
  status(operator: string = DEFAULT_OPERATOR): VaultStatus {
    const header = this.readHeader();
    if (header === undefined) {
      return { initialized: false, unlocked: false, consecutiveFailures: 0, lockedUntil: 0 };
    }
    const lock = this.throttle.state(this.lockoutBucket(operator));
    return {
      initialized: true,
      unlocked: this.isUnlocked(),
      consecutiveFailures: lock.failures,
      lockedUntil: lock.lockedUntil,
      kdf: this.parseKdf(header.kdf_params, 'vault header (key-derivation parameters)'),
      createdAt: header.created_at,
    };
  }

  /**
   * Create the vault: a fresh master key, wrapped in a key slot for the first operator.
   * `afterCreate` runs in the same transaction (the facade creates the `default` namespace and
   * the Admin grant there), so a crash leaves either no vault or a complete one.
   */
  async init(operator: string, passphrase: Uint8Array, kdf: KdfSettings = DEFAULT_KDF, afterCreate?: () => void): Promise<void> {
    assertOperatorName(operator);
    assertPassphrase(passphrase);
    assertKdfSettings(kdf);
    if (this.isInitialized()) throw new CustodyError('VAULT_ALREADY_INITIALIZED', 'this data directory already holds a vault');
    const master = Buffer.from(this.engine.random(32)) as MasterKey;
    const slot = await this.makeSlot(operator, passphrase, kdf, master);
    const now = this.clock.now();
    const kdfJson = JSON.stringify(kdf);
    this.db.transaction(() => {
      if (this.readHeader() !== undefined) throw new CustodyError('VAULT_ALREADY_INITIALIZED', 'this data directory already holds a vault');
      this.db
        .prepare(
          `INSERT INTO vault_header (id, format, kdf_params, kdf_salt, passphrase_verifier, header_checksum, wrapped_master_key, created_at, updated_at)
           VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(HEADER_FORMAT, kdfJson, EMPTY, EMPTY, headerChecksum(HEADER_FORMAT, kdfJson, EMPTY, EMPTY), EMPTY, now, now);
      this.setMaster(master);
      try {
        this.insertSlot(operator, slot, now, 'system');
        afterCreate?.();
      } catch (error) {
        this.clearMaster();
        throw error;
      }
    }).immediate();
  }

  /**
   * Authenticate `operator` and unlock. On a vault that is already unlocked this
   * re-authenticates: the passphrase is still checked (and counted), and the slot must hold the
   * very master key in memory.
   */
  async unlock(operator: string, passphrase: Uint8Array): Promise<void> {
    const master = await this.authenticate(operator, passphrase);
    try {
      if (this.master === undefined) this.setMaster(Buffer.from(master) as MasterKey);
      else if (!timingSafeEqual(this.master, master)) throw tampered(`key slot of operator ${operator}`);
    } finally {
      master.fill(0);
    }
  }

  /**
   * Check an operator's passphrase and return the unwrapped master key (the caller wipes it).
   * Every path that takes a passphrase comes through here, so every guess meets the lockout of
   * that operator. The attempt is counted *before* the (slow) derivation and only forgiven after
   * success, so killing the process mid-attempt does not reset the counter. An unknown name
   * costs the same derivation and gets the same answer as a wrong passphrase.
   */
  private async authenticate(operator: string, passphrase: Uint8Array): Promise<Uint8Array> {
    const header = this.requireHeader();
    this.assertHeaderIntact(header);
    const known = typeof operator === 'string' && OPERATOR_NAME_PATTERN.test(operator) ? this.readSlot(operator) : undefined;
    const legacy = known === undefined && operator === DEFAULT_OPERATOR && this.hasLegacySlot(header);
    const bucket = known !== undefined || legacy ? operator : UNKNOWN_OPERATOR_BUCKET;
    this.throttle.assertNotLocked(bucket, 'too many failed sign-ins');
    const failures = this.throttle.fail(bucket);
    const slot = known ?? (legacy ? legacySlot(header) : undefined);
    if (known !== undefined && !timingSafeEqualLen(known.slot_checksum, slotChecksum(known))) throw tampered(`key slot of operator ${operator}`);
    const kdf = this.parseKdf(slot?.kdf_params ?? header.kdf_params, slot === undefined ? 'vault header (key-derivation parameters)' : `key slot of operator ${operator}`);
    const { kek, verifier } = await this.deriveKek(passphrase, slot?.kdf_salt ?? Buffer.alloc(16), kdf);
    try {
      if (slot === undefined || !timingSafeEqual(verifier, slot.passphrase_verifier)) {
        const state = this.throttle.state(bucket);
        const wait = state.lockedUntil > 0 ? `; further attempts are delayed ${Math.ceil((state.lockedUntil - this.clock.now()) / 1000)} s` : '';
        throw new CustodyError('PASSPHRASE_INCORRECT', `wrong operator name or passphrase (${failures} consecutive failure${failures === 1 ? '' : 's'})${wait}`, {
          details: { consecutiveFailures: failures },
        });
      }
      const recordName = legacy ? 'wrapped master key' : `key slot of operator ${operator}`;
      let master: Uint8Array;
      try {
        master = this.engine.openAes256Gcm(kek, slot.wrapped_master_key, legacy ? LEGACY_MASTER_KEY_AAD : slotAad(operator));
      } catch (cause) {
        throw tampered(recordName, cause);
      }
      if (master.length !== 32) throw tampered(recordName);
      if (legacy) {
        await this.convertLegacySlot(passphrase, master, kdf);
      } else {
        const macKey = deriveMacKey(master);
        const ok = timingSafeEqualLen(slot.record_mac, hmacFields(macKey, slotMacFields(slot)));
        macKey.fill(0);
        if (!ok) {
          master.fill(0);
          throw tampered(recordName);
        }
      }
      this.throttle.succeed(bucket);
      return master;
    } finally {
      kek.fill(0);
    }
  }

  /** A vault created before operators existed: its one passphrase becomes the slot of "admin" at the first unlock. */
  private hasLegacySlot(header: HeaderRow): boolean {
    if (header.format !== 1 || header.wrapped_master_key.length === 0) return false;
    return (this.db.prepare('SELECT count(*) AS n FROM operators').get() as { n: number }).n === 0;
  }

  private async convertLegacySlot(passphrase: Uint8Array, master: Uint8Array, kdf: KdfSettings): Promise<void> {
    const slot = await this.makeSlot(DEFAULT_OPERATOR, passphrase, kdf, master);
    const macKey = deriveMacKey(master);
    const now = this.clock.now();
    try {
      this.db.transaction(() => {
        const kdfJson = JSON.stringify(kdf);
        this.insertSlotWith(macKey, DEFAULT_OPERATOR, slot, now, 'system');
        this.db
          .prepare('UPDATE vault_header SET format = ?, kdf_salt = ?, passphrase_verifier = ?, header_checksum = ?, wrapped_master_key = ?, updated_at = ? WHERE id = 1')
          .run(HEADER_FORMAT, EMPTY, EMPTY, headerChecksum(HEADER_FORMAT, kdfJson, EMPTY, EMPTY), EMPTY, now);
        this.legacyConverted = true;
      }).immediate();
    } finally {
      macKey.fill(0);
    }
  }

  /** Set when this process turned a pre-operator vault into the "admin" slot: the facade then grants Admin. */
  legacyConverted = false;

  /** Drop the master key (and every derived key and cached key handle) from memory. */
  lock(): void {
    this.clearMaster();
    for (const listener of this.lockListeners) listener();
  }

  onLock(listener: () => void): void {
    this.lockListeners.push(listener);
  }

  /** Re-wrap the master key in `operator`'s slot under a new passphrase; no stored secret is re-encrypted. */
  async changePassphrase(operator: string, current: Uint8Array, next: Uint8Array, kdf?: KdfSettings): Promise<void> {
    assertPassphrase(next);
    if (kdf !== undefined) assertKdfSettings(kdf);
    const master = await this.authenticate(operator, current);
    try {
      const slotKdf = kdf ?? this.parseKdf((this.readSlot(operator) as SlotRow).kdf_params, `key slot of operator ${operator}`);
      const slot = await this.makeSlot(operator, next, slotKdf, master);
      const macKey = deriveMacKey(master);
      try {
        const existing = this.readSlot(operator) as SlotRow;
        const row = { ...existing, ...slot, updated_at: this.clock.now() };
        this.db
          .prepare('UPDATE operators SET kdf_params = ?, kdf_salt = ?, passphrase_verifier = ?, wrapped_master_key = ?, slot_checksum = ?, updated_at = ?, record_mac = ? WHERE name = ?')
          .run(row.kdf_params, row.kdf_salt, row.passphrase_verifier, row.wrapped_master_key, slotChecksum(row), row.updated_at, hmacFields(macKey, slotMacFields(row)), operator);
      } finally {
        macKey.fill(0);
      }
    } finally {
      master.fill(0);
    }
  }

  /**
   * A key slot for a new operator (Argon2id with `kdf`, or the vault's parameters). Needs the
   * vault unlocked; `inTransaction` runs with the insert (the facade adds grants and the event).
   */
  async addOperator(name: string, passphrase: Uint8Array, createdBy: string, kdf?: KdfSettings, inTransaction?: () => void): Promise<OperatorSlot> {
    assertOperatorName(name);
    assertPassphrase(passphrase);
    const settings = kdf ?? this.parseKdf(this.requireHeader().kdf_params, 'vault header (key-derivation parameters)');
    assertKdfSettings(settings);
    if (this.readSlot(name) !== undefined) throw new CustodyError('ALREADY_EXISTS', `operator ${name} already exists`);
    const slot = await this.makeSlot(name, passphrase, settings, this.requireMaster());
    const now = this.clock.now();
    this.db.transaction(() => {
      if (this.readSlot(name) !== undefined) throw new CustodyError('ALREADY_EXISTS', `operator ${name} already exists`);
      this.insertSlot(name, slot, now, createdBy);
      this.throttle.succeed(name);
      inTransaction?.();
    }).immediate();
    return { name, createdAt: now, createdBy, updatedAt: now, kdf: settings };
  }

  /** Delete an operator's slot (inside the caller's transaction, which also removes grants). */
  removeOperatorUnchecked(name: string): void {
    this.requireMaster();
    const result = this.db.prepare('DELETE FROM operators WHERE name = ?').run(name);
    if (result.changes === 0) throw new CustodyError('NOT_FOUND', `operator ${name} does not exist`);
    this.throttle.succeed(name);
  }

  /** Every operator slot, each checked against its record MAC. */
  listOperators(): OperatorSlot[] {
    this.requireMaster();
    const rows = this.db.prepare('SELECT * FROM operators ORDER BY name').all() as SlotRow[];
    return rows.map((row) => {
      this.assertMac(row.record_mac, slotMacFields(row), `key slot of operator ${row.name}`);
      return { name: row.name, createdAt: row.created_at, createdBy: row.created_by, updatedAt: row.updated_at, kdf: this.parseKdf(row.kdf_params, `key slot of operator ${row.name}`) };
    });
  }

  /** Whether `name` holds a verified slot. */
  hasOperator(name: string): boolean {
    const row = this.readSlot(name);
    if (row === undefined) return false;
    this.assertMac(row.record_mac, slotMacFields(row), `key slot of operator ${name}`);
    return true;
  }

  private lockoutBucket(operator: string): string {
    if (typeof operator === 'string' && OPERATOR_NAME_PATTERN.test(operator) && this.readSlot(operator) !== undefined) return operator;
    const header = this.readHeader();
    if (operator === DEFAULT_OPERATOR && header !== undefined && this.hasLegacySlot(header)) return operator;
    return UNKNOWN_OPERATOR_BUCKET;
  }

  private async makeSlot(name: string, passphrase: Uint8Array, kdf: KdfSettings, master: Uint8Array): Promise<Pick<SlotRow, 'kdf_params' | 'kdf_salt' | 'passphrase_verifier' | 'wrapped_master_key'>> {
    const salt = Buffer.from(this.engine.random(16));
    const { kek, verifier } = await this.deriveKek(passphrase, salt, kdf);
    try {
      return { kdf_params: JSON.stringify(kdf), kdf_salt: salt, passphrase_verifier: verifier, wrapped_master_key: Buffer.from(this.engine.sealAes256Gcm(kek, master, slotAad(name))) };
    } finally {
      kek.fill(0);
    }
  }

  private insertSlot(name: string, slot: Pick<SlotRow, 'kdf_params' | 'kdf_salt' | 'passphrase_verifier' | 'wrapped_master_key'>, now: number, createdBy: string): void {
    this.insertSlotWith(this.macKey as Buffer, name, slot, now, createdBy);
  }

  private insertSlotWith(macKey: Buffer, name: string, slot: Pick<SlotRow, 'kdf_params' | 'kdf_salt' | 'passphrase_verifier' | 'wrapped_master_key'>, now: number, createdBy: string): void {
    const row: SlotRow = { name, ...slot, slot_checksum: EMPTY, created_at: now, created_by: createdBy, updated_at: now, record_mac: EMPTY };
    this.db
      .prepare(
        `INSERT INTO operators (name, kdf_params, kdf_salt, passphrase_verifier, wrapped_master_key, slot_checksum, created_at, created_by, updated_at, record_mac)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(name, row.kdf_params, row.kdf_salt, row.passphrase_verifier, row.wrapped_master_key, slotChecksum(row), now, createdBy, now, hmacFields(macKey, slotMacFields(row)));
  }

  private readSlot(name: string): SlotRow | undefined {
    return this.db.prepare('SELECT * FROM operators WHERE name = ?').get(name) as SlotRow | undefined;
  }

  // ---------------------------------------------------------------- Shamir recovery (core/recovery)

  /**
   * Lend a copy of the master key to `use` (the recovery split), wiped when `use` settles.
   * Unsafe: the only path by which master-key bytes leave this class; the facade calls it for an
   * Admin who has just re-entered their passphrase, and only to split the key into shares.
   */
  async withMasterKeyUnsafe<T>(use: (master: Uint8Array) => T | Promise<T>): Promise<T> {
    const copy = Uint8Array.from(this.requireMaster());
    try {
      return await use(copy);
    } finally {
      copy.fill(0);
    }
  }

  /**
   * A public fingerprint of a master key (the loaded one, or a recovery candidate): the first 8
   * bytes of SHA-256 over an HMAC under the key's record-MAC key. One-way twice over, so printing
   * it on shares and in audit events says nothing about the key; equal fingerprints mean the same
   * key (up to the 2^-64 of a collision, which only ever turns into a refusal later).
   */
  masterKeyFingerprint(candidate?: Uint8Array): Buffer {
    const macKey = deriveMacKey(candidate ?? this.requireMaster());
    try {
      return createHash('sha256').update(hmacFields(macKey, ['recovery-fingerprint'])).digest().subarray(0, 8);
    } finally {
      macKey.fill(0);
    }
  }

  /**
   * Whether `candidate` is this vault's master key. There is no stored check value; instead the
   * record MAC of every operator slot is an HMAC under a key derived from the master key, so a
   * candidate that reproduces one of them is the key (forging one is forging HMAC-SHA256). One
   * matching slot is enough: recovery is for a vault whose slots may be unusable, and a slot an
   * attacker altered cannot verify under any key they know.
   */
  isMasterKey(candidate: Uint8Array): boolean {
    if (candidate.length !== 32) return false;
    const macKey = deriveMacKey(candidate);
    try {
      const rows = this.db.prepare('SELECT * FROM operators').all() as SlotRow[];
      return rows.some((row) => timingSafeEqualLen(row.record_mac, hmacFields(macKey, slotMacFields(row))));
    } finally {
      macKey.fill(0);
    }
  }

  /**
   * The way back in when every passphrase is lost: given the master key rebuilt from Shamir
   * shares, write `operator`'s key slot under `passphrase` (replacing the slot, or re-creating
   * one that was removed) and unlock. Refuses a key that is not this vault's (isMasterKey), and
   * an unlocked vault (change the passphrase instead). `inTransaction` runs after the key is
   * loaded, in the slot's transaction (the facade checks the operator is an Admin and writes the
   * event); if it throws, nothing is written and the vault stays locked. Resets the operator's
   * lockout. The caller wipes `candidate`.
   */
  async recoverWithMasterKey(candidate: Uint8Array, operator: string, passphrase: Uint8Array, inTransaction?: (created: boolean) => void): Promise<{ created: boolean }> {
    assertOperatorName(operator);
    assertPassphrase(passphrase);
    if (this.isUnlocked()) throw new CustodyError('INVALID_INPUT', 'the vault is unlocked: change the passphrase instead of recovering');
    const header = this.requireHeader();
    this.assertHeaderIntact(header);
    if (!this.isMasterKey(candidate)) throw new CustodyError('INVALID_INPUT', "the shares do not rebuild this vault's master key");
    const kdf = this.parseKdf(header.kdf_params, 'vault header (key-derivation parameters)');
    const slot = await this.makeSlot(operator, passphrase, kdf, candidate);
    const now = this.clock.now();
    let created = false;
    try {
      this.db.transaction(() => {
        this.setMaster(Buffer.from(candidate) as MasterKey);
        const existing = this.readSlot(operator);
        created = existing === undefined;
        if (existing === undefined) {
          this.insertSlot(operator, slot, now, 'recovery');
        } else {
          const row = { ...existing, ...slot, updated_at: now };
          this.db
            .prepare('UPDATE operators SET kdf_params = ?, kdf_salt = ?, passphrase_verifier = ?, wrapped_master_key = ?, slot_checksum = ?, updated_at = ?, record_mac = ? WHERE name = ?')
            .run(row.kdf_params, row.kdf_salt, row.passphrase_verifier, row.wrapped_master_key, slotChecksum(row), row.updated_at, this.mac(slotMacFields(row)), operator);
        }
        this.throttle.succeed(operator);
        inTransaction?.(created);
      }).immediate();
    } catch (error) {
      // Whatever failed (the facade's check, the write, the commit), the vault stays locked.
      this.clearMaster();
      throw error;
    }
    return { created };
  }

  /** Envelope-encrypt a secret; `identity` (namespace, key id, version) is bound as associated data. */
  seal(identity: string, secret: Uint8Array): Uint8Array {
    return this.engine.sealAes256Gcm(this.requireMaster(), secret, secretAad(identity));
  }

  /** Decrypt a sealed secret; a flipped byte or a record moved to another identity is TAMPERED. */
  open(identity: string, sealed: Uint8Array, recordName: string): Uint8Array {
    const master = this.requireMaster();
    try {
      return this.engine.openAes256Gcm(master, sealed, secretAad(identity));
    } catch (cause) {
      throw tampered(recordName, cause);
    }
  }

  /** HMAC-SHA256 over a record's canonical fields, under a key derived from the master key. */
  mac(fields: readonly MacField[]): Buffer {
    this.requireMaster();
    return hmacFields(this.macKey as Buffer, fields);
  }

  /** Throw TAMPERED naming `recordName` unless `stored` is the MAC of `fields`. */
  assertMac(stored: Uint8Array, fields: readonly MacField[], recordName: string): void {
    if (!timingSafeEqualLen(stored, this.mac(fields))) throw tampered(recordName);
  }

  requireUnlocked(): void {
    this.requireMaster();
  }

  private requireMaster(): MasterKey {
    if (this.master === undefined) {
      if (!this.isInitialized()) throw new CustodyError('VAULT_NOT_INITIALIZED', 'no vault here yet: run `custos init`');
      throw new CustodyError('VAULT_LOCKED', 'the vault is locked');
    }
    return this.master;
  }

  private setMaster(master: MasterKey): void {
    this.master = master;
    this.macKey = deriveMacKey(master);
  }

  private clearMaster(): void {
    this.master?.fill(0);
    this.macKey?.fill(0);
    this.master = undefined;
    this.macKey = undefined;
  }

  private requireHeader(): HeaderRow {
    const header = this.readHeader();
    if (header === undefined) throw new CustodyError('VAULT_NOT_INITIALIZED', 'no vault here yet: run `custos init`');
    return header;
  }

  private readHeader(): HeaderRow | undefined {
    return this.db.prepare('SELECT * FROM vault_header WHERE id = 1').get() as HeaderRow | undefined;
  }

  private assertHeaderIntact(header: HeaderRow): void {
    const expected = headerChecksum(header.format, header.kdf_params, header.kdf_salt, header.passphrase_verifier);
    if (header.header_checksum.length !== expected.length || !timingSafeEqual(header.header_checksum, expected)) {
      throw tampered('vault header (key-derivation parameters)');
    }
  }

  private parseKdf(json: string, recordName: string): KdfSettings {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (cause) {
      throw tampered(recordName, cause);
    }
    const p = parsed as Partial<KdfSettings> | null;
    if (
      p === null ||
      typeof p !== 'object' ||
      p.algorithm !== 'argon2id' ||
      !isPositiveInt(p.memoryKiB) ||
      !isPositiveInt(p.iterations) ||
      !isPositiveInt(p.parallelism)
    ) {
      throw tampered(recordName);
    }
    return { algorithm: 'argon2id', memoryKiB: p.memoryKiB, iterations: p.iterations, parallelism: p.parallelism };
  }

  /** Argon2id → 64 bytes: the first half wraps the master key, the second half is the stored verifier. */
  private async deriveKek(passphrase: Uint8Array, salt: Uint8Array, kdf: KdfSettings): Promise<{ kek: Buffer; verifier: Buffer }> {
    const out = await this.engine.kdf({
      algorithm: 'argon2id',
      password: passphrase,
      salt,
      memoryKiB: kdf.memoryKiB,
      iterations: kdf.iterations,
      parallelism: kdf.parallelism,
      length: 64,
    });
    const kek = Buffer.from(out.subarray(0, 32));
    const verifier = Buffer.from(out.subarray(32, 64));
    out.fill(0);
    return { kek, verifier };
  }
}

type MacField = string | number | null | Uint8Array;

function deriveMacKey(master: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', master, new Uint8Array(0), 'custos/v1/record-mac', 32));
}

/** Length-prefixed encoding of typed fields: no two field lists share an encoding. */
function hmacFields(macKey: Buffer, fields: readonly MacField[]): Buffer {
  const h = createHmac('sha256', macKey);
  for (const field of fields) {
    const bytes = field === null ? Buffer.from([0xff]) : typeof field === 'string' ? Buffer.from('s' + field, 'utf8') : typeof field === 'number' ? Buffer.from('n' + String(field)) : Buffer.concat([Buffer.from('b'), field]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    h.update(len).update(bytes);
  }
  return h.digest();
}

function timingSafeEqualLen(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function slotAad(name: string): Uint8Array {
  return new TextEncoder().encode(`custos/v1/operator-slot\u0000${name}`);
}

function slotMacFields(row: Pick<SlotRow, 'name' | 'kdf_params' | 'kdf_salt' | 'passphrase_verifier' | 'wrapped_master_key' | 'created_at' | 'created_by' | 'updated_at'>): MacField[] {
  return ['operator', row.name, row.kdf_params, row.kdf_salt, row.passphrase_verifier, row.wrapped_master_key, row.created_at, row.created_by, row.updated_at];
}

function slotChecksum(row: Pick<SlotRow, 'name' | 'kdf_params' | 'kdf_salt' | 'passphrase_verifier'>): Buffer {
  return createHash('sha256').update(`custos/v1/slot\u0000${row.name}\u0000${row.kdf_params}\u0000`).update(row.kdf_salt).update(row.passphrase_verifier).digest();
}

/** The single passphrase slot a format-1 header held. */
function legacySlot(header: HeaderRow): SlotRow {
  return {
    name: DEFAULT_OPERATOR,
    kdf_params: header.kdf_params,
    kdf_salt: header.kdf_salt,
    passphrase_verifier: header.passphrase_verifier,
    wrapped_master_key: header.wrapped_master_key,
    slot_checksum: EMPTY,
    created_at: header.created_at,
    created_by: 'system',
    updated_at: header.updated_at,
    record_mac: EMPTY,
  };
}

function secretAad(identity: string): Uint8Array {
  return new TextEncoder().encode(`custos/v1/secret\u0000${identity}`);
}

function headerChecksum(format: number, kdfJson: string, salt: Uint8Array, verifier: Uint8Array): Buffer {
  return createHash('sha256').update(`custos/v1/header\u0000${format}\u0000${kdfJson}\u0000`).update(salt).update(verifier).digest();
}

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Floors that keep a mistyped setting from producing a trivially guessable wrapping key. */
export function assertKdfSettings(kdf: KdfSettings): void {
  if (kdf.algorithm !== 'argon2id') throw new CustodyError('INVALID_INPUT', 'the vault key derivation must be argon2id');
  if (!isPositiveInt(kdf.memoryKiB) || kdf.memoryKiB < 1024 || kdf.memoryKiB > 4 * 1024 * 1024) {
    throw new CustodyError('INVALID_INPUT', 'Argon2id memory must be between 1024 KiB and 4 GiB');
  }
  if (!isPositiveInt(kdf.iterations) || kdf.iterations > 64) throw new CustodyError('INVALID_INPUT', 'Argon2id iterations must be between 1 and 64');
  if (!isPositiveInt(kdf.parallelism) || kdf.parallelism > 16) throw new CustodyError('INVALID_INPUT', 'Argon2id parallelism must be between 1 and 16');
}

function assertPassphrase(passphrase: Uint8Array): void {
  const text = new TextDecoder().decode(passphrase);
  if ([...text].length < MIN_PASSPHRASE_CHARS) {
    throw new CustodyError('INVALID_INPUT', `the passphrase must have at least ${MIN_PASSPHRASE_CHARS} characters`);
  }
}

export function tampered(recordName: string, cause?: unknown): CustodyError {
  return new CustodyError('TAMPERED', `integrity check failed: ${recordName} has been altered or damaged`, {
    cause,
    details: { record: recordName },
  });
}
