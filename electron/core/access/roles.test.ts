/**
 * The role table, run for real: every role against every facade operation, through the facade,
 * with the expected answer written out here from the role descriptions (not read from
 * roles.ts, so a change to the table that the issue does not allow fails this test).
 */
import { describe, expect, it } from 'vitest';
import { CustodyError } from '../../../shared/errors.js';
import { FAST_KDF, PASSPHRASE, tempDir } from '../../../test/helpers.js';
import { openCustodian, type Custodian } from '../custodian.js';

const MSG = new TextEncoder().encode('role table');
const OTHER_PASS = new TextEncoder().encode('another long passphrase');

/** Columns: who is asking. Each holds exactly the grant named (none: no grant at all). */
const CALLERS = ['Admin', 'NamespaceAdmin', 'KeyAdmin', 'KeyUser', 'Auditor', 'KeyUser@beta', 'GlobalAuditor', 'none', 'token:KeyUser'] as const;
type CallerName = (typeof CALLERS)[number];

interface Fixture {
  admin: Custodian;
  n: number;
}

interface Row {
  readonly op: string;
  /** Who may do it; everyone else must get PERMISSION_DENIED. */
  readonly allowed: readonly CallerName[];
  /** Make what the operation needs (with the Admin), fresh for every caller. */
  readonly prepare?: (f: Fixture) => Promise<string>;
  readonly run: (c: Custodian, target: string) => Promise<unknown>;
  /** The error an allowed caller gets when the operation itself cannot succeed here. */
  readonly allowedCode?: string;
}

const ADMIN: CallerName[] = ['Admin'];
const KEY_ADMINS: CallerName[] = ['Admin', 'KeyAdmin'];
const KEY_USERS: CallerName[] = ['Admin', 'KeyUser', 'token:KeyUser'];
const KEY_READERS: CallerName[] = ['Admin', 'NamespaceAdmin', 'KeyAdmin', 'KeyUser', 'token:KeyUser'];
const NS_ADMINS: CallerName[] = ['Admin', 'NamespaceAdmin'];
const ANYONE: CallerName[] = [...CALLERS];
const ALPHA_MEMBERS: CallerName[] = ['Admin', 'NamespaceAdmin', 'KeyAdmin', 'KeyUser', 'Auditor', 'GlobalAuditor', 'token:KeyUser'];
const WHOLE_LOG: CallerName[] = ['Admin', 'GlobalAuditor'];

async function freshKey(f: Fixture, algorithm: 'ed25519' | 'aes-256-gcm' = 'ed25519'): Promise<string> {
  const id = `k${f.n++}`;
  await f.admin.generateKey('alpha', id, algorithm);
  return id;
}

