/**
 * @module core/custodian
 * THE facade: every operation from every transport (CLI today; IPC, browser host and loopback
 * servers later) goes through this one object. Transports map their wire format onto these
 * methods and back, and add no logic of their own.
 *
 * Order of steps per ARCHITECTURE.md: authenticate → authorize → validate → policy → approval
 * → execute → audit. A facade instance is bound to one caller: nobody (only status, init and
 * sign-in work), an operator session (unlock/login with a name and passphrase; idle timeout),
 * or an API token. Every operation checks that caller's roles (access/roles.ts), the key's ACL
 * and the rate limits, and is audited — refusals included. Policy arrives with its issue.
 */
import { assertNever, CustodyError } from '../../shared/errors.js';
import {
  isSigningAlgorithm,
  type HashAlgorithm,
  type ImportFormat,
  type KeyAlgorithm,
  type PublicKeyFormat,
  type RsaScheme,
  type SignatureFormat,
  type SignatureHash,
  type SigningKeyAlgorithm,
} from '../../shared/algorithms.js';
import { createCryptoEngine, runSelfTest } from './crypto/index.js';
import type { CryptoEngine, CryptoEngineOptions, KdfParams, PrivateKeyHandle, SignOptions } from './crypto/types.js';
import { openDatabase, integrityCheck, type Sqlite } from './vault/database.js';
import { DEFAULT_KDF, DEFAULT_LOCKOUT, Vault, type Clock, type KdfSettings, type LockoutSettings, type VaultStatus } from './vault/vault.js';
import { DEFAULT_NAMESPACE, KeyStore, type KeyFilter, type KeyInfo } from './keys/key-store.js';
import { AuditLog, DEFAULT_AUDIT_OPTIONS, type AuditFilter, type AuditOptions, type AuditStatus, type VerifyReport } from './audit/log.js';
import type { AuditEvent, DetailValue } from './audit/event.js';
import type { ConsistencyProofFile, InclusionProofFile } from './audit/proof-file.js';
import { createHash, randomUUID } from 'node:crypto';
import { HdWalletStore, type HdWalletInfo } from './keys/hd-wallets.js';
import { bitcoinAccountPath, bitcoinAddressPath, ethereumAddressPath, ethereumParentPath, solanaPath, type BitcoinNetwork, type BitcoinScriptType } from './chains/hd/accounts.js';
import { deriveFromSeed, masterNodeFromSeed, type HdCurve, type HdNode } from './chains/hd/slip10.js';
import { createDerivationCache, type DerivationCache } from './chains/hd/cache.js';
import { accountExtendedPublicKey, encodeExtendedPublicKey } from './chains/hd/extended-key.js';
import { ethAddressFromPublicKey } from './chains/hd/eth-address.js';
import { base58 } from '@scure/base';
import { secp256k1 as nobleSecp256k1 } from '@noble/curves/secp256k1.js';
import { ed25519Signer, ed25519SignerFromHandle, secp256k1Signer, secp256k1SignerFromHandle } from './chains/engine-signers.js';
import type { Ed25519Signer, Secp256k1Signer, StarkSigner } from './chains/signer.js';
import * as eth from './chains/ethereum/index.js';
import * as bitcoin from './chains/bitcoin/index.js';
import * as sol from './chains/solana/index.js';
import * as stark from './chains/starknet/index.js';
import { eip2645Path, starkKeyFromNode, starknetAccountPath } from './chains/hd/starknet.js';
import { BITCOIN_SCRIPT_TYPES } from './chains/hd/accounts.js';
import * as btc from '@scure/btc-signer';
import type { Statement } from 'better-sqlite3';
import { AccessStore, TOKEN_ID_PATTERN, tokenPrincipal, type NamespaceSettings, type TokenInfo } from './access/access-store.js';
import { ALL_NAMESPACES, hasPermission, isAdmin, namespacesWith, NAMESPACE_ROLES, type Grant, type Permission, type Role } from './access/roles.js';
import { RateLimiter, type RateLimit } from './access/rate-limit.js';
import type { AccessSettings } from './access/settings.js';
import { ApprovalQueue, type RequestClient, type RequestRecord, type RequestState } from './approvals/queue.js';
import { addressOptions, describeRequest, signDescribed, signerAddress } from './signing/requests.js';
import { accountLabel, ConnectionStore, connectionView, MAX_ACCOUNTS, type StoredAccount, type StoredConnection } from './wallets/connection-store.js';
import { WalletPrompts } from './wallets/prompts.js';
import { buildPolicyContext, evaluationAuditDetails, policyResultWire, moduleAuditDetails, parsePolicyContext, parsePolicyDefinition, policyAuditDetails, PolicyEngine, PolicyRuntime, PolicyStore, prepareModule, spendingOf, applicablePolicies, type ModuleInfo, type PolicyContext, type PolicyDefinition, type PolicyEvaluation, type StoredPolicy } from './policy/index.js';
import type { PolicyApi } from './policy/api.js';
import { SpendLedger, type SpendOwner } from './policy/ledger.js';
import { newRequestId, type QuorumRequirement } from './approvals/queue.js';
import type { WalletAccount, WalletChain, WalletConnection, WalletConnectionsApi, WalletCredential, WalletGrantInput, WalletPrompt, WalletSession } from './wallets/types.js';
import { chainOfRequest, signerRefSchema, signingRequestSchema, type RequestView, type SignedResult, type SignerRef, type SigningRequest } from '../../shared/api/signing.js';
export type { AccessSettings, NamespaceLimits } from './access/settings.js';
import { assertOperatorName, DEFAULT_OPERATOR, OPERATOR_NAME_PATTERN } from './vault/vault.js';
import { assertSplitParameters, combineShares, parseShare, splitMasterKey, type RecoveryCombined, type RecoverySplit } from './recovery/index.js';
import { type BackupCreated, type BackupKdf } from './backup/index.js';
import { createBackupFile } from './backup/create.js';
import type { AirgapEnvelope, BackupProgress, OutboxEntry, QrFrames } from '../../shared/api/airgap.js';
import { buildEnvelope, buildResponse, DEFAULT_ENVELOPE_TTL_MS, envelopeFileName, fileText, parseEnvelope, parseResponse, responseFileName } from './airgap/envelope.js';
import { OutboxStore } from './airgap/outbox.js';
import { DeviceKeyStore, type DeviceKeyRecord } from './backends/device-keys.js';
import { DeviceManager, type DeviceInfo } from './backends/manager.js';
import type { DeviceKey, TokenBackend } from './backends/types.js';
import { Signature as EthersSignature, Transaction as EthersTransaction, recoverAddress as ethersRecoverAddress } from 'ethers';
import { qrFrames } from './airgap/qr-frames.js';
import { verifyResponse } from './airgap/verify.js';

export interface CoreOptions {
  /** The data directory holding `custos.db`. */
  readonly dataDir: string;
  readonly clock?: Clock;
  readonly crypto?: CryptoEngineOptions;
  /** Argon2id parameters for new vaults and passphrase changes. */
  readonly kdf?: KdfSettings;
  readonly lockout?: LockoutSettings;
  readonly audit?: AuditOptions;
  readonly access?: AccessSettings;
  /** The deletion window when a caller names none (security.key_deletion_window_days). */
  readonly deletionWindowMs?: number;
  /** The transport this instance serves (the CLI: 'cli'). */
  readonly client?: ClientContext;
  /** The chains wallet-RPC clients may be on (server.wallet_rpc.chains); default Ethereum mainnet. */
  readonly walletChains?: readonly WalletChain[];
  /** Policies from custos.yaml (`policies:`): evaluated with the stored ones, read-only here. */
  readonly configPolicies?: readonly unknown[];
  /**
   * Air-gapped mode and what turned it on: the --air-gapped flag (or CUSTOS_AIR_GAPPED=1) or
   * custos.yaml's server.air_gapped. The facade then refuses everything that would need a network
   * (completing a transaction from an upstream node); the hosts open no listener.
   */
  readonly airGapped?: 'flag' | 'config';
  /** The PKCS#11 tokens and Ledgers this instance can reach (devices: in custos.yaml); none by default. */
  readonly devices?: DeviceManager;
  /**
   * Where a token's PIN comes from when a key on it is used before anyone logged in (the CLI:
   * CUSTOS_PKCS11_PIN, a --pin-file or a prompt). Absent (the desktop app): the operator logs in
   * from the Devices screen first. A PIN is used once and never stored.
   */
  readonly devicePin?: (backend: string) => Promise<Uint8Array | null>;
}

/** A file the core made for the operator to carry across the air gap. */
export interface AirgapFile {
  readonly fileName: string;
  readonly text: string;
  /** The content hash of the envelope or response (shared/api/airgap). */
  readonly sha256: string;
  readonly qr: QrFrames;
}

/** Over what a caller talks to us: recorded in every audit event. Who the caller is comes from authentication, never from here. */
export interface ClientContext {
  /** 'cli', 'ipc', 'host', 'hsm-grpc', … */
  readonly transport: string;
  readonly origin?: string;
}

export const CLI_CLIENT: ClientContext = { transport: 'cli' };

export const DEFAULT_SESSION_IDLE_MS = 15 * 60 * 1000;

export type HdDeriveRequest =
  | { readonly chain: 'ethereum'; readonly index: number; readonly account?: number }
  | { readonly chain: 'bitcoin'; readonly script: BitcoinScriptType; readonly network: BitcoinNetwork; readonly index: number; readonly change?: 0 | 1; readonly account?: number }
  | { readonly chain: 'solana'; readonly account: number }
  | { readonly chain: 'path'; readonly curve: 'secp256k1' | 'ed25519' | 'nist256p1'; readonly path: string };

/** Most addresses one hdDeriveRange call derives. */
export const HD_RANGE_MAX = 1000;

/**
 * A run of consecutive derivations: `count` (1..HD_RANGE_MAX) address indexes from `from`
 * (Ethereum, Bitcoin), or accounts from `from` (Solana, whose every level is hardened).
 */
export type HdDeriveRangeRequest =
  | { readonly chain: 'ethereum'; readonly from: number; readonly count: number; readonly account?: number }
  | { readonly chain: 'bitcoin'; readonly script: BitcoinScriptType; readonly network: BitcoinNetwork; readonly from: number; readonly count: number; readonly change?: 0 | 1; readonly account?: number }
  | { readonly chain: 'solana'; readonly from: number; readonly count: number };

/** Which key signs for Ethereum: a secp256k1 key in the vault, or an HD wallet's account index. */
export type EthKeyRef =
  | { readonly namespace: string; readonly keyId: string; readonly keyVersion?: number }
  | { readonly namespace: string; readonly wallet: string; readonly index: number; readonly account?: number };

/** A key in the vault, by id. */
export interface VaultKeyRef {
  readonly namespace: string;
  readonly keyId: string;
  readonly keyVersion?: number;
}

/** Which key signs for Bitcoin: a secp256k1 vault key, or an HD wallet's BIP-44/49/84/86 address key. */
export type BtcKeyRef =
  | VaultKeyRef
  | { readonly namespace: string; readonly wallet: string; readonly script: BitcoinScriptType; readonly network: BitcoinNetwork; readonly index: number; readonly change?: 0 | 1; readonly account?: number };

/** Which key signs for Solana: an ed25519 vault key, or an HD wallet's m/44'/501'/account'/0' (SLIP-10). */
export type SolKeyRef = VaultKeyRef | { readonly namespace: string; readonly wallet: string; readonly account: number };

/**
 * Which key signs for StarkNet: an HD wallet's m/44'/9004'/0'/0/index (Argent X, Braavos), or
 * with `eip2645` the EIP-2645 path m/2645'/layer'/application'/eth1'/eth2'/index (StarkEx and
 * earlier wallets), ground to a Stark key. There is no vault key type for the Stark curve.
 */
export interface StarkKeyRef {
  readonly namespace: string;
  readonly wallet: string;
  readonly index: number;
  readonly eip2645?: { readonly layer: string; readonly application: string; readonly ethAddress: string };
}

export interface HdDerived {
  readonly path: string;
  readonly curve: 'secp256k1' | 'ed25519' | 'nist256p1';
  /** Hex: SEC1 compressed for secp256k1/P-256, raw 32 bytes for Ed25519. */
  readonly publicKey: string;
  /** The chain's address form, where the request names a chain. */
  readonly address: string | null;
}

/** What changed, for UIs to refresh. No payload carries anything a caller could not read anyway. */
export type CoreEvent =
  | { readonly type: 'vault.changed' }
  | { readonly type: 'keys.changed'; readonly namespace: string | null; readonly id: string | null }
  | { readonly type: 'audit.appended' }
  /** The signing-request queue changed; `namespace` is the signer's (who may see the request). */
  | { readonly type: 'requests.changed'; readonly id: string; readonly state: RequestState; readonly namespace: string; readonly pending: number }
  /** A wallet connect/pairing prompt arrived or was decided, or a connection changed (null: prompts only). */
  | { readonly type: 'wallets.changed'; readonly connectionId: string | null; readonly pendingPrompts: number }
  /** A policy or policy module was added, changed or removed. */
  | { readonly type: 'policies.changed' }
  /** A long backup operation moved on; only the connection whose facade instance started it hears it. */
  | { readonly type: 'backup.progress'; readonly owner: Custodian; readonly progress: BackupProgress }
  /** The air-gap outbox changed (an envelope sent or answered). */
  | { readonly type: 'airgap.changed' }
  /** A device was attached or removed, or a token's login state changed (null: any). */
  | { readonly type: 'devices.changed'; readonly backend: string | null }
  /** A Ledger waits for the person to confirm on it, or stopped waiting. */
  | { readonly type: 'devices.confirm'; readonly backend: string; readonly active: boolean; readonly what: string };

/**
 * One audited operation as internal observers (the metrics endpoint) hear of it, after its audit
 * event: the audit action name, the namespace it named, 'ok' or the error code, and the time it
 * took. Never a key id, principal or payload.
 */
export interface OperationReport {
  readonly action: string;
  readonly namespace: string | null;
  readonly result: string;
  readonly durationMs: number;
}

/** What the metrics endpoint reads (electron/rpc/metrics `MetricsSource`): counts and names from closed sets. */
export interface CoreMetricsSource {
  onOperation(listener: (operation: OperationReport) => void): () => void;
  snapshot(): {
    initialized: boolean;
    unlocked: boolean;
    namespaces: string[];
    keys: { namespace: string; algorithm: string; state: string; count: number }[];
    activeSessions: number;
    auditSize: number;
    auditViolations: number;
    auditVerified: boolean;
    auditTampered: boolean;
    requestsPending: number;
  };
  auditEventsAfter(afterSeq: number): { lastSeq: number; counts: { action: string; result: string; count: number }[] };
}

/** Who the facade acts for. */
export interface Identity {
  readonly kind: 'none' | 'operator' | 'token' | 'wallet';
  /** The operator name, `token:<id>`, `wallet:<connection id>`, or 'anonymous'. */
  readonly principal: string;
  readonly admin: boolean;
  readonly grants: readonly Grant[];
  /** Operators: when the session ends unless used again. */
  readonly sessionExpiresAt?: number;
}

export interface OperatorInfo {
  readonly name: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly grants: readonly Grant[];
  readonly consecutiveFailures: number;
  readonly lockedUntil: number;
}

export interface NamespaceInfo {
  readonly name: string;
  readonly createdAt: number;
  /** Keys that are not destroyed. */
  readonly keyCount: number;
  readonly description: string;
  /** The effective quota: the configuration file's, else the stored one; null = none. */
  readonly maxKeys: number | null;
  readonly rateLimitPerS: number | null;
}

export interface TokenRequest {
  readonly label: string;
  readonly grants: readonly { namespace: string; role: Role }[];
  /** Epoch ms; absent = never expires. */
  readonly expiresAt?: number;
}

export interface SignRequest {
  readonly namespace: string;
  readonly keyId: string;
  readonly data: Uint8Array;
  readonly hash?: SignatureHash;
  readonly scheme?: RsaScheme;
  readonly saltLength?: number;
  readonly sigFormat?: SignatureFormat;
  readonly prehashed?: boolean;
}

export interface SignResult {
  readonly signature: Uint8Array;
  readonly keyVersion: number;
  readonly algorithm: KeyAlgorithm;
}

export interface VerifyRequest extends SignRequest {
  readonly signature: Uint8Array;
  readonly keyVersion?: number;
}

export interface VerifyWithPublicKeyRequest {
  readonly algorithm: SigningKeyAlgorithm;
  /** SPKI DER, raw 32-byte Ed25519, or a SEC1 EC point. */
  readonly publicKey: Uint8Array;
  readonly data: Uint8Array;
  readonly signature: Uint8Array;
  readonly hash?: SignatureHash;
  readonly scheme?: RsaScheme;
  readonly saltLength?: number;
  readonly sigFormat?: SignatureFormat;
  readonly prehashed?: boolean;
}

export interface EncryptRequest {
  readonly namespace: string;
  readonly keyId: string;
  readonly data: Uint8Array;
  readonly aad?: Uint8Array;
}

export interface DecryptRequest extends EncryptRequest {
  /** Which version encrypted the data. Without it: AES-GCM tries every allowed version (authenticated, so exactly one can match); CBC and RSA use the primary. */
  readonly keyVersion?: number;
}

export interface Custodian extends WalletConnectionsApi, PolicyApi {
  readonly dataDir: string;
  readonly engine: CryptoEngine;
  /** An unauthenticated instance for another transport (each connection signs in on its own). */
  forTransport(client: ClientContext): Custodian;
  /** Vault facts, and the lockout state of `operator` (default: the bound operator, else "admin"). */
  status(operator?: string): VaultStatus & { schemaVersion: number; dataDir: string; providers: Readonly<Record<string, string>> };
  /** Create the vault with `operator` (default "admin") as its first Admin, and bind this instance to that operator's session. */
  init(passphrase: Uint8Array, kdf?: KdfSettings, operator?: string): Promise<void>;
  /** Sign in as `operator` (default "admin"), unlocking the vault if needed, and bind this instance to the session. Then verify the audit log from the last verified point. */
  unlock(passphrase: Uint8Array, operator?: string): Promise<VerifyReport>;
  /** Sign in as `operator` and return an instance bound to that session (this one stays as it is). */
  login(operator: string, passphrase: Uint8Array): Promise<Custodian>;
  /** An instance acting for the API token `token` (`cst_…`); the vault must be unlocked. */
  authenticateToken(token: string): Promise<Custodian>;
  /** End this instance's operator session (the vault stays unlocked for others). */
  logout(): Promise<void>;
  whoami(): Identity;
  /** Lock the vault: every operator session ends. */
  lock(): Promise<void>;
  /** Hear about changes from every caller of this vault (not other processes): for UIs. Returns the unsubscribe function. */
  subscribe(listener: (event: CoreEvent) => void): () => void;
  /** Change an operator's passphrase (default: the bound operator, else "admin"); needs the current one. */
  changePassphrase(current: Uint8Array, next: Uint8Array, operator?: string): Promise<void>;
  /** Split the master key into N shares, any M of which recover the vault (Admin, re-entering their passphrase); the shares are returned once and never stored. */
  recoverySplit(request: { shares: number; threshold: number; passphrase: Uint8Array }): Promise<RecoverySplit>;
  /** On a locked vault: rebuild the master key from M shares, give `operator` (an Admin) a new passphrase, and unlock as them. */
  recoveryCombine(request: { shares: readonly string[]; operator?: string; newPassphrase: Uint8Array }): Promise<RecoveryCombined>;
  /** A full encrypted backup (Admin): a consistent database snapshot, custos.yaml and ui-settings.json, sealed under `backupPassphrase`; audited with its size and hash. */
  backupCreate(request: { backupPassphrase: Uint8Array; kdf?: BackupKdf; previous?: readonly Uint8Array[]; onProgress?: (progress: BackupProgress) => void }): Promise<BackupCreated>;
  /** Record in this (restored) vault that it was restored from the backup with hash `sha256` (Admin); refuses a backup of another vault. Called by core/backup's restoreBackup. */
  backupRecordRestore(request: { sha256: string; createdAt: string; vaultFingerprint: string }): Promise<void>;

  addOperator(name: string, passphrase: Uint8Array, options?: { admin?: boolean }): Promise<OperatorInfo>;
  listOperators(): Promise<OperatorInfo[]>;
  removeOperator(name: string): Promise<void>;
  grant(principal: string, namespace: string, role: Role): Promise<Grant>;
  revokeGrant(principal: string, namespace: string, role: Role): Promise<void>;
  listGrants(filter?: { principal?: string; namespace?: string }): Promise<Grant[]>;
  /** A new API token; `token` is shown this once and never stored. */
  createToken(request: TokenRequest): Promise<{ token: string; info: TokenInfo }>;
  listTokens(): Promise<TokenInfo[]>;
  revokeToken(id: string): Promise<TokenInfo>;
  /** Narrow who may use a key to `principals` (KeyUsers among them); an empty list removes the ACL. */
  setKeyAcl(namespace: string, id: string, principals: readonly string[]): Promise<string[]>;
  keyAcl(namespace: string, id: string): Promise<string[]>;

  createNamespace(name: string, settings?: Partial<NamespaceSettings>): Promise<void>;
  /** The namespaces the caller holds a role in (an Admin: all). */
  listNamespaces(): Promise<NamespaceInfo[]>;
  showNamespace(name: string): Promise<NamespaceInfo & { grants: Grant[] }>;
  updateNamespace(name: string, settings: Partial<NamespaceSettings>): Promise<NamespaceInfo>;
  /** Only an empty namespace (no key that is not destroyed); never "default". */
  deleteNamespace(name: string): Promise<void>;

  generateKey(namespace: string, id: string, algorithm: KeyAlgorithm, options?: { exportable?: boolean }): Promise<KeyInfo>;
  importKey(namespace: string, id: string, algorithm: KeyAlgorithm, format: ImportFormat, data: Uint8Array, options?: { exportable?: boolean }): Promise<KeyInfo>;
  listKeys(filter?: KeyFilter): Promise<KeyInfo[]>;
  getKey(namespace: string, id: string): Promise<KeyInfo>;
  publicKey(namespace: string, id: string, format: PublicKeyFormat, version?: number): Promise<{ info: KeyInfo; version: number; publicKey: Uint8Array }>;
  rotateKey(namespace: string, id: string): Promise<KeyInfo>;
  setMinDecryptVersion(namespace: string, id: string, version: number): Promise<KeyInfo>;
  disableKey(namespace: string, id: string): Promise<KeyInfo>;
  enableKey(namespace: string, id: string): Promise<KeyInfo>;
  scheduleKeyDeletion(namespace: string, id: string, windowMs?: number): Promise<KeyInfo>;
  cancelKeyDeletion(namespace: string, id: string): Promise<KeyInfo>;
  exportKey(namespace: string, id: string, format: 'pkcs8' | 'jwk' | 'raw'): Promise<Uint8Array>;

  /** A new HD wallet (BIP-39, 12 or 24 words); the mnemonic is returned this once. */
  hdCreate(namespace: string, id: string, options?: { words?: 12 | 24; passphrase?: string; exportable?: boolean }): Promise<{ info: HdWalletInfo; mnemonic: string }>;
  hdImport(namespace: string, id: string, mnemonic: string, options?: { passphrase?: string; exportable?: boolean }): Promise<HdWalletInfo>;
  hdList(namespace?: string): Promise<HdWalletInfo[]>;
  hdGet(namespace: string, id: string): Promise<HdWalletInfo>;
  /** Public facts of a derived key: path, public key, address. Nothing secret leaves. */
  hdDerive(namespace: string, id: string, request: HdDeriveRequest): Promise<HdDerived>;
  /**
   * `count` consecutive derivations (1..1000) in one call and one audit event (`hd.derive-range`,
   * with the first and last path); each result equals hdDerive's for that index. Same permission.
   */
  hdDeriveRange(namespace: string, id: string, request: HdDeriveRangeRequest): Promise<HdDerived[]>;
  /** The account-level extended public key (xpub/ypub/zpub, tpub/upub/vpub) for a watch-only wallet. */
  hdXpub(namespace: string, id: string, request: { script: BitcoinScriptType; network: BitcoinNetwork; account?: number } | { chain: 'ethereum'; account?: number }): Promise<{ path: string; xpub: string }>;
  /** The mnemonic again: exportable wallets only, after the caller re-enters their own passphrase. */
  hdExportMnemonic(namespace: string, id: string, operatorPassphrase: Uint8Array): Promise<string>;
  hdSetState(namespace: string, id: string, state: 'active' | 'disabled'): Promise<HdWalletInfo>;
  hdDelete(namespace: string, id: string): Promise<void>;

  /** The Ethereum address of a secp256k1 vault key or of an HD wallet's m/44'/60'/account'/0/index. */
  ethAddress(ref: EthKeyRef): Promise<{ address: string; path: string | null }>;
  /** EIP-191 personal_sign over `message` (bytes). */
  ethSignMessage(ref: EthKeyRef, message: Uint8Array): Promise<eth.EthSignature>;
  /** EIP-712 v4 typed data (object or JSON text); the domain's chain id must equal `expectedChainId`. */
  ethSignTypedData(ref: EthKeyRef, typedData: unknown, options: { expectedChainId: number | bigint | string }): Promise<eth.EthSignature>;
  /** A transaction (JSON fields or unsigned hex; legacy+EIP-155, 2930, 1559, 4844, 7702). */
  ethSignTransaction(ref: EthKeyRef, transaction: unknown, options?: { expectedChainId?: number | bigint | string }): Promise<eth.SignedTransaction>;
  /** What a person must see before approving: decoded, flagged. No key involved. */
  ethDescribe(request: { kind: 'transaction'; input: unknown; from?: string } | { kind: 'typed-data'; input: unknown; expectedChainId: number | bigint | string } | { kind: 'message'; message: Uint8Array }): Promise<eth.EthRequestView>;

  /** The address of `options.script` for a secp256k1 vault key (not P2TR: no Schnorr in the engine) or of an HD account (its own script and network). */
  btcAddress(ref: BtcKeyRef, options?: { script?: BitcoinScriptType; network?: BitcoinNetwork }): Promise<{ address: string; script: BitcoinScriptType; network: BitcoinNetwork; path: string | null }>;
  /** Sign every input of the PSBT (base64, hex or bytes) that spends from the referenced keys; `finalize` also extracts the transaction when every input is final. */
  btcSignPsbt(refs: BtcKeyRef | readonly BtcKeyRef[], psbt: Uint8Array | string, options: { network: BitcoinNetwork; allowSighash?: readonly bitcoin.SighashName[]; finalize?: boolean; ownRefs?: readonly BtcKeyRef[] }): Promise<bitcoin.SignedPsbt>;
  /** What a PSBT asks for; outputs paying `ownRefs`' keys are marked as change. Reads public keys only. */
  btcDecodePsbt(psbt: Uint8Array | string, options: { network: BitcoinNetwork; ownRefs?: readonly BtcKeyRef[] }): Promise<bitcoin.PsbtSummary>;
  /** BIP-322 simple (segwit) or BIP-137 (P2PKH) message signature. */
  btcSignMessage(ref: BtcKeyRef, message: string | Uint8Array, options?: { script?: BitcoinScriptType; network?: BitcoinNetwork }): Promise<bitcoin.SignedMessage>;

  /** The base58 address of an ed25519 vault key or an HD wallet's Solana account. */
  solAddress(ref: SolKeyRef): Promise<{ address: string; path: string | null }>;
  /** Sign a legacy or v0 transaction (wire bytes, base64 or base58) in our signer slot. */
  solSignTransaction(ref: SolKeyRef, transaction: Uint8Array | string): Promise<sol.SignedSolanaTransaction>;
  /** Sign an off-chain message (header version 0). */
  solSignMessage(ref: SolKeyRef, message: string | Uint8Array, options?: { layout?: sol.OffchainLayout; applicationDomain?: Uint8Array }): Promise<sol.SignedOffchainMessage>;
  /** What a Solana transaction asks for; no key involved. */
  solDecode(transaction: Uint8Array | string): Promise<sol.SolanaTransactionSummary>;

