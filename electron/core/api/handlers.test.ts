/**
 * The handler table against the contract: every method called through `dispatch` on a real
 * vault, every output checked against its output schema, bad input refused with INVALID_INPUT.
 */
import { describe, expect, it } from 'vitest';
import { METHOD_NAMES, METHODS, type MethodName } from '../../../shared/api/contract.js';
import { FAST_KDF, tempDir } from '../../../test/helpers.js';
import { openCustodian } from '../custodian.js';
import { dispatch } from './dispatch.js';
import { createHandlers, eventFor, type Connection } from './handlers.js';
import { UiSettingsStore } from './ui-settings.js';
import type { CoreEvent } from '../custodian.js';
import { ALLOW } from '../policy/wasm/test-modules.js';
import { contextOf, ethTransfer } from '../policy/test-context.js';
import { createDeviceManager } from '../backends/index.js';
import { EthereumAppSimulator } from '../backends/ledger/simulator.js';
import { createTestToken, SOFTHSM_MODULE } from '../backends/pkcs11/test-token.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('the renderer API handler table', () => {
  it('answers every method of the contract with output that matches its schema', async () => {
    const dataDir = tempDir();
    // A real SoftHSM2 token and the Ledger simulator where USB HID would be.
    const softhsm = await createTestToken('handlers');
    const ledger = new EthereumAppSimulator({ mnemonic: 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about' });
    const devices = createDeviceManager({
      pkcs11Modules: [SOFTHSM_MODULE],
      ledger: true,
      ledgerSource: () => ({
        listen(observer) {
          setImmediate(() => observer.next({ type: 'add', descriptor: 'usb-9' }));
          return () => undefined;
        },
        open: () => Promise.resolve(ledger),
      }),
    });
    const root = await openCustodian({ dataDir, kdf: FAST_KDF, devices });
    const table = createHandlers({ settings: new UiSettingsStore(dataDir), version: '0.0.0-test' });
    const conn: Connection = { custodian: root.forTransport({ transport: 'test' }) };
    const events: CoreEvent[] = [];
    root.subscribe((e) => events.push(e));
    const seen = new Set<MethodName>();
    async function call(method: MethodName, input: unknown): Promise<unknown> {
      const r = await dispatch(table, method, input, conn);
      if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
      expect(METHODS[method].output.safeParse(r.value).success, method).toBe(true);
      seen.add(method);
      return r.value;
    }
    expect(await call('vault.status', {})).toMatchObject({ initialized: false, session: null });
    await call('vault.init', { passphrase: 'correct horse battery staple' });
    await call('namespaces.create', { name: 'ops', description: 'operations', maxKeys: 5 });
    await call('namespaces.list', {});
    await call('namespaces.show', { name: 'ops' });
    await call('keys.generate', { namespace: 'ops', id: 'sig', algorithm: 'ed25519', exportable: true });
    await call('keys.import', { namespace: 'ops', id: 'aes', algorithm: 'aes-256-gcm', format: 'raw', data: Buffer.alloc(32, 3).toString('base64') });
    await call('keys.list', { namespace: 'ops' });
    await call('keys.get', { namespace: 'ops', id: 'sig' });
    expect(await call('keys.publicKey', { namespace: 'ops', id: 'sig', format: 'pem' })).toMatchObject({ text: expect.stringContaining('BEGIN PUBLIC KEY') });
    await call('keys.publicKey', { namespace: 'ops', id: 'sig', format: 'jwk' });
    await call('keys.rotate', { namespace: 'ops', id: 'sig' });
    await call('keys.disable', { namespace: 'ops', id: 'sig' });
    await call('keys.enable', { namespace: 'ops', id: 'sig' });
    await call('keys.scheduleDeletion', { namespace: 'ops', id: 'aes', windowDays: 3 });
    await call('keys.cancelDeletion', { namespace: 'ops', id: 'aes' });
    await call('keys.export', { namespace: 'ops', id: 'sig', format: 'pkcs8' });
    const sig = (await call('crypto.sign', { namespace: 'ops', id: 'sig', data: b64('hello') })) as { signature: string };
    expect(await call('crypto.verify', { namespace: 'ops', id: 'sig', data: b64('hello'), signature: sig.signature })).toMatchObject({ valid: true });
    const ct = (await call('crypto.encrypt', { namespace: 'ops', id: 'aes', data: b64('secret') })) as { ciphertext: string };
    expect(await call('crypto.decrypt', { namespace: 'ops', id: 'aes', data: ct.ciphertext })).toMatchObject({ plaintext: b64('secret') });
    expect(await call('crypto.hash', { algorithm: 'sha256', data: b64('abc') })).toEqual({ digest: 'ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=' });
    // HD wallets: the BIP-39 test phrase gives the addresses every wallet shows for it.
    const abandon = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
    expect(await call('hd.import', { namespace: 'ops', id: 'hd', mnemonic: abandon, exportable: true })).toMatchObject({ words: 12, origin: 'imported', fingerprint: '73c5da0a' });
    expect(await call('hd.derive', { namespace: 'ops', id: 'hd', chain: 'ethereum', index: 0 })).toMatchObject({ path: "m/44'/60'/0'/0/0", address: '0x9858EfFD232B4033E47d90003D41EC34EcaEda94' });
    expect(await call('hd.derive', { namespace: 'ops', id: 'hd', chain: 'bitcoin', script: 'p2wpkh', network: 'mainnet', index: 0 })).toMatchObject({ path: "m/84'/0'/0'/0/0", address: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu' });
    expect(await call('hd.derive', { namespace: 'ops', id: 'hd', chain: 'solana', account: 0 })).toMatchObject({ path: "m/44'/501'/0'/0'", curve: 'ed25519' });
    expect(await call('hd.xpub', { namespace: 'ops', id: 'hd', chain: 'bitcoin', script: 'p2wpkh', network: 'mainnet' })).toMatchObject({
      xpub: 'zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs',
    });
    await call('hd.xpub', { namespace: 'ops', id: 'hd', chain: 'ethereum' });
    const range = (await call('hd.deriveRange', { namespace: 'ops', id: 'hd', chain: 'bitcoin', script: 'p2wpkh', network: 'mainnet', from: 0, count: 3 })) as { path: string; address: string }[];
    expect(range.map((d) => d.path)).toEqual(["m/84'/0'/0'/0/0", "m/84'/0'/0'/0/1", "m/84'/0'/0'/0/2"]);
    expect(range[0]?.address).toBe('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
    // Chain signing: the full matrix is in core/signing/requests.test.ts.
    const signer = { kind: 'hd' as const, namespace: 'ops', wallet: 'hd' };
    expect(await call('signing.address', { signer, chain: 'ethereum' })).toMatchObject({ address: '0x9858EfFD232B4033E47d90003D41EC34EcaEda94', path: "m/44'/60'/0'/0/0" });
    const request = { type: 'eth.message', message: 'hello', encoding: 'utf8' };
    expect(await call('signing.describe', { request })).toMatchObject({ chain: 'ethereum', type: 'eth.message', signer: null });
    expect(await call('signing.sign', { request, signer })).toMatchObject({ view: { signer: '0x9858EfFD232B4033E47d90003D41EC34EcaEda94' }, result: { primary: { value: expect.stringMatching(/^0x[0-9a-f]{130}$/) } } });
    // The request queue: a program's requests wait for this operator.
    const { token } = await conn.custodian.createToken({ label: 'program', grants: [{ namespace: 'ops', role: 'KeyUser' }] });
    const program = await root.forTransport({ transport: 'test' }).authenticateToken(token);
    const outcomes = [1, 2].map(() => program.submitSigningRequest({ client: { transport: 'test', id: 'p', label: 'p' }, method: 'personal_sign', request: { type: 'eth.message', message: 'hi', encoding: 'utf8' }, signer: { kind: 'hd', namespace: 'ops', wallet: 'hd' } }).then(() => 'signed', (e: { code?: string }) => e.code));
    let listed = (await call('requests.list', {})) as { pending: { id: string }[] };
    for (let i = 0; i < 100 && listed.pending.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 5));
      listed = (await call('requests.list', {})) as { pending: { id: string }[] };
    }
    const [first, second] = listed.pending as [{ id: string }, { id: string }];
    expect(await call('requests.approve', { id: first.id })).toMatchObject({ state: 'approved', decidedBy: 'admin' });
    expect(await call('requests.reject', { id: second.id, reason: 'no' })).toMatchObject({ state: 'rejected', reason: 'no' });
    expect(await Promise.all(outcomes)).toEqual(['signed', 'USER_REJECTED']);
    // Wallet connections: a site asks, the operator grants an HD account; then edits and revokes.
    expect(await call('wallets.chains', {})).toEqual([{ chainId: '1', name: 'Ethereum' }]);
    const site = root.walletRequestConnection({ origin: 'https://dapp.example' });
    let prompts = (await call('wallets.prompts', {})) as { pending: { id: string }[] };
    for (let i = 0; i < 100 && prompts.pending.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
      prompts = (await call('wallets.prompts', {})) as { pending: { id: string }[] };
    }
    const candidates = (await call('wallets.candidates', {})) as { address: string; signer: unknown }[];
    expect(candidates[0]?.address).toBe('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
    const prompt = prompts.pending[0] as { id: string };
    expect(await call('wallets.approve', { id: prompt.id, accounts: [candidates[0]?.signer], chainId: '1' })).toMatchObject({ state: 'approved' });
    const connection = await site;
    expect(await call('wallets.connections', {})).toMatchObject([{ id: connection.id, origin: 'https://dapp.example' }]);
    expect(await call('wallets.update', { id: connection.id, autoApprove: true })).toMatchObject({ autoApprove: true });
    expect(await call('wallets.revoke', { id: connection.id })).toEqual({ revoked: true });
    const pairing = await root.walletRequestPairing({ name: 'script' });
    const pairPrompt = ((await call('wallets.prompts', {})) as { pending: { id: string; code: string }[] }).pending[0];
    expect(pairPrompt?.code).toBe(pairing.code);
    expect(await call('wallets.reject', { id: pairPrompt?.id, reason: 'not mine' })).toMatchObject({ state: 'rejected', reason: 'not mine' });
    // Policies: a rules policy, a module, a dry run.
    const rules = { name: 'limit', kind: 'rules', scope: { kind: 'namespace', namespace: 'ops' }, rules: [{ type: 'valueLimit', perTransaction: '1000' }] };
    expect(await call('policies.put', { definition: rules })).toMatchObject({ definition: { name: 'limit', priority: 100, enabled: true }, createdBy: 'admin' });
    expect(await call('policies.setEnabled', { name: 'limit', enabled: false })).toMatchObject({ definition: { enabled: false } });
    const module = (await call('policies.installModule', { name: 'allow', data: Buffer.from(ALLOW).toString('base64') })) as { sha256: string };
    expect(await call('policies.list', {})).toMatchObject({ policies: [{ definition: { name: 'limit' } }], modules: [{ sha256: module.sha256, name: 'allow' }] });
    const context = contextOf(ethTransfer('5'), { signer: { namespace: 'ops', key_id: 'k', algorithm: 'secp256k1', roles: [], labels: {}, address: null } });
    expect(await call('policies.test', { context, definitions: [{ ...rules, enabled: true }] })).toMatchObject({ decision: 'deny', results: [{ name: 'limit', decision: 'deny' }] });
    expect(await call('policies.test', { context, module: Buffer.from(ALLOW).toString('base64') })).toMatchObject({ decision: 'allow', results: [{ name: 'dry-run', kind: 'wasm', logs: [{ level: 1 }] }] });
    expect(await call('policies.remove', { name: 'limit' })).toEqual({ removed: true });
    expect(await call('policies.removeModule', { sha256: module.sha256 })).toEqual({ removed: true });
    expect(await call('hd.exportMnemonic', { namespace: 'ops', id: 'hd', passphrase: 'correct horse battery staple' })).toEqual({ mnemonic: abandon });
    const created = (await call('hd.create', { namespace: 'ops', id: 'fresh', words: 12, passphrase: 'extra words' })) as { mnemonic: string; info: { hasPassphrase: boolean } };
    expect(created.mnemonic.split(' ')).toHaveLength(12);
    expect(created.info.hasPassphrase).toBe(true);
    expect(await call('hd.list', { namespace: 'ops' })).toHaveLength(2);
    expect(await call('hd.setState', { namespace: 'ops', id: 'fresh', state: 'disabled' })).toMatchObject({ state: 'disabled' });
    expect(await call('hd.get', { namespace: 'ops', id: 'fresh' })).toMatchObject({ state: 'disabled' });
    await call('hd.delete', { namespace: 'ops', id: 'fresh' });
    expect(await dispatch(table, 'hd.get', { namespace: 'ops', id: 'fresh' }, conn)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await call('audit.status', {});
    await call('audit.query', { namespace: 'ops', limit: 10 });
    await call('audit.checkpoints', {});
    await call('audit.verify', { full: true });
    await call('audit.export', {});
    await call('settings.get', {});
    expect(await call('settings.set', { theme: 'dark', autoLockMinutes: 5 })).toMatchObject({ theme: 'dark', autoLockMinutes: 5, version: '0.0.0-test' });
    // Air gap, both sides on one vault: a program's pending request goes out as an envelope, comes
    // back in as an imported request, is approved and signed, and its response answers the original.
    expect(await call('airgap.status', {})).toEqual({ airGapped: false, source: 'off', outboxPending: 0 });
    const waiting = program.submitSigningRequest({ client: { transport: 'test', id: 'p', label: 'p' }, method: 'personal_sign', request: { type: 'eth.message', message: 'across the gap', encoding: 'utf8' }, signer });
    let queued = (await call('requests.list', {})) as { pending: { id: string }[] };
    for (let i = 0; i < 100 && queued.pending.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
      queued = (await call('requests.list', {})) as { pending: { id: string }[] };
    }
    const original = queued.pending[0] as { id: string };
    const envelope = (await call('airgap.exportRequest', { requestId: original.id })) as { text: string; sha256: string; qr: { encoding: string } };
    expect(envelope.qr.encoding).toBe('text');
    expect(await call('airgap.outbox', {})).toMatchObject([{ requestId: original.id, state: 'sent', sha256: envelope.sha256 }]);
    const imported = (await call('airgap.importRequest', { envelope: envelope.text })) as { id: string; client: { transport: string }; state: string };
    expect(imported).toMatchObject({ client: { transport: 'air-gap' }, state: 'pending' });
    await call('requests.approve', { id: imported.id });
    let response: { text: string } | null = null;
    for (let i = 0; i < 100 && response === null; i++) {
      const r = await dispatch(table, 'airgap.exportResponse', { requestId: imported.id }, conn);
      if (r.ok) response = r.value as { text: string };
      else await new Promise((res) => setTimeout(res, 5));
    }
    seen.add('airgap.exportResponse');
    expect(await call('airgap.importResponse', { response: (response as { text: string }).text })).toMatchObject({ requestId: original.id, fulfilled: true });
    expect((await waiting).record).toMatchObject({ id: original.id, state: 'signed' });
    // Devices: a token (PIN, generate, adopt, its keys) and a Ledger (address, adopt); forget; cancel with nothing waiting.
    expect(await call('devices.list', {})).toEqual(expect.arrayContaining([expect.objectContaining({ backend: 'pkcs11:handlers', status: expect.objectContaining({ state: 'login-required' }) })]));
    expect(await dispatch(table, 'devices.login', { backend: 'pkcs11:handlers', pin: '0000' }, conn)).toMatchObject({ ok: false, error: { code: 'PIN_INCORRECT' } });
    expect(await call('devices.login', { backend: 'pkcs11:handlers', pin: softhsm.pinText })).toMatchObject({ status: { state: 'ready' } });
    expect(await call('devices.generate', { backend: 'pkcs11:handlers', namespace: 'ops', id: 'tok', algorithm: 'ecdsa-p256' })).toMatchObject({ backend: 'pkcs11:handlers', exportable: false });
    expect(await call('devices.keys', { backend: 'pkcs11:handlers' })).toMatchObject([{ algorithm: 'ecdsa-p256', referencedBy: [{ namespace: 'ops', id: 'tok' }] }]);
    expect(await call('keys.list', { namespace: 'ops' })).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'tok', backend: 'pkcs11:handlers' })]));
    let ledgerListed = (await call('devices.list', {})) as { backend: string }[];
    for (let i = 0; i < 100 && !ledgerListed.some((d) => d.backend === 'ledger:usb-9'); i++) {
      await new Promise((r) => setTimeout(r, 10));
      ledgerListed = (await call('devices.list', {})) as { backend: string }[];
    }
    expect(await call('devices.ledgerAddress', { backend: 'ledger:usb-9', path: "m/44'/60'/0'/0/0" })).toEqual({ address: '0x9858EfFD232B4033E47d90003D41EC34EcaEda94', path: "m/44'/60'/0'/0/0" });
    expect(await call('devices.adopt', { backend: 'ledger:usb-9', namespace: 'ops', id: 'nano', handle: "m/44'/60'/0'/0/0" })).toMatchObject({ backend: 'ledger:usb-9' });
    expect(await call('devices.forget', { namespace: 'ops', id: 'nano' })).toEqual({ forgotten: true });
    expect(await call('devices.cancel', { backend: 'ledger:usb-9' })).toEqual({ cancelled: false });
    expect(await call('devices.logout', { backend: 'pkcs11:handlers' })).toMatchObject({ status: { state: 'login-required' } });
    // Backups: create, verify, restore into a new directory, all through file paths.
    const backupPath = ((await call('backup.suggestPath', {})) as { path: string }).path.replace(/^.*\//u, `${tempDir()}/`);
    expect(await call('backup.create', { path: backupPath, backupPassphrase: 'backup passphrase for tests' })).toMatchObject({ path: backupPath, manifest: { kind: 'full', previous: null } });
    expect(await call('backup.verify', { paths: [backupPath], backupPassphrase: 'backup passphrase for tests' })).toMatchObject({ files: [{ path: backupPath, manifest: { kind: 'full' } }] });
    const restoredDir = `${tempDir()}/restored`;
    expect(await call('backup.restore', { paths: [backupPath], backupPassphrase: 'backup passphrase for tests', dataDir: restoredDir, operator: 'admin', passphrase: 'correct horse battery staple' })).toMatchObject({ dataDir: restoredDir, files: 1 });
    expect(await dispatch(table, 'backup.create', { path: backupPath, backupPassphrase: 'backup passphrase for tests' }, conn)).toMatchObject({ ok: false, error: { code: 'ALREADY_EXISTS' } });
    const split = (await call('recovery.split', { passphrase: 'correct horse battery staple', shares: 3, threshold: 2 })) as { shares: { words: string; base32: string }[] };
    expect(split.shares).toHaveLength(3);
    await call('vault.changePassphrase', { current: 'correct horse battery staple', next: 'a different long passphrase' });
    expect(await call('vault.lock', {})).toMatchObject({ unlocked: false, session: null });
    expect(await call('recovery.combine', { shares: [split.shares[0]?.words, split.shares[2]?.base32], newPassphrase: 'recovered with two shares' })).toMatchObject({ operator: 'admin', status: { unlocked: true, session: { principal: 'admin' } } });
    await call('vault.changePassphrase', { current: 'recovered with two shares', next: 'a different long passphrase' });
    expect(await call('vault.lock', {})).toMatchObject({ unlocked: false, session: null });
    expect(await call('vault.unlock', { passphrase: 'a different long passphrase' })).toMatchObject({ status: { unlocked: true, session: { principal: 'admin', admin: true } }, audit: { ok: true } });
    expect([...seen].sort()).toEqual([...METHOD_NAMES].sort());

    // Events reached the subscriber; each maps onto its contract schema for this connection.
    await new Promise((r) => setImmediate(r));
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['vault.changed', 'keys.changed', 'audit.appended', 'requests.changed', 'wallets.changed', 'policies.changed', 'airgap.changed', 'backup.progress', 'devices.changed']));
    expect(events.find((e) => e.type === 'keys.changed')).toMatchObject({ namespace: 'ops' });
    // Reads are audited (audit.appended) but change no key: no keys.changed, or a UI that reloads on it would loop.
    events.length = 0;
    await call('keys.list', { namespace: 'ops' });
    await call('keys.get', { namespace: 'ops', id: 'sig' });
    await call('namespaces.list', {});
    // HD reads too: the renderer re-reads its wallet list on keys.changed.
    await call('hd.list', { namespace: 'ops' });
    await call('hd.derive', { namespace: 'ops', id: 'hd', chain: 'ethereum', index: 1 });
    await call('hd.xpub', { namespace: 'ops', id: 'hd', chain: 'ethereum' });
    await new Promise((r) => setImmediate(r));
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['audit.appended']));
    for (const e of events) expect(eventFor(e, conn)?.name).toBe(e.type);
    // Another connection, signed in without any role, hears that the vault changed but no key names.
    await conn.custodian.addOperator('nobody', new TextEncoder().encode('nobody has a passphrase'));
    const stranger: Connection = { custodian: await conn.custodian.login('nobody', new TextEncoder().encode('nobody has a passphrase')) };
    expect(eventFor({ type: 'keys.changed', namespace: 'ops', id: 'sig' }, stranger)).toBeNull();
    expect(eventFor({ type: 'vault.changed' }, stranger)?.name).toBe('vault.changed');
    expect(eventFor({ type: 'audit.appended' }, { custodian: root.forTransport({ transport: 'test' }) })).toBeNull();
    await root.close();
  });

  it('refuses unknown methods and bad input with INVALID_INPUT, and errors as codes, never throwing', async () => {
    const dataDir = tempDir();
    const root = await openCustodian({ dataDir, kdf: FAST_KDF });
    const table = createHandlers({ settings: new UiSettingsStore(dataDir), version: 'x' });
    const conn: Connection = { custodian: root.forTransport({ transport: 'test' }) };
    expect(await dispatch(table, 'vault.destroyEverything', {}, conn)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await dispatch(table, 'keys.get', { namespace: 'a b', id: 'x' }, conn)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining('namespace') } });
    expect(await dispatch(table, 'keys.get', { namespace: 'a', id: 'x', extra: 1 }, conn)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await dispatch(table, 'crypto.hash', { algorithm: 'sha256', data: 'not base64!' }, conn)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await dispatch(table, 'hd.create', { namespace: 'a', id: 'x', words: 15 }, conn)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await dispatch(table, 'hd.derive', { namespace: 'a', id: 'x', chain: 'dogecoin' }, conn)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await dispatch(table, 'keys.list', {}, conn)).toMatchObject({ ok: false, error: { code: 'VAULT_NOT_INITIALIZED' } });
    await root.close();
  });
});
