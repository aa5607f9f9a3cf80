/**
 * @module renderer/store/signing-slice
 * The Sign screen: a request being composed (who signs, what kind, the payload), the decoded
 * view the core returned for it, and the result once signed. Review and sign are two steps: the
 * Sign button exists only for the exact draft that was reviewed — any edit drops the view, so an
 * operator never signs something other than what they read.
 *
 * Holds requests and results (public data: transactions, signatures), never key material.
 */
import { chainOfRequest, type RequestView, type SignedResult, type SignerRef, type SigningRequest, type SigningRequestType } from '../../shared/api/signing.js';
import type { ErrorInfo } from './types.js';
import type { SliceCreator } from './store.js';
import { SIGNED_OUT_CODES } from './signed-out.js';

/** What the operator has typed; turned into a SigningRequest only when reviewed. */
export interface SignDraft {
  readonly type: SigningRequestType;
  readonly signer: SignerRef | null;
  /** The payload: transaction, typed data, PSBT or message text. */
  readonly payload: string;
  /** Ethereum: the chain id the operator expects. */
  readonly chainId: string;
  readonly encoding: 'utf8' | 'hex';
  readonly network: 'mainnet' | 'testnet' | 'regtest';
  readonly finalize: boolean;
}

export interface SigningSlice {
  readonly signDraft: SignDraft;
  readonly signView: RequestView | undefined;
  readonly signResult: { readonly view: RequestView; readonly result: SignedResult } | undefined;
  readonly signError: ErrorInfo | undefined;
  readonly signBusy: 'review' | 'sign' | null;
  editSignDraft(patch: Partial<SignDraft>): void;
  /**
   * Open the Sign screen with this signer chosen (from a key's or a wallet's detail). `type`: a
   * request type this signer can sign; the draft keeps its own type when that is for the same chain.
   */
  startSigning(signer: SignerRef, type?: SigningRequestType): void;
  reviewSignDraft(): Promise<void>;
  /** True when the request was signed. */
  signReviewed(): Promise<boolean>;
  resetSigning(): void;
}

export const EMPTY_DRAFT: SignDraft = { type: 'eth.transaction', signer: null, payload: '', chainId: '1', encoding: 'utf8', network: 'mainnet', finalize: true };

/** The request the core receives for a draft. */
export function requestOf(d: SignDraft): SigningRequest {
  switch (d.type) {
    case 'eth.transaction':
      return { type: d.type, transaction: d.payload, ...(d.chainId.trim() === '' ? {} : { chainId: d.chainId.trim() }) };
    case 'eth.typedData':
      return { type: d.type, typedData: d.payload, chainId: d.chainId.trim() };
    case 'eth.message':
      return { type: d.type, message: d.payload, encoding: d.encoding };
    case 'btc.psbt':
      return { type: d.type, psbt: d.payload, network: d.network, finalize: d.finalize };
    case 'btc.message':
      return { type: d.type, message: d.payload, network: d.network };
    case 'sol.transaction':
      return { type: d.type, transaction: d.payload };
    case 'sol.message':
      return { type: d.type, message: d.payload };
    case 'stark.invoke':
      return { type: d.type, invoke: d.payload };
    case 'stark.typedData':
      return { type: d.type, typedData: d.payload };
    default: {
      const never: never = d.type;
      return never;
    }
  }
}

export const createSigningSlice: SliceCreator<SigningSlice> = (set, get, { api }) => {
  /** Each review or sign call gets a number; an answer for an older draft is dropped. */
  let seq = 0;

  function failed(error: ErrorInfo): void {
    set({ signError: error, signBusy: null });
    if (SIGNED_OUT_CODES.has(error.code)) void get().refreshVault();
  }

  return {
    signDraft: EMPTY_DRAFT,
    signView: undefined,
    signResult: undefined,
    signError: undefined,
    signBusy: null,
    editSignDraft(patch) {
      seq++;
      set({ signDraft: { ...get().signDraft, ...patch }, signView: undefined, signResult: undefined, signError: undefined, signBusy: null });
    },
    startSigning(signer, type) {
      seq++;
      const draft = get().signDraft;
      const keep = type === undefined || chainOfRequest(type) === chainOfRequest(draft.type);
      set({ signDraft: { ...draft, signer, ...(keep ? {} : { type, payload: '' }) }, signView: undefined, signResult: undefined, signError: undefined, signBusy: null, screen: 'sign' });
    },
    async reviewSignDraft() {
      const mine = ++seq;
      const draft = get().signDraft;
      set({ signBusy: 'review', signError: undefined, signView: undefined, signResult: undefined });
      const r = await api.signingDescribe({ request: requestOf(draft), ...(draft.signer === null ? {} : { signer: draft.signer }) });
      if (mine !== seq) return;
      if (r.ok) set({ signView: r.value, signBusy: null });
      else failed(r.error);
    },
    async signReviewed() {
      const draft = get().signDraft;
      if (get().signView === undefined || draft.signer === null) return false;
      const mine = ++seq;
      set({ signBusy: 'sign', signError: undefined });
      const r = await api.signingSign({ request: requestOf(draft), signer: draft.signer });
      if (mine !== seq) return false;
      if (r.ok) set({ signResult: r.value, signView: r.value.view, signBusy: null });
      else failed(r.error);
      return r.ok;
    },
    resetSigning() {
      seq++;
      set({ signDraft: EMPTY_DRAFT, signView: undefined, signResult: undefined, signError: undefined, signBusy: null });
    },
  };
};