  /** The Stark public key and OpenZeppelin account address of an HD wallet's StarkNet account. */
  starkAddress(ref: StarkKeyRef): Promise<{ address: string; publicKey: string; classHash: string; path: string }>;
  /** Sign an INVOKE v1 or v3 transaction hash. */
  starkSignInvoke(ref: StarkKeyRef, invoke: stark.InvokeTransaction): Promise<stark.SignedInvoke>;
  /** Sign SNIP-12 (revision 1) typed data for `account` (default: our OpenZeppelin account address). */
  starkSignTypedData(ref: StarkKeyRef, typedData: stark.TypedData, options?: { account?: string }): Promise<stark.SignedTypedData>;

  sign(request: SignRequest): Promise<SignResult>;
  verify(request: VerifyRequest): Promise<{ valid: boolean; keyVersion: number }>;
  verifyWithPublicKey(request: VerifyWithPublicKeyRequest): Promise<{ valid: boolean }>;
  encrypt(request: EncryptRequest): Promise<{ ciphertext: Uint8Array; keyVersion: number }>;
  decrypt(request: DecryptRequest): Promise<{ plaintext: Uint8Array; keyVersion: number }>;
  hash(algorithm: HashAlgorithm, data: Uint8Array): Promise<Uint8Array>;
  kdf(params: KdfParams): Promise<Uint8Array>;
  random(length: number): Promise<Uint8Array>;

  auditStatus(): AuditStatus;
  auditQuery(filter?: AuditFilter): Promise<AuditEvent[]>;
  auditVerify(full: boolean): Promise<VerifyReport>;
  auditCheckpoint(): Promise<{ size: number; note: string } | null>;
  auditCheckpoints(): Promise<{ size: number; createdAt: number; note: string }[]>;
  auditInclusionProof(seq: number, treeSize?: number): Promise<{ proof: InclusionProofFile; checkpoint: string }>;
  auditConsistencyProof(size1: number, size2: number): Promise<{ proof: ConsistencyProofFile; from: string; to: string }>;
  auditExport(write: (line: string) => void): Promise<number>;
  /** An Admin clears the TAMPERED state after investigating; audited. */
  auditAcknowledge(): Promise<void>;

  /**
   * A program's signing request (wallet RPC, HsmService, …): decoded, parked in the queue until an
   * operator approves or rejects it (or `autoApprove`, which the transport takes from the client's
   * settings), then signed as this caller — whose roles and the key's ACL apply as for a direct
   * signature. Rejection is USER_REJECTED, expiry EXPIRED; each step is audited.
   */
  submitSigningRequest(input: { client: RequestClient; method: string; request: SigningRequest; signer: SignerRef; autoApprove?: boolean; ttlMs?: number; signal?: AbortSignal; onQueued?: (record: RequestRecord) => void }): Promise<{ record: RequestRecord; result: SignedResult }>;
  /** Pending requests (oldest first) and the recent history (newest first) in namespaces where the caller may use keys. */
  listRequests(): { pending: RequestRecord[]; history: RequestRecord[] };
  /** An operator allows a pending request (needs key use in the signer's namespace; never a token). */
  approveRequest(id: string): Promise<RequestRecord>;
  rejectRequest(id: string, reason?: string): Promise<RequestRecord>;

  /**
   * For the metrics endpoint: every audited operation of every caller of this vault, and counts
   * read straight from the stores. An internal observer, not a caller: no session, nothing audited.
   */
  metricsSource(): CoreMetricsSource;

  /** Whether air-gapped mode is on, what turned it on, and how many sent envelopes await a response. No sign-in needed. */
  airgapStatus(): { airGapped: boolean; source: 'flag' | 'config' | 'off'; outboxPending: number };
  /**
   * Air-gapped side: read a request envelope (every check of core/airgap/envelope), decode it here,
   * and queue it for an operator (transport 'air-gap'; the policies apply as to any program's
   * request). Resolves when it is queued; the same envelope imported twice returns the queued one.
   */
  airgapImportRequest(text: string): Promise<RequestRecord>;
  /** Air-gapped side: the response file of a signed imported request, bound to its envelope's hash. */
  airgapExportResponse(requestId: string): Promise<AirgapFile>;
  /** Online side: an envelope for a pending queued request, recorded in the outbox; the request waits longer. */
  airgapExportRequest(requestId: string): Promise<AirgapFile>;
  /** Online side: an envelope for a request given directly (`custos request export`), recorded in the outbox. */
  airgapCreateRequest(input: { request: SigningRequest; signer: SignerRef; method?: string; expectedAddress?: string | null; ttlMs?: number; client?: string }): Promise<AirgapFile & { envelope: AirgapEnvelope }>;
  /** Online side: accept a response to an envelope this vault sent; a still-pending queued request is answered with it. */
  airgapImportResponse(text: string): Promise<{ requestId: string; requestSha256: string; result: SignedResult; fulfilled: boolean; signer: string | null }>;
  /** Online side: envelopes sent, newest first. */
  airgapOutbox(): Promise<OutboxEntry[]>;
  /** PKCS#11 tokens of the configured modules and attached Ledgers, with their state. Operators. */
  deviceList(): Promise<DeviceInfo[]>;
  /** Log in to a token with its user PIN (typed by a person; used once, never stored). Operators. */
  deviceLogin(backend: string, pin: Uint8Array): Promise<DeviceInfo>;
  deviceLogout(backend: string): Promise<DeviceInfo>;
  /** The keys on a device, each with the vault keys that reference it. */
  deviceKeys(backend: string): Promise<(DeviceKey & { readonly referencedBy: readonly { namespace: string; id: string }[] })[]>;
  /** Generate a key on a token (sensitive, non-extractable) and reference it as namespace/id (key.manage). */
  deviceGenerate(request: { backend: string; namespace: string; id: string; algorithm: KeyAlgorithm; label?: string }): Promise<KeyInfo>;
  /** Reference a key that is already on a device: a token key by label or CKA_ID, a Ledger account by path (key.manage). */
  deviceAdopt(request: { backend: string; namespace: string; id: string; label?: string; handle?: string }): Promise<KeyInfo>;
  /** Forget a device key's reference; the key stays on the device (key.manage). */
  deviceForget(namespace: string, id: string): Promise<void>;
  /** A Ledger account's address at `path`, optionally shown on the device to compare (key.read on nothing: device-level, operators). */
  ledgerAddress(backend: string, path: string, options?: { display?: boolean }): Promise<{ address: string; path: string }>;
  /** Cancel what a Ledger is waiting on; false when it waits on nothing. */
  deviceCancel(backend: string): Promise<boolean>;
  /** Tell this instance's subscribers (its own connection) how a long backup operation is going. */
  emitProgress(progress: BackupProgress): void;

  /** `PRAGMA integrity_check` of the database file. */
  integrityCheck(): string;
  close(): Promise<void>;
}

/** Self-tests are a power-on property of the process: run once per engine configuration. */
const selfTested = new Set<string>();

/**
 * Open (or prepare) the vault in `dataDir`. Runs the power-on self-test first: a failing
 * known-answer test refuses to open anything. The instance returned is unauthenticated.
 */
export async function openCustodian(options: CoreOptions): Promise<Custodian> {
  const engine = createCryptoEngine(options.crypto);
  const config = JSON.stringify(engine.providers);
  if (!selfTested.has(config)) {
    await runSelfTest(engine);
    selfTested.add(config);
  }
  const clock = options.clock ?? { now: () => Date.now() };
  const db = openDatabase(options.dataDir);
  const vault = new Vault(db, engine, clock, options.lockout ?? DEFAULT_LOCKOUT);
  const keys = new KeyStore(db, vault, engine, clock);
  const audit = new AuditLog(db, vault, engine, clock, options.audit ?? DEFAULT_AUDIT_OPTIONS);
  const access = new AccessStore(db, vault, engine, clock);
  const hd = new HdWalletStore(db, vault, clock, (n) => engine.random(n));
  const approvals = new ApprovalQueue({ now: () => clock.now() });
  const prompts = new WalletPrompts({ now: () => clock.now() });
  const parts: Parts = {
    dataDir: options.dataDir,
    db,
    engine,
    vault,
    keys,
    audit,
    access,
    hd,
    approvals,
    connections: new ConnectionStore(db, vault, engine, clock),
    outbox: new OutboxStore(db, vault),
    deviceKeys: new DeviceKeyStore(db, vault),
    devices: options.devices ?? new DeviceManager([], { listTokens: () => Promise.resolve([]), openToken: () => Promise.reject(new CustodyError('DEVICE_UNAVAILABLE', 'no PKCS#11 module is configured')), ledgers: null }),
    devicePin: options.devicePin ?? null,
    deviceWaits: new Map(),
    airgapInbox: new Map(),
    airGapped: options.airGapped ?? null,
    prompts,
    walletChains: checkedWalletChains(options.walletChains ?? DEFAULT_WALLET_CHAINS),
    policies: new PolicyStore(db, vault, clock),
    configPolicies: (options.configPolicies ?? []).map((d) => parsePolicyDefinition(d)),
    spend: new SpendLedger(db, vault),
    policy: { runtime: null, engine: null, loaded: new Set() },
    hdCaches: new Map(),
    vaultSigners: new WeakMap(),
    clock,
    kdf: options.kdf ?? DEFAULT_KDF,
    deletionWindowMs: options.deletionWindowMs,
    settings: options.access ?? {},
    sessions: new Map(),
    limiter: new RateLimiter(clock),
    grantCache: { stamp: '', version: 0, versionFresh: false, byPrincipal: new Map(), acl: new Map(), tokens: new Map() },
    listeners: new Set(),
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
    auditNotice: { pending: false },
    closed: { value: false },
    operationListeners: new Set(),
  };
  approvals.subscribe(({ record }) => {
    const event: CoreEvent = { type: 'requests.changed', id: record.id, state: record.state, namespace: record.signer.namespace, pending: approvals.pendingCount() };
    for (const listener of [...parts.listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own.
      }
    }
  });
  prompts.subscribe((prompt) => {
    const event: CoreEvent = { type: 'wallets.changed', connectionId: prompt.connectionId, pendingPrompts: prompts.pendingCount() };
    for (const listener of [...parts.listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own.
      }
    }
  });
  vault.onLock(() => {
    // Nobody can approve and nothing can sign while locked: waiting callers get their answer now.
    approvals.rejectAllPending('system', 'the vault was locked');
    prompts.rejectAllPending('the vault was locked');
    parts.sessions.clear();
    for (const cache of parts.hdCaches.values()) cache.wipe();
    parts.hdCaches.clear();
  });
  // A Ledger attached or removed, a token logged in or out: every connection re-reads its devices.
  parts.devices.subscribe((backend) => {
    for (const listener of [...parts.listeners]) {
      try {
        listener({ type: 'devices.changed', backend });
      } catch {
        // A listener's failure is its own.
      }
    }
  });
  return new CustodianImpl(parts, options.client ?? CLI_CLIENT, NOBODY);
}

interface Session {
  readonly id: string;
  readonly operator: string;
  lastUsed: number;
}

type Caller =
  | { readonly kind: 'none' }
  | { readonly kind: 'operator'; readonly name: string; readonly sessionId: string }
  | { readonly kind: 'token'; readonly id: string }
  /** A wallet-RPC client (browser origin or paired program): only the accounts its connection names. */
  | { readonly kind: 'wallet'; readonly connectionId: string };

const NOBODY: Caller = { kind: 'none' };

interface Parts {
  readonly dataDir: string;
  readonly db: Sqlite;
  readonly engine: CryptoEngine;
  readonly vault: Vault;
  readonly keys: KeyStore;
  readonly audit: AuditLog;
  readonly access: AccessStore;
  readonly hd: HdWalletStore;
  /** The signing-request queue (in memory; every step is audited). */
  readonly approvals: ApprovalQueue;
  readonly connections: ConnectionStore;
  /** Envelopes sent to an air-gapped signer (online side). */
  readonly outbox: OutboxStore;
  readonly deviceKeys: DeviceKeyStore;
  readonly devices: DeviceManager;
  readonly devicePin: ((backend: string) => Promise<Uint8Array | null>) | null;
  /** What each Ledger is waiting on the person for, with the way to cancel it. */
  readonly deviceWaits: Map<string, AbortController>;
  /** Imported envelopes by queue request id (air-gapped side; in memory like the queue). */
  readonly airgapInbox: Map<string, AirgapEnvelope>;
  readonly airGapped: 'flag' | 'config' | null;
  /** Connect and pairing prompts of wallet-RPC clients (in memory; every step is audited). */
  readonly prompts: WalletPrompts;
  readonly walletChains: readonly WalletChain[];
  readonly policies: PolicyStore;
  /** custos.yaml's policies, validated when the core opened. */
  readonly configPolicies: readonly PolicyDefinition[];
  readonly spend: SpendLedger;
  /** The WASM policy worker and the engine over it: made on first use, closed with the core. */
  readonly policy: { runtime: PolicyRuntime | null; engine: PolicyEngine | null; loaded: Set<string> };
  /** One derivation cache per wallet and curve while unlocked (parents derived once); wiped on lock. */
  readonly hdCaches: Map<string, DerivationCache>;
  /** Signers over vault secp256k1 keys by private handle (custodian.vaultSecp256k1Signer); public data and the handle only. */
  readonly vaultSigners: WeakMap<PrivateKeyHandle, Secp256k1Signer>;
  readonly clock: Clock;
  readonly kdf: KdfSettings;
  readonly deletionWindowMs: number | undefined;
  readonly settings: AccessSettings;
  readonly sessions: Map<string, Session>;
  readonly limiter: RateLimiter;
  /** Grants and ACLs as last read, valid while neither this process nor another wrote (data_version). */
  readonly grantCache: {
    stamp: string;
    /** data_version as read in the current synchronous run (versionFresh until the next microtask). */
    version: number;
    versionFresh: boolean;
    byPrincipal: Map<string, Grant[]>;
    acl: Map<string, string[]>;
    /** Token revocation and expiry as last read (expiry is compared with the clock on every use). */
    tokens: Map<string, { readonly revoked: boolean; readonly expiresAt: number | null } | null>;
  };
  readonly listeners: Set<(event: CoreEvent) => void>;
  /** `PRAGMA data_version`, prepared once: changes when another connection commits. */
  readonly dataVersion: Statement;
  /** audit.appended is coalesced: at most one per turn of the event loop, however many events were written. */
  readonly auditNotice: { pending: boolean };
  readonly closed: { value: boolean };
  /** metricsSource() observers: told of every audited operation (observe, change). */
  readonly operationListeners: Set<(operation: OperationReport) => void>;
}

interface Target {
  readonly namespace?: string | null;
  readonly keyId?: string | null;
  readonly keyVersion?: number | null;
}

type Details = Record<string, DetailValue>;

/** What an operation requires of its caller. */
type Requirement =
  | { readonly permission: Permission; readonly namespace: string; readonly keyId?: string }
  | 'authenticated'
  | 'operator'
  | 'admin';

class CustodianImpl implements Custodian {
  readonly dataDir: string;
  readonly engine: CryptoEngine;
  private readonly db: Sqlite;
  private readonly vault: Vault;
  private readonly keys: KeyStore;
  private readonly audit: AuditLog;
  private readonly access: AccessStore;

  constructor(
    private readonly parts: Parts,
    private readonly client: ClientContext,
    private caller: Caller,
  ) {
    this.dataDir = parts.dataDir;
    this.engine = parts.engine;
    this.db = parts.db;
    this.vault = parts.vault;
    this.keys = parts.keys;
    this.audit = parts.audit;
    this.access = parts.access;
  }

  forTransport(client: ClientContext): Custodian {
    return new CustodianImpl(this.parts, client, NOBODY);
  }

  subscribe(listener: (event: CoreEvent) => void): () => void {
    this.parts.listeners.add(listener);
    return () => {
      this.parts.listeners.delete(listener);
    };
  }

  private emit(event: CoreEvent): void {
    if (this.parts.listeners.size === 0) return;
    if (event.type === 'audit.appended') {
      if (this.parts.auditNotice.pending) return;
      this.parts.auditNotice.pending = true;
      setImmediate(() => {
        this.parts.auditNotice.pending = false;
        this.deliver(event);
      });
      return;
    }
    this.deliver(event);
  }

  private deliver(event: CoreEvent): void {
    for (const listener of [...this.parts.listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own: the operation it heard about has already happened.
      }
    }
  }

  /** After an operation and its audit event: tell listeners what changed. */
  private changed(action: string, target: Target): void {
    if (this.parts.listeners.size === 0) return;
    if ((action.startsWith('key.') || action.startsWith('namespace.') || action.startsWith('hd.')) && !READ_ACTIONS.has(action)) {
      this.emit({ type: 'keys.changed', namespace: target.namespace ?? null, id: target.keyId ?? null });
    }
    else if (action.startsWith('vault.') || action.startsWith('operator.') || action.startsWith('access.')) this.emit({ type: 'vault.changed' });
    this.emit({ type: 'audit.appended' });
  }

  // ---------------------------------------------------------------- who is asking

  private principal(): string {
    switch (this.caller.kind) {
      case 'none':
        return 'anonymous';
      case 'operator':
        return this.caller.name;
      case 'token':
        return tokenPrincipal(this.caller.id);
      case 'wallet':
        return `wallet:${this.caller.connectionId}`;
      default:
        return assertNever(this.caller, 'caller');
    }
  }

  /** Grants of a principal, cached until any connection writes to the database. */
  private grantsOf(principal: string): Grant[] {
    const cache = this.freshCache();
    let grants = cache.byPrincipal.get(principal);
    if (grants === undefined) {
      grants = this.access.grantsOf(principal);
      cache.byPrincipal.set(principal, grants);
    }
    return grants;
  }

  private aclOf(namespace: string, keyId: string): string[] {
    const cache = this.freshCache();
    const k = `${namespace}\u0000${keyId}`;
    let acl = cache.acl.get(k);
    if (acl === undefined) {
      acl = this.access.keyAcl(namespace, keyId);
      cache.acl.set(k, acl);
    }
    return acl;
  }

  private freshCache(): Parts['grantCache'] {
    const cache = this.parts.grantCache;
    // One prepared statement: db.pragma() prepares anew on every call (a quarter of a sign's cost).
    // Read once per synchronous run: one authorization asks up to three times (token, grants,
    // ACL), and no commit of another connection can be seen in between anyway.
    if (!cache.versionFresh) {
      cache.version = this.parts.dataVersion.get() as number;
      cache.versionFresh = true;
      queueMicrotask(() => {
        cache.versionFresh = false;
      });
    }
    const stamp = `${this.access.generation}/${cache.version}/${this.vault.isUnlocked() ? 1 : 0}`;
    if (cache.stamp !== stamp) {
      cache.stamp = stamp;
      cache.byPrincipal.clear();
      cache.acl.clear();
      cache.tokens.clear();
    }
    return cache;
  }

  /**
   * Whether an API token may still act: not revoked, not expired. Read from the database once per
   * cache generation — a revocation in this process bumps the access store's generation, one in
   * another process changes data_version — so it bites on the very next call either way.
   */
  private tokenLive(id: string): boolean {
    const cache = this.freshCache();
    let state = cache.tokens.get(id);
    if (state === undefined) {
      state = this.access.tokenState(id);
      cache.tokens.set(id, state);
    }
    return state !== null && !state.revoked && (state.expiresAt === null || state.expiresAt > this.parts.clock.now());
  }

  /**
   * Step 1 and 2 of every operation: the caller is who they were (session alive, token live),
   * within the rate limits, and holds what `need` asks. Throws the refusal, which the caller's
   * wrapper audits.
   */
  private authorize(need: Requirement, namespaceForRate?: string | null): Grant[] {
    const caller = this.caller;
    if (caller.kind === 'none') {
      this.vault.requireUnlocked();
      throw new CustodyError('UNAUTHENTICATED', 'sign in first (an operator passphrase or an API token)');
    }
    if (caller.kind === 'operator') {
      const session = this.parts.sessions.get(caller.sessionId);
      const now = this.parts.clock.now();
      const idle = this.parts.settings.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
      if (session === undefined) {
        this.vault.requireUnlocked();
        throw new CustodyError('SESSION_EXPIRED', 'the session has ended: sign in again');
      }
      if (now - session.lastUsed > idle) {
        this.parts.sessions.delete(caller.sessionId);
        throw new CustodyError('SESSION_EXPIRED', `the session ended after ${Math.round(idle / 1000)} s without activity: sign in again`);
      }
      session.lastUsed = now;
    } else if (caller.kind === 'token') {
      this.vault.requireUnlocked();
      if (!this.tokenLive(caller.id)) throw new CustodyError('UNAUTHENTICATED', `token ${caller.id} has been revoked or has expired`);
    } else {
      this.vault.requireUnlocked();
    }
    const principal = this.principal();
    const rate = this.parts.settings.principalRatePerS;
    if (rate !== undefined) this.parts.limiter.take(`principal\u0000${principal}`, { ratePerSecond: rate, burst: this.parts.settings.principalBurst ?? Math.max(1, rate) }, `principal ${principal}`);
    if (namespaceForRate !== undefined && namespaceForRate !== null) {
      const nsRate = this.parts.settings.namespaces?.[namespaceForRate]?.rateLimitPerS;
      if (nsRate !== undefined) this.parts.limiter.take(`namespace\u0000${namespaceForRate}`, rateOf(nsRate), `namespace ${namespaceForRate}`);
    }
    if (caller.kind === 'wallet') return this.authorizeWallet(caller.connectionId, need);
    const grants = this.grantsOf(principal);
    if (need === 'authenticated') return grants;
    if (need === 'operator') {
      if (caller.kind !== 'operator') throw new CustodyError('PERMISSION_DENIED', 'only an operator may do this, not an API token');
      return grants;
    }
    if (need === 'admin') {
      if (!isAdmin(grants)) throw new CustodyError('PERMISSION_DENIED', `${principal} is not an Admin`);
      return grants;
    }
    if (!hasPermission(grants, need.permission, need.namespace)) {
      throw new CustodyError('PERMISSION_DENIED', `${principal} may not ${PERMISSION_WORDS[need.permission]} in namespace ${need.namespace}`);
    }
    if (need.keyId !== undefined && need.permission === 'key.use' && !isAdmin(grants)) {
      const acl = this.aclOf(need.namespace, need.keyId);
      if (acl.length > 0 && !acl.includes(principal)) {
        throw new CustodyError('PERMISSION_DENIED', `the ACL of key ${need.namespace}/${need.keyId} does not name ${principal}`);
      }
    }
    return grants;
  }

  private identity(): Identity {
    const principal = this.principal();
    if (this.caller.kind === 'none' || !this.vault.isUnlocked()) return { kind: this.caller.kind, principal, admin: false, grants: [] };
    const grants = this.grantsOf(principal);
    const base = { kind: this.caller.kind, principal, admin: isAdmin(grants), grants };
    if (this.caller.kind !== 'operator') return base;
    const session = this.parts.sessions.get(this.caller.sessionId);
    return session === undefined ? base : { ...base, sessionExpiresAt: session.lastUsed + (this.parts.settings.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS) };
  }

  // ---------------------------------------------------------------- auditing

  private event(action: string, target: Target, result: string, requestId: string, details: Details, principal: string = this.principal()) {
    const client: Record<string, string> = { transport: this.client.transport };
    if (this.client.origin !== undefined) client.origin = this.client.origin;
    if (this.caller.kind === 'token') client.tokenId = this.caller.id;
    if (this.caller.kind === 'wallet') client.connectionId = this.caller.connectionId;
    return {
      principal,
      namespace: target.namespace ?? null,
      action,
      keyId: target.keyId ?? null,
      keyVersion: target.keyVersion ?? null,
      result,
      requestId,
      client,
      details,
    };
  }

  /**
   * Run an operation that changes no state; its event is durable before the answer leaves.
   * A failure is audited with its error code, then rethrown.
   */
  private async observe<T>(
    action: string,
    target: Target,
    details: Details,
    run: () => T | Promise<T>,
    after?: (value: T) => { keyVersion?: number; details?: Details },
    principal?: string,
  ): Promise<T> {
    const requestId = AuditLog.newRequestId();
    const started = performance.now();
    let value: T;
    try {
      value = await run();
    } catch (error) {
      await this.auditFailure(action, target, requestId, details, error, principal);
      this.reportOperation(action, target, error, started);
      throw error;
    }
    const extra = after?.(value);
    await this.audit.appendDurable(this.event(action, { ...target, keyVersion: extra?.keyVersion ?? target.keyVersion ?? null }, 'ok', requestId, { ...details, ...extra?.details }, principal));
    this.changed(action, target);
    this.reportOperation(action, target, undefined, started);
    return value;
  }

  /**
   * Run a state change whose event must commit in the same transaction. `run` receives the
   * function that appends the success event inside the transaction the change uses.
   */
  private async change<T>(action: string, target: Target, details: Details, run: (record: (extra?: { keyVersion?: number; details?: Details }) => void) => T | Promise<T>): Promise<T> {
    const requestId = AuditLog.newRequestId();
    const started = performance.now();
    try {
      const value = await run((extra) => {
        this.audit.appendInTransaction(this.event(action, { ...target, keyVersion: extra?.keyVersion ?? target.keyVersion ?? null }, 'ok', requestId, { ...details, ...extra?.details }));
      });
      this.audit.maybeCheckpoint();
      this.changed(action, target);
      this.reportOperation(action, target, undefined, started);
      return value;
    } catch (error) {
      await this.auditFailure(action, target, requestId, details, error);
      this.reportOperation(action, target, error, started);
      throw error;
    }
  }

  /** A synchronous state change and its event in one IMMEDIATE transaction. */
  private changeSync<T>(action: string, target: Target, details: Details, run: () => T, extra?: (value: T) => { keyVersion?: number; details?: Details }): Promise<T> {
    return this.change(action, target, details, (record) =>
      this.db
        .transaction(() => {
          const value = run();
          record(extra?.(value));
          return value;
        })
        .immediate(),
    );
  }

  private async auditFailure(action: string, target: Target, requestId: string, details: Details, error: unknown, principal?: string): Promise<void> {
    const code = error instanceof CustodyError ? error.code : 'INTERNAL';
    try {
      await this.audit.appendDurable(this.event(action, target, code, requestId, details, principal));
      this.emit({ type: 'audit.appended' });
    } catch {
      // The original error matters more; a log that cannot be written shows up in verification.
    }
  }

  /** Erase keys whose deletion window has passed; each destruction is audited in its transaction. */
  private purge(): void {
    if (!this.vault.isUnlocked()) return;
    this.keys.purgeDue((key) => {
      this.audit.appendInTransaction({ ...this.event('key.destroy', { namespace: key.namespace, keyId: key.id }, 'ok', AuditLog.newRequestId(), { reason: 'deletion window ended' }), principal: 'system' });
    });
  }

  /** Signing and decryption are refused while the audit log is in the TAMPERED state. */
  private assertAuditIntact(): void {
    const t = this.audit.tamperedState();
    if (t !== null) {
      throw new CustodyError('TAMPERED', `the audit log failed verification${t.seq === null ? '' : ` at event ${t.seq}`}: ${t.reason}. An Admin must run \`custos audit acknowledge\``, {
        details: { record: 'audit log' },
      });
    }
  }

  // ---------------------------------------------------------------- vault and sign-in

  status(operator?: string) {
    const name = operator ?? (this.caller.kind === 'operator' ? this.caller.name : DEFAULT_OPERATOR);
    return {
      ...this.vault.status(name),
      schemaVersion: this.db.pragma('user_version', { simple: true }) as number,
      dataDir: this.dataDir,
      providers: this.engine.providers,
    };
  }

