/**
 * @module core/policy/store
 * Installed WASM modules and policies (rule sets and WASM policies), in the vault's database
 * (tables: migration.sql.ts). Every row carries a record MAC under the master key, checked on
 * every read: a policy edited in the file by hand, or a module swapped, reads as TAMPERED instead
 * of deciding anything.
 *
 * Modules are MAC'd, not sealed: policy code is not secret, its integrity is what matters. The
 * MAC covers the SHA-256 of the uploaded bytes (recomputed on read) and of the metered bytes.
 * Installing validates and instruments (wasm/instrument.ts); a module a policy still uses cannot
 * be removed.
 *
 * The caller holds the transaction and writes the audit event beside each change (install,
 * remove, put, delete), as the facade does for every state change; `*AuditDetails` give the
 * facts for those events. Nothing here checks roles.
 *
 * Installing is two steps: `prepareModule` (async: validation and metering, off the database) and
 * `installModule` (sync, inside the caller's transaction, with its audit event).
 *
 * Trusts the vault (MACs) and its caller's authorization.
 */
import { createHash } from 'node:crypto';
import { CustodyError } from '../../../shared/errors.js';
import type { Sqlite } from '../vault/database.js';
import { statementCache } from '../vault/database.js';
import type { Vault } from '../vault/vault.js';
import { parsePolicyDefinition, type PolicyDefinition } from './engine.js';
import { instrumentPolicyModule, type InstrumentedModule, type InstrumentOptions } from './wasm/instrument.js';
import type { PolicyRuntime } from './wasm/runtime.js';

export interface ModuleInfo {
  readonly sha256: string;
  readonly name: string;
  readonly description: string;
  readonly size: number;
  readonly meteredSize: number;
  readonly memoryPages: number;
  readonly callDepth: number;
  readonly createdAt: number;
  readonly createdBy: string;
}

export interface StoredPolicy {
  readonly definition: PolicyDefinition;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

interface ModuleRow {
  sha256: string;
  name: string;
  description: string;
  module: Buffer;
  metered: Buffer;
  memory_pages: number;
  call_depth: number;
  created_at: number;
  created_by: string;
  record_mac: Buffer;
}

interface PolicyRow {
  name: string;
  kind: string;
  definition: string;
  module_sha256: string | null;
  created_at: number;
  created_by: string;
  updated_at: number;
  updated_by: string;
  record_mac: Buffer;
}

const MAX_NAME = 64;
const MAX_DESCRIPTION = 512;

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function moduleFields(r: Pick<ModuleRow, 'sha256' | 'name' | 'description' | 'memory_pages' | 'call_depth' | 'created_at' | 'created_by'>, meteredSha: string): (string | number)[] {
  return ['policy-module', r.sha256, r.name, r.description, meteredSha, r.memory_pages, r.call_depth, r.created_at, r.created_by];
}

function policyFields(r: Omit<PolicyRow, 'record_mac'>): (string | number | null)[] {
  return ['policy', r.name, r.kind, r.definition, r.module_sha256, r.created_at, r.created_by, r.updated_at, r.updated_by];
}

function assertLabel(value: unknown, what: string, max: number, allowEmpty: boolean): string {
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0) || value.length > max || /\p{Cc}/u.test(value)) {
    throw new CustodyError('INVALID_INPUT', `a module ${what} is ${allowEmpty ? 'up to' : '1 to'} ${max} characters on one line`);
  }
  return value;
}

/** A module validated and metered, ready to store (the slow part, done before the transaction). */
export interface PreparedModule {
  readonly original: Uint8Array;
  readonly sha256: string;
  readonly metered: InstrumentedModule;
}

/**
 * Validate and meter `bytes` (loads binaryen on first use; a few ms per module after that).
 * @throws INVALID_INPUT naming what the module breaks.
 */
export async function prepareModule(bytes: Uint8Array, limits: InstrumentOptions = {}): Promise<PreparedModule> {
  const original = Uint8Array.from(bytes);
  const metered = await instrumentPolicyModule(original, limits);
  return { original, sha256: sha256Hex(original), metered };
}

