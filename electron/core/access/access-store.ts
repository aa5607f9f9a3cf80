/**
 * @module core/access/access-store
 * Grants, API tokens, per-key ACL entries and namespace settings, in the vault's database.
 * Every row that grants anything carries a record MAC under the master key, checked on every
 * read: a row written into the file by hand grants nothing, it makes the read TAMPERED.
 *
 * Tokens: `cst_<id>_<secret>`, the id 12 hex characters (public, names the token in audit
 * events), the secret 256 random bits (base64url). Only SHA-256 of the secret is stored: with
 * 256 bits of entropy a slow hash adds nothing, and every API call can afford the check.
 *
 * Trusts the vault (MACs) and its caller's authorization: nothing here checks roles.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { CustodyError } from '../../../shared/errors.js';
import type { CryptoEngine } from '../crypto/types.js';
import type { Sqlite } from '../vault/database.js';
import { statementCache } from '../vault/database.js';
import type { Vault } from '../vault/vault.js';
import { ALL_NAMESPACES, isRole, type Grant, type Role } from './roles.js';

export interface TokenInfo {
  readonly id: string;
  /** The principal name the token acts as: `token:<id>`. */
  readonly principal: string;
  readonly label: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly revokedBy: string | null;
  readonly grants: readonly Grant[];
}

export interface NamespaceSettings {
  readonly description: string;
  readonly maxKeys: number | null;
}

interface TokenRow {
  id: string;
  label: string;
  secret_hash: Buffer;
  created_at: number;
  created_by: string;
  expires_at: number | null;
  revoked_at: number | null;
  revoked_by: string | null;
  record_mac: Buffer;
}

interface GrantRow {
  principal: string;
  namespace: string;
  role: string;
  created_at: number;
  created_by: string;
  record_mac: Buffer;
}

const TOKEN_PATTERN = /^cst_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
export const TOKEN_ID_PATTERN = /^tok_[0-9a-f]{12}$/;
const MAX_LABEL = 128;
const MAX_DESCRIPTION = 1024;

export function tokenPrincipal(id: string): string {
  return `token:${id}`;
}

export class AccessStore {
  private readonly sql: ReturnType<typeof statementCache>;
  /** Bumped on every change, so callers can cache what they read. */
  generation = 0;

  constructor(
    private readonly db: Sqlite,
    private readonly vault: Vault,
    private readonly engine: CryptoEngine,
    private readonly clock: { now(): number },
  ) {
    this.sql = statementCache(db);
  }

  // ---------------------------------------------------------------- grants

  grantsOf(principal: string): Grant[] {
    return (this.sql('SELECT * FROM grants WHERE principal = ? ORDER BY namespace, role').all(principal) as GrantRow[]).map((r) => this.verifiedGrant(r));
  }

  listGrants(filter: { principal?: string; namespace?: string } = {}): Grant[] {
    const rows = this.sql('SELECT * FROM grants ORDER BY principal, namespace, role').all() as GrantRow[];
    return rows
      .filter((r) => (filter.principal === undefined || r.principal === filter.principal) && (filter.namespace === undefined || r.namespace === filter.namespace))
      .map((r) => this.verifiedGrant(r));
  }

  /** Insert a grant (idempotent: granting what exists is ALREADY_EXISTS). Caller holds the transaction. */
  addGrant(principal: string, namespace: string, role: Role, createdBy: string): Grant {
    if (!isRole(role)) throw new CustodyError('INVALID_INPUT', `unknown role ${JSON.stringify(String(role)).slice(0, 40)}: Admin, NamespaceAdmin, KeyAdmin, KeyUser or Auditor`);
    if (role === 'Admin' && namespace !== ALL_NAMESPACES) throw new CustodyError('INVALID_INPUT', 'Admin is a global role: grant it on namespace "*"');
    if (this.sql('SELECT 1 FROM grants WHERE principal = ? AND namespace = ? AND role = ?').get(principal, namespace, role) !== undefined) {
      throw new CustodyError('ALREADY_EXISTS', `${principal} already holds ${role} on ${namespace}`);
    }
    const now = this.clock.now();
    this.sql('INSERT INTO grants (principal, namespace, role, created_at, created_by, record_mac) VALUES (?, ?, ?, ?, ?, ?)').run(
      principal,
      namespace,
      role,
      now,
      createdBy,
      this.vault.mac(grantFields(principal, namespace, role, now, createdBy)),
    );
    this.generation++;
    return { principal, namespace, role, createdAt: now, createdBy };
  }

