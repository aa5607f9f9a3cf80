/**
 * @module core/wallets/connection-store
 * Wallet connections in the vault's database: which browser origin or paired program may use the
 * wallet RPC, as which Ethereum accounts, on which chain, and whether its requests are approved
 * without asking. Every row carries a record MAC under the master key, checked on every read, so a
 * row written into the file by hand connects nobody: the read is TAMPERED.
 *
 * A paired program's token is `cwc_<12 hex>_<43 base64url>`: the hex names the connection
 * (`wc_<hex>`), the secret is 256 random bits of which only SHA-256 is stored (as for API tokens).
 * Revoking deletes the row; the audit log keeps the history.
 *
 * Trusts the vault (MACs) and its caller's authorization: nothing here checks roles.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { CustodyError } from '../../../shared/errors.js';
import { signerRefSchema, type SignerRef } from '../../../shared/api/signing.js';
import type { WalletConnection } from '../../../shared/api/wallet.js';
import type { CryptoEngine } from '../crypto/types.js';
import { statementCache, type Sqlite } from '../vault/database.js';
import type { Vault } from '../vault/vault.js';

/** A stored account: what the client sees (address) and what signs (signer). */
export interface StoredAccount {
  readonly address: string;
  readonly signer: SignerRef;
}

interface Row {
  id: string;
  kind: string;
  origin: string | null;
  name: string;
  secret_hash: Buffer | null;
  accounts: string;
  chain_id: string;
  auto_approve: number;
  created_at: number;
  created_by: string;
  updated_at: number;
  record_mac: Buffer;
}

export interface StoredConnection {
  readonly id: string;
  readonly kind: 'origin' | 'paired';
  readonly origin: string | null;
  readonly name: string;
  readonly accounts: readonly StoredAccount[];
  readonly chainId: string;
  readonly autoApprove: boolean;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly updatedAt: number;
}

const TOKEN_PATTERN = /^cwc_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/u;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/u;
const CHAIN_ID = /^\d{1,78}$/u;
export const MAX_ACCOUNTS = 100;

/** The label the operator sees for an account (not stored: derived from the signer). */
export function accountLabel(signer: SignerRef): string {
  if (signer.kind === 'key') return `${signer.namespace}/${signer.keyId}`;
  return `${signer.namespace}/${signer.wallet} · m/44'/60'/${signer.account ?? 0}'/0/${signer.index ?? 0}`;
}

export function connectionView(c: StoredConnection): WalletConnection {
  return {
    id: c.id,
    kind: c.kind,
    origin: c.origin,
    name: c.name,
    accounts: c.accounts.map((a) => ({ address: a.address, signer: a.signer, label: accountLabel(a.signer) })),
    chainId: c.chainId,
    autoApprove: c.autoApprove,
    createdAt: c.createdAt,
    createdBy: c.createdBy,
    updatedAt: c.updatedAt,
  };
}

export class ConnectionStore {
  private readonly sql: ReturnType<typeof statementCache>;

  constructor(
    private readonly db: Sqlite,
    private readonly vault: Vault,
    private readonly engine: CryptoEngine,
    private readonly clock: { now(): number },
  ) {
    this.sql = statementCache(db);
  }

  get(id: string): StoredConnection | null {
    const row = this.sql('SELECT * FROM wallet_connections WHERE id = ?').get(id) as Row | undefined;
    return row === undefined ? null : this.verified(row);
  }

  byOrigin(origin: string): StoredConnection | null {
    const row = this.sql('SELECT * FROM wallet_connections WHERE origin = ?').get(origin) as Row | undefined;
    return row === undefined ? null : this.verified(row);
  }

  /** The connection a presented paired-client token opens, or null (malformed, unknown, wrong secret). */
  byToken(presented: string): StoredConnection | null {
    const m = typeof presented === 'string' ? TOKEN_PATTERN.exec(presented) : null;
    if (m === null) return null;
    const row = this.sql('SELECT * FROM wallet_connections WHERE id = ?').get(`wc_${m[1] as string}`) as Row | undefined;
    if (row === undefined || row.secret_hash === null) return null;
    const connection = this.verified(row);
    return timingSafeEqual(sha256(m[2] as string), row.secret_hash) ? connection : null;
  }

  /** Newest first. */
  list(): StoredConnection[] {
    return (this.sql('SELECT * FROM wallet_connections ORDER BY created_at DESC, id').all() as Row[]).map((r) => this.verified(r));
  }

  /**
   * A browser origin's connection: replaces one the origin already had (an origin holds one).
   * Caller holds the transaction.
   */
  putOrigin(input: { origin: string; accounts: readonly StoredAccount[]; chainId: string; autoApprove: boolean; createdBy: string }): StoredConnection {
    this.sql('DELETE FROM wallet_connections WHERE origin = ?').run(input.origin);
    return this.insert({ ...input, kind: 'origin', name: input.origin, secretHash: null }).connection;
  }

  /** A paired program's connection; returns its token once. Caller holds the transaction. */
  putPaired(input: { name: string; accounts: readonly StoredAccount[]; chainId: string; autoApprove: boolean; createdBy: string }): { connection: StoredConnection; token: string } {
    const secret = Buffer.from(this.engine.random(32));
    const secretText = secret.toString('base64url');
    secret.fill(0);
    const { connection, hex } = this.insert({ kind: 'paired', origin: null, secretHash: sha256(secretText), ...input });
    return { connection, token: `cwc_${hex}_${secretText}` };
  }

