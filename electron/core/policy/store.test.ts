import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_KDF, FakeClock, PASSPHRASE, tempDir } from '../../../test/helpers.js';
import { codeOf } from '../../../test/support.js';
import { createCryptoEngine } from '../crypto/index.js';
import { databasePath, openDatabase, type Sqlite } from '../vault/database.js';
import { Vault } from '../vault/vault.js';
import { POLICY_MIGRATION } from './migration.sql.js';
import { moduleAuditDetails, policyAuditDetails, PolicyStore, prepareModule } from './store.js';
import { ALICE } from './test-context.js';
import { PolicyRuntime } from './wasm/runtime.js';
import * as m from './wasm/test-modules.js';

const open: Sqlite[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

/** A real vault in a temp dir, with the policy migration applied as the lead will append it. */
async function fixture(dataDir = tempDir()) {
  const db = openDatabase(dataDir);
  open.push(db);
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'policies'").get() === undefined) db.exec(POLICY_MIGRATION);
  const clock = new FakeClock();
  const vault = new Vault(db, createCryptoEngine(), clock);
  if (!vault.isInitialized()) await vault.init('admin', PASSPHRASE, FAST_KDF);
  else await vault.unlock('admin', PASSPHRASE);
  return { dataDir, db, vault, clock, store: new PolicyStore(db, vault, clock) };
}

function tamper(dataDir: string, sql: string): void {
  const db = new Database(databasePath(dataDir));
  db.prepare(sql).run();
  db.close();
}

describe('PolicyStore', () => {
  it('installs a module (validated, metered, MAC\'d) and lists it; the same bytes twice is ALREADY_EXISTS', async () => {
    const { store } = await fixture();
    const prepared = await prepareModule(m.ALLOW);
    const info = store.installModule(prepared, { name: 'allow-all', description: 'test' }, 'admin');
    expect(info).toMatchObject({ name: 'allow-all', description: 'test', size: m.ALLOW.length, memoryPages: 32, callDepth: 512, createdBy: 'admin' });
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(store.listModules()).toEqual([info]);
    expect(store.getModule(info.sha256)).toEqual(info);
    expect(moduleAuditDetails(info)).toMatchObject({ sha256: info.sha256, size: m.ALLOW.length });
    expect(codeOf(() => store.installModule(prepared, { name: 'again' }, 'admin'))).toBe('ALREADY_EXISTS');
    await expect(prepareModule(m.FLOATS)).rejects.toThrow(/f64: floats/);
    expect(codeOf(() => store.installModule(prepared, { name: '' }, 'admin'))).toBe('INVALID_INPUT');
    expect(codeOf(() => store.installModule({ ...prepared, original: m.ECHO_FIRST_BYTE }, { name: 'swapped' }, 'admin'))).toBe('INVALID_INPUT');
  });

  it('stores rule sets and WASM policies; replaces by name; refuses a missing module and removing a used one', async () => {
    const { store, clock } = await fixture();
    const sha = store.installModule(await prepareModule(m.ALLOW), { name: 'allow-all' }, 'admin').sha256;
    const rules = store.putPolicy({ name: 'limits', kind: 'rules', scope: { kind: 'global' }, rules: [{ type: 'recipients', mode: 'allow', addresses: [ALICE] }] }, 'admin');
    expect(rules.definition).toMatchObject({ name: 'limits', priority: 100, enabled: true, rules: [{ type: 'recipients', action: 'deny' }] });
    store.putPolicy({ name: 'wasm', kind: 'wasm', scope: { kind: 'namespace', namespace: 'default' }, module: sha, fuel: 5000 }, 'admin');
    expect(codeOf(() => store.putPolicy({ name: 'orphan', kind: 'wasm', scope: { kind: 'global' }, module: 'cd'.repeat(32) }, 'admin'))).toBe('NOT_FOUND');
    expect(() => store.putPolicy({ name: 'bad', kind: 'rules', scope: { kind: 'global' }, rules: [{ type: 'valueLimit', perTransaction: '-1' }] }, 'admin')).toThrow('policy.rules[0].perTransaction');
    clock.advance(1000);
    const replaced = store.putPolicy({ name: 'limits', kind: 'rules', scope: { kind: 'global' }, priority: 5, rules: [{ type: 'blindSigning' }] }, 'bob');
    expect(replaced).toMatchObject({ createdBy: 'admin', updatedBy: 'bob', updatedAt: rules.createdAt + 1000 });
    expect(store.definitions().map((d) => [d.name, d.kind, d.priority])).toEqual([
      ['limits', 'rules', 5],
      ['wasm', 'wasm', 100],
    ]);
    expect(policyAuditDetails(replaced)).toMatchObject({ name: 'limits', kind: 'rules', scope: 'global', rules: 1 });
    expect(codeOf(() => store.removeModule(sha))).toBe('NOT_EMPTY');
    store.removePolicy('wasm');
    expect(store.removeModule(sha).sha256).toBe(sha);
    expect(store.listModules()).toEqual([]);
    expect(codeOf(() => store.removePolicy('wasm'))).toBe('NOT_FOUND');
  });

  it('loads installed modules into a runtime, which evaluates them', async () => {
    const { store } = await fixture();
    const sha = store.installModule(await prepareModule(m.ALLOW), { name: 'allow-all' }, 'admin').sha256;
    const runtime = new PolicyRuntime();
    try {
      const loaded = store.syncRuntime(runtime);
      expect([...loaded]).toEqual([sha]);
      expect((await runtime.evaluate(sha, '{}')).decision).toBe('allow');
      store.removeModule(sha);
      expect(store.syncRuntime(runtime, loaded).size).toBe(0);
      expect(runtime.has(sha)).toBe(false);
    } finally {
      await runtime.close();
    }
  });

  it('a row changed in the file reads as TAMPERED; a locked vault reads nothing', async () => {
    const first = await fixture();
    const sha = first.store.installModule(await prepareModule(m.ALLOW), { name: 'allow-all' }, 'admin').sha256;
    const other = first.store.installModule(await prepareModule(m.ECHO_FIRST_BYTE), { name: 'echo' }, 'admin').sha256;
    first.store.putPolicy({ name: 'limits', kind: 'rules', scope: { kind: 'global' }, rules: [{ type: 'recipients', mode: 'allow', addresses: [ALICE] }] }, 'admin');
    first.db.close();
    open.splice(0);
    const dir = first.dataDir;
    // Widen the allow-list behind the vault's back.
    tamper(dir, `UPDATE policies SET definition = replace(definition, '${ALICE}', '0x3333333333333333333333333333333333333333')`);
    // Swap the metered bytes of one module for another's.
    tamper(dir, `UPDATE policy_modules SET metered = (SELECT metered FROM policy_modules WHERE sha256 = '${other}') WHERE sha256 = '${sha}'`);
    const again = await fixture(dir);
    expect(codeOf(() => again.store.getPolicy('limits'))).toBe('TAMPERED');
    expect(codeOf(() => again.store.meteredModule(sha))).toBe('TAMPERED');
    expect(again.store.getModule(other).name).toBe('echo');
    tamper(dir, `UPDATE policy_modules SET module = X'00' WHERE sha256 = '${other}'`);
    expect(codeOf(() => again.store.getModule(other))).toBe('TAMPERED');
    again.vault.lock();
    expect(codeOf(() => again.store.listPolicies())).toBe('VAULT_LOCKED');
  });
});