export class PolicyStore {
  private readonly sql: ReturnType<typeof statementCache>;
  /** Bumped on every change, so callers can cache what they read. */
  generation = 0;

  constructor(
    private readonly db: Sqlite,
    private readonly vault: Vault,
    private readonly clock: { now(): number },
  ) {
    this.sql = statementCache(db);
  }

  // ---------------------------------------------------------------- modules

  /**
   * Store a module `prepareModule` validated and metered. Caller holds the transaction and audits.
   * @throws INVALID_INPUT for a bad name or description; ALREADY_EXISTS for the same bytes twice.
   */
  installModule(prepared: PreparedModule, meta: { name: string; description?: string }, createdBy: string): ModuleInfo {
    this.vault.requireUnlocked();
    const name = assertLabel(meta.name, 'name', MAX_NAME, false);
    const description = assertLabel(meta.description ?? '', 'description', MAX_DESCRIPTION, true);
    const { original, sha256, metered } = prepared;
    if (sha256Hex(original) !== sha256) throw new CustodyError('INVALID_INPUT', 'the prepared module does not match its SHA-256');
    if (this.sql('SELECT 1 FROM policy_modules WHERE sha256 = ?').get(sha256) !== undefined) throw new CustodyError('ALREADY_EXISTS', `module ${sha256} is already installed`);
    const now = this.clock.now();
    const row = { sha256, name, description, memory_pages: metered.memoryPages, call_depth: metered.callDepth, created_at: now, created_by: createdBy };
    this.sql('INSERT INTO policy_modules (sha256, name, description, module, metered, memory_pages, call_depth, created_at, created_by, record_mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      sha256,
      name,
      description,
      Buffer.from(original),
      Buffer.from(metered.bytes),
      row.memory_pages,
      row.call_depth,
      now,
      createdBy,
      this.vault.mac(moduleFields(row, sha256Hex(metered.bytes))),
    );
    this.generation++;
    return { ...this.info(row), size: original.length, meteredSize: metered.bytes.length };
  }

  /** @throws NOT_FOUND; NOT_EMPTY while a policy uses the module. Caller holds the transaction and audits. */
  removeModule(sha256: string): ModuleInfo {
    const info = this.getModule(sha256);
    const users = this.sql('SELECT name FROM policies WHERE module_sha256 = ? ORDER BY name').all(sha256) as { name: string }[];
    if (users.length > 0) throw new CustodyError('NOT_EMPTY', `module ${sha256.slice(0, 12)}… is used by ${users.map((u) => u.name).join(', ')}: remove those policies first`);
    this.sql('DELETE FROM policy_modules WHERE sha256 = ?').run(sha256);
    this.generation++;
    return info;
  }

  getModule(sha256: string): ModuleInfo {
    return this.verifiedModule(sha256).info;
  }

  listModules(): ModuleInfo[] {
    return (this.sql('SELECT sha256 FROM policy_modules ORDER BY created_at, sha256').all() as { sha256: string }[]).map((r) => this.verifiedModule(r.sha256).info);
  }

  /** The bytes the runtime runs, verified. */
  meteredModule(sha256: string): { metered: Uint8Array; limits: { memoryPages: number; callDepth: number } } {
    const { row } = this.verifiedModule(sha256);
    return { metered: new Uint8Array(row.metered), limits: { memoryPages: row.memory_pages, callDepth: row.call_depth } };
  }

  /** Load every installed module (verified) into `runtime`, and drop what it holds that is no longer installed. */
  syncRuntime(runtime: PolicyRuntime, loaded: Set<string> = new Set()): Set<string> {
    const now = new Set<string>();
    for (const m of this.listModules()) {
      if (!loaded.has(m.sha256) || !runtime.has(m.sha256)) {
        const { metered, limits } = this.meteredModule(m.sha256);
        runtime.load(m.sha256, metered, limits);
      }
      now.add(m.sha256);
    }
    for (const sha of loaded) if (!now.has(sha)) runtime.unload(sha);
    return now;
  }