  removeGrant(principal: string, namespace: string, role: Role): void {
    const row = this.sql('SELECT * FROM grants WHERE principal = ? AND namespace = ? AND role = ?').get(principal, namespace, role) as GrantRow | undefined;
    if (row === undefined) throw new CustodyError('NOT_FOUND', `${principal} holds no ${String(role)} on ${namespace}`);
    this.verifiedGrant(row);
    this.sql('DELETE FROM grants WHERE principal = ? AND namespace = ? AND role = ?').run(principal, namespace, role);
    this.generation++;
  }

  /** Remove every grant and ACL entry of a principal (operator removed, token revoked). */
  removePrincipal(principal: string): void {
    this.sql('DELETE FROM grants WHERE principal = ?').run(principal);
    this.sql('DELETE FROM key_acl WHERE principal = ?').run(principal);
    this.generation++;
  }

  /** Global Admins, verified. */
  admins(): string[] {
    return this.listGrants({ namespace: ALL_NAMESPACES })
      .filter((g) => g.role === 'Admin')
      .map((g) => g.principal);
  }

  private verifiedGrant(r: GrantRow): Grant {
    this.vault.assertMac(r.record_mac, grantFields(r.principal, r.namespace, r.role, r.created_at, r.created_by), `grant of ${r.role} on ${r.namespace} to ${r.principal}`);
    if (!isRole(r.role)) throw new CustodyError('TAMPERED', `grant to ${r.principal} names an unknown role`, { details: { record: 'grant' } });
    return { principal: r.principal, namespace: r.namespace, role: r.role, createdAt: r.created_at, createdBy: r.created_by };
  }

  // ---------------------------------------------------------------- tokens

  /** Create a token row (caller holds the transaction and adds grants). Returns the secret once. */
  createToken(label: string, expiresAt: number | null, createdBy: string): { token: string; id: string } {
    if (typeof label !== 'string' || label.length === 0 || label.length > MAX_LABEL || /\p{Cc}/u.test(label)) {
      throw new CustodyError('INVALID_INPUT', `a token label is 1 to ${MAX_LABEL} characters on one line`);
    }
    const now = this.clock.now();
    if (expiresAt !== null && (!Number.isSafeInteger(expiresAt) || expiresAt <= now)) throw new CustodyError('INVALID_INPUT', 'a token expiry must lie in the future');
    const hexId = Buffer.from(this.engine.random(6)).toString('hex');
    const id = `tok_${hexId}`;
    const secret = Buffer.from(this.engine.random(32));
    const secretText = secret.toString('base64url');
    const hash = sha256(Buffer.from(secretText, 'utf8'));
    secret.fill(0);
    const row: TokenRow = { id, label, secret_hash: hash, created_at: now, created_by: createdBy, expires_at: expiresAt, revoked_at: null, revoked_by: null, record_mac: Buffer.alloc(0) };
    this.sql('INSERT INTO api_tokens (id, label, secret_hash, created_at, created_by, expires_at, revoked_at, revoked_by, record_mac) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?)').run(
      id,
      label,
      hash,
      now,
      createdBy,
      expiresAt,
      this.vault.mac(tokenFields(row)),
    );
    this.generation++;
    return { token: `cst_${hexId}_${secretText}`, id };
  }

