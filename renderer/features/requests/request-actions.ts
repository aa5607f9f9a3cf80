/**
 * @module renderer/features/requests/request-actions
 * Approve and reject as the buttons, the keyboard (A, R, J/K, ↑/↓) and the command palette do
 * them: one place, so a shortcut can never skip a check a button makes (a danger warning must be
 * acknowledged first; a decision waits a moment after the selection changed, so a double press
 * of A cannot approve the request that slid into place after the first one).
 *
 * A wallet connect or pairing prompt in the queue is decided by the same keys: A grants what its
 * form shows (accounts, chain, auto-approve), R opens the same reject step.
 */
import { toast } from 'sonner';
import type { WalletPrompt } from '../../../shared/api/wallet.js';
import type { AppState, AppStore } from '../../store/index.js';
import { canApprove, dangerCount, selectedRequest } from '../../store/requests-slice.js';
import { selectedPrompt } from '../../store/queue.js';
import { canGrant, chainName, grantDraft } from '../../store/wallets-slice.js';
import { parseOrigin } from '../wallets/origin.js';
import type { ShortcutAction } from '../../app/shortcuts.js';
import { toastError, toastSuccess } from '../../app/ui/toast.js';

/** A keyboard approval within this long of the selection changing is ignored. */
export const KEYBOARD_SETTLE_MS = 400;

/** `get`: the store's getState (the palette passes its snapshot's). */
export async function approveSelected(get: () => AppState): Promise<void> {
  const s = get();
  if (selectedPrompt(s)?.state === 'pending') return grantSelectedPrompt(get);
  const r = selectedRequest(s);
  if (r === undefined || r.state !== 'pending') return;
  if (!canApprove(s, r)) {
    if (dangerCount(r) > 0 && !s.requestAcknowledged) {
      toast.warning('Read the danger warnings first', { description: 'Tick “I have read the danger warnings” to approve this request.' });
      document.querySelector<HTMLInputElement>('[data-testid="request-acknowledge"]')?.focus();
    }
    return;
  }
  const result = await s.approveRequest(r.id);
  if (result.ok) toastSuccess('Approved', `${r.view.title} — for ${r.client.label}. Recorded in the audit log.`);
  else toastError('Could not approve', result.error);
}

/** A connect prompt from an unencrypted (http:// off this machine) or unreadable origin: connecting it takes a deliberate tick first (UI.md: flagged decisions need a second step). */
export function promptNeedsAcknowledging(p: WalletPrompt): boolean {
  return p.kind === 'connect' && parseOrigin(p.origin ?? p.name).insecure;
}

/** Connect / pair: grant the selected prompt what its form shows. */
async function grantSelectedPrompt(get: () => AppState): Promise<void> {
  const s = get();
  const p = selectedPrompt(s);
  if (p === undefined || p.state !== 'pending') return;
  if (promptNeedsAcknowledging(p) && !s.requestAcknowledged) {
    toast.warning('This site is not encrypted', { description: 'Tick “I know where this page comes from” to connect it.' });
    document.querySelector<HTMLInputElement>('[data-testid="request-acknowledge"]')?.focus();
    return;
  }
  if (!canGrant(s, p)) {
    if (s.requestBusy === null) toast.warning('Choose an account first', { description: 'Tick at least one account the client may use, and a chain.' });
    return;
  }
  const d = grantDraft(s, p);
  const n = d.accounts.length;
  const result = await s.approveWalletPrompt(p.id);
  if (result.ok) toastSuccess(p.kind === 'connect' ? 'Connected' : 'Paired', `${p.name} may use ${n === 1 ? '1 account' : `${n} accounts`} on ${chainName(s.walletChains, d.chainId)}${d.autoApprove ? ', its requests approved automatically' : ''}. Revoke it any time in Settings.`);
  else toastError(p.kind === 'connect' ? 'Could not connect' : 'Could not pair', result.error);
}

export async function rejectSelected(get: () => AppState, reason: string): Promise<void> {
  const s = get();
  const p = selectedPrompt(s);
  if (p?.state === 'pending') {
    const result = await s.rejectWalletPrompt(p.id, reason);
    if (result.ok) toastSuccess('Rejected', p.kind === 'connect' ? `${p.name} was told the connection was rejected.` : `The pairing of “${p.name}” was rejected.`);
    else toastError('Could not reject', result.error);
    return;
  }
  const r = selectedRequest(s);
  if (r === undefined || r.state !== 'pending') return;
  const result = await s.rejectRequest(r.id, reason);
  if (result.ok) toastSuccess('Rejected', `${r.client.label} was told the request was rejected.`);
  else toastError('Could not reject', result.error);
}

/** The Requests screen's keys; false when the key does nothing here (it keeps its default). */
export function runRequestShortcut(store: AppStore, action: Extract<ShortcutAction, 'nextRequest' | 'previousRequest' | 'approveRequest' | 'rejectRequest'>): boolean {
  const s = store.getState();
  switch (action) {
    case 'nextRequest':
    case 'previousRequest':
      if (s.requestRejecting) return false;
      s.moveRequestSelection(action === 'nextRequest' ? 1 : -1);
      return true;
    case 'approveRequest': {
      if (selectedState(s) !== 'pending' || s.requestRejecting) return false;
      if (Date.now() - s.requestSelectedAt < KEYBOARD_SETTLE_MS) return true;
      void approveSelected(store.getState);
      return true;
    }
    case 'rejectRequest':
      if (selectedState(s) !== 'pending' || s.requestBusy !== null) return false;
      s.setRequestRejecting(true);
      return true;
  }
}

/** The state of the selected queue item, request or prompt. */
function selectedState(s: AppState): string | undefined {
  return selectedPrompt(s)?.state ?? selectedRequest(s)?.state;
}