  private verifiedModule(sha256: string): { row: ModuleRow; info: ModuleInfo } {
    const row = this.sql('SELECT * FROM policy_modules WHERE sha256 = ?').get(sha256) as ModuleRow | undefined;
    if (row === undefined) throw new CustodyError('NOT_FOUND', `no policy module ${String(sha256).slice(0, 64)} is installed`);
    const record = `policy module ${row.sha256.slice(0, 12)}`;
    if (sha256Hex(row.module) !== row.sha256) throw new CustodyError('TAMPERED', `${record} does not match its SHA-256`, { details: { record: 'policy module' } });
    this.vault.assertMac(row.record_mac, moduleFields(row, sha256Hex(row.metered)), record);
    return { row, info: { ...this.info(row), size: row.module.length, meteredSize: row.metered.length } };
  }

  private info(r: Pick<ModuleRow, 'sha256' | 'name' | 'description' | 'memory_pages' | 'call_depth' | 'created_at' | 'created_by'>): Omit<ModuleInfo, 'size' | 'meteredSize'> {
    return { sha256: r.sha256, name: r.name, description: r.description, memoryPages: r.memory_pages, callDepth: r.call_depth, createdAt: r.created_at, createdBy: r.created_by };
  }

  // ---------------------------------------------------------------- policies

  /**
   * Create or replace a policy (validated; a WASM policy's module must be installed).
   * Caller holds the transaction and audits.
   * @throws INVALID_INPUT naming the field; NOT_FOUND for a module that is not installed.
   */
  putPolicy(value: unknown, by: string): StoredPolicy {
    this.vault.requireUnlocked();
    const definition = parsePolicyDefinition(value);
    const moduleSha = definition.kind === 'wasm' ? definition.module : null;
    if (moduleSha !== null) this.getModule(moduleSha);
    const now = this.clock.now();
    this.assertPolicySet(this.sql('SELECT name, updated_at FROM policies ORDER BY name').all() as Pick<PolicyRow, 'name' | 'updated_at'>[]);
    const existing = this.sql('SELECT * FROM policies WHERE name = ?').get(definition.name) as PolicyRow | undefined;
    if (existing !== undefined) this.verifiedPolicy(existing);
    const row: Omit<PolicyRow, 'record_mac'> = {
      name: definition.name,
      kind: definition.kind,
      definition: JSON.stringify(definition),
      module_sha256: moduleSha,
      created_at: existing?.created_at ?? now,
      created_by: existing?.created_by ?? by,
      updated_at: now,
      updated_by: by,
    };
    this.sql(
      `INSERT INTO policies (name, kind, definition, module_sha256, created_at, created_by, updated_at, updated_by, record_mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, definition = excluded.definition, module_sha256 = excluded.module_sha256, updated_at = excluded.updated_at, updated_by = excluded.updated_by, record_mac = excluded.record_mac`,
    ).run(row.name, row.kind, row.definition, row.module_sha256, row.created_at, row.created_by, row.updated_at, row.updated_by, this.vault.mac(policyFields(row)));
    this.sealPolicySet();
    this.generation++;
    return { definition, createdAt: row.created_at, createdBy: row.created_by, updatedAt: now, updatedBy: by };
  }

  /** @throws NOT_FOUND. Caller holds the transaction and audits. */
  removePolicy(name: string): StoredPolicy {
    const stored = this.getPolicy(name);
    this.assertPolicySet(this.sql('SELECT name, updated_at FROM policies ORDER BY name').all() as Pick<PolicyRow, 'name' | 'updated_at'>[]);
    this.sql('DELETE FROM policies WHERE name = ?').run(name);
    this.sealPolicySet();
    this.generation++;
    return stored;
  }

