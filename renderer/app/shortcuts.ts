/**
 * @module renderer/app/shortcuts
 * The app's keyboard shortcuts, in one table so tooltips, the command palette and the handler
 * agree. Single keys and "g then x" sequences only fire outside text fields; chords (Ctrl/⌘)
 * fire anywhere. Ctrl+L and Ctrl+1… are left to the browser, which reserves them.
 *
 * Some single keys belong to one screen (J/K/↑/↓, A, R on the Requests screen): the handler says
 * whether it used the key, and a key nobody used keeps its default (arrows still scroll elsewhere).
 */
import { useEffect } from 'react';

export const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const MOD = IS_MAC ? '⌘' : 'Ctrl';

export const SHORTCUTS = {
  palette: `${MOD} K`,
  lock: `${MOD} ⇧ L`,
  goRequests: 'G Q',
  goPolicies: 'G P',
  goKeys: 'G K',
  goSign: 'G R',
  goAudit: 'G A',
  goDevices: 'G D',
  goBackup: 'G B',
  goAirgap: 'G X',
  goSettings: 'G S',
  newKey: 'N',
  importKey: 'I',
  search: '/',
  nextRequest: 'J',
  previousRequest: 'K',
  approveRequest: 'A',
  rejectRequest: 'R',
} as const;

export type ShortcutAction = keyof typeof SHORTCUTS;

export function inTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (target as HTMLInputElement).type;
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(type);
}

/** The action a keydown means, given the previous key of a sequence (or undefined). */
export function matchShortcut(e: { key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }, previous: string | undefined, textField: boolean): ShortcutAction | 'sequence-g' | undefined {
  const mod = IS_MAC ? e.metaKey : e.ctrlKey;
  const key = e.key.toLowerCase();
  if (mod && !e.altKey) {
    if (key === 'k' && !e.shiftKey) return 'palette';
    if (key === 'l' && e.shiftKey) return 'lock';
    return undefined;
  }
  if (textField || e.ctrlKey || e.metaKey || e.altKey) return undefined;
  if (previous === 'g') {
    if (key === 'q') return 'goRequests';
    if (key === 'p') return 'goPolicies';
    if (key === 'k') return 'goKeys';
    if (key === 'r') return 'goSign';
    if (key === 'a') return 'goAudit';
    if (key === 'd') return 'goDevices';
    if (key === 'b') return 'goBackup';
    if (key === 'x') return 'goAirgap';
    if (key === 's') return 'goSettings';
    return undefined;
  }
  if (key === 'g') return 'sequence-g';
  if (key === 'n') return 'newKey';
  if (key === 'i') return 'importKey';
  if (key === '/') return 'search';
  if (e.shiftKey) return undefined;
  if (key === 'j' || key === 'arrowdown') return 'nextRequest';
  if (key === 'k' || key === 'arrowup') return 'previousRequest';
  if (key === 'a') return 'approveRequest';
  if (key === 'r') return 'rejectRequest';
  return undefined;
}

/**
 * Listen on the window while mounted; `run` gets each action (the latest `run` is used) and returns
 * false when the action does not apply here, so the key keeps its default.
 */
export function useShortcuts(run: (action: ShortcutAction) => boolean | void): void {
  useEffect(() => {
    let previous: string | undefined;
    let previousAt = 0;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.repeat) return;
      // A dialog is open: it owns the keyboard (Radix marks the rest of the page aria-hidden).
      const dialogOpen = document.querySelector('[role="dialog"]') !== null;
      const prev = Date.now() - previousAt < 1200 ? previous : undefined;
      const action = matchShortcut(e, prev, inTextField(e.target));
      previous = undefined;
      if (action === undefined) return;
      if (action === 'sequence-g') {
        previous = 'g';
        previousAt = Date.now();
        return;
      }
      if (dialogOpen && action !== 'palette') return;
      if (run(action) !== false) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [run]);
}
