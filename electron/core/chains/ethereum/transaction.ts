/**
 * @module core/chains/ethereum/transaction
 * Ethereum transactions: validate an unsigned transaction, RLP-encode it with ethers, have a
 * signer sign keccak256 of the unsigned serialization, and return the signed raw transaction and
 * its hash. Five types:
 *  - 0 legacy, replay-protected by EIP-155 (v = chainId·2 + 35 + y parity);
 *  - 1 EIP-2930 access lists, 2 EIP-1559 fee market, 3 EIP-4844 blob transactions (the
 *    transaction only: blobs, commitments and proofs travel in a network wrapper that is not
 *    signed, so none is accepted here), 4 EIP-7702 set-code transactions with their signed
 *    authorization list; all EIP-2718 envelopes `type ‖ rlp(fields)`.
 *
 * Input is either JSON fields (the `eth_signTransaction` shape: quantities as 0x-hex, decimal
 * strings or numbers; `gas`/`gasLimit` and `input`/`data` both accepted) or the 0x-hex unsigned
 * serialization. Both paths end in the same field validation, and serialized input must be the
 * canonical encoding of what it decodes to (the decoded fields are encoded again and the bytes
 * must be equal), so no second reading of the same bytes can exist between what is shown and what
 * is signed.
 *
 * Fail closed: every field a type does not define is refused (ethers would silently drop a
 * `gasPrice` on a type-2 transaction), fees and nonce are required (never guessed), a chain id is
 * required (a legacy transaction without one needs `allowUnprotected`), EIP-1559 priority fee ≤
 * max fee, EIP-4844 needs `to` and at least one versioned hash with version byte 0x01, EIP-7702
 * needs `to` and a non-empty authorization list whose signatures are low-S. Anything else is
 * INVALID_INPUT and nothing is signed.
 *
 * Serialize once: ethers' `encodeRlp` encodes the unsigned fields, and the signed form reuses that
 * payload with the signature appended (RLP, Yellow Paper Appendix B) instead of encoding every
 * field again; keccak-256 is noble's over bytes (the function ethers wraps, minus its hex round
 * trips). Both are checked against ethers' own Transaction for every type by the tests.
 *
 * Trusts ethers to decode serialized input (Transaction.from) and to RLP-encode, noble for
 * keccak-256, the signer as signing.ts says; trusts nothing in the input.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { Transaction, encodeRlp, getBytes, toBeArray } from 'ethers';
import { assertNever } from '../../../../shared/errors.js';
import type { Secp256k1Signer } from '../signer.js';
import { parseAddress } from './address.js';
import {
  MAX_UINT64,
  assertObjectWithKeys,
  invalid,
  parseChainId,
  parseHexBytes,
  parseHexString,
  parseQuantity,
  bytesEqual,
  toHex,
  toHex32,
  toQuantityHex,
  type Hex,
  type QuantityLike,
} from './encoding.js';
import { signDigest, signerAddress } from './signing.js';

export type EthTxType = 0 | 1 | 2 | 3 | 4;

export interface AccessListEntry {
  readonly address: string;
  readonly storageKeys: readonly Hex[];
}

/** An EIP-7702 authorization tuple as it sits in a type-4 transaction (already signed by its authority). */
export interface TxAuthorization {
  /** 0 means valid on any chain (EIP-7702). */
  readonly chainId: bigint;
  readonly address: string;
  readonly nonce: bigint;
  readonly yParity: 0 | 1;
  readonly r: bigint;
  readonly s: bigint;
}

/** A validated unsigned transaction. Fields a type does not define are absent. */
export interface EthTransaction {
  readonly type: EthTxType;
  /** 0n only for a legacy transaction signed without EIP-155 (allowUnprotected). */
  readonly chainId: bigint;
  readonly nonce: bigint;
  /** null: contract creation (types 0-2 only). */
  readonly to: string | null;
  readonly value: bigint;
  readonly data: Hex;
  readonly gasLimit: bigint;
  readonly gasPrice?: bigint;
  readonly maxFeePerGas?: bigint;
  readonly maxPriorityFeePerGas?: bigint;
  readonly accessList?: readonly AccessListEntry[];
  readonly maxFeePerBlobGas?: bigint;
  readonly blobVersionedHashes?: readonly Hex[];
  readonly authorizationList?: readonly TxAuthorization[];
  /** The sender the request claims (JSON `from`); checked against the signer when signing. */
  readonly from?: string;
}

