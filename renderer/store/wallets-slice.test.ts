/**
 * The wallets slice against a fake API: connect and pairing prompts join the signing requests in
 * one queue (badge count, order, selection, J/K), the grant form's defaults (first account, the
 * asked-for chain when configured, auto-approve off) are what approving sends, a decision moves
 * the prompt to the history and the selection to the next item, `wallets.changed` re-reads once
 * per burst, and sign-out clears it all.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MethodInput } from '../../shared/api/contract.js';
import type { RequestRecord } from '../../shared/api/signing.js';
import type { WalletAccount, WalletPrompt } from '../../shared/api/wallet.js';
import { createAppStore } from './store.js';
import { memoryPrefs } from './prefs.js';
import { fakeApi, settle, status } from './test-support.js';
import { REFRESH_COALESCE_MS } from './coalesce.js';
import { pendingRequestCount } from './requests-slice.js';
import { pendingItems, selectedPrompt } from './queue.js';
import { canGrant, grantDraft, signerKey } from './wallets-slice.js';

/** What a request and a prompt both carry while they wait in the queue (five minutes to live). */
const waiting = (createdAt: number) => ({ state: 'pending' as const, createdAt, expiresAt: createdAt + 300_000, decidedAt: null, decidedBy: null, reason: null });

const prompt = (id: string, createdAt: number, extra: Partial<WalletPrompt> = {}): WalletPrompt => ({
  id,
  kind: 'connect',
  origin: 'https://dapp.example',
  name: 'https://dapp.example',
  code: null,
  chainId: null,
  ...waiting(createdAt),
  connectionId: null,
  ...extra,
});

const request = (id: string, createdAt: number): RequestRecord => ({
  id,
  client: { transport: 'wallet-rpc', id: 'https://dapp.example', label: 'https://dapp.example' },
  method: 'personal_sign',
  request: { type: 'eth.message', message: 'hi', encoding: 'utf8' },
  signer: { kind: 'hd', namespace: 'default', wallet: 'hd' },
  view: { chain: 'ethereum', type: 'eth.message', title: 'Sign a message (personal_sign)', network: null, signer: '0xabc', flags: [], sections: [], digest: null },
  policy: { decision: 'require-approval', reasons: [] },
  ...waiting(createdAt),
  result: null,
  error: null,
});

const accounts: WalletAccount[] = [
  { address: '0x9858EfFD232B4033E47d90003D41EC34EcaEda94', signer: { kind: 'hd', namespace: 'default', wallet: 'hd', account: 0, index: 0 }, label: 'hd · #0' },
  { address: '0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0', signer: { kind: 'hd', namespace: 'default', wallet: 'hd', account: 0, index: 1 }, label: 'hd · #1' },
];
const chains = [
  { chainId: '1', name: 'Ethereum' },
  { chainId: '11155111', name: 'Sepolia' },
];

function walletApi(prompts: WalletPrompt[], requests: RequestRecord[] = []) {
  const lists = { pending: [...prompts], history: [] as WalletPrompt[] };
  const decide = (id: string, state: 'approved' | 'rejected', reason?: string) => {
    const p = lists.pending.find((x) => x.id === id);
    if (p === undefined) throw new Error(`no pending ${id}`);
    const decided: WalletPrompt = { ...p, state, decidedAt: 2, decidedBy: 'admin', reason: reason ?? null, connectionId: state === 'approved' ? 'wc_000000000001' : null };
    lists.pending = lists.pending.filter((x) => x.id !== id);
    lists.history = [decided, ...lists.history];
    return decided;
  };
  const fake = fakeApi({
    'vault.status': () => status(true),
    'vault.lock': () => status(false),
    'namespaces.list': () => [],
    'keys.list': () => [],
    'audit.status': () => ({ size: 0, head: null, verifiedThrough: null, tampered: false }),
    'requests.list': () => ({ pending: [...requests], history: [] }),
    'wallets.prompts': () => ({ pending: [...lists.pending], history: [...lists.history] }),
    'wallets.chains': () => chains,
    'wallets.candidates': () => accounts,
    'wallets.connections': () => [],
    'wallets.approve': (input: MethodInput<'wallets.approve'>) => decide(input.id, 'approved'),
    'wallets.reject': (input: MethodInput<'wallets.reject'>) => decide(input.id, 'rejected', input.reason),
  });
  return { ...fake, lists };
}