  /**
   * Which token a presented secret is, if any and if it is live. `undefined` for anything
   * malformed, unknown, wrong, revoked or expired; `reason` says which, for the audit event
   * (never the presented value).
   */
  matchToken(presented: string): { id: string; info?: TokenInfo; reason?: 'malformed' | 'unknown' | 'wrong secret' | 'revoked' | 'expired' } {
    const m = typeof presented === 'string' ? TOKEN_PATTERN.exec(presented) : null;
    if (m === null) return { id: '', reason: 'malformed' };
    const id = `tok_${m[1] as string}`;
    const row = this.sql('SELECT * FROM api_tokens WHERE id = ?').get(id) as TokenRow | undefined;
    if (row === undefined) return { id, reason: 'unknown' };
    const info = this.verifiedToken(row);
    const hash = sha256(Buffer.from(m[2] as string, 'utf8'));
    if (!timingSafeEqual(hash, row.secret_hash)) return { id, reason: 'wrong secret' };
    if (row.revoked_at !== null) return { id, reason: 'revoked' };
    if (row.expires_at !== null && row.expires_at <= this.clock.now()) return { id, reason: 'expired' };
    return { id, info };
  }

  getToken(id: string): TokenInfo {
    const row = this.sql('SELECT * FROM api_tokens WHERE id = ?').get(id) as TokenRow | undefined;
    if (row === undefined) throw new CustodyError('NOT_FOUND', `token ${id} does not exist`);
    return this.verifiedToken(row);
  }

  listTokens(): TokenInfo[] {
    return (this.sql('SELECT * FROM api_tokens ORDER BY created_at, id').all() as TokenRow[]).map((r) => this.verifiedToken(r));
  }

  /** Whether a token is live now (exists, MAC intact, not revoked, not expired). */
  isTokenLive(id: string): boolean {
    const state = this.tokenState(id);
    return state !== null && !state.revoked && (state.expiresAt === null || state.expiresAt > this.clock.now());
  }

  /** What liveness depends on, read once and MAC-checked (the facade caches it while nothing was written). Null: no such token. */
  tokenState(id: string): { readonly revoked: boolean; readonly expiresAt: number | null } | null {
    const row = this.sql('SELECT * FROM api_tokens WHERE id = ?').get(id) as TokenRow | undefined;
    if (row === undefined) return null;
    this.verifiedToken(row);
    return { revoked: row.revoked_at !== null, expiresAt: row.expires_at };
  }

  revokeToken(id: string, by: string): TokenInfo {
    const info = this.getToken(id);
    if (info.revokedAt !== null) throw new CustodyError('INVALID_INPUT', `token ${id} is already revoked`);
    const row = this.sql('SELECT * FROM api_tokens WHERE id = ?').get(id) as TokenRow;
    const next: TokenRow = { ...row, revoked_at: this.clock.now(), revoked_by: by };
    this.sql('UPDATE api_tokens SET revoked_at = ?, revoked_by = ?, record_mac = ? WHERE id = ?').run(next.revoked_at, by, this.vault.mac(tokenFields(next)), id);
    this.removePrincipal(tokenPrincipal(id));
    this.generation++;
    return { ...info, revokedAt: next.revoked_at, revokedBy: by, grants: [] };
  }

  private verifiedToken(r: TokenRow): TokenInfo {
    this.vault.assertMac(r.record_mac, tokenFields(r), `API token ${r.id}`);
    return {
      id: r.id,
      principal: tokenPrincipal(r.id),
      label: r.label,
      createdAt: r.created_at,
      createdBy: r.created_by,
      expiresAt: r.expires_at,
      revokedAt: r.revoked_at,
      revokedBy: r.revoked_by,
      grants: this.grantsOf(tokenPrincipal(r.id)),
    };
  }

  // ---------------------------------------------------------------- key ACLs

