/**
 * @module core/policy/context
 * The policy context: what every policy — built-in rules and WASM modules alike — sees of a
 * signing request. One JSON document (snake_case keys, the WASM ABI's wire format, the same for a
 * module written in any language), described field by field in README.md and checked by
 * `policyContextSchema` before anything evaluates it.
 *
 * Built by `buildPolicyContext` from what the request queue holds (shared/api/signing's
 * SigningRequest and its method), the signer's facts, the environment, and the spending history
 * the host computed. Every decoded field comes from the chain module that also builds what is
 * signed (chains/ethereum: parseTransaction through describeTransaction, parseTypedData,
 * describePersonalMessage): there is no second decoder here, so the policy judges the same
 * transaction the key signs.
 *
 * Amounts are decimal strings (wei, token base units): they exceed 2^53, and JSON numbers would
 * lose them. Addresses are EIP-55 (as the Ethereum module normalises them); compare them
 * case-insensitively.
 *
 * Pure: no key, no database. Trusts the chain modules; the caller for signer, environment and history.
 */
import { z } from 'zod';
import { chainOfRequest, chainSchema, type SigningRequest } from '../../../shared/api/signing.js';
import { CustodyError } from '../../../shared/errors.js';
import { describePersonalMessage, describeTransaction, describeTypedData, parseTransaction, parseTypedData, type TypedValue } from '../chains/ethereum/index.js';

export const CONTEXT_VERSION = 1;

/** ERC-20 `transfer(address,uint256)` and `approve(address,uint256)` (Solidity ABI §Function Selector). */
export const ERC20_TRANSFER = '0xa9059cbb';
export const ERC20_APPROVE = '0x095ea7b3';
/** The rolling window the history covers. */
export const HISTORY_WINDOW_SECONDS = 86_400;

const decimal = z.string().regex(/^\d{1,78}$/u, 'expected a decimal integer string');
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/u, 'expected a 0x-prefixed 20-byte address');
const hex = z.string().regex(/^0x(?:[0-9a-fA-F]{2})*$/u, 'expected 0x-prefixed hex bytes');
const selector = z.string().regex(/^0x[0-9a-f]{8}$/u, 'expected a 4-byte selector (0x + 8 lowercase hex digits)');
const text = z.string().max(256);

export const jsonValueSchema: z.ZodType<TypedValue> = z.lazy(() => z.union([z.string(), z.boolean(), z.array(jsonValueSchema), z.record(z.string(), jsonValueSchema)]));

export const erc20CallSchema = z.strictObject({
  /** transfer: the token moves to `counterparty`; approve: `counterparty` may spend `amount`. */
  kind: z.enum(['transfer', 'approve']),
  /** The token contract (the transaction's `to`). */
  token: address,
  /** The recipient of a transfer, the spender of an approval. */
  counterparty: address,
  /** Raw token units (decimals unknown to the host). */
  amount: decimal,
});
export type Erc20Call = z.infer<typeof erc20CallSchema>;

export const transactionContextSchema = z.strictObject({
  /** EIP-155 chain id; null for a legacy transaction without one (valid on every chain). */
  chain_id: decimal.nullable(),
  /** The sending account (the signer's address), when known. */
  from: address.nullable(),
  /** null: contract creation. */
  to: address.nullable(),
  /** Native value in wei. */
  value: decimal,
  data: hex,
  /** The first 4 bytes of `data` (lowercase), null when there are fewer. */
  selector: selector.nullable(),
  /** Canonical signature of a function the host recognises ("transfer(address,uint256)"), else null. */
  function: z.string().nullable(),
  /** 0 legacy, 1 EIP-2930, 2 EIP-1559, 3 EIP-4844, 4 EIP-7702. */
  tx_type: z.number().int().min(0).max(4),
  nonce: decimal,
  gas_limit: decimal,
  /** Types 0-1, wei per gas. */
  gas_price: decimal.nullable(),
  /** Types 2-4, wei per gas. */
  max_fee_per_gas: decimal.nullable(),
  max_priority_fee_per_gas: decimal.nullable(),
  /** The most the fees can cost, in wei (gas limit × price, plus blob gas). */
  max_fee: decimal,
  /** A recognised ERC-20 transfer or approval (by selector), decoded; null otherwise. */
  erc20: erc20CallSchema.nullable(),
});
export type TransactionContext = z.infer<typeof transactionContextSchema>;

