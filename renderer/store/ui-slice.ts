/**
 * @module renderer/store/ui-slice
 * Which screen is shown and which app-level dialog is open — state, so the command palette and
 * the keyboard shortcuts can drive the same dialogs the buttons open.
 */
import type { Screen } from './types.js';
import type { SliceCreator } from './store.js';

export type AppDialog = 'create-key' | 'import-key' | 'create-hd' | 'import-hd' | 'install-module' | 'backup-restore' | 'recovery-split' | 'palette' | null;

export interface UiSlice {
  readonly screen: Screen;
  readonly dialog: AppDialog;
  setScreen(screen: Screen): void;
  openDialog(dialog: AppDialog): void;
}

export const createUiSlice: SliceCreator<UiSlice> = (set) => ({
  screen: 'keys',
  dialog: null,
  setScreen: (screen) => set({ screen }),
  openDialog: (dialog) => set({ dialog }),
});
