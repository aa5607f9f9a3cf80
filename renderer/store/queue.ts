/**
 * @module renderer/store/queue
 * The Requests screen's one queue: signing requests (requests-slice) and wallet connect / pairing
 * prompts (wallets-slice) side by side, as the operator sees them. Pending items oldest first (a
 * dapp waiting on eth_requestAccounts is as urgent as a signature), decided ones newest first.
 *
 * The selection (`selectedRequestId`) names either kind; these helpers are what both slices use
 * to keep it on an item that exists after a re-read, and to make a decision and move the
 * selection after it.
 */
import type { RequestRecord } from '../../shared/api/signing.js';
import type { WalletPrompt } from '../../shared/api/wallet.js';
import type { AppState, AppStore } from './store.js';
import type { Result } from './types.js';

export type QueueItem = { readonly kind: 'request'; readonly id: string; readonly record: RequestRecord } | { readonly kind: 'prompt'; readonly id: string; readonly prompt: WalletPrompt };

type QueueState = Pick<AppState, 'requests' | 'walletPrompts'>;

/** Pending: oldest first. */
export function pendingItems(s: QueueState): QueueItem[] {
  const items: QueueItem[] = [...(s.requests?.pending ?? []).map((record) => ({ kind: 'request' as const, id: record.id, record })), ...(s.walletPrompts?.pending ?? []).map((prompt) => ({ kind: 'prompt' as const, id: prompt.id, prompt }))];
  // Stable sort: ties keep requests before prompts, each list in its own order.
  return items.sort((a, b) => createdAt(a) - createdAt(b));
}

/** Decided: newest decision first. */
export function historyItems(s: QueueState): QueueItem[] {
  const items: QueueItem[] = [...(s.requests?.history ?? []).map((record) => ({ kind: 'request' as const, id: record.id, record })), ...(s.walletPrompts?.history ?? []).map((prompt) => ({ kind: 'prompt' as const, id: prompt.id, prompt }))];
  return items.sort((a, b) => decidedAt(b) - decidedAt(a));
}

export function queueItems(s: QueueState, tab: AppState['requestsTab']): QueueItem[] {
  return tab === 'pending' ? pendingItems(s) : historyItems(s);
}

/** The item itself, request or prompt: for what both carry (id, state, times, who decided). */
export function queueEntry(i: QueueItem): RequestRecord | WalletPrompt {
  return i.kind === 'request' ? i.record : i.prompt;
}

function createdAt(i: QueueItem): number {
  return queueEntry(i).createdAt;
}

function decidedAt(i: QueueItem): number {
  const e = queueEntry(i);
  return e.decidedAt ?? e.createdAt;
}

/** The selected prompt, pending or decided. */
export function selectedPrompt(s: Pick<AppState, 'walletPrompts' | 'selectedRequestId'>): WalletPrompt | undefined {
  const id = s.selectedRequestId;
  if (id === null || s.walletPrompts === undefined) return undefined;
  return s.walletPrompts.pending.find((p) => p.id === id) ?? s.walletPrompts.history.find((p) => p.id === id);
}

/**
 * After a re-read of either list: undefined keeps the selection (its item still exists, pending or
 * decided — a decided one stays on show so the operator sees what became of it), else the id to
 * select instead (the first item of the tab on show, or null).
 */
export function selectionAfterRead(s: AppState): string | null | undefined {
  const id = s.selectedRequestId;
  if (id !== null && [...pendingItems(s), ...historyItems(s)].some((i) => i.id === id)) return undefined;
  return queueItems(s, s.requestsTab)[0]?.id ?? null;
}

/** After a decision on `id`: the item that was after it in the queue, else the one before. */
export function nextAfterDecision(s: QueueState & Pick<AppState, 'selectedRequestId'>, id: string): string | null {
  const pending = pendingItems(s);
  const i = pending.findIndex((x) => x.id === id);
  if (i < 0) return s.selectedRequestId;
  return pending[i + 1]?.id ?? pending[i - 1]?.id ?? null;
}

/** One kind's lists as its slice keeps them. */
export interface QueueLists<T extends { readonly id: string }> {
  /** Oldest first. */
  readonly pending: readonly T[];
  /** Newest first. */
  readonly history: readonly T[];
}

/** A decided item where a re-read would put it: out of the queue, on top of the history. */
export function withDecided<T extends { readonly id: string }>(lists: QueueLists<T>, item: T): QueueLists<T> {
  return { pending: lists.pending.filter((x) => x.id !== item.id), history: [item, ...lists.history.filter((x) => x.id !== item.id)] };
}

export interface QueueDecision<T> {
  readonly id: string;
  readonly action: 'approve' | 'reject';
  /** The API call that decides. */
  readonly call: () => Promise<Result<T>>;
  /** It was decided: put it where a re-read would, and anything else its slice keeps for it. */
  readonly decided: (value: T) => void;
  /** It was not (decided elsewhere, withdrawn, expired, signed out): show what happened. */
  readonly refused: (r: Result<T>) => void;
  /** The call answered but the item still waits (an approval towards a quorum): the selection stays on it. */
  readonly stillPending?: (value: T) => boolean;
}

/**
 * A decision on a queue item, request or prompt, the same way for both: the item is busy while the
 * call is on its way (buttons show it, A and R wait); once decided, the selection moves to the item
 * that was after it in the queue (taken before the call, while the item was still in it) and the
 * reject step closes.
 */
export async function decideQueueItem<T>(set: AppStore['setState'], get: AppStore['getState'], d: QueueDecision<T>): Promise<Result<T>> {
  const next = nextAfterDecision(get(), d.id);
  set({ requestBusy: { id: d.id, action: d.action } });
  const r = await d.call();
  if (get().requestBusy?.id === d.id) set({ requestBusy: null });
  if (!r.ok) {
    d.refused(r);
    return r;
  }
  d.decided(r.value);
  if (get().selectedRequestId === d.id) {
    set({ requestRejecting: false });
    // Still waiting (one approval of a quorum given): the operator sees the count move, not the next request.
    if (d.stillPending?.(r.value) !== true) get().selectRequest(next);
  }
  return r;
}