describe('wallets slice', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('puts prompts in the queue beside requests: counted in the badge, oldest first, selected like requests', async () => {
    const { api, count } = walletApi([prompt('p1', 5), prompt('p2', 20, { kind: 'pair', origin: null, name: 'my bot', code: '482-913' })], [request('r1', 10)]);
    const store = createAppStore({ api, prefs: memoryPrefs(), now: () => Date.now() });
    const s = () => store.getState();
    await s().refreshVault();
    await settle(10);
    expect(count('wallets.prompts')).toBe(1);
    expect(pendingRequestCount(s())).toBe(3);
    expect(pendingItems(s()).map((i) => i.id)).toEqual(['p1', 'r1', 'p2']);
    // Whichever list answered first chose the selection; the other's answer does not move it under the operator.
    expect(['p1', 'r1']).toContain(s().selectedRequestId);
    s().selectRequest('p1');
    expect(selectedPrompt(s())?.id).toBe('p1');
    // The choices are read with the first prompt.
    expect(count('wallets.chains')).toBe(1);
    expect(count('wallets.candidates')).toBe(1);
    s().moveRequestSelection(1);
    expect(s().selectedRequestId).toBe('r1');
    s().moveRequestSelection(1);
    expect(s().selectedRequestId).toBe('p2');
    s().setRequestsTab('history');
    expect(s().selectedRequestId).toBeNull();
  });

  it('grants the first account on the asked-for chain by default, and what the operator ticked otherwise', async () => {
    const { api, calls } = walletApi([prompt('p1', 1, { chainId: '11155111' }), prompt('p2', 2, { chainId: '999' }), prompt('p3', 3)]);
    const store = createAppStore({ api, prefs: memoryPrefs(), now: () => Date.now() });
    const s = () => store.getState();
    await s().loadWalletPrompts();
    await s().loadWalletChoices();
    const [p1, p2, p3] = s().walletPrompts?.pending ?? [];
    if (p1 === undefined || p2 === undefined || p3 === undefined) throw new Error('prompts missing');
    expect(grantDraft(s(), p1)).toEqual({ promptId: 'p1', accounts: [signerKey(accounts[0]!.signer)], chainId: '11155111', autoApprove: false });
    expect(grantDraft(s(), p2).chainId).toBe('1'); // not configured: the default chain
    expect(canGrant(s(), p1)).toBe(true);

    s().selectRequest('p1');
    const ok = await s().approveWalletPrompt('p1');
    expect(ok.ok).toBe(true);
    expect(calls.find((c) => c.method === 'wallets.approve')?.input).toEqual({ id: 'p1', accounts: [accounts[0]!.signer], chainId: '11155111' });
    expect(s().walletPrompts?.pending.map((p) => p.id)).toEqual(['p2', 'p3']);
    expect(s().walletPrompts?.history.map((p) => [p.id, p.state])).toEqual([['p1', 'approved']]);
    expect(s().selectedRequestId).toBe('p2');

    // Untick everything: nothing to grant. Then the second account, another chain, auto-approve.
    s().setWalletDraft(p3, { accounts: [] });
    expect(canGrant(s(), p3)).toBe(false);
    s().setWalletDraft(p3, { accounts: [signerKey(accounts[1]!.signer)], chainId: '1', autoApprove: true });
    expect(grantDraft(s(), p2).accounts).toEqual([signerKey(accounts[0]!.signer)]); // a draft is per prompt
    await s().approveWalletPrompt('p3');
    expect(calls.filter((c) => c.method === 'wallets.approve').at(-1)?.input).toEqual({ id: 'p3', accounts: [accounts[1]!.signer], chainId: '1', autoApprove: true });
    expect(s().walletDraft).toBeNull();

    s().selectRequest('p2');
    s().setRequestRejecting(true);
    const rejected = await s().rejectWalletPrompt('p2', '  not my site ');
    expect(rejected.ok && rejected.value.reason).toBe('not my site');
    expect(s().requestRejecting).toBe(false);
    expect(s().selectedRequestId).toBeNull();
  });

  it('re-reads once per burst of wallets.changed, and sign-out clears prompts and cancels the re-read', async () => {
    const { api, count, lists } = walletApi([prompt('p1', 1)]);
    const store = createAppStore({ api, prefs: memoryPrefs(), now: () => Date.now() });
    const s = () => store.getState();
    await s().refreshVault();
    await settle(10);
    expect(count('wallets.prompts')).toBe(1);
    lists.pending.push(prompt('p2', 2));
    for (let i = 0; i < 10; i++) s().onWalletsChanged({ connectionId: null });
    await settle(REFRESH_COALESCE_MS * 3);
    expect(count('wallets.prompts')).toBe(2);
    expect(pendingRequestCount(s())).toBe(2);

    await s().loadWalletConnections();
    s().onWalletsChanged({ connectionId: 'wc_000000000001' });
    await s().lockVault('user');
    expect(s().walletPrompts).toBeUndefined();
    expect(s().walletConnections).toBeUndefined();
    const reads = count('wallets.prompts');
    await settle(REFRESH_COALESCE_MS * 3);
    expect(count('wallets.prompts')).toBe(reads);
  });
});
