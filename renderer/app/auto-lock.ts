/**
 * @module renderer/app/auto-lock
 * Auto-lock: any input in the window counts as activity; when none came for the configured
 * minutes, the vault is locked (vault.lock: the master key leaves memory for every connection,
 * as an operator walking away from the desk would want). 0 minutes = never.
 */
import { useEffect, useRef } from 'react';
import { useApp, useAppStore } from '../store/index.js';
import { autoLockMinutesOf } from '../store/settings-slice.js';

const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart'] as const;

export function useAutoLock(): void {
  const store = useAppStore();
  const minutes = useApp(autoLockMinutesOf);
  const locking = useRef(false);

  useEffect(() => {
    const note = () => store.getState().noteActivity();
    for (const ev of ACTIVITY_EVENTS) window.addEventListener(ev, note, { passive: true, capture: true });
    return () => {
      for (const ev of ACTIVITY_EVENTS) window.removeEventListener(ev, note, { capture: true });
    };
  }, [store]);

  useEffect(() => {
    if (minutes === 0) return;
    const t = setInterval(() => {
      const s = store.getState();
      if (locking.current || Date.now() < s.lastActivity + minutes * 60_000) return;
      locking.current = true;
      void s.lockVault('idle').finally(() => {
        locking.current = false;
      });
    }, 1000);
    return () => clearInterval(t);
  }, [store, minutes]);
}
