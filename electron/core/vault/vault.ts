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

/** Argon2id parameters, stored beside the wrapped key so they can be raised later. */
export interface KdfSettings {
  readonly algorithm: 'argon2id';
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** ARCHITECTURE/issue defaults: m = 64 MiB, t = 3, p = 1. */
export const DEFAULT_KDF: KdfSettings = { algorithm: 'argon2id', memoryKiB: 65536, iterations: 3, parallelism: 1 };

export interface LockoutSettings {
  /** Failures allowed before a delay starts. */
  readonly freeAttempts: number;
  /** The first delay; each further failure doubles it. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_LOCKOUT: LockoutSettings = { freeAttempts: 5, baseDelayMs: 30_000, maxDelayMs: 3_600_000 };

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

const HEADER_FORMAT = 1;
const MASTER_KEY_AAD = new TextEncoder().encode('custos/v1/master-key');
const MIN_PASSPHRASE_CHARS = 8;

/** Branded so a master key is never confused with other bytes. */
type MasterKey = Buffer & { readonly __brand: 'MasterKey' };

export class Vault {
  private master: MasterKey | undefined;
  private macKey: Buffer | undefined;
  private readonly lockListeners: (() => void)[] = [];

  constructor(
    private readonly db: Sqlite,
    private readonly engine: CryptoEngine,
    private readonly clock: Clock,
    private readonly lockout: LockoutSettings = DEFAULT_LOCKOUT,
  ) {}

  isInitialized(): boolean {
    return this.readHeader() !== undefined;
  }

  isUnlocked(): boolean {
    return this.master !== undefined;
  }

  status(): VaultStatus {
    const header = this.readHeader();
    const lock = this.readLockout();
    if (header === undefined) {
      return { initialized: false, unlocked: false, consecutiveFailures: 0, lockedUntil: 0 };
    }
    return {
      initialized: true,
      unlocked: this.isUnlocked(),
      consecutiveFailures: lock.consecutive_failures,
      lockedUntil: lock.locked_until > this.clock.now() ? lock.locked_until : 0,
      kdf: this.parseKdf(header),
      createdAt: header.created_at,
    };
  }

