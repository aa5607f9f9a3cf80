/**
 * @module renderer/api/ws-client
 * The renderer API over the browser host's WebSocket (`ws://HOST/api`), for when the page runs in
 * a browser rather than in Electron. It builds exactly the surface the preload builds — one named
 * function per contract method, one subscription per event, names from functionName() and
 * subscriptionName() — so the app cannot tell the two transports apart.
 *
 * Frames are the contract's: `{id, method, input}` out, `{type:'result', id, result}` and
 * `{type:'event', event, payload}` in. The socket reconnects with capped exponential backoff and
 * jitter. A call that was sent when the socket dropped fails at once (it may or may not have run:
 * the caller decides whether to retry); a call made while disconnected waits for the next open,
 * up to `queueTimeoutMs`. A new socket is a new server-side connection, which starts signed out;
 * `onConnection` tells the app so it can re-read the vault status.
 *
 * Trusts: the host it was served from (same origin, session cookie). Does not trust frame shapes:
 * anything malformed is dropped, never thrown into the app.
 */
import {
  EVENT_NAMES,
  EVENTS,
  METHOD_NAMES,
  METHODS,
  functionName,
  subscriptionName,
  type CustosApi,
  type EventName,
  type MethodName,
  type Result,
} from '../../shared/api/contract.js';

/** The code a call fails with when the connection to the host is lost (the request may or may not have run). */
export const DISCONNECTED_CODE = 'DISCONNECTED' as const;
export const DISCONNECTED_MESSAGE = 'disconnected from the Custos host (the request may or may not have run)';
export const NOT_CONNECTED_MESSAGE = 'not connected to the Custos host';

/** The parts of the DOM WebSocket this client uses (so tests can pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}
export type SocketFactory = (url: string) => SocketLike;

export type ConnectionState =
  | { readonly status: 'connecting'; readonly attempt: number }
  | { readonly status: 'open'; readonly generation: number }
  | { readonly status: 'closed'; readonly attempt: number; readonly retryAt: number }
  | { readonly status: 'stopped' };

export interface WsClientOptions {
  readonly url: string;
  readonly socket: SocketFactory;
  /** First retry delay; doubles per failed attempt up to `maxBackoffMs`. */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** How long a call made while disconnected waits for the socket to open. */
  readonly queueTimeoutMs?: number;
  /** Check every result against its output schema and report mismatches (development only). */
  readonly validate?: (method: MethodName, problem: string) => void;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
}

export interface WsClient {
  readonly api: CustosApi;
  connection(): ConnectionState;
  /** Called on every state change; `open` carries a generation that grows with each new socket. */
  onConnection(listener: (state: ConnectionState) => void): () => void;
  /** Try now instead of waiting out the backoff. */
  reconnectNow(): void;
  /** Close for good; pending and queued calls fail. */
  stop(): void;
}

const OPEN = 1;

interface Pending {
  readonly method: MethodName;
  readonly resolve: (r: Result<unknown>) => void;
}
interface Queued {
  readonly method: MethodName;
  readonly input: unknown;
  readonly resolve: (r: Result<unknown>) => void;
  readonly timer: unknown;
}

