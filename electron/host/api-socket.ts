/**
 * @module host/api-socket
 * The renderer API over one accepted WebSocket: the browser host's equivalent of the IPC binder.
 * Each frame is a `WireRequest` ({id, method, input}); each answer a `WireMessage` of type
 * 'result' with the same id; core events go out as 'event' messages. The handler table and
 * `dispatch` are the ones Electron IPC binds; this file adds only the framing.
 *
 * Trusts the upgrade checks in server.ts (Host, Origin, session cookie) to have run. Trusts
 * nothing in a frame: a frame that is binary, not JSON, or not a WireRequest is answered with
 * INVALID_INPUT (id 0 when no usable id could be read) and the connection stays up. Requests
 * run concurrently, as IPC calls do; answers carry their id, so their order does not matter.
 */
import type { WebSocket, RawData } from 'ws';
import { toErrorInfo, type ErrorInfo } from '../../shared/errors.js';
import { wireRequestSchema, type HandlerTable, type WireMessage } from '../../shared/api/contract.js';
import { dispatch } from '../core/api/dispatch.js';
import { eventFor, type Connection } from '../core/api/handlers.js';
import type { CoreEvent, Custodian } from '../core/custodian.js';

/** More requests in flight than this on one socket are answered RATE_LIMITED: a tab has no reason to queue hundreds. */
export const MAX_IN_FLIGHT = 64;

export interface ApiSocket {
  /** Forward a core event to this socket, as this connection sees it. */
  deliver(event: CoreEvent): void;
  /** Resolves when the socket has closed, its requests have settled and its operator session has ended. */
  readonly done: Promise<void>;
}

/**
 * Serve the API on `socket` for one connection of its own: `root.forTransport` gives a signed-out
 * facade instance, recorded in the audit log as transport 'host' with the page's origin.
 */
export function serveApiSocket(
  socket: WebSocket,
  root: Custodian,
  table: HandlerTable<Connection>,
  origin: string,
  hooks: {
    /** Called once, as the socket closes. */
    readonly closed: () => void;
    /** Whether this was the last open API socket and the host locks the vault then (asked after this one has closed). */
    readonly lockAfterLast: () => boolean;
  },
): ApiSocket {
  const connection: Connection = { custodian: root.forTransport({ transport: 'host', origin }) };
  const inFlight = new Set<Promise<void>>();

  const send = (message: WireMessage): void => {
    if (socket.readyState !== socket.OPEN) return;
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch {
      return; // nothing we produce fails to serialise; if it ever did, drop it rather than crash the host
    }
    socket.send(text);
  };
  const fail = (id: number, error: ErrorInfo): void => send({ type: 'result', id, result: { ok: false, error } });

  socket.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) return fail(0, { code: 'INVALID_INPUT', message: 'frames are JSON text' });
    let raw: unknown;
    try {
      raw = JSON.parse(rawText(data));
    } catch {
      return fail(0, { code: 'INVALID_INPUT', message: 'frame is not JSON' });
    }
    const parsed = wireRequestSchema.safeParse(raw);
    if (!parsed.success) return fail(usableId(raw), { code: 'INVALID_INPUT', message: 'frame must be {id, method, input}' });
    const { id, method, input } = parsed.data;
    if (inFlight.size >= MAX_IN_FLIGHT) return fail(id, { code: 'RATE_LIMITED', message: `more than ${MAX_IN_FLIGHT} requests in flight on this connection` });
    const run = dispatch(table, method, input, connection)
      .catch((error: unknown) => ({ ok: false as const, error: toErrorInfo(error) })) // dispatch never throws; belt and braces
      .then((result) => send({ type: 'result', id, result }));
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  });

  // A socket error (a bad frame at the protocol level, too large a message) ends in 'close'; the
  // listener is here so that ws does not turn it into an uncaught 'error' event.
  socket.on('error', () => undefined);

  const done = new Promise<void>((resolve) => {
    socket.once('close', () => {
      hooks.closed();
      void (async () => {
        await Promise.allSettled([...inFlight]);
        try {
          // The tab is gone: so is its operator session (audited as auth.logout). When it was the
          // last tab, lock the vault too, so the master key does not sit in memory with nobody
          // there: a new tab must sign in with the passphrase either way, so locking costs nothing.
          // Asked now, not at 'close': a tab that reloaded may have opened its new socket meanwhile.
          if (hooks.lockAfterLast() && connection.custodian.whoami().kind === 'operator') await connection.custodian.lock();
          await connection.custodian.logout();
        } catch {
          // the core may already be closing; the session dies with it
        }
        resolve();
      })();
    });
  });

  return {
    done,
    deliver(event) {
      // A connection nobody has signed in on learns that the vault changed (to show the unlock
      // screen), not the names of keys being changed by others.
      let mapped: ReturnType<typeof eventFor>;
      try {
        mapped = eventFor(event, connection);
      } catch {
        return; // the core is closing
      }
      if (mapped === null) return;
      send({ type: 'event', event: mapped.name, payload: mapped.payload });
    },
  };
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** The id of a frame that failed validation, when it has a usable one, so the caller's promise settles. */
function usableId(raw: unknown): number {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : 0;
}
