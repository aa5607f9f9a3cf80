/**
 * Test support for the store's tests: a fake API answering from a handler table, a helper that
 * lets promises and fake timers run, and the vault status of a signed-in or signed-out admin.
 * Used by tests only; nothing in the app imports it.
 */
import { vi } from 'vitest';
import type { CustosApi, MethodName } from '../../shared/api/contract.js';
import { functionName } from '../../shared/api/contract.js';
import type { VaultStatus } from './types.js';

export type Handler = (input: never) => unknown;

/**
 * An API whose methods answer from `handlers` (ok results; a method without one answers
 * UNSUPPORTED) and record their calls with their input. Event subscriptions do nothing.
 */
export function fakeApi(handlers: Partial<Record<MethodName, Handler>>) {
  const calls: { method: MethodName; input: unknown }[] = [];
  const byFn = new Map<string, MethodName>();
  for (const m of Object.keys(handlers) as MethodName[]) byFn.set(functionName(m), m);
  const api = new Proxy(
    {},
    {
      get(_t, prop: string) {
        if (prop.startsWith('on')) return () => () => {};
        const m = byFn.get(prop);
        return async (input: never) => {
          if (m === undefined) return { ok: false, error: { code: 'UNSUPPORTED', message: prop } };
          calls.push({ method: m, input });
          await Promise.resolve();
          return { ok: true, value: await (handlers[m] as Handler)(input) };
        };
      },
    },
  ) as CustosApi;
  return { api, calls, count: (m: MethodName) => calls.filter((c) => c.method === m).length };
}

/** Let pending promises and (fake) timers run. */
export async function settle(ms = 0): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  if (ms > 0) await vi.advanceTimersByTimeAsync(ms);
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** The vault status of an unlocked vault, with an admin signed in or nobody. */
export const status = (signedIn: boolean): VaultStatus => ({
  initialized: true,
  unlocked: signedIn,
  consecutiveFailures: 0,
  lockedUntil: 0,
  schemaVersion: 1,
  dataDir: '/d',
  providers: {},
  session: signedIn ? { principal: 'admin', admin: true, expiresAt: null } : null,
});