export interface ParsedTransaction {
  readonly tx: EthTransaction;
  /** The unsigned serialization (legacy: EIP-155 RLP with chainId, 0, 0). */
  readonly unsignedSerialized: Hex;
  /** keccak256(unsignedSerialized): the digest the key signs. */
  readonly signingHash: Hex;
}

export interface TransactionOptions {
  /** When given, the transaction's chainId must equal it (the chain the request arrived for). */
  readonly expectedChainId?: QuantityLike;
  /** Allow a legacy transaction without an EIP-155 chain id: it is valid on every chain. Default false. */
  readonly allowUnprotected?: boolean;
}

export interface SignedTransaction {
  readonly type: EthTxType;
  /** The signed transaction, ready for eth_sendRawTransaction. */
  readonly rawTransaction: Hex;
  /** The transaction hash: keccak256(rawTransaction) (EIP-2718). */
  readonly hash: Hex;
  /** The digest that was signed. */
  readonly signingHash: Hex;
  /** The signer's EIP-55 address (what `Transaction.from(rawTransaction).from` recovers). */
  readonly from: string;
  readonly r: Hex;
  readonly s: Hex;
  readonly yParity: 0 | 1;
  /** Legacy: the EIP-155 v (chainId·2 + 35 + yParity, or 27/28 unprotected); typed: yParity. As a quantity. */
  readonly v: Hex;
}

const N = secp256k1.Point.CURVE().n;
const HALF_N = N >> 1n;
/** ethers holds a nonce as a JS number. EIP-2681 allows up to 2^64 − 2; no account will get near 2^53. */
const MAX_NONCE = BigInt(Number.MAX_SAFE_INTEGER);
/** EIP-4844 VERSIONED_HASH_VERSION_KZG. */
const BLOB_HASH_VERSION = '0x01';

const TYPE_NAMES: Readonly<Record<EthTxType, string>> = {
  0: 'legacy',
  1: 'EIP-2930',
  2: 'EIP-1559',
  3: 'EIP-4844',
  4: 'EIP-7702',
};

export function transactionTypeName(type: EthTxType): string {
  return TYPE_NAMES[type];
}

function withArticle(type: EthTxType): string {
  return type === 0 ? 'a legacy' : `an ${TYPE_NAMES[type]}`;
}

const COMMON_KEYS = ['type', 'chainId', 'nonce', 'to', 'value', 'data', 'input', 'gas', 'gasLimit', 'from'];
const FEE_MARKET_KEYS = ['maxFeePerGas', 'maxPriorityFeePerGas', 'accessList'];
const KEYS_BY_TYPE: Readonly<Record<EthTxType, readonly string[]>> = {
  0: [...COMMON_KEYS, 'gasPrice'],
  1: [...COMMON_KEYS, 'gasPrice', 'accessList'],
  2: [...COMMON_KEYS, ...FEE_MARKET_KEYS],
  3: [...COMMON_KEYS, ...FEE_MARKET_KEYS, 'maxFeePerBlobGas', 'blobVersionedHashes'],
  4: [...COMMON_KEYS, ...FEE_MARKET_KEYS, 'authorizationList'],
};
const ALL_KEYS = [...new Set(Object.values(KEYS_BY_TYPE).flat())];

// ---------------------------------------------------------------------------------------------
// Field validation (one path for JSON and decoded serializations)
// ---------------------------------------------------------------------------------------------

function parseType(value: unknown): EthTxType {
  const type = parseQuantity(value, 'type', 255n);
  if (type > 4n) throw invalid(`transaction type ${type} is not supported (0 to 4)`);
  return Number(type) as EthTxType;
}

/** The type a JSON request without `type` means, from the fields it carries (as ethers and wallets infer it). */
function inferType(f: Record<string, unknown>): EthTxType {
  const has = (key: string): boolean => f[key] !== undefined;
  if (has('authorizationList')) return 4;
  if (has('blobVersionedHashes') || has('maxFeePerBlobGas')) return 3;
  if (has('maxFeePerGas') || has('maxPriorityFeePerGas')) return 2;
  if (has('gasPrice')) return has('accessList') ? 1 : 0;
  throw invalid('transaction has no type and no fee fields: give type and gasPrice or maxFeePerGas/maxPriorityFeePerGas');
}

