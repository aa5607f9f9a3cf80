/**
 * @module core/chains/ethereum/describe
 * What a person must see before an Ethereum signature: each request turned into a plain JSON
 * structure (strings, numbers, booleans, arrays, objects; no bigint, no class) that a UI renders
 * and a CLI prints as is. Transactions, EIP-712 typed data, EIP-191 personal messages and EIP-7702
 * authorizations each get a view with the chain by id and name, amounts as exact decimal strings
 * with their unit and in wei, and `flags` for what deserves a second look (unlimited approval,
 * contract creation, blind calldata, delegation of the account, replayable signatures…).
 *
 * Every describe function validates its input with the same parser the signing function uses, so
 * a request that cannot be signed cannot be shown either, and what is shown is what is signed
 * (same digest, returned in the view).
 *
 * Trusts the parsers of this folder, ethers' ABI decoder (calldata.ts) and ethers'
 * verifyAuthorization to name the authority of a type-4 transaction's tuples; no network: token
 * decimals and ENS names are not looked up, so token amounts are shown as raw integers.
 */
import { keccak256, verifyAuthorization } from 'ethers';
import { assertNever } from '../../../../shared/errors.js';
import { ZERO_ADDRESS, parseAddress } from './address.js';
import { parseAuthorization, type AuthorizationOptions } from './authorization.js';
import { decodeCalldata, type DecodedArgument } from './calldata.js';
import { knownChain } from './chains.js';
import { MAX_UINT256, formatUnitsExact, invalid, toHex, toHex32, type Hex } from './encoding.js';
import { hashPersonalMessage } from './personal-message.js';
import { parseTransaction, transactionTypeName, type EthTransaction, type EthTxType, type TransactionOptions } from './transaction.js';
import { parseTypedData, type ParsedTypedData, type TypedDataField, type TypedDataOptions, type TypedValue } from './typed-data.js';

// ---------------------------------------------------------------------------------------------
// View types
// ---------------------------------------------------------------------------------------------

export type FlagLevel = 'info' | 'warning' | 'danger';

export type FlagCode =
  | 'UNKNOWN_CHAIN'
  | 'TESTNET'
  | 'NO_REPLAY_PROTECTION'
  | 'CONTRACT_CREATION'
  | 'UNKNOWN_SELECTOR'
  | 'NON_CANONICAL_CALLDATA'
  | 'UNLIMITED_APPROVAL'
  | 'APPROVAL_FOR_ALL'
  | 'REVOKES_APPROVAL'
  | 'ZERO_ADDRESS_RECIPIENT'
  | 'DELEGATION'
  | 'DELEGATION_ANY_CHAIN'
  | 'CLEARS_DELEGATION'
  | 'PERMIT'
  | 'PERMIT_NEVER_EXPIRES'
  | 'OWNER_NOT_SIGNER'
  | 'NO_CHAIN_ID'
  | 'NOT_PRINTABLE'
  | 'EMPTY_MESSAGE';

export interface Flag {
  readonly code: FlagCode;
  readonly level: FlagLevel;
  readonly message: string;
}

export interface ChainView {
  /** Decimal chain id (EIP-155). */
  readonly id: string;
  /** Known name, or null for a chain id this build does not know. */
  readonly name: string | null;
  /** Native currency symbol, or null when the chain is unknown. */
  readonly symbol: string | null;
  readonly testnet: boolean;
}

/** An amount of the chain's native currency (18 decimals). */
export interface NativeAmount {
  readonly wei: string;
  /** Exact decimal in whole units ("1.5"). */
  readonly amount: string;
  readonly symbol: string | null;
  /** "1.5 ETH", or "1.5 (native units)" on an unknown chain. */
  readonly display: string;
}

/** A per-gas price. */
export interface GasPriceView {
  readonly wei: string;
  /** Exact decimal gwei ("1.5"). */
  readonly gwei: string;
  readonly display: string;
}

export interface TxAuthorizationView {
  /** null: chain id 0, valid on every chain. */
  readonly chain: ChainView | null;
  /** The contract the authority's account will run. */
  readonly delegate: string;
  readonly clearsDelegation: boolean;
  readonly nonce: string;
  /** The account that signed the tuple (recovered), or null when its signature recovers to nothing. */
  readonly authority: string | null;
}