  async init(passphrase: Uint8Array, kdf?: KdfSettings, operator: string = DEFAULT_OPERATOR): Promise<void> {
    const requestId = AuditLog.newRequestId();
    const settings = kdf ?? this.parts.kdf;
    try {
      await this.vault.init(operator, passphrase, settings, () => {
        this.keys.createNamespaceUnchecked(DEFAULT_NAMESPACE);
        this.access.addGrant(operator, ALL_NAMESPACES, 'Admin', 'system');
        this.audit.appendInTransaction(
          this.event('vault.init', { namespace: DEFAULT_NAMESPACE }, 'ok', requestId, { operator, kdf: 'argon2id', memoryKiB: settings.memoryKiB, iterations: settings.iterations, parallelism: settings.parallelism }, operator),
        );
      });
    } catch (error) {
      await this.auditFailure('vault.init', {}, requestId, {}, error);
      throw error;
    }
    this.caller = this.openSession(operator);
    this.audit.checkpoint();
    this.changed('vault.init', {});
  }

  async unlock(passphrase: Uint8Array, operator: string = DEFAULT_OPERATOR): Promise<VerifyReport> {
    this.caller = await this.signIn(operator, passphrase);
    const report = this.audit.verify(false);
    if (!report.ok) {
      await this.audit.appendDurable(this.event('audit.violation', {}, 'TAMPERED', AuditLog.newRequestId(), { firstBadSeq: report.firstBadSeq ?? null, reason: report.reason ?? null }, 'system'));
    }
    this.purge();
    return report;
  }

  async login(operator: string, passphrase: Uint8Array): Promise<Custodian> {
    const caller = await this.signIn(operator, passphrase);
    return new CustodianImpl(this.parts, this.client, caller);
  }

  /** Check the passphrase (unlocking the vault if it is locked), audit, and open a session. */
  private async signIn(operator: string, passphrase: Uint8Array): Promise<Caller> {
    const wasUnlocked = this.vault.isUnlocked();
    const requestId = AuditLog.newRequestId();
    // What a caller typed as a name is recorded only if it is an operator's name: people type passphrases into name fields.
    const named = typeof operator === 'string' && OPERATOR_NAME_PATTERN.test(operator) ? operator : 'unknown';
    try {
      await this.vault.unlock(operator, passphrase);
    } catch (error) {
      const principal = this.vault.isUnlocked() && named !== 'unknown' && !this.vault.hasOperator(named) ? 'unknown' : named;
      await this.auditFailure('vault.unlock', {}, requestId, { reauthentication: wasUnlocked }, error, principal);
      throw error;
    }
    if (this.vault.legacyConverted && this.access.admins().length === 0) {
      // A vault from before operators existed: its one passphrase is now the operator "admin".
      this.db.transaction(() => {
        this.access.addGrant(DEFAULT_OPERATOR, ALL_NAMESPACES, 'Admin', 'system');
        this.audit.appendInTransaction(this.event('operator.migrate', {}, 'ok', AuditLog.newRequestId(), { operator: DEFAULT_OPERATOR, role: 'Admin' }, 'system'));
      }).immediate();
    }
    await this.audit.appendDurable(this.event('vault.unlock', {}, 'ok', requestId, { reauthentication: wasUnlocked }, operator));
    const caller = this.openSession(operator);
    this.changed('vault.unlock', {});
    return caller;
  }

  private openSession(operator: string): Caller {
    const id = randomUUID();
    this.parts.sessions.set(id, { id, operator, lastUsed: this.parts.clock.now() });
    return { kind: 'operator', name: operator, sessionId: id };
  }

  async authenticateToken(token: string): Promise<Custodian> {
    const requestId = AuditLog.newRequestId();
    const bucketOf = (id: string) => (id === '' ? '?unknown-token' : tokenPrincipal(id));
    let principal = 'unknown';
    try {
      this.vault.requireUnlocked();
      const match = this.access.matchToken(token);
      const known = match.reason !== 'malformed' && match.reason !== 'unknown';
      if (known) principal = tokenPrincipal(match.id);
      const bucket = bucketOf(known ? match.id : '');
      this.vault.throttle.assertNotLocked(bucket, 'too many failed authentications with this token');
      if (match.info === undefined) {
        if (match.reason === 'wrong secret' || match.reason === 'malformed' || match.reason === 'unknown') this.vault.throttle.fail(bucket);
        throw new CustodyError('UNAUTHENTICATED', match.reason === 'revoked' || match.reason === 'expired' ? `token ${match.id} has ${match.reason === 'revoked' ? 'been revoked' : 'expired'}` : 'invalid API token', {
          details: { reason: match.reason ?? 'unknown' },
        });
      }
      this.vault.throttle.succeed(bucket);
      return new CustodianImpl(this.parts, this.client, { kind: 'token', id: match.id });
    } catch (error) {
      const reason = error instanceof CustodyError && typeof error.details.reason === 'string' ? error.details.reason : null;
      await this.auditFailure('auth.token', {}, requestId, { reason }, error, principal);
      throw error;
    }
  }

  async logout(): Promise<void> {
    if (this.caller.kind !== 'operator') return;
    const existed = this.parts.sessions.delete(this.caller.sessionId);
    if (existed && this.vault.isUnlocked()) await this.audit.appendDurable(this.event('auth.logout', {}, 'ok', AuditLog.newRequestId(), {}));
    this.caller = NOBODY;
  }

  whoami(): Identity {
    return this.identity();
  }

  async lock(): Promise<void> {
    if (!this.vault.isUnlocked()) return;
    await this.observe('vault.lock', {}, {}, () => {
      this.authorize('operator');
    });
    this.audit.checkpoint();
    this.vault.lock();
    this.caller = NOBODY;
    this.changed('vault.lock', {});
  }

  changePassphrase(current: Uint8Array, next: Uint8Array, operator?: string): Promise<void> {
    const name = operator ?? (this.caller.kind === 'operator' ? this.caller.name : DEFAULT_OPERATOR);
    const principal = typeof name === 'string' && OPERATOR_NAME_PATTERN.test(name) ? name : 'unknown';
    return this.observe('vault.change-passphrase', {}, { operator: principal }, () => this.vault.changePassphrase(name, current, next, this.parts.kdf), undefined, principal);
  }

  // ---------------------------------------------------------------- Shamir recovery of the master key (core/recovery)

  /**
   * Like hdExportMnemonic: an Admin operator (not a token — a token never holds a passphrase to
   * re-enter) proves presence again with their passphrase, counted by the lockout. The event
   * carries N, M, the split id and the key's one-way fingerprint, never a share.
   */
  recoverySplit(request: { shares: number; threshold: number; passphrase: Uint8Array }): Promise<RecoverySplit> {
    const { shares, threshold } = request;
    const details = { shares: Number.isSafeInteger(shares) ? shares : null, threshold: Number.isSafeInteger(threshold) ? threshold : null };
    return this.observe(
      'recovery.split',
      {},
      details,
      async () => {
        this.authorize('admin');
        if (this.caller.kind !== 'operator') throw new CustodyError('PERMISSION_DENIED', 'only an operator may split the master key, not an API token');
        assertSplitParameters(shares, threshold);
        await this.vault.unlock(this.caller.name, request.passphrase);
        const fingerprint = this.vault.masterKeyFingerprint();
        const result = await this.vault.withMasterKeyUnsafe((master) => splitMasterKey(master, { shares, threshold, fingerprint, random: (n) => this.engine.random(n) }));
        return { splitId: result.splitId, fingerprint: fingerprint.toString('hex'), threshold, total: shares, shares: result.shares };
      },
      (r) => ({ details: { splitId: r.splitId, fingerprint: r.fingerprint } }),
    );
  }

  /**
   * The way back in when every passphrase is lost, so it runs on a locked vault and asks for no
   * sign-in: the shares are the credential. Order of checks: each share's checksum, then that
   * they belong together and are enough, then that the rebuilt key has the fingerprint the shares
   * carry, then that it is this vault's key (Vault.isMasterKey) — a wrong key is never accepted.
   * Only an operator holding Admin on every namespace gets the new passphrase (recovery restores
   * administration; it does not mint Admins), checked under the rebuilt key in the same
   * transaction as the slot write and the event, so a refusal leaves the vault as it was.
   */
  async recoveryCombine(request: { shares: readonly string[]; operator?: string; newPassphrase: Uint8Array }): Promise<RecoveryCombined> {
    const operator = request.operator ?? DEFAULT_OPERATOR;
    const named = typeof operator === 'string' && OPERATOR_NAME_PATTERN.test(operator) ? operator : 'unknown';
    const requestId = AuditLog.newRequestId();
    const details: Details = { operator: named, shares: Array.isArray(request.shares) ? request.shares.length : 0 };
    let secret: Uint8Array | undefined;
    let outcome: { created: boolean; fingerprint: string; threshold: number; total: number } | undefined;
    try {
      if (!this.vault.isInitialized()) throw new CustodyError('VAULT_NOT_INITIALIZED', 'no vault here yet: run `custos init`');
      if (this.vault.isUnlocked()) throw new CustodyError('INVALID_INPUT', 'the vault is unlocked: change the passphrase (`custos passwd`) instead of recovering');
      assertOperatorName(operator);
      if (!Array.isArray(request.shares)) throw new CustodyError('INVALID_INPUT', 'shares are a list of printed shares');
      const parsed = request.shares.map((text, i) => parseShare(String(text), i + 1));
      const combined = await combineShares(parsed);
      secret = combined.secret;
      const rebuilt = this.vault.masterKeyFingerprint(secret).toString('hex');
      if (rebuilt !== combined.fingerprint) throw new CustodyError('INVALID_INPUT', 'the shares do not rebuild the key they were split from (one is damaged or altered)');
      if (!this.vault.isMasterKey(secret)) throw new CustodyError('INVALID_INPUT', `these shares rebuild the master key of another vault (fingerprint ${rebuilt}), not this one`);
      const facts = { fingerprint: rebuilt, threshold: combined.threshold, total: combined.total };
      const { created } = await this.vault.recoverWithMasterKey(secret, operator, request.newPassphrase, (slotCreated) => {
        const grants = this.access.grantsOf(operator);
        if (!isAdmin(grants)) {
          throw new CustodyError('PERMISSION_DENIED', `${operator} is not an Admin: recovery sets the passphrase of an operator who is Admin of every namespace`);
        }
        this.audit.appendInTransaction(this.event('recovery.combine', {}, 'ok', requestId, { ...details, ...facts, created: slotCreated }, operator));
      });
      outcome = { created, ...facts };
    } catch (error) {
      await this.auditFailure('recovery.combine', {}, requestId, details, error, named);
      throw error;
    } finally {
      secret?.fill(0);
    }
    this.caller = this.openSession(operator);
    const report = this.audit.verify(false);
    if (!report.ok) {
      await this.audit.appendDurable(this.event('audit.violation', {}, 'TAMPERED', AuditLog.newRequestId(), { firstBadSeq: report.firstBadSeq ?? null, reason: report.reason ?? null }, 'system'));
    }
    this.purge();
    this.audit.checkpoint();
    this.changed('recovery.combine', {});
    return { operator, created: outcome.created, fingerprint: outcome.fingerprint, report };
  }

  // ---------------------------------------------------------------- encrypted backups (core/backup)

  /**
   * Any Admin (operator or token: scheduled backups run unattended). The snapshot holds every
   * secret still sealed under the master key, and the whole file is sealed again under the backup
   * passphrase; the passphrase never reaches the event, which carries size, hash and part names.
   * The Argon2id cost is the one this vault uses for new passphrases. The event is appended after
   * the snapshot, so a backup does not contain its own `backup.create`.
   */
  backupCreate(request: { backupPassphrase: Uint8Array; kdf?: BackupKdf; previous?: readonly Uint8Array[]; onProgress?: (progress: BackupProgress) => void }): Promise<BackupCreated> {
    return this.observe(
      'backup.create',
      {},
      { incremental: request.previous !== undefined },
      async () => {
        this.authorize('admin');
        const kdf = request.kdf ?? this.parts.kdf;
        return createBackupFile(
          { engine: this.engine, db: this.db, dataDir: this.dataDir, now: this.parts.clock.now(), vaultFingerprint: this.vault.masterKeyFingerprint().toString('hex') },
          {
            backupPassphrase: request.backupPassphrase,
            kdf: { memoryKiB: kdf.memoryKiB, iterations: kdf.iterations, parallelism: kdf.parallelism },
            ...(request.previous === undefined ? {} : { previous: request.previous }),
            ...(request.onProgress === undefined ? {} : { onProgress: request.onProgress }),
          },
        );
      },
      (r) => ({ details: { bytes: r.file.length, sha256: r.sha256, parts: r.manifest.parts.map((p) => p.name).join(','), kind: r.manifest.kind, previous: r.manifest.previous } }),
    );
  }

  /**
   * The restore's own audit event, in the restored vault before it is moved into place
   * (core/backup/restore). The manifest's fingerprint must be this vault's: a backup whose
   * manifest names another vault is refused rather than recorded.
   */
  backupRecordRestore(request: { sha256: string; createdAt: string; vaultFingerprint: string }): Promise<void> {
    const sha256 = typeof request.sha256 === 'string' && /^[0-9a-f]{64}$/.test(request.sha256) ? request.sha256 : null;
    return this.observe('backup.restore', {}, { sha256, createdAt: typeof request.createdAt === 'string' ? request.createdAt.slice(0, 40) : null }, () => {
      this.authorize('admin');
      if (sha256 === null) throw new CustodyError('INVALID_INPUT', 'the backup hash is 64 hex digits');
      const own = this.vault.masterKeyFingerprint().toString('hex');
      if (request.vaultFingerprint !== own) {
        throw new CustodyError('TAMPERED', `the backup manifest names vault ${String(request.vaultFingerprint).slice(0, 16)}, but the restored database is vault ${own}`, { details: { record: 'backup manifest' } });
      }
    });
  }

  // ---------------------------------------------------------------- operators, grants, tokens, ACLs

  async addOperator(name: string, passphrase: Uint8Array, options: { admin?: boolean } = {}): Promise<OperatorInfo> {
    const admin = options.admin === true;
    return this.change('operator.add', {}, { operator: OPERATOR_NAME_PATTERN.test(name) ? name : 'invalid', admin }, async (record) => {
      this.authorize('admin');
      assertOperatorName(name);
      if (TOKEN_ID_PATTERN.test(name)) throw new CustodyError('INVALID_INPUT', 'an operator name may not look like a token id');
      const by = this.principal();
      await this.vault.addOperator(name, passphrase, by, undefined, () => {
        this.access.removePrincipal(name); // grants left by an earlier operator of the same name grant nothing now
        if (admin) this.access.addGrant(name, ALL_NAMESPACES, 'Admin', by);
        record();
      });
      return this.operatorInfo(name);
    });
  }

  listOperators(): Promise<OperatorInfo[]> {
    return this.observe('operator.list', {}, {}, () => {
      this.authorize('admin');
      return this.vault.listOperators().map((o) => this.operatorInfo(o.name));
    });
  }

  private operatorInfo(name: string): OperatorInfo {
    const slot = this.vault.listOperators().find((o) => o.name === name);
    if (slot === undefined) throw new CustodyError('NOT_FOUND', `operator ${name} does not exist`);
    const lock = this.vault.status(name);
    return { name, createdAt: slot.createdAt, createdBy: slot.createdBy, grants: this.access.grantsOf(name), consecutiveFailures: lock.consecutiveFailures, lockedUntil: lock.lockedUntil };
  }

  removeOperator(name: string): Promise<void> {
    return this.changeSync('operator.remove', {}, { operator: OPERATOR_NAME_PATTERN.test(name) ? name : 'invalid' }, () => {
      this.authorize('admin');
      if (!this.vault.hasOperator(name)) throw new CustodyError('NOT_FOUND', `operator ${name} does not exist`);
      this.assertAnotherAdminRemains(name);
      this.vault.removeOperatorUnchecked(name);
      this.access.removePrincipal(name);
      for (const [id, s] of this.parts.sessions) if (s.operator === name) this.parts.sessions.delete(id);
    });
  }

  /** Refuse to leave the vault without an operator who is Admin (nobody could ever manage it again). */
  private assertAnotherAdminRemains(losing: string): void {
    const remaining = this.access.admins().filter((p) => p !== losing && this.vault.hasOperator(p));
    if (remaining.length === 0) throw new CustodyError('INVALID_INPUT', `${losing} is the last Admin operator: make another operator Admin first`);
  }

  grant(principal: string, namespace: string, role: Role): Promise<Grant> {
    return this.changeSync('access.grant', { namespace }, { principal: printable(principal), role: String(role) }, () => {
      this.authorizeGrant(namespace, role);
      this.assertPrincipalExists(principal);
      if (namespace !== ALL_NAMESPACES) this.keys.namespaceInfo(namespace);
      if (role === 'Admin' && principal.startsWith('token:')) throw new CustodyError('INVALID_INPUT', 'an API token cannot be an Admin');
      return this.access.addGrant(principal, namespace, role, this.principal());
    });
  }

  revokeGrant(principal: string, namespace: string, role: Role): Promise<void> {
    return this.changeSync('access.revoke', { namespace }, { principal: printable(principal), role: String(role) }, () => {
      this.authorizeGrant(namespace, role);
      if (role === 'Admin') this.assertAnotherAdminRemains(principal);
      this.access.removeGrant(principal, namespace, role);
    });
  }

  /** Admin grants anything; a NamespaceAdmin grants the namespace roles inside their namespace. */
  private authorizeGrant(namespace: string, role: Role): void {
    if (role === 'Admin' || namespace === ALL_NAMESPACES) this.authorize('admin');
    else this.authorize({ permission: 'namespace.manage', namespace }, namespace);
    if (role !== 'Admin' && !(NAMESPACE_ROLES as readonly string[]).includes(role)) {
      throw new CustodyError('INVALID_INPUT', `unknown role ${JSON.stringify(String(role)).slice(0, 40)}: Admin, NamespaceAdmin, KeyAdmin, KeyUser or Auditor`);
    }
  }

  private assertPrincipalExists(principal: string): void {
    if (typeof principal === 'string' && principal.startsWith('token:')) {
      const id = principal.slice('token:'.length);
      if (!TOKEN_ID_PATTERN.test(id) || !this.access.isTokenLive(id)) throw new CustodyError('NOT_FOUND', `no live API token ${printable(principal)}`);
      return;
    }
    if (typeof principal !== 'string' || !OPERATOR_NAME_PATTERN.test(principal) || !this.vault.hasOperator(principal)) {
      throw new CustodyError('NOT_FOUND', `no operator ${printable(principal)} (tokens are named token:<id>)`);
    }
  }

  listGrants(filter: { principal?: string; namespace?: string } = {}): Promise<Grant[]> {
    return this.observe('access.list', { namespace: filter.namespace ?? null }, {}, () => {
      const mine = this.authorize('authenticated', filter.namespace);
      const me = this.principal();
      const managed = namespacesWith(mine, 'namespace.manage');
      return this.access.listGrants(filter).filter((g) => isAdmin(mine) || g.principal === me || managed.has(ALL_NAMESPACES) || managed.has(g.namespace));
    });
  }

  createToken(request: TokenRequest): Promise<{ token: string; info: TokenInfo }> {
    const grants = Array.isArray(request.grants) ? request.grants : [];
    return this.changeSync('token.create', {}, { label: printable(request.label), grants: grants.map((g) => `${String(g.role)}@${printable(g.namespace)}`).join(','), expiresAt: request.expiresAt ?? null }, () => {
      // Only a person creates credentials: a token that could mint tokens would outlive its own revocation.
      this.authorize('operator');
      if (grants.length === 0) {
        throw new CustodyError('INVALID_INPUT', 'a token needs at least one role in a namespace');
      }
      for (const g of grants) {
        if (g.role === 'Admin') {
          throw new CustodyError('INVALID_INPUT', 'an API token cannot be an Admin');
        }
        this.authorizeGrant(g.namespace, g.role);
        if (g.namespace !== ALL_NAMESPACES) this.keys.namespaceInfo(g.namespace);
      }
      const by = this.principal();
      const { token, id } = this.access.createToken(request.label, request.expiresAt ?? null, by);
      for (const g of grants) this.access.addGrant(tokenPrincipal(id), g.namespace, g.role, by);
      return { token, info: this.access.getToken(id) };
    }, (r) => ({ details: { tokenId: r.info.id } }));
  }

  listTokens(): Promise<TokenInfo[]> {
    return this.observe('token.list', {}, {}, () => {
      const mine = this.authorize('authenticated');
      const me = this.principal();
      return this.access.listTokens().filter((t) => this.mayManageToken(mine, me, t));
    });
  }

  revokeToken(id: string): Promise<TokenInfo> {
    return this.changeSync('token.revoke', {}, { tokenId: TOKEN_ID_PATTERN.test(id) ? id : 'invalid' }, () => {
      const mine = this.authorize('authenticated');
      if (typeof id !== 'string' || !TOKEN_ID_PATTERN.test(id)) throw new CustodyError('INVALID_INPUT', 'a token id looks like tok_0123456789ab');
      const info = this.access.getToken(id);
      if (!this.mayManageToken(mine, this.principal(), info)) throw new CustodyError('PERMISSION_DENIED', `${this.principal()} may not revoke token ${id}`);
      return this.access.revokeToken(id, this.principal());
    });
  }

  /** An Admin, the token's creator, or a NamespaceAdmin of every namespace the token holds a role in. */
  private mayManageToken(mine: readonly Grant[], me: string, token: TokenInfo): boolean {
    if (isAdmin(mine) || token.createdBy === me) return true;
    const managed = namespacesWith(mine, 'namespace.manage');
    return token.grants.length > 0 && token.grants.every((g) => managed.has(ALL_NAMESPACES) || managed.has(g.namespace));
  }

  setKeyAcl(namespace: string, id: string, principals: readonly string[]): Promise<string[]> {
    const list = Array.isArray(principals) ? [...new Set(principals)] : [];
    return this.changeSync('key.acl', { namespace, keyId: id }, { principals: list.map(printable).join(',') }, () => {
      this.authorizeKeyAcl(namespace);
      this.keys.get(namespace, id);
      for (const p of list) this.assertPrincipalExists(p);
      if (list.length === 0) this.access.removeKeyAcl(namespace, id);
      else this.access.setKeyAcl(namespace, id, list, this.principal());
      return this.access.keyAcl(namespace, id);
    });
  }

  keyAcl(namespace: string, id: string): Promise<string[]> {
    return this.observe('key.acl-show', { namespace, keyId: id }, {}, () => {
      this.authorize({ permission: 'key.read', namespace }, namespace);
      this.keys.get(namespace, id);
      return this.access.keyAcl(namespace, id);
    });
  }

  /** A KeyAdmin or a NamespaceAdmin of the namespace. */
  private authorizeKeyAcl(namespace: string): void {
    const grants = this.authorize({ permission: 'key.read', namespace }, namespace);
    if (!hasPermission(grants, 'key.manage', namespace) && !hasPermission(grants, 'namespace.manage', namespace)) {
      throw new CustodyError('PERMISSION_DENIED', `${this.principal()} may not change key ACLs in namespace ${namespace}`);
    }
  }

  // ---------------------------------------------------------------- namespaces

  createNamespace(name: string, settings: Partial<NamespaceSettings> = {}): Promise<void> {
    return this.changeSync('namespace.create', { namespace: name }, { description: settings.description !== undefined, maxKeys: settings.maxKeys ?? null }, () => {
      this.authorize('admin');
      this.keys.createNamespace(name);
      if (settings.description !== undefined || settings.maxKeys !== undefined) {
        this.access.setNamespaceSettings(name, { description: settings.description ?? '', maxKeys: settings.maxKeys ?? null });
      }
    });
  }

  listNamespaces(): Promise<NamespaceInfo[]> {
    return this.observe('namespace.list', {}, {}, () => {
      const grants = this.authorize('authenticated');
      const visible = new Set(grants.map((g) => g.namespace));
      const all = isAdmin(grants) || visible.has(ALL_NAMESPACES);
      return this.keys
        .listNamespaces()
        .filter((n) => all || visible.has(n.name))
        .map((n) => this.namespaceInfo(n.name, n.createdAt));
    });
  }

  private namespaceInfo(name: string, createdAt?: number): NamespaceInfo {
    const info = createdAt === undefined ? this.keys.namespaceInfo(name) : { name, createdAt, keyCount: this.keys.liveKeyCount(name) };
    const stored = this.access.namespaceSettings(name);
    const configured = this.parts.settings.namespaces?.[name];
    return {
      name,
      createdAt: info.createdAt,
      keyCount: info.keyCount,
      description: configured?.description ?? stored.description,
      maxKeys: configured?.maxKeys ?? stored.maxKeys,
      rateLimitPerS: configured?.rateLimitPerS ?? null,
    };
  }

  showNamespace(name: string): Promise<NamespaceInfo & { grants: Grant[] }> {
    return this.observe('namespace.show', { namespace: name }, {}, () => {
      const grants = this.authorize('authenticated', name);
      const mine = grants.filter((g) => g.role === 'Admin' || g.namespace === ALL_NAMESPACES || g.namespace === name);
      if (mine.length === 0) throw new CustodyError('PERMISSION_DENIED', `${this.principal()} holds no role in namespace ${name}`);
      const info = this.namespaceInfo(name);
      const everyone = hasPermission(grants, 'namespace.manage', name) ? this.access.listGrants({ namespace: name }) : mine.filter((g) => g.namespace === name);
      return { ...info, grants: everyone };
    });
  }

  updateNamespace(name: string, settings: Partial<NamespaceSettings>): Promise<NamespaceInfo> {
    return this.changeSync('namespace.update', { namespace: name }, { description: settings.description !== undefined, maxKeys: settings.maxKeys ?? null }, () => {
      this.authorize({ permission: 'namespace.manage', namespace: name }, name);
      this.keys.namespaceInfo(name);
      const configured = this.parts.settings.namespaces?.[name];
      for (const [field, key] of [['description', 'description'], ['maxKeys', 'max_keys']] as const) {
        if (settings[field] !== undefined && configured?.[field] !== undefined) {
          // The file wins over the stored value; accepting the change would report a success that has no effect.
          throw new CustodyError('INVALID_INPUT', `namespaces.${name}.${key} is set in the configuration file, which takes precedence: change it there`);
        }
      }
      const stored = this.access.namespaceSettings(name);
      this.access.setNamespaceSettings(name, {
        description: settings.description ?? stored.description,
        maxKeys: settings.maxKeys === undefined ? stored.maxKeys : settings.maxKeys,
      });
      return this.namespaceInfo(name);
    });
  }

  deleteNamespace(name: string): Promise<void> {
    return this.changeSync('namespace.delete', { namespace: name }, {}, () => {
      this.authorize('admin');
      if (name === DEFAULT_NAMESPACE) throw new CustodyError('INVALID_INPUT', `the ${DEFAULT_NAMESPACE} namespace cannot be deleted`);
      const wallets = this.parts.hd.count(name);
      if (wallets > 0) throw new CustodyError('NOT_EMPTY', `namespace ${name} still holds ${wallets} HD wallet${wallets === 1 ? '' : 's'}: delete them first`, { details: { wallets } });
      const onDevices = this.parts.deviceKeys.count(name);
      if (onDevices > 0) throw new CustodyError('NOT_EMPTY', `namespace ${name} still references ${onDevices} key${onDevices === 1 ? '' : 's'} on devices: forget them first`, { details: { deviceKeys: onDevices } });
      this.keys.deleteNamespaceUnchecked(name);
      this.access.dropNamespace(name);
    });
  }

  /** A namespace's key quota, checked inside the transaction that adds the key (so concurrent adds cannot overshoot). */
  private assertQuota(namespace: string): void {
    const max = this.namespaceInfo(namespace).maxKeys;
    if (max === null) return;
    const count = this.keys.liveKeyCount(namespace) + this.parts.hd.count(namespace) + this.parts.deviceKeys.count(namespace);
    if (count > max) throw new CustodyError('QUOTA_EXCEEDED', `namespace ${namespace} is limited to ${max} key${max === 1 ? '' : 's'}`, { details: { maxKeys: max } });
  }

  // ---------------------------------------------------------------- keys