/** `a` and its alias `b` (gas/gasLimit, input/data): either, or both when equal. */
function aliased(f: Record<string, unknown>, a: string, b: string, same: (x: unknown, y: unknown) => boolean): unknown {
  const x = f[a];
  const y = f[b];
  if (x !== undefined && y !== undefined && !same(x, y)) throw invalid(`transaction gives both ${a} and ${b} with different values`);
  return x ?? y;
}

function parseAccessList(value: unknown): AccessListEntry[] {
  if (!Array.isArray(value)) throw invalid('accessList must be an array of { address, storageKeys }');
  return (value as unknown[]).map((entry, i) => {
    assertObjectWithKeys(entry, ['address', 'storageKeys'], `accessList[${i}]`);
    const keys = entry['storageKeys'];
    if (!Array.isArray(keys)) throw invalid(`accessList[${i}].storageKeys must be an array of 32-byte hex keys`);
    return {
      address: parseAddress(entry['address'], `accessList[${i}].address`),
      storageKeys: (keys as unknown[]).map((key, j) => parseHexString(key, `accessList[${i}].storageKeys[${j}]`, 32)),
    };
  });
}

function parseYParity(value: unknown, what: string): 0 | 1 {
  const y = parseQuantity(value, what, 1n);
  return y === 0n ? 0 : 1;
}

function parseAuthorizationList(value: unknown): TxAuthorization[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid('authorizationList must be a non-empty array (EIP-7702)');
  return (value as unknown[]).map((entry, i) => {
    const what = `authorizationList[${i}]`;
    assertObjectWithKeys(entry, ['chainId', 'address', 'nonce', 'yParity', 'r', 's'], what);
    const r = parseQuantity(entry['r'], `${what}.r`);
    const s = parseQuantity(entry['s'], `${what}.s`);
    // EIP-7702: s ≤ secp256k1n/2, and r, s in [1, n−1]; a tuple failing this is skipped on chain.
    if (r < 1n || r >= N || s < 1n || s > HALF_N) throw invalid(`${what} is not a valid low-S signature`);
    return {
      chainId: parseQuantity(entry['chainId'], `${what}.chainId`),
      address: parseAddress(entry['address'], `${what}.address`),
      nonce: parseQuantity(entry['nonce'], `${what}.nonce`, MAX_UINT64 - 1n),
      yParity: parseYParity(entry['yParity'], `${what}.yParity`),
      r,
      s,
    };
  });
}

function parseBlobHashes(value: unknown): Hex[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid('blobVersionedHashes must be a non-empty array (EIP-4844)');
  return (value as unknown[]).map((hash, i) => {
    const h = parseHexString(hash, `blobVersionedHashes[${i}]`, 32);
    if (!h.startsWith(BLOB_HASH_VERSION)) throw invalid(`blobVersionedHashes[${i}] does not start with the KZG version byte 0x01`);
    return h;
  });
}

function required(f: Record<string, unknown>, key: string, type: EthTxType): unknown {
  const v = f[key];
  if (v === undefined) throw invalid(`${withArticle(type)} transaction needs ${key}`);
  return v;
}

