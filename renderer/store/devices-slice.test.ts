/**
 * The devices slice against a fake API: nothing is read until the Devices screen asks, then
 * devices.changed re-reads (a burst once); a login replaces the device at once and reads its keys,
 * and the PIN is nowhere in the state afterwards; devices.confirm adds and removes what a Ledger
 * waits for, one per device; sign-out clears it all.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MethodName } from '../../shared/api/contract.js';
import { createAppStore } from './store.js';
import { memoryPrefs } from './prefs.js';
import { fakeApi, settle, status, type Handler } from './test-support.js';
import type { DeviceInfo } from './devices-slice.js';

const token = (state: DeviceInfo['status']['state']): DeviceInfo => ({
  backend: 'pkcs11:e2e',
  kind: 'pkcs11',
  label: 'e2e',
  detail: '/usr/lib/softhsm/libsofthsm2.so · slot 1',
  status: { state, detail: '' },
  capabilities: { generate: ['ecdsa-p256'], sign: true, encrypt: true, login: true },
});

function setup() {
  const device = { state: 'login-required' as DeviceInfo['status']['state'] };
  const handlers: Partial<Record<MethodName, Handler>> = {
    'vault.status': () => status(true),
    'devices.list': () => [token(device.state)],
    'devices.login': ((input: { pin: string }) => {
      if (input.pin !== '1234') throw new Error('unreachable in this fake');
      device.state = 'ready';
      return token('ready');
    }) as Handler,
    'devices.keys': () => [{ handle: '01', label: 'default/tok1', algorithm: 'ecdsa-p256', publicKey: '3059', address: null, referencedBy: [{ namespace: 'default', id: 'tok1' }] }],
    'vault.lock': () => status(false),
  };
  const fake = fakeApi(handlers);
  const store = createAppStore({ api: fake.api, prefs: memoryPrefs(), now: () => Date.now() });
  return { store, fake, device };
}

describe('devices slice', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads only once asked, then follows devices.changed', async () => {
    const { store, fake, device } = setup();
    await store.getState().refreshVault();
    await settle(10);
    store.getState().onDevicesChanged({ backend: null });
    await settle(300);
    expect(fake.count('devices.list')).toBe(0); // never read: no device calls for a vault without the screen open

    await store.getState().loadDevices();
    expect(store.getState().devices?.[0]?.status.state).toBe('login-required');
    expect(store.getState().deviceKeys).toBeUndefined(); // a token wanting its PIN is not asked for keys
    expect(fake.count('devices.keys')).toBe(0);

    device.state = 'ready';
    for (let i = 0; i < 5; i++) store.getState().onDevicesChanged({ backend: 'pkcs11:e2e' });
    await settle(300);
    expect(fake.count('devices.list')).toBe(2); // one trailing re-read for the burst
    expect(store.getState().devices?.[0]?.status.state).toBe('ready');
    expect(store.getState().deviceKeys?.keys.map((k) => k.handle)).toEqual(['01']);
  });

  it('logs in with a PIN it does not keep, and reads the keys at once', async () => {
    const { store, fake } = setup();
    await store.getState().refreshVault();
    await store.getState().loadDevices();
    const r = await store.getState().loginDevice('pkcs11:e2e', '1234');
    expect(r.ok).toBe(true);
    await settle(10);
    expect(store.getState().devices?.[0]?.status.state).toBe('ready');
    expect(store.getState().deviceKeys?.backend).toBe('pkcs11:e2e');
    expect(fake.calls.find((c) => c.method === 'devices.login')?.input).toEqual({ backend: 'pkcs11:e2e', pin: '1234' });
    const state = JSON.stringify(store.getState(), (_k, v: unknown) => (typeof v === 'function' ? undefined : v));
    expect(state).not.toContain('1234');
  });

  it('shows what each Ledger waits for, one per device, and clears on sign-out', async () => {
    const { store } = setup();
    await store.getState().refreshVault();
    const s = () => store.getState();
    s().onDeviceConfirm({ backend: 'ledger:a', active: true, what: 'Verify address m/44/60/0/0/0' });
    s().onDeviceConfirm({ backend: 'ledger:b', active: true, what: 'Sign transaction' });
    s().onDeviceConfirm({ backend: 'ledger:a', active: true, what: 'Sign message' });
    expect(s().deviceConfirms).toEqual([
      { backend: 'ledger:b', what: 'Sign transaction' },
      { backend: 'ledger:a', what: 'Sign message' },
    ]);
    s().onDeviceConfirm({ backend: 'ledger:b', active: false, what: '' });
    expect(s().deviceConfirms.map((c) => c.backend)).toEqual(['ledger:a']);
    await s().lockVault('user');
    expect(s().deviceConfirms).toEqual([]);
    expect(s().devices).toBeUndefined();
  });
});
