/**
 * @module core/backends/device-keys
 * The vault's references to keys that live on a device: which backend holds the key, the handle
 * on it, its label, algorithm, public key and (secp256k1) Ethereum address. A reference shares the
 * namespace and id space of vault keys (an id names one key, wherever it lives), so every rule that
 * takes a key — roles, ACLs, policies, audit, wallet connections — applies unchanged. Each row
 * carries a record MAC under the master key, checked on every read: a reference edited in the
 * file (another handle, another public key) is TAMPERED, never a silent redirection to a key the
 * operator did not choose.
 *
 * Forgetting a reference removes the row, not the key on the device. Trusts the vault (MACs) and
 * its caller's authorization: nothing here checks roles.
 */
import { CustodyError } from '../../../shared/errors.js';
import { KEY_ALGORITHMS, type KeyAlgorithm } from '../../../shared/algorithms.js';
import { statementCache, type Sqlite } from '../vault/database.js';
import type { Vault } from '../vault/vault.js';

interface Row {
  namespace: string;
  id: string;
  backend: string;
  handle: string;
  label: string;
  algorithm: string;
  public_key: Buffer | null;
  address: string | null;
  state: string;
  origin: string;
  created_at: number;
  updated_at: number;
  record_mac: Buffer;
}

export interface DeviceKeyRecord {
  readonly namespace: string;
  readonly id: string;
  /** `pkcs11:<token label>` or `ledger:<device id>`. */
  readonly backend: string;
  readonly handle: string;
  readonly label: string;
  readonly algorithm: KeyAlgorithm;
  /** SPKI DER, null for a secret (AES) key. */
  readonly publicKey: Uint8Array | null;
  readonly address: string | null;
  readonly state: 'active' | 'disabled';
  readonly origin: 'generated' | 'adopted';
  readonly createdAt: number;
  readonly updatedAt: number;
}

const BACKEND = /^(pkcs11|ledger):[\x20-\x7e]{1,64}$/u;

export class DeviceKeyStore {
  private readonly sql: ReturnType<typeof statementCache>;
  private readonly dataVersion: { get(): unknown };
  /**
   * Which namespace/id pairs are references, as of `stamp` (PRAGMA data_version, which moves
   * when another connection commits; this connection's own writes reset it below). Every use of
   * a vault key asks whether its id is a device key: the answer comes from memory, and only a
   * device key's row is read (and its MAC checked).
   */
  private index: { stamp: unknown; ids: Set<string>; verified: Map<string, DeviceKeyRecord> } | null = null;

