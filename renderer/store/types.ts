/**
 * @module renderer/store/types
 * The data types the renderer works with, all derived from the contract (z.infer through
 * MethodOutput), so a contract change shows up here as a type error, not as a runtime surprise.
 */
import type { ErrorInfoWire, MethodInput, MethodOutput, Result } from '../../shared/api/contract.js';

export type VaultStatus = MethodOutput<'vault.status'>;
export type UnlockReport = MethodOutput<'vault.unlock'>['audit'];
export type NamespaceInfo = MethodOutput<'namespaces.list'>[number];
export type KeyInfo = MethodOutput<'keys.get'>;
export type KeyAlgorithm = KeyInfo['algorithm'];
export type KeyState = KeyInfo['state'];
export type HdWalletInfo = MethodOutput<'hd.get'>;
export type HdDerived = MethodOutput<'hd.derive'>;
export type BitcoinScript = NonNullable<MethodInput<'hd.derive'>['script']>;
export type BitcoinNetwork = NonNullable<MethodInput<'hd.derive'>['network']>;
export type AuditEvent = MethodOutput<'audit.query'>[number];
export type AuditStatus = MethodOutput<'audit.status'>;
export type VerifyReport = MethodOutput<'audit.verify'>;
export type AuditQuery = MethodInput<'audit.query'>;
export type Settings = MethodOutput<'settings.get'>;
export type Theme = Settings['theme'];
export type ImportFormat = MethodInput<'keys.import'>['format'];
export type PublicKeyFormat = MethodInput<'keys.publicKey'>['format'];
export type ErrorInfo = ErrorInfoWire;
export type { Result };

/** The screens of the app frame (only those that exist: UI.md). */
export type Screen = 'requests' | 'policies' | 'keys' | 'sign' | 'audit' | 'devices' | 'backup' | 'airgap' | 'settings';

/** Audit filters as the operator set them; undefined = not filtered. */
export interface AuditFilters {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly namespace?: string | undefined;
  readonly principal?: string | undefined;
  readonly action?: string | undefined;
  readonly result?: string | undefined;
}

export interface KeyFilters {
  readonly search: string;
  readonly algorithm: KeyAlgorithm | 'all';
  readonly state: KeyState | 'all';
}
