/**
 * @module ipc/preload-api
 * The object the preload exposes as `window.custos`: one named function per method of shared/api
 * and one subscription per event, built from the contract's name lists — nothing generic. A
 * generic `invoke(channel, input)` would hand any script in the page an oracle for every channel
 * of the main process; named functions give it exactly the API and no more.
 *
 * Pure: it gets ipcRenderer's abilities as three functions, so tests build it with fakes and the
 * preload (electron/preload.ts) with the real ipcRenderer. It runs in the sandboxed preload, where
 * only `require('electron')` exists: it imports nothing at run time but the contract's names, and
 * scripts/build-preload.ts replaces even that import with name tables generated at build time.
 *
 * Trusts nothing from the page: a method function forwards its first argument only (the main side
 * parses it), a subscription accepts only a function and hands it the payload alone, never the
 * IpcRendererEvent (whose `sender` is ipcRenderer itself).
 */
import {
  EVENT_NAMES,
  eventChannel,
  functionName,
  METHOD_NAMES,
  methodChannel,
  subscriptionName,
  type CustosApi,
  type Result,
} from '../../shared/api/contract.js';

/** ipcRenderer.invoke */
export type Invoke = (channel: string, input: unknown) => Promise<unknown>;
/** The listener ipcRenderer.on / removeListener take: (event, ...args). */
export type IpcListener = (event: unknown, payload: unknown) => void;
/** ipcRenderer.on, ipcRenderer.removeListener */
export type Listen = (channel: string, listener: IpcListener) => void;

/** When the main process does not answer at all (no handler during shutdown): still a Result, never a rejection. */
function noAnswer(): Result<never> {
  return { ok: false, error: { code: 'INTERNAL', message: 'the main process did not answer' } };
}

export function buildPreloadApi(invoke: Invoke, on: Listen, off: Listen): CustosApi {
  const api: Record<string, unknown> = {};

  for (const method of METHOD_NAMES) {
    const channel = methodChannel(method);
    api[functionName(method)] = (input: unknown) => invoke(channel, input).catch(noAnswer);
  }

  for (const event of EVENT_NAMES) {
    const channel = eventChannel(event);
    api[subscriptionName(event)] = (listener: unknown) => {
      if (typeof listener !== 'function') throw new TypeError(`${subscriptionName(event)} expects a function`);
      const forward: IpcListener = (_event, payload) => {
        (listener as (payload: unknown) => void)(payload);
      };
      on(channel, forward);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        off(channel, forward);
      };
    };
  }

  return Object.freeze(api) as CustosApi;
}
