/**
 * @module renderer/store/wallets-slice
 * Wallet connections (EIP-1193 clients of the wallet RPC) as the operator manages them: the
 * connect and pairing prompts waiting beside the signing requests (the Requests screen shows both
 * in one queue, store/queue), what the operator is about to grant on the selected prompt
 * (accounts, chain, auto-approve — in the store so the A key grants exactly what the form shows),
 * and the live connections the Settings screen lists, edits and revokes.
 *
 * Re-reads follow `wallets.changed` the way requests-slice follows `requests.changed` (store/coalesce:
 * the first event after a quiet spell is read at once, a burst shares one trailing re-read), and an
 * answer older than the latest read is dropped.
 *
 * Holds origins, names, addresses and signer references (public), never key material or a paired
 * program's token (the program receives it; the UI never sees it).
 */
import type { EventPayload } from '../../shared/api/contract.js';
import type { SignerRef } from '../../shared/api/signing.js';
import type { WalletAccount, WalletConnection, WalletPrompt } from '../../shared/api/wallet.js';
import type { ErrorInfo, Result } from './types.js';
import type { AppState, SliceCreator } from './store.js';
import { SIGNED_OUT_CODES } from './signed-out.js';
import { isSignedIn } from './vault-slice.js';
import { decideQueueItem, selectionAfterRead, withDecided, type QueueLists } from './queue.js';
import { coalescedRefresh } from './coalesce.js';

export interface WalletChainInfo {
  readonly chainId: string;
  readonly name: string;
}

export type WalletPromptLists = QueueLists<WalletPrompt>;

/** What the operator is about to grant on one prompt. */
export interface WalletGrantDraft {
  readonly promptId: string;
  /** signerKey() of each ticked candidate, in candidate order. */
  readonly accounts: readonly string[];
  readonly chainId: string;
  readonly autoApprove: boolean;
}

export interface WalletsSlice {
  /** Undefined until the first read answers. */
  readonly walletPrompts: WalletPromptLists | undefined;
  readonly walletPromptsError: ErrorInfo | undefined;
  readonly walletConnections: readonly WalletConnection[] | undefined;
  readonly walletConnectionsError: ErrorInfo | undefined;
  /** The configured chains (first = default) and the accounts the operator may grant. */
  readonly walletChains: readonly WalletChainInfo[] | undefined;
  readonly walletCandidates: readonly WalletAccount[] | undefined;
  readonly walletChoicesError: ErrorInfo | undefined;
  /** Set once the operator touched the selected prompt's form; grantDraft() gives the defaults otherwise. */
  readonly walletDraft: WalletGrantDraft | null;
  loadWalletPrompts(): Promise<void>;
  loadWalletConnections(): Promise<void>;
  /** Chains and candidates (both change rarely: read when a prompt or an editor opens). */
  loadWalletChoices(): Promise<void>;
  onWalletsChanged(payload: EventPayload<'wallets.changed'>): void;
  setWalletDraft(prompt: WalletPrompt, patch: Partial<Omit<WalletGrantDraft, 'promptId'>>): void;
  /** Grant what the draft says (accounts, chain, auto-approve). */
  approveWalletPrompt(id: string): Promise<Result<WalletPrompt>>;
  rejectWalletPrompt(id: string, reason?: string): Promise<Result<WalletPrompt>>;
  updateWalletConnection(id: string, patch: { accounts?: readonly SignerRef[]; chainId?: string; autoApprove?: boolean }): Promise<Result<WalletConnection>>;
  revokeWalletConnection(id: string): Promise<Result<{ revoked: true }>>;
  resetWallets(): void;
}

/** A candidate's identity in forms and drafts (two accounts may share an address, never a signer). */
export function signerKey(ref: SignerRef): string {
  return ref.kind === 'key' ? `key:${ref.namespace}/${ref.keyId}` : `hd:${ref.namespace}/${ref.wallet}/${ref.account ?? 0}/${ref.change ?? 0}/${ref.index ?? 0}`;
}

