/**
 * @module renderer/store/settings-slice
 * The app's preferences (auto-lock minutes, theme) and read-only facts (data directory, version),
 * as the main process keeps them. The theme is also remembered locally for the first paint.
 */
import type { Result, Settings } from './types.js';
import type { SliceCreator } from './store.js';
import { SIGNED_OUT_CODES } from './signed-out.js';

/**
 * Auto-lock while the settings are not (yet) readable: the main process's default. Failing
 * closed — an unreadable setting must not mean "never lock".
 */
export const DEFAULT_AUTO_LOCK_MINUTES = 15;

export function autoLockMinutesOf(s: { settings: Settings | undefined }): number {
  return s.settings?.autoLockMinutes ?? DEFAULT_AUTO_LOCK_MINUTES;
}

export interface SettingsSlice {
  readonly settings: Settings | undefined;
  loadSettings(): Promise<void>;
  updateSettings(patch: { autoLockMinutes?: number; theme?: Settings['theme'] }): Promise<Result<Settings>>;
}

export const createSettingsSlice: SliceCreator<SettingsSlice> = (set, get, { api, prefs }) => ({
  settings: undefined,
  async loadSettings() {
    const r = await api.settingsGet({});
    if (!r.ok) return; // settings are a convenience; the defaults stand until the next read
    prefs.set('theme', r.value.theme);
    set({ settings: r.value });
  },
  async updateSettings(patch) {
    const r = await api.settingsSet(patch);
    if (r.ok) {
      prefs.set('theme', r.value.theme);
      set({ settings: r.value });
    } else if (SIGNED_OUT_CODES.has(r.error.code)) {
      void get().refreshVault();
    }
    return r;
  },
});
