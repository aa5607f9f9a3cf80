/**
 * @module renderer/store/keys-slice
 * Namespaces and the keys of the current one: the list, the selection, the table's filters, and
 * every key operation the screen offers. Results come back to the caller (the dialog shows the
 * error code where the operator is looking); the list is updated from the answer at once and
 * re-read when `keys.changed` says something changed elsewhere.
 *
 * Why reads are tracked: the core audits reads too, and announces `keys.changed` after a
 * `key.list`/`key.get`/`key.public` as after a change. Re-reading on every such event would make
 * each re-read announce the next one. Events that arrive while one of our own reads is in flight
 * (the host sends the event before the result), or just after, are ours and are not acted on;
 * event-driven re-reads are also spaced out, so a host that delivers late costs one read a second
 * at worst, not a loop.
 */
import type { ErrorInfo, ImportFormat, KeyAlgorithm, KeyFilters, KeyInfo, NamespaceInfo, PublicKeyFormat, Result } from './types.js';
import type { EventPayload } from '../../shared/api/contract.js';
import type { SliceCreator } from './store.js';
import { SIGNED_OUT_CODES } from './signed-out.js';

export const DEFAULT_NAMESPACE = 'default';
/** After one of our reads answers, events this soon after are taken as its own echo. */
const ECHO_WINDOW_MS = 300;
/** At most one event-driven re-read per this interval. */
const EVENT_REFRESH_SPACING_MS = 1000;

export type SimpleKeyAction = 'rotate' | 'disable' | 'enable' | 'cancelDeletion';

export interface KeysSlice {
  readonly namespaces: readonly NamespaceInfo[];
  readonly namespace: string;
  /** Undefined until loaded (shown as loading, not as empty). */
  readonly keys: readonly KeyInfo[] | undefined;
  readonly keysError: ErrorInfo | undefined;
  readonly selectedKeyId: string | null;
  readonly keyFilters: KeyFilters;
  loadNamespaces(): Promise<void>;
  setNamespace(namespace: string): void;
  loadKeys(): Promise<void>;
  selectKey(id: string | null): void;
  setKeyFilters(patch: Partial<KeyFilters>): void;
  generateKey(input: { id: string; algorithm: KeyAlgorithm; exportable: boolean }): Promise<Result<KeyInfo>>;
  importKey(input: { id: string; algorithm: KeyAlgorithm; format: ImportFormat; data: string; exportable: boolean }): Promise<Result<KeyInfo>>;
  keyAction(action: SimpleKeyAction, id: string): Promise<Result<KeyInfo>>;
  /** `windowDays` undefined = the vault's configured deletion window. */
  scheduleDeletion(id: string, windowDays: number | undefined): Promise<Result<KeyInfo>>;
  /** The public key of a key in the current namespace (a tracked read: see the module note). */
  loadPublicKey(id: string, format: PublicKeyFormat, version?: number): Promise<Result<{ version: number; format: PublicKeyFormat; text: string }>>;
  onKeysChanged(payload: EventPayload<'keys.changed'>): void;
  resetKeys(): void;
}

const NO_FILTERS: KeyFilters = { search: '', algorithm: 'all', state: 'all' };

/** The keys the table shows under the filters, in the order the core gave them. */
export function filterKeys(keys: readonly KeyInfo[], f: KeyFilters): KeyInfo[] {
  const q = f.search.trim().toLowerCase();
  return keys.filter(
    (k) =>
      (f.algorithm === 'all' || k.algorithm === f.algorithm) &&
      (f.state === 'all' || k.state === f.state) &&
      (q === '' || k.id.toLowerCase().includes(q) || k.algorithm.includes(q)),
  );
}