  /**
   * Create the vault: a fresh master key wrapped under the passphrase. `afterCreate` runs in the
   * same transaction (the key store creates the `default` namespace there), so a crash leaves
   * either no vault or a complete one.
   */
  async init(passphrase: Uint8Array, kdf: KdfSettings = DEFAULT_KDF, afterCreate?: () => void): Promise<void> {
    assertPassphrase(passphrase);
    assertKdfSettings(kdf);
    if (this.isInitialized()) throw new CustodyError('VAULT_ALREADY_INITIALIZED', 'this data directory already holds a vault');
    const master = Buffer.from(this.engine.random(32)) as MasterKey;
    const salt = this.engine.random(16);
    const { kek, verifier } = await this.deriveKek(passphrase, salt, kdf);
    const now = this.clock.now();
    const kdfJson = JSON.stringify(kdf);
    const wrapped = this.engine.sealAes256Gcm(kek, master, MASTER_KEY_AAD);
    kek.fill(0);
    this.db.transaction(() => {
      if (this.readHeader() !== undefined) throw new CustodyError('VAULT_ALREADY_INITIALIZED', 'this data directory already holds a vault');
      this.db
        .prepare(
          `INSERT INTO vault_header (id, format, kdf_params, kdf_salt, passphrase_verifier, header_checksum, wrapped_master_key, created_at, updated_at)
           VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(HEADER_FORMAT, kdfJson, salt, verifier, headerChecksum(HEADER_FORMAT, kdfJson, salt, verifier), wrapped, now, now);
      this.db.prepare('INSERT OR REPLACE INTO lockout (id, consecutive_failures, locked_until) VALUES (1, 0, 0)').run();
      this.setMaster(master);
      try {
        afterCreate?.();
      } catch (error) {
        this.clearMaster();
        throw error;
      }
    }).immediate();
  }

  /**
   * Unlock with the passphrase. On a vault that is already unlocked this re-authenticates: the
   * passphrase is still checked (and counted), the master key is kept.
   */
  async unlock(passphrase: Uint8Array): Promise<void> {
    const master = await this.authenticate(passphrase);
    try {
      if (!this.isUnlocked()) this.setMaster(Buffer.from(master) as MasterKey);
    } finally {
      master.fill(0);
    }
  }

  /**
   * Check a passphrase and return the unwrapped master key (the caller wipes it). Every path that
   * takes a passphrase comes through here, so every guess meets the lockout. The attempt is
   * counted *before* the (slow) derivation and only forgiven after success, so killing the
   * process mid-attempt does not reset the counter.
   */
  private async authenticate(passphrase: Uint8Array): Promise<Uint8Array> {
    const header = this.requireHeader();
    const now = this.clock.now();
    const lock = this.readLockout();
    if (lock.locked_until > now) {
      const retryAfterMs = lock.locked_until - now;
      throw new CustodyError('LOCKED_OUT', `too many wrong passphrases: try again in ${Math.ceil(retryAfterMs / 1000)} s`, {
        details: { retryAfterMs, consecutiveFailures: lock.consecutive_failures },
      });
    }
    const kdf = this.parseKdf(header);
    this.assertHeaderIntact(header);
    const failures = lock.consecutive_failures + 1;
    this.db.prepare('UPDATE lockout SET consecutive_failures = ?, locked_until = ? WHERE id = 1').run(failures, this.lockedUntilAfter(failures, now));
    const { kek, verifier } = await this.deriveKek(passphrase, header.kdf_salt, kdf);
    try {
      if (!timingSafeEqual(verifier, header.passphrase_verifier)) {
        const after = this.readLockout();
        const wait = after.locked_until > this.clock.now() ? `; further attempts are delayed ${Math.ceil((after.locked_until - this.clock.now()) / 1000)} s` : '';
        throw new CustodyError('PASSPHRASE_INCORRECT', `wrong passphrase (${failures} consecutive failure${failures === 1 ? '' : 's'})${wait}`, {
          details: { consecutiveFailures: failures },
        });
      }
      let master: Uint8Array;
      try {
        master = this.engine.openAes256Gcm(kek, header.wrapped_master_key, MASTER_KEY_AAD);
      } catch (cause) {
        throw tampered('wrapped master key', cause);
      }
      if (master.length !== 32) throw tampered('wrapped master key');
      this.db.prepare('UPDATE lockout SET consecutive_failures = 0, locked_until = 0 WHERE id = 1').run();
      return master;
    } finally {
      kek.fill(0);
    }
  }

  /** Drop the master key (and every derived key and cached key handle) from memory. */
  lock(): void {
    this.clearMaster();
    for (const listener of this.lockListeners) listener();
  }

  onLock(listener: () => void): void {
    this.lockListeners.push(listener);
  }

  /** Re-wrap the master key under a new passphrase; no stored secret is re-encrypted. */
  async changePassphrase(current: Uint8Array, next: Uint8Array, kdf?: KdfSettings): Promise<void> {
    assertPassphrase(next);
    const newKdf = kdf ?? this.parseKdf(this.requireHeader());
    assertKdfSettings(newKdf);
    const master = await this.authenticate(current);
    try {
      const salt = this.engine.random(16);
      const { kek, verifier } = await this.deriveKek(next, salt, newKdf);
      const wrapped = this.engine.sealAes256Gcm(kek, master, MASTER_KEY_AAD);
      kek.fill(0);
      const kdfJson = JSON.stringify(newKdf);
      this.db
        .prepare(
          `UPDATE vault_header SET kdf_params = ?, kdf_salt = ?, passphrase_verifier = ?, header_checksum = ?, wrapped_master_key = ?, updated_at = ? WHERE id = 1`,
        )
        .run(kdfJson, salt, verifier, headerChecksum(HEADER_FORMAT, kdfJson, salt, verifier), wrapped, this.clock.now());
    } finally {
      master.fill(0);
    }
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
  mac(fields: readonly (string | number | null | Uint8Array)[]): Buffer {
    this.requireMaster();
    const h = createHmac('sha256', this.macKey as Buffer);
    for (const field of fields) {
      // Length-prefixed encoding: no two field lists share an encoding.
      const bytes = field === null ? Buffer.from([0xff]) : typeof field === 'string' ? Buffer.from('s' + field, 'utf8') : typeof field === 'number' ? Buffer.from('n' + String(field)) : Buffer.concat([Buffer.from('b'), field]);
      const len = Buffer.alloc(4);
      len.writeUInt32BE(bytes.length);
      h.update(len).update(bytes);
    }
    return h.digest();
  }

  /** Throw TAMPERED naming `recordName` unless `stored` is the MAC of `fields`. */
  assertMac(stored: Uint8Array, fields: readonly (string | number | null | Uint8Array)[], recordName: string): void {
    const expected = this.mac(fields);
    if (stored.length !== expected.length || !timingSafeEqual(stored, expected)) throw tampered(recordName);
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
    this.macKey = Buffer.from(hkdfSync('sha256', master, new Uint8Array(0), 'custos/v1/record-mac', 32));
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

  private readLockout(): { consecutive_failures: number; locked_until: number } {
    return (
      (this.db.prepare('SELECT consecutive_failures, locked_until FROM lockout WHERE id = 1').get() as
        | { consecutive_failures: number; locked_until: number }
        | undefined) ?? { consecutive_failures: 0, locked_until: 0 }
    );
  }

  private lockedUntilAfter(failures: number, now: number): number {
    if (failures < this.lockout.freeAttempts) return 0;
    const exponent = failures - this.lockout.freeAttempts;
    const delay = Math.min(this.lockout.baseDelayMs * 2 ** Math.min(exponent, 40), this.lockout.maxDelayMs);
    return now + delay;
  }

  private assertHeaderIntact(header: HeaderRow): void {
    const expected = headerChecksum(header.format, header.kdf_params, header.kdf_salt, header.passphrase_verifier);
    if (header.header_checksum.length !== expected.length || !timingSafeEqual(header.header_checksum, expected)) {
      throw tampered('vault header (key-derivation parameters)');
    }
  }

  private parseKdf(header: HeaderRow): KdfSettings {
    let parsed: unknown;
    try {
      parsed = JSON.parse(header.kdf_params);
    } catch (cause) {
      throw tampered('vault header (key-derivation parameters)', cause);
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
      throw tampered('vault header (key-derivation parameters)');
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
