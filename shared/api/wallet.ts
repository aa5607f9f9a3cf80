/**
 * @module shared/api/wallet
 * Wallet connections: who may talk to the wallet RPC (EIP-1193) and as which accounts.
 *
 * A connection is a grant an operator gave to one client: a browser origin ("https://app.example",
 * identified by the Origin header its browser sends and cannot forge), or a program that paired
 * (it cannot be trusted by an Origin header, so it asked for a pairing, the operator compared the
 * code it showed, and it holds a token). A connection names the Ethereum accounts the client may
 * ask signatures of and the chain it is on; nothing else in the vault exists for it.
 *
 * A prompt is a client's request for a connection, waiting for an operator beside the signing
 * requests: `connect` (a browser origin's eth_requestAccounts) or `pair` (a program, with the
 * code both sides show).
 *
 * Pure zod: no Node, no DOM.
 */
import { z } from 'zod';
import { signerRefSchema } from './signing.js';

const decimal = z.string().regex(/^\d{1,78}$/u, 'expected a decimal number');
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/u, 'expected a 0x-prefixed 20-byte address');
const epochMs = z.number().int().nonnegative();

/** An Ethereum account a connection may use: its (EIP-55) address and the vault key or HD account behind it. */
export const walletAccountSchema = z.strictObject({
  address,
  signer: signerRefSchema,
  /** What the operator sees: "treasury/hot-1" or "main (HD) · account 0 · #3". */
  label: z.string(),
});
export type WalletAccount = z.infer<typeof walletAccountSchema>;

export const walletConnectionKindSchema = z.enum(['origin', 'paired']);

export const walletConnectionSchema = z.strictObject({
  /** `wc_` and 12 hex characters; a paired client's token names it. */
  id: z.string(),
  kind: walletConnectionKindSchema,
  /** The browser origin (kind `origin`), else null. */
  origin: z.string().nullable(),
  /** What the operator sees: the origin, or the name a paired program gave. */
  name: z.string(),
  /** The accounts the client may use; the first is the one eth_accounts lists first. */
  accounts: z.array(walletAccountSchema),
  /** The chain the client is on (decimal EIP-155 chain id). */
  chainId: decimal,
  /** Requests from this client are approved without asking (the operator's choice, per client). */
  autoApprove: z.boolean(),
  createdAt: epochMs,
  createdBy: z.string(),
  updatedAt: epochMs,
});
export type WalletConnection = z.infer<typeof walletConnectionSchema>;

export const walletPromptStateSchema = z.enum(['pending', 'approved', 'rejected', 'expired']);

export const walletPromptSchema = z.strictObject({
  id: z.string(),
  kind: z.enum(['connect', 'pair']),
  /** The browser origin asking (connect), else null. */
  origin: z.string().nullable(),
  /** The origin, or the name the pairing program gave (untrusted text: shown as such). */
  name: z.string(),
  /** Pairing only: the code the program shows; the operator confirms only if both match. */
  code: z.string().nullable(),
  /** The chain the client asked for, if it named one. */
  chainId: decimal.nullable(),
  state: walletPromptStateSchema,
  createdAt: epochMs,
  expiresAt: epochMs,
  decidedAt: epochMs.nullable(),
  decidedBy: z.string().nullable(),
  reason: z.string().nullable(),
  /** The connection the approval created or updated. */
  connectionId: z.string().nullable(),
});
export type WalletPrompt = z.infer<typeof walletPromptSchema>;

/** What the operator grants when approving a prompt. */
export const walletGrantInputSchema = z.strictObject({
  accounts: z.array(signerRefSchema).min(1).max(100),
  chainId: decimal,
  autoApprove: z.boolean().optional(),
});
export type WalletGrantInput = z.infer<typeof walletGrantInputSchema>;
