/**
 * @module renderer/store/hd-slice
 * HD wallets (BIP-39/32/44) of the current namespace: the list, the selection, which view of the
 * keys screen is shown, and every wallet operation the screen offers.
 *
 * What it never holds: a mnemonic or a passphrase. `createHdWallet` and `exportMnemonic` hand the
 * phrase back to the caller (a dialog's local state, cleared when it closes) and keep nothing;
 * passphrases pass through an action's argument to the API and are gone. Derived addresses and
 * xpubs are public and are also left to the component that asked for them.
 */
import type { EventPayload, MethodInput, MethodOutput } from '../../shared/api/contract.js';
import type { ErrorInfo, HdWalletInfo, Result } from './types.js';
import type { SliceCreator } from './store.js';
import { SIGNED_OUT_CODES } from './signed-out.js';

/** At most one event-driven re-read per this interval (see keys-slice for why). */
const EVENT_REFRESH_SPACING_MS = 1000;

export type KeysView = 'keys' | 'hd';
export type HdDeriveRangeInput = Omit<MethodInput<'hd.deriveRange'>, 'namespace' | 'id'>;
export type HdXpubInput = Omit<MethodInput<'hd.xpub'>, 'namespace' | 'id'>;

export interface HdSlice {
  readonly keysView: KeysView;
  /** Undefined until loaded (shown as loading, not as empty). */
  readonly hdWallets: readonly HdWalletInfo[] | undefined;
  readonly hdError: ErrorInfo | undefined;
  readonly selectedHdId: string | null;
  setKeysView(view: KeysView): void;
  loadHdWallets(): Promise<void>;
  selectHd(id: string | null): void;
  /** The mnemonic comes back to the caller, once; the store keeps only the wallet's public facts. */
  createHdWallet(input: { id: string; words: 12 | 24; passphrase: string; exportable: boolean }): Promise<Result<MethodOutput<'hd.create'>>>;
  importHdWallet(input: { id: string; mnemonic: string; passphrase: string; exportable: boolean }): Promise<Result<HdWalletInfo>>;
  setHdState(id: string, state: HdWalletInfo['state']): Promise<Result<HdWalletInfo>>;
  deleteHdWallet(id: string): Promise<Result<{ deleted: true }>>;
  /** Consecutive addresses in one call (one audit event), as the account lists page through them. */
  deriveHdRange(id: string, request: HdDeriveRangeInput): Promise<Result<MethodOutput<'hd.deriveRange'>>>;
  hdXpub(id: string, request: HdXpubInput): Promise<Result<MethodOutput<'hd.xpub'>>>;
  /** `passphrase`: the operator's own, typed again (re-authentication). */
  exportMnemonic(id: string, passphrase: string): Promise<Result<MethodOutput<'hd.exportMnemonic'>>>;
  onHdChanged(payload: EventPayload<'keys.changed'>): void;
  resetHd(): void;
}

export const createHdSlice: SliceCreator<HdSlice> = (set, get, { api, now }) => {
  let loadSeq = 0;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let lastEventRefresh = 0;

  function signedOutCheck(r: Result<unknown>): void {
    if (!r.ok && SIGNED_OUT_CODES.has(r.error.code)) void get().refreshVault();
  }

  function upsert(w: HdWalletInfo): void {
    if (w.namespace !== get().namespace) return;
    const list = get().hdWallets ?? [];
    const i = list.findIndex((x) => x.id === w.id);
    set({ hdWallets: i < 0 ? [...list, w] : list.map((x, j) => (j === i ? w : x)) });
  }

  async function mutate(r: Promise<Result<HdWalletInfo>>): Promise<Result<HdWalletInfo>> {
    const result = await r;
    if (result.ok) upsert(result.value);
    else signedOutCheck(result);
    return result;
  }

  return {
    keysView: 'keys',
    hdWallets: undefined,
    hdError: undefined,
    selectedHdId: null,

    setKeysView: (keysView) => set({ keysView }),

    async loadHdWallets() {
      const namespace = get().namespace;
      const seq = ++loadSeq;
      const r = await api.hdList({ namespace });
      if (seq !== loadSeq || namespace !== get().namespace) return;
      if (r.ok) {
        const selected = get().selectedHdId;
        set({ hdWallets: r.value, hdError: undefined, selectedHdId: selected !== null && r.value.some((w) => w.id === selected) ? selected : null });
      } else {
        signedOutCheck(r);
        set({ hdError: r.error, hdWallets: get().hdWallets ?? [] });
      }
    },

    selectHd: (selectedHdId) => set({ selectedHdId }),

    async createHdWallet({ id, words, passphrase, exportable }) {
      const r = await api.hdCreate({ namespace: get().namespace, id, words, exportable, ...(passphrase === '' ? {} : { passphrase }) });
      if (r.ok) upsert(r.value.info);
      else signedOutCheck(r);
      return r;
    },
    importHdWallet({ id, mnemonic, passphrase, exportable }) {
      return mutate(api.hdImport({ namespace: get().namespace, id, mnemonic, exportable, ...(passphrase === '' ? {} : { passphrase }) }));
    },
    setHdState(id, state) {
      return mutate(api.hdSetState({ namespace: get().namespace, id, state }));
    },
    async deleteHdWallet(id) {
      const namespace = get().namespace;
      const r = await api.hdDelete({ namespace, id });
      if (r.ok) {
        if (namespace === get().namespace) set({ hdWallets: (get().hdWallets ?? []).filter((w) => w.id !== id), selectedHdId: get().selectedHdId === id ? null : get().selectedHdId });
      } else signedOutCheck(r);
      return r;
    },
    async deriveHdRange(id, request) {
      const r = await api.hdDeriveRange({ namespace: get().namespace, id, ...request });
      signedOutCheck(r);
      return r;
    },
    async hdXpub(id, request) {
      const r = await api.hdXpub({ namespace: get().namespace, id, ...request });
      signedOutCheck(r);
      return r;
    },
    async exportMnemonic(id, passphrase) {
      const r = await api.hdExportMnemonic({ namespace: get().namespace, id, passphrase });
      signedOutCheck(r);
      return r;
    },

    onHdChanged(payload) {
      if (get().hdWallets === undefined) return; // the HD view has not been opened
      if (payload.namespace !== null && payload.namespace !== get().namespace) return;
      if (refreshTimer !== undefined) return;
      const wait = Math.max(150, lastEventRefresh + EVENT_REFRESH_SPACING_MS - now());
      refreshTimer = setTimeout(() => {
        refreshTimer = undefined;
        lastEventRefresh = now();
        void get().loadHdWallets();
      }, wait);
    },

    resetHd() {
      if (refreshTimer !== undefined) clearTimeout(refreshTimer);
      refreshTimer = undefined;
      loadSeq += 1;
      set({ hdWallets: undefined, hdError: undefined, selectedHdId: null });
    },
  };
};