  constructor(
    db: Sqlite,
    private readonly vault: Vault,
  ) {
    this.sql = statementCache(db);
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  private referenced(namespace: string, id: string): boolean {
    const stamp = this.dataVersion.get();
    if (this.index === null || this.index.stamp !== stamp) {
      const rows = this.sql('SELECT namespace, id FROM device_keys').all() as { namespace: string; id: string }[];
      this.index = { stamp, ids: new Set(rows.map((r) => `${r.namespace}\u0000${r.id}`)), verified: new Map() };
    }
    return this.index.ids.has(`${namespace}\u0000${id}`);
  }

  /** A reference, its MAC checked; checked rows are kept until another connection commits or this one writes. */
  get(namespace: string, id: string): DeviceKeyRecord | null {
    if (!this.referenced(namespace, id)) return null;
    const key = `${namespace}\u0000${id}`;
    const known = this.index?.verified.get(key);
    if (known !== undefined) return known;
    const row = this.sql('SELECT * FROM device_keys WHERE namespace = ? AND id = ?').get(namespace, id) as Row | undefined;
    if (row === undefined) return null;
    const record = this.verified(row);
    this.index?.verified.set(key, record);
    return record;
  }

  /** Ordered by namespace and id, like vault keys. */
  list(filter: { namespace?: string; backend?: string } = {}): DeviceKeyRecord[] {
    const rows = this.sql('SELECT * FROM device_keys WHERE (? IS NULL OR namespace = ?) AND (? IS NULL OR backend = ?) ORDER BY namespace, id').all(
      filter.namespace ?? null,
      filter.namespace ?? null,
      filter.backend ?? null,
      filter.backend ?? null,
    ) as Row[];
    return rows.map((r) => this.verified(r));
  }

  /** How many device keys a namespace references (its quota counts them like vault keys). */
  count(namespace: string): number {
    return (this.sql('SELECT COUNT(*) AS n FROM device_keys WHERE namespace = ?').get(namespace) as { n: number }).n;
  }

  /** Caller holds the transaction and has checked the id is free among vault keys too. */
  insert(input: Omit<DeviceKeyRecord, 'createdAt' | 'updatedAt' | 'state'> & { now: number }): DeviceKeyRecord {
    if (!BACKEND.test(input.backend)) throw new CustodyError('INVALID_INPUT', 'a device backend is pkcs11:<token label> or ledger:<device id>');
    if (typeof input.handle !== 'string' || input.handle.length === 0 || input.handle.length > 256) throw new CustodyError('INVALID_INPUT', 'a device key handle is 1 to 256 characters');
    if (this.get(input.namespace, input.id) !== null) throw new CustodyError('ALREADY_EXISTS', `key ${input.namespace}/${input.id} exists`);
    const taken = this.sql('SELECT id FROM device_keys WHERE backend = ? AND handle = ? AND namespace = ?').get(input.backend, input.handle, input.namespace) as { id: string } | undefined;
    if (taken !== undefined) throw new CustodyError('ALREADY_EXISTS', `that key on ${input.backend} is already ${input.namespace}/${taken.id}`);
    const row: Row = {
      namespace: input.namespace,
      id: input.id,
      backend: input.backend,
      handle: input.handle,
      label: input.label.slice(0, 256),
      algorithm: input.algorithm,
      public_key: input.publicKey === null ? null : Buffer.from(input.publicKey),
      address: input.address,
      state: 'active',
      origin: input.origin,
      created_at: input.now,
      updated_at: input.now,
      record_mac: Buffer.alloc(0),
    };
    row.record_mac = this.vault.mac(fields(row));
    this.index = null;
    this.sql(
      'INSERT INTO device_keys (namespace, id, backend, handle, label, algorithm, public_key, address, state, origin, created_at, updated_at, record_mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(row.namespace, row.id, row.backend, row.handle, row.label, row.algorithm, row.public_key, row.address, row.state, row.origin, row.created_at, row.updated_at, row.record_mac);
    return this.verified(row);
  }

  /** Caller holds the transaction. */
  setState(namespace: string, id: string, state: 'active' | 'disabled', now: number): DeviceKeyRecord {
    const row = this.sql('SELECT * FROM device_keys WHERE namespace = ? AND id = ?').get(namespace, id) as Row | undefined;
    if (row === undefined) throw new CustodyError('NOT_FOUND', `no key ${namespace}/${id}`);
    this.verified(row);
    const next: Row = { ...row, state, updated_at: Math.max(now, row.updated_at) };
    next.record_mac = this.vault.mac(fields(next));
    this.index = null;
    this.sql('UPDATE device_keys SET state = ?, updated_at = ?, record_mac = ? WHERE namespace = ? AND id = ?').run(next.state, next.updated_at, next.record_mac, namespace, id);
    return this.verified(next);
  }

  /** Forget the reference (the key stays on the device). Caller holds the transaction. */
  remove(namespace: string, id: string): DeviceKeyRecord {
    const current = this.get(namespace, id);
    if (current === null) throw new CustodyError('NOT_FOUND', `no key ${namespace}/${id}`);
    this.sql('DELETE FROM device_keys WHERE namespace = ? AND id = ?').run(namespace, id);
    this.index = null;
    return current;
  }

  private verified(r: Row): DeviceKeyRecord {
    this.vault.assertMac(r.record_mac, fields(r), `device key ${r.namespace}/${r.id}`);
    const algorithm = (KEY_ALGORITHMS as readonly string[]).includes(r.algorithm) ? (r.algorithm as KeyAlgorithm) : null;
    if (algorithm === null || (r.state !== 'active' && r.state !== 'disabled') || (r.origin !== 'generated' && r.origin !== 'adopted')) {
      throw new CustodyError('TAMPERED', `device key ${r.namespace}/${r.id} is malformed`, { details: { record: 'device key' } });
    }
    return {
      namespace: r.namespace,
      id: r.id,
      backend: r.backend,
      handle: r.handle,
      label: r.label,
      algorithm,
      publicKey: r.public_key === null ? null : new Uint8Array(r.public_key),
      address: r.address,
      state: r.state,
      origin: r.origin,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }
}

function fields(r: Row): (string | number | null | Uint8Array)[] {
  return ['device-key', r.namespace, r.id, r.backend, r.handle, r.label, r.algorithm, r.public_key, r.address, r.state, r.origin, r.created_at, r.updated_at];
}
