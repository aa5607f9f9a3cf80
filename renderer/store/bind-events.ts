/**
 * @module renderer/store/bind-events
 * Wires the transport into the store: API events refresh the slice they concern, and a new
 * connection (the WebSocket reconnected, so the host sees a new, signed-out connection) re-reads
 * the vault status.
 */
import type { Transport } from '../api/get-api.js';
import type { AppStore } from './store.js';

export function bindEvents(store: AppStore, transport: Transport): () => void {
  const { api } = transport;
  const offs = [
    api.onVaultChanged((status) => store.getState().applyVaultStatus(status)),
    api.onKeysChanged((payload) => {
      store.getState().onKeysChanged(payload);
      store.getState().onHdChanged(payload);
    }),
    api.onAuditAppended((payload) => store.getState().onAuditAppended(payload)),
    api.onRequestsChanged((payload) => store.getState().onRequestsChanged(payload)),
    api.onWalletsChanged((payload) => store.getState().onWalletsChanged(payload)),
    api.onPoliciesChanged((payload) => store.getState().onPoliciesChanged(payload)),
    api.onBackupProgress((progress) => store.getState().onBackupProgress(progress)),
    api.onAirgapChanged(() => store.getState().onAirgapChanged()),
    api.onDevicesChanged((payload) => store.getState().onDevicesChanged(payload)),
    api.onDevicesConfirm((payload) => store.getState().onDeviceConfirm(payload)),
    transport.onConnection((state) => {
      store.getState().setConnection(state);
      if (state.status === 'open') void store.getState().refreshVault();
    }),
  ];
  const initial = transport.connection();
  store.getState().setConnection(initial);
  if (initial.status === 'open') void store.getState().refreshVault();
  return () => {
    for (const off of offs) off();
  };
}
