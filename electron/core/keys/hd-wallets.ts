/**
 * @module core/keys/hd-wallets
 * HD wallets in the vault: a BIP-39 mnemonic and its 64-byte seed, each sealed under the master
 * key with the wallet's identity as associated data (so neither can be moved to another wallet or
 * mistaken for a key's secret), plus public facts (word count, wordlist, master fingerprint) under
 * a record MAC. Derived keys are never stored: the facade derives them from the seed when used.
 *
 * The mnemonic is returned once, at creation. Reading it again is `exportMnemonic`, which the
 * facade allows only for an exportable wallet and after re-authentication.
 *
 * Trusts the vault (seal/open/MAC) and chains/hd (BIP-39, BIP-32); checks names and states.
 */
import { CustodyError } from '../../../shared/errors.js';
import { generateMnemonic, mnemonicToSeed, parseMnemonic, type Bip39Language } from '../chains/hd/bip39.js';
import { masterNodeFromSeed } from '../chains/hd/slip10.js';
import type { Clock, Vault } from '../vault/vault.js';
import { statementCache, type Sqlite } from '../vault/database.js';
import { assertName } from './key-store.js';

export interface HdWalletInfo {
  readonly namespace: string;
  readonly id: string;
  readonly words: number;
  readonly language: Bip39Language;
  readonly hasPassphrase: boolean;
  readonly exportable: boolean;
  readonly state: 'active' | 'disabled';
  readonly origin: 'generated' | 'imported';
  /** BIP-32 master key fingerprint (8 hex digits), as wallets show it. */
  readonly fingerprint: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

interface Row {
  namespace: string;
  id: string;
  words: number;
  language: string;
  has_passphrase: number;
  exportable: number;
  state: string;
  origin: string;
  fingerprint: string;
  sealed_mnemonic: Buffer;
  sealed_seed: Buffer;
  created_at: number;
  updated_at: number;
  record_mac: Buffer;
}

const ENCODER = new TextEncoder();

export class HdWalletStore {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(
    private readonly db: Sqlite,
    private readonly vault: Vault,
    private readonly clock: Clock,
    private readonly random: (length: number) => Uint8Array,
  ) {
    this.sql = statementCache(db);
  }

  /** A new wallet from fresh entropy; returns the mnemonic (shown once). `inTransaction` runs with the insert. */
  create(namespace: string, id: string, options: { words?: 12 | 24; passphrase?: string; exportable?: boolean }, inTransaction?: () => void): { info: HdWalletInfo; mnemonic: string } {
    this.vault.requireUnlocked();
    const words = options.words ?? 24;
    if (words !== 12 && words !== 24) throw new CustodyError('INVALID_INPUT', 'a new wallet has 12 or 24 words');
    const mnemonic = generateMnemonic(this.random, { words });
    const info = this.insert(namespace, id, mnemonic, options.passphrase ?? '', options.exportable === true, 'generated', inTransaction);
    return { info, mnemonic };
  }

  /** A wallet from an existing mnemonic (any official wordlist; checksum checked). */
  import(namespace: string, id: string, mnemonic: string, options: { passphrase?: string; exportable?: boolean }, inTransaction?: () => void): HdWalletInfo {
    this.vault.requireUnlocked();
    return this.insert(namespace, id, mnemonic, options.passphrase ?? '', options.exportable === true, 'imported', inTransaction);
  }

