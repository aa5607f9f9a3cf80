/**
 * @module shared/api/signing
 * Chain signing requests as the UI (and, later, the request queue) carries them, and the one
 * chain-neutral display model every request is shown in before anyone signs it.
 *
 * A request is what a wallet, a file or an operator hands over: a payload per chain and kind, as
 * text (JSON, hex, base64 or base58, as each chain exchanges it). A signer is a vault key or an
 * HD wallet account. A view is what a person must see: a title, flags that deserve a second look,
 * sections of labelled fields (and trees for typed data), and the digest that is signed. The core
 * builds views from each chain's own decoder (electron/core/signing); the renderer draws any view
 * with one component, so a request looks the same in the Sign screen, the approval queue and the
 * air-gap import.
 *
 * Pure zod: no Node, no DOM.
 */
import { z } from 'zod';
import { policyResultSchema } from './policy.js';

const name = z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected 1-128 of A-Z a-z 0-9 . _ -');
const hdIndex = z.number().int().min(0).max(0x7fffffff);
/** Requests are pasted or loaded from files: 4 MiB of text is far above any real one (a PSBT with many inputs is ~100 KiB). */
const payload = z.string().min(1).max(4 * 1024 * 1024);
const decimal = z.string().regex(/^\d{1,78}$/u, 'expected a decimal number');

export const bitcoinScriptSchema = z.enum(['p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'p2tr']);
export const bitcoinNetworkSchema = z.enum(['mainnet', 'testnet', 'regtest']);
export const sighashNameSchema = z.enum(['ALL', 'NONE', 'SINGLE', 'ALL|ANYONECANPAY', 'NONE|ANYONECANPAY', 'SINGLE|ANYONECANPAY', 'DEFAULT']);

export const CHAINS = ['ethereum', 'bitcoin', 'solana', 'starknet'] as const;
export const chainSchema = z.enum(CHAINS);
export type Chain = z.infer<typeof chainSchema>;

/**
 * Who signs. `key`: a vault key (secp256k1 for Ethereum and Bitcoin, Ed25519 for Solana).
 * `hd`: an HD wallet account; each chain reads the fields it uses (Ethereum m/44'/60'/account'/0/index,
 * Bitcoin by script m/44'|49'|84'|86'/coin'/account'/change/index, Solana m/44'/501'/account'/0',
 * StarkNet m/44'/9004'/0'/0/index).
 */
export const signerRefSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('key'), namespace: name, keyId: name }),
  z.strictObject({
    kind: z.literal('hd'),
    namespace: name,
    wallet: name,
    account: hdIndex.optional(),
    index: hdIndex.optional(),
    change: z.union([z.literal(0), z.literal(1)]).optional(),
    script: bitcoinScriptSchema.optional(),
    network: bitcoinNetworkSchema.optional(),
    /** StarkNet only: the EIP-2645 path m/2645'/layer'/application'/eth1'/eth2'/index instead of m/44'/9004'/0'/0/index. */
    eip2645: z
      .strictObject({ layer: z.string().min(1).max(64), application: z.string().min(1).max(64), ethAddress: z.string().regex(/^0x[0-9a-fA-F]{40}$/u, 'expected a 0x-prefixed 20-byte address') })
      .optional(),
  }),
]);
export type SignerRef = z.infer<typeof signerRefSchema>;

export const signingRequestSchema = z.discriminatedUnion('type', [
  /** JSON fields (ethers' TransactionLike names) or an unsigned serialized transaction (0x hex). */
  z.strictObject({ type: z.literal('eth.transaction'), transaction: payload, chainId: decimal.optional() }),
  /** EIP-712 v4 JSON; the domain's chainId must equal `chainId`. */
  z.strictObject({ type: z.literal('eth.typedData'), typedData: payload, chainId: decimal }),
  /** EIP-191 personal_sign: text as UTF-8, or 0x hex bytes. */
  z.strictObject({ type: z.literal('eth.message'), message: z.string().max(1024 * 1024), encoding: z.enum(['utf8', 'hex']) }),
  /** BIP-174/370 PSBT as base64 or hex. Non-default sighash types are refused unless listed. */
  z.strictObject({ type: z.literal('btc.psbt'), psbt: payload, network: bitcoinNetworkSchema, allowSighash: z.array(sighashNameSchema).max(7).optional(), finalize: z.boolean().optional() }),
  /** BIP-322 simple (segwit) or BIP-137 (P2PKH); script and network matter for a vault key only. */
  z.strictObject({ type: z.literal('btc.message'), message: z.string().max(1024 * 1024), script: bitcoinScriptSchema.optional(), network: bitcoinNetworkSchema.optional() }),
  /** A legacy or v0 wire transaction, base64 or base58. */
  z.strictObject({ type: z.literal('sol.transaction'), transaction: payload }),
  /** An off-chain message (header version 0). */
  z.strictObject({ type: z.literal('sol.message'), message: z.string().min(1).max(65_535) }),
  /** INVOKE v1 or v3 as JSON (felts as decimal or 0x strings). */
  z.strictObject({ type: z.literal('stark.invoke'), invoke: payload }),
  /** SNIP-12 revision 1 JSON; `account` defaults to the signer's OpenZeppelin account address. */
  z.strictObject({ type: z.literal('stark.typedData'), typedData: payload, account: z.string().regex(/^0x[0-9a-fA-F]{1,64}$/u).optional() }),
]);
export type SigningRequest = z.infer<typeof signingRequestSchema>;
export type SigningRequestType = SigningRequest['type'];
export const SIGNING_REQUEST_TYPES = signingRequestSchema.options.map((o) => o.shape.type.value) as SigningRequestType[];

