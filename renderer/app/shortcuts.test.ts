/**
 * The shortcut table: "g then x" sequences never trigger the single-key action of x (G A goes to
 * the audit log, it does not approve a request), the Requests screen's keys, and nothing fires
 * from a text field but the chords.
 */
import { describe, expect, it } from 'vitest';
import { matchShortcut } from './shortcuts.js';

const key = (k: string, extra: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {}) => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...extra });

describe('matchShortcut', () => {
  it('maps the Requests keys, G Q and G P', () => {
    expect(matchShortcut(key('q'), 'g', false)).toBe('goRequests');
    expect(matchShortcut(key('p'), 'g', false)).toBe('goPolicies');
    expect(matchShortcut(key('j'), undefined, false)).toBe('nextRequest');
    expect(matchShortcut(key('ArrowDown'), undefined, false)).toBe('nextRequest');
    expect(matchShortcut(key('k'), undefined, false)).toBe('previousRequest');
    expect(matchShortcut(key('ArrowUp'), undefined, false)).toBe('previousRequest');
    expect(matchShortcut(key('a'), undefined, false)).toBe('approveRequest');
    expect(matchShortcut(key('r'), undefined, false)).toBe('rejectRequest');
  });

  it('never approves or rejects from a sequence, a text field or with a modifier', () => {
    expect(matchShortcut(key('a'), 'g', false)).toBe('goAudit');
    expect(matchShortcut(key('r'), 'g', false)).toBe('goSign');
    expect(matchShortcut(key('b'), 'g', false)).toBe('goBackup');
    expect(matchShortcut(key('x'), 'g', false)).toBe('goAirgap');
    expect(matchShortcut(key('d'), 'g', false)).toBe('goDevices');
    expect(matchShortcut(key('d'), undefined, false)).toBeUndefined();
    expect(matchShortcut(key('a'), undefined, true)).toBeUndefined();
    expect(matchShortcut(key('r'), undefined, true)).toBeUndefined();
    expect(matchShortcut(key('A', { shiftKey: true }), undefined, false)).toBeUndefined();
    expect(matchShortcut(key('a', { altKey: true }), undefined, false)).toBeUndefined();
    expect(matchShortcut(key('ArrowDown', { shiftKey: true }), undefined, false)).toBeUndefined();
  });
});