export const typedDataContextSchema = z.strictObject({
  domain: z.strictObject({
    name: z.string().nullable(),
    version: z.string().nullable(),
    chain_id: decimal.nullable(),
    verifying_contract: address.nullable(),
    salt: hex.nullable(),
  }),
  primary_type: z.string(),
  /** The message, normalised: numbers as decimal strings, addresses EIP-55, bytes lowercase hex. */
  message: z.record(z.string(), jsonValueSchema),
  /** Whether the host recognises this kind of typed data (an EIP-2612 or DAI permit). */
  recognized: z.boolean(),
});
export type TypedDataContext = z.infer<typeof typedDataContextSchema>;

export const messageContextSchema = z.strictObject({
  /** utf8: printable text; hex: anything else (shown as hex to the operator). */
  encoding: z.enum(['utf8', 'hex']),
  /** The text when printable, else null. */
  text: z.string().nullable(),
  hex,
  length: z.number().int().min(0),
});

export const psbtContextSchema = z.strictObject({
  network: z.enum(['mainnet', 'testnet', 'regtest']),
  /** Non-default sighash types the request allows the inputs to use (blind signing unless empty). */
  allow_sighash: z.array(z.string()),
});

export const signerContextSchema = z.strictObject({
  namespace: text,
  /** The vault key id, or `hd:<wallet>` for an HD wallet account. */
  key_id: text,
  algorithm: text,
  /** The roles the requesting principal holds in the key's namespace. */
  roles: z.array(text).max(32),
  labels: z.record(text, text),
  /** The signer's address on the request's chain, when known. */
  address: z.string().max(256).nullable(),
});
export type SignerContext = z.infer<typeof signerContextSchema>;

export const environmentContextSchema = z.strictObject({
  /** Unix time in milliseconds, when the request arrived. */
  timestamp: z.number().int().min(0),
  request_id: text,
  client: z.strictObject({ transport: text, id: text, label: text }),
  /** A dry run: nothing will be signed whatever the decision. */
  simulation: z.boolean(),
});
export type EnvironmentContext = z.infer<typeof environmentContextSchema>;

export const historyContextSchema = z.strictObject({
  window_seconds: z.number().int().positive(),
  /** Native value this key sent per chain in the window (signed requests, not this one). */
  native: z.array(z.strictObject({ chain_id: decimal, spent: decimal })).max(1024),
  /** ERC-20 amounts this key transferred per chain and token in the window. */
  tokens: z.array(z.strictObject({ chain_id: decimal, token: address, spent: decimal })).max(4096),
});
export type HistoryContext = z.infer<typeof historyContextSchema>;

export const policyContextSchema = z.strictObject({
  version: z.literal(CONTEXT_VERSION),
  chain: chainSchema,
  /** shared/api/signing's request type, e.g. `eth.transaction`. */
  request_type: z.string(),
  /** The client's method, e.g. `eth_signTransaction`, `personal_sign`, `eth_sign`. */
  method: text,
  transaction: transactionContextSchema.nullable(),
  typed_data: typedDataContextSchema.nullable(),
  message: messageContextSchema.nullable(),
  psbt: psbtContextSchema.nullable(),
  /** Codes of what the decoder flagged for the operator (UNKNOWN_SELECTOR, UNLIMITED_APPROVAL, …). */
  flags: z.array(z.string()),
  signer: signerContextSchema,
  environment: environmentContextSchema,
  history: historyContextSchema,
});
export type PolicyContext = z.infer<typeof policyContextSchema>;

