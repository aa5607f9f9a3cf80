/**
 * @module renderer/store/airgap-slice
 * Air-gapped operation as the top bar and the Air-gap screen show it: whether this Custos is
 * air-gapped (and what turned it on), the online side's outbox of envelopes sent to an
 * air-gapped signer, and which imported request the air-gapped side is reviewing.
 *
 * The status is read at sign-in and re-read with the outbox on `airgap.changed`. The imported
 * request itself lives in the requests slice (it is queued like any other, client transport
 * 'air-gap'); this slice keeps its id only, so the screen shows it again after a detour.
 *
 * Holds envelopes' public facts (ids, hashes, titles), never key material or files' contents.
 */
import type { MethodOutput } from '../../shared/api/contract.js';
import type { OutboxEntry } from '../../shared/api/airgap.js';
import type { RequestRecord } from '../../shared/api/signing.js';
import type { ErrorInfo, Result } from './types.js';
import type { AppState, SliceCreator } from './store.js';
import { SIGNED_OUT_CODES } from './signed-out.js';
import { isSignedIn } from './vault-slice.js';

export type AirgapStatus = MethodOutput<'airgap.status'>;
export type AirgapFile = MethodOutput<'airgap.exportResponse'>;
export type AirgapImported = MethodOutput<'airgap.importResponse'>;
export type AirgapView = 'sign' | 'outbox';

export interface AirgapSlice {
  /** Undefined until read (or when the host has no air-gap support). */
  readonly airgap: AirgapStatus | undefined;
  readonly airgapOutbox: readonly OutboxEntry[] | undefined;
  readonly airgapError: ErrorInfo | undefined;
  /** The request imported on the air-gapped side, on show on the Air-gap screen. */
  readonly airgapRequestId: string | null;
  /** The record importRequest returned, until the requests list carries it. */
  readonly airgapImported: RequestRecord | null;
  /** Which half of the Air-gap screen is on show; null: the one this side's mode suggests. */
  readonly airgapView: AirgapView | null;
  loadAirgap(): Promise<void>;
  onAirgapChanged(): void;
  setAirgapView(view: AirgapView): void;
  importAirgapRequest(envelope: string): Promise<Result<RequestRecord>>;
  clearAirgapRequest(): void;
  exportAirgapResponse(requestId: string): Promise<Result<AirgapFile>>;
  exportAirgapRequest(requestId: string): Promise<Result<AirgapFile>>;
  importAirgapResponse(response: string): Promise<Result<AirgapImported>>;
  resetAirgap(): void;
}

/** The imported request as it stands now: the live record from the requests lists, else the one the import returned. */
export function airgapRecord(s: Pick<AppState, 'requests' | 'airgapRequestId' | 'airgapImported'>): RequestRecord | undefined {
  const id = s.airgapRequestId;
  if (id === null) return undefined;
  const live = s.requests?.pending.find((r) => r.id === id) ?? s.requests?.history.find((r) => r.id === id);
  return live ?? (s.airgapImported?.id === id ? s.airgapImported : undefined);
}

/** The view the Air-gap screen opens on: the operator's choice, else signing when air-gapped. */
export function airgapViewOf(s: Pick<AppState, 'airgap' | 'airgapView'>): AirgapView {
  return s.airgapView ?? (s.airgap?.airGapped === false ? 'outbox' : 'sign');
}

export const createAirgapSlice: SliceCreator<AirgapSlice> = (set, get, { api }) => {
  let seq = 0;

  function signedOutCheck(r: Result<unknown>): void {
    if (!r.ok && SIGNED_OUT_CODES.has(r.error.code)) void get().refreshVault();
  }

  return {
    airgap: undefined,
    airgapOutbox: undefined,
    airgapError: undefined,
    airgapRequestId: null,
    airgapImported: null,
    airgapView: null,

    async loadAirgap() {
      const mine = ++seq;
      const [status, outbox] = await Promise.all([api.airgapStatus({}), api.airgapOutbox({})]);
      if (mine !== seq) return;
      signedOutCheck(status);
      set({
        ...(status.ok ? { airgap: status.value } : {}),
        ...(outbox.ok ? { airgapOutbox: outbox.value } : {}),
        airgapError: !status.ok ? status.error : !outbox.ok ? outbox.error : undefined,
      });
    },

    onAirgapChanged() {
      if (isSignedIn(get().vault)) void get().loadAirgap();
    },

    setAirgapView: (airgapView) => set({ airgapView }),

    async importAirgapRequest(envelope) {
      const r = await api.airgapImportRequest({ envelope });
      signedOutCheck(r);
      if (r.ok) {
        set({ airgapRequestId: r.value.id, airgapImported: r.value });
        // The queue's own read follows requests.changed; read now so the record is live at once.
        void get().loadRequests();
      }
      return r;
    },

    clearAirgapRequest: () => set({ airgapRequestId: null, airgapImported: null }),

    async exportAirgapResponse(requestId) {
      const r = await api.airgapExportResponse({ requestId });
      signedOutCheck(r);
      return r;
    },

    async exportAirgapRequest(requestId) {
      const r = await api.airgapExportRequest({ requestId });
      signedOutCheck(r);
      if (r.ok) void get().loadAirgap();
      return r;
    },

    async importAirgapResponse(response) {
      const r = await api.airgapImportResponse({ response });
      signedOutCheck(r);
      if (r.ok) {
        void get().loadAirgap();
        if (r.value.fulfilled) void get().loadRequests();
      }
      return r;
    },

    resetAirgap() {
      seq += 1;
      // The mode is the host's, not the session's: it stays shown on the unlock screen's next sign-in.
      set({ airgapOutbox: undefined, airgapError: undefined, airgapRequestId: null, airgapImported: null, airgapView: null });
    },
  };
};
