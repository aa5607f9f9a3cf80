/**
 * @module renderer/features/requests/request-actions
 * Approve and reject as the buttons, the keyboard (A, R, J/K, ↑/↓) and the command palette do
 * them: one place, so a shortcut can never skip a check a button makes (a danger warning must be
 * acknowledged first; a decision waits a moment after the selection changed, so a double press
 * of A cannot approve the request that slid into place after the first one).
 */
import { toast } from 'sonner';
import type { AppState, AppStore } from '../../store/index.js';
import { canApprove, dangerCount, selectedRequest } from '../../store/requests-slice.js';
import type { ShortcutAction } from '../../app/shortcuts.js';
import { toastError, toastSuccess } from '../../app/ui/toast.js';

/** A keyboard approval within this long of the selection changing is ignored. */
export const KEYBOARD_SETTLE_MS = 400;

/** `get`: the store's getState (the palette passes its snapshot's). */
export async function approveSelected(get: () => AppState): Promise<void> {
  const s = get();
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

export async function rejectSelected(get: () => AppState, reason: string): Promise<void> {
  const s = get();
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
      if (selectedRequest(s)?.state !== 'pending' || s.requestRejecting) return false;
      if (Date.now() - s.requestSelectedAt < KEYBOARD_SETTLE_MS) return true;
      void approveSelected(store.getState);
      return true;
    }
    case 'rejectRequest':
      if (selectedRequest(s)?.state !== 'pending' || s.requestBusy !== null) return false;
      s.setRequestRejecting(true);
      return true;
  }
}
