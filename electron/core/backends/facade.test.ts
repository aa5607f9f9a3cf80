/**
 * Device keys through the facade: a real SoftHSM2 token and the Ledger Ethereum-app simulator,
 * wired by the production createDeviceManager. Keys that never leave the device sign through the
 * same facade as vault keys — the same roles, policies, queue and audit — and what they sign is
 * verified with node:crypto and ethers, not with our own code.
 */
import Database from 'better-sqlite3';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transaction, verifyMessage, verifyTypedData } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustodyError } from '../../../shared/errors.js';
import { FAST_KDF, PASSPHRASE } from '../../../test/helpers.js';
import { openCustodian, type CoreEvent, type Custodian } from '../custodian.js';
import { createDeviceManager } from './index.js';
import { EthereumAppSimulator } from './ledger/simulator.js';
import type { LedgerTransportSource } from './ledger/discovery.js';
import { createTestToken, pkcs11Tool, SOFTHSM_MODULE, type TestToken } from './pkcs11/test-token.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const ADDRESS = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
const TX = { type: 2, chainId: 1, nonce: 1, to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', value: '1000000000000000', gasLimit: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000' };

/** A data directory that lives for the whole describe block (test/helpers' tempDir is removed after each test). */
function blockDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'custos-devices-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CustodyError) return e.code;
    throw e;
  }
  return 'ok';
}