/** The chain a request type belongs to. */
export function chainOfRequest(type: SigningRequestType): Chain {
  const prefix = type.slice(0, type.indexOf('.'));
  return prefix === 'eth' ? 'ethereum' : prefix === 'btc' ? 'bitcoin' : prefix === 'sol' ? 'solana' : 'starknet';
}

// ------------------------------------------------------------------ the view

export const flagLevelSchema = z.enum(['info', 'warning', 'danger']);
export const viewFlagSchema = z.strictObject({ code: z.string(), level: flagLevelSchema, message: z.string() });

/** How a value is drawn: addresses and hex in monospace with copy, amounts emphasised. */
export const fieldKindSchema = z.enum(['text', 'address', 'amount', 'hex', 'mono']);
export const viewFieldSchema = z.strictObject({
  label: z.string(),
  value: z.string(),
  kind: fieldKindSchema,
  /** A reading aid beside the value ("Ethereum Mainnet", "maximum uint256", "change"). */
  note: z.string().optional(),
  /** Marks a value a flag is about. */
  level: flagLevelSchema.optional(),
});
export type ViewField = z.infer<typeof viewFieldSchema>;

export interface ViewNode {
  readonly name: string;
  readonly type: string;
  readonly value?: string | undefined;
  readonly note?: string | undefined;
  readonly children?: readonly ViewNode[] | undefined;
}
export const viewNodeSchema: z.ZodType<ViewNode> = z.lazy(() =>
  z.strictObject({ name: z.string(), type: z.string(), value: z.string().optional(), note: z.string().optional(), children: z.array(viewNodeSchema).optional() }),
);

export const viewSectionSchema = z.strictObject({
  title: z.string(),
  fields: z.array(viewFieldSchema),
  /** Typed data: the domain or the message as a tree. */
  tree: z.array(viewNodeSchema).optional(),
  /** A message body shown as it will be signed. */
  text: z.string().optional(),
});
export type ViewSection = z.infer<typeof viewSectionSchema>;

export const requestViewSchema = z.strictObject({
  chain: chainSchema,
  type: z.enum(SIGNING_REQUEST_TYPES as [SigningRequestType, ...SigningRequestType[]]),
  /** One line: what this asks for ("Send 1.5 ETH", "Sign typed data: Permit"). */
  title: z.string(),
  /** The network, when the request names one ("Ethereum Mainnet (1)"). */
  network: z.string().nullable(),
  /** The signing account, when known. */
  signer: z.string().nullable(),
  flags: z.array(viewFlagSchema),
  sections: z.array(viewSectionSchema),
  /** What the key signs (a digest or a transaction hash), so the operator can compare with another tool. */
  digest: z.strictObject({ label: z.string(), value: z.string() }).nullable(),
});
export type RequestView = z.infer<typeof requestViewSchema>;

export const signedResultSchema = z.strictObject({
  /** The one thing to hand back: the raw transaction, the signature, the signed PSBT. */
  primary: z.strictObject({ label: z.string(), value: z.string() }),
  fields: z.array(viewFieldSchema),
});
export type SignedResult = z.infer<typeof signedResultSchema>;

export const signerAddressSchema = z.strictObject({ chain: chainSchema, address: z.string(), path: z.string().nullable(), publicKey: z.string().nullable() });

// ------------------------------------------------------------------ the request queue

export const requestStateSchema = z.enum(['pending', 'approved', 'rejected', 'expired', 'signed', 'failed']);
export type RequestState = z.infer<typeof requestStateSchema>;

/** A request a program sent, as the queue holds it (core/approvals). */
export const requestRecordSchema = z.strictObject({
  id: z.string(),
  /** Who sent it: the transport, a stable id for per-client settings, and what the operator sees. */
  client: z.strictObject({ transport: z.string(), id: z.string(), label: z.string() }),
  /** The client's method, e.g. `personal_sign`, `eth_signTransaction`. */
  method: z.string(),
  request: signingRequestSchema,
  signer: signerRefSchema,
  view: requestViewSchema,
  /** What the policies decided; `results`: each applicable policy's part (absent before policies ran). */
  policy: z.strictObject({ decision: z.enum(['allow', 'deny', 'require-approval']), reasons: z.array(z.string()), results: z.array(policyResultSchema).optional() }),
  state: requestStateSchema,
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
  decidedAt: z.number().int().nullable(),
  /** The operator who decided, `auto:<client>` for auto-approval, or `system` (expiry, lock). */
  decidedBy: z.string().nullable(),
  /** A policy's quorum: how many distinct operators among which must approve (absent: one operator). */
  quorum: z.strictObject({ required: z.number().int(), approvers: z.array(z.string()), policy: z.string() }).nullable().optional(),
  /** Approvals given so far (with a quorum, until it is met). */
  approvals: z.array(z.strictObject({ by: z.string(), at: z.number().int() })).optional(),
  reason: z.string().nullable(),
  result: signedResultSchema.nullable(),
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
});
export type RequestRecord = z.infer<typeof requestRecordSchema>;