export interface CallView {
  readonly data: Hex;
  readonly byteLength: number;
  /** The 4-byte selector, or null when the data is shorter than 4 bytes. */
  readonly selector: Hex | null;
  /** Canonical signature of a recognised function, e.g. "transfer(address,uint256)"; null when unknown. */
  readonly function: string | null;
  readonly standard: string | null;
  readonly args: readonly DecodedArgument[];
  readonly note: string | null;
}

export interface TransactionView {
  readonly kind: 'transaction';
  readonly type: EthTxType;
  readonly typeName: string;
  /** null only for a legacy transaction without EIP-155 chain id. */
  readonly chain: ChainView | null;
  readonly from: string | null;
  /** null: contract creation. */
  readonly to: string | null;
  readonly value: NativeAmount;
  readonly nonce: string;
  readonly gas: {
    readonly limit: string;
    readonly gasPrice: GasPriceView | null;
    readonly maxFeePerGas: GasPriceView | null;
    readonly maxPriorityFeePerGas: GasPriceView | null;
    readonly maxFeePerBlobGas: GasPriceView | null;
    /** Blob gas the transaction may use (EIP-4844: 131072 per blob). */
    readonly blobGas: string | null;
    /** The most the fees can cost: gasLimit × (gasPrice or maxFeePerGas) + blobGas × maxFeePerBlobGas. */
    readonly maxFee: NativeAmount;
    /** maxFee + value. */
    readonly maxTotal: NativeAmount;
  };
  /** The call a contract receives; null when there is no data or the transaction creates a contract. */
  readonly call: CallView | null;
  /** The init code of a contract creation. */
  readonly deployment: { readonly byteLength: number; readonly codeHash: Hex } | null;
  readonly accessList: readonly { readonly address: string; readonly storageKeys: readonly Hex[] }[] | null;
  readonly blobVersionedHashes: readonly Hex[] | null;
  readonly authorizations: readonly TxAuthorizationView[] | null;
  /** The digest the key signs. */
  readonly signingHash: Hex;
  readonly flags: readonly Flag[];
}

/** One node of a typed-data tree: a leaf has `value`, a struct or array has `children`. */
export interface DisplayNode {
  readonly name: string;
  readonly type: string;
  readonly value?: string;
  readonly children?: readonly DisplayNode[];
  /** A reading aid, e.g. the chain's name beside a chain id or "maximum uint256". */
  readonly note?: string;
}

export interface PermitSummary {
  readonly standard: 'EIP-2612' | 'DAI';
  /** The token contract (the domain's verifyingContract). */
  readonly token: string | null;
  readonly tokenName: string | null;
  readonly owner: string;
  readonly spender: string;
  /** Raw token units (decimals unknown); null for a DAI permit, which allows all or nothing. */
  readonly value: string | null;
  readonly unlimited: boolean;
  /** DAI permit: true grants, false revokes. */
  readonly allowed: boolean | null;
  readonly nonce: string;
  /** Unix seconds, as signed. */
  readonly deadline: string;
  /** ISO 8601 UTC, or null when the deadline is 0 (DAI: never expires) or beyond year 9999. */
  readonly deadlineUtc: string | null;
}

export interface TypedDataView {
  readonly kind: 'typed-data';
  readonly primaryType: string;
  /** null when the domain has no chainId (allowMissingChainId). */
  readonly chain: ChainView | null;
  readonly verifyingContract: string | null;
  readonly domain: readonly DisplayNode[];
  readonly message: readonly DisplayNode[];
  readonly permit: PermitSummary | null;
  readonly encodedType: string;
  readonly domainSeparator: Hex;
  readonly hashStruct: Hex;
  readonly digest: Hex;
  readonly flags: readonly Flag[];
}

export interface PersonalMessageView {
  readonly kind: 'personal-message';
  /** 'utf8' when the message is valid UTF-8 without control or invisible characters (then `text` is set). */
  readonly encoding: 'utf8' | 'hex';
  readonly text: string | null;
  readonly hex: Hex;
  readonly byteLength: number;
  readonly digest: Hex;
  readonly flags: readonly Flag[];
}

export interface AuthorizationView {
  readonly kind: 'authorization';
  /** null: chain id 0, valid on every chain. */
  readonly chain: ChainView | null;
  readonly delegate: string;
  readonly clearsDelegation: boolean;
  readonly nonce: string;
  /** The account being delegated (the signer), when known. */
  readonly authority: string | null;
  readonly digest: Hex;
  readonly flags: readonly Flag[];
}

export type EthRequestView = TransactionView | TypedDataView | PersonalMessageView | AuthorizationView;

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

