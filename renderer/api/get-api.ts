/**
 * @module renderer/api/get-api
 * Which transport the renderer speaks: Electron's preload puts the API on `window.custos`; in a
 * browser served by the browser host there is none, and the same API runs over a WebSocket to
 * `ws://<this host>/api` (the session cookie set at login rides along on the upgrade).
 *
 * Both come back as a `Transport`, so the app shows one connection state whichever it is: the
 * preload's IPC is always "open".
 */
import type { CustosApi } from '../../shared/api/contract.js';
import { createWsClient, type ConnectionState, type SocketLike } from './ws-client.js';

declare global {
  interface Window {
    /** Set by electron/preload.ts through contextBridge; absent in a plain browser. */
    readonly custos?: CustosApi;
  }
}

export interface Transport {
  readonly kind: 'ipc' | 'websocket';
  readonly api: CustosApi;
  connection(): ConnectionState;
  onConnection(listener: (state: ConnectionState) => void): () => void;
  reconnectNow(): void;
}

let transport: Transport | undefined;

/** The one transport of this page, built on first use. */
export function getTransport(): Transport {
  if (transport !== undefined) return transport;
  const preload = window.custos;
  if (preload !== undefined) {
    const open: ConnectionState = { status: 'open', generation: 1 };
    transport = { kind: 'ipc', api: preload, connection: () => open, onConnection: () => () => {}, reconnectNow: () => {} };
    return transport;
  }
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const client = createWsClient({
    url: `${scheme}//${location.host}/api`,
    socket: (url) => new WebSocket(url) as unknown as SocketLike,
    ...(import.meta.env.DEV
      ? { validate: (method: string, problem: string) => console.warn(`custos: ${method} returned output outside its schema: ${problem}`) }
      : {}),
  });
  transport = { kind: 'websocket', ...client };
  return transport;
}

/** The API the app calls: window.custos in Electron, the WebSocket client in a browser. */
export function getApi(): CustosApi {
  return getTransport().api;
}
