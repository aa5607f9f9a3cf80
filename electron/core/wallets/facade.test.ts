/**
 * Wallet connections through the facade, on a real vault: a browser origin asks to connect and
 * waits for the operator, who chooses accounts and chain; the origin's session signs only as those
 * accounts, each request queued for approval (or auto-approved when the operator said so); a
 * program pairs with a code and collects its token once; revocation, switching chains, tampering
 * with a stored connection, locking, and the audit trail.
 */
import { TypedDataEncoder, verifyMessage, verifyTypedData, Transaction } from 'ethers';
import { describe, expect, it } from 'vitest';
import type { SigningRequest } from '../../../shared/api/signing.js';
import { unlockedCustodian, tempDir } from '../../../test/helpers.js';
import { codeOf, codeOfAsync } from '../../../test/support.js';
import type { CoreEvent, Custodian } from '../custodian.js';
import { openDatabase } from '../vault/database.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
/** m/44'/60'/0'/0/0 and /1 of the "abandon … about" mnemonic (BIP-39 test vector, widely published). */
const ETH_0 = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
const ETH_1 = '0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0';
const ORIGIN = 'https://dapp.example';
const CHAINS = [
  { chainId: '1', name: 'Ethereum' },
  { chainId: '11155111', name: 'Sepolia' },
];
const hello: SigningRequest = { type: 'eth.message', message: 'hello from a dapp', encoding: 'utf8' };

async function setup(dataDir?: string): Promise<{ admin: Custodian; events: CoreEvent[] }> {
  const admin = await unlockedCustodian({ walletChains: CHAINS, ...(dataDir === undefined ? {} : { dataDir }) });
  await admin.hdImport('default', 'hd', ABANDON);
  const events: CoreEvent[] = [];
  admin.subscribe((e) => events.push(e));
  return { admin, events };
}

async function pendingPrompt(c: Custodian): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const [first] = c.walletPrompts().pending;
    if (first !== undefined) return first.id;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('no pending prompt');
}

async function pendingRequest(c: Custodian): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const [first] = c.listRequests().pending;
    if (first !== undefined) return first.id;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('no pending request');
}

/** Connect ORIGIN with HD account index 0 (and optionally more), approved by the operator. */
async function connect(admin: Custodian, options: { autoApprove?: boolean; indexes?: number[] } = {}) {
  const waiting = admin.walletRequestConnection({ origin: ORIGIN });
  const id = await pendingPrompt(admin);
  await admin.approveWalletPrompt(id, {
    accounts: (options.indexes ?? [0]).map((index) => ({ kind: 'hd', namespace: 'default', wallet: 'hd', account: 0, index })),
    chainId: '1',
    ...(options.autoApprove === undefined ? {} : { autoApprove: options.autoApprove }),
  });
  return waiting;
}