const GWEI_DECIMALS = 9;
const ETHER_DECIMALS = 18;
/** EIP-4844 GAS_PER_BLOB. */
const GAS_PER_BLOB = 131072n;

function chainView(chainId: bigint): ChainView {
  const known = knownChain(chainId);
  return { id: chainId.toString(), name: known?.name ?? null, symbol: known?.symbol ?? null, testnet: known?.testnet ?? false };
}

function chainFlags(chain: ChainView, flags: Flag[]): void {
  if (chain.name === null) flags.push({ code: 'UNKNOWN_CHAIN', level: 'warning', message: `chain ${chain.id} is not a chain this build knows: check it is the one you mean; amounts are in its native units` });
  else if (chain.testnet) flags.push({ code: 'TESTNET', level: 'info', message: `${chain.name} is a test network` });
}

function nativeAmount(wei: bigint, chain: ChainView | null): NativeAmount {
  const amount = formatUnitsExact(wei, ETHER_DECIMALS);
  const symbol = chain?.symbol ?? null;
  return { wei: wei.toString(), amount, symbol, display: symbol === null ? `${amount} (native units)` : `${amount} ${symbol}` };
}

function gasPrice(wei: bigint | undefined): GasPriceView | null {
  if (wei === undefined) return null;
  const gwei = formatUnitsExact(wei, GWEI_DECIMALS);
  return { wei: wei.toString(), gwei, display: `${gwei} gwei` };
}

const MAX_UINT256_DECIMAL = MAX_UINT256.toString();

// ---------------------------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------------------------

export interface DescribeTransactionOptions extends TransactionOptions {
  /** The signing account, when the caller knows it (shown as `from`, compared with approvals' owners). */
  readonly from?: string;
}

function callFlags(args: readonly DecodedArgument[], name: string, flags: Flag[]): void {
  const arg = (n: string): string | undefined => args.find((a) => a.name === n)?.value;
  if (name === 'approve' || name === 'increaseAllowance' || name === 'permit') {
    const amount = arg('amountOrTokenId') ?? arg('addedValue') ?? arg('value');
    if (amount === MAX_UINT256_DECIMAL) flags.push({ code: 'UNLIMITED_APPROVAL', level: 'danger', message: `unlimited approval: ${arg('spender') ?? 'the spender'} may move every token of this kind the account holds, now and later` });
  }
  if (name === 'setApprovalForAll') {
    if (arg('approved') === 'true') flags.push({ code: 'APPROVAL_FOR_ALL', level: 'danger', message: `${arg('operator') ?? 'the operator'} may transfer every token of this collection the account holds` });
    else flags.push({ code: 'REVOKES_APPROVAL', level: 'info', message: `revokes ${arg('operator') ?? 'the operator'}'s approval for all tokens of this collection` });
  }
  if ((name === 'transfer' || name === 'transferFrom' || name === 'safeTransferFrom') && arg('to') === ZERO_ADDRESS) {
    flags.push({ code: 'ZERO_ADDRESS_RECIPIENT', level: 'warning', message: 'the recipient is the zero address: tokens sent there are usually lost' });
  }
}

function describeCall(data: Hex, flags: Flag[]): CallView {
  const byteLength = (data.length - 2) / 2;
  const decoded = decodeCalldata(data);
  switch (decoded.kind) {
    case 'known': {
      const c = decoded.call;
      callFlags(c.args, c.name, flags);
      return { data, byteLength, selector: c.selector, function: c.signature, standard: c.standard, args: c.args, note: c.note ?? null };
    }
    case 'non-canonical':
      flags.push({ code: 'NON_CANONICAL_CALLDATA', level: 'danger', message: `the data starts with the selector of ${decoded.signature} (${decoded.standard}) but is not its canonical encoding: it cannot be shown reliably` });
      return { data, byteLength, selector: decoded.selector, function: null, standard: null, args: [], note: null };
    case 'unknown':
      flags.push({
        code: 'UNKNOWN_SELECTOR',
        level: 'danger',
        message: decoded.selector === null ? 'the data is shorter than a function selector: blind signing' : `unknown function ${decoded.selector}: what this call does cannot be shown (blind signing)`,
      });
      return { data, byteLength, selector: decoded.selector, function: null, standard: null, args: [], note: null };
    default:
      return assertNever(decoded, 'calldata kind');
  }
}