/** The chain a prompt starts on: the one the client asked for when it is configured, else the default. */
export function defaultChainFor(chains: readonly WalletChainInfo[] | undefined, asked: string | null): string | undefined {
  if (asked !== null && chains?.some((c) => c.chainId === asked) === true) return asked;
  return chains?.[0]?.chainId;
}

/** The form of `prompt` as the operator sees it: their draft, or the defaults (first account, the asked-for or default chain, auto-approve off). */
export function grantDraft(s: Pick<AppState, 'walletDraft' | 'walletCandidates' | 'walletChains'>, prompt: WalletPrompt): WalletGrantDraft {
  if (s.walletDraft?.promptId === prompt.id) return s.walletDraft;
  const first = s.walletCandidates?.[0];
  return { promptId: prompt.id, accounts: first === undefined ? [] : [signerKey(first.signer)], chainId: defaultChainFor(s.walletChains, prompt.chainId) ?? '', autoApprove: false };
}

/** The signer refs a draft grants, in candidate order (ticked keys that are no longer candidates drop out). */
export function draftSigners(s: Pick<AppState, 'walletCandidates'>, draft: WalletGrantDraft): SignerRef[] {
  const ticked = new Set(draft.accounts);
  return (s.walletCandidates ?? []).filter((a) => ticked.has(signerKey(a.signer))).map((a) => a.signer);
}

/** The selected prompt can be granted now: pending, nothing on its way, an account and a chain chosen. */
export function canGrant(s: AppState, prompt: WalletPrompt): boolean {
  if (prompt.state !== 'pending' || s.requestBusy !== null) return false;
  const d = grantDraft(s, prompt);
  return draftSigners(s, d).length > 0 && (s.walletChains ?? []).some((c) => c.chainId === d.chainId);
}

export function chainName(chains: readonly WalletChainInfo[] | undefined, chainId: string): string {
  return chains?.find((c) => c.chainId === chainId)?.name ?? `Chain ${chainId}`;
}

