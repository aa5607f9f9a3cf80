/**
 * @module renderer/store/devices-slice
 * Hardware devices as the Devices screen, the Keys screen and the confirm-on-device overlay use
 * them: the PKCS#11 tokens and Ledgers (`devices.list`), the one on show and the keys on it, the
 * dialog open on it (so the command palette can open the PIN dialog), and the requests a Ledger is
 * waiting on the person for (`devices.confirm`).
 *
 * The list is read when the Devices screen opens and re-read on `devices.changed` once it has
 * been read (store/coalesce: a burst shares one re-read); nothing is read at sign-in, so a vault
 * without devices costs no device calls. A PIN is an argument of loginDevice only: passed to the
 * API and never kept here, in any state, in any error.
 */
import type { EventPayload, MethodInput, MethodOutput } from '../../shared/api/contract.js';
import type { ErrorInfo, KeyInfo, Result } from './types.js';
import type { SliceCreator } from './store.js';
import { SIGNED_OUT_CODES } from './signed-out.js';
import { isSignedIn } from './vault-slice.js';
import { coalescedRefresh } from './coalesce.js';

export type DeviceInfo = MethodOutput<'devices.list'>[number];
export type DeviceState = DeviceInfo['status']['state'];
export type DeviceKey = MethodOutput<'devices.keys'>[number];
export type DeviceConfirm = Omit<EventPayload<'devices.confirm'>, 'active'>;

/** A dialog of the Devices screen, on one device. */
export type DeviceDialog = { readonly kind: 'login' | 'generate' | 'ledger-account'; readonly backend: string } | { readonly kind: 'adopt'; readonly backend: string; readonly key: DeviceKey } | null;

export interface DevicesSlice {
  /** Undefined until the first read answers. */
  readonly devices: readonly DeviceInfo[] | undefined;
  readonly devicesError: ErrorInfo | undefined;
  readonly selectedDevice: string | null;
  /** The keys on the device on show, by backend; undefined until read. */
  readonly deviceKeys: { readonly backend: string; readonly keys: readonly DeviceKey[] } | undefined;
  readonly deviceKeysError: { readonly backend: string; readonly error: ErrorInfo } | undefined;
  readonly deviceDialog: DeviceDialog;
  /** What each Ledger waits on the person for, oldest first (one per backend). */
  readonly deviceConfirms: readonly DeviceConfirm[];
  loadDevices(): Promise<void>;
  onDevicesChanged(payload: EventPayload<'devices.changed'>): void;
  onDeviceConfirm(payload: EventPayload<'devices.confirm'>): void;
  selectDevice(backend: string | null): void;
  loadDeviceKeys(backend: string): Promise<void>;
  openDeviceDialog(dialog: DeviceDialog): void;
  /** The PIN goes to the API and nowhere else. */
  loginDevice(backend: string, pin: string): Promise<Result<DeviceInfo>>;
  logoutDevice(backend: string): Promise<Result<DeviceInfo>>;
  generateOnDevice(input: MethodInput<'devices.generate'>): Promise<Result<KeyInfo>>;
  adoptDeviceKey(input: MethodInput<'devices.adopt'>): Promise<Result<KeyInfo>>;
  /** The reference goes; the key stays on the device. */
  forgetDeviceKey(namespace: string, id: string): Promise<Result<{ forgotten: true }>>;
  ledgerAddress(backend: string, path: string, display: boolean): Promise<Result<MethodOutput<'devices.ledgerAddress'>>>;
  cancelOnDevice(backend: string): Promise<Result<{ cancelled: boolean }>>;
  /**
   * Sign `data` (base64) with a device key, then ask crypto.verify about the signature: proof the key
   * works. A verify that fails to run (not a false answer) leaves `verified` null with its error.
   */
  testSignWithDeviceKey(namespace: string, id: string, data: string): Promise<Result<{ signature: string; verified: boolean | null; verifyError?: ErrorInfo }>>;
  resetDevices(): void;
}

/** The device on show: the one selected if it is still listed, else the first. */
export function shownDevice(s: { readonly devices: readonly DeviceInfo[] | undefined; readonly selectedDevice: string | null }): DeviceInfo | undefined {
  const list = s.devices ?? [];
  return list.find((d) => d.backend === s.selectedDevice) ?? list[0];
}

/** Devices the person has to do something about (log in, unlock, open the app). */
export function devicesNeedingAttention(devices: readonly DeviceInfo[] | undefined): number {
  return (devices ?? []).filter((d) => d.status.state === 'login-required' || d.status.state === 'locked' || d.status.state === 'wrong-app').length;
}