function describeTxAuthorization(a: NonNullable<EthTransaction['authorizationList']>[number]): TxAuthorizationView {
  let authority: string | null;
  try {
    authority = verifyAuthorization({ chainId: a.chainId, address: a.address, nonce: a.nonce }, { r: toHex32(a.r), s: toHex32(a.s), yParity: a.yParity });
  } catch {
    authority = null;
  }
  return { chain: a.chainId === 0n ? null : chainView(a.chainId), delegate: a.address, clearsDelegation: a.address === ZERO_ADDRESS, nonce: a.nonce.toString(), authority };
}

/**
 * The view of an unsigned transaction (JSON fields or 0x-hex unsigned serialization).
 * @throws INVALID_INPUT exactly when signTransaction would.
 */
export function describeTransaction(input: unknown, options: DescribeTransactionOptions = {}): TransactionView {
  const { tx, signingHash } = parseTransaction(input, options);
  const flags: Flag[] = [];
  const chain = tx.chainId === 0n ? null : chainView(tx.chainId);
  if (chain === null) flags.push({ code: 'NO_REPLAY_PROTECTION', level: 'danger', message: 'no chain id (pre-EIP-155): anyone can replay this transaction on every chain' });
  else chainFlags(chain, flags);
  const optionFrom = options.from === undefined ? undefined : parseAddress(options.from, 'from');
  if (optionFrom !== undefined && tx.from !== undefined && optionFrom !== tx.from) throw invalid(`the transaction's from (${tx.from}) is not the signing account (${optionFrom})`);
  const from = optionFrom ?? tx.from ?? null;

  let call: CallView | null = null;
  let deployment: TransactionView['deployment'] = null;
  if (tx.to === null) {
    flags.push({ code: 'CONTRACT_CREATION', level: 'warning', message: 'this transaction deploys a new contract (no recipient)' });
    deployment = { byteLength: (tx.data.length - 2) / 2, codeHash: keccak256(tx.data) as Hex };
  } else if (tx.data !== '0x') {
    call = describeCall(tx.data, flags);
  } else if (tx.to === ZERO_ADDRESS) {
    flags.push({ code: 'ZERO_ADDRESS_RECIPIENT', level: 'warning', message: 'the recipient is the zero address: value sent there is lost' });
  }

  const perGas = tx.gasPrice ?? tx.maxFeePerGas ?? 0n;
  const blobGas = tx.blobVersionedHashes === undefined ? null : BigInt(tx.blobVersionedHashes.length) * GAS_PER_BLOB;
  const maxFee = tx.gasLimit * perGas + (blobGas ?? 0n) * (tx.maxFeePerBlobGas ?? 0n);

  let authorizations: TxAuthorizationView[] | null = null;
  if (tx.authorizationList !== undefined) {
    authorizations = tx.authorizationList.map(describeTxAuthorization);
    for (const a of authorizations) {
      const who = a.authority ?? 'an account';
      if (a.clearsDelegation) flags.push({ code: 'CLEARS_DELEGATION', level: 'info', message: `clears the code delegation of ${who}` });
      else flags.push({ code: 'DELEGATION', level: 'danger', message: `${who} delegates its account to the code at ${a.delegate}: that contract will act for the account` });
      if (a.chain === null) flags.push({ code: 'DELEGATION_ANY_CHAIN', level: 'danger', message: `the authorization of ${who} is valid on every chain (chain id 0)` });
    }
  }

  return {
    kind: 'transaction',
    type: tx.type,
    typeName: transactionTypeName(tx.type),
    chain,
    from,
    to: tx.to,
    value: nativeAmount(tx.value, chain),
    nonce: tx.nonce.toString(),
    gas: {
      limit: tx.gasLimit.toString(),
      gasPrice: gasPrice(tx.gasPrice),
      maxFeePerGas: gasPrice(tx.maxFeePerGas),
      maxPriorityFeePerGas: gasPrice(tx.maxPriorityFeePerGas),
      maxFeePerBlobGas: gasPrice(tx.maxFeePerBlobGas),
      blobGas: blobGas === null ? null : blobGas.toString(),
      maxFee: nativeAmount(maxFee, chain),
      maxTotal: nativeAmount(maxFee + tx.value, chain),
    },
    call,
    deployment,
    accessList: tx.accessList === undefined ? null : tx.accessList.map((e) => ({ address: e.address, storageKeys: [...e.storageKeys] })),
    blobVersionedHashes: tx.blobVersionedHashes === undefined ? null : [...tx.blobVersionedHashes],
    authorizations,
    signingHash,
    flags,
  };
}

// ---------------------------------------------------------------------------------------------
// Typed data
// ---------------------------------------------------------------------------------------------