describe('PKCS#11 token keys through the facade (SoftHSM2)', () => {
  let token: TestToken;
  let c: Custodian;
  const backend = 'pkcs11:facade';
  const dataDir = blockDir();
  beforeAll(async () => {
    token = await createTestToken('facade');
    c = await openCustodian({ dataDir, kdf: FAST_KDF, devices: createDeviceManager({ pkcs11Modules: [SOFTHSM_MODULE], ledger: false }) });
    await c.init(PASSPHRASE);
  });
  afterAll(async () => {
    await c.close();
  });

  it('lists the token, logs in with its PIN (a wrong one refused), generates and signs on it', async () => {
    expect(await c.deviceList()).toEqual(expect.arrayContaining([expect.objectContaining({ backend, kind: 'pkcs11', label: 'facade', status: expect.objectContaining({ state: 'login-required' }) })]));
    expect(await code(c.deviceGenerate({ backend, namespace: 'default', id: 'p256', algorithm: 'ecdsa-p256' }))).toBe('UNAUTHENTICATED');
    expect(await code(c.deviceLogin(backend, new TextEncoder().encode('0000')))).toBe('PIN_INCORRECT');
    expect((await c.deviceLogin(backend, token.pin())).status.state).toBe('ready');

    const p256 = await c.deviceGenerate({ backend, namespace: 'default', id: 'p256', algorithm: 'ecdsa-p256' });
    expect(p256).toMatchObject({ id: 'p256', backend, exportable: false, origin: 'generated' });
    expect((await c.listKeys({ namespace: 'default' })).map((k) => `${k.id}:${k.backend ?? 'software'}`)).toEqual(['p256:pkcs11:facade']);
    const data = new TextEncoder().encode('signed on the token');
    const { signature } = await c.sign({ namespace: 'default', keyId: 'p256', data, hash: 'sha256' });
    const pem = new TextDecoder().decode((await c.publicKey('default', 'p256', 'pem')).publicKey);
    expect(nodeVerify('sha256', data, createPublicKey(pem), signature)).toBe(true);
    expect(await c.verify({ namespace: 'default', keyId: 'p256', data, signature, hash: 'sha256' })).toEqual({ valid: true, keyVersion: 1 });
    // Many at once (the token's signing thread answers them in batches): each signature is its own data's.
    const many = Array.from({ length: 40 }, (_, i) => new TextEncoder().encode(`message ${i}`));
    const signatures = await Promise.all(many.map((d) => c.sign({ namespace: 'default', keyId: 'p256', data: d, hash: 'sha256' })));
    signatures.forEach((s, i) => expect(nodeVerify('sha256', many[i] as Uint8Array, createPublicKey(pem), s.signature), `signature ${i}`).toBe(true));
    expect(await c.verify({ namespace: 'default', keyId: 'p256', data: new Uint8Array([0]), signature, hash: 'sha256' })).toEqual({ valid: false, keyVersion: 1 });
    // The key is on the token, where an independent client sees it.
    expect(pkcs11Tool(['--token-label', 'facade', '--login', '--pin', token.pinText, '--list-objects', '--type', 'privkey']).toString()).toContain('default/p256');

    // Ethereum with a secp256k1 key on the token: ethers recovers the token key's address.
    const eth = await c.deviceGenerate({ backend, namespace: 'default', id: 'eth', algorithm: 'ecdsa-secp256k1' });
    const { address } = await c.ethAddress({ namespace: 'default', keyId: 'eth' });
    const signed = await c.ethSignTransaction({ namespace: 'default', keyId: 'eth' }, TX);
    expect(Transaction.from(signed.rawTransaction).from).toBe(address);
    const message = await c.ethSignMessage({ namespace: 'default', keyId: 'eth' }, new TextEncoder().encode('hello token'));
    expect(verifyMessage('hello token', message.signature)).toBe(address);
    expect(eth.backend).toBe(backend);
  });

  it('adopts a key pkcs11-tool made, by label and by id; one id names one key; state, forget and tampering', async () => {
    pkcs11Tool(['--token-label', 'facade', '--login', '--pin', token.pinText, '--keypairgen', '--key-type', 'EC:prime256v1', '--label', 'made-elsewhere', '--id', '0a0b']);
    const adopted = await c.deviceAdopt({ backend, namespace: 'default', id: 'adopted', label: 'made-elsewhere' });
    expect(adopted).toMatchObject({ origin: 'imported', backend });
    expect(await code(c.deviceAdopt({ backend, namespace: 'default', id: 'again', handle: '0a0b' }))).toBe('ALREADY_EXISTS');
    expect(await code(c.generateKey('default', 'adopted', 'ed25519'))).toBe('ALREADY_EXISTS');
    const data = new TextEncoder().encode('adopted');
    const sig = await c.sign({ namespace: 'default', keyId: 'adopted', data, hash: 'sha256' });
    const pem = new TextDecoder().decode((await c.publicKey('default', 'adopted', 'pem')).publicKey);
    expect(nodeVerify('sha256', data, createPublicKey(pem), sig.signature)).toBe(true);
    expect((await c.deviceKeys(backend)).find((k) => k.handle === '0a0b')?.referencedBy).toEqual([{ namespace: 'default', id: 'adopted' }]);

    await c.disableKey('default', 'adopted');
    expect(await code(c.sign({ namespace: 'default', keyId: 'adopted', data, hash: 'sha256' }))).toBe('KEY_DISABLED');
    await c.enableKey('default', 'adopted');
    expect(await code(c.scheduleKeyDeletion('default', 'adopted'))).toBe('UNSUPPORTED');
    await c.deviceForget('default', 'adopted');
    expect((await c.listKeys({ namespace: 'default' })).map((k) => k.id)).not.toContain('adopted');
    // Forgotten, not deleted: still on the token.
    expect((await c.deviceKeys(backend)).some((k) => k.handle === '0a0b')).toBe(true);

    // A reference redirected in the database file is TAMPERED, never used.
    const db = new Database(join(dataDir, 'custos.db'));
    const { handle } = db.prepare("SELECT handle FROM device_keys WHERE id = 'p256'").get() as { handle: string };
    db.prepare("UPDATE device_keys SET handle = '0a0b' WHERE id = 'p256'").run();
    expect(await code(c.sign({ namespace: 'default', keyId: 'p256', data, hash: 'sha256' }))).toBe('TAMPERED');
    // Put back as it was, it verifies again (the MAC covers exactly the reference).
    db.prepare("UPDATE device_keys SET handle = ? WHERE id = 'p256'").run(handle);
    db.close();
    expect(await code(c.sign({ namespace: 'default', keyId: 'p256', data, hash: 'sha256' }))).toBe('ok');
  });

  it('a KeyUser may sign with a token key but not generate or adopt; every step is audited without the PIN', async () => {
    await c.createNamespace('ops');
    await c.addOperator('carol', new TextEncoder().encode('carol has a long passphrase'));
    await c.grant('carol', 'ops', 'KeyUser');
    await c.deviceGenerate({ backend, namespace: 'ops', id: 'k', algorithm: 'ecdsa-p256' });
    // A namespace that references device keys is not empty, and its quota counts them.
    expect(await code(c.deleteNamespace('ops'))).toBe('NOT_EMPTY');
    await c.updateNamespace('ops', { maxKeys: 1 });
    const onToken = (await c.deviceKeys(backend)).length;
    expect(await code(c.deviceGenerate({ backend, namespace: 'ops', id: 'second', algorithm: 'ecdsa-p256' }))).toBe('QUOTA_EXCEEDED');
    expect((await c.deviceKeys(backend)).length).toBe(onToken); // refused before the token made anything
    await c.updateNamespace('ops', { maxKeys: null });
    const carol = await c.login('carol', new TextEncoder().encode('carol has a long passphrase'));
    expect(await code(carol.deviceGenerate({ backend, namespace: 'ops', id: 'mine', algorithm: 'ecdsa-p256' }))).toBe('PERMISSION_DENIED');
    expect(await code(carol.sign({ namespace: 'ops', keyId: 'k', data: new Uint8Array([1]), hash: 'sha256' }))).toBe('ok');
    const events = await c.auditQuery({ limit: 1000 });
    expect(events.map((e) => `${e.action}:${e.result}`)).toEqual(expect.arrayContaining(['device.login:PIN_INCORRECT', 'device.login:ok', 'key.generate:ok', 'key.adopt:ok', 'crypto.sign:ok', 'key.generate:PERMISSION_DENIED']));
    expect(JSON.stringify(events)).not.toContain(token.pinText === '1234' ? '"1234"' : token.pinText);
  });
});

