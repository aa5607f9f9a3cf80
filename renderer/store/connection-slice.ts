/**
 * @module renderer/store/connection-slice
 * The transport's state (always "open" over Electron IPC; the WebSocket's in a browser), shown in
 * the frame so an operator knows why nothing answers.
 */
import type { ConnectionState } from '../api/ws-client.js';
import type { SliceCreator } from './store.js';

export interface ConnectionSlice {
  readonly connection: ConnectionState;
  setConnection(state: ConnectionState): void;
}

export const createConnectionSlice: SliceCreator<ConnectionSlice> = (set) => ({
  connection: { status: 'connecting', attempt: 1 },
  setConnection: (connection) => set({ connection }),
});
