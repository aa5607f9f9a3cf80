/**
 * @module core/chains/starknet/transaction
 * INVOKE transaction hashes (the message a StarkNet account signs), a decoded summary, and signing
 * through a `StarkSigner`.
 *
 *  - v3 (current; Poseidon), starknet-specs / SNIP-8:
 *      h("invoke", 3, sender, h(tip, L1_GAS bound, L2_GAS bound, L1_DATA bound), h(paymaster_data),
 *        chain_id, nonce, nonce_da << 32 | fee_da, h(account_deployment_data), h(calldata))
 *    where a bound is name << 192 | max_amount (u64) << 128 | max_price_per_unit (u128). The
 *    L1_DATA bound is hashed when given (Starknet ≥ 0.13.4, RPC ≥ 0.8); transactions from before
 *    that carried two bounds.
 *  - v1 (deprecated; Pedersen): compute_hash_on_elements(["invoke", 1, sender, 0,
 *    compute_hash_on_elements(calldata), max_fee, chain_id, nonce]).
 *
 * Query versions (2^128 + v, for fee estimation) are refused: a signature over one is only good
 * for simulation. The calldata is hashed as given; for Cairo 1 accounts (OpenZeppelin included)
 * `executeCalldata` builds it from calls, and the summary decodes it back to calls when it parses
 * exactly (to, selector, args; ERC-20 transfer/approve amounts for ETH and STRK).
 *
 * Trusts felt.ts (hashes via @scure/starknet) and the signer; checks every signature with
 * keys.ts's verification before returning it.
 */
import { CustodyError } from '../../../../shared/errors.js';
import type { StarkSigner } from '../signer.js';
import { decodeShortString, encodeShortString, isNumeric, pedersenArray, poseidonArray, selectorFromName, toFelt, toHex, type FeltInput } from './felt.js';
import { MAX_STARK_HASH, verifyStarkSignature } from './keys.js';

const INVOKE = encodeShortString('invoke');
const L1_GAS = encodeShortString('L1_GAS');
const L2_GAS = encodeShortString('L2_GAS');
const L1_DATA = encodeShortString('L1_DATA');
const U64_MAX = 2n ** 64n - 1n;
const U128_MAX = 2n ** 128n - 1n;

/** Chain ids: the short strings of the chain names. */
export const STARKNET_CHAIN_IDS = { SN_MAIN: encodeShortString('SN_MAIN'), SN_SEPOLIA: encodeShortString('SN_SEPOLIA') } as const;

export interface StarknetCall {
  readonly to: FeltInput;
  /** Function name (hashed to the selector) or, with `selector`, omitted. */
  readonly entrypoint?: string;
  readonly selector?: FeltInput;
  readonly calldata: readonly FeltInput[];
}

export interface ResourceBound {
  readonly maxAmount: FeltInput;
  readonly maxPricePerUnit: FeltInput;
}

export interface InvokeV1 {
  readonly version: 1;
  readonly senderAddress: FeltInput;
  readonly calldata: readonly FeltInput[];
  readonly maxFee: FeltInput;
  readonly nonce: FeltInput;
  /** 'SN_MAIN', 'SN_SEPOLIA', another short string, or a felt. */
  readonly chainId: FeltInput;
}

export interface InvokeV3 {
  readonly version: 3;
  readonly senderAddress: FeltInput;
  readonly calldata: readonly FeltInput[];
  readonly nonce: FeltInput;
  readonly chainId: FeltInput;
  readonly resourceBounds: { readonly l1Gas: ResourceBound; readonly l2Gas: ResourceBound; readonly l1DataGas?: ResourceBound };
  readonly tip?: FeltInput;
  readonly paymasterData?: readonly FeltInput[];
  readonly accountDeploymentData?: readonly FeltInput[];
  readonly nonceDataAvailabilityMode?: 'L1' | 'L2';
  readonly feeDataAvailabilityMode?: 'L1' | 'L2';
}

export type InvokeTransaction = InvokeV1 | InvokeV3;

export interface DecodedCall {
  readonly to: string;
  readonly selector: string;
  /** The function name when the selector is one Custos knows. */
  readonly entrypoint: string | null;
  readonly calldata: readonly string[];
  /** ERC-20 transfer/approve: recipient or spender and the u256 amount. */
  readonly erc20?: { readonly token: string | null; readonly counterparty: string; readonly amount: string; readonly formatted: string | null };
}

export interface InvokeSummary {
  readonly version: 1 | 3;
  readonly senderAddress: string;
  readonly chainId: string;
  readonly nonce: string;
  /** v1: max_fee in wei (ETH); v3: Σ max_amount × max_price_per_unit over the bounds, in fri (STRK). */
  readonly maxFee: { readonly amount: string; readonly unit: 'wei' | 'fri'; readonly formatted: string };
  readonly tip: string | null;
  /** Null when the calldata is not a Cairo 1 __execute__ call list. */
  readonly calls: readonly DecodedCall[] | null;
  readonly calldata: readonly string[];
  readonly transactionHash: string;
}