describe('Ledger keys through the facade (Ethereum-app simulator)', () => {
  let device: EthereumAppSimulator;
  let c: Custodian;
  const events: CoreEvent[] = [];
  const backend = 'ledger:/dev/hidraw7';
  const dataDir = blockDir();
  beforeAll(async () => {
    device = new EthereumAppSimulator({ mnemonic: ABANDON });
    const source: LedgerTransportSource = {
      listen(observer) {
        setImmediate(() => observer.next({ type: 'add', descriptor: '/dev/hidraw7' }));
        return () => undefined;
      },
      open: () => Promise.resolve(device),
    };
    c = await openCustodian({ dataDir, kdf: FAST_KDF, devices: createDeviceManager({ pkcs11Modules: [], ledger: true, ledgerSource: () => source }) });
    await c.init(PASSPHRASE);
    c.subscribe((e) => events.push(e));
    await c.deviceList(); // starts discovery
    for (let i = 0; i < 100 && (await c.deviceList()).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  });
  afterAll(async () => {
    await c.close();
  });

  it('adopts an account by path and signs a transaction, a message and typed data on the device; ethers verifies', async () => {
    expect((await c.deviceList()).map((d) => d.backend)).toEqual([backend]);
    expect(await c.ledgerAddress(backend, "m/44'/60'/0'/0/0")).toEqual({ address: ADDRESS, path: "m/44'/60'/0'/0/0" });
    const key = await c.deviceAdopt({ backend, namespace: 'default', id: 'ledger', handle: "m/44'/60'/0'/0/0" });
    expect(key).toMatchObject({ algorithm: 'ecdsa-secp256k1', backend });
    expect(await c.ethAddress({ namespace: 'default', keyId: 'ledger' })).toEqual({ address: ADDRESS, path: "m/44'/60'/0'/0/0" });

    const signed = await c.ethSignTransaction({ namespace: 'default', keyId: 'ledger' }, TX);
    expect(Transaction.from(signed.rawTransaction).from).toBe(ADDRESS);
    const legacy = await c.ethSignTransaction({ namespace: 'default', keyId: 'ledger' }, { type: 0, chainId: 11155111, nonce: 2, to: TX.to, value: '1', gasLimit: 21000, gasPrice: '1000000000' });
    expect(Transaction.from(legacy.rawTransaction)).toMatchObject({ from: ADDRESS, chainId: 11155111n });
    const message = await c.ethSignMessage({ namespace: 'default', keyId: 'ledger' }, new TextEncoder().encode('hello ledger'));
    expect(verifyMessage('hello ledger', message.signature)).toBe(ADDRESS);
    const typed = {
      types: { EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'chainId', type: 'uint256' }], Mail: [{ name: 'from', type: 'address' }, { name: 'contents', type: 'string' }] },
      primaryType: 'Mail',
      domain: { name: 'Ether Mail', chainId: 1 },
      message: { from: ADDRESS, contents: 'Hello, Bob!' },
    };
    const sig = await c.ethSignTypedData({ namespace: 'default', keyId: 'ledger' }, typed, { expectedChainId: 1 });
    expect(verifyTypedData(typed.domain, { Mail: typed.types.Mail }, typed.message, sig.signature)).toBe(ADDRESS);
    // The GUI heard "confirm on your Ledger" and its end, for each request.
    const confirms = events.filter((e) => e.type === 'devices.confirm');
    expect(confirms.filter((e) => e.type === 'devices.confirm' && e.active)).toHaveLength(4);
    expect(confirms.at(-1)).toMatchObject({ active: false, backend });
  });

  it('a rejection on the device is USER_REJECTED; a cancel from Custos stops the wait; a blind EIP-712 needs a policy', async () => {
    device.confirm = () => false;
    expect(await code(c.ethSignMessage({ namespace: 'default', keyId: 'ledger' }, new TextEncoder().encode('no')))).toBe('USER_REJECTED');
    device.confirm = () => new Promise((r) => setTimeout(() => r(true), 300));
    const waiting = code(c.ethSignMessage({ namespace: 'default', keyId: 'ledger' }, new TextEncoder().encode('slow')));
    for (let i = 0; i < 100 && !(await c.deviceCancel(backend)); i++) await new Promise((r) => setTimeout(r, 5));
    expect(await waiting).toBe('DISCONNECTED');
    await new Promise((r) => setTimeout(r, 400)); // the device answers the abandoned request; then it is free again
    device.confirm = () => true;
    device.fullEip712 = false;
    const typed = { types: { EIP712Domain: [{ name: 'chainId', type: 'uint256' }], T: [{ name: 'x', type: 'uint256' }] }, primaryType: 'T', domain: { chainId: 1 }, message: { x: 1 } };
    expect(await code(c.ethSignTypedData({ namespace: 'default', keyId: 'ledger' }, typed, { expectedChainId: 1 }))).toBe('BLIND_SIGNING_DISABLED');
    await c.putPolicy({ name: 'allow-blind', kind: 'rules', scope: { kind: 'global' }, rules: [{ type: 'blindSigning', unknownTypedData: false, ethSign: false, unknownCalldata: false, nonDefaultSighash: false }] });
    const blind = await c.ethSignTypedData({ namespace: 'default', keyId: 'ledger' }, typed, { expectedChainId: 1 });
    expect(verifyTypedData(typed.domain, { T: typed.types.T }, typed.message, blind.signature)).toBe(ADDRESS);
    device.fullEip712 = true;
    await c.removePolicy('allow-blind');
  });

  it("a program's request for the Ledger key waits in the queue like any other, and the device signs it", async () => {
    const { token } = await c.createToken({ label: 'dapp', grants: [{ namespace: 'default', role: 'KeyUser' }] });
    const program = await c.authenticateToken(token);
    const done = program.submitSigningRequest({ client: { transport: 'test', id: 'dapp', label: 'dapp' }, method: 'personal_sign', request: { type: 'eth.message', message: 'from the queue', encoding: 'utf8' }, signer: { kind: 'key', namespace: 'default', keyId: 'ledger' } });
    let pending = c.listRequests().pending;
    for (let i = 0; i < 200 && pending.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
      pending = c.listRequests().pending;
    }
    expect(pending[0]?.view.signer).toBe(ADDRESS);
    await c.approveRequest(pending[0]?.id as string);
    const { result } = await done;
    expect(verifyMessage('from the queue', result.primary.value)).toBe(ADDRESS);
  });
});
