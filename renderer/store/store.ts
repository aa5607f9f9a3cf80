/**
 * @module renderer/store/store
 * THE renderer store: one zustand store cut into typed slices (vault, settings, keys, HD wallets, audit, signing,
 * requests, wallet connections, policies, backups and recovery, air-gap, devices, ui, connection), actions beside their state. It is created per app (createAppStore) with the API
 * it talks to, never imported as a global, so tests build their own with a fake API.
 *
 * What it never holds: passphrases and mnemonics (they pass through an action's argument to the API and are
 * gone), key material, anything the operator did not ask to see.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CustosApi } from '../../shared/api/contract.js';
import type { Prefs } from './prefs.js';
import { createAuditSlice, type AuditSlice } from './audit-slice.js';
import { createHdSlice, type HdSlice } from './hd-slice.js';
import { createKeysSlice, type KeysSlice } from './keys-slice.js';
import { createSettingsSlice, type SettingsSlice } from './settings-slice.js';
import { createUiSlice, type UiSlice } from './ui-slice.js';
import { createVaultSlice, type VaultSlice } from './vault-slice.js';
import { createConnectionSlice, type ConnectionSlice } from './connection-slice.js';
import { createSigningSlice, type SigningSlice } from './signing-slice.js';
import { createRequestsSlice, type RequestsSlice } from './requests-slice.js';
import { createWalletsSlice, type WalletsSlice } from './wallets-slice.js';
import { createPoliciesSlice, type PoliciesSlice } from './policies-slice.js';
import { createBackupSlice, type BackupSlice } from './backup-slice.js';
import { createAirgapSlice, type AirgapSlice } from './airgap-slice.js';
import { createDevicesSlice, type DevicesSlice } from './devices-slice.js';

export type AppState = ConnectionSlice & VaultSlice & SettingsSlice & KeysSlice & HdSlice & AuditSlice & SigningSlice & RequestsSlice & WalletsSlice & PoliciesSlice & BackupSlice & AirgapSlice & DevicesSlice & UiSlice;
export type AppStore = StoreApi<AppState>;

export interface StoreDeps {
  readonly api: CustosApi;
  readonly prefs: Prefs;
  readonly now: () => number;
}

/** What every slice creator gets: the store's set/get and the app's dependencies. */
export type SliceCreator<S> = (set: AppStore['setState'], get: AppStore['getState'], deps: StoreDeps) => S;

export function createAppStore(deps: StoreDeps): AppStore {
  return createStore<AppState>()((set, get) => ({
    ...createConnectionSlice(set, get, deps),
    ...createVaultSlice(set, get, deps),
    ...createSettingsSlice(set, get, deps),
    ...createKeysSlice(set, get, deps),
    ...createHdSlice(set, get, deps),
    ...createAuditSlice(set, get, deps),
    ...createSigningSlice(set, get, deps),
    ...createRequestsSlice(set, get, deps),
    ...createWalletsSlice(set, get, deps),
    ...createPoliciesSlice(set, get, deps),
    ...createBackupSlice(set, get, deps),
    ...createAirgapSlice(set, get, deps),
    ...createDevicesSlice(set, get, deps),
    ...createUiSlice(set, get, deps),
  }));
}