  update(id: string, change: { accounts?: readonly StoredAccount[]; chainId?: string; autoApprove?: boolean }): StoredConnection {
    const row = this.sql('SELECT * FROM wallet_connections WHERE id = ?').get(id) as Row | undefined;
    if (row === undefined) throw new CustodyError('NOT_FOUND', 'no such wallet connection (it may have been revoked)');
    const current = this.verified(row);
    const next: Row = {
      ...row,
      accounts: change.accounts === undefined ? row.accounts : accountsText(change.accounts),
      chain_id: change.chainId === undefined ? row.chain_id : checkedChain(change.chainId),
      auto_approve: change.autoApprove === undefined ? row.auto_approve : change.autoApprove ? 1 : 0,
      updated_at: Math.max(this.clock.now(), current.updatedAt),
    };
    next.record_mac = this.vault.mac(fields(next));
    this.sql('UPDATE wallet_connections SET accounts = ?, chain_id = ?, auto_approve = ?, updated_at = ?, record_mac = ? WHERE id = ?').run(
      next.accounts,
      next.chain_id,
      next.auto_approve,
      next.updated_at,
      next.record_mac,
      id,
    );
    return this.verified(next);
  }

  remove(id: string): StoredConnection {
    const current = this.get(id);
    if (current === null) throw new CustodyError('NOT_FOUND', 'no such wallet connection (it may have been revoked already)');
    this.sql('DELETE FROM wallet_connections WHERE id = ?').run(id);
    return current;
  }

  private insert(input: { kind: 'origin' | 'paired'; origin: string | null; name: string; secretHash: Buffer | null; accounts: readonly StoredAccount[]; chainId: string; autoApprove: boolean; createdBy: string }): {
    connection: StoredConnection;
    hex: string;
  } {
    if (typeof input.name !== 'string' || input.name.length === 0 || input.name.length > 200 || /\p{Cc}/u.test(input.name)) {
      throw new CustodyError('INVALID_INPUT', 'a connection name is 1 to 200 characters on one line');
    }
    const hex = Buffer.from(this.engine.random(6)).toString('hex');
    const now = this.clock.now();
    const row: Row = {
      id: `wc_${hex}`,
      kind: input.kind,
      origin: input.origin,
      name: input.name,
      secret_hash: input.secretHash,
      accounts: accountsText(input.accounts),
      chain_id: checkedChain(input.chainId),
      auto_approve: input.autoApprove ? 1 : 0,
      created_at: now,
      created_by: input.createdBy,
      updated_at: now,
      record_mac: Buffer.alloc(0),
    };
    row.record_mac = this.vault.mac(fields(row));
    this.sql(
      'INSERT INTO wallet_connections (id, kind, origin, name, secret_hash, accounts, chain_id, auto_approve, created_at, created_by, updated_at, record_mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(row.id, row.kind, row.origin, row.name, row.secret_hash, row.accounts, row.chain_id, row.auto_approve, row.created_at, row.created_by, row.updated_at, row.record_mac);
    return { connection: this.verified(row), hex };
  }

  private verified(r: Row): StoredConnection {
    this.vault.assertMac(r.record_mac, fields(r), `wallet connection ${r.id}`);
    const kind = r.kind === 'origin' || r.kind === 'paired' ? r.kind : null;
    let accounts: StoredAccount[] | null = null;
    try {
      accounts = parseAccounts(JSON.parse(r.accounts));
    } catch {
      accounts = null;
    }
    if (kind === null || accounts === null) throw new CustodyError('TAMPERED', `wallet connection ${r.id} is malformed`, { details: { record: 'wallet connection' } });
    return {
      id: r.id,
      kind,
      origin: r.origin,
      name: r.name,
      accounts,
      chainId: r.chain_id,
      autoApprove: r.auto_approve === 1,
      createdAt: r.created_at,
      createdBy: r.created_by,
      updatedAt: r.updated_at,
    };
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function fields(r: Row): (string | number | null | Uint8Array)[] {
  return ['wallet-connection', r.id, r.kind, r.origin, r.name, r.secret_hash, r.accounts, r.chain_id, r.auto_approve, r.created_at, r.created_by, r.updated_at];
}

function checkedChain(chainId: string): string {
  if (typeof chainId !== 'string' || !CHAIN_ID.test(chainId) || BigInt(chainId) === 0n) throw new CustodyError('INVALID_INPUT', 'a chain id is a positive decimal number');
  return BigInt(chainId).toString();
}

function accountsText(accounts: readonly StoredAccount[]): string {
  if (!Array.isArray(accounts) || accounts.length === 0 || accounts.length > MAX_ACCOUNTS) {
    throw new CustodyError('INVALID_INPUT', `a connection names 1 to ${MAX_ACCOUNTS} accounts`);
  }
  const parsed = parseAccounts(accounts);
  if (parsed === null) throw new CustodyError('INVALID_INPUT', 'an account is an address and the vault key or HD account behind it');
  return JSON.stringify(parsed);
}

function parseAccounts(value: unknown): StoredAccount[] | null {
  if (!Array.isArray(value)) return null;
  const out: StoredAccount[] = [];
  const seen = new Set<string>();
  for (const item of value as unknown[]) {
    if (typeof item !== 'object' || item === null) return null;
    const { address, signer } = item as { address?: unknown; signer?: unknown };
    const ref = signerRefSchema.safeParse(signer);
    if (typeof address !== 'string' || !ADDRESS.test(address) || !ref.success) return null;
    if (seen.has(address.toLowerCase())) continue;
    seen.add(address.toLowerCase());
    out.push({ address, signer: ref.data });
  }
  return out;
}