export interface SignedInvoke {
  readonly transactionHash: string;
  /** [r, s] as account contracts take it. */
  readonly signature: readonly [string, string];
  readonly summary: InvokeSummary;
}

/** Calldata of a Cairo 1 account's __execute__: [n, (to, selector, len, args…)…]. */
export function executeCalldata(calls: readonly StarknetCall[]): bigint[] {
  if (!Array.isArray(calls) || calls.length === 0) throw new CustodyError('INVALID_INPUT', 'at least one call');
  const out: bigint[] = [BigInt(calls.length)];
  calls.forEach((c: StarknetCall, i: number) => {
    const selector = c.selector !== undefined ? toFelt(c.selector, `call ${i} selector`) : typeof c.entrypoint === 'string' && c.entrypoint.length > 0 ? selectorFromName(c.entrypoint) : null;
    if (selector === null) throw new CustodyError('INVALID_INPUT', `call ${i}: an entrypoint name or a selector`);
    out.push(toFelt(c.to, `call ${i} to`), selector, BigInt(c.calldata.length), ...c.calldata.map((a: FeltInput, j: number) => toFelt(a, `call ${i} calldata[${j}]`)));
  });
  return out;
}

/** The transaction hash an account signs. INVALID_INPUT for malformed or out-of-range fields. */
export function invokeTransactionHash(tx: InvokeTransaction): bigint {
  if (tx === null || typeof tx !== 'object') throw new CustodyError('INVALID_INPUT', 'an INVOKE transaction is an object');
  const sender = toFelt(tx.senderAddress, 'sender address');
  const calldata = feltList(tx.calldata, 'calldata');
  const nonce = toFelt(tx.nonce, 'nonce');
  const chainId = chainIdOf(tx.chainId);
  if (tx.version === 1) {
    return pedersenArray([INVOKE, 1n, sender, 0n, pedersenArray(calldata), toFelt(tx.maxFee, 'max fee'), chainId, nonce]);
  }
  if (tx.version === 3) {
    const rb = tx.resourceBounds;
    if (rb === null || typeof rb !== 'object' || rb.l1Gas === undefined || rb.l2Gas === undefined) throw new CustodyError('INVALID_INPUT', 'v3 needs l1Gas and l2Gas resource bounds');
    const tip = toFelt(tx.tip ?? 0n, 'tip');
    if (tip > U64_MAX) throw new CustodyError('INVALID_INPUT', 'tip is a u64');
    const bounds = [bound(L1_GAS, rb.l1Gas, 'l1Gas'), bound(L2_GAS, rb.l2Gas, 'l2Gas'), ...(rb.l1DataGas === undefined ? [] : [bound(L1_DATA, rb.l1DataGas, 'l1DataGas')])];
    const da = (daMode(tx.nonceDataAvailabilityMode) << 32n) | daMode(tx.feeDataAvailabilityMode);
    return poseidonArray([
      INVOKE,
      3n,
      sender,
      poseidonArray([tip, ...bounds]),
      poseidonArray(feltList(tx.paymasterData ?? [], 'paymaster data')),
      chainId,
      nonce,
      da,
      poseidonArray(feltList(tx.accountDeploymentData ?? [], 'account deployment data')),
      poseidonArray(calldata),
    ]);
  }
  throw new CustodyError('INVALID_INPUT', `INVOKE version ${String((tx as { version: unknown }).version)} is not supported (1 or 3; query versions are refused)`);
}

/** What a person must see before signing this INVOKE. */
export function decodeInvoke(tx: InvokeTransaction): InvokeSummary {
  const hash = invokeTransactionHash(tx);
  const calldata = feltList(tx.calldata, 'calldata');
  let maxFee: bigint;
  let unit: 'wei' | 'fri';
  if (tx.version === 1) {
    maxFee = toFelt(tx.maxFee, 'max fee');
    unit = 'wei';
  } else {
    const rb = tx.resourceBounds;
    maxFee = [rb.l1Gas, rb.l2Gas, ...(rb.l1DataGas === undefined ? [] : [rb.l1DataGas])].reduce((sum, b) => sum + toFelt(b.maxAmount, 'max amount') * toFelt(b.maxPricePerUnit, 'max price'), 0n);
    unit = 'fri';
  }
  const chainId = chainIdOf(tx.chainId);
  return {
    version: tx.version,
    senderAddress: toHex(toFelt(tx.senderAddress, 'sender address')),
    chainId: decodeShortString(chainId) ?? toHex(chainId),
    nonce: toFelt(tx.nonce, 'nonce').toString(),
    maxFee: { amount: maxFee.toString(), unit, formatted: `${formatUnits(maxFee, 18)} ${unit === 'wei' ? 'ETH' : 'STRK'}` },
    tip: tx.version === 3 ? toFelt(tx.tip ?? 0n, 'tip').toString() : null,
    calls: decodeExecuteCalldata(calldata),
    calldata: calldata.map(toHex),
    transactionHash: toHex(hash),
  };
}