/** Validate JSON transaction fields. Exported for describe.ts; signTransaction calls it. */
export function parseTransactionFields(input: unknown, options: TransactionOptions = {}): EthTransaction {
  assertObjectWithKeys(input, ALL_KEYS, 'transaction');
  // JSON-RPC producers send null for absent optional fields (`to: null` for a creation).
  const f: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (v !== null) f[k] = v;

  const type = f['type'] === undefined ? inferType(f) : parseType(f['type']);
  for (const key of Object.keys(f)) {
    if (!KEYS_BY_TYPE[type].includes(key)) throw invalid(`${withArticle(type)} (type ${type}) transaction has no field ${key}`);
  }

  let chainId: bigint;
  if (type === 0 && options.allowUnprotected === true && (f['chainId'] === undefined || parseQuantity(f['chainId'], 'chainId') === 0n)) {
    chainId = 0n;
  } else {
    if (f['chainId'] === undefined) {
      throw invalid(type === 0 ? 'a legacy transaction needs chainId (EIP-155); without one it is valid on every chain (allowUnprotected)' : `${withArticle(type)} transaction needs chainId`);
    }
    chainId = parseChainId(f['chainId'], 'chainId');
  }
  // An unprotected legacy transaction (allowed above) is valid on every chain, the expected one included.
  if (options.expectedChainId !== undefined && chainId !== 0n) {
    const expected = parseChainId(options.expectedChainId, 'expectedChainId');
    if (chainId !== expected) throw invalid(`the transaction is for chain ${chainId}, but the request is for chain ${expected}`);
  }

  const gasLimit = aliased(f, 'gasLimit', 'gas', (x, y) => parseQuantity(x, 'gasLimit') === parseQuantity(y, 'gas'));
  if (gasLimit === undefined) throw invalid(`${withArticle(type)} transaction needs gasLimit (or gas)`);
  const data = aliased(f, 'data', 'input', (x, y) => parseHexString(x, 'data') === parseHexString(y, 'input'));
  const to = f['to'] === undefined ? null : parseAddress(f['to'], 'to');
  if (to === null && (type === 3 || type === 4)) throw invalid(`${withArticle(type)} transaction cannot create a contract: it needs to`);

  const tx: { -readonly [K in keyof EthTransaction]: EthTransaction[K] } = {
    type,
    chainId,
    nonce: parseQuantity(required(f, 'nonce', type), 'nonce', MAX_NONCE),
    to,
    value: f['value'] === undefined ? 0n : parseQuantity(f['value'], 'value'),
    data: data === undefined ? '0x' : parseHexString(data, 'data'),
    gasLimit: parseQuantity(gasLimit, 'gasLimit', MAX_UINT64),
  };
  if (type === 0 || type === 1) {
    tx.gasPrice = parseQuantity(required(f, 'gasPrice', type), 'gasPrice');
  } else {
    tx.maxFeePerGas = parseQuantity(required(f, 'maxFeePerGas', type), 'maxFeePerGas');
    tx.maxPriorityFeePerGas = parseQuantity(required(f, 'maxPriorityFeePerGas', type), 'maxPriorityFeePerGas');
    // EIP-1559: a transaction with max_priority_fee_per_gas > max_fee_per_gas is invalid.
    if (tx.maxPriorityFeePerGas > tx.maxFeePerGas) throw invalid(`maxPriorityFeePerGas (${tx.maxPriorityFeePerGas}) exceeds maxFeePerGas (${tx.maxFeePerGas})`);
  }
  if (type !== 0) tx.accessList = f['accessList'] === undefined ? [] : parseAccessList(f['accessList']);
  if (type === 3) {
    tx.maxFeePerBlobGas = parseQuantity(required(f, 'maxFeePerBlobGas', type), 'maxFeePerBlobGas');
    tx.blobVersionedHashes = parseBlobHashes(required(f, 'blobVersionedHashes', type));
  }
  if (type === 4) tx.authorizationList = parseAuthorizationList(required(f, 'authorizationList', type));
  if (f['from'] !== undefined) tx.from = parseAddress(f['from'], 'from');
  return tx;
}

// ---------------------------------------------------------------------------------------------
// Serialization
// ---------------------------------------------------------------------------------------------

type RlpItem = Uint8Array | string | RlpItem[];

/** An RLP integer: big-endian without leading zeros, 0 as the empty string (Yellow Paper App. B). */
function int(value: bigint): Uint8Array {
  return toBeArray(value);
}

/**
 * The unsigned fields in each type's order: legacy (EIP-155 appends chainId, 0, 0), EIP-2930,
 * EIP-1559, EIP-4844 and EIP-7702 as their specifications list them.
 */