  generateKey(namespace: string, id: string, algorithm: KeyAlgorithm, options?: { exportable?: boolean }): Promise<KeyInfo> {
    return this.change('key.generate', { namespace, keyId: id }, { algorithm: String(algorithm), exportable: options?.exportable === true }, (record) => {
      this.authorize({ permission: 'key.manage', namespace }, namespace);
      if (this.parts.deviceKeys.get(namespace, id) !== null) throw new CustodyError('ALREADY_EXISTS', `key ${namespace}/${id} exists (on a device)`);
      return this.keys.generate(namespace, id, algorithm, options, () => {
        this.assertQuota(namespace);
        record({ keyVersion: 1 });
      });
    });
  }

  importKey(namespace: string, id: string, algorithm: KeyAlgorithm, format: ImportFormat, data: Uint8Array, options?: { exportable?: boolean }): Promise<KeyInfo> {
    return this.changeSync(
      'key.import',
      { namespace, keyId: id },
      { algorithm: String(algorithm), format: String(format), exportable: options?.exportable === true },
      () => {
        this.authorize({ permission: 'key.manage', namespace }, namespace);
        if (this.parts.deviceKeys.get(namespace, id) !== null) throw new CustodyError('ALREADY_EXISTS', `key ${namespace}/${id} exists (on a device)`);
        const info = this.keys.import(namespace, id, algorithm, format, data, options);
        this.assertQuota(namespace);
        return info;
      },
      () => ({ keyVersion: 1 }),
    );
  }

  listKeys(filter?: KeyFilter): Promise<KeyInfo[]> {
    return this.observe('key.list', { namespace: filter?.namespace ?? null }, {}, () => {
      const onDevices = (ns?: string): KeyInfo[] =>
        this.parts.deviceKeys
          .list(ns === undefined ? {} : { namespace: ns })
          .filter((r) => (filter?.algorithm === undefined || r.algorithm === filter.algorithm) && (filter?.state === undefined || r.state === filter.state))
          .map(deviceKeyInfo);
      const byId = (a: KeyInfo, b: KeyInfo) => (a.namespace === b.namespace ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.namespace < b.namespace ? -1 : 1);
      if (filter?.namespace !== undefined) {
        this.authorize({ permission: 'key.read', namespace: filter.namespace }, filter.namespace);
        this.purge();
        return [...this.keys.list(filter), ...onDevices(filter.namespace)].sort(byId);
      }
      const readable = namespacesWith(this.authorize('authenticated'), 'key.read');
      this.purge();
      return [...this.keys.list(filter), ...onDevices()].filter((k) => readable.has(ALL_NAMESPACES) || readable.has(k.namespace)).sort(byId);
    });
  }

  getKey(namespace: string, id: string): Promise<KeyInfo> {
    return this.observe('key.get', { namespace, keyId: id }, {}, () => {
      this.authorize({ permission: 'key.read', namespace }, namespace);
      this.purge();
      const device = this.deviceRecord(namespace, id, 'read');
      return device === null ? this.keys.get(namespace, id) : deviceKeyInfo(device);
    });
  }

  publicKey(namespace: string, id: string, format: PublicKeyFormat, version?: number) {
    return this.observe(
      'key.public',
      { namespace, keyId: id },
      { format: String(format) },
      () => {
        this.authorize({ permission: 'key.read', namespace }, namespace);
        const device = this.deviceRecord(namespace, id, 'read');
        if (device !== null) {
          if (device.publicKey === null) throw new CustodyError('WRONG_KEY_TYPE', `key ${namespace}/${id} is a secret key: it has no public key`);
          if (version !== undefined && version !== 1) throw new CustodyError('NOT_FOUND', `key ${namespace}/${id} (on ${device.backend}) has one version`);
          return { info: deviceKeyInfo(device), version: 1, publicKey: this.engine.exportPublicKey(device.algorithm as SigningKeyAlgorithm, device.publicKey, format) };
        }
        const { info, version: v, spki } = this.keys.publicKey(namespace, id, version);
        return { info, version: v, publicKey: this.engine.exportPublicKey(info.algorithm as SigningKeyAlgorithm, spki, format) };
      },
      (r) => ({ keyVersion: r.version }),
    );
  }

  rotateKey(namespace: string, id: string): Promise<KeyInfo> {
    this.purge();
    return this.change('key.rotate', { namespace, keyId: id }, {}, (record) => {
      this.authorize({ permission: 'key.manage', namespace }, namespace);
      return this.keys.rotate(namespace, id, (v) => record({ keyVersion: v }));
    });
  }

  setMinDecryptVersion(namespace: string, id: string, version: number): Promise<KeyInfo> {
    this.purge();
    return this.changeSync('key.min-decrypt-version', { namespace, keyId: id }, { minDecryptVersion: version }, () => {
      this.authorize({ permission: 'key.manage', namespace }, namespace);
      return this.keys.setMinDecryptVersion(namespace, id, version);
    });
  }

  disableKey(namespace: string, id: string): Promise<KeyInfo> {
    this.purge();
    return this.changeSync('key.disable', { namespace, keyId: id }, {}, () => {
      this.authorize({ permission: 'key.manage', namespace }, namespace);
      if (this.deviceRecord(namespace, id, 'read') !== null) return deviceKeyInfo(this.parts.deviceKeys.setState(namespace, id, 'disabled', this.parts.clock.now()));
      return this.keys.disable(namespace, id);
    });
  }

  enableKey(namespace: string, id: string): Promise<KeyInfo> {
    this.purge();
    return this.changeSync('key.enable', { namespace, keyId: id }, {}, () => {
      this.authorize({ permission: 'key.manage', namespace }, namespace);
      if (this.deviceRecord(namespace, id, 'read') !== null) return deviceKeyInfo(this.parts.deviceKeys.setState(namespace, id, 'active', this.parts.clock.now()));
      return this.keys.enable(namespace, id);
    });
  }

  scheduleKeyDeletion(namespace: string, id: string, windowMs?: number): Promise<KeyInfo> {
    this.purge();
    return this.changeSync('key.schedule-deletion', { namespace, keyId: id }, { windowMs: windowMs ?? this.parts.deletionWindowMs ?? null }, () => {
      this.authorize({ permission: 'key.manage', namespace }, namespace);
      if (this.deviceRecord(namespace, id, 'read') !== null) {
        throw new CustodyError('UNSUPPORTED', `key ${namespace}/${id} lives on a device: Custos does not delete it there; forget the reference instead (custos device forget, or Forget in the app)`);
      }
      return this.keys.scheduleDeletion(namespace, id, windowMs ?? this.parts.deletionWindowMs);
    });
  }

  cancelKeyDeletion(namespace: string, id: string): Promise<KeyInfo> {
    this.purge();
    return this.changeSync('key.cancel-deletion', { namespace, keyId: id }, {}, () => {
      this.authorize({ permission: 'key.manage', namespace }, namespace);
      return this.keys.cancelDeletion(namespace, id);
    });
  }

  exportKey(namespace: string, id: string, format: 'pkcs8' | 'jwk' | 'raw'): Promise<Uint8Array> {
    return this.observe('key.export', { namespace, keyId: id }, { format: String(format) }, () => {
      this.authorize({ permission: 'key.manage', namespace }, namespace);
      const material = this.keys.exportMaterial(namespace, id);
      try {
        return this.engine.exportPrivateKey(material.algorithm, material, format);
      } finally {
        material.secret?.fill(0);
      }
    });
  }

  // ---------------------------------------------------------------- HD wallets

  hdCreate(namespace: string, id: string, options: { words?: 12 | 24; passphrase?: string; exportable?: boolean } = {}): Promise<{ info: HdWalletInfo; mnemonic: string }> {
    return this.change('hd.create', { namespace, keyId: id }, { words: options.words ?? 24, bip39Passphrase: options.passphrase !== undefined && options.passphrase !== '', exportable: options.exportable === true }, (record) => {
      this.authorize({ permission: 'key.manage', namespace }, namespace);
      const out = this.parts.hd.create(namespace, id, options, () => {
        this.assertQuota(namespace);
        record();
      });
      return out;
    });
  }

  hdImport(namespace: string, id: string, mnemonic: string, options: { passphrase?: string; exportable?: boolean } = {}): Promise<HdWalletInfo> {
    return this.change('hd.import', { namespace, keyId: id }, { bip39Passphrase: options.passphrase !== undefined && options.passphrase !== '', exportable: options.exportable === true }, (record) => {
      this.authorize({ permission: 'key.manage', namespace }, namespace);
      return this.parts.hd.import(namespace, id, mnemonic, options, () => {
        this.assertQuota(namespace);
        record();
      });
    });
  }

  hdList(namespace?: string): Promise<HdWalletInfo[]> {
    return this.observe('hd.list', { namespace: namespace ?? null }, {}, () => {
      if (namespace !== undefined) {
        this.authorize({ permission: 'key.read', namespace }, namespace);
        return this.parts.hd.list(namespace);
      }
      const readable = namespacesWith(this.authorize('authenticated'), 'key.read');
      return this.parts.hd.list().filter((w) => readable.has(ALL_NAMESPACES) || readable.has(w.namespace));
    });
  }

  hdGet(namespace: string, id: string): Promise<HdWalletInfo> {
    return this.observe('hd.get', { namespace, keyId: id }, {}, () => {
      this.authorize({ permission: 'key.read', namespace }, namespace);
      return this.parts.hd.get(namespace, id);
    });
  }

  hdDerive(namespace: string, id: string, request: HdDeriveRequest): Promise<HdDerived> {
    return this.observe('hd.derive', { namespace, keyId: id }, { chain: String(request?.chain) }, () => {
      this.authorize({ permission: 'key.read', namespace }, namespace);
      const { path, curve, address } = derivationOf(request);
      return derivedOf(this.hdCache(namespace, id, curve), path, curve, address);
    }, (r) => ({ details: { path: r.path } }));
  }

  hdDeriveRange(namespace: string, id: string, request: HdDeriveRangeRequest): Promise<HdDerived[]> {
    const details: Details = { chain: String(request?.chain), from: typeof request?.from === 'number' ? request.from : null, count: typeof request?.count === 'number' ? request.count : null };
    return this.observe('hd.derive-range', { namespace, keyId: id }, details, () => {
      this.authorize({ permission: 'key.read', namespace }, namespace);
      // Every path is built (and checked) before anything is derived; one curve for the run.
      const derivations = rangeRequests(request).map(derivationOf);
      const { curve, address } = derivations[0] as ReturnType<typeof derivationOf>;
      const cache = this.hdCache(namespace, id, curve);
      return derivations.map((d) => derivedOf(cache, d.path, curve, address));
    }, (r) => ({ details: { firstPath: r[0]?.path ?? null, lastPath: r[r.length - 1]?.path ?? null } }));
  }

  /** The node at `path` of an active wallet, through the wallet's derivation cache (hdCache). The caller wipes the node. */
  private hdNode(namespace: string, id: string, path: string, curve: HdCurve): HdNode {
    return this.hdCache(namespace, id, curve).derive(path);
  }

  /**
   * The derivation cache of an active wallet for `curve` (the seed is opened once per unlock and
   * curve). The wallet record is re-read (MAC, state) on every call, so a disabled or deleted
   * wallet stops deriving at once.
   */
  private hdCache(namespace: string, id: string, curve: HdCurve): DerivationCache {
    const info = this.parts.hd.get(namespace, id);
    if (info.state !== 'active') throw new CustodyError('KEY_DISABLED', `HD wallet ${namespace}/${id} is disabled`);
    const key = `${namespace}\u0000${id}\u0000${info.createdAt}\u0000${curve}`;
    let cache = this.parts.hdCaches.get(key);
    if (cache === undefined) {
      const seed = this.parts.hd.openSeed(namespace, id);
      try {
        const root = masterNodeFromSeed(seed, curve);
        cache = createDerivationCache(root);
        root.wipe();
      } finally {
        seed.fill(0);
      }
      this.parts.hdCaches.set(key, cache);
    }
    return cache;
  }

  hdXpub(namespace: string, id: string, request: { script: BitcoinScriptType; network: BitcoinNetwork; account?: number } | { chain: 'ethereum'; account?: number }): Promise<{ path: string; xpub: string }> {
    return this.observe('hd.xpub', { namespace, keyId: id }, {}, () => {
      this.authorize({ permission: 'key.read', namespace }, namespace);
      const ethereum = 'chain' in request;
      const path = ethereum ? ethereumParentPath(request.account ?? 0) : bitcoinAccountPath(request.script, request.network, request.account ?? 0);
      const seed = this.parts.hd.openSeed(namespace, id);
      try {
        const node = deriveFromSeed(seed, path, 'secp256k1');
        try {
          return { path, xpub: ethereum ? encodeExtendedPublicKey(node.neuter(), 'xpub') : accountExtendedPublicKey(node, request.script, request.network) };
        } finally {
          node.wipe();
        }
      } finally {
        seed.fill(0);
      }
    }, (r) => ({ details: { path: r.path } }));
  }

  hdExportMnemonic(namespace: string, id: string, operatorPassphrase: Uint8Array): Promise<string> {
    return this.observe('hd.export-mnemonic', { namespace, keyId: id }, {}, async () => {
      this.authorize({ permission: 'key.manage', namespace }, namespace);
      if (this.caller.kind !== 'operator') throw new CustodyError('PERMISSION_DENIED', 'only an operator may see a mnemonic again');
      // Re-authentication: the operator types their passphrase again (counted by the lockout like any sign-in).
      await this.vault.unlock(this.caller.name, operatorPassphrase);
      return this.parts.hd.exportMnemonic(namespace, id);
    });
  }

  hdSetState(namespace: string, id: string, state: 'active' | 'disabled'): Promise<HdWalletInfo> {
    return this.changeSync(state === 'active' ? 'hd.enable' : 'hd.disable', { namespace, keyId: id }, {}, () => {
      this.authorize({ permission: 'key.manage', namespace }, namespace);
      return this.parts.hd.setState(namespace, id, state);
    });
  }

  hdDelete(namespace: string, id: string): Promise<void> {
    return this.changeSync('hd.delete', { namespace, keyId: id }, {}, () => {
      this.authorize({ permission: 'key.manage', namespace }, namespace);
      this.parts.hd.delete(namespace, id);
      for (const [k, cache] of this.parts.hdCaches) {
        if (k.startsWith(`${namespace}\u0000${id}\u0000`)) {
          cache.wipe();
          this.parts.hdCaches.delete(k);
        }
      }
    });
  }

  // ---------------------------------------------------------------- Ethereum

  ethAddress(ref: EthKeyRef): Promise<{ address: string; path: string | null }> {
    return this.observe('eth.address', ethTarget(ref), {}, () => {
      this.authorize({ permission: 'key.read', namespace: ref.namespace }, ref.namespace);
      const device = 'keyId' in ref ? this.deviceRecord(ref.namespace, ref.keyId, 'read') : null;
      if (device !== null) {
        if (device.address === null) throw new CustodyError('WRONG_KEY_TYPE', `key ${ref.namespace}/${device.id} is ${device.algorithm}: Ethereum needs ecdsa-secp256k1`);
        return { address: device.address, path: device.backend.startsWith('ledger:') ? device.handle : null };
      }
      return this.withEthSigner(ref, (signer, path) => ({ address: eth.signerAddress(signer), path }));
    }, (r) => ({ details: { address: r.address } }));
  }

  ethSignMessage(ref: EthKeyRef, message: Uint8Array): Promise<eth.EthSignature> {
    const request = (): SigningRequest => ({ type: 'eth.message', message: `0x${message instanceof Uint8Array ? Buffer.from(message).toString('hex') : ''}`, encoding: 'hex' });
    return this.withOperatorPolicies(ref, 'personal_sign', request, () =>
      this.ledgerKey(ref) !== null ? this.ledgerPersonalSign(ref, message) : this.ethSign('eth.sign-message', ref, { bytes: message?.length ?? 0 }, (signer) => eth.signPersonalMessage(signer, message)),
    );
  }

  ethSignTypedData(ref: EthKeyRef, typedData: unknown, options: { expectedChainId: number | bigint | string }): Promise<eth.EthSignature> {
    const request = (): SigningRequest => ({ type: 'eth.typedData', typedData: typeof typedData === 'string' ? typedData : jsonText(typedData), chainId: String(options?.expectedChainId) });
    return this.withOperatorPolicies(ref, 'eth_signTypedData_v4', request, () => this.ethSignTypedDataNow(ref, typedData, options));
  }

  private ethSignTypedDataNow(ref: EthKeyRef, typedData: unknown, options: { expectedChainId: number | bigint | string }): Promise<eth.EthSignature> {
    if (this.ledgerKey(ref) !== null) return this.ledgerTypedData(ref, typedData, options);
    return this.ethSign('eth.sign-typed-data', ref, { expectedChainId: String(options?.expectedChainId) }, (signer) => eth.signTypedData(signer, typedData, { expectedChainId: options.expectedChainId }));
  }

  ethSignTransaction(ref: EthKeyRef, transaction: unknown, options: { expectedChainId?: number | bigint | string } = {}): Promise<eth.SignedTransaction> {
    const request = (): SigningRequest => ({
      type: 'eth.transaction',
      transaction: typeof transaction === 'string' ? transaction : jsonText(transaction),
      ...(options?.expectedChainId === undefined ? {} : { chainId: String(options.expectedChainId) }),
    });
    return this.withOperatorPolicies(ref, 'eth_signTransaction', request, () => this.ethSignTransactionNow(ref, transaction, options));
  }

  private ethSignTransactionNow(ref: EthKeyRef, transaction: unknown, options: { expectedChainId?: number | bigint | string } = {}): Promise<eth.SignedTransaction> {
    if (this.ledgerKey(ref) !== null) return this.ledgerTransaction(ref, transaction, options);
    return this.ethSign(
      'eth.sign-tx',
      ref,
      { expectedChainId: options.expectedChainId === undefined ? null : String(options.expectedChainId) },
      (signer) => eth.signTransaction(signer, transaction, options.expectedChainId === undefined ? {} : { expectedChainId: options.expectedChainId }),
      (r) => ({ txHash: r.hash, signingHash: r.signingHash, txType: r.type, from: r.from }),
    );
  }

  ethDescribe(request: { kind: 'transaction'; input: unknown; from?: string } | { kind: 'typed-data'; input: unknown; expectedChainId: number | bigint | string } | { kind: 'message'; message: Uint8Array }): Promise<eth.EthRequestView> {
    return this.observe('eth.describe', {}, { kind: String(request?.kind) }, () => {
      this.authorize('authenticated');
      switch (request.kind) {
        case 'transaction':
          return eth.describeTransaction(request.input, request.from === undefined ? {} : { from: request.from });
        case 'typed-data':
          return eth.describeTypedData(request.input, { expectedChainId: request.expectedChainId });
        case 'message':
          return eth.describePersonalMessage(request.message);
        default:
          throw new CustodyError('INVALID_INPUT', 'describe a transaction, typed-data or a message');
      }
    });
  }

  /** Sign through `run` with the referenced key, audited with the digest (never the data), refused while the audit log is TAMPERED. */
  private ethSign<T extends { digest?: string; signingHash?: string; address?: string; from?: string }>(
    action: string,
    ref: EthKeyRef,
    details: Details,
    run: (signer: Secp256k1Signer) => T,
    extra?: (value: T) => Details,
  ): Promise<T> {
    return this.observe(action, ethTarget(ref), details, () => {
      this.authorize({ permission: 'key.use', namespace: ref.namespace, keyId: 'keyId' in ref ? ref.keyId : ref.wallet }, ref.namespace);
      this.assertAuditIntact();
      return this.afterDevicesReady([ref], () =>
        this.withEthSigner(ref, (signer, path) => {
          const value = run(signer);
          return { value, path };
        }),
      );
    }, (r) => ({ details: { ...(r.path === null ? {} : { path: r.path }), digest: r.value.digest ?? r.value.signingHash ?? null, signer: r.value.address ?? r.value.from ?? null, ...extra?.(r.value) } })).then((r) => r.value);
  }

  /**
   * An operator's own Ethereum signature (the Sign screen, the CLI) answers to the policies too:
   * deny refuses (POLICY_DENIED); a quorum cannot be met by one person here (PERMISSION_DENIED:
   * send it through the queue); otherwise the operator is the person who approves. What it moves
   * counts against the 24-hour limits. Programs' signatures were evaluated in the queue already
   * (their callers are tokens and wallet clients, never operators), so they pass straight through.
   */
  private async withOperatorPolicies<T>(ref: EthKeyRef, method: string, request: () => SigningRequest, sign: () => Promise<T>): Promise<T> {
    if (this.caller.kind !== 'operator' || (this.parts.configPolicies.length === 0 && this.parts.policies.definitions().length === 0)) return sign();
    const signer: SignerRef = typeof ref === 'object' && ref !== null && 'keyId' in ref ? { kind: 'key', namespace: ref.namespace, keyId: ref.keyId } : { kind: 'hd', namespace: ref.namespace, wallet: ref.wallet, account: ref.account ?? 0, index: ref.index };
    const id = newRequestId();
    const principal = this.principal();
    const { context } = await this.observe('request.policy', ethTarget(ref), { requestId: id, method: method.slice(0, 64) }, async () => {
      this.authorize({ permission: 'key.use', namespace: ref.namespace, keyId: keyIdOf(ref) }, ref.namespace);
      const device = 'keyId' in ref ? this.deviceRecord(ref.namespace, ref.keyId, 'read') : null;
      const address = device !== null ? device.address : this.withEthSigner(ref, (s) => eth.signerAddress(s));
      const evaluated = await this.evaluateRequest(id, { client: { transport: this.client.transport, id: principal, label: principal }, method, request: request(), signer }, address);
      const e = evaluated.evaluation;
      if (e.decision === 'deny') throw new CustodyError('POLICY_DENIED', `a policy refused it: ${e.reasons.join('; ').slice(0, 500)}`);
      const quorum = e.decision === 'require-approval' ? quorumOf(e, this.allPolicyDefinitions()) : null;
      if (quorum !== null) {
        throw new CustodyError('PERMISSION_DENIED', `policy ${quorum.policy} needs ${quorum.required} of ${quorum.approvers.join(', ')} to approve: submit it as a request (the queue) instead of signing it yourself`);
      }
      return evaluated;
    }, (r) => ({ details: evaluationAuditDetails(r.evaluation) }));
    const spent = this.recordSpending(id, signer, context);
    try {
      return await sign();
    } catch (error) {
      if (spent !== null) this.db.transaction(() => this.parts.spend.forget(id)).immediate();
      throw error;
    }
  }

  /** A signer for the referenced key, alive only during `use`; HD key bytes are wiped after. */
  private withEthSigner<T>(ref: EthKeyRef, use: (signer: Secp256k1Signer, path: string | null) => T): T {
    if (typeof ref !== 'object' || ref === null) throw new CustodyError('INVALID_INPUT', 'name a key (namespace, keyId) or an HD wallet (namespace, wallet, index)');
    if ('keyId' in ref) {
      const device = this.deviceRecord(ref.namespace, ref.keyId);
      if (device !== null) return use(this.tokenSecp256k1Signer(device, 'Ethereum'), null);
      const key = this.keys.load(ref.namespace, ref.keyId, 'sign', ref.keyVersion);
      if (key.info.algorithm !== 'ecdsa-secp256k1' || key.privateHandle === undefined) {
        throw new CustodyError('WRONG_KEY_TYPE', `key ${ref.namespace}/${ref.keyId} is ${key.info.algorithm}: Ethereum needs ecdsa-secp256k1`);
      }
      return use(this.vaultSecp256k1Signer(ref, key.version, key.privateHandle), null);
    }
    const path = ethereumAddressPath(ref.index, ref.account ?? 0);
    // Kept with the wallet's derivation cache (re-checked active on every call, wiped on lock and
    // deletion): setting up a leaf's signer costs more than its signature.
    const cache = this.hdCache(ref.namespace, ref.wallet, 'secp256k1');
    const signer = cache.memo(
      `eth-signer ${path}`,
      () => {
        const node = cache.derive(path);
        try {
          if (node.privateKey === undefined) throw new CustodyError('INTERNAL', 'derived node has no private key');
          return secp256k1Signer(this.engine, node.privateKey);
        } finally {
          node.wipe();
        }
      },
      (s) => s.dispose(),
    );
    return use(signer, path);
  }

  /**
   * The signer over a vault secp256k1 key, one per private handle. The key store hands out one
   * handle per key version row and replaces it when the row changes (or drops it on lock), so the
   * handle names exactly one key: its public key is read, decompressed and checked once, and
   * chain code caches the address per signer. No key bytes are held here (only the handle).
   */
  private vaultSecp256k1Signer(ref: VaultKeyRef, version: number, handle: PrivateKeyHandle): Secp256k1Signer {
    let signer = this.parts.vaultSigners.get(handle);
    if (signer === undefined) {
      const { spki } = this.keys.publicKey(ref.namespace, ref.keyId, version);
      signer = secp256k1SignerFromHandle(this.engine, handle, this.engine.exportPublicKey('ecdsa-secp256k1', spki, 'raw'));
      this.parts.vaultSigners.set(handle, signer);
    }
    return signer;
  }

  /**
   * A signer over the HD key at `path`, alive only during `use`: built from the derived private
   * key by `make`, then disposed, and the derived node wiped, whatever `use` does.
   */
  private withDerivedSigner<S extends { dispose(): void }, T>(namespace: string, wallet: string, path: string, curve: HdCurve, make: (privateKey: Uint8Array, node: HdNode) => S, use: (signer: S) => T): T {
    const node = this.hdNode(namespace, wallet, path, curve);
    try {
      const priv = node.privateKey;
      if (priv === undefined) throw new CustodyError('INTERNAL', 'derived node has no private key');
      const signer = make(priv, node);
      try {
        return use(signer);
      } finally {
        signer.dispose();
      }
    } finally {
      node.wipe();
    }
  }

  // ---------------------------------------------------------------- Bitcoin

  btcAddress(ref: BtcKeyRef, options: { script?: BitcoinScriptType; network?: BitcoinNetwork } = {}): Promise<{ address: string; script: BitcoinScriptType; network: BitcoinNetwork; path: string | null }> {
    return this.observe('btc.address', ethTarget(ref), { script: options?.script === undefined ? null : printable(options.script), network: options?.network === undefined ? null : printable(options.network) }, () => {
      this.authorize({ permission: 'key.read', namespace: ref.namespace }, ref.namespace);
      const { script, network } = btcScriptOf(ref, options);
      const { publicKey, path } = this.btcPublicKey(ref);
      return { address: bitcoin.bitcoinAddress(publicKey, script, network).address, script, network, path };
    }, (r) => ({ details: { address: r.address } }));
  }

  btcSignPsbt(refs: BtcKeyRef | readonly BtcKeyRef[], psbt: Uint8Array | string, options: { network: BitcoinNetwork; allowSighash?: readonly bitcoin.SighashName[]; finalize?: boolean; ownRefs?: readonly BtcKeyRef[] }): Promise<bitcoin.SignedPsbt> {
    const list: readonly BtcKeyRef[] = Array.isArray(refs) ? refs : [refs as BtcKeyRef];
    const first = list[0];
    return this.observe(
      'btc.sign-psbt',
      first === undefined ? {} : ethTarget(first),
      { signers: list.length, network: printable(options?.network), psbtSha256: inputSha256(psbt), finalize: options?.finalize === true },
      () => {
        if (list.length === 0) throw new CustodyError('INVALID_INPUT', 'name at least one key to sign with');
        if (typeof options !== 'object' || options === null) throw new CustodyError('INVALID_INPUT', 'signing a PSBT needs options naming the network');
        for (const ref of list) {
          assertRef(ref);
          this.authorize({ permission: 'key.use', namespace: ref.namespace, keyId: keyIdOf(ref) }, ref.namespace);
        }
        this.authorizeReads(options.ownRefs);
        const network = btcNetworkOf(options.network);
        this.assertAuditIntact();
        const ownPublicKeys = (options.ownRefs ?? []).map((r) => this.btcPublicKey(r).publicKey);
        return this.afterDevicesReady(list, () => this.withBtcSigners(list, network, (signers) =>
          bitcoin.signPsbt(psbt, signers, { network, ownPublicKeys, ...(options.allowSighash === undefined ? {} : { allowSighash: options.allowSighash }), finalize: options.finalize === true }),
        ));
      },
      (r) => ({ details: { signedInputs: r.signed.length, feeSats: r.summary.feeSats === null ? null : r.summary.feeSats.toString(), signedPsbtSha256: sha256Hex(r.psbt), txid: r.transaction?.txid ?? null } }),
    );
  }

