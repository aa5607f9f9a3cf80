/**
 * @module renderer/app/hash-route
 * The screen in the URL's hash (#/requests, #/policies, #/keys, #/audit, #/devices, #/backup, #/airgap, #/settings): Back and Forward move between
 * screens, and a reload (after signing in again) returns to the same one. Hash routing needs no
 * server fallback, which the browser host deliberately does not have, and works from app://.
 */
import { useEffect, useRef } from 'react';
import type { Screen } from '../store/types.js';

const SCREENS: readonly Screen[] = ['requests', 'policies', 'keys', 'sign', 'audit', 'devices', 'backup', 'airgap', 'settings'];

export function screenFromHash(hash: string): Screen | undefined {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (SCREENS as readonly string[]).includes(name) ? (name as Screen) : undefined;
}

export function useHashRoute(screen: Screen, setScreen: (s: Screen) => void): void {
  // URL → state, on arrival and on Back/Forward.
  useEffect(() => {
    const apply = () => {
      const s = screenFromHash(location.hash);
      if (s !== undefined) setScreen(s);
    };
    apply();
    window.addEventListener('hashchange', apply);
    return () => window.removeEventListener('hashchange', apply);
  }, [setScreen]);
  // State → URL, as a history entry so Back returns to the previous screen. On the first run a
  // screen already in the URL wins (the effect above is applying it).
  const first = useRef(true);
  useEffect(() => {
    const inUrl = screenFromHash(location.hash);
    if (first.current) {
      first.current = false;
      if (inUrl !== undefined) return;
    }
    if (inUrl !== screen) location.hash = `#/${screen}`;
  }, [screen]);
}