export const createWalletsSlice: SliceCreator<WalletsSlice> = (set, get, { api, now }) => {
  let promptSeq = 0;
  let connectionSeq = 0;
  let choicesSeq = 0;

  function signedOutCheck(r: Result<unknown>): void {
    if (!r.ok && SIGNED_OUT_CODES.has(r.error.code)) void get().refreshVault();
  }

  const refresh = coalescedRefresh(() => {
    void get().loadWalletPrompts();
    // The Settings list is read when it is first shown; after that it follows the events too.
    if (get().walletConnections !== undefined) void get().loadWalletConnections();
  }, now);

  function decide(id: string, action: 'approve' | 'reject', call: () => Promise<Result<WalletPrompt>>): Promise<Result<WalletPrompt>> {
    return decideQueueItem(set, get, {
      id,
      action,
      call,
      decided(prompt) {
        const lists = get().walletPrompts;
        if (lists !== undefined) set({ walletPrompts: withDecided(lists, prompt) });
        if (get().walletDraft?.promptId === id) set({ walletDraft: null });
        if (prompt.connectionId !== null && get().walletConnections !== undefined) void get().loadWalletConnections();
      },
      refused(r) {
        signedOutCheck(r);
        // Decided elsewhere, withdrawn or expired: show what happened.
        void get().loadWalletPrompts();
      },
    });
  }

  return {
    walletPrompts: undefined,
    walletPromptsError: undefined,
    walletConnections: undefined,
    walletConnectionsError: undefined,
    walletChains: undefined,
    walletCandidates: undefined,
    walletChoicesError: undefined,
    walletDraft: null,

    async loadWalletPrompts() {
      const seq = ++promptSeq;
      refresh.markRead();
      const r = await api.walletsPrompts({});
      if (seq !== promptSeq) return;
      if (!r.ok) {
        signedOutCheck(r);
        set({ walletPromptsError: r.error });
        return;
      }
      set({ walletPrompts: r.value, walletPromptsError: undefined });
      const pick = selectionAfterRead(get());
      if (pick !== undefined) get().selectRequest(pick);
      // A prompt needs the choices to be decided: read them with the first one.
      if (r.value.pending.length > 0 && (get().walletChains === undefined || get().walletCandidates === undefined)) void get().loadWalletChoices();
    },

    async loadWalletConnections() {
      const seq = ++connectionSeq;
      const r = await api.walletsConnections({});
      if (seq !== connectionSeq) return;
      if (!r.ok) {
        signedOutCheck(r);
        set({ walletConnectionsError: r.error });
        return;
      }
      set({ walletConnections: r.value, walletConnectionsError: undefined });
    },

    async loadWalletChoices() {
      const seq = ++choicesSeq;
      const [chains, candidates] = await Promise.all([api.walletsChains({}), api.walletsCandidates({})]);
      if (seq !== choicesSeq) return;
      if (!chains.ok || !candidates.ok) {
        const failed = !chains.ok ? chains : candidates;
        signedOutCheck(failed);
        if (!failed.ok) set({ walletChoicesError: failed.error });
      }
      set({ ...(chains.ok ? { walletChains: chains.value } : {}), ...(candidates.ok ? { walletCandidates: candidates.value } : {}), ...(chains.ok && candidates.ok ? { walletChoicesError: undefined } : {}) });
    },

    onWalletsChanged() {
      if (isSignedIn(get().vault)) refresh.request();
    },

    setWalletDraft(prompt, patch) {
      set({ walletDraft: { ...grantDraft(get(), prompt), ...patch, promptId: prompt.id } });
    },

    approveWalletPrompt(id) {
      const prompt = get().walletPrompts?.pending.find((p) => p.id === id);
      if (prompt === undefined) return Promise.resolve({ ok: false, error: { code: 'NOT_FOUND', message: 'the prompt is no longer waiting' } });
      const draft = grantDraft(get(), prompt);
      const accounts = draftSigners(get(), draft);
      return decide(id, 'approve', () => api.walletsApprove({ id, accounts, chainId: draft.chainId, ...(draft.autoApprove ? { autoApprove: true } : {}) }));
    },

    rejectWalletPrompt(id, reason) {
      const text = reason?.trim() ?? '';
      return decide(id, 'reject', () => api.walletsReject({ id, ...(text === '' ? {} : { reason: text.slice(0, 500) }) }));
    },

    async updateWalletConnection(id, patch) {
      const r = await api.walletsUpdate({ id, ...(patch.accounts === undefined ? {} : { accounts: [...patch.accounts] }), ...(patch.chainId === undefined ? {} : { chainId: patch.chainId }), ...(patch.autoApprove === undefined ? {} : { autoApprove: patch.autoApprove }) });
      if (r.ok) {
        const list = get().walletConnections;
        if (list !== undefined) set({ walletConnections: list.map((c) => (c.id === id ? r.value : c)) });
      } else {
        signedOutCheck(r);
        void get().loadWalletConnections();
      }
      return r;
    },

    async revokeWalletConnection(id) {
      const r = await api.walletsRevoke({ id });
      if (r.ok) {
        const list = get().walletConnections;
        if (list !== undefined) set({ walletConnections: list.filter((c) => c.id !== id) });
      } else {
        signedOutCheck(r);
        void get().loadWalletConnections();
      }
      return r;
    },

    resetWallets() {
      refresh.cancel();
      promptSeq += 1;
      connectionSeq += 1;
      choicesSeq += 1;
      set({ walletPrompts: undefined, walletPromptsError: undefined, walletConnections: undefined, walletConnectionsError: undefined, walletChains: undefined, walletCandidates: undefined, walletChoicesError: undefined, walletDraft: null });
    },
  };
};