/** Backoff before attempt `attempt` (1-based): initial·2^(attempt-1), capped, with ±25 % jitter. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + random() * 0.5));
}

/** Parse one incoming frame; undefined when it is not a well-formed contract frame. */
export function parseFrame(data: unknown):
  | { type: 'result'; id: number; result: Result<unknown> }
  | { type: 'event'; event: EventName; payload: unknown }
  | undefined {
  if (typeof data !== 'string') return undefined;
  let msg: unknown;
  try {
    msg = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as Record<string, unknown>;
  if (m.type === 'result' && typeof m.id === 'number' && isResult(m.result)) return { type: 'result', id: m.id, result: m.result };
  if (m.type === 'event' && typeof m.event === 'string' && (EVENT_NAMES as readonly string[]).includes(m.event)) {
    return { type: 'event', event: m.event as EventName, payload: m.payload };
  }
  return undefined;
}

function isResult(r: unknown): r is Result<unknown> {
  if (typeof r !== 'object' || r === null) return false;
  const o = r as Record<string, unknown>;
  if (o.ok === true) return 'value' in o;
  if (o.ok !== false || typeof o.error !== 'object' || o.error === null) return false;
  const e = o.error as Record<string, unknown>;
  return typeof e.code === 'string' && typeof e.message === 'string';
}

export function createWsClient(options: WsClientOptions): WsClient {
  const initialBackoffMs = options.initialBackoffMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  const queueTimeoutMs = options.queueTimeoutMs ?? 15_000;
  const now = options.now ?? (() => Date.now());
  const random = options.random ?? Math.random;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));

  let socket: SocketLike | undefined;
  let state: ConnectionState = { status: 'connecting', attempt: 1 };
  let attempt = 0;
  let generation = 0;
  let nextId = 1;
  let retryTimer: unknown;
  const pending = new Map<number, Pending>();
  const queue: Queued[] = [];
  const stateListeners = new Set<(s: ConnectionState) => void>();
  const eventListeners = new Map<EventName, Set<(payload: never) => void>>();

  function setState(next: ConnectionState): void {
    state = next;
    for (const l of [...stateListeners]) {
      try {
        l(next);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  function connect(): void {
    if (state.status === 'stopped') return;
    attempt += 1;
    setState({ status: 'connecting', attempt });
    let s: SocketLike;
    try {
      s = options.socket(options.url);
    } catch {
      scheduleRetry();
      return;
    }
    socket = s;
    s.onopen = () => {
      if (socket !== s) return;
      attempt = 0;
      generation += 1;
      setState({ status: 'open', generation });
      flushQueue();
    };
    s.onmessage = (ev) => {
      if (socket !== s) return;
      onFrame(ev.data);
    };
    s.onerror = () => {
      // onclose follows; nothing to do here (the browser gives no detail on purpose)
    };
    s.onclose = () => {
      if (socket !== s) return;
      socket = undefined;
      failPending(DISCONNECTED_MESSAGE);
      scheduleRetry();
    };
  }

  function scheduleRetry(): void {
    if (state.status === 'stopped') return;
    const delay = backoffDelay(attempt + 1, initialBackoffMs, maxBackoffMs, random);
    setState({ status: 'closed', attempt, retryAt: now() + delay });
    retryTimer = setTimer(() => {
      retryTimer = undefined;
      connect();
    }, delay);
  }

  function failPending(message: string): void {
    const calls = [...pending.values()];
    pending.clear();
    for (const p of calls) p.resolve({ ok: false, error: { code: DISCONNECTED_CODE, message } });
  }

  function onFrame(data: unknown): void {
    const frame = parseFrame(data);
    if (frame === undefined) return;
    if (frame.type === 'result') {
      const p = pending.get(frame.id);
      if (p === undefined) return;
      pending.delete(frame.id);
      if (options.validate !== undefined && frame.result.ok) {
        const parsed = METHODS[p.method].output.safeParse(frame.result.value);
        if (!parsed.success) options.validate(p.method, parsed.error.message);
      }
      p.resolve(frame.result);
      return;
    }
    const listeners = eventListeners.get(frame.event);
    if (listeners === undefined) return;
    const parsed = EVENTS[frame.event].safeParse(frame.payload);
    if (!parsed.success) return; // an event we cannot read is an event we do not act on
    for (const l of [...listeners]) {
      try {
        (l as (p: unknown) => void)(parsed.data);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  function send(method: MethodName, input: unknown, resolve: (r: Result<unknown>) => void): void {
    const s = socket;
    if (s === undefined || s.readyState !== OPEN) {
      resolve({ ok: false, error: { code: DISCONNECTED_CODE, message: NOT_CONNECTED_MESSAGE } });
      return;
    }
    const id = nextId++;
    pending.set(id, { method, resolve });
    try {
      s.send(JSON.stringify({ id, method, input }));
    } catch {
      pending.delete(id);
      resolve({ ok: false, error: { code: DISCONNECTED_CODE, message: DISCONNECTED_MESSAGE } });
    }
  }

  function flushQueue(): void {
    const calls = queue.splice(0);
    for (const q of calls) {
      clearTimer(q.timer);
      send(q.method, q.input, q.resolve);
    }
  }

  function call(method: MethodName, input: unknown): Promise<Result<unknown>> {
    return new Promise((resolve) => {
      if (state.status === 'stopped') {
        resolve({ ok: false, error: { code: DISCONNECTED_CODE, message: NOT_CONNECTED_MESSAGE } });
        return;
      }
      if (socket !== undefined && socket.readyState === OPEN) {
        send(method, input, resolve);
        return;
      }
      const entry: Queued = {
        method,
        input,
        resolve,
        timer: setTimer(() => {
          const i = queue.indexOf(entry);
          if (i >= 0) queue.splice(i, 1);
          resolve({ ok: false, error: { code: DISCONNECTED_CODE, message: NOT_CONNECTED_MESSAGE } });
        }, queueTimeoutMs),
      };
      queue.push(entry);
    });
  }

  function subscribe(event: EventName, listener: (payload: never) => void): () => void {
    let set = eventListeners.get(event);
    if (set === undefined) eventListeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  const api: Record<string, unknown> = {};
  for (const m of METHOD_NAMES) api[functionName(m)] = (input: unknown) => call(m, input);
  for (const e of EVENT_NAMES) api[subscriptionName(e)] = (listener: (payload: never) => void) => subscribe(e, listener);
  Object.freeze(api);

  connect();

  return {
    api: api as unknown as CustosApi,
    connection: () => state,
    onConnection(listener) {
      stateListeners.add(listener);
      return () => {
        stateListeners.delete(listener);
      };
    },
    reconnectNow() {
      if (state.status !== 'closed') return;
      if (retryTimer !== undefined) clearTimer(retryTimer);
      retryTimer = undefined;
      connect();
    },
    stop() {
      if (retryTimer !== undefined) clearTimer(retryTimer);
      setState({ status: 'stopped' });
      const s = socket;
      socket = undefined;
      s?.close(1000, 'client stopped');
      failPending(DISCONNECTED_MESSAGE);
      for (const q of queue.splice(0)) {
        clearTimer(q.timer);
        q.resolve({ ok: false, error: { code: DISCONNECTED_CODE, message: NOT_CONNECTED_MESSAGE } });
      }
    },
  };
}