describe('browser origins connect through a prompt', () => {
  it('the origin waits for the operator, then its session signs as the granted account after approval', async () => {
    const { admin, events } = await setup();
    expect(admin.walletSession({ kind: 'origin', origin: ORIGIN })).toBeNull();
    const candidates = await admin.walletCandidates();
    expect(candidates.slice(0, 2).map((c) => c.address)).toEqual([ETH_0, ETH_1]);
    expect(candidates[0]?.label).toBe("default/hd · m/44'/60'/0'/0/0");

    const waiting = admin.walletRequestConnection({ origin: ORIGIN, chainId: '11155111' });
    const promptId = await pendingPrompt(admin);
    // Asking again while the prompt is pending joins it.
    const again = admin.walletRequestConnection({ origin: ORIGIN });
    expect(admin.walletPrompts().pending).toHaveLength(1);
    expect(admin.walletPrompts().pending[0]).toMatchObject({ kind: 'connect', origin: ORIGIN, name: ORIGIN, code: null, chainId: '11155111', state: 'pending' });
    const approved = await admin.approveWalletPrompt(promptId, { accounts: [{ kind: 'hd', namespace: 'default', wallet: 'hd', index: 0 }], chainId: '11155111' });
    expect(approved).toMatchObject({ state: 'approved', decidedBy: 'admin' });
    const connection = await waiting;
    expect(connection).toMatchObject({ kind: 'origin', origin: ORIGIN, chainId: '11155111', autoApprove: false, createdBy: 'admin', accounts: [{ address: ETH_0, signer: { kind: 'hd', wallet: 'hd', account: 0, index: 0 } }] });
    expect((await again).id).toBe(connection.id);
    expect(approved.connectionId).toBe(connection.id);

    const session = admin.walletSession({ kind: 'origin', origin: ORIGIN });
    expect(session?.connection()).toEqual(connection);
    const signed = session?.sign({ method: 'personal_sign', request: hello, address: ETH_0.toLowerCase() });
    const requestId = await pendingRequest(admin);
    expect(admin.listRequests().pending[0]).toMatchObject({ client: { transport: 'wallet-rpc', id: connection.id, label: ORIGIN }, method: 'personal_sign' });
    await admin.approveRequest(requestId);
    const { result } = (await signed) ?? { result: null };
    expect(verifyMessage('hello from a dapp', result?.primary.value ?? '')).toBe(ETH_0);

    const log = await admin.auditQuery({ limit: 30, descending: true });
    expect(log.find((e) => e.action === 'wallet.connect-request')).toMatchObject({ result: 'ok', principal: 'anonymous', client: { transport: 'wallet-rpc', origin: ORIGIN } });
    expect(log.find((e) => e.action === 'wallet.connect-approve')).toMatchObject({ result: 'ok', principal: 'admin', details: { connectionId: connection.id, accounts: ETH_0 } });
    expect(log.find((e) => e.action === 'eth.sign-message')).toMatchObject({ result: 'ok', principal: `wallet:${connection.id}`, client: { origin: ORIGIN, connectionId: connection.id } });
    expect(events.some((e) => e.type === 'wallets.changed' && e.connectionId === connection.id)).toBe(true);
    await admin.close();
  });

  it('the session signs only as its accounts, only Ethereum, only on its chain; typed data and transactions verify', async () => {
    const { admin } = await setup();
    await connect(admin, { autoApprove: true });
    const session = admin.walletSession({ kind: 'origin', origin: ORIGIN });
    if (session === null) throw new Error('no session');
    expect(await codeOfAsync(session.sign({ method: 'personal_sign', request: hello, address: ETH_1 }))).toBe('PERMISSION_DENIED');
    expect(await codeOfAsync(session.sign({ method: 'x', request: { type: 'sol.message', message: 'hi', signer: 'x' } as unknown as SigningRequest, address: ETH_0 }))).toBe('INVALID_INPUT');
    const tx = { to: ETH_1, value: '1000', nonce: 0, gasLimit: 21000, maxFeePerGas: '2000000000', maxPriorityFeePerGas: '1000000000', type: 2 };
    expect(await codeOfAsync(session.sign({ method: 'eth_signTransaction', request: { type: 'eth.transaction', transaction: JSON.stringify(tx), chainId: '5' }, address: ETH_0 }))).toBe('INVALID_INPUT');
    expect(admin.listRequests().pending).toHaveLength(0);

    // Auto-approve: signed at once, decided by auto:<connection>.
    const { record, result } = await session.sign({ method: 'eth_signTransaction', request: { type: 'eth.transaction', transaction: JSON.stringify(tx) }, address: ETH_0 });
    expect(record).toMatchObject({ state: 'signed', decidedBy: `auto:${session.connectionId}` });
    const parsed = Transaction.from(result.primary.value);
    expect(parsed.from).toBe(ETH_0);
    expect(parsed.chainId).toBe(1n);

    const typed = {
      types: { EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'chainId', type: 'uint256' }], Mail: [{ name: 'contents', type: 'string' }] },
      primaryType: 'Mail',
      domain: { name: 'Custos test', chainId: 1 },
      message: { contents: 'hello' },
    };
    const sig = await session.sign({ method: 'eth_signTypedData_v4', request: { type: 'eth.typedData', typedData: JSON.stringify(typed), chainId: '1' }, address: ETH_0 });
    expect(verifyTypedData(typed.domain, { Mail: typed.types.Mail }, typed.message, sig.result.primary.value)).toBe(ETH_0);
    expect(TypedDataEncoder.hash(typed.domain, { Mail: typed.types.Mail }, typed.message)).toBe(sig.record.view.digest?.value);
    expect(await codeOfAsync(session.sign({ method: 'eth_signTypedData_v4', request: { type: 'eth.typedData', typedData: JSON.stringify(typed), chainId: '11155111' }, address: ETH_0 }))).toBe('INVALID_INPUT');
    const refused = (await admin.auditQuery({ action: 'request.submit', result: 'PERMISSION_DENIED' }))[0];
    expect(refused).toMatchObject({ principal: `wallet:${session.connectionId}` });
    await admin.close();
  });

  it('rejection is USER_REJECTED; a client that goes away withdraws its prompt; expiry is EXPIRED', async () => {
    const { admin } = await setup();
    const outcome = codeOfAsync(admin.walletRequestConnection({ origin: ORIGIN }));
    await admin.rejectWalletPrompt(await pendingPrompt(admin), 'unknown site');
    expect(await outcome).toBe('USER_REJECTED');
    expect(admin.walletPrompts().history[0]).toMatchObject({ state: 'rejected', reason: 'unknown site', decidedBy: 'admin' });

    const abort = new AbortController();
    const gone = codeOfAsync(admin.walletRequestConnection({ origin: 'http://localhost:5173', signal: abort.signal }));
    const id = await pendingPrompt(admin);
    abort.abort();
    expect(await gone).toBe('USER_REJECTED');
    expect(admin.walletPrompts().history[0]).toMatchObject({ id, state: 'rejected', decidedBy: 'system' });
    expect(await codeOfAsync(admin.approveWalletPrompt(id, { accounts: [{ kind: 'hd', namespace: 'default', wallet: 'hd' }], chainId: '1' }))).toBe('CONFLICT');
    expect(admin.walletConnections()).toHaveLength(0);
    await admin.close();
  });

  it('origins are checked; chains must be configured; the grant needs key use', async () => {
    const { admin } = await setup();
    for (const origin of ['null', 'file:///tmp/x.html', 'https://dapp.example/', 'https://dapp.example/path', 'javascript:alert(1)', '']) {
      expect(await codeOfAsync(admin.walletRequestConnection({ origin }))).toBe('INVALID_INPUT');
      expect(codeOf(() => admin.walletSession({ kind: 'origin', origin }))).toBe('INVALID_INPUT');
    }
    const waiting = codeOfAsync(admin.walletRequestConnection({ origin: ORIGIN }));
    const id = await pendingPrompt(admin);
    expect(await codeOfAsync(admin.approveWalletPrompt(id, { accounts: [{ kind: 'hd', namespace: 'default', wallet: 'hd' }], chainId: '5' }))).toBe('NOT_FOUND');
    expect(await codeOfAsync(admin.approveWalletPrompt(id, { accounts: [{ kind: 'key', namespace: 'default', keyId: 'missing' }], chainId: '1' }))).toBe('NOT_FOUND');
    await admin.generateKey('default', 'ed', 'ed25519');
    expect(await codeOfAsync(admin.approveWalletPrompt(id, { accounts: [{ kind: 'key', namespace: 'default', keyId: 'ed' }], chainId: '1' }))).toBe('WRONG_KEY_TYPE');
    // Still pending after every refusal: nothing half-done.
    expect(admin.walletPrompts().pending).toHaveLength(1);
    expect(admin.walletConnections()).toHaveLength(0);
    // An operator without key use in the namespace cannot grant it.
    await admin.addOperator('bob', new TextEncoder().encode('bob passphrase that is long enough'));
    const bob = await admin.login('bob', new TextEncoder().encode('bob passphrase that is long enough'));
    expect(await codeOfAsync(bob.approveWalletPrompt(id, { accounts: [{ kind: 'hd', namespace: 'default', wallet: 'hd' }], chainId: '1' }))).toBe('PERMISSION_DENIED');
    await admin.rejectWalletPrompt(id);
    expect(await waiting).toBe('USER_REJECTED');
    await admin.close();
  });
});