export const createDevicesSlice: SliceCreator<DevicesSlice> = (set, get, { api, now }) => {
  let listSeq = 0;
  let keysSeq = 0;
  /** A first read is in flight: a change heard meanwhile may be newer than its answer. */
  let firstRead = false;
  let changedDuringFirstRead = false;

  function signedOutCheck(r: Result<unknown>): void {
    if (!r.ok && SIGNED_OUT_CODES.has(r.error.code)) void get().refreshVault();
  }

  const refresh = coalescedRefresh(() => void get().loadDevices(), now, 250);

  /** The keys list of the vault may show what a device change made: re-read it (and the counts). */
  function keysTouched(namespace: string): void {
    void get().loadNamespaces();
    if (namespace === get().namespace) void get().loadKeys();
  }

  /** A change on a device: its keys and the list are read again (the state may have moved, e.g. a lost session). */
  async function deviceChange<T>(backend: string, call: () => Promise<Result<T>>): Promise<Result<T>> {
    const r = await call();
    signedOutCheck(r);
    void get().loadDevices();
    if (get().deviceKeys?.backend === backend || shownDevice(get())?.backend === backend) void get().loadDeviceKeys(backend);
    return r;
  }

  /** Login or logout: the device it answers with replaces the listed one at once (its keys follow), then the list is read again. */
  async function loginChange(backend: string, call: () => Promise<Result<DeviceInfo>>): Promise<Result<DeviceInfo>> {
    const r = await call();
    signedOutCheck(r);
    if (r.ok) {
      const list = get().devices ?? [];
      set({ devices: list.some((d) => d.backend === backend) ? list.map((d) => (d.backend === backend ? r.value : d)) : [...list, r.value] });
      if (shownDevice(get())?.backend === backend) void get().loadDeviceKeys(backend);
    }
    void get().loadDevices();
    return r;
  }

  return {
    devices: undefined,
    devicesError: undefined,
    selectedDevice: null,
    deviceKeys: undefined,
    deviceKeysError: undefined,
    deviceDialog: null,
    deviceConfirms: [],

    async loadDevices() {
      const mine = ++listSeq;
      refresh.markRead();
      if (get().devices === undefined) firstRead = true;
      const r = await api.devicesList({});
      if (mine !== listSeq) return;
      if (firstRead) {
        firstRead = false;
        // A device attached (or a token changed) while the first list was being read: read again.
        if (changedDuringFirstRead) {
          changedDuringFirstRead = false;
          refresh.request();
        }
      }
      signedOutCheck(r);
      if (!r.ok) {
        set({ devicesError: r.error, devices: get().devices ?? [] });
        return;
      }
      const before = shownDevice(get());
      set({ devices: r.value, devicesError: undefined });
      const after = shownDevice(get());
      // The device on show changed state (logged in, attached): its keys may now be readable.
      if (after !== undefined && (before?.backend !== after.backend || before.status.state !== after.status.state)) void get().loadDeviceKeys(after.backend);
      if (after === undefined) set({ deviceKeys: undefined, deviceKeysError: undefined });
    },

    onDevicesChanged() {
      if (!isSignedIn(get().vault)) return;
      if (get().devices === undefined) {
        // Never read: the screen reads when it opens. Unless that first read is under way.
        if (firstRead) changedDuringFirstRead = true;
        return;
      }
      refresh.request();
    },

    onDeviceConfirm({ backend, active, what }) {
      const others = get().deviceConfirms.filter((c) => c.backend !== backend);
      set({ deviceConfirms: active ? [...others, { backend, what }] : others });
    },

    selectDevice(backend) {
      if (backend === get().selectedDevice) return;
      set({ selectedDevice: backend });
      const shown = shownDevice(get());
      if (shown !== undefined && get().deviceKeys?.backend !== shown.backend) void get().loadDeviceKeys(shown.backend);
    },

    async loadDeviceKeys(backend) {
      const device = get().devices?.find((d) => d.backend === backend);
      // Keys are listed from a ready device only; a token that wants its PIN answers with an error the screen already explains.
      if (device === undefined || device.status.state !== 'ready' || backend.startsWith('pkcs11-module:')) {
        keysSeq += 1;
        set({ deviceKeys: undefined, deviceKeysError: undefined });
        return;
      }
      const mine = ++keysSeq;
      const r = await api.devicesKeys({ backend });
      if (mine !== keysSeq) return;
      signedOutCheck(r);
      if (r.ok) set({ deviceKeys: { backend, keys: r.value }, deviceKeysError: undefined });
      else set({ deviceKeys: undefined, deviceKeysError: { backend, error: r.error } });
    },

    openDeviceDialog: (deviceDialog) => set({ deviceDialog }),

    loginDevice: (backend, pin) => loginChange(backend, () => api.devicesLogin({ backend, pin })),

    logoutDevice: (backend) => loginChange(backend, () => api.devicesLogout({ backend })),

    async generateOnDevice(input) {
      const r = await deviceChange(input.backend, () => api.devicesGenerate(input));
      if (r.ok) keysTouched(r.value.namespace);
      return r;
    },

    async adoptDeviceKey(input) {
      const r = await deviceChange(input.backend, () => api.devicesAdopt(input));
      if (r.ok) keysTouched(r.value.namespace);
      return r;
    },

    async forgetDeviceKey(namespace, id) {
      const r = await api.devicesForget({ namespace, id });
      signedOutCheck(r);
      if (r.ok) {
        if (namespace === get().namespace && get().selectedKeyId === id) get().selectKey(null);
        keysTouched(namespace);
        const shown = get().deviceKeys?.backend;
        if (shown !== undefined) void get().loadDeviceKeys(shown);
      }
      return r;
    },

    async ledgerAddress(backend, path, display) {
      const r = await api.devicesLedgerAddress({ backend, path, display });
      signedOutCheck(r);
      return r;
    },

    async cancelOnDevice(backend) {
      const r = await api.devicesCancel({ backend });
      signedOutCheck(r);
      return r;
    },

    async testSignWithDeviceKey(namespace, id, data) {
      const signed = await api.cryptoSign({ namespace, id, data });
      signedOutCheck(signed);
      if (!signed.ok) return signed;
      const checked = await api.cryptoVerify({ namespace, id, data, signature: signed.value.signature });
      signedOutCheck(checked);
      if (!checked.ok) return { ok: true, value: { signature: signed.value.signature, verified: null, verifyError: checked.error } };
      return { ok: true, value: { signature: signed.value.signature, verified: checked.value.valid } };
    },

    resetDevices() {
      listSeq += 1;
      keysSeq += 1;
      refresh.cancel();
      set({ devices: undefined, devicesError: undefined, selectedDevice: null, deviceKeys: undefined, deviceKeysError: undefined, deviceDialog: null, deviceConfirms: [] });
    },
  };
};