const ROWS: readonly Row[] = [
  // keys: KeyAdmin manages, KeyUser uses, NamespaceAdmin/KeyAdmin/KeyUser read metadata
  { op: 'key.generate', allowed: KEY_ADMINS, prepare: async (f) => `g${f.n++}`, run: (c, id) => c.generateKey('alpha', id, 'ed25519') },
  { op: 'key.import', allowed: KEY_ADMINS, prepare: async (f) => `i${f.n++}`, run: (c, id) => c.importKey('alpha', id, 'aes-256-gcm', 'raw', new Uint8Array(32).fill(7)) },
  { op: 'key.rotate', allowed: KEY_ADMINS, prepare: freshKey, run: (c, id) => c.rotateKey('alpha', id) },
  { op: 'key.disable', allowed: KEY_ADMINS, prepare: freshKey, run: (c, id) => c.disableKey('alpha', id) },
  {
    op: 'key.enable',
    allowed: KEY_ADMINS,
    prepare: async (f) => {
      const id = await freshKey(f);
      await f.admin.disableKey('alpha', id);
      return id;
    },
    run: (c, id) => c.enableKey('alpha', id),
  },
  { op: 'key.schedule-deletion', allowed: KEY_ADMINS, prepare: freshKey, run: (c, id) => c.scheduleKeyDeletion('alpha', id) },
  {
    op: 'key.cancel-deletion',
    allowed: KEY_ADMINS,
    prepare: async (f) => {
      const id = await freshKey(f);
      await f.admin.scheduleKeyDeletion('alpha', id);
      return id;
    },
    run: (c, id) => c.cancelKeyDeletion('alpha', id),
  },
  {
    op: 'key.min-decrypt-version',
    allowed: KEY_ADMINS,
    prepare: async (f) => {
      const id = await freshKey(f, 'aes-256-gcm');
      await f.admin.rotateKey('alpha', id);
      return id;
    },
    run: (c, id) => c.setMinDecryptVersion('alpha', id, 2),
  },
  {
    op: 'key.export',
    allowed: KEY_ADMINS,
    prepare: async (f) => {
      const id = `x${f.n++}`;
      await f.admin.generateKey('alpha', id, 'ed25519', { exportable: true });
      return id;
    },
    run: (c, id) => c.exportKey('alpha', id, 'pkcs8'),
  },
  { op: 'key.list', allowed: KEY_READERS, run: (c) => c.listKeys({ namespace: 'alpha' }) },
  { op: 'key.get', allowed: KEY_READERS, run: (c) => c.getKey('alpha', 'sig') },
  { op: 'key.public', allowed: KEY_READERS, run: (c) => c.publicKey('alpha', 'sig', 'raw') },
  { op: 'key.acl-show', allowed: KEY_READERS, run: (c) => c.keyAcl('alpha', 'sig') },
  { op: 'key.acl', allowed: ['Admin', 'NamespaceAdmin', 'KeyAdmin'], prepare: freshKey, run: (c, id) => c.setKeyAcl('alpha', id, []) },
  // HD wallets: managed like keys, their public derivations read like keys
  { op: 'hd.create', allowed: KEY_ADMINS, prepare: async (f) => `w${f.n++}`, run: (c, id) => c.hdCreate('alpha', id, { words: 12 }) },
  { op: 'hd.derive', allowed: KEY_READERS, run: (c) => c.hdDerive('alpha', 'wallet', { chain: 'ethereum', index: 0 }) },
  { op: 'hd.derive-range', allowed: KEY_READERS, run: (c) => c.hdDeriveRange('alpha', 'wallet', { chain: 'ethereum', from: 0, count: 3 }) },
  { op: 'hd.xpub', allowed: KEY_READERS, run: (c) => c.hdXpub('alpha', 'wallet', { script: 'p2wpkh', network: 'mainnet' }) },
  // crypto with a key: KeyUser only
  { op: 'crypto.sign', allowed: KEY_USERS, run: (c) => c.sign({ namespace: 'alpha', keyId: 'sig', data: MSG }) },
  { op: 'crypto.verify', allowed: KEY_USERS, run: (c) => c.verify({ namespace: 'alpha', keyId: 'sig', data: MSG, signature: new Uint8Array(64) }) },
  { op: 'crypto.encrypt', allowed: KEY_USERS, run: (c) => c.encrypt({ namespace: 'alpha', keyId: 'aes', data: MSG }) },
  { op: 'crypto.decrypt', allowed: KEY_USERS, run: (c) => c.decrypt({ namespace: 'alpha', keyId: 'aes', data: new Uint8Array(40) }), allowedCode: 'DECRYPTION_FAILED' },
  // crypto without a key: anyone signed in
  { op: 'crypto.hash', allowed: ANYONE, run: (c) => c.hash('sha256', MSG) },
  { op: 'crypto.random', allowed: ANYONE, run: (c) => c.random(16) },
  // namespaces
  { op: 'namespace.create', allowed: ADMIN, prepare: async (f) => `ns${f.n++}`, run: (c, name) => c.createNamespace(name) },
  {
    op: 'namespace.delete',
    allowed: ADMIN,
    prepare: async (f) => {
      const name = `ns${f.n++}`;
      await f.admin.createNamespace(name);
      return name;
    },
    run: (c, name) => c.deleteNamespace(name),
  },
  { op: 'namespace.show', allowed: ALPHA_MEMBERS, run: (c) => c.showNamespace('alpha') },
  { op: 'namespace.update', allowed: NS_ADMINS, run: (c) => c.updateNamespace('alpha', { description: 'updated' }) },
  // grants and tokens inside the namespace: NamespaceAdmin; global ones: Admin
  {
    op: 'access.grant',
    allowed: NS_ADMINS,
    prepare: async (f) => {
      const name = `grantee${f.n++}`;
      await f.admin.addOperator(name, OTHER_PASS);
      return name;
    },
    run: (c, name) => c.grant(name, 'alpha', 'KeyUser'),
  },
  {
    op: 'access.revoke',
    allowed: NS_ADMINS,
    prepare: async (f) => {
      const name = `grantee${f.n++}`;
      await f.admin.addOperator(name, OTHER_PASS);
      await f.admin.grant(name, 'alpha', 'Auditor');
      return name;
    },
    run: (c, name) => c.revokeGrant(name, 'alpha', 'Auditor'),
  },
  {
    op: 'access.grant (global)',
    allowed: ADMIN,
    prepare: async (f) => {
      const name = `grantee${f.n++}`;
      await f.admin.addOperator(name, OTHER_PASS);
      return name;
    },
    run: (c, name) => c.grant(name, '*', 'Auditor'),
  },
  { op: 'token.create', allowed: NS_ADMINS, run: (c) => c.createToken({ label: 'ci', grants: [{ namespace: 'alpha', role: 'KeyUser' }] }) },
  { op: 'operator.add', allowed: ADMIN, prepare: async (f) => `op${f.n++}`, run: (c, name) => c.addOperator(name, OTHER_PASS) },
  {
    op: 'operator.remove',
    allowed: ADMIN,
    prepare: async (f) => {
      const name = `op${f.n++}`;
      await f.admin.addOperator(name, OTHER_PASS);
      return name;
    },
    run: (c, name) => c.removeOperator(name),
  },
  { op: 'operator.list', allowed: ADMIN, run: (c) => c.listOperators() },
  // the audit log: Auditor reads its namespace; the whole log needs Auditor on "*"
  { op: 'audit.query (alpha)', allowed: ['Admin', 'Auditor', 'GlobalAuditor'], run: (c) => c.auditQuery({ namespace: 'alpha', limit: 5 }) },
  { op: 'audit.query (all)', allowed: WHOLE_LOG, run: (c) => c.auditQuery({ limit: 5 }) },
  { op: 'audit.export', allowed: WHOLE_LOG, run: (c) => c.auditExport(() => undefined) },
  { op: 'audit.verify', allowed: WHOLE_LOG, run: (c) => c.auditVerify(false) },
  { op: 'audit.checkpoints', allowed: WHOLE_LOG, run: (c) => c.auditCheckpoints() },
  { op: 'audit.prove', allowed: WHOLE_LOG, run: (c) => c.auditInclusionProof(1) },
  { op: 'audit.acknowledge', allowed: ADMIN, run: (c) => c.auditAcknowledge(), allowedCode: 'INVALID_INPUT' },
];