export interface ContextInput {
  readonly request: SigningRequest;
  /** The client's method (RequestRecord.method). */
  readonly method: string;
  readonly signer: SignerContext;
  readonly environment: EnvironmentContext;
  /** The signer's spending in the last 24 hours; none when omitted. */
  readonly history?: Omit<HistoryContext, 'window_seconds'>;
}

const EMPTY_HISTORY = { native: [], tokens: [] };

/** A transaction as JSON fields or an unsigned serialized transaction (0x hex), as the queue carries it. */
function transactionInput(payload: string): unknown {
  const t = payload.trim();
  if (/^0x[0-9a-fA-F]*$/u.test(t)) return t;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    throw new CustodyError('INVALID_INPUT', 'the transaction is not valid JSON');
  }
}

function transactionContext(request: Extract<SigningRequest, { type: 'eth.transaction' }>, from: string | null): { tx: TransactionContext; flags: string[] } {
  const input = transactionInput(request.transaction);
  const options = request.chainId === undefined ? {} : { expectedChainId: request.chainId };
  const view = describeTransaction(input, options);
  // A creation's init code is not part of the view (it shows its size and hash): read it from the one parser.
  const data = view.call?.data ?? (view.to === null ? parseTransaction(input, options).tx.data : '0x');
  const call = view.call;
  let erc20: Erc20Call | null = null;
  if (call !== null && view.to !== null && call.function !== null && (call.selector === ERC20_TRANSFER || call.selector === ERC20_APPROVE)) {
    const [who, amount] = call.args;
    if (who !== undefined && amount !== undefined) erc20 = { kind: call.selector === ERC20_TRANSFER ? 'transfer' : 'approve', token: view.to, counterparty: who.value, amount: amount.value };
  }
  return {
    tx: {
      chain_id: view.chain?.id ?? null,
      from: view.from ?? from,
      to: view.to,
      value: view.value.wei,
      data,
      selector: call?.selector ?? null,
      function: call?.function ?? null,
      tx_type: view.type,
      nonce: view.nonce,
      gas_limit: view.gas.limit,
      gas_price: view.gas.gasPrice?.wei ?? null,
      max_fee_per_gas: view.gas.maxFeePerGas?.wei ?? null,
      max_priority_fee_per_gas: view.gas.maxPriorityFeePerGas?.wei ?? null,
      max_fee: view.gas.maxFee.wei,
      erc20,
    },
    flags: view.flags.map((f) => f.code),
  };
}

function typedDataContext(request: Extract<SigningRequest, { type: 'eth.typedData' }>): { typed: TypedDataContext; flags: string[] } {
  const options = { expectedChainId: request.chainId };
  const parsed = parseTypedData(request.typedData, options);
  const view = describeTypedData(request.typedData, options);
  const d = parsed.domain;
  return {
    typed: {
      domain: { name: d.name ?? null, version: d.version ?? null, chain_id: d.chainId === undefined ? null : d.chainId.toString(), verifying_contract: d.verifyingContract ?? null, salt: d.salt ?? null },
      primary_type: parsed.primaryType,
      message: { ...parsed.message },
      recognized: view.permit !== null,
    },
    flags: view.flags.map((f) => f.code),
  };
}

function messageBytes(message: string, encoding: 'utf8' | 'hex'): Uint8Array {
  if (encoding === 'utf8') return new TextEncoder().encode(message);
  const h = message.trim().replace(/^0x/iu, '');
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/u.test(h)) throw new CustodyError('INVALID_INPUT', 'the message is not 0x-prefixed hex bytes');
  return Uint8Array.from(Buffer.from(h, 'hex'));
}

/**
 * The policy context of `input.request`.
 * @throws INVALID_INPUT when the request does not decode (exactly when signing it would fail), or
 * when signer, environment or history are malformed (the field is named).
 */