  private insert(namespace: string, id: string, phrase: string, passphrase: string, exportable: boolean, origin: 'generated' | 'imported', inTransaction?: () => void): HdWalletInfo {
    assertName(namespace, 'namespace');
    assertName(id, 'key id');
    if (typeof passphrase !== 'string' || passphrase.length > 1024) throw new CustodyError('INVALID_INPUT', 'a BIP-39 passphrase has at most 1024 characters');
    const parsed = parseMnemonic(phrase);
    parsed.entropy.fill(0);
    const seed = mnemonicToSeed(parsed.phrase, passphrase, { language: parsed.language });
    const master = masterNodeFromSeed(seed, 'secp256k1');
    const fingerprint = master.fingerprint.toString(16).padStart(8, '0');
    master.wipe();
    const mnemonicBytes = ENCODER.encode(parsed.phrase);
    try {
      const sealedMnemonic = Buffer.from(this.vault.seal(identity(namespace, id, 'mnemonic'), mnemonicBytes));
      const sealedSeed = Buffer.from(this.vault.seal(identity(namespace, id, 'seed'), seed));
      const now = this.clock.now();
      const row: Row = {
        namespace,
        id,
        words: parsed.wordCount,
        language: parsed.language,
        has_passphrase: passphrase === '' ? 0 : 1,
        exportable: exportable ? 1 : 0,
        state: 'active',
        origin,
        fingerprint,
        sealed_mnemonic: sealedMnemonic,
        sealed_seed: sealedSeed,
        created_at: now,
        updated_at: now,
        record_mac: Buffer.alloc(0),
      };
      this.db
        .transaction(() => {
          const ns = this.sql('SELECT 1 FROM namespaces WHERE name = ?').get(namespace);
          if (ns === undefined) throw new CustodyError('NOT_FOUND', `namespace ${namespace} does not exist`);
          if (this.sql('SELECT 1 FROM hd_wallets WHERE namespace = ? AND id = ?').get(namespace, id) !== undefined) {
            throw new CustodyError('ALREADY_EXISTS', `HD wallet ${namespace}/${id} already exists`);
          }
          this.sql(
            `INSERT INTO hd_wallets (namespace, id, words, language, has_passphrase, exportable, state, origin, fingerprint, sealed_mnemonic, sealed_seed, created_at, updated_at, record_mac)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(namespace, id, row.words, row.language, row.has_passphrase, row.exportable, row.state, row.origin, fingerprint, sealedMnemonic, sealedSeed, now, now, this.vault.mac(macFields(row)));
          inTransaction?.();
        })
        .immediate();
      return infoOf(row);
    } finally {
      seed.fill(0);
      mnemonicBytes.fill(0);
    }
  }

  list(namespace?: string): HdWalletInfo[] {
    this.vault.requireUnlocked();
    const rows = (namespace === undefined ? this.sql('SELECT * FROM hd_wallets ORDER BY namespace, id').all() : this.sql('SELECT * FROM hd_wallets WHERE namespace = ? ORDER BY id').all(namespace)) as Row[];
    return rows.map((r) => infoOf(this.verified(r)));
  }

  get(namespace: string, id: string): HdWalletInfo {
    return infoOf(this.row(namespace, id));
  }

  /** The seed of an active wallet, for one derivation; the caller wipes it. */
  openSeed(namespace: string, id: string): Uint8Array {
    const row = this.row(namespace, id);
    if (row.state !== 'active') throw new CustodyError('KEY_DISABLED', `HD wallet ${namespace}/${id} is disabled`);
    const seed = this.vault.open(identity(namespace, id, 'seed'), row.sealed_seed, `HD wallet ${namespace}/${id} seed`);
    if (seed.length !== 64) throw new CustodyError('TAMPERED', `HD wallet ${namespace}/${id} seed has the wrong length`, { details: { record: `HD wallet ${namespace}/${id} seed` } });
    return seed;
  }

  /** The mnemonic of an exportable wallet (the facade re-authenticates first). */
  exportMnemonic(namespace: string, id: string): string {
    const row = this.row(namespace, id);
    if (row.exportable !== 1) throw new CustodyError('KEY_NOT_EXPORTABLE', `HD wallet ${namespace}/${id} was not created exportable: its mnemonic is never shown again`);
    const bytes = this.vault.open(identity(namespace, id, 'mnemonic'), row.sealed_mnemonic, `HD wallet ${namespace}/${id} mnemonic`);
    try {
      return new TextDecoder().decode(bytes);
    } finally {
      bytes.fill(0);
    }
  }

  setState(namespace: string, id: string, state: 'active' | 'disabled'): HdWalletInfo {
    const row = this.row(namespace, id);
    if (row.state === state) throw new CustodyError('INVALID_INPUT', `HD wallet ${namespace}/${id} is already ${state}`);
    const next: Row = { ...row, state, updated_at: this.clock.now() };
    this.sql('UPDATE hd_wallets SET state = ?, updated_at = ?, record_mac = ? WHERE namespace = ? AND id = ?').run(state, next.updated_at, this.vault.mac(macFields(next)), namespace, id);
    return infoOf(next);
  }

  /** Erase a wallet (its sealed mnemonic and seed go with the row; SQLite's secure_delete overwrites them). */
  delete(namespace: string, id: string): void {
    this.row(namespace, id);
    this.sql('DELETE FROM hd_wallets WHERE namespace = ? AND id = ?').run(namespace, id);
  }

  count(namespace: string): number {
    return (this.sql('SELECT count(*) AS n FROM hd_wallets WHERE namespace = ?').get(namespace) as { n: number }).n;
  }

  private row(namespace: string, id: string): Row {
    this.vault.requireUnlocked();
    assertName(namespace, 'namespace');
    assertName(id, 'key id');
    const row = this.sql('SELECT * FROM hd_wallets WHERE namespace = ? AND id = ?').get(namespace, id) as Row | undefined;
    if (row === undefined) throw new CustodyError('NOT_FOUND', `no HD wallet ${namespace}/${id}`);
    return this.verified(row);
  }

  private verified(row: Row): Row {
    this.vault.assertMac(row.record_mac, macFields(row), `HD wallet ${row.namespace}/${row.id} record`);
    return row;
  }
}

function identity(namespace: string, id: string, part: 'mnemonic' | 'seed'): string {
  // NUL cannot occur in names, so no wallet identity equals a key's (`ns/id/version/algorithm`).
  return `hd\u0000${namespace}/${id}/${part}`;
}

function macFields(r: Row): (string | number | Uint8Array)[] {
  return ['hd-wallet', r.namespace, r.id, r.words, r.language, r.has_passphrase, r.exportable, r.state, r.origin, r.fingerprint, r.sealed_mnemonic, r.sealed_seed, r.created_at, r.updated_at];
}

function infoOf(r: Row): HdWalletInfo {
  return {
    namespace: r.namespace,
    id: r.id,
    words: r.words,
    language: r.language as Bip39Language,
    hasPassphrase: r.has_passphrase === 1,
    exportable: r.exportable === 1,
    state: r.state === 'disabled' ? 'disabled' : 'active',
    origin: r.origin === 'imported' ? 'imported' : 'generated',
    fingerprint: r.fingerprint,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