async function setUp(): Promise<{ fixture: Fixture; callers: Map<CallerName, Custodian> }> {
  const dataDir = tempDir();
  const admin = await openCustodian({ dataDir, kdf: FAST_KDF });
  await admin.init(PASSPHRASE);
  await admin.createNamespace('alpha');
  await admin.createNamespace('beta');
  await admin.generateKey('alpha', 'sig', 'ed25519');
  await admin.generateKey('alpha', 'aes', 'aes-256-gcm');
  await admin.hdCreate('alpha', 'wallet', { words: 12 });
  await admin.auditCheckpoint();
  const callers = new Map<CallerName, Custodian>([['Admin', admin]]);
  const grants: Record<Exclude<CallerName, 'Admin' | 'token:KeyUser'>, [string, 'NamespaceAdmin' | 'KeyAdmin' | 'KeyUser' | 'Auditor'] | null> = {
    NamespaceAdmin: ['alpha', 'NamespaceAdmin'],
    KeyAdmin: ['alpha', 'KeyAdmin'],
    KeyUser: ['alpha', 'KeyUser'],
    Auditor: ['alpha', 'Auditor'],
    'KeyUser@beta': ['beta', 'KeyUser'],
    GlobalAuditor: ['*', 'Auditor'],
    none: null,
  };
  for (const [caller, grant] of Object.entries(grants)) {
    const name = caller.replace('@', '-at-').toLowerCase();
    await admin.addOperator(name, OTHER_PASS);
    if (grant !== null) await admin.grant(name, grant[0], grant[1]);
    callers.set(caller as CallerName, await admin.login(name, OTHER_PASS));
  }
  const { token } = await admin.createToken({ label: 'role table', grants: [{ namespace: 'alpha', role: 'KeyUser' }] });
  callers.set('token:KeyUser', await admin.authenticateToken(token));
  return { fixture: { admin, n: 0 }, callers };
}

describe('the role table, every role against every operation', () => {
  it('allows exactly what each role may do and refuses the rest with PERMISSION_DENIED', async () => {
    const { fixture, callers } = await setUp();
    const outcomes: string[] = [];
    const expected: string[] = [];
    for (const row of ROWS) {
      for (const caller of CALLERS) {
        const target = row.prepare === undefined ? '' : await row.prepare(fixture);
        let code = 'OK';
        try {
          await row.run(callers.get(caller) as Custodian, target);
        } catch (error) {
          if (!(error instanceof CustodyError)) throw error;
          code = error.code;
        }
        const allowed = row.allowed.includes(caller);
        outcomes.push(`${row.op} by ${caller}: ${code}`);
        expected.push(`${row.op} by ${caller}: ${allowed ? (row.allowedCode ?? 'OK') : 'PERMISSION_DENIED'}`);
      }
    }
    expect(outcomes).toEqual(expected);
    expect(outcomes.length).toBe(ROWS.length * CALLERS.length);

    // Every refusal is in the audit log, with who asked.
    const denied = (await fixture.admin.auditQuery({ result: 'PERMISSION_DENIED', limit: 10_000 })).length;
    expect(denied).toBe(expected.filter((e) => e.endsWith('PERMISSION_DENIED')).length);
    const keyUserDenials = await fixture.admin.auditQuery({ result: 'PERMISSION_DENIED', principal: 'keyuser', limit: 10_000 });
    expect(keyUserDenials.map((e) => e.action)).toContain('key.generate');
    await fixture.admin.close();
  });

  it('an API token cannot do what only an operator may (lock the vault)', async () => {
    const { fixture, callers } = await setUp();
    expect(await (callers.get('token:KeyUser') as Custodian).lock().then(() => 'OK', (e: CustodyError) => e.code)).toBe('PERMISSION_DENIED');
    expect(fixture.admin.status().unlocked).toBe(true);
    await (callers.get('KeyUser') as Custodian).lock(); // any operator may lock
    expect(fixture.admin.status().unlocked).toBe(false);
    await fixture.admin.close();
  });
});