  btcDecodePsbt(psbt: Uint8Array | string, options: { network: BitcoinNetwork; ownRefs?: readonly BtcKeyRef[] }): Promise<bitcoin.PsbtSummary> {
    return this.observe('btc.decode-psbt', {}, { network: printable(options?.network), psbtSha256: inputSha256(psbt) }, () => {
      this.authorize('authenticated');
      if (typeof options !== 'object' || options === null) throw new CustodyError('INVALID_INPUT', 'decoding a PSBT needs options naming the network');
      this.authorizeReads(options.ownRefs);
      const network = btcNetworkOf(options.network);
      const ownPublicKeys = (options.ownRefs ?? []).map((r) => this.btcPublicKey(r).publicKey);
      return bitcoin.decodePsbt(psbt, { network, ownPublicKeys });
    });
  }

  btcSignMessage(ref: BtcKeyRef, message: string | Uint8Array, options: { script?: BitcoinScriptType; network?: BitcoinNetwork } = {}): Promise<bitcoin.SignedMessage> {
    return this.observe('btc.sign-message', ethTarget(ref), { messageSha256: inputSha256(message) }, () => {
      this.authorize({ permission: 'key.use', namespace: ref.namespace, keyId: keyIdOf(ref) }, ref.namespace);
      this.assertAuditIntact();
      const { script, network } = btcScriptOf(ref, options);
      if (typeof message !== 'string' && !(message instanceof Uint8Array)) throw new CustodyError('INVALID_INPUT', 'a message is text or bytes');
      return this.withBtcSigners([ref], network, ([signer]) => bitcoin.signMessage(signer as Secp256k1Signer, message, { type: script, network }));
    }, (r) => ({ details: { address: r.address, format: r.format } }));
  }

  /** key.read on the namespace of every ref whose public key is read (change detection). */
  private authorizeReads(refs: readonly BtcKeyRef[] | undefined): void {
    if (refs === undefined) return;
    if (!Array.isArray(refs)) throw new CustodyError('INVALID_INPUT', 'ownRefs is a list of keys');
    for (const ref of refs as readonly unknown[]) {
      assertRef(ref);
      this.authorize({ permission: 'key.read', namespace: ref.namespace }, ref.namespace);
    }
  }

  /** The compressed public key of a Bitcoin ref: public data only (a vault key's SPKI, or a derived node wiped at once). */
  private btcPublicKey(ref: BtcKeyRef): { publicKey: Uint8Array; path: string | null } {
    assertRef(ref);
    if ('keyId' in ref) {
      const { info, spki } = this.keys.publicKey(ref.namespace, ref.keyId, ref.keyVersion);
      if (info.algorithm !== 'ecdsa-secp256k1') throw new CustodyError('WRONG_KEY_TYPE', `key ${ref.namespace}/${ref.keyId} is ${info.algorithm}: Bitcoin needs ecdsa-secp256k1`);
      return { publicKey: nobleSecp256k1.Point.fromBytes(this.engine.exportPublicKey('ecdsa-secp256k1', spki, 'raw')).toBytes(true), path: null };
    }
    const path = btcPathOf(ref);
    const node = this.hdNode(ref.namespace, ref.wallet, path, 'secp256k1');
    try {
      return { publicKey: Uint8Array.from(node.publicKey), path };
    } finally {
      node.wipe();
    }
  }

  /**
   * Signers for every ref, alive only during `use`. A vault key's signer goes through its engine
   * handle and has no BIP-340 Schnorr (the engine has none), so the chain module refuses its
   * Taproot inputs with UNSUPPORTED; an HD key's signer holds the derived bytes (it can sign
   * Taproot) and is disposed, and its node wiped, afterwards.
   */
  private withBtcSigners<T>(refs: readonly BtcKeyRef[], network: BitcoinNetwork, use: (signers: Secp256k1Signer[]) => T): T {
    const cleanup: (() => void)[] = [];
    try {
      const signers = refs.map((ref) => {
        assertRef(ref);
        if ('keyId' in ref) {
          const device = this.deviceRecord(ref.namespace, ref.keyId);
          if (device !== null) return this.tokenSecp256k1Signer(device, 'Bitcoin');
          const key = this.keys.load(ref.namespace, ref.keyId, 'sign', ref.keyVersion);
          if (key.info.algorithm !== 'ecdsa-secp256k1' || key.privateHandle === undefined) {
            throw new CustodyError('WRONG_KEY_TYPE', `key ${ref.namespace}/${ref.keyId} is ${key.info.algorithm}: Bitcoin needs ecdsa-secp256k1`);
          }
          return this.vaultSecp256k1Signer(ref, key.version, key.privateHandle);
        }
        if (ref.network !== network) throw new CustodyError('INVALID_INPUT', `HD account ${ref.namespace}/${ref.wallet} is for ${printable(ref.network)}, not ${network}`);
        const node = this.hdNode(ref.namespace, ref.wallet, btcPathOf(ref), 'secp256k1');
        cleanup.push(() => node.wipe());
        const priv = node.privateKey;
        if (priv === undefined) throw new CustodyError('INTERNAL', 'derived node has no private key');
        const signer = secp256k1Signer(this.engine, priv);
        cleanup.push(() => signer.dispose());
        return signer;
      });
      return use(signers);
    } finally {
      for (const done of cleanup.reverse()) done();
    }
  }

  // ---------------------------------------------------------------- Solana

  solAddress(ref: SolKeyRef): Promise<{ address: string; path: string | null }> {
    return this.observe('sol.address', ethTarget(ref), {}, () => {
      this.authorize({ permission: 'key.read', namespace: ref.namespace }, ref.namespace);
      return this.withSolSigner(ref, (signer, path) => ({ address: sol.solanaAddress(signer.publicKey), path }));
    }, (r) => ({ details: { address: r.address } }));
  }

  solSignTransaction(ref: SolKeyRef, transaction: Uint8Array | string): Promise<sol.SignedSolanaTransaction> {
    return this.solSign('sol.sign-tx', ref, { transactionSha256: inputSha256(transaction) }, (signer) => sol.signSolanaTransaction(transaction, signer), (r) => ({
      signature: r.signatureBase58,
      feePayer: r.summary.feePayer ?? null,
      complete: r.complete,
    }));
  }

  solSignMessage(ref: SolKeyRef, message: string | Uint8Array, options: { layout?: sol.OffchainLayout; applicationDomain?: Uint8Array } = {}): Promise<sol.SignedOffchainMessage> {
    return this.solSign('sol.sign-message', ref, { messageSha256: inputSha256(message), layout: printable(options?.layout ?? 'preamble') }, (signer) => sol.signOffchainMessage(signer, message, options), (r) => ({
      signature: r.signatureBase58,
      signedSha256: sha256Hex(r.message),
    }));
  }

  solDecode(transaction: Uint8Array | string): Promise<sol.SolanaTransactionSummary> {
    return this.observe('sol.decode', {}, { transactionSha256: inputSha256(transaction) }, () => {
      this.authorize('authenticated');
      return sol.decodeSolanaTransaction(transaction);
    });
  }

  private solSign<T>(action: string, ref: SolKeyRef, details: Details, run: (signer: Ed25519Signer) => T, extra: (value: T) => Details): Promise<T> {
    return this.observe(action, ethTarget(ref), details, () => {
      this.authorize({ permission: 'key.use', namespace: ref.namespace, keyId: keyIdOf(ref) }, ref.namespace);
      this.assertAuditIntact();
      return this.withSolSigner(ref, (signer, path) => ({ value: run(signer), path, signer: sol.solanaAddress(signer.publicKey) }));
    }, (r) => ({ details: { ...(r.path === null ? {} : { path: r.path }), signer: r.signer, ...extra(r.value) } })).then((r) => r.value);
  }

  /** An Ed25519 signer for the ref, alive only during `use`: a vault key through its engine handle, or an HD key (SLIP-10) wiped after. */
  private withSolSigner<T>(ref: SolKeyRef, use: (signer: Ed25519Signer, path: string | null) => T): T {
    assertRef(ref);
    if ('keyId' in ref) {
      const key = this.keys.load(ref.namespace, ref.keyId, 'sign', ref.keyVersion);
      if (key.info.algorithm !== 'ed25519' || key.privateHandle === undefined) {
        throw new CustodyError('WRONG_KEY_TYPE', `key ${ref.namespace}/${ref.keyId} is ${key.info.algorithm}: Solana needs ed25519`);
      }
      const { spki } = this.keys.publicKey(ref.namespace, ref.keyId, key.version);
      return use(ed25519SignerFromHandle(this.engine, key.privateHandle, this.engine.exportPublicKey('ed25519', spki, 'raw')), null);
    }
    const path = solanaPath(requireIndex(ref.account, 'account'));
    return this.withDerivedSigner(ref.namespace, ref.wallet, path, 'ed25519', (priv) => ed25519Signer(this.engine, priv), (signer) => use(signer, path));
  }

  // ---------------------------------------------------------------- StarkNet

  starkAddress(ref: StarkKeyRef): Promise<{ address: string; publicKey: string; classHash: string; path: string }> {
    return this.observe('stark.address', ethTarget(ref), {}, () => {
      this.authorize({ permission: 'key.read', namespace: ref.namespace }, ref.namespace);
      return this.withStarkSigner(ref, (signer, path) => {
        const a = stark.openZeppelinAccountAddress(signer.publicKey);
        return { address: a.address, publicKey: a.publicKey, classHash: a.classHash, path };
      });
    }, (r) => ({ details: { address: r.address, path: r.path } }));
  }

  starkSignInvoke(ref: StarkKeyRef, invoke: stark.InvokeTransaction): Promise<stark.SignedInvoke> {
    return this.starkSign('stark.sign-invoke', ref, (signer) => stark.signInvoke(signer, invoke), (r) => ({ transactionHash: r.transactionHash, sender: r.summary.senderAddress, chainId: r.summary.chainId }));
  }

  starkSignTypedData(ref: StarkKeyRef, typedData: stark.TypedData, options: { account?: string } = {}): Promise<stark.SignedTypedData> {
    return this.starkSign(
      'stark.sign-typed-data',
      ref,
      (signer) => stark.signTypedData(signer, typedData, options?.account ?? stark.openZeppelinAccountAddress(signer.publicKey).address),
      (r) => ({ messageHash: r.messageHash, account: r.summary.account }),
    );
  }

  private starkSign<T>(action: string, ref: StarkKeyRef, run: (signer: StarkSigner) => T, extra: (value: T) => Details): Promise<T> {
    return this.observe(action, ethTarget(ref), {}, () => {
      this.authorize({ permission: 'key.use', namespace: ref.namespace, keyId: ref.wallet }, ref.namespace);
      this.assertAuditIntact();
      return this.withStarkSigner(ref, (signer, path) => ({ value: run(signer), path }));
    }, (r) => ({ details: { path: r.path, ...extra(r.value) } })).then((r) => r.value);
  }

  /**
   * A Stark signer for an HD account: the secp256k1 node at m/44'/9004'/0'/0/index (the layout
   * Argent X and Braavos use) or at the EIP-2645 path the ref names, ground to a Stark key (chains/hd/starknet.ts). This is the one
   * signer that holds key bytes in JavaScript (the engine has no Stark curve); the ground key,
   * the signer and the node are wiped when `use` returns.
   */
  private withStarkSigner<T>(ref: StarkKeyRef, use: (signer: StarkSigner, path: string) => T): T {
    assertRef(ref);
    if (!('wallet' in ref) || typeof ref.wallet !== 'string') throw new CustodyError('WRONG_KEY_TYPE', 'StarkNet signs with an HD wallet account only (no vault key type has the Stark curve)');
    const index = requireIndex(ref.index, 'index');
    const e = ref.eip2645 as unknown;
    if (e !== undefined && (e === null || typeof e !== 'object' || ['layer', 'application', 'ethAddress'].some((k) => typeof (e as Record<string, unknown>)[k] !== 'string'))) {
      throw new CustodyError('INVALID_INPUT', 'an EIP-2645 path needs layer, application and ethAddress (strings)');
    }
    const path = ref.eip2645 === undefined ? starknetAccountPath(index) : eip2645Path({ layer: ref.eip2645.layer, application: ref.eip2645.application, ethAddress: ref.eip2645.ethAddress, index });
    return this.withDerivedSigner(
      ref.namespace,
      ref.wallet,
      path,
      'secp256k1',
      (_priv, node) => {
        const key = starkKeyFromNode(node);
        try {
          return stark.starkSignerFromPrivateKey(key);
        } finally {
          key.fill(0);
        }
      },
      (signer) => use(signer, path),
    );
  }

  // ---------------------------------------------------------------- crypto

  sign(request: SignRequest): Promise<SignResult> {
    return this.observe(
      'crypto.sign',
      { namespace: request.namespace, keyId: request.keyId },
      { dataSha256: sha256Hex(request.data), ...optionDetails(request) },
      () => {
        this.authorize({ permission: 'key.use', namespace: request.namespace, keyId: request.keyId }, request.namespace);
        this.assertAuditIntact();
        const device = this.deviceRecord(request.namespace, request.keyId);
        if (device !== null) return this.signOnDevice(device, request);
        const key = this.keys.load(request.namespace, request.keyId, 'sign');
        if (key.privateHandle === undefined) throw new CustodyError('WRONG_KEY_TYPE', `key ${request.namespace}/${request.keyId} cannot sign`);
        const signature = this.engine.sign(key.privateHandle, request.data, signOptions(request));
        return { signature, keyVersion: key.version, algorithm: key.info.algorithm };
      },
      (r) => ({ keyVersion: r.keyVersion, details: { algorithm: r.algorithm } }),
    );
  }

  verify(request: VerifyRequest): Promise<{ valid: boolean; keyVersion: number }> {
    return this.observe(
      'crypto.verify',
      { namespace: request.namespace, keyId: request.keyId, keyVersion: request.keyVersion ?? null },
      { dataSha256: sha256Hex(request.data), ...optionDetails(request) },
      () => {
        this.authorize({ permission: 'key.use', namespace: request.namespace, keyId: request.keyId }, request.namespace);
        // A device key verifies here, with the public key its reference holds: no device needed.
        const device = this.deviceRecord(request.namespace, request.keyId, 'read');
        if (device !== null) {
          if (device.publicKey === null || !isSigningAlgorithm(device.algorithm)) throw new CustodyError('WRONG_KEY_TYPE', `key ${request.namespace}/${request.keyId} cannot verify`);
          if (request.keyVersion !== undefined && request.keyVersion !== 1) throw new CustodyError('NOT_FOUND', `key ${request.namespace}/${request.keyId} (on ${device.backend}) has one version`);
          const handle = this.engine.loadPublicKey(device.algorithm, device.publicKey);
          return { valid: this.engine.verify(handle, request.data, request.signature, signOptions(request)), keyVersion: 1 };
        }
        const key = this.keys.load(request.namespace, request.keyId, 'verify', request.keyVersion);
        if (key.publicHandle === undefined) throw new CustodyError('WRONG_KEY_TYPE', `key ${request.namespace}/${request.keyId} cannot verify`);
        return { valid: this.engine.verify(key.publicHandle, request.data, request.signature, signOptions(request)), keyVersion: key.version };
      },
      (r) => ({ keyVersion: r.keyVersion, details: { valid: r.valid } }),
    );
  }

  verifyWithPublicKey(request: VerifyWithPublicKeyRequest): Promise<{ valid: boolean }> {
    return this.observe(
      'crypto.verify-public',
      {},
      { algorithm: String(request.algorithm), dataSha256: sha256Hex(request.data), publicKeySha256: sha256Hex(request.publicKey), ...optionDetails(request) },
      () => {
        this.authorize('authenticated');
        if (!isSigningAlgorithm(request.algorithm)) throw new CustodyError('INVALID_INPUT', `${String(request.algorithm)} is not a signature algorithm`);
        const spki = this.engine.parsePublicKey(request.algorithm, request.publicKey);
        const handle = this.engine.loadPublicKey(request.algorithm, spki);
        return { valid: this.engine.verify(handle, request.data, request.signature, signOptions(request)) };
      },
      (r) => ({ details: { valid: r.valid } }),
    );
  }

  encrypt(request: EncryptRequest): Promise<{ ciphertext: Uint8Array; keyVersion: number }> {
    return this.observe(
      'crypto.encrypt',
      { namespace: request.namespace, keyId: request.keyId },
      { bytes: request.data.length, aad: request.aad !== undefined },
      () => {
        this.authorize({ permission: 'key.use', namespace: request.namespace, keyId: request.keyId }, request.namespace);
        const key = this.keys.load(request.namespace, request.keyId, 'encrypt');
        const handle = key.privateHandle ?? key.publicHandle;
        if (handle === undefined) throw new CustodyError('WRONG_KEY_TYPE', `key ${request.namespace}/${request.keyId} cannot encrypt`);
        const ciphertext = this.engine.encrypt(handle, request.data, request.aad === undefined ? {} : { aad: request.aad });
        return { ciphertext, keyVersion: key.version };
      },
      (r) => ({ keyVersion: r.keyVersion, details: { algorithm: null } }),
    );
  }

  decrypt(request: DecryptRequest): Promise<{ plaintext: Uint8Array; keyVersion: number }> {
    return this.observe(
      'crypto.decrypt',
      { namespace: request.namespace, keyId: request.keyId, keyVersion: request.keyVersion ?? null },
      { bytes: request.data.length, aad: request.aad !== undefined },
      () => {
        this.authorize({ permission: 'key.use', namespace: request.namespace, keyId: request.keyId }, request.namespace);
        this.assertAuditIntact();
        return this.decryptUnaudited(request);
      },
      (r) => ({ keyVersion: r.keyVersion }),
    );
  }

  private decryptUnaudited(request: DecryptRequest): { plaintext: Uint8Array; keyVersion: number } {
    const options = request.aad === undefined ? {} : { aad: request.aad };
    if (request.keyVersion !== undefined) {
      const key = this.keys.load(request.namespace, request.keyId, 'decrypt', request.keyVersion);
      return { plaintext: this.engine.decrypt(requirePrivate(key.privateHandle), request.data, options), keyVersion: key.version };
    }
    const info = this.keys.get(request.namespace, request.keyId);
    const gcm = info.algorithm.endsWith('-gcm');
    const candidates = gcm ? range(info.primaryVersion, info.minDecryptVersion) : [info.primaryVersion];
    let lastError: unknown;
    for (const v of candidates) {
      const key = this.keys.load(request.namespace, request.keyId, 'decrypt', v);
      try {
        return { plaintext: this.engine.decrypt(requirePrivate(key.privateHandle), request.data, options), keyVersion: v };
      } catch (error) {
        if (!(error instanceof CustodyError) || error.code !== 'DECRYPTION_FAILED') throw error;
        lastError = error;
      }
    }
    throw lastError instanceof CustodyError ? lastError : new CustodyError('DECRYPTION_FAILED', 'decryption failed');
  }

  hash(algorithm: HashAlgorithm, data: Uint8Array): Promise<Uint8Array> {
    return this.observe('crypto.hash', {}, { algorithm: String(algorithm), bytes: data.length }, () => {
      this.authorize('authenticated');
      return this.engine.hash(algorithm, data);
    });
  }

  kdf(params: KdfParams): Promise<Uint8Array> {
    return this.observe('crypto.kdf', {}, { algorithm: String(params.algorithm), length: params.length }, () => {
      this.authorize('authenticated');
      return this.engine.kdf(params);
    });
  }

  random(length: number): Promise<Uint8Array> {
    return this.observe('crypto.random', {}, { length }, () => {
      this.authorize('authenticated');
      return this.engine.random(length);
    });
  }

  // ---------------------------------------------------------------- audit

  auditStatus(): AuditStatus {
    if (this.caller.kind === 'none') throw new CustodyError('UNAUTHENTICATED', 'sign in first (an operator passphrase or an API token)');
    return this.audit.status();
  }

  auditQuery(filter?: AuditFilter): Promise<AuditEvent[]> {
    return this.observe('audit.query', { namespace: filter?.namespace ?? null }, {}, () => {
      const ns = filter?.namespace;
      const grants = this.authorize('authenticated', ns);
      if (!hasPermission(grants, 'audit.read', ns ?? ALL_NAMESPACES)) {
        throw new CustodyError('PERMISSION_DENIED', ns === undefined ? `${this.principal()} may read the audit log only of named namespaces: filter by namespace` : `${this.principal()} may not read the audit log of namespace ${ns}`);
      }
      return this.audit.query(filter);
    });
  }

  auditVerify(full: boolean): Promise<VerifyReport> {
    return this.observe('audit.verify', {}, { full }, () => {
      this.authorizeWholeLog();
      return this.audit.verify(full);
    }, (r) => ({ details: { ok: r.ok, size: r.size, firstBadSeq: r.firstBadSeq ?? null } }));
  }

  async auditCheckpoint(): Promise<{ size: number; note: string } | null> {
    const cp = await this.observe('audit.checkpoint', {}, {}, () => {
      this.authorizeWholeLog();
      return this.audit.checkpoint();
    });
    return cp === undefined ? null : { size: cp.size, note: cp.note };
  }

  auditCheckpoints() {
    return this.observe('audit.checkpoints', {}, {}, () => {
      this.authorizeWholeLog();
      return this.audit.checkpoints();
    });
  }

  auditInclusionProof(seq: number, treeSize?: number) {
    return this.observe('audit.prove', {}, { seq, treeSize: treeSize ?? null }, () => {
      this.authorizeWholeLog();
      return this.audit.inclusionProof(seq, treeSize);
    });
  }

  auditConsistencyProof(size1: number, size2: number) {
    return this.observe('audit.consistency', {}, { size1, size2 }, () => {
      this.authorizeWholeLog();
      return this.audit.consistencyProof(size1, size2);
    });
  }

  auditExport(write: (line: string) => void): Promise<number> {
    return this.observe('audit.export', {}, {}, () => {
      this.authorizeWholeLog();
      let n = 0;
      for (const line of this.audit.exportLines()) {
        write(line);
        n++;
      }
      return n;
    }, (n) => ({ details: { lines: n } }));
  }

  auditAcknowledge(): Promise<void> {
    const before = this.audit.tamperedState();
    return this.changeSync('audit.acknowledge', {}, { firstBadSeq: before?.seq ?? null, reason: before?.reason ?? null }, () => {
      this.authorize('admin');
      if (before === null) throw new CustodyError('INVALID_INPUT', 'the audit log is not in the TAMPERED state');
      this.audit.acknowledge();
    });
  }

  /** Proofs, checkpoints, verification and export span every namespace: an Auditor on "*" or an Admin. */
  private authorizeWholeLog(): void {
    const grants = this.authorize('authenticated');
    if (!hasPermission(grants, 'audit.read', ALL_NAMESPACES)) {
      throw new CustodyError('PERMISSION_DENIED', `${this.principal()} may not read the whole audit log (needs Auditor on "*")`);
    }
  }

  integrityCheck(): string {
    return integrityCheck(this.db);
  }

  // ---------------------------------------------------------------- the signing-request queue

  async submitSigningRequest(input: { client: RequestClient; method: string; request: SigningRequest; signer: SignerRef; autoApprove?: boolean; ttlMs?: number; signal?: AbortSignal; onQueued?: (record: RequestRecord) => void }): Promise<{ record: RequestRecord; result: SignedResult }> {
    const namespace = input.signer.namespace;
    const keyId = input.signer.kind === 'key' ? input.signer.keyId : input.signer.wallet;
    const details = { requestType: input.request.type, method: input.method.slice(0, 64), client: input.client.id.slice(0, 200), transport: input.client.transport.slice(0, 32) };
    const id = newRequestId();
    let context: PolicyContext | null = null;
    // Decoding is also validation: a request that cannot be shown is refused before it is queued.
    // Then the policies decide: allow signs without asking, deny refuses, require-approval waits.
    const { record, decided } = await this.observe('request.submit', { namespace, keyId }, details, async () => {
      this.authorize({ permission: 'key.use', namespace, keyId: input.signer.kind === 'key' ? input.signer.keyId : input.signer.wallet }, namespace);
      const view = await describeRequest(this, input.request, input.signer);
      const evaluated = await this.evaluateRequest(id, input, view.signer);
      context = evaluated.context;
      const outcome = queueDecision(evaluated.evaluation, input.autoApprove === true);
      const quorum = outcome.decision === 'require-approval' ? quorumOf(evaluated.evaluation, this.allPolicyDefinitions()) : null;
      return this.parts.approvals.submit({
        id,
        client: input.client,
        method: input.method,
        request: input.request,
        signer: input.signer,
        view,
        policy: { decision: outcome.decision, reasons: outcome.reasons, results: evaluated.evaluation.results.map(policyResultWire) },
        ...(outcome.decidedByPolicy === undefined ? {} : { decidedByPolicy: outcome.decidedByPolicy }),
        ...(outcome.autoApprove ? { autoApprove: true } : {}),
        quorum,
        ...(input.ttlMs === undefined ? {} : { ttlMs: input.ttlMs }),
      });
    }, (r) => ({ details: { requestId: r.record.id, digest: r.record.view.digest?.value ?? null, decidedBy: r.record.decidedBy, ...policyDetails(r.record) } }));
    // A client that goes away (cancels its call, drops the connection) withdraws its request, so
    // an operator is never asked to approve what nobody will receive.
    const withdraw = (): void => {
      if (this.parts.approvals.get(record.id).state === 'pending') this.parts.approvals.reject(record.id, 'system', 'the client withdrew the request (it cancelled or went away)');
    };
    if (input.signal?.aborted === true) withdraw();
    input.signal?.addEventListener('abort', withdraw, { once: true });
    input.onQueued?.(record);
    const decision = await decided.finally(() => input.signal?.removeEventListener('abort', withdraw));
    if (decision === 'rejected') {
      const final = this.parts.approvals.get(record.id);
      if (final.decidedBy === POLICY_DECIDER) throw new CustodyError('POLICY_DENIED', `a policy refused the request: ${final.reason ?? 'denied'}`);
      throw new CustodyError('USER_REJECTED', final.reason === null ? 'the operator rejected the request' : `the request was rejected: ${final.reason}`);
    }
    if (decision === 'expired') throw new CustodyError('EXPIRED', 'no operator decided before the request expired');
    // What it moves counts against the 24-hour limits from now (before signing: a crash in between
    // over-counts, never under-counts); forgotten again if signing fails.
    const spent = context === null ? null : this.recordSpending(record.id, input.signer, context);
    // Answered from elsewhere (an air-gapped signer's response, checked by airgapImportResponse):
    // approved and signed in one step, so there is nothing left to sign here.
    const answered = this.parts.approvals.get(record.id);
    if (answered.state === 'signed' && answered.result !== null) return { record: answered, result: answered.result };
    try {
      // The view was built when the request arrived; signing parses the same input again.
      const result = await signDescribed(this, input.signer, input.request);
      return { record: this.parts.approvals.markSigned(record.id, result), result };
    } catch (error) {
      if (spent !== null) this.db.transaction(() => this.parts.spend.forget(record.id)).immediate();
      const e = error instanceof CustodyError ? error : new CustodyError('INTERNAL', 'signing failed');
      this.parts.approvals.markFailed(record.id, { code: e.code, message: e.message });
      throw error;
    }
  }

