/**
 * The preload: the API builder with fake ipcRenderer functions, and the real bundle
 * (dist/electron/preload.cjs as scripts/build-preload.ts builds it) run in a fresh V8 context the
 * way a sandboxed preload runs — a classic script whose `require` knows only 'electron'.
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { EVENT_NAMES, eventChannel, functionName, METHOD_NAMES, methodChannel, subscriptionName } from '../../shared/api/contract.js';
import { buildPreloadBundle, contractNamesModule } from '../../scripts/build-preload.js';
import { buildPreloadApi, type IpcListener } from './preload-api.js';

/** A stand-in for ipcRenderer: records invokes, keeps listeners per channel like an EventEmitter. */
function fakeIpcRenderer(answer: (channel: string, input: unknown) => Promise<unknown> = async (channel, input) => ({ ok: true, value: { channel, input } })) {
  const listeners = new Map<string, Set<IpcListener>>();
  return {
    listeners,
    invoke: vi.fn(answer),
    on: vi.fn((channel: string, l: IpcListener) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)?.add(l);
    }),
    removeListener: vi.fn((channel: string, l: IpcListener) => {
      listeners.get(channel)?.delete(l);
    }),
    /** What the main process's webContents.send(channel, payload) does on this side. */
    emit(channel: string, payload: unknown) {
      const event = { sender: 'ipcRenderer itself', ports: [] };
      for (const l of listeners.get(channel) ?? []) l(event, payload);
    },
  };
}

type AnyApi = Record<string, (...args: unknown[]) => unknown>;

function checkApiBehaviour(api: AnyApi, ipc: ReturnType<typeof fakeIpcRenderer>): Promise<void> {
  return (async () => {
    // One named function per method, forwarding the first argument only, on the method's channel.
    const keysList = api[functionName('keys.list')];
    expect(typeof keysList).toBe('function');
    expect(await keysList?.({ namespace: 'ops' }, 'extra', () => 0)).toEqual({ ok: true, value: { channel: methodChannel('keys.list'), input: { namespace: 'ops' } } });
    expect(ipc.invoke).toHaveBeenLastCalledWith(methodChannel('keys.list'), { namespace: 'ops' });
    expect(ipc.invoke.mock.lastCall).toHaveLength(2);

    // One subscription per event: the listener gets the payload alone, never the IpcRendererEvent.
    const seen: unknown[][] = [];
    const unsubscribe = api[subscriptionName('keys.changed')]?.((...args: unknown[]) => seen.push(args)) as () => void;
    ipc.emit(eventChannel('keys.changed'), { namespace: 'ops', id: 'k' });
    ipc.emit(eventChannel('vault.changed'), { other: true });
    expect(seen).toEqual([[{ namespace: 'ops', id: 'k' }]]);
    unsubscribe();
    unsubscribe(); // idempotent
    expect(ipc.removeListener).toHaveBeenCalledTimes(1);
    ipc.emit(eventChannel('keys.changed'), { namespace: 'ops', id: 'k2' });
    expect(seen).toHaveLength(1);
    expect(ipc.listeners.get(eventChannel('keys.changed'))?.size).toBe(0);

    // Only functions may subscribe.
    expect(() => api[subscriptionName('audit.appended')]?.('not a function')).toThrow(/expects a function/);

    // Nothing generic: no invoke/send/on, and the object cannot be extended or changed.
    for (const generic of ['invoke', 'send', 'on', 'off', 'call', 'ipcRenderer', 'removeListener']) expect(api).not.toHaveProperty(generic);
    expect(Object.isFrozen(api)).toBe(true);
  })();
}

describe('buildPreloadApi', () => {
  it('exposes one named function per method and one subscription per event, nothing else', () => {
    const ipc = fakeIpcRenderer();
    const api = buildPreloadApi(ipc.invoke, ipc.on, ipc.removeListener);
    expect(Object.keys(api).sort()).toEqual([...METHOD_NAMES.map(functionName), ...EVENT_NAMES.map(subscriptionName)].sort());
  });

  it('forwards input on the method channel, hands listeners the payload only, and unsubscribes', async () => {
    const ipc = fakeIpcRenderer();
    await checkApiBehaviour(buildPreloadApi(ipc.invoke, ipc.on, ipc.removeListener) as unknown as AnyApi, ipc);
  });

  it('turns a main process that does not answer into an INTERNAL Result, never a rejection', async () => {
    const ipc = fakeIpcRenderer(async (channel) => {
      throw new Error(`Error invoking remote method '${channel}': No handler registered`);
    });
    const api = buildPreloadApi(ipc.invoke, ipc.on, ipc.removeListener);
    expect(await api.vaultStatus({})).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'the main process did not answer' } });
  });
});

describe('the preload bundle', () => {
  it('is one small CommonJS script that requires electron only and carries no zod', async () => {
    const text = await buildPreloadBundle();
    expect(text.length).toBeLessThan(16_000);
    expect(text).not.toMatch(/\bimport\s*[{(*]|\bexport\s/);
    expect(text).not.toMatch(/zod|safeParse/);
    expect([...text.matchAll(/require\(([^)]*)\)/g)].map((m) => m[1])).toEqual(['"electron"']);
  });

  it('inlines name tables equal to the contract', () => {
    const names = contractNamesModule();
    for (const m of METHOD_NAMES) expect(names).toContain(`"${m}":{"channel":"${methodChannel(m)}","fn":"${functionName(m)}"}`);
    for (const e of EVENT_NAMES) expect(names).toContain(`"${e}":{"channel":"${eventChannel(e)}","subscription":"${subscriptionName(e)}"}`);
  });

  it('exposes exactly window.custos with the contract names, and behaves like the builder', async () => {
    const text = await buildPreloadBundle();
    const ipc = fakeIpcRenderer();
    const exposed: [string, unknown][] = [];
    const required: string[] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.push([key, value]) },
      ipcRenderer: { invoke: ipc.invoke, on: ipc.on, removeListener: ipc.removeListener },
    };
    // A sandboxed preload's world: a polyfilled require, module/exports, no process.binding, no fs.
    const sandboxRequire = (name: string) => {
      required.push(name);
      if (name !== 'electron') throw new Error(`module not found: ${name}`);
      return electron;
    };
    runInNewContext(text, { require: sandboxRequire, module: { exports: {} }, exports: {} }, { filename: 'preload.cjs' });

    expect(required).toEqual(['electron']);
    expect(exposed.map(([key]) => key)).toEqual(['custos']);
    const api = exposed[0]?.[1] as AnyApi;
    expect(Object.keys(api).sort()).toEqual([...METHOD_NAMES.map(functionName), ...EVENT_NAMES.map(subscriptionName)].sort());
    await checkApiBehaviour(api, ipc);
  });
});