function unsignedFields(tx: EthTransaction): RlpItem[] {
  const to = tx.to ?? '0x';
  const accessList = (): RlpItem[] => (tx.accessList ?? []).map((e) => [e.address, [...e.storageKeys]]);
  switch (tx.type) {
    case 0: {
      const fields: RlpItem[] = [int(tx.nonce), int(tx.gasPrice ?? 0n), int(tx.gasLimit), to, int(tx.value), tx.data];
      if (tx.chainId !== 0n) fields.push(int(tx.chainId), '0x', '0x');
      return fields;
    }
    case 1:
      return [int(tx.chainId), int(tx.nonce), int(tx.gasPrice ?? 0n), int(tx.gasLimit), to, int(tx.value), tx.data, accessList()];
    case 2:
    case 3:
    case 4: {
      const fields: RlpItem[] = [int(tx.chainId), int(tx.nonce), int(tx.maxPriorityFeePerGas ?? 0n), int(tx.maxFeePerGas ?? 0n), int(tx.gasLimit), to, int(tx.value), tx.data, accessList()];
      if (tx.type === 3) fields.push(int(tx.maxFeePerBlobGas ?? 0n), [...(tx.blobVersionedHashes ?? [])]);
      if (tx.type === 4) fields.push((tx.authorizationList ?? []).map((a) => [int(a.chainId), a.address, int(a.nonce), int(BigInt(a.yParity)), int(a.r), int(a.s)]));
      return fields;
    }
    default:
      return assertNever(tx.type, 'transaction type');
  }
}

/** The unsigned serialization: `rlp(fields)` (legacy) or `type ‖ rlp(fields)` (EIP-2718). */
function serializeUnsigned(tx: EthTransaction): Uint8Array {
  const rlp = getBytes(encodeRlp(unsignedFields(tx)));
  if (tx.type === 0) return rlp;
  const out = new Uint8Array(rlp.length + 1);
  out[0] = tx.type;
  out.set(rlp, 1);
  return out;
}

/** RLP string header + body (Yellow Paper App. B, R_b). */
function rlpString(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 1 && (bytes[0] as number) < 0x80) return bytes;
  return concatBytes(rlpLength(bytes.length, 0x80), bytes);
}

