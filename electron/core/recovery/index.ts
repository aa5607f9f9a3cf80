/**
 * @module core/recovery
 * Shamir M-of-N recovery of the vault's master key: the share format (shares.ts) and the types
 * the facade's recoverySplit / recoveryCombine return. The facade does the authorization and
 * auditing; the vault checks a rebuilt key and writes the new slot. Trusts the vault.
 */
import type { VerifyReport } from '../audit/log.js';
import type { PrintedShare } from './shares.js';

export { assertSplitParameters, combineShares, MAX_SHARES, parseShare, SHARE_FORMATS, splitMasterKey, type ParsedShare, type PrintedShare, type ShareFormat } from './shares.js';

/** The result of recoverySplit: the printed shares (secret: show once), and public facts about them. */
export interface RecoverySplit {
  readonly splitId: string;
  /** Vault.masterKeyFingerprint in hex: names the key the shares rebuild, says nothing about it. */
  readonly fingerprint: string;
  readonly threshold: number;
  readonly total: number;
  readonly shares: readonly PrintedShare[];
}

export interface RecoveryCombined {
  readonly operator: string;
  /** True when the operator's key slot had been removed and was re-created. */
  readonly created: boolean;
  readonly fingerprint: string;
  readonly report: VerifyReport;
}