export interface DescribeTypedDataOptions extends TypedDataOptions {
  /** The signing account, when known: a permit whose owner differs is flagged. */
  readonly signer?: string;
}

function leafNote(type: string, value: string): string | undefined {
  if (type === 'uint256' && value === MAX_UINT256_DECIMAL) return 'maximum uint256';
  return undefined;
}

function valueTree(types: ParsedTypedData['types'], name: string, type: string, value: TypedValue): DisplayNode {
  if (Array.isArray(value)) {
    const inner = type.slice(0, type.lastIndexOf('['));
    return { name, type, children: (value as readonly TypedValue[]).map((v, i) => valueTree(types, `[${i}]`, inner, v)) };
  }
  if (typeof value === 'object') {
    const fields = types[type] ?? [];
    const struct = value as { readonly [member: string]: TypedValue };
    return { name, type, children: fields.map((f: TypedDataField) => valueTree(types, f.name, f.type, struct[f.name] as TypedValue)) };
  }
  const shown = typeof value === 'boolean' ? (value ? 'true' : 'false') : value;
  const note = leafNote(type, shown);
  return note === undefined ? { name, type, value: shown } : { name, type, value: shown, note };
}

function deadlineUtc(seconds: string): string | null {
  const s = BigInt(seconds);
  // Date covers ±8.64e15 ms; anything past year 9999 is "never" for a person.
  if (s === 0n || s > 253402300799n) return null;
  return new Date(Number(s) * 1000).toISOString();
}

/** EIP-2612 `Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)` and DAI's older permit. */
function permitSummary(parsed: ParsedTypedData): PermitSummary | null {
  if (parsed.primaryType !== 'Permit') return null;
  const shape = (parsed.types['Permit'] ?? []).map((f) => `${f.type} ${f.name}`).join(',');
  const m = parsed.message as Record<string, string | boolean>;
  const token = parsed.domain.verifyingContract ?? null;
  const tokenName = parsed.domain.name ?? null;
  if (shape === 'address owner,address spender,uint256 value,uint256 nonce,uint256 deadline') {
    const deadline = m['deadline'] as string;
    return {
      standard: 'EIP-2612',
      token,
      tokenName,
      owner: m['owner'] as string,
      spender: m['spender'] as string,
      value: m['value'] as string,
      unlimited: m['value'] === MAX_UINT256_DECIMAL,
      allowed: null,
      nonce: m['nonce'] as string,
      deadline,
      deadlineUtc: deadlineUtc(deadline),
    };
  }
  if (shape === 'address holder,address spender,uint256 nonce,uint256 expiry,bool allowed') {
    const deadline = m['expiry'] as string;
    return {
      standard: 'DAI',
      token,
      tokenName,
      owner: m['holder'] as string,
      spender: m['spender'] as string,
      value: null,
      unlimited: m['allowed'] === true,
      allowed: m['allowed'] === true,
      nonce: m['nonce'] as string,
      deadline,
      deadlineUtc: deadlineUtc(deadline),
    };
  }
  return null;
}

/**
 * The view of `eth_signTypedData_v4` input: the domain and the message as trees.
 * @throws INVALID_INPUT exactly when signTypedData would (including a chain id mismatch).
 */