/** The header of an RLP string (offset 0x80) or list (offset 0xc0) with a payload of `length` bytes. */
function rlpLength(length: number, offset: 0x80 | 0xc0): Uint8Array {
  if (length <= 55) return Uint8Array.of(offset + length);
  const len = toBeArray(BigInt(length));
  return concatBytes(Uint8Array.of(offset + 55 + len.length), len);
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The signed serialization from the unsigned one, without encoding the fields again: the list's
 * payload is kept and the signature appended — [yParity, r, s] for typed transactions; for
 * legacy the EIP-155 tail (chainId, 0, 0) is replaced by [v, r, s].
 */
function serializeSigned(tx: EthTransaction, unsigned: Uint8Array, v: bigint, r: bigint, s: bigint): Uint8Array {
  const prefix = tx.type === 0 ? 0 : 1;
  const head = unsigned[prefix] as number;
  const payloadStart = prefix + (head <= 0xf7 ? 1 : 1 + head - 0xf7);
  let payloadEnd = unsigned.length;
  if (tx.type === 0 && tx.chainId !== 0n) payloadEnd -= rlpString(int(tx.chainId)).length + 2;
  const tail = concatBytes(rlpString(int(v)), rlpString(int(r)), rlpString(int(s)));
  const payloadLength = payloadEnd - payloadStart + tail.length;
  const header = rlpLength(payloadLength, 0xc0);
  const out = new Uint8Array(prefix + header.length + payloadLength);
  if (prefix === 1) out[0] = tx.type;
  out.set(header, prefix);
  out.set(unsigned.subarray(payloadStart, payloadEnd), prefix + header.length);
  out.set(tail, prefix + header.length + payloadEnd - payloadStart);
  return out;
}

/** Fields of a transaction ethers decoded, in the JSON shape parseTransactionFields takes. */
function fieldsOf(t: Transaction): Record<string, unknown> {
  const type = t.type;
  const f: Record<string, unknown> = { type, nonce: t.nonce, to: t.to, value: t.value, data: t.data, gasLimit: t.gasLimit };
  if (!(type === 0 && t.chainId === 0n)) f['chainId'] = t.chainId;
  if (type === 0 || type === 1) f['gasPrice'] = t.gasPrice;
  else {
    f['maxFeePerGas'] = t.maxFeePerGas;
    f['maxPriorityFeePerGas'] = t.maxPriorityFeePerGas;
  }
  if (type !== 0) f['accessList'] = t.accessList;
  if (type === 3) {
    f['maxFeePerBlobGas'] = t.maxFeePerBlobGas;
    f['blobVersionedHashes'] = t.blobVersionedHashes;
  }
  if (type === 4) {
    f['authorizationList'] = (t.authorizationList ?? []).map((a) => ({
      chainId: a.chainId,
      address: a.address,
      nonce: a.nonce,
      yParity: a.signature.yParity,
      r: a.signature.r,
      s: a.signature.s,
    }));
  }
  return f;
}

function decodeSerialized(input: string, options: TransactionOptions): { tx: EthTransaction; unsigned: Uint8Array } {
  const bytes = parseHexBytes(input, 'transaction');
  const first = bytes[0];
  if (first === undefined) throw invalid('transaction is empty');
  // EIP-2718: a first byte ≥ 0xc0 is a legacy RLP list; 0x01-0x04 the types we sign; else unknown.
  if (first < 0xc0 && (first < 1 || first > 4)) throw invalid(`transaction type 0x${first.toString(16).padStart(2, '0')} is not supported`);
  let decoded: Transaction;
  try {
    decoded = Transaction.from(input);
  } catch (cause) {
    throw invalid(`transaction is not a valid ${first >= 0xc0 ? 'legacy' : TYPE_NAMES[first as EthTxType]} serialization: ${cause instanceof Error ? cause.message.slice(0, 100) : 'decoding failed'}`, cause);
  }
  if (decoded.signature !== null) throw invalid('transaction is already signed: give the unsigned serialization');
  if (decoded.blobs !== null) throw invalid('transaction carries a blob sidecar: give the bare EIP-4844 transaction (the sidecar is not signed)');
  const tx = parseTransactionFields(fieldsOf(decoded), options);
  const unsigned = serializeUnsigned(tx);
  // Canonical encoding only: leading zeros, long-form lengths and the like would give the same
  // fields two serializations; the one we sign must be the one we were given.
  if (!bytesEqual(unsigned, bytes)) throw invalid('transaction is not in canonical RLP form (it does not re-encode to the same bytes)');
  return { tx, unsigned };
}

function prepare(input: unknown, options: TransactionOptions): { tx: EthTransaction; unsigned: Uint8Array } {
  if (typeof input === 'string') return decodeSerialized(input, options);
  const tx = parseTransactionFields(input, options);
  return { tx, unsigned: serializeUnsigned(tx) };
}

/**
 * Validate an unsigned transaction (JSON fields or 0x-hex unsigned serialization) and compute
 * what would be signed.
 * @throws INVALID_INPUT for malformed RLP, unknown or missing fields, a chain id mismatch.
 */
export function parseTransaction(input: unknown, options: TransactionOptions = {}): ParsedTransaction {
  const { tx, unsigned } = prepare(input, options);
  return { tx, unsignedSerialized: toHex(unsigned), signingHash: toHex(keccak_256(unsigned)) };
}

/**
 * Sign an unsigned transaction. Returns the signed raw transaction and its hash.
 * @throws INVALID_INPUT as parseTransaction, or when the request's `from` is not the signer's
 * address; nothing is signed then. INTERNAL when the signer returns a malformed signature.
 */
export function signTransaction(signer: Secp256k1Signer, input: unknown, options: TransactionOptions = {}): SignedTransaction {
  const { tx, unsigned } = prepare(input, options);
  const from = signerAddress(signer);
  if (tx.from !== undefined && tx.from !== from) throw invalid(`the transaction's from (${tx.from}) is not this key's address (${from})`);
  const signingHash = keccak_256(unsigned);
  const { r, s, yParity } = signDigest(signer, signingHash);
  let v: bigint;
  if (tx.type !== 0) v = BigInt(yParity);
  else if (tx.chainId === 0n) v = 27n + BigInt(yParity);
  else v = tx.chainId * 2n + 35n + BigInt(yParity); // EIP-155
  const raw = serializeSigned(tx, unsigned, v, r, s);
  return {
    type: tx.type,
    rawTransaction: toHex(raw),
    hash: toHex(keccak_256(raw)),
    signingHash: toHex(signingHash),
    from,
    r: toHex32(r),
    s: toHex32(s),
    yParity,
    v: toQuantityHex(v),
  };
}