/** Sign an INVOKE: the hash above, signed by `signer`, the signature verified before it is returned. */
export function signInvoke(signer: StarkSigner, tx: InvokeTransaction): SignedInvoke {
  const summary = decodeInvoke(tx);
  const { r, s } = signStarkHash(signer, BigInt(summary.transactionHash));
  return { transactionHash: summary.transactionHash, signature: [toHex(r), toHex(s)], summary };
}

/** Sign any StarkNet message hash (< 2^251) and verify the result against the signer's key. */
export function signStarkHash(signer: StarkSigner, hash: bigint): { readonly r: bigint; readonly s: bigint } {
  if (typeof hash !== 'bigint' || hash < 0n || hash >= MAX_STARK_HASH) throw new CustodyError('INVALID_INPUT', 'a Stark message hash is in [0, 2^251)');
  const sig = signer.signHash(hash);
  if (!verifyStarkSignature(hash, sig, signer.publicKey)) throw new CustodyError('INTERNAL', 'the Stark signature does not verify against the signer’s public key');
  return sig;
}

/** Cairo 1 __execute__ calldata back to calls, or null when it does not parse exactly. */
export function decodeExecuteCalldata(calldata: readonly bigint[]): DecodedCall[] | null {
  const n = calldata[0];
  if (n === undefined || n === 0n || n > 256n) return null;
  const calls: DecodedCall[] = [];
  let i = 1;
  for (let k = 0n; k < n; k++) {
    const to = calldata[i];
    const selector = calldata[i + 1];
    const len = calldata[i + 2];
    if (to === undefined || selector === undefined || len === undefined || len > BigInt(calldata.length)) return null;
    const args = calldata.slice(i + 3, i + 3 + Number(len));
    if (args.length !== Number(len)) return null;
    i += 3 + Number(len);
    calls.push(describeCall(to, selector, args));
  }
  return i === calldata.length ? calls : null;
}

const KNOWN_SELECTORS = new Map<bigint, string>(['transfer', 'approve', 'transfer_from', 'transferFrom', 'increase_allowance', 'increaseAllowance', 'decrease_allowance', 'set_approval_for_all', 'safe_transfer_from', 'multicall'].map((name) => [selectorFromName(name), name]));
const KNOWN_TOKENS = new Map<bigint, { symbol: string; decimals: number }>([
  [0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7n, { symbol: 'ETH', decimals: 18 }],
  [0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938dn, { symbol: 'STRK', decimals: 18 }],
]);

function describeCall(to: bigint, selector: bigint, args: readonly bigint[]): DecodedCall {
  const entrypoint = KNOWN_SELECTORS.get(selector) ?? null;
  const call: DecodedCall = { to: toHex(to), selector: toHex(selector), entrypoint, calldata: args.map(toHex) };
  const [counterparty, low, high] = args;
  if ((entrypoint === 'transfer' || entrypoint === 'approve') && args.length === 3 && counterparty !== undefined && low !== undefined && high !== undefined && low <= U128_MAX && high <= U128_MAX) {
    const amount = low + (high << 128n);
    const token = KNOWN_TOKENS.get(to);
    return { ...call, erc20: { token: token?.symbol ?? null, counterparty: toHex(counterparty), amount: amount.toString(), formatted: token === undefined ? null : `${formatUnits(amount, token.decimals)} ${token.symbol}` } };
  }
  return call;
}

function bound(name: bigint, b: ResourceBound, what: string): bigint {
  if (b === null || typeof b !== 'object') throw new CustodyError('INVALID_INPUT', `${what}: a resource bound is { maxAmount, maxPricePerUnit }`);
  const amount = toFelt(b.maxAmount, `${what} max amount`);
  const price = toFelt(b.maxPricePerUnit, `${what} max price per unit`);
  if (amount > U64_MAX) throw new CustodyError('INVALID_INPUT', `${what}: max amount is a u64`);
  if (price > U128_MAX) throw new CustodyError('INVALID_INPUT', `${what}: max price per unit is a u128`);
  return (name << 192n) | (amount << 128n) | price;
}

function daMode(mode: 'L1' | 'L2' | undefined): bigint {
  if (mode === undefined || mode === 'L1') return 0n;
  if (mode === 'L2') return 1n;
  throw new CustodyError('INVALID_INPUT', `data availability mode ${String(mode)} is L1 or L2`);
}

function chainIdOf(chainId: FeltInput): bigint {
  if (typeof chainId === 'string' && !isNumeric(chainId)) return encodeShortString(chainId, 'chain id');
  return toFelt(chainId, 'chain id');
}

function feltList(values: readonly FeltInput[], what: string): bigint[] {
  if (!Array.isArray(values)) throw new CustodyError('INVALID_INPUT', `${what} is a list`);
  return values.map((v, i) => toFelt(v, `${what}[${i}]`));
}

function formatUnits(amount: bigint, decimals: number): string {
  const base = 10n ** BigInt(decimals);
  const frac = (amount % base).toString().padStart(decimals, '0').replace(/0+$/, '');
  return `${amount / base}${frac === '' ? '' : `.${frac}`}`;
}
