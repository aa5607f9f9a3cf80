/**
 * @module renderer/app/theme
 * Light, dark or system: the setting (or, before sign-in, the last one this page saw) resolved
 * against the OS preference and written to <html data-theme>, which tokens.css keys on.
 */
import { useEffect, useState } from 'react';
import type { Theme } from '../store/types.js';

const DARK_QUERY = '(prefers-color-scheme: dark)';

export function resolveTheme(theme: Theme, systemDark: boolean): 'light' | 'dark' {
  return theme === 'system' ? (systemDark ? 'dark' : 'light') : theme;
}

export function parseTheme(value: string | undefined): Theme {
  return value === 'light' || value === 'dark' || value === 'system' ? value : 'system';
}

export function applyTheme(resolved: 'light' | 'dark'): void {
  document.documentElement.dataset.theme = resolved;
}

/** Keep <html data-theme> in step with the chosen theme and, for "system", with the OS. */
export function useAppliedTheme(theme: Theme): 'light' | 'dark' {
  const [systemDark, setSystemDark] = useState(() => window.matchMedia(DARK_QUERY).matches);
  useEffect(() => {
    const mq = window.matchMedia(DARK_QUERY);
    const on = (e: MediaQueryListEvent) => setSystemDark(e.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  const resolved = resolveTheme(theme, systemDark);
  useEffect(() => applyTheme(resolved), [resolved]);
  return resolved;
}

export function systemPrefersDark(): boolean {
  return window.matchMedia(DARK_QUERY).matches;
}