describe('programs pair with a code', () => {
  it('the program shows a code, the operator confirms, the program collects its token once and signs with it', async () => {
    const { admin } = await setup();
    const { pairingId, code, expiresAt } = await admin.walletRequestPairing({ name: 'deploy script' });
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/u);
    expect(expiresAt).toBeGreaterThan(Date.now());
    const [prompt] = admin.walletPrompts().pending;
    expect(prompt).toMatchObject({ kind: 'pair', name: 'deploy script', code, origin: null });
    expect(JSON.stringify(admin.walletPrompts())).not.toContain(pairingId);
    expect(await codeOfAsync(admin.walletAwaitPairing({ pairingId: 'guess' }))).toBe('NOT_FOUND');

    const waiting = admin.walletAwaitPairing({ pairingId });
    await admin.approveWalletPrompt(prompt?.id ?? '', { accounts: [{ kind: 'hd', namespace: 'default', wallet: 'hd', index: 1 }], chainId: '11155111', autoApprove: true });
    const { token, connection } = await waiting;
    expect(token).toMatch(/^cwc_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/u);
    expect(connection).toMatchObject({ kind: 'paired', origin: null, name: 'deploy script', chainId: '11155111', autoApprove: true, accounts: [{ address: ETH_1 }] });
    expect(token.slice(4, 16)).toBe(connection.id.slice(3));
    // Collected once: the secret opens nothing any more.
    expect(await codeOfAsync(admin.walletAwaitPairing({ pairingId }))).toBe('NOT_FOUND');

    const session = admin.walletSession({ kind: 'token', token });
    const { result } = (await session?.sign({ method: 'personal_sign', request: hello, address: ETH_1 })) ?? { result: null };
    expect(verifyMessage('hello from a dapp', result?.primary.value ?? '')).toBe(ETH_1);
    // A wrong secret or a malformed token is no session.
    expect(admin.walletSession({ kind: 'token', token: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}` })).toBeNull();
    expect(admin.walletSession({ kind: 'token', token: 'cst_nonsense' })).toBeNull();
    const log = JSON.stringify(await admin.auditQuery({ limit: 50 }));
    expect(log).not.toContain(token.slice(17));
    expect(log).not.toContain(pairingId);
    await admin.close();
  });

  it('names are checked; a rejected pairing is USER_REJECTED; locking answers everyone waiting', async () => {
    const { admin } = await setup();
    for (const name of ['', ' ', 'a'.repeat(65), 'two\nlines']) expect(await codeOfAsync(admin.walletRequestPairing({ name }))).toBe('INVALID_INPUT');
    const first = await admin.walletRequestPairing({ name: 'bot' });
    const rejected = codeOfAsync(admin.walletAwaitPairing({ pairingId: first.pairingId }));
    await admin.rejectWalletPrompt(admin.walletPrompts().pending[0]?.id ?? '');
    expect(await rejected).toBe('USER_REJECTED');

    const second = await admin.walletRequestPairing({ name: 'bot' });
    const locked = codeOfAsync(admin.walletAwaitPairing({ pairingId: second.pairingId }));
    const site = codeOfAsync(admin.walletRequestConnection({ origin: ORIGIN }));
    await pendingPrompt(admin);
    await admin.lock();
    expect(await locked).toBe('USER_REJECTED');
    expect(await site).toBe('USER_REJECTED');
    expect(codeOf(() => admin.walletSession({ kind: 'origin', origin: ORIGIN }))).toBe('VAULT_LOCKED');
    await admin.close();
  });
});

describe('connections are the operator’s to change', () => {
  it('switching chains, updating accounts and auto-approve, revoking; events for each', async () => {
    const { admin, events } = await setup();
    const connection = await connect(admin);
    const session = admin.walletSession({ kind: 'origin', origin: ORIGIN });
    if (session === null) throw new Error('no session');
    expect(await codeOfAsync(session.switchChain('5'))).toBe('NOT_FOUND');
    expect((await session.switchChain('11155111')).chainId).toBe('11155111');
    const updated = await admin.updateWalletConnection(connection.id, { accounts: [{ kind: 'hd', namespace: 'default', wallet: 'hd', index: 1 }, { kind: 'hd', namespace: 'default', wallet: 'hd', index: 0 }], autoApprove: true });
    expect(updated.accounts.map((a) => a.address)).toEqual([ETH_1, ETH_0]);
    expect(session.connection()).toMatchObject({ autoApprove: true, chainId: '11155111' });
    expect(admin.walletConnections().map((c) => c.id)).toEqual([connection.id]);

    await admin.revokeWalletConnection(connection.id);
    expect(codeOf(() => session.connection())).toBe('UNAUTHENTICATED');
    expect(await codeOfAsync(session.sign({ method: 'personal_sign', request: hello, address: ETH_0 }))).toBe('UNAUTHENTICATED');
    expect(admin.walletSession({ kind: 'origin', origin: ORIGIN })).toBeNull();
    expect(await codeOfAsync(admin.revokeWalletConnection(connection.id))).toBe('NOT_FOUND');
    const changed = events.filter((e) => e.type === 'wallets.changed' && e.connectionId === connection.id);
    expect(changed.length).toBeGreaterThanOrEqual(4);
    const actions = (await admin.auditQuery({ limit: 40 })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['wallet.switch-chain', 'wallet.connection-update', 'wallet.connection-revoke']));
    await admin.close();
  });

  it('a client may give up its own connection; a second grant for an origin replaces the first', async () => {
    const { admin } = await setup();
    const first = await connect(admin);
    const second = await admin.walletRequestConnection({ origin: ORIGIN });
    expect(second.id).toBe(first.id); // connected already: no prompt
    await admin.walletSession({ kind: 'origin', origin: ORIGIN })?.disconnect();
    expect(admin.walletConnections()).toHaveLength(0);
    const third = await connect(admin, { indexes: [1] });
    expect(third.id).not.toBe(first.id);
    expect(admin.walletConnections().map((c) => c.accounts[0]?.address)).toEqual([ETH_1]);
    await admin.close();
  });

  it('a connection row edited in the database file connects nobody: TAMPERED', async () => {
    const dataDir = tempDir();
    const { admin } = await setup(dataDir);
    const connection = await connect(admin);
    const db = openDatabase(dataDir);
    db.prepare('UPDATE wallet_connections SET auto_approve = 1 WHERE id = ?').run(connection.id);
    db.close();
    expect(codeOf(() => admin.walletSession({ kind: 'origin', origin: ORIGIN }))).toBe('TAMPERED');
    expect(codeOf(() => admin.walletConnections())).toBe('TAMPERED');
    await admin.close();
  });

  it('a wallet session cannot do what operators do; tokens cannot see prompts', async () => {
    const { admin } = await setup();
    await connect(admin);
    const { token } = await admin.createToken({ label: 'ci', grants: [{ namespace: 'default', role: 'KeyUser' }] });
    const program = await admin.forTransport({ transport: 'hsm' }).authenticateToken(token);
    expect(codeOf(() => program.walletPrompts())).toBe('PERMISSION_DENIED');
    expect(codeOf(() => program.walletConnections())).toBe('PERMISSION_DENIED');
    expect(await codeOfAsync(program.revokeWalletConnection(admin.walletConnections()[0]?.id ?? ''))).toBe('PERMISSION_DENIED');
    await admin.close();
  });
});
