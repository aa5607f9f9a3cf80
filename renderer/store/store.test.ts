/**
 * The store against a fake API: signing in loads the slices and signing out clears them; the
 * keys slice does not re-read on the echo of its own reads (the core announces keys.changed after
 * reads too), and the audit tail does not chase the events its own queries append — while both
 * still follow changes made elsewhere. The request queue re-reads once per burst of
 * `requests.changed`, decisions move requests to the history, and sign-out clears it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MethodName } from '../../shared/api/contract.js';
import { createAppStore } from './store.js';
import { memoryPrefs } from './prefs.js';
import { fakeApi, settle, status } from './test-support.js';
import type { AuditEvent, HdWalletInfo, KeyInfo } from './types.js';
import type { RequestRecord } from '../../shared/api/signing.js';
import { canApprove, pendingRequestCount, REFRESH_COALESCE_MS } from './requests-slice.js';

const key = (id: string): KeyInfo => ({
  namespace: 'default',
  id,
  algorithm: 'ed25519',
  kind: 'private',
  state: 'active',
  exportable: false,
  origin: 'generated',
  backend: 'software',
  primaryVersion: 1,
  minDecryptVersion: 1,
  createdAt: 0,
  updatedAt: 0,
  deletionAt: null,
  versions: [{ version: 1, createdAt: 0, destroyed: false }],
});

const event = (seq: number): AuditEvent => ({ seq, time: seq, principal: 'admin', namespace: null, action: 'audit.query', keyId: null, keyVersion: null, result: 'ok', requestId: `r${seq}`, client: {}, details: {} });

function auditHandlers(log: { size: number }) {
  return {
    'audit.status': () => ({ size: log.size, lastCheckpoint: null, verifiedSize: log.size, tampered: null, violations: 0, origin: null, publicKey: null }),
    // Like the core: every query is itself audited, after it has read.
    'audit.query': (input: { afterSeq?: number; descending?: boolean }) => {
      const all = Array.from({ length: log.size }, (_, i) => event(i + 1));
      const out = input.descending === true ? all.reverse().filter((e) => input.afterSeq === undefined || e.seq < input.afterSeq) : all.filter((e) => e.seq > (input.afterSeq ?? 0));
      log.size += 1;
      return out;
    },
  } as Partial<Record<MethodName, Handler>>;
}

describe('renderer store', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('loads the slices on sign-in and clears them on sign-out', async () => {
    const log = { size: 3 };
    const { api } = fakeApi({
      'vault.status': () => status(true),
      'settings.get': () => ({ autoLockMinutes: 5, theme: 'dark', dataDir: '/d', version: '1' }),
      'namespaces.list': () => [{ name: 'default', createdAt: 0, keyCount: 1, description: '', maxKeys: null, rateLimitPerS: null }],
      'keys.list': () => [key('a')],
      'vault.lock': () => status(false),
      ...auditHandlers(log),
    });
    const store = createAppStore({ api, prefs: memoryPrefs(), now: () => Date.now() });
    await store.getState().refreshVault();
    await settle(10);
    expect(store.getState().keys?.map((k) => k.id)).toEqual(['a']);
    expect(store.getState().settings?.theme).toBe('dark');
    expect(store.getState().auditStatus?.size).toBe(3);
    await store.getState().lockVault('user');
    expect(store.getState().keys).toBeUndefined();
    expect(store.getState().auditStatus).toBeUndefined();
    expect(store.getState().lockReason).toBe('user');
  });

  it('ignores keys.changed echoes of its own reads but follows changes made elsewhere', async () => {
    const holder: { store?: ReturnType<typeof createAppStore> } = {};
    const { api, count } = fakeApi({
      'vault.status': () => status(true),
      'namespaces.list': () => [],
      // The core announces keys.changed while answering a read: the echo arrives mid-flight.
      'keys.list': () => {
        holder.store?.getState().onKeysChanged({ namespace: 'default', id: null });
        return [key('a')];
      },
      ...auditHandlers({ size: 0 }),
    });
    const store = createAppStore({ api, prefs: memoryPrefs(), now: () => Date.now() });
    holder.store = store;
    await store.getState().refreshVault();
    await settle(5000);
    expect(count('keys.list')).toBe(1); // no loop

    store.getState().onKeysChanged({ namespace: 'default', id: 'b' }); // someone else's change
    await settle(5000);
    expect(count('keys.list')).toBe(2);
    await settle(5000);
    expect(count('keys.list')).toBe(2); // and its own echo did not start another
  });

  it('tails the audit log without chasing the events its own queries append', async () => {
    const log = { size: 5 };
    const { api, count } = fakeApi({ 'vault.status': () => status(true), 'namespaces.list': () => [], 'keys.list': () => [], ...auditHandlers(log) });
    const store = createAppStore({ api, prefs: memoryPrefs(), now: () => Date.now() });
    await store.getState().refreshVault();
    await settle(10);
    store.getState().setAuditLive(true);
    await store.getState().loadAudit();
    expect(store.getState().auditEvents.map((e) => e.seq)).toEqual([5, 4, 3, 2, 1]);
    const queries = count('audit.query');

    // The announcement of our own query's event: nothing to read.
    store.getState().onAuditAppended({ size: log.size });
    await settle(3000);
    expect(count('audit.query')).toBe(queries);

    // Someone else appended two events: one tail read brings them (and our own query event).
    log.size += 2;
    store.getState().onAuditAppended({ size: log.size });
    await settle(3000);
    expect(count('audit.query')).toBe(queries + 1);
    expect(store.getState().auditEvents[0]?.seq).toBe(8);
    // Its own echo does not start another.
    store.getState().onAuditAppended({ size: log.size });
    await settle(3000);
    expect(count('audit.query')).toBe(queries + 1);
  });

  it('hands an HD mnemonic back to the caller and never keeps it; sign-out clears the wallets', async () => {
    const PHRASE = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
    const wallet = (id: string): HdWalletInfo => ({
      namespace: 'default',
      id,
      words: 12,
      language: 'english',
      hasPassphrase: false,
      exportable: true,
      state: 'active',
      origin: 'generated',
      fingerprint: '73c5da0a',
      createdAt: 1,
      updatedAt: 1,
    });
    const { api } = fakeApi({
      'vault.status': () => status(true),
      'namespaces.list': () => [],
      'keys.list': () => [],
      'hd.list': () => [wallet('a')],
      'hd.create': (input: { id: string }) => ({ info: wallet(input.id), mnemonic: PHRASE }),
      'hd.exportMnemonic': () => ({ mnemonic: PHRASE }),
      'vault.lock': () => status(false),
      ...auditHandlers({ size: 0 }),
    });
    const store = createAppStore({ api, prefs: memoryPrefs(), now: () => Date.now() });
    await store.getState().refreshVault();
    await store.getState().loadHdWallets();
    const created = await store.getState().createHdWallet({ id: 'b', words: 12, passphrase: 'extra', exportable: true });
    expect(created.ok && created.value.mnemonic).toBe(PHRASE);
    const exported = await store.getState().exportMnemonic('b', 'operator passphrase');
    expect(exported.ok && exported.value.mnemonic).toBe(PHRASE);
    expect(store.getState().hdWallets?.map((w) => w.id)).toEqual(['a', 'b']);
    const state = JSON.stringify(store.getState(), (_k, v: unknown) => (typeof v === 'function' ? undefined : v));
    expect(state).not.toContain('abandon');
    expect(state).not.toContain('extra');
    expect(state).not.toContain('operator passphrase');
    await store.getState().lockVault('user');
    expect(store.getState().hdWallets).toBeUndefined();
  });
});

describe('signing slice', () => {
  const view = { chain: 'ethereum', type: 'eth.message', title: 'Sign a message (personal_sign)', network: null, signer: '0xabc', flags: [], sections: [], digest: null } as const;

  it('signs only the reviewed draft: an edit drops the view, and sign without a view calls nothing', async () => {
    const { api, count } = fakeApi({
      'signing.describe': () => view,
      'signing.sign': (input: { request: { message: string } }) => ({ view, result: { primary: { label: 'Signature', value: `sig:${input.request.message}` }, fields: [] } }),
    });
    const store = createAppStore({ api, prefs: memoryPrefs(), now: () => Date.now() });
    const s = () => store.getState();
    s().startSigning({ kind: 'hd', namespace: 'default', wallet: 'w' }, 'eth.message');
    expect(s().screen).toBe('sign');
    s().editSignDraft({ type: 'eth.message', payload: 'hello' });
    expect(await s().signReviewed()).toBe(false); // not reviewed yet
    expect(count('signing.sign')).toBe(0);
    await s().reviewSignDraft();
    expect(s().signView?.title).toBe('Sign a message (personal_sign)');
    s().editSignDraft({ payload: 'hello!' });
    expect(s().signView).toBeUndefined();
    expect(await s().signReviewed()).toBe(false);
    await s().reviewSignDraft();
    expect(await s().signReviewed()).toBe(true);
    expect(s().signResult?.result.primary.value).toBe('sig:hello!');
    expect(count('signing.sign')).toBe(1);
  });

  it('keeps the draft type when a signer of the same chain is chosen, switches it otherwise', () => {
    const store = createAppStore({ api: fakeApi({}).api, prefs: memoryPrefs(), now: () => Date.now() });
    const s = () => store.getState();
    s().editSignDraft({ type: 'eth.typedData', payload: '{}' });
    s().startSigning({ kind: 'key', namespace: 'default', keyId: 'k' }, 'eth.transaction');
    expect(s().signDraft).toMatchObject({ type: 'eth.typedData', payload: '{}' });
    s().startSigning({ kind: 'key', namespace: 'default', keyId: 'ed' }, 'sol.transaction');
    expect(s().signDraft).toMatchObject({ type: 'sol.transaction', payload: '' });
  });
});

describe('requests slice', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const view = { chain: 'ethereum', type: 'eth.message', title: 'Sign a message (personal_sign)', network: null, signer: '0xabc', flags: [], sections: [], digest: null } as const;
  const record = (id: string, state: RequestRecord['state'] = 'pending', extra: Partial<RequestRecord> = {}): RequestRecord => ({
    id,
    client: { transport: 'wallet-rpc', id: 'https://dapp.example', label: 'https://dapp.example' },
    method: 'personal_sign',
    request: { type: 'eth.message', message: 'hi', encoding: 'utf8' },
    signer: { kind: 'hd', namespace: 'default', wallet: 'hd' },
    view,
    policy: { decision: 'require-approval', reasons: [] },
    state,
    createdAt: 1,
    expiresAt: 300_001,
    decidedAt: state === 'pending' ? null : 2,
    decidedBy: state === 'pending' ? null : 'admin',
    reason: null,
    result: null,
    error: null,
    ...extra,
  });

  /** A queue the fake API answers from, deciding like the core does. */
  function queueApi(initial: string[]) {
    const queue = { pending: initial.map((id) => record(id)), history: [] as RequestRecord[] };
    const decide = (id: string, state: 'approved' | 'rejected', reason?: string) => {
      const r = queue.pending.find((x) => x.id === id);
      if (r === undefined) throw new Error(`no pending ${id}`);
      const decided = record(id, state, { reason: reason ?? null });
      queue.pending = queue.pending.filter((x) => x.id !== id);
      queue.history = [decided, ...queue.history];
      return decided;
    };
    const fake = fakeApi({
      'vault.status': () => status(true),
      'namespaces.list': () => [],
      'keys.list': () => [],
      'vault.lock': () => status(false),
      'requests.list': () => ({ pending: [...queue.pending], history: [...queue.history] }),
      'requests.approve': (input: { id: string }) => decide(input.id, 'approved'),
      'requests.reject': (input: { id: string; reason?: string }) => decide(input.id, 'rejected', input.reason),
      ...auditHandlers({ size: 0 }),
    });
    return { ...fake, queue };
  }

  it('reads the queue on sign-in and re-reads it once for a burst of events', async () => {
    const { api, count, queue } = queueApi(['a']);
    const store = createAppStore({ api, prefs: memoryPrefs(), now: () => Date.now() });
    await store.getState().refreshVault();
    await settle(10);
    expect(count('requests.list')).toBe(1);
    expect(pendingRequestCount(store.getState())).toBe(1);
    expect(store.getState().selectedRequestId).toBe('a'); // the oldest pending one

    queue.pending.push(record('b'), record('c'));
    for (let i = 0; i < 25; i++) store.getState().onRequestsChanged({ id: i % 2 === 0 ? 'b' : 'c', state: 'pending' });
    await settle(REFRESH_COALESCE_MS * 3);
    expect(count('requests.list')).toBe(2);
    expect(store.getState().requests?.pending.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(pendingRequestCount(store.getState())).toBe(3);

    // A later change, after a quiet spell, is read at once: no timer stands between a new request and the screen.
    store.getState().onRequestsChanged({ id: 'a', state: 'expired' });
    await settle(0);
    expect(count('requests.list')).toBe(3);
  });

  it('approve and reject move the request to the history and select the next pending one', async () => {
    const { api, count } = queueApi(['a', 'b', 'c']);
    const store = createAppStore({ api, prefs: memoryPrefs(), now: () => Date.now() });
    const s = () => store.getState();
    await s().loadRequests();
    s().selectRequest('b');
    const approved = await s().approveRequest('b');
    expect(approved.ok).toBe(true);
    expect(s().requests?.pending.map((r) => r.id)).toEqual(['a', 'c']);
    expect(s().requests?.history.map((r) => [r.id, r.state])).toEqual([['b', 'approved']]);
    expect(s().selectedRequestId).toBe('c');
    expect(count('requests.approve')).toBe(1);

    s().setRequestRejecting(true);
    const rejected = await s().rejectRequest('c', '  not mine  ');
    expect(rejected.ok && rejected.value.reason).toBe('not mine');
    expect(s().requests?.pending.map((r) => r.id)).toEqual(['a']);
    expect(s().requests?.history.map((r) => [r.id, r.state])).toEqual([
      ['c', 'rejected'],
      ['b', 'approved'],
    ]);
    expect(s().selectedRequestId).toBe('a'); // no request after c: the one before it
    expect(s().requestRejecting).toBe(false);
  });

  it('an approval towards a quorum keeps the request waiting, with the approval, and closes Approve to that operator', async () => {
    const quorum = { required: 2, approvers: ['admin', 'bob'], policy: 'treasury' };
    const waiting = record('q', 'pending', { quorum, approvals: [] });
    const fake = fakeApi({
      'vault.status': () => status(true),
      'namespaces.list': () => [],
      'keys.list': () => [],
      'requests.list': () => ({ pending: [waiting, record('r', 'pending')], history: [] }),
      'requests.approve': () => record('q', 'pending', { quorum, approvals: [{ by: 'admin', at: 2 }] }),
      ...auditHandlers({ size: 0 }),
    });
    const store = createAppStore({ api: fake.api, prefs: memoryPrefs(), now: () => Date.now() });
    const s = () => store.getState();
    await s().refreshVault();
    await settle(10);
    s().selectRequest('q');
    expect(canApprove(s())).toBe(true);
    expect((await s().approveRequest('q')).ok).toBe(true);
    expect(s().requests?.pending.map((r) => [r.id, r.approvals?.length])).toEqual([
      ['q', 1],
      ['r', undefined],
    ]);
    expect(s().requests?.history).toEqual([]);
    // Still waiting for the quorum: the selection stays on it, so the count is seen to move.
    expect(s().selectedRequestId).toBe('q');
    expect(canApprove(s())).toBe(false);
  });

  it('keeps the danger acknowledgement per request and moves with J/K within the list on show', async () => {
    const { api } = queueApi(['a', 'b']);
    const store = createAppStore({ api, prefs: memoryPrefs(), now: () => Date.now() });
    const s = () => store.getState();
    await s().loadRequests();
    s().acknowledgeRequest(true);
    s().moveRequestSelection(1);
    expect(s().selectedRequestId).toBe('b');
    expect(s().requestAcknowledged).toBe(false);
    s().moveRequestSelection(1);
    expect(s().selectedRequestId).toBe('b'); // stays at the end
    s().moveRequestSelection(-1);
    expect(s().selectedRequestId).toBe('a');
  });

  it('sign-out clears the queue, drops a re-read in flight, and keeps the notification preference', async () => {
    const prefs = memoryPrefs();
    const { api, count } = queueApi(['a']);
    const store = createAppStore({ api, prefs, now: () => Date.now() });
    await store.getState().refreshVault();
    await settle(10);
    store.getState().setRequestNotify(true);
    expect(store.getState().requests?.pending).toHaveLength(1);
    store.getState().onRequestsChanged({ id: 'a', state: 'pending' });
    await store.getState().lockVault('user');
    expect(store.getState().requests).toBeUndefined();
    expect(store.getState().selectedRequestId).toBeNull();
    const reads = count('requests.list');
    await settle(REFRESH_COALESCE_MS * 3);
    expect(count('requests.list')).toBe(reads); // the scheduled re-read was cancelled
    expect(store.getState().requests).toBeUndefined();
    expect(store.getState().requestNotify).toBe(true);
    expect(prefs.get('notify')).toBe('on');
  });
});
