/**
 * Token removal and reinsertion with a real SoftHSM2 token. SoftHSM has no hot-plug: its tokens
 * are directories read in C_Initialize, so removal is the token's directory moved away (or the
 * token deleted with softhsm2-util) followed by rescanModule, which is what a Rescan action does
 * for such modules; the session the backend held is then gone, as after a USB token is pulled.
 * Also: another client of the module closing every session on the slot (C_CloseAllSessions).
 */
import { createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustodyError } from '../../../../shared/errors.js';
import type { DeviceKey } from '../types.js';
import { acquireModule, findSlotByLabel, rescanModule } from './module.js';
import { openToken, type Pkcs11Backend } from './token.js';
import { createTestToken, removeSoftHsmEnv, softHsmEnv, softhsmUtil, type TestToken } from './test-token.js';

const codeOf = async (fn: () => unknown): Promise<string> => {
  try {
    await fn();
  } catch (e) {
    return e instanceof CustodyError ? e.code : `not a CustodyError: ${String(e)}`;
  }
  return 'no error';
};

let token: TestToken;
let backend: Pkcs11Backend;
let key: DeviceKey;

async function signsAndVerifies(k: DeviceKey): Promise<boolean> {
  const data = randomBytes(32);
  const sig = await backend.sign(k.handle, { data });
  return nodeVerify('sha256', data, createPublicKey({ key: Buffer.from(k.publicKey!), format: 'der', type: 'spki' }), sig);
}

beforeAll(async () => {
  token = await createTestToken('removable', { pin: '112233' });
  backend = await openToken({ modulePath: token.modulePath, label: token.label });
  await backend.login(token.pin());
  key = await backend.generate({ algorithm: 'ecdsa-p256', label: 'survives' });
});

afterAll(async () => {
  await backend?.close();
  removeSoftHsmEnv();
});

describe('PKCS#11 token removal', () => {
  it('removed: DEVICE_UNAVAILABLE and unavailable; back: login-required, and the same key signs after login', async () => {
    expect(await signsAndVerifies(key)).toBe(true);
    const { tokenDir, dir } = softHsmEnv();
    const [tokenFolder] = readdirSync(tokenDir);
    const away = join(dir, 'unplugged');
    renameSync(join(tokenDir, tokenFolder!), away);
    await rescanModule(token.modulePath);

    expect(await codeOf(() => backend.sign(key.handle, { data: new Uint8Array(8) }))).toBe('DEVICE_UNAVAILABLE');
    expect(backend.status().state).toBe('unavailable');
    expect(backend.status().detail).toContain('not present');
    expect(await codeOf(() => backend.login(token.pin()))).toBe('DEVICE_UNAVAILABLE');
    expect(() => backend.secp256k1Signer(key.handle)).toThrow(CustodyError);

    renameSync(away, join(tokenDir, tokenFolder!));
    await rescanModule(token.modulePath);
    expect(backend.status().state).toBe('login-required');
    expect(await codeOf(() => backend.sign(key.handle, { data: new Uint8Array(8) }))).toBe('UNAUTHENTICATED');
    await backend.login(token.pin());
    expect(backend.status().state).toBe('ready');
    expect(await backend.find({ id: key.handle })).toEqual(key);
    expect(await signsAndVerifies(key)).toBe(true);
  });

  it('a session closed under the backend (C_CloseAllSessions by another client) is DEVICE_UNAVAILABLE once, then reopens logged out', async () => {
    const other = acquireModule(token.modulePath);
    try {
      other.pkcs11.C_CloseAllSessions(findSlotByLabel(other, token.label)!);
    } finally {
      other.release();
    }
    expect(await codeOf(() => backend.sign(key.handle, { data: new Uint8Array(8) }))).toBe('DEVICE_UNAVAILABLE');
    expect(backend.status().state).toBe('login-required');
    await backend.login(token.pin());
    expect(await signsAndVerifies(key)).toBe(true);
  });

  it('a token deleted and re-created with the same label (a new slot) is reopened by label; the old key is gone, new ones work', async () => {
    const before = backend.slotId();
    softhsmUtil(['--delete-token', '--token', token.label]);
    await rescanModule(token.modulePath);
    expect(await codeOf(() => backend.listKeys())).toBe('DEVICE_UNAVAILABLE');
    expect(backend.status().state).toBe('unavailable');

    softhsmUtil(['--init-token', '--free', '--label', token.label, '--pin', token.pinText, '--so-pin', token.soPinText]);
    await rescanModule(token.modulePath);
    expect(backend.status().state).toBe('login-required');
    expect(backend.slotId()).not.toBe(before);
    await backend.login(token.pin());
    expect(await codeOf(() => backend.sign(key.handle, { data: new Uint8Array(8) }))).toBe('NOT_FOUND');
    const fresh = await backend.generate({ algorithm: 'ecdsa-p256', label: 'after' });
    expect(await signsAndVerifies(fresh)).toBe(true);
  });
});