  /** The policy context of a request arriving now, and what the applicable policies decide. */
  private async evaluateRequest(requestId: string, input: { client: RequestClient; method: string; request: SigningRequest; signer: SignerRef }, address: string | null): Promise<{ context: PolicyContext; evaluation: PolicyEvaluation }> {
    const ref = input.signer;
    const owner = spendOwner(ref, address);
    const principal = this.principal();
    const roles = this.caller.kind === 'wallet' ? ['WalletClient'] : this.grantsOf(principal).filter((g) => g.namespace === ref.namespace || g.namespace === ALL_NAMESPACES).map((g) => g.role);
    const context = buildPolicyContext({
      request: input.request,
      method: input.method,
      signer: { namespace: ref.namespace, key_id: owner.keyId, algorithm: ref.kind === 'key' ? (this.parts.deviceKeys.get(ref.namespace, ref.keyId)?.algorithm ?? this.keys.get(ref.namespace, ref.keyId).algorithm) : 'bip32', roles: [...new Set(roles)], labels: {}, address },
      environment: { timestamp: this.parts.clock.now(), request_id: requestId, client: { transport: input.client.transport, id: input.client.id, label: input.client.label }, simulation: false },
      history: this.parts.spend.history(owner, this.parts.clock.now()),
    });
    return { context, evaluation: await this.runPolicies(this.allPolicyDefinitions(), context) };
  }

  /** Evaluate `definitions` on `context`, with the installed modules loaded into the worker first when a WASM policy applies. */
  private async runPolicies(definitions: readonly PolicyDefinition[], context: PolicyContext): Promise<PolicyEvaluation> {
    const p = this.parts.policy;
    p.runtime ??= new PolicyRuntime();
    p.engine ??= new PolicyEngine(p.runtime);
    if (applicablePolicies(definitions, context.signer.namespace, context.signer.key_id).some((d) => d.kind === 'wasm')) {
      p.loaded = this.parts.policies.syncRuntime(p.runtime, p.loaded);
    }
    return p.engine.evaluate(definitions, context);
  }

  private recordSpending(requestId: string, signer: SignerRef, context: PolicyContext): SpendOwner | null {
    const spending = spendingOf(context);
    if (spending.native.length === 0 && spending.tokens.length === 0) return null;
    const owner = spendOwner(signer, context.signer.address);
    this.db.transaction(() => this.parts.spend.record(owner, spending, requestId, this.parts.clock.now())).immediate();
    return owner;
  }

  listRequests(): { pending: RequestRecord[]; history: RequestRecord[] } {
    const grants = this.authorize('authenticated');
    const visible = (r: RequestRecord) => hasPermission(grants, 'key.use', r.signer.namespace);
    const all = this.parts.approvals.list().filter(visible);
    return { pending: all.filter((r) => r.state === 'pending').reverse(), history: all.filter((r) => r.state !== 'pending') };
  }

  approveRequest(id: string): Promise<RequestRecord> {
    return this.decideRequest(id, 'approve');
  }

  rejectRequest(id: string, reason?: string): Promise<RequestRecord> {
    return this.decideRequest(id, 'reject', reason);
  }

  private decideRequest(id: string, decision: 'approve' | 'reject', reason?: string): Promise<RequestRecord> {
    const queued = this.parts.approvals.list().find((r) => r.id === id);
    const target = queued === undefined ? {} : { namespace: queued.signer.namespace, keyId: queued.signer.kind === 'key' ? queued.signer.keyId : queued.signer.wallet };
    const details = { requestId: typeof id === 'string' ? id.slice(0, 64) : null, ...(queued === undefined ? {} : { client: queued.client.id.slice(0, 200), requestType: queued.request.type, digest: queued.view.digest?.value ?? null }) };
    return this.observe(`request.${decision}`, target, details, () => {
      this.authorize('operator');
      const record = this.parts.approvals.get(id);
      this.authorize({ permission: 'key.use', namespace: record.signer.namespace }, record.signer.namespace);
      const by = this.principal();
      return decision === 'approve' ? this.parts.approvals.approve(id, by) : this.parts.approvals.reject(id, by, reason);
    });
  }

  // ---------------------------------------------------------------- devices (core/backends)

  deviceList(): Promise<DeviceInfo[]> {
    return this.observe('device.list', {}, {}, async () => {
      this.authorize('operator');
      return this.parts.devices.list();
    });
  }

  deviceLogin(backend: string, pin: Uint8Array): Promise<DeviceInfo> {
    const id = backendName(backend);
    return this.observe('device.login', {}, { backend: id }, async () => {
      this.authorize('operator');
      const token = await this.parts.devices.token(id);
      await token.login(pin);
      this.parts.devices.notify(id);
      return this.deviceInfo(id);
    });
  }

  deviceLogout(backend: string): Promise<DeviceInfo> {
    const id = backendName(backend);
    return this.observe('device.logout', {}, { backend: id }, async () => {
      this.authorize('operator');
      await (await this.parts.devices.token(id)).logout();
      this.parts.devices.notify(id);
      return this.deviceInfo(id);
    });
  }

  deviceKeys(backend: string): Promise<(DeviceKey & { readonly referencedBy: readonly { namespace: string; id: string }[] })[]> {
    const id = backendName(backend);
    return this.observe('device.keys', {}, { backend: id }, async () => {
      const grants = this.authorize('operator');
      const device = await this.parts.devices.backend(id);
      const keys = await device.listKeys();
      const refs = this.parts.deviceKeys.list({ backend: id }).filter((r) => hasPermission(grants, 'key.read', r.namespace));
      return keys.map((k) => ({ ...k, referencedBy: refs.filter((r) => r.handle === k.handle).map((r) => ({ namespace: r.namespace, id: r.id })) }));
    }, (r) => ({ details: { keys: r.length } }));
  }

  deviceGenerate(request: { backend: string; namespace: string; id: string; algorithm: KeyAlgorithm; label?: string }): Promise<KeyInfo> {
    const { namespace, id } = request;
    const backend = backendName(request.backend);
    return this.change('key.generate', { namespace, keyId: id }, { algorithm: String(request.algorithm), backend, exportable: false }, async (record) => {
      this.authorize({ permission: 'key.manage', namespace }, namespace);
      this.assertKeyIdFree(namespace, id);
      // The quota before the token makes anything (checked again in the transaction that commits).
      const max = this.namespaceInfo(namespace).maxKeys;
      if (max !== null && this.keys.liveKeyCount(namespace) + this.parts.hd.count(namespace) + this.parts.deviceKeys.count(namespace) >= max) {
        throw new CustodyError('QUOTA_EXCEEDED', `namespace ${namespace} is limited to ${max} key${max === 1 ? '' : 's'}`, { details: { maxKeys: max } });
      }
      const token = await this.readyToken(backend);
      // On the token first (sensitive, non-extractable); a reference that fails to commit after it
      // leaves a key on the token that `adopt` can pick up, never a reference to nothing.
      const key = await token.generate({ algorithm: request.algorithm, label: request.label ?? `${namespace}/${id}` });
      const stored = this.db
        .transaction(() => {
          const r = this.parts.deviceKeys.insert({ namespace, id, backend, handle: key.handle, label: key.label, algorithm: key.algorithm, publicKey: key.publicKey, address: key.address, origin: 'generated', now: this.parts.clock.now() });
          this.assertQuota(namespace);
          record({ keyVersion: 1, details: { handle: key.handle, address: key.address } });
          return r;
        })
        .immediate();
      return deviceKeyInfo(stored);
    });
  }

  deviceAdopt(request: { backend: string; namespace: string; id: string; label?: string; handle?: string }): Promise<KeyInfo> {
    const { namespace, id } = request;
    const backend = backendName(request.backend);
    return this.change('key.adopt', { namespace, keyId: id }, { backend, label: typeof request.label === 'string' ? request.label.slice(0, 128) : null, handle: typeof request.handle === 'string' ? request.handle.slice(0, 128) : null }, async (record) => {
      this.authorize({ permission: 'key.manage', namespace }, namespace);
      this.assertKeyIdFree(namespace, id);
      let key: DeviceKey;
      if (backend.startsWith('ledger:')) {
        const path = request.handle ?? request.label;
        if (path === undefined) throw new CustodyError('INVALID_INPUT', "name the Ledger account's path, e.g. m/44'/60'/0'/0/0");
        const device = await this.parts.devices.ledger(backend);
        const { address, publicKey } = await device.getAddress(path);
        key = { handle: path, label: path, algorithm: 'ecdsa-secp256k1', publicKey: this.engine.parsePublicKey('ecdsa-secp256k1', publicKey), address };
      } else {
        if (request.label === undefined && request.handle === undefined) throw new CustodyError('INVALID_INPUT', 'name the key on the token by its label or its id (CKA_ID, hex)');
        const token = await this.readyToken(backend);
        key = await token.find({ ...(request.label === undefined ? {} : { label: request.label }), ...(request.handle === undefined ? {} : { id: request.handle }) });
      }
      const stored = this.db
        .transaction(() => {
          const r = this.parts.deviceKeys.insert({ namespace, id, backend, handle: key.handle, label: key.label, algorithm: key.algorithm, publicKey: key.publicKey, address: key.address, origin: 'adopted', now: this.parts.clock.now() });
          this.assertQuota(namespace);
          record({ keyVersion: 1, details: { handle: key.handle, algorithm: key.algorithm, address: key.address } });
          return r;
        })
        .immediate();
      return deviceKeyInfo(stored);
    });
  }

  deviceForget(namespace: string, id: string): Promise<void> {
    return this.changeSync('key.forget', { namespace, keyId: id }, {}, () => {
      this.authorize({ permission: 'key.manage', namespace }, namespace);
      this.parts.deviceKeys.remove(namespace, id);
    });
  }

  ledgerAddress(backend: string, path: string, options: { display?: boolean } = {}): Promise<{ address: string; path: string }> {
    const id = backendName(backend);
    return this.observe('device.ledger-address', {}, { backend: id, path: typeof path === 'string' ? path.slice(0, 64) : null, display: options.display === true }, async () => {
      this.authorize('operator');
      const r = await (await this.parts.devices.ledger(id)).getAddress(path, { display: options.display === true });
      return { address: r.address, path };
    }, (r) => ({ details: { address: r.address } }));
  }

  private async deviceInfo(backend: string): Promise<DeviceInfo> {
    const found = (await this.parts.devices.list()).find((d) => d.backend === backend);
    if (found === undefined) throw new CustodyError('DEVICE_UNAVAILABLE', `${backend} is not attached`);
    return found;
  }

  /** An id names one key in a namespace, wherever it lives: a vault key, an HD wallet or a device key. */
  private assertKeyIdFree(namespace: string, id: string): void {
    if (this.parts.deviceKeys.get(namespace, id) !== null) throw new CustodyError('ALREADY_EXISTS', `key ${namespace}/${id} exists (on a device)`);
    for (const exists of [() => this.keys.get(namespace, id), () => this.parts.hd.get(namespace, id)]) {
      try {
        exists();
      } catch (error) {
        if (error instanceof CustodyError && error.code === 'NOT_FOUND') continue;
        throw error;
      }
      throw new CustodyError('ALREADY_EXISTS', `key ${namespace}/${id} exists`);
    }
  }

  /** The device key this vault key id names, if it is one; disabled keys refused for use. */
  private deviceRecord(namespace: string, id: string, purpose: 'use' | 'read' = 'use'): DeviceKeyRecord | null {
    if (typeof namespace !== 'string' || typeof id !== 'string') return null;
    const record = this.parts.deviceKeys.get(namespace, id);
    if (record !== null && purpose === 'use' && record.state !== 'active') throw new CustodyError('KEY_DISABLED', `key ${namespace}/${id} is disabled`);
    return record;
  }

  /** The token, open and logged in: from an earlier login, or the PIN provider (the CLI), else a typed refusal. */
  private async readyToken(backend: string): Promise<TokenBackend> {
    const token = await this.parts.devices.token(backend);
    let state = token.status();
    if (state.state === 'login-required' && (await this.loginWithProvider(backend, token))) state = token.status();
    if (state.state === 'login-required') throw new CustodyError('UNAUTHENTICATED', `log in to ${backend} first (its PIN: Devices in the app, or CUSTOS_PKCS11_PIN / --pin-file for the CLI)`);
    if (state.state !== 'ready') throw new CustodyError('DEVICE_UNAVAILABLE', `${backend} is ${state.state}: ${state.detail}`);
    return token;
  }

  /**
   * Run `op` on the token; when the token answers that it needs a login (UNAUTHENTICATED) and a
   * PIN provider exists, log in once and run it again. The hot path asks the token nothing else
   * (a status query costs SoftHSM more than a signature).
   */
  private async onToken<T>(backend: string, op: (token: TokenBackend) => Promise<T>): Promise<T> {
    const token = await this.parts.devices.token(backend);
    try {
      return await op(token);
    } catch (error) {
      if (!(error instanceof CustodyError) || error.code !== 'UNAUTHENTICATED' || !(await this.loginWithProvider(backend, token))) {
        if (error instanceof CustodyError && error.code === 'UNAUTHENTICATED') throw new CustodyError('UNAUTHENTICATED', `log in to ${backend} first (its PIN: Devices in the app, or CUSTOS_PKCS11_PIN / --pin-file for the CLI)`);
        throw error;
      }
      return op(token);
    }
  }

  private async loginWithProvider(backend: string, token: TokenBackend): Promise<boolean> {
    if (this.parts.devicePin === null) return false;
    const pin = await this.parts.devicePin(backend);
    if (pin === null) return false;
    try {
      await token.login(pin);
    } finally {
      pin.fill(0);
    }
    return true;
  }

  /** Before a synchronous signer over a token key is asked for: the token open and logged in. */
  private async prepareDeviceRef(ref: unknown): Promise<void> {
    if (typeof ref !== 'object' || ref === null || !('keyId' in ref)) return;
    const r = ref as { namespace: string; keyId: string };
    const record = this.deviceRecord(r.namespace, r.keyId);
    if (record !== null && record.backend.startsWith('pkcs11:')) await this.readyToken(record.backend);
  }

  /** The Ledger key an Ethereum reference names, or null (a vault key, an HD account, a token key). */
  private ledgerKey(ref: EthKeyRef): DeviceKeyRecord | null {
    if (typeof ref !== 'object' || ref === null || !('keyId' in ref)) return null;
    const record = this.deviceRecord(ref.namespace, ref.keyId, 'read');
    return record !== null && record.backend.startsWith('ledger:') ? record : null;
  }

