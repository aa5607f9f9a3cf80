/**
 * @module renderer/store
 * The renderer store (see store.ts) and how components and the transport reach it.
 */
export { createAppStore, type AppState, type AppStore, type StoreDeps } from './store.js';
export { AppStoreProvider, useApp, useAppStore } from './context.js';
export { bindEvents } from './bind-events.js';
export { isSignedIn } from './vault-slice.js';
export { browserPrefs, memoryPrefs, type Prefs } from './prefs.js';
export * from './types.js';
