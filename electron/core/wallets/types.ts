/**
 * @module core/wallets/types
 * What the facade offers the wallet RPC (electron/rpc/wallet) and the operator's UI about wallet
 * connections (shared/api/wallet.ts has the shapes): a client's session, the prompts that ask for
 * one, and the operator's side of both.
 *
 * The wallet RPC authenticates a client by what it can prove — a browser's Origin header, a paired
 * program's token — and asks the facade for that client's session. A session's only rights are
 * the accounts its connection names: it can ask signatures of those (each one a request in the
 * queue, approved by an operator unless the operator turned auto-approve on for this client), and
 * switch among the configured chains. Everything is audited as `wallet:<connection id>`.
 */
import type { RequestRecord } from '../approvals/queue.js';
import type { SignedResult, SignerRef, SigningRequest } from '../../../shared/api/signing.js';
import type { WalletAccount, WalletConnection, WalletGrantInput, WalletPrompt } from '../../../shared/api/wallet.js';

export type { WalletAccount, WalletConnection, WalletGrantInput, WalletPrompt } from '../../../shared/api/wallet.js';

/** A chain clients may be on (`server.wallet_rpc.chains`). */
export interface WalletChain {
  /** Decimal EIP-155 chain id. */
  readonly chainId: string;
  readonly name: string;
}

/** What a client proves: the Origin its browser sent, or a paired program's token (`cwc_…`). */
export type WalletCredential = { readonly kind: 'origin'; readonly origin: string } | { readonly kind: 'token'; readonly token: string };

/** A connected client, as the wallet RPC serves it. Every call re-checks that the connection still exists. */
export interface WalletSession {
  readonly connectionId: string;
  /** The connection as it is now; UNAUTHENTICATED once revoked. Cheap (cached until the vault changes). */
  connection(): WalletConnection;
  /**
   * A signature request as this client: `address` must be one of the connection's accounts
   * (else PERMISSION_DENIED, nothing queued). Queued with the connection's auto-approve setting;
   * USER_REJECTED, EXPIRED as for any queued request; `signal` withdraws it.
   */
  sign(input: { method: string; request: SigningRequest; address: string; signal?: AbortSignal; ttlMs?: number }): Promise<{ record: RequestRecord; result: SignedResult }>;
  /** wallet_switchEthereumChain: to a configured chain (else NOT_FOUND). Audited. */
  switchChain(chainId: string): Promise<WalletConnection>;
  /** wallet_revokePermissions: the client gives up its own connection. Audited. */
  disconnect(): Promise<void>;
}

/** The facade's wallet-connection methods (part of `Custodian`). */
export interface WalletConnectionsApi {
  /** The chains clients may be on, from the configuration (first = default). */
  walletChains(): readonly WalletChain[];

  // ---- the client's side (the wallet RPC calls these on the root facade)

  /** The session of a client that holds a connection, or null when it holds none. LOCKED while the vault is locked. */
  walletSession(credential: WalletCredential): WalletSession | null;
  /**
   * A browser origin asks to connect (eth_requestAccounts, wallet_requestPermissions): a connect
   * prompt the operator decides (choosing accounts and chain); resolves with the connection. An
   * origin that already has a pending prompt joins it. USER_REJECTED, EXPIRED; `signal` withdraws.
   */
  walletRequestConnection(input: { origin: string; chainId?: string; signal?: AbortSignal }): Promise<WalletConnection>;
  /**
   * A program asks to pair. Returns a pairing secret (only the program knows it; it waits with it)
   * and the code it must show its user, which the operator compares before confirming.
   */
  walletRequestPairing(input: { name: string; chainId?: string }): Promise<{ pairingId: string; code: string; expiresAt: number }>;
  /** The program waits for the operator: on approval its token (returned once) and the connection. */
  walletAwaitPairing(input: { pairingId: string; signal?: AbortSignal }): Promise<{ token: string; connection: WalletConnection }>;

  // ---- the operator's side (the UI)

  /** Pending prompts (oldest first) and recent decided ones (newest first). Operators only. */
  walletPrompts(): { pending: WalletPrompt[]; history: WalletPrompt[] };
  /** Ethereum accounts the operator may grant: active secp256k1 vault keys and HD accounts they may use. */
  walletCandidates(): Promise<WalletAccount[]>;
  /** Grant: needs key use on every account chosen. Creates (or, for an origin, replaces) the connection. */
  approveWalletPrompt(id: string, grant: WalletGrantInput): Promise<WalletPrompt>;
  rejectWalletPrompt(id: string, reason?: string): Promise<WalletPrompt>;
  /** Every live connection, newest first. Operators only. */
  walletConnections(): WalletConnection[];
  /** Change accounts, chain or auto-approve (key use on every account named, old and new). */
  updateWalletConnection(id: string, change: { accounts?: readonly SignerRef[]; chainId?: string; autoApprove?: boolean }): Promise<WalletConnection>;
  /** Revoke: the client's next call finds no connection. Any operator may revoke. */
  revokeWalletConnection(id: string): Promise<void>;
}