  getPolicy(name: string): StoredPolicy {
    const row = this.sql('SELECT * FROM policies WHERE name = ?').get(name) as PolicyRow | undefined;
    if (row === undefined) throw new CustodyError('NOT_FOUND', `no policy ${JSON.stringify(String(name)).slice(0, 80)}`);
    return this.verifiedPolicy(row);
  }

  listPolicies(): StoredPolicy[] {
    const rows = this.sql('SELECT * FROM policies ORDER BY name').all() as PolicyRow[];
    this.assertPolicySet(rows);
    return rows.map((r) => this.verifiedPolicy(r));
  }

  /**
   * A row deleted from the file would remove a restriction silently (unlike a grant, whose loss
   * only takes rights away): the set of policies is MAC'd as a whole too, in `policy_state`.
   */
  private assertPolicySet(rows: readonly Pick<PolicyRow, 'name' | 'updated_at'>[]): void {
    const state = this.sql('SELECT record_mac FROM policy_state WHERE id = 1').get() as { record_mac: Buffer } | undefined;
    if (state === undefined) {
      if (rows.length > 0) throw new CustodyError('TAMPERED', 'the set of policies has no integrity record', { details: { record: 'policy set' } });
      return;
    }
    this.vault.assertMac(state.record_mac, policySetFields(rows), 'the set of policies (one was added or removed outside Custos)');
  }

  /** After a change to the policies (caller's transaction): the set's MAC, anew. */
  private sealPolicySet(): void {
    const rows = this.sql('SELECT name, updated_at FROM policies ORDER BY name').all() as Pick<PolicyRow, 'name' | 'updated_at'>[];
    this.sql('INSERT INTO policy_state (id, record_mac) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET record_mac = excluded.record_mac').run(this.vault.mac(policySetFields(rows)));
  }

  /** The definitions the engine evaluates. */
  definitions(): PolicyDefinition[] {
    return this.listPolicies().map((p) => p.definition);
  }

  private verifiedPolicy(r: PolicyRow): StoredPolicy {
    this.vault.assertMac(r.record_mac, policyFields(r), `policy ${r.name}`);
    let definition: PolicyDefinition;
    try {
      definition = parsePolicyDefinition(JSON.parse(r.definition));
    } catch (cause) {
      // MAC'd but no longer valid: written by a build with other rules. Refuse rather than guess.
      throw new CustodyError('UNSUPPORTED', `policy ${r.name} does not validate with this version's rules`, { cause });
    }
    if (definition.name !== r.name || definition.kind !== r.kind) throw new CustodyError('TAMPERED', `policy ${r.name} does not match its row`, { details: { record: 'policy' } });
    return { definition, createdAt: r.created_at, createdBy: r.created_by, updatedAt: r.updated_at, updatedBy: r.updated_by };
  }
}

/** Audit details of a module install or removal. */
export function moduleAuditDetails(m: ModuleInfo): Record<string, string | number> {
  return { sha256: m.sha256, name: m.name, size: m.size, meteredSize: m.meteredSize, memoryPages: m.memoryPages, callDepth: m.callDepth };
}

/** Audit details of a policy change (the definition's hash, not its text: lists can be long). */
export function policyAuditDetails(p: StoredPolicy): Record<string, string | number | boolean> {
  const d = p.definition;
  return {
    name: d.name,
    kind: d.kind,
    scope: d.scope.kind === 'global' ? 'global' : d.scope.kind === 'namespace' ? `namespace:${d.scope.namespace}` : `key:${d.scope.namespace}/${d.scope.keyId}`,
    priority: d.priority,
    enabled: d.enabled,
    definitionSha256: sha256Hex(new TextEncoder().encode(JSON.stringify(d))),
    ...(d.kind === 'wasm' ? { module: d.module } : { rules: d.rules.length }),
  };
}

function policySetFields(rows: readonly Pick<PolicyRow, 'name' | 'updated_at'>[]): (string | number)[] {
  return ['policy-set', rows.length, ...rows.flatMap((r) => [r.name, r.updated_at])];
}
