/**
 * What the Devices screen derives from the contract's strings: BIP-32 paths (parsed, refused with
 * a reason, stepped by address index within 0…2^31-1, hardening kept), a device's status as a
 * badge and a way forward, a key's backend as a label, and the PIN errors' help (tries left when
 * the token's message says so).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LEDGER_PATH, addressIndex, backendKind, backendLabel, deviceCli, formatBip32Path, isDeviceBackend, isEthereumPath, parseBip32Path, pinErrorHelp, shellArg, statusView, stepBip32Path } from './device-meta.js';
import { suggestKeyId } from './AdoptKeyDialog.js';
import { devicesNeedingAttention, shownDevice, type DeviceInfo } from '../../store/devices-slice.js';

describe('BIP-32 paths', () => {
  it('parses the default path and formats it back', () => {
    const p = parseBip32Path(DEFAULT_LEDGER_PATH);
    expect(p.ok).toBe(true);
    if (!p.ok) return;
    expect(p.segments).toEqual([
      { index: 44, hardened: true },
      { index: 60, hardened: true },
      { index: 0, hardened: true },
      { index: 0, hardened: false },
      { index: 0, hardened: false },
    ]);
    expect(formatBip32Path(p.segments)).toBe(DEFAULT_LEDGER_PATH);
    // h / H mean hardened too; the canonical text uses the apostrophe
    const h = parseBip32Path("m/44h/60H/1'/0/7");
    expect(h.ok && formatBip32Path(h.segments)).toBe("m/44'/60'/1'/0/7");
  });

  it('refuses what is not a path, saying why', () => {
    for (const bad of ['', '44/60', 'm', 'm/', 'm/44\'/x', 'm/-1', "m/44''", 'm/2147483648', 'm/1/2/3/4/5/6/7/8/9/10/11']) {
      const p = parseBip32Path(bad);
      expect(p.ok, bad).toBe(false);
      if (!p.ok) expect(p.error.length).toBeGreaterThan(5);
    }
    expect(parseBip32Path('m/2147483647').ok).toBe(true);
  });

  it('steps the address index, within bounds, keeping the hardening', () => {
    expect(stepBip32Path(DEFAULT_LEDGER_PATH, 1)).toBe("m/44'/60'/0'/0/1");
    expect(stepBip32Path("m/44'/60'/0'/0/1", -1)).toBe(DEFAULT_LEDGER_PATH);
    expect(stepBip32Path(DEFAULT_LEDGER_PATH, -1)).toBe(DEFAULT_LEDGER_PATH);
    expect(stepBip32Path("m/44'/60'/3'", 1)).toBe("m/44'/60'/4'");
    expect(stepBip32Path('m/2147483647', 1)).toBe('m/2147483647');
    expect(stepBip32Path('  m/44h/60h/0h/0/9 ', 1)).toBe("m/44'/60'/0'/0/10");
    expect(stepBip32Path('not a path', 1)).toBe('not a path');
    expect(addressIndex("m/44'/60'/0'/0/12")).toBe(12);
    expect(addressIndex('nope')).toBeUndefined();
  });

  it("knows Ethereum's tree", () => {
    expect(isEthereumPath(DEFAULT_LEDGER_PATH)).toBe(true);
    expect(isEthereumPath("m/44'/0'/0'/0/0")).toBe(false);
    expect(isEthereumPath('m/44/60/0/0/0')).toBe(false);
  });
});

describe('device status and backends', () => {
  it('maps every state to a badge whose colour carries its meaning', () => {
    expect(statusView('pkcs11', 'ready')).toMatchObject({ label: 'Ready', tone: 'success', next: undefined });
    expect(statusView('pkcs11', 'login-required')).toMatchObject({ tone: 'warning' });
    expect(statusView('pkcs11', 'locked')).toMatchObject({ label: 'PIN locked', tone: 'danger' });
    expect(statusView('pkcs11', 'locked').next).toContain('security officer');
    expect(statusView('ledger', 'locked')).toMatchObject({ label: 'Locked', tone: 'warning' });
    expect(statusView('ledger', 'wrong-app').next).toContain('Ethereum app');
    expect(statusView('ledger', 'unavailable').tone).toBe('danger');
    expect(statusView('ledger', 'busy').tone).toBe('accent');
  });

  it('labels backends', () => {
    expect(backendLabel('software')).toBe('Software vault');
    expect(backendLabel('pkcs11:e2e')).toBe('PKCS#11 · e2e');
    expect(backendLabel('ledger:0001:000a')).toBe('Ledger');
    expect(backendKind('pkcs11-module:/usr/lib/x.so')).toBe('pkcs11');
    expect(backendKind('something')).toBe('other');
    expect(isDeviceBackend('software')).toBe(false);
    expect(isDeviceBackend('pkcs11:t')).toBe(true);
  });

  const dev = (backend: string, state: DeviceInfo['status']['state']): DeviceInfo => ({ backend, kind: backend.startsWith('ledger') ? 'ledger' : 'pkcs11', label: backend, detail: '', status: { state, detail: '' }, capabilities: { generate: [], sign: true, encrypt: false, login: true } });

  it('shows the selected device if listed, else the first, and counts those needing the person', () => {
    const devices = [dev('pkcs11:a', 'ready'), dev('pkcs11:b', 'login-required'), dev('ledger:x', 'wrong-app'), dev('ledger:y', 'unavailable')];
    expect(shownDevice({ devices, selectedDevice: 'pkcs11:b' })?.backend).toBe('pkcs11:b');
    expect(shownDevice({ devices, selectedDevice: 'gone' })?.backend).toBe('pkcs11:a');
    expect(shownDevice({ devices: undefined, selectedDevice: null })).toBeUndefined();
    expect(devicesNeedingAttention(devices)).toBe(2);
  });
});

describe('PIN errors and CLI lines', () => {
  it('says how many tries are left when the token says so', () => {
    expect(pinErrorHelp({ code: 'PIN_INCORRECT', message: 'CKR_PIN_INCORRECT: 2 tries left' })).toContain('2 tries left');
    expect(pinErrorHelp({ code: 'PIN_INCORRECT', message: 'wrong PIN (final try)' })).toContain('One try left');
    expect(pinErrorHelp({ code: 'PIN_INCORRECT', message: 'the token refused the PIN' })).toContain('Check the PIN');
    expect(pinErrorHelp({ code: 'PIN_LOCKED', message: '' })).toContain('security officer');
    expect(pinErrorHelp({ code: 'INTERNAL', message: '' })).toBeUndefined();
  });

  it('builds CLI lines with shell-safe arguments and placeholders for bad ids', () => {
    expect(deviceCli.generate('e2e', 'default', 'tok1', 'ecdsa-p256')).toBe('custos pkcs11 generate --token e2e --id tok1 --alg ecdsa-p256');
    expect(deviceCli.generate('my token', 'team', 'bad id', 'ed25519')).toBe("custos pkcs11 generate --token 'my token' --id ID --ns team --alg ed25519");
    expect(deviceCli.ledgerAddress('0001', DEFAULT_LEDGER_PATH)).toBe(`custos ledger address --device 0001 --path 'm/44'\\''/60'\\''/0'\\''/0/0'`);
    expect(shellArg("it's")).toBe(`'it'\\''s'`);
    expect(deviceCli.adopt('e2e', 'default', 'k', '0a1b')).toBe('custos pkcs11 adopt --token e2e --id k --handle 0a1b');
    expect(deviceCli.forget('team', 'k')).toBe('custos device forget --id k --ns team');
  });

  it('suggests a key id from a token label', () => {
    expect(suggestKeyId('default/tok1')).toBe('tok1');
    expect(suggestKeyId('My signing key')).toBe('My-signing-key');
    expect(suggestKeyId('')).toBe('');
  });
});
