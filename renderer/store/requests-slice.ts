/**
 * @module renderer/store/requests-slice
 * The signing-request queue as the Requests screen shows it: the pending requests programs sent
 * (oldest first), the recent history (newest first), which one is selected, and the operator's
 * decisions. Also the review state the keyboard shortcuts drive (like ui-slice's dialogs): whether
 * the selected request's danger warnings were acknowledged and whether a rejection is being
 * written, so A and R do exactly what the buttons do.
 *
 * Re-reads follow `requests.changed`, coalesced (store/coalesce: an event after a quiet spell is
 * read at once, a burst shares one trailing re-read); an answer older than the latest read is
 * dropped.
 *
 * Holds requests and results (public data: views, transactions, signatures), never key material.
 */
import type { EventPayload } from '../../shared/api/contract.js';
import type { RequestRecord } from '../../shared/api/signing.js';
import type { ErrorInfo, Result } from './types.js';
import type { AppState, SliceCreator } from './store.js';
import { SIGNED_OUT_CODES } from './signed-out.js';
import { isSignedIn } from './vault-slice.js';
import { decideQueueItem, queueItems, selectionAfterRead, withDecided, type QueueLists } from './queue.js';
import { coalescedRefresh } from './coalesce.js';

export { REFRESH_COALESCE_MS } from './coalesce.js';

export type RequestsTab = 'pending' | 'history';

export type RequestLists = QueueLists<RequestRecord>;

export interface RequestsSlice {
  /** Undefined until the first read answers. */
  readonly requests: RequestLists | undefined;
  readonly requestsError: ErrorInfo | undefined;
  readonly requestsTab: RequestsTab;
  readonly selectedRequestId: string | null;
  /** When the selection last changed (epoch ms): keyboard approval waits a moment after it. */
  readonly requestSelectedAt: number;
  /** The selected request's danger warnings were acknowledged (reset when the selection changes). */
  readonly requestAcknowledged: boolean;
  /** The reject step (reason field) is open for the selected request. */
  readonly requestRejecting: boolean;
  /** A decision on its way. */
  readonly requestBusy: { readonly id: string; readonly action: 'approve' | 'reject' } | null;
  /** The operator asked for a desktop notification when a request arrives while the window is hidden (a pref, kept over sign-out). */
  readonly requestNotify: boolean;
  setRequestNotify(on: boolean): void;
  loadRequests(): Promise<void>;
  onRequestsChanged(payload: EventPayload<'requests.changed'>): void;
  setRequestsTab(tab: RequestsTab): void;
  selectRequest(id: string | null): void;
  /** J/K, ↓/↑: the next or previous request of the list on show. */
  moveRequestSelection(step: 1 | -1): void;
  acknowledgeRequest(acknowledged: boolean): void;
  setRequestRejecting(rejecting: boolean): void;
  approveRequest(id: string): Promise<Result<RequestRecord>>;
  rejectRequest(id: string, reason?: string): Promise<Result<RequestRecord>>;
  resetRequests(): void;
}

/** The badge count: signing requests and wallet connect / pairing prompts waiting for an operator. */
export function pendingRequestCount(s: Pick<AppState, 'requests'> & Partial<Pick<AppState, 'walletPrompts'>>): number {
  return (s.requests?.pending.length ?? 0) + (s.walletPrompts?.pending.length ?? 0);
}

export function dangerCount(r: RequestRecord): number {
  return r.view.flags.filter((f) => f.level === 'danger').length;
}

/** The selected record, pending or decided. */
export function selectedRequest(s: Pick<AppState, 'requests' | 'selectedRequestId'>): RequestRecord | undefined {
  const id = s.selectedRequestId;
  if (id === null || s.requests === undefined) return undefined;
  return s.requests.pending.find((r) => r.id === id) ?? s.requests.history.find((r) => r.id === id);
}

/** Approve is possible: pending, nothing on its way, and any danger acknowledged. */
export function canApprove(s: Pick<AppState, 'requests' | 'selectedRequestId' | 'requestAcknowledged' | 'requestBusy'> & Partial<Pick<AppState, 'vault'>>, r: RequestRecord | undefined = selectedRequest(s)): boolean {
  return r !== undefined && r.state === 'pending' && s.requestBusy === null && (dangerCount(r) === 0 || s.requestAcknowledged) && !approvedBy(r, s.vault?.session?.principal);
}

