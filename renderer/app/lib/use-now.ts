/**
 * @module renderer/app/lib/use-now
 * The current time as React state, ticking every `ms` while mounted: for countdowns (auto-lock,
 * lockout, reconnect) without a store update per second.
 */
import { useEffect, useState } from 'react';

export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