export function buildPolicyContext(input: ContextInput): PolicyContext {
  const request = input.request;
  let transaction: TransactionContext | null = null;
  let typed: TypedDataContext | null = null;
  let message: PolicyContext['message'] = null;
  let psbt: PolicyContext['psbt'] = null;
  let flags: string[] = [];
  switch (request.type) {
    case 'eth.transaction': {
      const r = transactionContext(request, input.signer.address);
      transaction = r.tx;
      flags = r.flags;
      break;
    }
    case 'eth.typedData': {
      const r = typedDataContext(request);
      typed = r.typed;
      flags = r.flags;
      break;
    }
    case 'eth.message': {
      const view = describePersonalMessage(messageBytes(request.message, request.encoding));
      message = { encoding: view.encoding, text: view.text, hex: view.hex, length: view.byteLength };
      flags = view.flags.map((f) => f.code);
      break;
    }
    case 'btc.message':
    case 'sol.message':
      message = { encoding: 'utf8', text: request.message, hex: `0x${Buffer.from(request.message, 'utf8').toString('hex')}`, length: Buffer.byteLength(request.message, 'utf8') };
      break;
    case 'btc.psbt':
      psbt = { network: request.network, allow_sighash: [...(request.allowSighash ?? [])] };
      break;
    case 'sol.transaction':
    case 'stark.invoke':
    case 'stark.typedData':
      break;
    default: {
      const never: never = request;
      throw new CustodyError('INVALID_INPUT', `unknown request type ${String((never as { type: unknown }).type)}`);
    }
  }
  return parsePolicyContext({
    version: CONTEXT_VERSION,
    chain: chainOfRequest(request.type),
    request_type: request.type,
    method: input.method,
    transaction,
    typed_data: typed,
    message,
    psbt,
    flags,
    signer: input.signer,
    environment: input.environment,
    history: { window_seconds: HISTORY_WINDOW_SECONDS, ...(input.history ?? EMPTY_HISTORY) },
  });
}

/** Format zod's first issue as `path.to.field: message`. */
export function describeIssue(error: z.ZodError, root = ''): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  const path = issue.path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc === '' ? String(p) : `${acc}.${String(p)}`), root);
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}

/**
 * Check a context (e.g. one a test or the CLI's `policy test` hands in as JSON).
 * @throws INVALID_INPUT naming the first bad field.
 */
export function parsePolicyContext(value: unknown): PolicyContext {
  const parsed = policyContextSchema.safeParse(value);
  if (!parsed.success) throw new CustodyError('INVALID_INPUT', `policy context: ${describeIssue(parsed.error)}`);
  return parsed.data;
}

/** The context as the WASM ABI's UTF-8 JSON text. */
export function contextJson(context: PolicyContext): string {
  return JSON.stringify(context);
}

/** Native wei this key spent on `chainId` in the window. */
export function nativeSpent(context: PolicyContext, chainId: string): bigint {
  return context.history.native.filter((n) => n.chain_id === chainId).reduce((sum, n) => sum + BigInt(n.spent), 0n);
}

/** Token units of `token` this key transferred on `chainId` in the window. */
export function tokenSpent(context: PolicyContext, chainId: string, token: string): bigint {
  const t = token.toLowerCase();
  return context.history.tokens.filter((n) => n.chain_id === chainId && n.token.toLowerCase() === t).reduce((sum, n) => sum + BigInt(n.spent), 0n);
}

/**
 * What signing the request of `context` spends, for the host's 24-hour sums (`history`): the
 * native value on its chain, and the amount of an ERC-20 transfer (approvals move nothing yet).
 * Record it when the request is signed; sum the records of the window into `ContextInput.history`.
 */
export function spendingOf(context: PolicyContext): { native: HistoryContext['native']; tokens: HistoryContext['tokens'] } {
  const tx = context.transaction;
  if (tx === null || tx.chain_id === null) return { native: [], tokens: [] };
  return {
    native: tx.value === '0' ? [] : [{ chain_id: tx.chain_id, spent: tx.value }],
    tokens: tx.erc20 !== null && tx.erc20.kind === 'transfer' ? [{ chain_id: tx.chain_id, token: tx.erc20.token, spent: tx.erc20.amount }] : [],
  };
}