export function describeTypedData(input: unknown, options: DescribeTypedDataOptions): TypedDataView {
  const parsed = parseTypedData(input, options);
  const signer = options.signer === undefined ? null : parseAddress(options.signer, 'signer');
  const flags: Flag[] = [];
  const chain = parsed.domain.chainId === undefined ? null : chainView(parsed.domain.chainId);
  if (chain === null) flags.push({ code: 'NO_CHAIN_ID', level: 'danger', message: 'the domain has no chain id: the signature is valid on every chain' });
  else chainFlags(chain, flags);

  const domain: DisplayNode[] = parsed.domainType.map((f) => {
    const raw = parsed.domain[f.name as keyof ParsedTypedData['domain']];
    const value = typeof raw === 'bigint' ? raw.toString() : (raw as string);
    if (f.name === 'chainId' && chain !== null) return { name: f.name, type: f.type, value, note: chain.name ?? 'unknown chain' };
    return { name: f.name, type: f.type, value };
  });
  const root = valueTree(parsed.types, parsed.primaryType, parsed.primaryType, parsed.message);

  const permit = permitSummary(parsed);
  if (permit !== null) {
    flags.push({ code: 'PERMIT', level: 'warning', message: `this signature lets ${permit.spender} spend ${permit.tokenName ?? 'the token'}${permit.token === null ? '' : ` (${permit.token})`} from ${permit.owner} without a further transaction` });
    if (permit.unlimited) flags.push({ code: 'UNLIMITED_APPROVAL', level: 'danger', message: `unlimited approval: ${permit.spender} may move every ${permit.tokenName ?? 'token'} the owner holds` });
    if (permit.standard === 'EIP-2612' && permit.deadlineUtc === null) flags.push({ code: 'PERMIT_NEVER_EXPIRES', level: 'warning', message: 'the permit has no practical deadline' });
    if (permit.standard === 'DAI' && permit.deadline === '0') flags.push({ code: 'PERMIT_NEVER_EXPIRES', level: 'warning', message: 'the permit never expires (expiry 0)' });
    if (signer !== null && permit.owner !== signer) flags.push({ code: 'OWNER_NOT_SIGNER', level: 'warning', message: `the permit's owner ${permit.owner} is not the signing account ${signer}` });
  } else if (/permit/i.test(parsed.primaryType)) {
    flags.push({ code: 'PERMIT', level: 'warning', message: `${parsed.primaryType} looks like a token permit: the signature may let someone spend tokens without a further transaction` });
  }

  return {
    kind: 'typed-data',
    primaryType: parsed.primaryType,
    chain,
    verifyingContract: parsed.domain.verifyingContract ?? null,
    domain,
    message: root.children ?? [],
    permit,
    encodedType: parsed.encodedType,
    domainSeparator: parsed.domainSeparator,
    hashStruct: parsed.hashStruct,
    digest: parsed.digest,
    flags,
  };
}

// ---------------------------------------------------------------------------------------------
// Personal messages
// ---------------------------------------------------------------------------------------------

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Control (Cc) except tab/newline/CR, format (Cf: bidi overrides, zero-width, BOM), private use, unassigned, line/paragraph separators. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\u2028\u2029]/u;
const ALLOWED_CONTROLS = /[\t\n\r]/g;

/** The message as text when a person can read every character of it, else null. */
function printableText(message: Uint8Array): string | null {
  let text: string;
  try {
    text = utf8.decode(message);
  } catch {
    return null;
  }
  return HIDDEN.test(text.replace(ALLOWED_CONTROLS, '')) ? null : text;
}

/** The view of a `personal_sign` message (bytes): UTF-8 text when printable, else hex. */
export function describePersonalMessage(message: Uint8Array): PersonalMessageView {
  const digest = hashPersonalMessage(message);
  const text = printableText(message);
  const flags: Flag[] = [];
  if (message.length === 0) flags.push({ code: 'EMPTY_MESSAGE', level: 'warning', message: 'the message is empty' });
  else if (text === null) flags.push({ code: 'NOT_PRINTABLE', level: 'warning', message: 'the message is not readable text (invalid UTF-8, or control or invisible characters): shown as hex' });
  return { kind: 'personal-message', encoding: text === null ? 'hex' : 'utf8', text, hex: toHex(message), byteLength: message.length, digest, flags };
}

// ---------------------------------------------------------------------------------------------
// EIP-7702 authorizations
// ---------------------------------------------------------------------------------------------

export interface DescribeAuthorizationOptions extends AuthorizationOptions {
  /** The signing account (the authority), when known. */
  readonly signer?: string;
}

/**
 * The view of an EIP-7702 authorization to sign.
 * @throws INVALID_INPUT exactly when signAuthorization would.
 */
export function describeAuthorization(input: unknown, options: DescribeAuthorizationOptions): AuthorizationView {
  const auth = parseAuthorization(input, options);
  const authority = options.signer === undefined ? null : parseAddress(options.signer, 'signer');
  const flags: Flag[] = [];
  const chain = auth.chainId === 0n ? null : chainView(auth.chainId);
  const clears = auth.address === ZERO_ADDRESS;
  if (clears) flags.push({ code: 'CLEARS_DELEGATION', level: 'info', message: 'clears the account\'s code delegation' });
  else flags.push({ code: 'DELEGATION', level: 'danger', message: `delegates the account to the code at ${auth.address}: that contract will be able to act for the account, move its funds included` });
  if (chain === null) flags.push({ code: 'DELEGATION_ANY_CHAIN', level: 'danger', message: 'chain id 0: the authorization is valid on every chain' });
  else chainFlags(chain, flags);
  return { kind: 'authorization', chain, delegate: auth.address, clearsDelegation: clears, nonce: auth.nonce.toString(), authority, digest: auth.digest, flags };
}