  /**
   * Sign on a Ledger: it shows the request, the person confirms on it, and the signature is
   * checked here to recover to the address the vault references (a wrong device or path is
   * refused, never passed on). Audited like any Ethereum signature.
   */
  private ethSignOnLedger<T extends { digest?: string; signingHash?: string; address?: string; from?: string }>(action: string, ref: EthKeyRef, details: Details, run: (device: Awaited<ReturnType<DeviceManager['ledger']>>, key: DeviceKeyRecord, signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.observe(action, ethTarget(ref), { ...details, device: true }, async () => {
      this.authorize({ permission: 'key.use', namespace: ref.namespace, keyId: keyIdOf(ref) }, ref.namespace);
      this.assertAuditIntact();
      const key = this.ledgerKey(ref);
      if (key === null) throw new CustodyError('INTERNAL', 'not a Ledger key');
      if (key.state !== 'active') throw new CustodyError('KEY_DISABLED', `key ${ref.namespace}/${keyIdOf(ref)} is disabled`);
      const device = await this.parts.devices.ledger(key.backend);
      const controller = new AbortController();
      this.parts.deviceWaits.set(key.backend, controller);
      const what = `${action === 'eth.sign-tx' ? 'a transaction' : action === 'eth.sign-typed-data' ? 'typed data' : 'a message'} for ${ref.namespace}/${keyIdOf(ref)}`;
      this.emit({ type: 'devices.confirm', backend: key.backend, active: true, what });
      try {
        return await run(device, key, controller.signal);
      } finally {
        if (this.parts.deviceWaits.get(key.backend) === controller) this.parts.deviceWaits.delete(key.backend);
        this.emit({ type: 'devices.confirm', backend: key.backend, active: false, what });
      }
    }, (r) => ({ details: { path: this.ledgerKey(ref)?.handle ?? null, digest: r.digest ?? r.signingHash ?? null, signer: r.address ?? r.from ?? null } }));
  }

  deviceCancel(backend: string): Promise<boolean> {
    const id = backendName(backend);
    return this.observe('device.cancel', {}, { backend: id }, () => {
      this.authorize('operator');
      const waiting = this.parts.deviceWaits.get(id);
      if (waiting === undefined) return false;
      waiting.abort();
      return true;
    });
  }

  private ledgerPersonalSign(ref: EthKeyRef, message: Uint8Array): Promise<eth.EthSignature> {
    return this.ethSignOnLedger('eth.sign-message', ref, { bytes: message.length }, async (device, key, signal) => {
      const digest = eth.hashPersonalMessage(message);
      const sig = await device.signPersonalMessage(key.handle, message, { signal });
      return ledgerSignature(digest, sig, key);
    });
  }

  private ledgerTypedData(ref: EthKeyRef, typedData: unknown, options: { expectedChainId: number | bigint | string }): Promise<eth.EthSignature> {
    return this.ethSignOnLedger('eth.sign-typed-data', ref, { expectedChainId: String(options.expectedChainId) }, async (device, key, signal) => {
      const parsed = eth.parseTypedData(typedData, { expectedChainId: options.expectedChainId });
      const sig = await device.signTypedData(key.handle, typeof typedData === 'string' ? (JSON.parse(typedData) as unknown) : typedData, { allowBlind: this.blindSigningAllowed(ref), signal });
      return ledgerSignature(parsed.digest, sig, key);
    });
  }

  private ledgerTransaction(ref: EthKeyRef, transaction: unknown, options: { expectedChainId?: number | bigint | string }): Promise<eth.SignedTransaction> {
    return this.ethSignOnLedger('eth.sign-tx', ref, { expectedChainId: options.expectedChainId === undefined ? null : String(options.expectedChainId) }, async (device, key, signal) => {
      const parsed = eth.parseTransaction(transaction, options.expectedChainId === undefined ? {} : { expectedChainId: options.expectedChainId });
      if (parsed.tx.from !== undefined && key.address !== null && parsed.tx.from.toLowerCase() !== key.address.toLowerCase()) {
        throw new CustodyError('INVALID_INPUT', `the transaction's from (${parsed.tx.from}) is not this key's address (${key.address})`);
      }
      const sig = await device.signTransaction(key.handle, parsed.unsignedSerialized.slice(2), { signal });
      const tx = EthersTransaction.from(parsed.unsignedSerialized);
      const yParity = ledgerParity(sig.v, tx.type === 0 ? tx.chainId : null);
      tx.signature = EthersSignature.from({ r: `0x${sig.r.replace(/^0x/iu, '').padStart(64, '0')}`, s: `0x${sig.s.replace(/^0x/iu, '').padStart(64, '0')}`, yParity });
      if (key.address !== null && tx.from?.toLowerCase() !== key.address.toLowerCase()) {
        throw new CustodyError('TAMPERED', `the device signed as ${tx.from ?? 'nobody'}, not as ${key.address}: wrong device or account`, { details: { record: 'device signature' } });
      }
      const signature = tx.signature;
      return {
        type: parsed.tx.type,
        rawTransaction: tx.serialized as eth.Hex,
        hash: tx.hash as eth.Hex,
        signingHash: parsed.signingHash,
        from: tx.from as string,
        r: signature.r as eth.Hex,
        s: signature.s as eth.Hex,
        yParity: signature.yParity,
        v: `0x${(tx.type === 0 ? signature.networkV ?? BigInt(signature.v) : BigInt(signature.yParity)).toString(16)}` as eth.Hex,
      };
    });
  }

  /**
   * A Ledger may sign EIP-712 data it cannot show (the hashed method) only when a policy that
   * applies to the key says so explicitly: a `blindSigning` rule with `unknownTypedData: false`.
   */
  private blindSigningAllowed(ref: EthKeyRef): boolean {
    const applicable = applicablePolicies(this.allPolicyDefinitions(), ref.namespace, keyIdOf(ref));
    return applicable.some((p) => p.kind === 'rules' && p.enabled && p.rules.some((r) => r.type === 'blindSigning' && r.unknownTypedData === false));
  }

  /** A synchronous secp256k1 signer over a token key (the token was readied before). */
  private tokenSecp256k1Signer(device: DeviceKeyRecord, chain: string): Secp256k1Signer {
    if (device.algorithm !== 'ecdsa-secp256k1') throw new CustodyError('WRONG_KEY_TYPE', `key ${device.namespace}/${device.id} is ${device.algorithm}: ${chain} needs ecdsa-secp256k1`);
    if (device.backend.startsWith('ledger:')) throw new CustodyError('UNSUPPORTED', `key ${device.namespace}/${device.id} is on a Ledger, which signs Ethereum transactions and messages only`);
    return this.parts.devices.openedToken(device.backend).secp256k1Signer(device.handle);
  }

  /** Ready every token a list of references names, then run the synchronous signing. */
  private async afterDevicesReady<T>(refs: readonly unknown[], run: () => T): Promise<T> {
    for (const ref of refs) await this.prepareDeviceRef(ref);
    return run();
  }

  /** crypto.sign with a token key: on the token (hashing in software where it must). */
  private async signOnDevice(device: DeviceKeyRecord, request: SignRequest): Promise<SignResult> {
    if (!device.backend.startsWith('pkcs11:')) throw new CustodyError('MECHANISM_UNSUPPORTED', `key ${device.namespace}/${device.id} is on a Ledger: it signs Ethereum requests only (custos ledger sign-tx / sign-message)`);
    if (device.publicKey === null) throw new CustodyError('WRONG_KEY_TYPE', `key ${device.namespace}/${device.id} is a secret key: it cannot sign`);
    const signature = await this.onToken(device.backend, (token) => token.sign(device.handle, {
      data: request.data,
      ...(request.hash === undefined ? {} : { hash: request.hash }),
      ...(request.prehashed === undefined ? {} : { prehashed: request.prehashed }),
      ...(request.scheme === undefined ? {} : { scheme: request.scheme }),
      ...(request.saltLength === undefined ? {} : { saltLength: request.saltLength }),
      ...(request.sigFormat === undefined ? {} : { format: request.sigFormat }),
    }));
    return { signature, keyVersion: 1, algorithm: device.algorithm };
  }

  // ---------------------------------------------------------------- air-gapped operation (core/airgap)

  airgapStatus(): { airGapped: boolean; source: 'flag' | 'config' | 'off'; outboxPending: number } {
    const source = this.parts.airGapped ?? 'off';
    let outboxPending = 0;
    try {
      outboxPending = this.vault.isInitialized() ? this.parts.outbox.pendingCount(this.parts.clock.now()) : 0;
    } catch {
      outboxPending = 0; // a count for a badge; the outbox's own reads check every row
    }
    return { airGapped: source !== 'off', source, outboxPending };
  }

  async airgapImportRequest(text: string): Promise<RequestRecord> {
    const envelope = await this.observe('airgap.import-request', {}, { bytes: typeof text === 'string' ? text.length : 0 }, async () => {
      this.authorize('operator');
      const parsed = parseEnvelope(text, this.parts.clock.now());
      this.authorize({ permission: 'key.use', namespace: parsed.signer.namespace, keyId: parsed.signer.kind === 'key' ? parsed.signer.keyId : parsed.signer.wallet }, parsed.signer.namespace);
      if (parsed.expectedAddress !== null) {
        const own = await signerAddress(this, parsed.signer, parsed.chain, addressOptions(parsed.request));
        if (own.address.toLowerCase() !== parsed.expectedAddress.toLowerCase()) {
          throw new CustodyError('INVALID_INPUT', `the envelope expects signer ${parsed.expectedAddress}, but ${signerLabel(parsed.signer)} here is ${own.address}: wrong key or wrong vault`);
        }
      }
      return parsed;
    }, (e) => ({ details: { requestId: e.id, sha256: e.sha256, requestType: e.request.type, method: e.method.slice(0, 64) } }));
    for (const [queueId, held] of this.parts.airgapInbox) {
      if (held.sha256 !== envelope.sha256) continue;
      const existing = this.parts.approvals.list().find((r) => r.id === queueId);
      // Waiting or signed: the same file again is the same request. Rejected, expired, failed or
      // dropped from the history: the operator may look at it again.
      if (existing !== undefined && (existing.state === 'pending' || existing.state === 'approved' || existing.state === 'signed')) return existing;
    }
    const ttlMs = Math.max(1000, Math.min(Date.parse(envelope.expiresAt) - this.parts.clock.now(), 24 * 3600_000));
    return new Promise<RequestRecord>((resolve, reject) => {
      let queued = false;
      this.submitSigningRequest({
        client: { transport: 'air-gap', id: `envelope:${envelope.sha256.slice(0, 16)}`, label: `File ${envelope.id} from ${envelope.origin.client || 'the online side'}` },
        method: envelope.method,
        request: envelope.request,
        signer: envelope.signer,
        ttlMs,
        onQueued: (record) => {
          queued = true;
          this.parts.airgapInbox.set(record.id, envelope);
          this.emit({ type: 'airgap.changed' });
          resolve(record);
        },
      }).catch((error: unknown) => {
        // Before queueing, the import failed; after, the outcome (rejected, expired, failed) is in the queue's record.
        if (!queued) reject(error);
      });
    });
  }

  airgapExportResponse(requestId: string): Promise<AirgapFile> {
    const id = typeof requestId === 'string' ? requestId.slice(0, 64) : '';
    return this.observe('airgap.export-response', {}, { requestId: id }, () => {
      this.authorize('operator');
      const envelope = this.parts.airgapInbox.get(id);
      if (envelope === undefined) throw new CustodyError('NOT_FOUND', 'no imported air-gap request with this id (it may have been dropped from the history, or it came from a program, not a file)');
      const record = this.parts.approvals.get(id);
      this.authorize({ permission: 'key.use', namespace: record.signer.namespace }, record.signer.namespace);
      if (record.state !== 'signed' || record.result === null) throw new CustodyError('CONFLICT', `the request is ${record.state}, not signed: there is no response to export`);
      const response = buildResponse({ envelope, signedAt: record.decidedAt ?? this.parts.clock.now(), approvedBy: record.decidedBy ?? this.principal(), signerAddress: record.view.signer, result: record.result });
      const text = fileText(response);
      return { fileName: responseFileName(response), text, sha256: response.sha256, qr: qrFrames(text) };
    }, (f) => ({ details: { responseSha256: f.sha256 } }));
  }

  airgapExportRequest(requestId: string): Promise<AirgapFile> {
    const id = typeof requestId === 'string' ? requestId.slice(0, 64) : '';
    const queued = this.parts.approvals.list().find((r) => r.id === id);
    const target = queued === undefined ? {} : { namespace: queued.signer.namespace, keyId: queued.signer.kind === 'key' ? queued.signer.keyId : queued.signer.wallet };
    return this.changeSync('airgap.export-request', target, { requestId: id }, () => {
      this.authorize('operator');
      const record = this.parts.approvals.get(id);
      this.authorize({ permission: 'key.use', namespace: record.signer.namespace }, record.signer.namespace);
      if (record.state !== 'pending') throw new CustodyError('CONFLICT', `the request is ${record.state}: only a pending request can be sent to an air-gapped signer`);
      const now = this.parts.clock.now();
      // The round trip takes minutes: the request waits an hour (within the queue's 24-hour cap).
      const expiresAt = Math.max(record.expiresAt, now + 3600_000);
      const envelope = buildEnvelope({
        id: record.id,
        createdAt: now,
        expiresAt,
        origin: { vault: this.vault.masterKeyFingerprint().toString('hex'), client: record.client.label },
        method: record.method,
        request: record.request,
        signer: record.signer,
        expectedAddress: record.view.signer,
      });
      this.parts.outbox.record({ envelope, queueId: record.id, title: record.view.title, createdBy: this.principal(), now });
      this.parts.approvals.extend(record.id, Date.parse(envelope.expiresAt));
      const text = fileText(envelope);
      return { fileName: envelopeFileName(envelope), text, sha256: envelope.sha256, qr: qrFrames(text) };
    }, (f) => ({ details: { sha256: f.sha256 } })).then((file) => {
      this.emit({ type: 'airgap.changed' });
      return file;
    });
  }

  async airgapCreateRequest(input: { request: SigningRequest; signer: SignerRef; method?: string; expectedAddress?: string | null; ttlMs?: number; client?: string }): Promise<AirgapFile & { envelope: AirgapEnvelope }> {
    const request = signingRequestSchema.safeParse(input.request);
    const signer = signerRefSchema.safeParse(input.signer);
    const details = { requestType: request.success ? request.data.type : null };
    const target = signer.success ? { namespace: signer.data.namespace, keyId: signer.data.kind === 'key' ? signer.data.keyId : signer.data.wallet } : {};
    // Decoding first (outside the transaction: it may derive addresses), so a request that cannot
    // be shown here, or an incomplete transaction, never leaves this machine.
    let view: RequestView | null = null;
    let expectedAddress: string | null = input.expectedAddress ?? null;
    const result = await this.change('airgap.export-request', target, details, async (record) => {
      this.authorize('operator');
      if (!request.success) throw new CustodyError('INVALID_INPUT', `the request is malformed: ${request.error.issues[0]?.message ?? 'invalid'}`);
      if (!signer.success) throw new CustodyError('INVALID_INPUT', `the signer is malformed: ${signer.error.issues[0]?.message ?? 'invalid'}`);
      const chain = chainOfRequest(request.data.type);
      // The signer may live only on the air-gapped vault: then the online side knows it by name.
      const local = await this.signerIsHere(signer.data);
      if (local) {
        const own = await signerAddress(this, signer.data, chain, addressOptions(request.data));
        if (expectedAddress !== null && own.address.toLowerCase() !== expectedAddress.toLowerCase()) {
          throw new CustodyError('INVALID_INPUT', `--expect-address ${expectedAddress} is not ${signerLabel(signer.data)} (${own.address})`);
        }
        expectedAddress = own.address;
      }
      view = await describeRequest(this, request.data, local ? signer.data : undefined);
      const ttl = input.ttlMs ?? DEFAULT_ENVELOPE_TTL_MS;
      const now = this.parts.clock.now();
      const envelope = buildEnvelope({
        id: newRequestId(),
        createdAt: now,
        expiresAt: now + ttl,
        origin: { vault: this.vault.masterKeyFingerprint().toString('hex'), client: input.client ?? `${this.principal()} (${this.client.transport})` },
        method: input.method ?? defaultMethod(request.data),
        request: request.data,
        signer: signer.data,
        expectedAddress,
      });
      const shown = view as RequestView;
      this.db.transaction(() => {
        this.parts.outbox.record({ envelope, queueId: null, title: shown.title, createdBy: this.principal(), now });
        record({ details: { requestId: envelope.id, sha256: envelope.sha256, digest: shown.digest?.value ?? null } });
      }).immediate();
      const text = fileText(envelope);
      return { fileName: envelopeFileName(envelope), text, sha256: envelope.sha256, qr: qrFrames(text), envelope };
    });
    this.emit({ type: 'airgap.changed' });
    return result;
  }

  async airgapImportResponse(text: string): Promise<{ requestId: string; requestSha256: string; result: SignedResult; fulfilled: boolean; signer: string | null }> {
    let checked: { response: ReturnType<typeof parseResponse>; sent: NonNullable<ReturnType<OutboxStore['get']>>; signer: string | null } | null = null;
    const outcome = await this.change('airgap.import-response', {}, { bytes: typeof text === 'string' ? text.length : 0 }, async (record) => {
      this.authorize('operator');
      const response = parseResponse(text);
      const sent = this.parts.outbox.get(response.requestSha256);
      if (sent === null) {
        throw new CustodyError('INVALID_INPUT', `this response answers request ${response.requestId} (${response.requestSha256.slice(0, 12)}…), which this vault did not send: import it where its request was exported`);
      }
      if (sent.requestId !== response.requestId) throw new CustodyError('TAMPERED', `the response names request ${response.requestId}, but envelope ${response.requestSha256.slice(0, 12)}… was request ${sent.requestId}`, { details: { record: 'air-gap response' } });
      this.authorize({ permission: 'key.use', namespace: sent.envelope.signer.namespace }, sent.envelope.signer.namespace);
      if (sent.responseSha256 !== null) {
        if (sent.responseSha256 === response.sha256) return { requestId: sent.requestId, requestSha256: sent.sha256, result: response.result, fulfilled: false, signer: response.signerAddress };
        throw new CustodyError('CONFLICT', `request ${sent.requestId} was already answered by another response (${sent.responseSha256.slice(0, 12)}…)`);
      }
      // The digest from this side's own decoding of what it sent, never from the response.
      const view = await describeRequest(this, sent.envelope.request);
      const signer = verifyResponse(sent.envelope, response, view.digest?.value ?? null);
      checked = { response, sent, signer };
      let fulfilled = false;
      this.db.transaction(() => {
        this.parts.outbox.markAnswered(sent.sha256, response.sha256, this.parts.clock.now());
        record({ details: { requestId: sent.requestId, requestSha256: sent.sha256, responseSha256: response.sha256, signer, approvedBy: response.approvedBy.slice(0, 64) } });
      }).immediate();
      if (sent.queueId !== null) {
        const queued = this.parts.approvals.list().find((r) => r.id === sent.queueId);
        if (queued !== undefined && queued.state === 'pending') {
          this.parts.approvals.fulfil(queued.id, `air-gap:${response.approvedBy.slice(0, 64)}`, response.result);
          fulfilled = true;
        }
      }
      return { requestId: sent.requestId, requestSha256: sent.sha256, result: response.result, fulfilled, signer };
    });
    if (checked !== null) this.emit({ type: 'airgap.changed' });
    return outcome;
  }

  async airgapOutbox(): Promise<OutboxEntry[]> {
    return this.observe('airgap.outbox', {}, {}, () => {
      this.authorize('operator');
      return this.parts.outbox.list().map((e) => ({ sha256: e.sha256, requestId: e.requestId, method: e.method, chain: e.chain, title: e.title, createdAt: e.createdAt, expiresAt: e.expiresAt, state: e.state, answeredAt: e.answeredAt }));
    });
  }

  emitProgress(progress: BackupProgress): void {
    this.emit({ type: 'backup.progress', owner: this, progress });
  }

  /** Whether the signer exists in this vault (a key or HD wallet by that name, readable by the caller). */
  private async signerIsHere(ref: SignerRef): Promise<boolean> {
    try {
      if (ref.kind === 'key') await this.getKey(ref.namespace, ref.keyId);
      else await this.hdGet(ref.namespace, ref.wallet);
      return true;
    } catch (error) {
      if (error instanceof CustodyError && error.code === 'NOT_FOUND') return false;
      throw error;
    }
  }

  // ---------------------------------------------------------------- wallet connections (the wallet RPC)

  /**
   * A wallet caller may read and use exactly the vault keys and HD wallets its connection's
   * accounts name (the exact HD account is matched by address before anything is queued), and
   * read public facts in their namespaces. Nothing an operator or a token does.
   */
  private authorizeWallet(connectionId: string, need: Requirement): Grant[] {
    const connection = this.parts.connections.get(connectionId);
    if (connection === null) throw new CustodyError('UNAUTHENTICATED', 'this wallet connection has been revoked');
    if (need === 'authenticated') return [];
    if (need === 'operator' || need === 'admin') throw new CustodyError('PERMISSION_DENIED', 'only an operator may do this, not a wallet client');
    const named = connection.accounts.some(
      (a) => a.signer.namespace === need.namespace && (need.keyId === undefined ? need.permission === 'key.read' : keyIdOf(a.signer) === need.keyId && (need.permission === 'key.use' || need.permission === 'key.read')),
    );
    if (!named) throw new CustodyError('PERMISSION_DENIED', `${this.principal()} may not ${PERMISSION_WORDS[need.permission]} in namespace ${need.namespace}${need.keyId === undefined ? '' : ` with key ${need.keyId}`}`);
    return [{ principal: this.principal(), namespace: need.namespace, role: 'KeyUser', createdAt: connection.createdAt, createdBy: connection.createdBy }];
  }

  walletChains(): readonly WalletChain[] {
    return this.parts.walletChains;
  }

  walletSession(credential: WalletCredential): WalletSession | null {
    this.vault.requireUnlocked();
    let stored: StoredConnection | null = null;
    if (credential?.kind === 'origin') stored = this.parts.connections.byOrigin(checkedOrigin(credential.origin));
    else if (credential?.kind === 'token') stored = this.parts.connections.byToken(credential.token);
    else throw new CustodyError('INVALID_INPUT', 'a wallet client proves an origin or a paired token');
    if (stored === null) return null;
    const inner = new CustodianImpl(this.parts, walletClientContext(stored.origin), { kind: 'wallet', connectionId: stored.id });
    return inner.walletSessionObject(stored.id);
  }

  private walletSessionObject(connectionId: string): WalletSession {
    return {
      connectionId,
      connection: () => connectionView(this.walletConnection(connectionId)),
      sign: (input) => this.walletSign(connectionId, input),
      switchChain: (chainId) => this.walletSwitchChain(connectionId, chainId),
      disconnect: () => this.walletDisconnect(connectionId),
    };
  }

  /** The wallet caller's own connection, as it is now (authorized: live, within rate limits). Not audited: clients poll it. */
  private walletConnection(connectionId: string): StoredConnection {
    this.authorize('authenticated');
    const connection = this.parts.connections.get(connectionId);
    if (connection === null) throw new CustodyError('UNAUTHENTICATED', 'this wallet connection has been revoked');
    return connection;
  }

  private async walletSign(
    connectionId: string,
    input: { method: string; request: SigningRequest; address: string; signal?: AbortSignal; ttlMs?: number },
  ): Promise<{ record: RequestRecord; result: SignedResult }> {
    const connection = this.walletConnection(connectionId);
    const wanted = typeof input?.address === 'string' ? input.address.toLowerCase() : '';
    const account = connection.accounts.find((a) => a.address.toLowerCase() === wanted);
    const method = typeof input?.method === 'string' ? input.method.slice(0, 64) : 'invalid';
    let request = input?.request;
    const refusal = ((): CustodyError | null => {
      if (account === undefined) return new CustodyError('PERMISSION_DENIED', `this connection may not sign as ${printable(input?.address)}: it was granted ${connection.accounts.map((a) => a.address).join(', ')}`);
      if (typeof request !== 'object' || request === null || typeof request.type !== 'string' || !request.type.startsWith('eth.')) return new CustodyError('INVALID_INPUT', 'a wallet client signs Ethereum requests only');
      if (request.type === 'eth.transaction') {
        if (request.chainId !== undefined && BigInt(request.chainId) !== BigInt(connection.chainId)) {
          return new CustodyError('INVALID_INPUT', `the transaction is for chain ${request.chainId}, but this connection is on chain ${connection.chainId}: switch chains first`);
        }
        request = { ...request, transaction: withChainId(request.transaction, connection.chainId), chainId: connection.chainId };
      }
      if (request.type === 'eth.typedData' && BigInt(request.chainId) !== BigInt(connection.chainId)) {
        return new CustodyError('INVALID_INPUT', `the typed data is for chain ${request.chainId}, but this connection is on chain ${connection.chainId}: switch chains first`);
      }
      return null;
    })();
    if (refusal !== null || account === undefined) {
      const error = refusal ?? new CustodyError('INTERNAL', 'no account');
      return this.observe('request.submit', {}, { method, client: connection.id, transport: 'wallet-rpc' }, () => {
        throw error;
      });
    }
    return this.submitSigningRequest({
      client: { transport: 'wallet-rpc', id: connection.id, label: connection.name },
      method,
      request,
      signer: account.signer,
      autoApprove: connection.autoApprove,
      ...(input.ttlMs === undefined ? {} : { ttlMs: input.ttlMs }),
      ...(input.signal === undefined ? {} : { signal: input.signal }),
    });
  }

  private async walletSwitchChain(connectionId: string, chainId: string): Promise<WalletConnection> {
    const connection = await this.changeSync('wallet.switch-chain', {}, { connectionId, chainId: printable(chainId) }, () => {
      this.walletConnection(connectionId);
      const chain = this.configuredChain(chainId);
      return connectionView(this.parts.connections.update(connectionId, { chainId: chain.chainId }));
    });
    this.walletsChanged(connectionId);
    return connection;
  }

  private async walletDisconnect(connectionId: string): Promise<void> {
    await this.changeSync('wallet.disconnect', {}, { connectionId }, () => {
      this.walletConnection(connectionId);
      this.parts.connections.remove(connectionId);
    });
    this.walletsChanged(connectionId);
  }

  async walletRequestConnection(input: { origin: string; chainId?: string; signal?: AbortSignal }): Promise<WalletConnection> {
    const origin = checkedOrigin(input?.origin);
    const existing = this.vaultUnlockedThen(() => this.parts.connections.byOrigin(origin));
    if (existing !== null) return connectionView(existing);
    const chainId = this.knownChainOrNull(input.chainId);
    const client = new CustodianImpl(this.parts, walletClientContext(origin), NOBODY);
    const waiting = await client.observe('wallet.connect-request', {}, { origin, chainId }, () => this.vaultUnlockedThen(() => this.parts.prompts.connect(origin, chainId)), (w) => ({
      details: { promptId: w.prompt.id },
    }));
    const release = waiting.release;
    if (input.signal?.aborted === true) release();
    input.signal?.addEventListener('abort', release, { once: true });
    const outcome = await waiting.outcome.finally(() => input.signal?.removeEventListener('abort', release));
    release();
    if (outcome.state === 'rejected') throw new CustodyError('USER_REJECTED', outcome.reason === null ? 'the operator rejected the connection' : `the connection was rejected: ${outcome.reason}`);
    if (outcome.state === 'expired') throw new CustodyError('EXPIRED', 'no operator decided before the connection request expired');
    const connection = this.parts.connections.get(outcome.connectionId);
    if (connection === null) throw new CustodyError('UNAUTHENTICATED', 'the connection was revoked right after it was granted');
    return connectionView(connection);
  }

  async walletRequestPairing(input: { name: string; chainId?: string }): Promise<{ pairingId: string; code: string; expiresAt: number }> {
    const name = input?.name;
    if (typeof name !== 'string' || name.trim().length === 0 || name.length > 64 || /\p{Cc}/u.test(name)) throw new CustodyError('INVALID_INPUT', 'a pairing names the program: 1 to 64 characters on one line');
    const chainId = this.knownChainOrNull(input.chainId);
    const client = new CustodianImpl(this.parts, { transport: 'wallet-rpc' }, NOBODY);
    const { prompt, pairingSecret } = await client.observe('wallet.pair-request', {}, { name: printable(name), chainId }, () => this.vaultUnlockedThen(() => this.parts.prompts.pair(name.trim(), chainId)), (w) => ({
      details: { promptId: w.prompt.id, code: w.prompt.code },
    }));
    return { pairingId: pairingSecret, code: prompt.code ?? '', expiresAt: prompt.expiresAt };
  }

  async walletAwaitPairing(input: { pairingId: string; signal?: AbortSignal }): Promise<{ token: string; connection: WalletConnection }> {
    const waiting = this.vaultUnlockedThen(() => this.parts.prompts.byPairingSecret(input?.pairingId));
    const outcome = await untilAborted(waiting.outcome, input.signal);
    if (outcome.state === 'rejected') throw new CustodyError('USER_REJECTED', outcome.reason === null ? 'the operator rejected the pairing' : `the pairing was rejected: ${outcome.reason}`);
    if (outcome.state === 'expired') throw new CustodyError('EXPIRED', 'no operator confirmed the pairing before it expired');
    const client = new CustodianImpl(this.parts, { transport: 'wallet-rpc' }, NOBODY);
    return client.observe('wallet.pair-collect', {}, { promptId: waiting.prompt.id, connectionId: outcome.connectionId }, () => {
      const token = this.parts.prompts.collectToken(waiting.prompt.id);
      const connection = this.parts.connections.get(outcome.connectionId);
      if (connection === null) throw new CustodyError('UNAUTHENTICATED', 'the connection was revoked before the program collected its token');
      return { token, connection: connectionView(connection) };
    });
  }

  walletPrompts(): { pending: WalletPrompt[]; history: WalletPrompt[] } {
    this.authorize('operator');
    return this.parts.prompts.list();
  }

  walletCandidates(): Promise<WalletAccount[]> {
    return this.observe('wallet.candidates', {}, {}, () => {
      const grants = this.authorize('operator');
      const usable = (namespace: string) => hasPermission(grants, 'key.use', namespace);
      const out: WalletAccount[] = [];
      for (const key of this.keys.list({})) {
        if (key.algorithm !== 'ecdsa-secp256k1' || key.state !== 'active' || !usable(key.namespace)) continue;
        const signer: SignerRef = { kind: 'key', namespace: key.namespace, keyId: key.id };
        const address = this.withEthSigner({ namespace: key.namespace, keyId: key.id }, (s) => eth.signerAddress(s));
        out.push({ address, signer, label: accountLabel(signer) });
      }
      // secp256k1 keys on a token or a Ledger: their address is in the reference.
      for (const key of this.parts.deviceKeys.list()) {
        if (key.algorithm !== 'ecdsa-secp256k1' || key.state !== 'active' || key.address === null || !usable(key.namespace)) continue;
        const signer: SignerRef = { kind: 'key', namespace: key.namespace, keyId: key.id };
        out.push({ address: key.address, signer, label: `${accountLabel(signer)} (${key.backend})` });
      }
      for (const wallet of this.parts.hd.list()) {
        if (wallet.state !== 'active' || !usable(wallet.namespace)) continue;
        for (let index = 0; index < WALLET_CANDIDATES_PER_HD; index++) {
          const signer: SignerRef = { kind: 'hd', namespace: wallet.namespace, wallet: wallet.id, account: 0, index };
          const address = this.withEthSigner({ namespace: wallet.namespace, wallet: wallet.id, account: 0, index }, (s) => eth.signerAddress(s));
          out.push({ address, signer, label: accountLabel(signer) });
        }
      }
      return out;
    }, (r) => ({ details: { count: r.length } }));
  }

  async approveWalletPrompt(id: string, grant: WalletGrantInput): Promise<WalletPrompt> {
    const prompt = this.parts.prompts.get(id);
    const details = { promptId: prompt.id, kind: prompt.kind, client: prompt.name.slice(0, 200), chainId: printable(grant?.chainId), autoApprove: grant?.autoApprove === true };
    const result = await this.change('wallet.connect-approve', {}, details, async (record) => {
      this.authorize('operator');
      const chain = this.configuredChain(grant?.chainId);
      const accounts = this.resolveWalletAccounts(grant?.accounts);
      const by = this.principal();
      const settled = this.db
        .transaction(() => {
          const current = this.parts.prompts.get(id);
          if (current.state !== 'pending') throw new CustodyError('CONFLICT', `this prompt was already ${current.state}`);
          const common = { accounts, chainId: chain.chainId, autoApprove: grant.autoApprove === true, createdBy: by };
          let connection: StoredConnection;
          let token: string | null = null;
          if (current.kind === 'connect') connection = this.parts.connections.putOrigin({ origin: current.origin ?? '', ...common });
          else ({ connection, token } = this.parts.connections.putPaired({ name: current.name, ...common }));
          record({ details: { connectionId: connection.id, accounts: accounts.map((a) => a.address).join(',') } });
          return { connection, token };
        })
        .immediate();
      // Committed (the connection and its audit event): now the waiting client may hear.
      if (settled.token !== null) this.parts.prompts.holdToken(id, settled.token);
      return this.parts.prompts.approve(id, by, settled.connection.id);
    });
    this.walletsChanged(result.connectionId);
    return result;
  }

  rejectWalletPrompt(id: string, reason?: string): Promise<WalletPrompt> {
    const prompt = this.parts.prompts.list().pending.find((p) => p.id === id);
    const details = { promptId: typeof id === 'string' ? id.slice(0, 64) : null, ...(prompt === undefined ? {} : { kind: prompt.kind, client: prompt.name.slice(0, 200) }) };
    return this.observe('wallet.connect-reject', {}, details, () => {
      this.authorize('operator');
      return this.parts.prompts.reject(id, this.principal(), reason);
    });
  }

  walletConnections(): WalletConnection[] {
    this.authorize('operator');
    return this.parts.connections.list().map(connectionView);
  }

  async updateWalletConnection(id: string, change: { accounts?: readonly SignerRef[]; chainId?: string; autoApprove?: boolean }): Promise<WalletConnection> {
    const details = { connectionId: printable(id), ...(change?.chainId === undefined ? {} : { chainId: printable(change.chainId) }), ...(change?.autoApprove === undefined ? {} : { autoApprove: change.autoApprove === true }) };
    const result = await this.change('wallet.connection-update', {}, details, async (record) => {
      this.authorize('operator');
      const current = this.parts.connections.get(id);
      if (current === null) throw new CustodyError('NOT_FOUND', 'no such wallet connection (it may have been revoked)');
      // Changing what a client may do needs key use on what it may do now and after.
      for (const a of current.accounts) this.authorize({ permission: 'key.use', namespace: a.signer.namespace, keyId: keyIdOf(a.signer) }, a.signer.namespace);
      const accounts = change.accounts === undefined ? undefined : this.resolveWalletAccounts(change.accounts);
      const chainId = change.chainId === undefined ? undefined : this.configuredChain(change.chainId).chainId;
      return this.db
        .transaction(() => {
          const updated = this.parts.connections.update(id, {
            ...(accounts === undefined ? {} : { accounts }),
            ...(chainId === undefined ? {} : { chainId }),
            ...(change.autoApprove === undefined ? {} : { autoApprove: change.autoApprove === true }),
          });
          record({ details: { accounts: updated.accounts.map((a) => a.address).join(',') } });
          return connectionView(updated);
        })
        .immediate();
    });
    this.walletsChanged(id);
    return result;
  }

  async revokeWalletConnection(id: string): Promise<void> {
    await this.changeSync('wallet.connection-revoke', {}, { connectionId: printable(id) }, () => {
      this.authorize('operator');
      const removed = this.parts.connections.remove(id);
      return removed.id;
    });
    this.walletsChanged(id);
  }

  /** The accounts an operator grants, with their addresses; key use on each (the ACL included). */
  private resolveWalletAccounts(signers: readonly SignerRef[] | undefined): StoredAccount[] {
    if (!Array.isArray(signers) || signers.length === 0 || signers.length > MAX_ACCOUNTS) throw new CustodyError('INVALID_INPUT', `grant 1 to ${MAX_ACCOUNTS} accounts`);
    return signers.map((signer) => {
      if (typeof signer !== 'object' || signer === null || (signer.kind !== 'key' && signer.kind !== 'hd')) throw new CustodyError('INVALID_INPUT', 'an account is a vault key or an HD account');
      this.authorize({ permission: 'key.use', namespace: signer.namespace, keyId: keyIdOf(signer) }, signer.namespace);
      const ref: EthKeyRef = signer.kind === 'key' ? { namespace: signer.namespace, keyId: signer.keyId } : { namespace: signer.namespace, wallet: signer.wallet, account: signer.account ?? 0, index: signer.index ?? 0 };
      const address = this.withEthSigner(ref, (s) => eth.signerAddress(s));
      // Stored as the signer that produced the address: an HD account with its numbers spelled out.
      const stored: SignerRef = signer.kind === 'key' ? { kind: 'key', namespace: signer.namespace, keyId: signer.keyId } : { kind: 'hd', namespace: signer.namespace, wallet: signer.wallet, account: signer.account ?? 0, index: signer.index ?? 0 };
      return { address, signer: stored };
    });
  }

  private configuredChain(chainId: unknown): WalletChain {
    const wanted = typeof chainId === 'string' && /^\d{1,78}$/u.test(chainId) ? BigInt(chainId).toString() : null;
    const chain = this.parts.walletChains.find((c) => c.chainId === wanted);
    if (chain === undefined) throw new CustodyError('NOT_FOUND', `chain ${printable(chainId)} is not configured (server.wallet_rpc.chains: ${this.parts.walletChains.map((c) => c.chainId).join(', ')})`);
    return chain;
  }

  private knownChainOrNull(chainId: unknown): string | null {
    try {
      return chainId === undefined ? null : this.configuredChain(chainId).chainId;
    } catch {
      return null;
    }
  }

  private vaultUnlockedThen<T>(run: () => T): T {
    this.vault.requireUnlocked();
    return run();
  }

  private walletsChanged(connectionId: string | null): void {
    this.emit({ type: 'wallets.changed', connectionId, pendingPrompts: this.parts.prompts.pendingCount() });
  }

  // ---------------------------------------------------------------- policies (the operator's side)

  listPolicies(): Promise<{ policies: ListedPolicy[]; modules: ModuleInfo[] }> {
    return this.observe('policy.list', {}, {}, () => {
      this.authorize('operator');
      const fromConfig: ListedPolicy[] = this.parts.configPolicies.map((definition) => ({ definition, createdAt: 0, createdBy: CONFIG_AUTHOR, updatedAt: 0, updatedBy: CONFIG_AUTHOR, source: 'config' }));
      const stored: ListedPolicy[] = this.parts.policies.listPolicies().map((p) => ({ ...p, source: 'vault' }));
      // In the order the engine runs them: priority, then global, namespace, key, then name.
      const sorted = [...fromConfig, ...stored]
        .sort((a, b) => a.definition.priority - b.definition.priority || scopeRank(a.definition) - scopeRank(b.definition) || (a.definition.name < b.definition.name ? -1 : a.definition.name > b.definition.name ? 1 : 0));
      return { policies: sorted, modules: this.parts.policies.listModules() };
    });
  }

  async putPolicy(definition: unknown): Promise<StoredPolicy> {
    const name = typeof (definition as { name?: unknown } | null)?.name === 'string' ? printable((definition as { name: string }).name) : 'invalid';
    let target = {};
    try {
      target = policyTarget(parsePolicyDefinition(definition));
    } catch {
      // Reported, and audited, by the change itself.
    }
    const stored = await this.changeSync('policy.put', target, { name }, () => {
      const parsed = parsePolicyDefinition(definition);
      this.assertNotConfigPolicy(parsed.name);
      this.authorizePolicyScope(parsed);
      const existing = this.policyOrNull(parsed.name);
      if (existing !== null) this.authorizePolicyScope(existing.definition);
      return this.parts.policies.putPolicy(parsed, this.principal());
    }, (p) => ({ details: policyAuditDetails(p) }));
    this.emit({ type: 'policies.changed' });
    return stored;
  }

  async setPolicyEnabled(name: string, enabled: boolean): Promise<StoredPolicy> {
    const stored = await this.changeSync(enabled ? 'policy.enable' : 'policy.disable', {}, { name: printable(name) }, () => {
      this.assertNotConfigPolicy(name);
      const current = this.parts.policies.getPolicy(name);
      this.authorizePolicyScope(current.definition);
      return this.parts.policies.putPolicy({ ...current.definition, enabled: enabled === true }, this.principal());
    }, (p) => ({ details: policyAuditDetails(p) }));
    this.emit({ type: 'policies.changed' });
    return stored;
  }

  async removePolicy(name: string): Promise<void> {
    await this.changeSync('policy.remove', {}, { name: printable(name) }, () => {
      this.assertNotConfigPolicy(name);
      const current = this.parts.policies.getPolicy(name);
      this.authorizePolicyScope(current.definition);
      return this.parts.policies.removePolicy(name);
    }, (p) => ({ details: policyAuditDetails(p) }));
    this.emit({ type: 'policies.changed' });
  }

  async installPolicyModule(bytes: Uint8Array, meta: { name: string; description?: string }): Promise<ModuleInfo> {
    const details = { name: printable(meta?.name), size: bytes instanceof Uint8Array ? bytes.length : 0, sha256: bytes instanceof Uint8Array ? sha256Hex(bytes) : null };
    const info = await this.change('policy.module-install', {}, details, async (record) => {
      this.authorize('admin');
      if (!(bytes instanceof Uint8Array)) throw new CustodyError('INVALID_INPUT', 'a policy module is WebAssembly bytes');
      // Validating and metering (binaryen) happen before the transaction; storing is one write.
      const prepared = await prepareModule(bytes);
      return this.db
        .transaction(() => {
          this.authorize('admin');
          const m = this.parts.policies.installModule(prepared, meta, this.principal());
          record({ details: moduleAuditDetails(m) });
          return m;
        })
        .immediate();
    });
    this.emit({ type: 'policies.changed' });
    return info;
  }

  async removePolicyModule(sha256: string): Promise<void> {
    await this.changeSync('policy.module-remove', {}, { sha256: printable(sha256) }, () => {
      this.authorize('admin');
      return this.parts.policies.removeModule(sha256);
    }, (m) => ({ details: moduleAuditDetails(m) }));
    this.emit({ type: 'policies.changed' });
  }

  testPolicy(input: { context: unknown; definitions?: readonly unknown[]; module?: Uint8Array; fuel?: number; name?: string }): Promise<PolicyEvaluation> {
    const details = { module: input?.module instanceof Uint8Array ? sha256Hex(input.module) : null, definitions: Array.isArray(input?.definitions) ? input.definitions.length : null };
    return this.observe('policy.test', {}, details, async () => {
      this.authorize('operator');
      const context = parsePolicyContext(input?.context);
      const dryRun: PolicyContext = { ...context, environment: { ...context.environment, simulation: true } };
      if (input.module !== undefined) return this.testModule(input.module, dryRun, input.fuel, input.name ?? 'dry-run');
      const definitions = input.definitions === undefined ? this.allPolicyDefinitions() : input.definitions.map((d) => parsePolicyDefinition(d));
      return this.runPolicies(definitions, dryRun);
    }, (e) => ({ details: { decision: e.decision, fuel: e.fuel, policies: e.results.length } }));
  }

  /** Run a module that may not be installed, alone, metered exactly as an installed one would be. */
  private async testModule(bytes: Uint8Array, context: PolicyContext, fuel: number | undefined, name: string): Promise<PolicyEvaluation> {
    if (!(bytes instanceof Uint8Array)) throw new CustodyError('INVALID_INPUT', 'a policy module is WebAssembly bytes');
    const prepared = await prepareModule(bytes);
    const p = this.parts.policy;
    p.runtime ??= new PolicyRuntime();
    p.engine ??= new PolicyEngine(p.runtime);
    const installed = p.runtime.has(prepared.sha256);
    if (!installed) p.runtime.load(prepared.sha256, prepared.metered.bytes, { memoryPages: prepared.metered.memoryPages, callDepth: prepared.metered.callDepth });
    try {
      const definition = parsePolicyDefinition({ name, kind: 'wasm', module: prepared.sha256, scope: { kind: 'global' }, priority: 0, ...(fuel === undefined ? {} : { fuel }) });
      return await p.engine.evaluate([definition], context);
    } finally {
      if (!installed) {
        p.runtime.unload(prepared.sha256);
        p.loaded.delete(prepared.sha256);
      }
    }
  }

  /** A global policy or a module: Admin. A namespace's or a key's: Admin or that namespace's NamespaceAdmin. */
  private authorizePolicyScope(definition: PolicyDefinition): void {
    if (definition.scope.kind === 'global') {
      this.authorize('admin');
      return;
    }
    this.authorize('operator');
    this.authorize({ permission: 'namespace.manage', namespace: definition.scope.namespace }, definition.scope.namespace);
  }

  /** custos.yaml's policies first, then the vault's (the engine orders them by priority). */
  private allPolicyDefinitions(): PolicyDefinition[] {
    return [...this.parts.configPolicies, ...this.parts.policies.definitions()];
  }

  private assertNotConfigPolicy(name: string): void {
    this.authorize('operator');
    if (this.parts.configPolicies.some((d) => d.name === name)) throw new CustodyError('CONFLICT', `policy ${printable(name)} is defined in custos.yaml: change it there`);
  }

  private policyOrNull(name: string): StoredPolicy | null {
    try {
      return this.parts.policies.getPolicy(name);
    } catch (error) {
      if (error instanceof CustodyError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  // ---------------------------------------------------------------- metrics (an internal observer)

  /** After an operation's audit event: tell metricsSource() observers. `error` undefined = ok. */
  private reportOperation(action: string, target: Target, error: unknown, started: number): void {
    const listeners = this.parts.operationListeners;
    if (listeners.size === 0) return;
    const report: OperationReport = {
      action,
      namespace: typeof target.namespace === 'string' ? target.namespace : null,
      result: error === undefined ? 'ok' : error instanceof CustodyError ? error.code : 'INTERNAL',
      durationMs: performance.now() - started,
    };
    for (const listener of [...listeners]) {
      try {
        listener(report);
      } catch {
        // An observer's failure is its own: the operation has already happened.
      }
    }
  }

  /**
   * Counts are read straight from the tables, rows not MAC-checked: a number on a dashboard,
   * never a decision. Works locked too (names and counts are not sealed).
   */
  metricsSource(): CoreMetricsSource {
    const parts = this.parts;
    let statements: { keys: Statement; namespaces: Statement; events: Statement } | undefined;
    const sql = (): { keys: Statement; namespaces: Statement; events: Statement } => {
      if (parts.closed.value) throw new CustodyError('INTERNAL', 'the core is closed');
      statements ??= {
        keys: parts.db.prepare(
          `SELECT namespace, algorithm, state, count(*) AS count FROM keys GROUP BY namespace, algorithm, state
           UNION ALL SELECT namespace, 'bip39-seed' AS algorithm, state, count(*) AS count FROM hd_wallets GROUP BY namespace, state`,
        ),
        namespaces: parts.db.prepare('SELECT name FROM namespaces ORDER BY name').pluck(),
        // The primary key range: only the events since the last read.
        events: parts.db.prepare('SELECT action, result, count(*) AS count, max(seq) AS last FROM audit_events WHERE seq > ? GROUP BY action, result'),
      };
      return statements;
    };
    return {
      onOperation: (listener) => {
        parts.operationListeners.add(listener);
        return () => {
          parts.operationListeners.delete(listener);
        };
      },
      snapshot: () => {
        const s = sql();
        let tampered: boolean;
        let violations = 0;
        try {
          const status = parts.audit.status();
          tampered = status.tampered !== null;
          violations = status.violations;
        } catch (error) {
          // The audit state record fails its MAC: that is tampering too.
          if (!(error instanceof CustodyError && error.code === 'TAMPERED')) throw error;
          tampered = true;
        }
        const now = parts.clock.now();
        const idle = parts.settings.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
        let activeSessions = 0;
        for (const session of parts.sessions.values()) if (now - session.lastUsed <= idle) activeSessions++;
        return {
          initialized: parts.vault.isInitialized(),
          unlocked: parts.vault.isUnlocked(),
          namespaces: s.namespaces.all() as string[],
          keys: s.keys.all() as { namespace: string; algorithm: string; state: string; count: number }[],
          activeSessions,
          auditSize: parts.audit.size(),
          auditViolations: violations,
          // Every unlock verifies the log from its last verified point; a failure sets TAMPERED.
          auditVerified: !tampered,
          auditTampered: tampered,
          requestsPending: parts.approvals.pendingCount(),
        };
      },
      auditEventsAfter: (afterSeq) => {
        const rows = sql().events.all(afterSeq) as { action: string; result: string; count: number; last: number }[];
        return { lastSeq: rows.reduce((m, r) => Math.max(m, r.last), afterSeq), counts: rows.map(({ action, result, count }) => ({ action, result, count })) };
      },
    };
  }

  async close(): Promise<void> {
    if (this.parts.closed.value) return;
    this.parts.closed.value = true;
    this.parts.approvals.close();
    await this.parts.policy.runtime?.close();
    await this.parts.devices.close().catch(() => undefined);
    try {
      if (this.vault.isUnlocked()) this.audit.checkpoint();
    } finally {
      this.vault.lock();
      this.db.close();
    }
  }
}

function ethTarget(ref: VaultKeyRef | { readonly namespace: string; readonly wallet: string }): Target {
  if (typeof ref !== 'object' || ref === null) return {};
  return 'keyId' in ref ? { namespace: ref.namespace, keyId: ref.keyId, keyVersion: ref.keyVersion ?? null } : { namespace: ref.namespace, keyId: ref.wallet };
}

function assertRef(ref: unknown): asserts ref is { namespace: string } {
  if (typeof ref !== 'object' || ref === null || typeof (ref as { namespace?: unknown }).namespace !== 'string') {
    throw new CustodyError('INVALID_INPUT', 'name a key (namespace, keyId) or an HD wallet account (namespace, wallet, …)');
  }
}

function keyIdOf(ref: VaultKeyRef | { readonly wallet: string }): string {
  if (typeof ref !== 'object' || ref === null) return 'invalid';
  return 'keyId' in ref ? ref.keyId : ref.wallet;
}

function requireIndex(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new CustodyError('INVALID_INPUT', `${what} is a non-negative integer`);
  return value;
}

function btcNetworkOf(value: unknown): BitcoinNetwork {
  if (!bitcoin.isBitcoinNetwork(value)) throw new CustodyError('INVALID_INPUT', 'a Bitcoin network is mainnet, testnet or regtest');
  return value;
}

function btcPathOf(ref: Extract<BtcKeyRef, { wallet: string }>): string {
  if (!(BITCOIN_SCRIPT_TYPES as readonly unknown[]).includes(ref.script)) throw new CustodyError('INVALID_INPUT', 'a Bitcoin script type is p2pkh, p2sh-p2wpkh, p2wpkh or p2tr');
  const change = ref.change ?? 0;
  if (change !== 0 && change !== 1) throw new CustodyError('INVALID_INPUT', 'change is 0 or 1');
  return bitcoinAddressPath(ref.script, btcNetworkOf(ref.network), requireIndex(ref.account ?? 0, 'account'), change, requireIndex(ref.index, 'index'));
}

/**
 * The address type and network for a ref: an HD account has its own (from its path), which the
 * options may repeat but not contradict; a vault key needs both. P2TR is refused for vault keys:
 * the engine has no BIP-340 Schnorr, so Custos could show the address but never spend from it.
 */
function btcScriptOf(ref: BtcKeyRef, options: { script?: BitcoinScriptType; network?: BitcoinNetwork } | undefined): { script: BitcoinScriptType; network: BitcoinNetwork } {
  assertRef(ref);
  const o = options ?? {};
  if ('keyId' in ref) {
    if (o.script === undefined || !(BITCOIN_SCRIPT_TYPES as readonly unknown[]).includes(o.script)) throw new CustodyError('INVALID_INPUT', 'a Bitcoin script type is p2pkh, p2sh-p2wpkh, p2wpkh or p2tr');
    if (o.script === 'p2tr') throw new CustodyError('UNSUPPORTED', 'P2TR needs BIP-340 Schnorr, which vault keys cannot make (the engine has none): use an HD wallet account');
    return { script: o.script, network: btcNetworkOf(o.network) };
  }
  if ((o.script !== undefined && o.script !== ref.script) || (o.network !== undefined && o.network !== ref.network)) {
    throw new CustodyError('INVALID_INPUT', `HD account ${ref.namespace}/${ref.wallet} is ${printable(ref.script)} on ${printable(ref.network)}`);
  }
  btcPathOf(ref);
  return { script: ref.script, network: btcNetworkOf(ref.network) };
}

/** SHA-256 of a caller's input as given (text as UTF-8): what the audit log records instead of the input. */
function inputSha256(value: unknown): string | null {
  if (value instanceof Uint8Array) return sha256Hex(value);
  if (typeof value === 'string') return sha256Hex(new TextEncoder().encode(value));
  return null;
}

/** The public facts of the node at `path` (the node is wiped before this returns). */
function derivedOf(cache: DerivationCache, path: string, curve: HdDerived['curve'], address: ((publicKey: Uint8Array) => string) | null): HdDerived {
  const node = cache.derive(path);
  try {
    const publicKey = node.publicKey;
    return { path, curve, publicKey: Buffer.from(publicKey).toString('hex'), address: address === null ? null : address(publicKey) };
  } finally {
    node.wipe();
  }
}

/** One hdDerive request per index (or Solana account) of a range, after checking its bounds. */
function rangeRequests(request: HdDeriveRangeRequest): HdDeriveRequest[] {
  if (typeof request !== 'object' || request === null) throw new CustodyError('INVALID_INPUT', 'a derivation range names a chain, from and count');
  const { from, count } = request;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1 || count > HD_RANGE_MAX) {
    throw new CustodyError('INVALID_INPUT', `count must be an integer from 1 to ${HD_RANGE_MAX}`);
  }
  if (typeof from !== 'number' || !Number.isSafeInteger(from) || from < 0 || from + count - 1 > 0x7fffffff) {
    throw new CustodyError('INVALID_INPUT', 'from must be an integer from 0, and from + count - 1 at most 2^31 - 1 (BIP-32 non-hardened indexes)');
  }
  const out: HdDeriveRequest[] = [];
  for (let i = from; i < from + count; i++) {
    switch (request.chain) {
      case 'ethereum':
        out.push({ chain: 'ethereum', index: i, ...(request.account === undefined ? {} : { account: request.account }) });
        break;
      case 'bitcoin':
        out.push({ chain: 'bitcoin', script: request.script, network: request.network, index: i, ...(request.change === undefined ? {} : { change: request.change }), ...(request.account === undefined ? {} : { account: request.account }) });
        break;
      case 'solana':
        out.push({ chain: 'solana', account: i });
        break;
      default:
        throw new CustodyError('INVALID_INPUT', 'a derivation range is for ethereum, bitcoin or solana');
    }
  }
  return out;
}

/** Where a derivation request leads: path, curve, and how to spell the address. */
function derivationOf(request: HdDeriveRequest): { path: string; curve: HdCurve & ('secp256k1' | 'ed25519' | 'nist256p1'); address: ((publicKey: Uint8Array) => string) | null } {
  if (typeof request !== 'object' || request === null) throw new CustodyError('INVALID_INPUT', 'a derivation request names a chain');
  switch (request.chain) {
    case 'ethereum':
      return { path: ethereumAddressPath(request.index, request.account ?? 0), curve: 'secp256k1', address: ethAddressFromPublicKey };
    case 'bitcoin': {
      const network = request.network === 'mainnet' ? btc.NETWORK : request.network === 'testnet' ? btc.TEST_NETWORK : request.network === 'regtest' ? { ...btc.TEST_NETWORK, bech32: 'bcrt' } : undefined;
      if (network === undefined) throw new CustodyError('INVALID_INPUT', 'a Bitcoin network is mainnet, testnet or regtest');
      const path = bitcoinAddressPath(request.script, request.network, request.account ?? 0, request.change ?? 0, request.index);
      const address = (pub: Uint8Array): string => {
        switch (request.script) {
          case 'p2pkh':
            return btc.p2pkh(pub, network).address as string;
          case 'p2sh-p2wpkh':
            return btc.p2sh(btc.p2wpkh(pub, network), network).address as string;
          case 'p2wpkh':
            return btc.p2wpkh(pub, network).address as string;
          case 'p2tr':
            return btc.p2tr(pub.subarray(1), undefined, network).address as string;
          default:
            throw new CustodyError('INVALID_INPUT', 'a Bitcoin script type is p2pkh, p2sh-p2wpkh, p2wpkh or p2tr');
        }
      };
      return { path, curve: 'secp256k1', address };
    }
    case 'solana':
      return { path: solanaPath(request.account), curve: 'ed25519', address: (pub) => base58.encode(pub) };
    case 'path':
      if (request.curve !== 'secp256k1' && request.curve !== 'ed25519' && request.curve !== 'nist256p1') throw new CustodyError('INVALID_INPUT', 'a curve is secp256k1, ed25519 or nist256p1');
      return { path: request.path, curve: request.curve, address: null };
    default:
      throw new CustodyError('INVALID_INPUT', 'a derivation request names a chain: ethereum, bitcoin, solana or path');
  }
}

/** Key and namespace actions that change nothing: their audit event is news, the keys are not. */
const READ_ACTIONS: ReadonlySet<string> = new Set([
  'key.list',
  'key.get',
  'key.public',
  'key.acl-show',
  'key.export',
  'namespace.list',
  'namespace.show',
  'hd.list',
  'hd.get',
  'hd.derive',
  'hd.derive-range',
  'hd.xpub',
  'hd.export-mnemonic',
]);

const PERMISSION_WORDS: Readonly<Record<Permission, string>> = {
  'namespace.manage': 'manage the namespace',
  'key.manage': 'manage keys',
  'key.read': 'read keys',
  'key.use': 'use keys',
  'audit.read': 'read the audit log',
};

function rateOf(perSecond: number): RateLimit {
  return { ratePerSecond: perSecond, burst: Math.max(1, Math.ceil(perSecond)) };
}

/** A caller-supplied name or label as it may appear in an audit event: a string, one line, bounded. */
function printable(value: unknown): string {
  if (typeof value !== 'string') return 'invalid';
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 128);
}

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function optionDetails(request: { hash?: SignatureHash; scheme?: RsaScheme; saltLength?: number; sigFormat?: SignatureFormat; prehashed?: boolean }): Details {
  const d: Details = {};
  if (request.hash !== undefined) d.hash = request.hash;
  if (request.scheme !== undefined) d.scheme = request.scheme;
  if (request.saltLength !== undefined) d.saltLength = request.saltLength;
  if (request.sigFormat !== undefined) d.sigFormat = request.sigFormat;
  if (request.prehashed === true) d.prehashed = true;
  return d;
}

function signOptions(request: { hash?: SignatureHash; scheme?: RsaScheme; saltLength?: number; sigFormat?: SignatureFormat; prehashed?: boolean }): SignOptions {
  const o: { -readonly [K in keyof SignOptions]: SignOptions[K] } = {};
  if (request.hash !== undefined) o.hash = request.hash;
  if (request.scheme !== undefined) o.scheme = request.scheme;
  if (request.saltLength !== undefined) o.saltLength = request.saltLength;
  if (request.sigFormat !== undefined) o.sigFormat = request.sigFormat;
  if (request.prehashed === true) o.prehashed = true;
  return o;
}

function requirePrivate<T>(handle: T | undefined): T {
  if (handle === undefined) throw new CustodyError('WRONG_KEY_TYPE', 'this key cannot decrypt');
  return handle;
}

function range(from: number, downTo: number): number[] {
  const out: number[] = [];
  for (let v = from; v >= downTo; v--) out.push(v);
  return out;
}

const DEFAULT_WALLET_CHAINS: readonly WalletChain[] = [{ chainId: '1', name: 'Ethereum' }];
/** Addresses of each HD wallet offered in a connect prompt (m/44'/60'/0'/0/0..4). */
const WALLET_CANDIDATES_PER_HD = 5;

function checkedWalletChains(chains: readonly WalletChain[]): readonly WalletChain[] {
  if (chains.length === 0) throw new CustodyError('INVALID_INPUT', 'at least one wallet chain must be configured');
  return chains.map((c) => ({ chainId: BigInt(c.chainId).toString(), name: c.name }));
}

/** A browser origin exactly as browsers send it: http(s), host, optional port, nothing else. */
function checkedOrigin(origin: unknown): string {
  if (typeof origin === 'string' && origin.length <= 512 && URL.canParse(origin)) {
    const url = new URL(origin);
    if ((url.protocol === 'https:' || url.protocol === 'http:') && url.origin === origin) return origin;
  }
  throw new CustodyError('INVALID_INPUT', 'expected a browser origin (scheme://host[:port])');
}

function walletClientContext(origin: string | null): ClientContext {
  return origin === null ? { transport: 'wallet-rpc' } : { transport: 'wallet-rpc', origin };
}

/** Wait for `promise`, or stop waiting (DISCONNECTED) when `signal` aborts. The promise itself goes on. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(new CustodyError('DISCONNECTED', 'the client went away'));
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(new CustodyError('DISCONNECTED', 'the client went away'));
    signal.addEventListener('abort', stop, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', stop);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', stop);
        reject(e instanceof Error ? e : new CustodyError('INTERNAL', 'failed'));
      },
    );
  });
}

/** A transaction as JSON fields without a chain id gets the connection's (what wallets do); anything else is left as sent. */
function withChainId(transaction: string, chainId: string): string {
  if (typeof transaction !== 'string' || !transaction.trimStart().startsWith('{')) return transaction;
  try {
    const fields: unknown = JSON.parse(transaction);
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields) || (fields as Record<string, unknown>).chainId !== undefined) return transaction;
    return JSON.stringify({ ...fields, chainId });
  } catch {
    return transaction; // the decoder reports what is wrong with it
  }
}