export const createKeysSlice: SliceCreator<KeysSlice> = (set, get, { api, prefs, now }) => {
  let readsInFlight = 0;
  let echoUntil = 0;
  let lastEventRefresh = 0;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let loadSeq = 0;
  let touchesCurrent = false;

  async function tracked<T>(run: () => Promise<T>): Promise<T> {
    readsInFlight += 1;
    try {
      return await run();
    } finally {
      readsInFlight -= 1;
      echoUntil = now() + ECHO_WINDOW_MS;
    }
  }

  function signedOutCheck(r: Result<unknown>): void {
    if (!r.ok && SIGNED_OUT_CODES.has(r.error.code)) void get().refreshVault();
  }

  /** Put a key the core answered with into the list (or replace it). */
  function upsert(key: KeyInfo): void {
    if (key.namespace !== get().namespace) return;
    const keys = get().keys ?? [];
    const i = keys.findIndex((k) => k.id === key.id);
    set({ keys: i < 0 ? [...keys, key] : keys.map((k, j) => (j === i ? key : k)) });
  }

  async function mutate(r: Promise<Result<KeyInfo>>): Promise<Result<KeyInfo>> {
    const result = await r;
    if (result.ok) upsert(result.value);
    else signedOutCheck(result);
    return result;
  }

  return {
    namespaces: [],
    namespace: prefs.get('namespace') ?? DEFAULT_NAMESPACE,
    keys: undefined,
    keysError: undefined,
    selectedKeyId: null,
    keyFilters: NO_FILTERS,

    async loadNamespaces() {
      const r = await tracked(() => api.namespacesList({}));
      if (!r.ok) {
        signedOutCheck(r);
        return;
      }
      const names = r.value.map((n) => n.name);
      const current = get().namespace;
      const namespace = names.includes(current) ? current : names.includes(DEFAULT_NAMESPACE) ? DEFAULT_NAMESPACE : (names[0] ?? DEFAULT_NAMESPACE);
      set({ namespaces: r.value, namespace });
    },

    setNamespace(namespace) {
      if (namespace === get().namespace) return;
      prefs.set('namespace', namespace);
      set({ namespace, keys: undefined, keysError: undefined, selectedKeyId: null });
      get().resetHd(); // the HD view re-reads for the new namespace
      void get().loadKeys();
    },

    async loadKeys() {
      const namespace = get().namespace;
      const seq = ++loadSeq;
      const r = await tracked(() => api.keysList({ namespace }));
      if (seq !== loadSeq || namespace !== get().namespace) return; // a newer load or a switch won
      if (r.ok) {
        const selected = get().selectedKeyId;
        set({ keys: r.value, keysError: undefined, selectedKeyId: selected !== null && r.value.some((k) => k.id === selected) ? selected : null });
      } else {
        signedOutCheck(r);
        set({ keysError: r.error, keys: get().keys ?? [] });
      }
    },

    selectKey: (selectedKeyId) => set({ selectedKeyId }),
    setKeyFilters: (patch) => set({ keyFilters: { ...get().keyFilters, ...patch } }),

    generateKey({ id, algorithm, exportable }) {
      return mutate(api.keysGenerate({ namespace: get().namespace, id, algorithm, exportable }));
    },
    importKey({ id, algorithm, format, data, exportable }) {
      return mutate(api.keysImport({ namespace: get().namespace, id, algorithm, format, data, exportable }));
    },
    keyAction(action, id) {
      const ref = { namespace: get().namespace, id };
      switch (action) {
        case 'rotate':
          return mutate(api.keysRotate(ref));
        case 'disable':
          return mutate(api.keysDisable(ref));
        case 'enable':
          return mutate(api.keysEnable(ref));
        case 'cancelDeletion':
          return mutate(api.keysCancelDeletion(ref));
      }
    },
    scheduleDeletion(id, windowDays) {
      return mutate(api.keysScheduleDeletion({ namespace: get().namespace, id, ...(windowDays === undefined ? {} : { windowDays }) }));
    },

    async loadPublicKey(id, format, version) {
      const r = await tracked(() => api.keysPublicKey({ namespace: get().namespace, id, format, ...(version === undefined ? {} : { version }) }));
      signedOutCheck(r);
      return r;
    },

    onKeysChanged(payload) {
      if (readsInFlight > 0 || now() < echoUntil) return;
      if (get().keys === undefined) return; // not showing keys (signed out, or the first load is running)
      touchesCurrent ||= payload.namespace === null || payload.namespace === get().namespace;
      if (refreshTimer !== undefined) return;
      const wait = Math.max(150, lastEventRefresh + EVENT_REFRESH_SPACING_MS - now());
      refreshTimer = setTimeout(() => {
        refreshTimer = undefined;
        lastEventRefresh = now();
        const reloadKeys = touchesCurrent;
        touchesCurrent = false;
        void get().loadNamespaces(); // key counts
        if (reloadKeys) void get().loadKeys();
      }, wait);
    },

    resetKeys() {
      if (refreshTimer !== undefined) clearTimeout(refreshTimer);
      refreshTimer = undefined;
      loadSeq += 1;
      set({ keys: undefined, keysError: undefined, selectedKeyId: null, namespaces: [] });
    },
  };
};
