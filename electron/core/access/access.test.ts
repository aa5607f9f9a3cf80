/**
 * Access control through the facade: operators with their own key slots, sessions and their
 * idle timeout, per-principal lockout, API tokens, rate limits, per-key ACLs, namespace quotas
 * and deletion, and MACed grant rows.
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CustodyError } from '../../../shared/errors.js';
import { FakeClock, FAST_KDF, PASSPHRASE, tempDir } from '../../../test/helpers.js';
import { codeOfAsync } from '../../../test/support.js';
import { openCustodian, type CoreOptions, type Custodian } from '../custodian.js';
import { databasePath } from '../vault/database.js';

const MSG = new TextEncoder().encode('access');
const BOB_PASS = new TextEncoder().encode('bob has a long passphrase');
const WRONG = new TextEncoder().encode('not the passphrase at all');

async function vault(options: Partial<CoreOptions> = {}): Promise<{ admin: Custodian; dataDir: string }> {
  const dataDir = options.dataDir ?? tempDir();
  const admin = await openCustodian({ dataDir, kdf: FAST_KDF, ...options });
  await admin.init(PASSPHRASE);
  await admin.generateKey('default', 'sig', 'ed25519');
  return { admin, dataDir };
}

describe('operators', () => {
  it('each operator unlocks the vault with their own passphrase; removing one ends their sessions and their slot', async () => {
    const { admin, dataDir } = await vault();
    await admin.addOperator('bob', BOB_PASS);
    await admin.grant('bob', 'default', 'KeyUser');
    expect(await codeOfAsync(admin.addOperator('bob', BOB_PASS))).toBe('ALREADY_EXISTS');
    expect(await codeOfAsync(admin.addOperator('has space', BOB_PASS))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(admin.addOperator('system', BOB_PASS))).toBe('INVALID_INPUT');
    await admin.close();

    // Bob's passphrase alone opens a locked vault (his own slot wraps the same master key).
    const c = await openCustodian({ dataDir, kdf: FAST_KDF });
    await c.unlock(BOB_PASS, 'bob');
    expect(c.whoami()).toMatchObject({ kind: 'operator', principal: 'bob', admin: false, grants: [{ namespace: 'default', role: 'KeyUser' }] });
    expect((await c.sign({ namespace: 'default', keyId: 'sig', data: MSG })).signature.length).toBe(64);
    expect(await codeOfAsync(c.generateKey('default', 'nope', 'ed25519'))).toBe('PERMISSION_DENIED');
    expect(await codeOfAsync(c.login('admin', BOB_PASS))).toBe('PASSPHRASE_INCORRECT');
    const a = await c.login('admin', PASSPHRASE);
    expect(a.whoami().admin).toBe(true);
    expect((await a.listOperators()).map((o) => o.name)).toEqual(['admin', 'bob']);

    // The last Admin cannot be removed or demoted; bob's removal ends his session at once.
    expect(await codeOfAsync(a.removeOperator('admin'))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(a.revokeGrant('admin', '*', 'Admin'))).toBe('INVALID_INPUT');
    await a.removeOperator('bob');
    expect(await codeOfAsync(c.sign({ namespace: 'default', keyId: 'sig', data: MSG }))).toBe('SESSION_EXPIRED');
    expect(await codeOfAsync(a.login('bob', BOB_PASS))).toBe('PASSPHRASE_INCORRECT');
    // A new operator of the same name inherits nothing from the old one.
    await a.addOperator('bob', BOB_PASS);
    expect((await a.listGrants({ principal: 'bob' })).length).toBe(0);
    await a.changePassphrase(BOB_PASS, WRONG, 'bob');
    expect(await codeOfAsync(a.login('bob', BOB_PASS))).toBe('PASSPHRASE_INCORRECT');
    expect((await a.login('bob', WRONG)).whoami().principal).toBe('bob');
    await a.close();
  });

  it('locks out one operator after repeated failures without locking out the others, and records no typed name', async () => {
    const clock = new FakeClock();
    const lockout = { freeAttempts: 3, baseDelayMs: 10_000, maxDelayMs: 60_000, windowMs: 60_000 };
    const { admin } = await vault({ clock, lockout });
    await admin.addOperator('bob', BOB_PASS);
    for (let i = 0; i < 3; i++) expect(await codeOfAsync(admin.login('bob', WRONG))).toBe('PASSPHRASE_INCORRECT');
    expect(await codeOfAsync(admin.login('bob', BOB_PASS))).toBe('LOCKED_OUT');
    expect(admin.status('bob').lockedUntil).toBe(clock.t + 10_000);
    expect(admin.status('admin').lockedUntil).toBe(0);
    expect((await admin.login('admin', PASSPHRASE)).whoami().principal).toBe('admin');
    clock.advance(10_000);
    expect((await admin.login('bob', BOB_PASS)).whoami().principal).toBe('bob');

    // Failures spread wider than the window never add up to a lockout.
    for (let i = 0; i < 5; i++) {
      expect(await codeOfAsync(admin.login('bob', WRONG))).toBe('PASSPHRASE_INCORRECT');
      if (i % 2 === 1) clock.advance(61_000);
    }
    expect(admin.status('bob').lockedUntil).toBe(0);

    // Someone types a passphrase into the name field: the audit log says "unknown".
    expect(await codeOfAsync(admin.login('correct-horse-battery', PASSPHRASE))).toBe('PASSPHRASE_INCORRECT');
    const failed = await admin.auditQuery({ action: 'vault.unlock', result: 'PASSPHRASE_INCORRECT', limit: 100 });
    expect(failed.map((e) => e.principal)).toContain('unknown');
    expect(JSON.stringify(failed)).not.toContain('correct-horse-battery');
    expect(failed.filter((e) => e.principal === 'bob').length).toBe(8);
    await admin.close();
  });

  it('an operator session ends after the idle timeout; activity keeps it alive', async () => {
    const clock = new FakeClock();
    const { admin } = await vault({ clock, access: { sessionIdleMs: 60_000 } });
    for (let i = 0; i < 5; i++) {
      clock.advance(50_000);
      await admin.getKey('default', 'sig');
    }
    expect(admin.whoami().sessionExpiresAt).toBe(clock.t + 60_000);
    clock.advance(60_001);
    expect(await codeOfAsync(admin.getKey('default', 'sig'))).toBe('SESSION_EXPIRED');
    expect(await codeOfAsync(admin.getKey('default', 'sig'))).toBe('SESSION_EXPIRED');
    await admin.unlock(PASSPHRASE);
    expect((await admin.getKey('default', 'sig')).id).toBe('sig');
    const expired = await admin.auditQuery({ result: 'SESSION_EXPIRED', limit: 10 });
    expect(expired.length).toBe(2);
    await admin.logout();
    expect(await codeOfAsync(admin.getKey('default', 'sig'))).toBe('UNAUTHENTICATED');
    await admin.close();
  });

  it('nothing works before sign-in; a locked vault says so', async () => {
    const dataDir = tempDir();
    const first = await openCustodian({ dataDir, kdf: FAST_KDF });
    expect(await codeOfAsync(first.listKeys())).toBe('VAULT_NOT_INITIALIZED');
    await first.init(PASSPHRASE);
    const anonymous = first.forTransport({ transport: 'test' });
    expect(await codeOfAsync(anonymous.listKeys())).toBe('UNAUTHENTICATED');
    expect(await codeOfAsync(anonymous.sign({ namespace: 'default', keyId: 'sig', data: MSG }))).toBe('UNAUTHENTICATED');
    expect(() => anonymous.auditStatus()).toThrow(CustodyError);
    const refused = await first.auditQuery({ result: 'UNAUTHENTICATED', limit: 10 });
    expect(refused.map((e) => [e.principal, e.client.transport])).toEqual([
      ['anonymous', 'test'],
      ['anonymous', 'test'],
    ]);
    await first.lock();
    expect(await codeOfAsync(first.listKeys())).toBe('VAULT_LOCKED');
    await first.close();
  });
});

describe('API tokens', () => {
  it('are shown once, stored only as a hash, bound to their roles, and revocable', async () => {
    const { admin, dataDir } = await vault();
    const { token, info } = await admin.createToken({ label: 'ci signer', grants: [{ namespace: 'default', role: 'KeyUser' }] });
    expect(token).toMatch(/^cst_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(info).toMatchObject({ id: `tok_${token.slice(4, 16)}`, principal: `token:tok_${token.slice(4, 16)}`, label: 'ci signer', createdBy: 'admin', revokedAt: null });
    expect(JSON.stringify(await admin.listTokens())).not.toContain(token.slice(17));
    // Neither the database nor the audit log holds the secret.
    const db = readFileSync(databasePath(dataDir));
    expect(db.includes(Buffer.from(token.slice(17)))).toBe(false);
    expect(JSON.stringify(await admin.auditQuery({ limit: 1000 }))).not.toContain(token.slice(17));

    const t = await admin.authenticateToken(token);
    expect(t.whoami()).toMatchObject({ kind: 'token', principal: info.principal, admin: false });
    expect((await t.sign({ namespace: 'default', keyId: 'sig', data: MSG })).signature.length).toBe(64);
    expect(await codeOfAsync(t.generateKey('default', 'x', 'ed25519'))).toBe('PERMISSION_DENIED');
    expect(await codeOfAsync(t.addOperator('eve', BOB_PASS))).toBe('PERMISSION_DENIED');
    const signed = (await admin.auditQuery({ action: 'crypto.sign', limit: 10 })).at(-1);
    expect(signed).toMatchObject({ principal: info.principal, client: { tokenId: info.id } });

    // Wrong secrets, malformed tokens, revoked tokens: UNAUTHENTICATED, audited.
    const wrong = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(await codeOfAsync(admin.authenticateToken(wrong))).toBe('UNAUTHENTICATED');
    expect(await codeOfAsync(admin.authenticateToken('Bearer nonsense'))).toBe('UNAUTHENTICATED');
    expect(await codeOfAsync(admin.createToken({ label: 'x', grants: [{ namespace: '*', role: 'Admin' }] }))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(admin.createToken({ label: 'x', grants: [] }))).toBe('INVALID_INPUT');
    await admin.revokeToken(info.id);
    expect(await codeOfAsync(t.sign({ namespace: 'default', keyId: 'sig', data: MSG }))).toBe('UNAUTHENTICATED');
    expect(await codeOfAsync(admin.authenticateToken(token))).toBe('UNAUTHENTICATED');
    expect((await admin.listTokens())[0]).toMatchObject({ revokedBy: 'admin', grants: [] });
    const failures = await admin.auditQuery({ action: 'auth.token', limit: 10 });
    expect(failures.map((e) => [e.principal, e.details.reason])).toEqual([
      [info.principal, 'wrong secret'],
      ['unknown', 'malformed'],
      [info.principal, 'revoked'],
    ]);
    await admin.close();
  });

  it('a token revoked by another process (another connection to the vault) is refused on its next call', async () => {
    const { admin, dataDir } = await vault();
    const { token, info } = await admin.createToken({ label: 'server', grants: [{ namespace: 'default', role: 'KeyUser' }] });
    const t = await admin.authenticateToken(token);
    await t.sign({ namespace: 'default', keyId: 'sig', data: MSG }); // liveness now cached
    const other = await openCustodian({ dataDir, kdf: FAST_KDF });
    await other.unlock(PASSPHRASE);
    await other.revokeToken(info.id);
    expect(await codeOfAsync(t.sign({ namespace: 'default', keyId: 'sig', data: MSG }))).toBe('UNAUTHENTICATED');
    await other.close();
    await admin.close();
  });

  it('expire; a NamespaceAdmin creates and revokes tokens only inside their namespace', async () => {
    const clock = new FakeClock();
    const { admin } = await vault({ clock });
    await admin.createNamespace('pay');
    await admin.addOperator('nsa', BOB_PASS);
    await admin.grant('nsa', 'pay', 'NamespaceAdmin');
    const nsa = await admin.login('nsa', BOB_PASS);
    expect(await codeOfAsync(nsa.createToken({ label: 'x', grants: [{ namespace: 'default', role: 'KeyUser' }] }))).toBe('PERMISSION_DENIED');
    const { token, info } = await nsa.createToken({ label: 'pay bot', grants: [{ namespace: 'pay', role: 'KeyUser' }], expiresAt: clock.t + 3_600_000 });
    const other = await admin.createToken({ label: 'admin bot', grants: [{ namespace: 'default', role: 'KeyUser' }] });
    expect((await nsa.listTokens()).map((x) => x.id)).toEqual([info.id]);
    expect(await codeOfAsync(nsa.revokeToken(other.info.id))).toBe('PERMISSION_DENIED');
    expect(await codeOfAsync(admin.createToken({ label: 'x', grants: [{ namespace: 'pay', role: 'KeyUser' }], expiresAt: clock.t - 1 }))).toBe('INVALID_INPUT');
    const t = await admin.authenticateToken(token);
    expect((await t.listNamespaces()).map((n) => n.name)).toEqual(['pay']);
    clock.advance(3_600_000);
    expect(await codeOfAsync(t.listNamespaces())).toBe('UNAUTHENTICATED');
    expect(await codeOfAsync(admin.authenticateToken(token))).toBe('UNAUTHENTICATED');
    await admin.close();
  });

  it('a token presented with wrong secrets is locked out like an operator', async () => {
    const { admin } = await vault({ lockout: { freeAttempts: 2, baseDelayMs: 60_000, maxDelayMs: 60_000, windowMs: 60_000 } });
    const { token } = await admin.createToken({ label: 'x', grants: [{ namespace: 'default', role: 'KeyUser' }] });
    const wrong = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(await codeOfAsync(admin.authenticateToken(wrong))).toBe('UNAUTHENTICATED');
    expect(await codeOfAsync(admin.authenticateToken(wrong))).toBe('UNAUTHENTICATED');
    expect(await codeOfAsync(admin.authenticateToken(token))).toBe('LOCKED_OUT');
    await admin.close();
  });
});

describe('rate limits', () => {
  it('per principal and per namespace, answered RATE_LIMITED and audited', async () => {
    const clock = new FakeClock();
    const { admin } = await vault({ clock, access: { principalRatePerS: 2, principalBurst: 3, namespaces: { slow: { rateLimitPerS: 1 } } } });
    clock.advance(10_000); // refill after the set-up's own calls
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) codes.push(await codeOfAsync(admin.getKey('default', 'sig')));
    expect(codes).toEqual(['OK', 'OK', 'OK', 'RATE_LIMITED']);
    clock.advance(500); // one token back at 2/s
    expect(await codeOfAsync(admin.getKey('default', 'sig'))).toBe('OK');
    expect(await codeOfAsync(admin.getKey('default', 'sig'))).toBe('RATE_LIMITED');
    expect((await admin.auditQuery({ result: 'RATE_LIMITED', limit: 10 }).catch(() => [])).length).toBe(0); // the query itself is limited
    clock.advance(10_000);
    expect((await admin.auditQuery({ result: 'RATE_LIMITED', limit: 10 })).map((e) => e.action)).toEqual(['key.get', 'key.get', 'audit.query']);

    // The namespace bucket is shared by everyone using it.
    await admin.createNamespace('slow');
    await admin.addOperator('bob', BOB_PASS);
    clock.advance(10_000);
    await admin.grant('bob', 'slow', 'KeyAdmin');
    const bob = await admin.login('bob', BOB_PASS);
    clock.advance(10_000);
    expect(await codeOfAsync(bob.listKeys({ namespace: 'slow' }))).toBe('OK');
    expect(await codeOfAsync(admin.listKeys({ namespace: 'slow' }))).toBe('RATE_LIMITED');
    await admin.close();
  });
});

describe('per-key ACLs', () => {
  it('narrow KeyUsers to the principals named; an empty list removes the ACL', async () => {
    const { admin } = await vault();
    for (const name of ['alice', 'bob']) {
      await admin.addOperator(name, BOB_PASS);
      await admin.grant(name, 'default', 'KeyUser');
    }
    const alice = await admin.login('alice', BOB_PASS);
    const bob = await admin.login('bob', BOB_PASS);
    expect(await admin.setKeyAcl('default', 'sig', ['alice'])).toEqual(['alice']);
    expect(await codeOfAsync(alice.sign({ namespace: 'default', keyId: 'sig', data: MSG }))).toBe('OK');
    expect(await codeOfAsync(bob.sign({ namespace: 'default', keyId: 'sig', data: MSG }))).toBe('PERMISSION_DENIED');
    expect(await codeOfAsync(admin.setKeyAcl('default', 'sig', ['nobody']))).toBe('NOT_FOUND');
    expect(await codeOfAsync(admin.setKeyAcl('default', 'missing', ['alice']))).toBe('NOT_FOUND');
    expect(await codeOfAsync(alice.setKeyAcl('default', 'sig', ['alice', 'bob']))).toBe('PERMISSION_DENIED');
    expect(await bob.keyAcl('default', 'sig')).toEqual(['alice']);
    expect(await admin.setKeyAcl('default', 'sig', [])).toEqual([]);
    expect(await codeOfAsync(bob.sign({ namespace: 'default', keyId: 'sig', data: MSG }))).toBe('OK');
    await admin.close();
  });
});

describe('namespaces', () => {
  it('quota, description, show, update; the configuration file overrides the stored quota', async () => {
    const dataDir = tempDir();
    const { admin } = await vault({ dataDir });
    await admin.createNamespace('pay', { description: 'payments', maxKeys: 2 });
    await admin.generateKey('pay', 'a', 'ed25519');
    await admin.importKey('pay', 'b', 'aes-256-gcm', 'raw', new Uint8Array(32).fill(1));
    expect(await codeOfAsync(admin.generateKey('pay', 'c', 'ed25519'))).toBe('QUOTA_EXCEEDED');
    expect(await codeOfAsync(admin.importKey('pay', 'c', 'aes-256-gcm', 'raw', new Uint8Array(32)))).toBe('QUOTA_EXCEEDED');
    expect((await admin.listKeys({ namespace: 'pay' })).map((k) => k.id)).toEqual(['a', 'b']); // the refused keys left nothing behind
    expect(await admin.showNamespace('pay')).toMatchObject({ name: 'pay', description: 'payments', maxKeys: 2, keyCount: 2 });
    expect(await admin.updateNamespace('pay', { maxKeys: 3 })).toMatchObject({ maxKeys: 3, description: 'payments' });
    await admin.generateKey('pay', 'c', 'ed25519');
    expect(await codeOfAsync(admin.updateNamespace('pay', { maxKeys: 0 }))).toBe('INVALID_INPUT');
    await admin.close();

    const configured = await openCustodian({ dataDir, kdf: FAST_KDF, access: { namespaces: { pay: { maxKeys: 1, description: 'from the file' } } } });
    await configured.unlock(PASSPHRASE);
    expect(await configured.showNamespace('pay')).toMatchObject({ maxKeys: 1, description: 'from the file', keyCount: 3 });
    expect(await codeOfAsync(configured.generateKey('pay', 'd', 'ed25519'))).toBe('QUOTA_EXCEEDED');
    // A change the file would silently override is refused, naming the key to edit instead.
    await expect(configured.updateNamespace('pay', { maxKeys: 10 })).rejects.toThrow(/namespaces\.pay\.max_keys/);
    await configured.close();
  });

  it('deletes only empty namespaces (destroyed keys do not count), never default; grants go with it', async () => {
    const clock = new FakeClock();
    const { admin } = await vault({ clock, access: { sessionIdleMs: 30 * 24 * 3600 * 1000 } });
    await admin.createNamespace('tmp');
    await admin.addOperator('bob', BOB_PASS);
    await admin.grant('bob', 'tmp', 'KeyUser');
    await admin.generateKey('tmp', 'k', 'ed25519');
    expect(await codeOfAsync(admin.deleteNamespace('tmp'))).toBe('NOT_EMPTY');
    expect(await codeOfAsync(admin.deleteNamespace('default'))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(admin.deleteNamespace('missing'))).toBe('NOT_FOUND');
    await admin.scheduleKeyDeletion('tmp', 'k', 24 * 3600 * 1000);
    expect(await codeOfAsync(admin.deleteNamespace('tmp'))).toBe('NOT_EMPTY'); // pending deletion still holds material
    clock.advance(24 * 3600 * 1000);
    expect((await admin.getKey('tmp', 'k')).state).toBe('destroyed');
    await admin.deleteNamespace('tmp');
    expect((await admin.listNamespaces()).map((n) => n.name)).toEqual(['default']);
    expect(await admin.listGrants({ principal: 'bob' })).toEqual([]);
    expect(admin.integrityCheck()).toBe('ok');
    await admin.createNamespace('tmp'); // the name is free again, with nothing left over
    expect((await admin.listKeys({ namespace: 'tmp' })).length).toBe(0);
    await admin.close();
  });

  it('lists only the namespaces a caller holds a role in', async () => {
    const { admin } = await vault();
    await admin.createNamespace('a');
    await admin.createNamespace('b');
    await admin.addOperator('bob', BOB_PASS);
    await admin.grant('bob', 'b', 'Auditor');
    const bob = await admin.login('bob', BOB_PASS);
    expect((await bob.listNamespaces()).map((n) => n.name)).toEqual(['b']);
    expect((await admin.listNamespaces()).map((n) => n.name)).toEqual(['a', 'b', 'default']);
    expect(await codeOfAsync(bob.showNamespace('a'))).toBe('PERMISSION_DENIED');
    await admin.close();
  });
});

describe('grant rows are authenticated', () => {
  it('a grant written into the file by hand is TAMPERED, not a grant', async () => {
    const { admin, dataDir } = await vault();
    await admin.addOperator('bob', BOB_PASS);
    await admin.close();
    const db = new Database(databasePath(dataDir));
    db.prepare("INSERT INTO grants (principal, namespace, role, created_at, created_by, record_mac) VALUES ('bob', '*', 'Admin', 1, 'admin', x'00')").run();
    db.close();
    const c = await openCustodian({ dataDir, kdf: FAST_KDF });
    await c.unlock(BOB_PASS, 'bob');
    const error = await c.listKeys().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TAMPERED' });
    expect((error as CustodyError).message).toContain('grant of Admin on * to bob');
    await c.close();
  });
});