/** Who decided a request the policies allowed or denied (RequestRecord.decidedBy). */
const POLICY_DECIDER = 'policy';

/**
 * What the queue does with a request: the policies' decision when any applies (allow signs,
 * deny refuses, require-approval waits for an operator); with none, the client's auto-approve
 * setting, else an operator decides (as before policies existed).
 */
function queueDecision(
  e: PolicyEvaluation,
  autoApprove: boolean,
): { decision: 'allow' | 'deny' | 'require-approval'; reasons: string[]; autoApprove: boolean; decidedByPolicy?: { decision: 'approved' | 'rejected'; by: string; reason: string } } {
  if (e.results.length === 0) {
    return autoApprove
      ? { decision: 'allow', reasons: ['no policy applies; auto-approve is on for this client'], autoApprove: true }
      : { decision: 'require-approval', reasons: ['no policy applies: an operator decides'], autoApprove: false };
  }
  const reasons = [...e.reasons];
  const reason = reasons.join('; ').slice(0, 500);
  if (e.decision === 'deny') return { decision: 'deny', reasons, autoApprove: false, decidedByPolicy: { decision: 'rejected', by: POLICY_DECIDER, reason } };
  if (e.decision === 'allow') return { decision: 'allow', reasons, autoApprove: false, decidedByPolicy: { decision: 'approved', by: POLICY_DECIDER, reason } };
  return { decision: 'require-approval', reasons, autoApprove: false };
}

/** The request.submit event's policy facts: the decision and each policy's result, no context values. */
function policyDetails(record: RequestRecord): Record<string, string | number> {
  const results = record.policy.results ?? [];
  return evaluationAuditDetails({ decision: record.policy.decision, reasons: record.policy.reasons, results: results.map((r) => ({ ...r, logs: [] })), fuel: results.reduce((sum, r) => sum + (r.fuel ?? 0), 0), durationMs: 0 });
}

function spendOwner(ref: SignerRef, address: string | null): SpendOwner {
  return { namespace: ref.namespace, keyId: ref.kind === 'key' ? ref.keyId : `hd:${ref.wallet}`, address: address ?? '' };
}

function scopeRank(d: PolicyDefinition): number {
  return d.scope.kind === 'global' ? 0 : d.scope.kind === 'namespace' ? 1 : 2;
}

/** The audit target of a policy: its namespace (and key) when scoped. */
function policyTarget(d: PolicyDefinition): { namespace?: string; keyId?: string } {
  if (d.scope.kind === 'global') return {};
  return d.scope.kind === 'namespace' ? { namespace: d.scope.namespace } : { namespace: d.scope.namespace, keyId: d.scope.keyId };
}

/** Who "made" a policy that comes from the configuration file. */
const CONFIG_AUTHOR = 'custos.yaml';

/** A policy as listed: stored in the vault, or read from custos.yaml (read-only). */
export type ListedPolicy = StoredPolicy & { readonly source: 'vault' | 'config' };

/**
 * The quorum a request waiting for approval needs: among the policies that asked for approval,
 * the one whose quorum requires the most operators (so every policy's is at least as strict as
 * asked in count; approvers are that policy's). Null: one operator decides.
 */
function quorumOf(e: PolicyEvaluation, definitions: readonly PolicyDefinition[]): QuorumRequirement | null {
  let best: QuorumRequirement | null = null;
  for (const r of e.results) {
    if (r.decision !== 'require-approval') continue;
    const q = definitions.find((d) => d.name === r.name)?.quorum;
    if (q !== undefined && (best === null || q.required > best.required)) best = { required: q.required, approvers: [...q.approvers], policy: r.name };
  }
  return best;
}

/** JSON text of a caller's object (bigints as decimal strings, as the decoders read them). */
function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
  } catch {
    throw new CustodyError('INVALID_INPUT', 'the request is not plain data');
  }
}

/** How a signer is named to an operator: `ns/key` or `ns/wallet` (an HD wallet's account follows from the request). */
function signerLabel(ref: SignerRef): string {
  return ref.kind === 'key' ? `${ref.namespace}/${ref.keyId}` : `${ref.namespace}/${ref.wallet}`;
}

/** The JSON-RPC method a program would have used for a request type (what an envelope made by hand says it is). */
function defaultMethod(request: SigningRequest): string {
  switch (request.type) {
    case 'eth.transaction':
      return 'eth_signTransaction';
    case 'eth.typedData':
      return 'eth_signTypedData_v4';
    case 'eth.message':
      return 'personal_sign';
    default:
      return request.type;
  }
}

/** A backend id as given, checked for shape only (the manager says whether it exists). */
function backendName(backend: unknown): string {
  if (typeof backend !== 'string' || !/^(pkcs11|ledger):[\x20-\x7e]{1,64}$/u.test(backend)) throw new CustodyError('INVALID_INPUT', 'a device is pkcs11:<token label> or ledger:<device id>');
  return backend;
}

/** A device key as the key listing shows it: one version, never exportable, its backend named. */
function deviceKeyInfo(r: DeviceKeyRecord): KeyInfo {
  return {
    namespace: r.namespace,
    id: r.id,
    algorithm: r.algorithm,
    kind: r.publicKey === null ? 'secret' : 'private',
    state: r.state,
    exportable: false,
    origin: r.origin === 'generated' ? 'generated' : 'imported',
    primaryVersion: 1,
    minDecryptVersion: 1,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    deletionAt: null,
    versions: [{ version: 1, createdAt: r.createdAt, destroyed: false }],
    backend: r.backend,
  };
}

/** The y parity of a signature from a device's v: 27/28, 0/1, or an EIP-155 v (possibly truncated to a byte by the device). */
function ledgerParity(v: string | number, chainId: bigint | null): 0 | 1 {
  const n = typeof v === 'number' ? BigInt(v) : BigInt(v.startsWith('0x') ? v : `0x${v}`);
  if (n === 0n || n === 1n) return Number(n) as 0 | 1;
  if (n === 27n || n === 28n) return Number(n - 27n) as 0 | 1;
  if (chainId !== null && chainId > 0n) {
    // EIP-155: v = chainId·2 + 35 + parity; a device may send only its low byte.
    const full = chainId * 2n + 35n;
    for (const parity of [0n, 1n]) if ((full + parity) === n || ((full + parity) & 0xffn) === n) return Number(parity) as 0 | 1;
  }
  throw new CustodyError('INTERNAL', `the device returned an unexpected signature v (${n.toString()})`);
}

/** An EIP-191/712 signature from a device, checked to recover to the key's address. */
function ledgerSignature(digest: string, sig: { v: number; r: string; s: string }, key: DeviceKeyRecord): eth.EthSignature {
  const yParity = ledgerParity(sig.v, null);
  const r = `0x${sig.r.replace(/^0x/iu, '').padStart(64, '0')}`;
  const s = `0x${sig.s.replace(/^0x/iu, '').padStart(64, '0')}`;
  const signature = EthersSignature.from({ r, s, yParity });
  const address = ethersRecoverAddress(digest, signature);
  if (key.address !== null && address.toLowerCase() !== key.address.toLowerCase()) {
    throw new CustodyError('TAMPERED', `the device signed as ${address}, not as ${key.address}: wrong device or account`, { details: { record: 'device signature' } });
  }
  return { signature: signature.serialized as eth.Hex, r: r as eth.Hex, s: s as eth.Hex, v: (27 + yParity) as 27 | 28, yParity, digest: digest as eth.Hex, address };
}
