/**
 * @module renderer/features/requests/alerts
 * Telling the operator a program is waiting when they are not looking at the Requests screen:
 * the pending count in the window title ("(2) Custos"), and — when the window is hidden, the
 * operator turned notifications on and the browser granted them — a desktop notification per new
 * request. Permission is asked only from the "Notify me" toggle (a user gesture), never on load.
 *
 * A notification carries the client's label and the view's title only: no addresses, amounts or
 * payloads leave the window (the OS keeps notifications in its history). Connect and pairing
 * prompts count and notify the same way: the origin or the program's name, never a pairing code.
 */
import { useEffect } from 'react';
import type { RequestRecord } from '../../../shared/api/signing.js';
import type { WalletPrompt } from '../../../shared/api/wallet.js';
import { useApp, useAppStore, type AppStore } from '../../store/index.js';
import { pendingRequestCount } from '../../store/requests-slice.js';

const BASE_TITLE = 'Custos';
/** More new requests than this at once: one summary notification instead. */
const MAX_NOTIFICATIONS = 3;

export type NotifyPermission = NotificationPermission | 'unsupported';

export function notifyPermission(): NotifyPermission {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** The window title for a pending count. */
export function titleFor(pending: number): string {
  return pending > 0 ? `(${pending}) ${BASE_TITLE}` : BASE_TITLE;
}

export function useRequestAlerts(): void {
  const store = useAppStore();
  const pending = useApp(pendingRequestCount);

  useEffect(() => {
    document.title = titleFor(pending);
  }, [pending]);
  useEffect(() => () => void (document.title = BASE_TITLE), []);

  useEffect(() => {
    // The first list read after sign-in is what was already waiting: not news.
    const requests = freshTracker<RequestRecord>();
    const prompts = freshTracker<WalletPrompt>();
    return store.subscribe((s, before) => {
      const fresh: Fresh[] = [];
      if (s.requests !== before.requests) fresh.push(...requests(s.requests?.pending).map((r) => ({ id: r.id, title: `Signing request from ${r.client.label}: ${r.view.title}`, body: `${r.method} · review it in Custos` })));
      if (s.walletPrompts !== before.walletPrompts) {
        fresh.push(...prompts(s.walletPrompts?.pending).map((p) => (p.kind === 'connect' ? { id: p.id, title: `${p.name} asks to connect`, body: 'Choose its accounts or reject it in Custos' } : { id: p.id, title: 'A program asks to pair', body: 'Compare the pairing code in Custos' })));
      }
      if (fresh.length > 0 && s.requestNotify && document.hidden) notify(store, fresh);
    });
  }, [store]);
}

interface Fresh {
  readonly id: string;
  readonly title: string;
  readonly body: string;
}

/** Given each new pending list (undefined when signed out), the items not in the previous one; none on the first. */
function freshTracker<T extends { id: string }>(): (pending: readonly T[] | undefined) => T[] {
  let previous: ReadonlySet<string> | undefined;
  return (pending) => {
    if (pending === undefined) {
      previous = undefined;
      return [];
    }
    const known = previous;
    previous = new Set(pending.map((x) => x.id));
    return known === undefined ? [] : pending.filter((x) => !known.has(x.id));
  };
}

function notify(store: AppStore, fresh: readonly Fresh[]): void {
  if (notifyPermission() !== 'granted') return;
  const open = (id: string) => () => {
    window.focus();
    const s = store.getState();
    s.setScreen('requests');
    s.setRequestsTab('pending');
    s.selectRequest(id);
  };
  try {
    if (fresh.length > MAX_NOTIFICATIONS) {
      const n = new Notification(`${fresh.length} requests waiting`, { body: 'Open Custos to review them.', tag: 'custos-requests' });
      n.onclick = open(fresh[0]?.id ?? '');
      return;
    }
    for (const r of fresh) {
      const n = new Notification(r.title, { body: r.body, tag: `custos-request-${r.id}` });
      n.onclick = open(r.id);
    }
  } catch {
    // Some contexts (a service-worker-only platform) refuse `new Notification`: the badge and the title still say it.
  }
}

/** From the toggle's click (a user gesture): ask the browser if it has not been asked yet. */
export async function requestNotifyPermission(): Promise<NotifyPermission> {
  const now = notifyPermission();
  if (now !== 'default') return now;
  try {
    return await Notification.requestPermission();
  } catch {
    return notifyPermission();
  }
}
