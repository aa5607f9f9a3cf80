/**
 * @module ipc/binder
 * THE binder of the renderer API over Electron IPC: one `ipcMain.handle` per method of
 * shared/api, each of which
 *
 * 1. checks the sender: a webContents that main.ts registered (our window), the message coming
 *    from its main frame (not an iframe), and that frame showing our app:// origin;
 * 2. hands the raw input to `dispatch`, which parses it with the method's schema, runs the one
 *    handler table (electron/core/api/handlers.ts) with that window's own Connection, and returns
 *    a `Result` — never a throw, never a stack trace;
 *
 * and forwards core events to every registered window showing our page, each mapped for that
 * window's connection.
 *
 * Written against small structural interfaces (`IpcMainLike`, `SenderLike`) that Electron's
 * ipcMain and WebContents satisfy, so the checks are tested without Electron. Trusts nothing that
 * arrives over IPC: not the input, not the frame, not the claim to be our page.
 */
import { eventChannel, METHOD_NAMES, methodChannel, type HandlerTable, type MethodName, type Result } from '../../shared/api/contract.js';
import { dispatch } from '../core/api/dispatch.js';
import { eventFor, type Connection } from '../core/api/handlers.js';
import type { CoreEvent } from '../core/custodian.js';
import { isAppUrl } from './window.js';

/** The parts of Electron's WebFrameMain we read. */
export interface FrameLike {
  readonly url: string;
  /** null for the top frame of a webContents. */
  readonly parent: unknown;
}

/** The parts of Electron's WebContents we use. */
export interface SenderLike {
  /** Unique for the life of the process (Electron never reuses webContents ids). */
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  /** The URL its main frame shows. */
  getURL(): string;
}

/** The parts of Electron's IpcMainInvokeEvent we read. */
export interface InvokeEventLike {
  readonly sender: SenderLike;
  /** null when the frame has navigated away or been destroyed since it sent the message. */
  readonly senderFrame: FrameLike | null;
}

/** The parts of Electron's ipcMain we use. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/** Where core events come from: the custodian (`Custodian.subscribe`). */
export interface EventSource {
  subscribe(listener: (event: CoreEvent) => void): () => void;
}

export interface IpcBinderOptions {
  readonly ipcMain: IpcMainLike;
  readonly table: HandlerTable<Connection>;
  readonly events: EventSource;
  /** Told of every refused call (method and reason; never the input). For the log. */
  readonly onRefused?: (method: MethodName, reason: string) => void;
}

export interface IpcBinder {
  /**
   * Accept calls from `sender` (a window main.ts created) on behalf of `connection`, and send it
   * events, until the returned function is called (on 'destroyed').
   */
  addWindow(sender: SenderLike, connection: Connection): () => void;
  /** Remove every handler and stop forwarding events. */
  dispose(): void;
}

interface Registered {
  readonly sender: SenderLike;
  readonly connection: Connection;
}

/** Why a call is refused, or null when it comes from our page in a registered window. */
export function senderRefusal(event: InvokeEventLike, windows: ReadonlyMap<number, Registered>): string | null {
  if (!windows.has(event.sender.id)) return 'unknown webContents';
  const frame = event.senderFrame;
  if (frame === null) return 'sender frame is gone';
  if (frame.parent !== null) return 'not the main frame';
  if (!isAppUrl(frame.url)) return 'not the app origin';
  return null;
}

const REFUSED: Result<never> = { ok: false, error: { code: 'PERMISSION_DENIED', message: 'refused: this frame may not call the Custos API' } };

export function bindIpc(options: IpcBinderOptions): IpcBinder {
  const { ipcMain, table } = options;
  const windows = new Map<number, Registered>();

  for (const method of METHOD_NAMES) {
    ipcMain.handle(methodChannel(method), async (event, input) => {
      const refusal = senderRefusal(event, windows);
      const window = windows.get(event.sender.id);
      if (refusal !== null || window === undefined) {
        options.onRefused?.(method, refusal ?? 'unknown webContents');
        return REFUSED;
      }
      return dispatch(table, method, input, window.connection);
    });
  }

  const unsubscribe = options.events.subscribe((coreEvent) => {
    for (const { sender, connection } of windows.values()) {
      // Events go only to our own page (navigation away is denied anyway; this is the second lock).
      if (sender.isDestroyed() || !isAppUrl(sender.getURL())) continue;
      try {
        const mapped = eventFor(coreEvent, connection);
        if (mapped !== null) sender.send(eventChannel(mapped.name), mapped.payload);
      } catch {
        // One window's failure (destroyed mid-send, an unmappable event) must not starve the others.
      }
    }
  });

  return {
    addWindow(sender, connection) {
      windows.set(sender.id, { sender, connection });
      return () => {
        if (windows.get(sender.id)?.sender === sender) windows.delete(sender.id);
      };
    },
    dispose() {
      unsubscribe();
      windows.clear();
      for (const method of METHOD_NAMES) ipcMain.removeHandler(methodChannel(method));
    },
  };
}