/** `principal` already gave one of the approvals a policy's quorum collects (they cannot give a second). */
export function approvedBy(r: RequestRecord, principal: string | undefined): boolean {
  return principal !== undefined && (r.approvals ?? []).some((a) => a.by === principal);
}

export const createRequestsSlice: SliceCreator<RequestsSlice> = (set, get, { api, now, prefs }) => {
  let loadSeq = 0;
  const refresh = coalescedRefresh(() => void get().loadRequests(), now);

  function select(id: string | null): void {
    if (id === get().selectedRequestId) return;
    set({ selectedRequestId: id, requestSelectedAt: now(), requestAcknowledged: false, requestRejecting: false });
  }

  function signedOutCheck(r: Result<unknown>): void {
    if (!r.ok && SIGNED_OUT_CODES.has(r.error.code)) void get().refreshVault();
  }

  /** The ids on show in the current tab: requests and wallet prompts, in queue order (store/queue). */
  function shown(): readonly { id: string }[] {
    return queueItems(get(), get().requestsTab);
  }

  function decide(id: string, action: 'approve' | 'reject', call: () => Promise<Result<RequestRecord>>): Promise<Result<RequestRecord>> {
    return decideQueueItem(set, get, {
      id,
      action,
      call,
      decided(record) {
        const lists = get().requests;
        if (lists === undefined) return;
        // An approval towards a policy's quorum that does not complete it: still waiting, one approval more.
        set({ requests: record.state === 'pending' ? { ...lists, pending: lists.pending.map((x) => (x.id === record.id ? record : x)) } : withDecided(lists, record) });
      },
      refused(r) {
        signedOutCheck(r);
        // CONFLICT / NOT_FOUND / EXPIRED: someone (or the clock) decided first; show what happened.
        void get().loadRequests();
      },
      stillPending: (record) => record.state === 'pending',
    });
  }

  return {
    requests: undefined,
    requestsError: undefined,
    requestsTab: 'pending',
    selectedRequestId: null,
    requestSelectedAt: 0,
    requestAcknowledged: false,
    requestRejecting: false,
    requestBusy: null,
    requestNotify: prefs.get('notify') === 'on',

    setRequestNotify(on) {
      prefs.set('notify', on ? 'on' : 'off');
      set({ requestNotify: on });
    },

    async loadRequests() {
      const seq = ++loadSeq;
      refresh.markRead();
      const r = await api.requestsList({});
      if (seq !== loadSeq) return;
      if (!r.ok) {
        signedOutCheck(r);
        set({ requestsError: r.error });
        return;
      }
      set({ requests: r.value, requestsError: undefined });
      // Keep the selection while its item exists (a decided one moves to the history, still
      // selected, so the operator sees what became of it); else the oldest pending one.
      const pick = selectionAfterRead(get());
      if (pick !== undefined) select(pick);
    },

    onRequestsChanged() {
      // Signed out: nothing to follow (signing in reads the list afresh).
      if (isSignedIn(get().vault)) refresh.request();
    },

    setRequestsTab(tab) {
      if (tab === get().requestsTab) return;
      set({ requestsTab: tab });
      const list = shown();
      if (!list.some((r) => r.id === get().selectedRequestId)) select(list[0]?.id ?? null);
    },

    selectRequest: select,

    moveRequestSelection(step) {
      const list = shown();
      if (list.length === 0) return;
      const i = list.findIndex((r) => r.id === get().selectedRequestId);
      const j = i < 0 ? (step === 1 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, i + step));
      select(list[j]?.id ?? null);
    },

    acknowledgeRequest: (requestAcknowledged) => set({ requestAcknowledged }),
    setRequestRejecting: (requestRejecting) => set({ requestRejecting }),

    approveRequest(id) {
      return decide(id, 'approve', () => api.requestsApprove({ id }));
    },

    rejectRequest(id, reason) {
      const text = reason?.trim() ?? '';
      return decide(id, 'reject', () => api.requestsReject({ id, ...(text === '' ? {} : { reason: text.slice(0, 500) }) }));
    },

    resetRequests() {
      refresh.cancel();
      loadSeq += 1;
      set({ requests: undefined, requestsError: undefined, requestsTab: 'pending', selectedRequestId: null, requestSelectedAt: 0, requestAcknowledged: false, requestRejecting: false, requestBusy: null });
    },
  };
};