  /** The principals a key's ACL names; empty = no ACL (every KeyUser of the namespace). */
  keyAcl(namespace: string, keyId: string): string[] {
    const rows = this.sql('SELECT * FROM key_acl WHERE namespace = ? AND key_id = ? ORDER BY principal').all(namespace, keyId) as {
      namespace: string;
      key_id: string;
      principal: string;
      created_at: number;
      created_by: string;
      record_mac: Buffer;
    }[];
    return rows.map((r) => {
      this.vault.assertMac(r.record_mac, ['key-acl', r.namespace, r.key_id, r.principal, r.created_at, r.created_by], `ACL entry of key ${namespace}/${keyId}`);
      return r.principal;
    });
  }

  /** Replace a key's ACL (caller holds the transaction). */
  setKeyAcl(namespace: string, keyId: string, principals: readonly string[], by: string): void {
    this.sql('DELETE FROM key_acl WHERE namespace = ? AND key_id = ?').run(namespace, keyId);
    const now = this.clock.now();
    for (const p of new Set(principals)) {
      this.sql('INSERT INTO key_acl (namespace, key_id, principal, created_at, created_by, record_mac) VALUES (?, ?, ?, ?, ?, ?)').run(
        namespace,
        keyId,
        p,
        now,
        by,
        this.vault.mac(['key-acl', namespace, keyId, p, now, by]),
      );
    }
    this.generation++;
  }

  removeKeyAcl(namespace: string, keyId: string): void {
    this.sql('DELETE FROM key_acl WHERE namespace = ? AND key_id = ?').run(namespace, keyId);
    this.generation++;
  }

  // ---------------------------------------------------------------- namespace settings

  namespaceSettings(name: string): NamespaceSettings {
    const r = this.sql('SELECT * FROM namespace_settings WHERE name = ?').get(name) as
      | { name: string; description: string; max_keys: number | null; updated_at: number; record_mac: Buffer }
      | undefined;
    if (r === undefined) return { description: '', maxKeys: null };
    this.vault.assertMac(r.record_mac, ['namespace-settings', r.name, r.description, r.max_keys, r.updated_at], `settings of namespace ${name}`);
    return { description: r.description, maxKeys: r.max_keys };
  }

  setNamespaceSettings(name: string, settings: NamespaceSettings): void {
    if (typeof settings.description !== 'string' || settings.description.length > MAX_DESCRIPTION) {
      throw new CustodyError('INVALID_INPUT', `a namespace description has at most ${MAX_DESCRIPTION} characters`);
    }
    if (settings.maxKeys !== null && (!Number.isSafeInteger(settings.maxKeys) || settings.maxKeys < 1 || settings.maxKeys > 1_000_000)) {
      throw new CustodyError('INVALID_INPUT', 'max keys must be an integer from 1 to 1000000');
    }
    const now = this.clock.now();
    this.sql('INSERT OR REPLACE INTO namespace_settings (name, description, max_keys, updated_at, record_mac) VALUES (?, ?, ?, ?, ?)').run(
      name,
      settings.description,
      settings.maxKeys,
      now,
      this.vault.mac(['namespace-settings', name, settings.description, settings.maxKeys, now]),
    );
  }

  /** Forget everything that refers to a (now empty) namespace. Caller holds the transaction. */
  dropNamespace(name: string): void {
    this.sql('DELETE FROM namespace_settings WHERE name = ?').run(name);
    this.sql('DELETE FROM grants WHERE namespace = ?').run(name);
    this.sql('DELETE FROM key_acl WHERE namespace = ?').run(name);
    this.generation++;
  }
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

function grantFields(principal: string, namespace: string, role: string, createdAt: number, createdBy: string): (string | number)[] {
  return ['grant', principal, namespace, role, createdAt, createdBy];
}

function tokenFields(r: TokenRow): (string | number | null | Uint8Array)[] {
  return ['api-token', r.id, r.label, r.secret_hash, r.created_at, r.created_by, r.expires_at, r.revoked_at, r.revoked_by];
}
