/**
 * Loading modules and listing tokens with a real SoftHSM2 module, and the errors for paths that
 * are not PKCS#11 modules.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustodyError } from '../../../../shared/errors.js';
import { listTokens } from './module.js';
import { openToken } from './token.js';
import { createTestToken, removeSoftHsmEnv, SOFTHSM_MODULE } from './test-token.js';

async function errorOf(fn: () => Promise<unknown>): Promise<CustodyError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof CustodyError) return e;
    throw e;
  }
  throw new Error('expected an error');
}

beforeAll(async () => {
  await createTestToken('list-one', { pin: '1111', soPin: '2222' });
  await createTestToken('list-two', { pin: '3333', soPin: '4444' });
});
afterAll(() => removeSoftHsmEnv());

describe('PKCS#11 modules', () => {
  it('lists the tokens of a module with their flags', async () => {
    const tokens = await listTokens(SOFTHSM_MODULE);
    const one = tokens.find((t) => t.label === 'list-one');
    const two = tokens.find((t) => t.label === 'list-two');
    expect(one).toBeDefined();
    expect(two).toBeDefined();
    expect(one!.slotId).not.toBe(two!.slotId);
    expect(one!.manufacturer).toBe('SoftHSM project');
    expect(one!.model).toBe('SoftHSM v2');
    expect(one!.serial).toMatch(/^[0-9a-f]{16}$/);
    expect(one!.flags).toMatchObject({ tokenPresent: true, initialized: true, loginRequired: true, userPinInitialized: true, userPinLocked: false, userPinCountLow: false });
    // SoftHSM always offers one uninitialised token to initialise next.
    expect(tokens.some((t) => !t.flags.initialized)).toBe(true);
  });

  it('a path with no file is DEVICE_UNAVAILABLE, naming the path', async () => {
    const e = await errorOf(() => listTokens('/nonexistent/libpkcs11-missing.so'));
    expect(e.code).toBe('DEVICE_UNAVAILABLE');
    expect(e.message).toContain('/nonexistent/libpkcs11-missing.so');
    expect((await errorOf(() => openToken({ modulePath: '/nonexistent/x.so', label: 'x' }))).code).toBe('DEVICE_UNAVAILABLE');
  });

  it('a file that is not a PKCS#11 library is INVALID_INPUT', async () => {
    const text = await errorOf(() => listTokens('/etc/hostname'));
    expect(text.code).toBe('INVALID_INPUT');
    expect(text.message).toContain('is not a PKCS#11 module');
    expect((await errorOf(() => listTokens('/tmp'))).code).toBe('INVALID_INPUT');
    const lib = ['/lib/x86_64-linux-gnu/libz.so.1', '/usr/lib/x86_64-linux-gnu/libz.so.1', '/lib/aarch64-linux-gnu/libz.so.1'].find(existsSync);
    if (lib !== undefined) {
      const e = await errorOf(() => listTokens(lib));
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.message).toContain('C_GetFunctionList');
    }
    expect((await errorOf(() => listTokens(''))).code).toBe('INVALID_INPUT');
  });

  it('a token label that is not there gives an unavailable backend, whose key calls are DEVICE_UNAVAILABLE', async () => {
    const backend = await openToken({ modulePath: SOFTHSM_MODULE, label: 'not-plugged-in' });
    expect(backend.status().state).toBe('unavailable');
    expect(backend.status().detail).toContain('not present');
    expect((await errorOf(() => backend.listKeys())).code).toBe('DEVICE_UNAVAILABLE');
    expect((await errorOf(() => backend.login(new TextEncoder().encode('1111')))).code).toBe('DEVICE_UNAVAILABLE');
    expect(backend.capabilities().generate).toEqual([]);
    await backend.close();
    expect((await errorOf(() => openToken({ modulePath: SOFTHSM_MODULE, label: '' }))).code).toBe('INVALID_INPUT');
  });

  it('two backends on one module share it, each with its own login', async () => {
    const a = await openToken({ modulePath: SOFTHSM_MODULE, label: 'list-one' });
    const b = await openToken({ modulePath: SOFTHSM_MODULE, label: 'list-two' });
    await a.login(new TextEncoder().encode('1111'));
    expect((await errorOf(() => b.login(new TextEncoder().encode('1111')))).code).toBe('PIN_INCORRECT');
    await b.login(new TextEncoder().encode('3333'));
    const ka = await a.generate({ algorithm: 'ecdsa-p256', label: 'a' });
    expect((await errorOf(() => b.find({ id: ka.handle }))).code).toBe('NOT_FOUND');
    await a.close();
    expect(b.status().state).toBe('ready');
    expect((await b.listKeys()).length).toBe(0);
    await b.close();
    expect(a.status().state).toBe('unavailable');
  });
});
