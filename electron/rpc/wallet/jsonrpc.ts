/**
 * @module rpc/wallet/jsonrpc
 * JSON-RPC 2.0 framing for the wallet RPC: parsing a body into calls (single or batch), building
 * responses, and the one table that turns a facade error into an EIP-1193 / EIP-1474 error.
 *
 * Trusts nothing: a body is parsed as untrusted JSON; every call is checked for the JSON-RPC 2.0
 * shape (§4) before any method runs. Error messages are the facade's own (written to carry no
 * secret) for the codes a client can act on, and a fixed generic text for everything else, so no
 * stack trace, path or upstream URL ever leaves the process.
 */
import { CustodyError, type ErrorCode } from '../../../shared/errors.js';

/** EIP-1193 §provider errors and EIP-1474 §error codes, plus JSON-RPC 2.0 §5.1. */
export const RPC = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL: -32603,
  /** EIP-1474: limit exceeded (batch too large, rate limited). */
  LIMIT_EXCEEDED: -32005,
  /** EIP-1193: the user rejected the request. */
  USER_REJECTED: 4001,
  /** EIP-1193: the method or account has not been authorized by the user. */
  UNAUTHORIZED: 4100,
  /** EIP-1193: the provider does not support the method. */
  UNSUPPORTED_METHOD: 4200,
  /** EIP-1193: the provider is disconnected from all chains (here: the vault is locked). */
  DISCONNECTED: 4900,
  /** EIP-1193: the provider is not connected to the requested chain (here: the chain's upstream cannot be reached). */
  CHAIN_DISCONNECTED: 4901,
  /** MetaMask's "unrecognized chain id" for wallet_switchEthereumChain (EIP-3326 leaves it open). */
  UNRECOGNIZED_CHAIN: 4902,
} as const;

export type JsonRpcId = string | number | null;

export interface JsonRpcErrorObject {
  readonly code: number;
  readonly message: string;
  /**
   * Ours: `{ reason }`, the facade's error code (USER_REJECTED, RATE_LIMITED, …). An upstream
   * node's error keeps its own `data` (a revert's return data, which ethers decodes).
   */
  readonly data?: unknown;
}

export type JsonRpcResponse = { readonly jsonrpc: '2.0'; readonly id: JsonRpcId; readonly result: unknown } | { readonly jsonrpc: '2.0'; readonly id: JsonRpcId; readonly error: JsonRpcErrorObject };

/** A well-formed call. `notification`: it had no `id` member, so no response is sent (§4.1). */
export interface JsonRpcCall {
  readonly id: JsonRpcId;
  readonly notification: boolean;
  readonly method: string;
  readonly params: readonly unknown[] | Readonly<Record<string, unknown>> | undefined;
}

/** One element of a body: a call to run, or a response already decided (malformed element). */
export type ParsedElement = { readonly kind: 'call'; readonly call: JsonRpcCall } | { readonly kind: 'invalid'; readonly response: JsonRpcResponse };

export type ParsedBody =
  | { readonly kind: 'single'; readonly element: ParsedElement }
  | { readonly kind: 'batch'; readonly elements: readonly ParsedElement[] }
  /** The whole body is answered with one error (parse error, empty batch, batch over the limit). */
  | { readonly kind: 'refused'; readonly response: JsonRpcResponse };

/** An error a method throws to answer with exactly this code and message. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export function errorResponse(id: JsonRpcId, code: number, message: string, reason?: string): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: { code, message, ...(reason === undefined ? {} : { data: { reason } }) } };
}

export function resultResponse(id: JsonRpcId, result: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, result };
}

const MAX_METHOD_LENGTH = 128;

function isId(value: unknown): value is JsonRpcId {
  return value === null || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** JSON-RPC 2.0 §4: one request object. */
export function parseElement(value: unknown): ParsedElement {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { kind: 'invalid', response: errorResponse(null, RPC.INVALID_REQUEST, 'invalid request: expected a JSON-RPC 2.0 request object') };
  }
  const o = value as Record<string, unknown>;
  const hasId = Object.hasOwn(o, 'id');
  const id: JsonRpcId = hasId && isId(o['id']) ? o['id'] : null;
  const invalid = (why: string): ParsedElement => ({ kind: 'invalid', response: errorResponse(id, RPC.INVALID_REQUEST, `invalid request: ${why}`) });
  if (o['jsonrpc'] !== '2.0') return invalid('"jsonrpc" must be "2.0"');
  if (hasId && !isId(o['id'])) return invalid('"id" must be a string, a number or null');
  const method = o['method'];
  if (typeof method !== 'string' || method.length === 0 || method.length > MAX_METHOD_LENGTH) return invalid('"method" must be a non-empty string');
  const params = o['params'];
  if (params !== undefined && (typeof params !== 'object' || params === null)) return invalid('"params" must be an array or an object');
  return { kind: 'call', call: { id, notification: !hasId, method, params: params as JsonRpcCall['params'] } };
}

/** A body as calls: a single object, or a batch (§6) of at most `batchLimit` elements. */
export function parseBody(text: string, batchLimit: number): ParsedBody {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    return { kind: 'refused', response: errorResponse(null, RPC.PARSE_ERROR, 'parse error: the body is not valid JSON') };
  }
  if (!Array.isArray(value)) return { kind: 'single', element: parseElement(value) };
  if (value.length === 0) return { kind: 'refused', response: errorResponse(null, RPC.INVALID_REQUEST, 'invalid request: an empty batch') };
  if (value.length > batchLimit) return { kind: 'refused', response: errorResponse(null, RPC.LIMIT_EXCEEDED, `batch of ${value.length} calls exceeds the limit of ${batchLimit}`) };
  return { kind: 'batch', elements: value.map(parseElement) };
}

/**
 * The JSON-RPC error for anything a method threw. `RpcError` keeps its code; a facade
 * `CustodyError` goes through the table below; anything else is -32603 with a generic message.
 */
export function toRpcError(error: unknown): JsonRpcErrorObject {
  if (error instanceof RpcError) return { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) };
  if (error instanceof CustodyError) {
    const mapped = CODE_TABLE[error.code];
    if (mapped !== undefined) return { code: mapped.code, message: mapped.message ?? error.message, data: { reason: error.code } };
  }
  return { code: RPC.INTERNAL, message: 'internal error', data: { reason: 'INTERNAL' } };
}

/**
 * Facade code → wire code. `message` replaces the facade's text where that text is not meant
 * for a client (a policy's reasons name the operator's rules). Codes not listed are -32603
 * "internal error".
 */
const CODE_TABLE: Partial<Record<ErrorCode, { code: number; message?: string }>> = {
  USER_REJECTED: { code: RPC.USER_REJECTED },
  // An expired request was never decided: to a dapp that is a rejection (EIP-1193 4001); data.reason says EXPIRED.
  EXPIRED: { code: RPC.USER_REJECTED },
  POLICY_DENIED: { code: RPC.USER_REJECTED, message: 'refused by the operator\'s signing policy' },
  UNAUTHENTICATED: { code: RPC.UNAUTHORIZED },
  PERMISSION_DENIED: { code: RPC.UNAUTHORIZED },
  SESSION_EXPIRED: { code: RPC.UNAUTHORIZED },
  KEY_DISABLED: { code: RPC.UNAUTHORIZED, message: 'this account is not available for signing now' },
  KEY_PENDING_DELETION: { code: RPC.UNAUTHORIZED, message: 'this account is not available for signing now' },
  KEY_DESTROYED: { code: RPC.UNAUTHORIZED, message: 'this account is not available for signing now' },
  VAULT_LOCKED: { code: RPC.DISCONNECTED, message: 'Custos is locked: the operator must unlock it' },
  VAULT_NOT_INITIALIZED: { code: RPC.DISCONNECTED, message: 'Custos has no vault yet' },
  DISCONNECTED: { code: RPC.DISCONNECTED },
  INVALID_INPUT: { code: RPC.INVALID_PARAMS },
  WRONG_KEY_TYPE: { code: RPC.INVALID_PARAMS },
  RATE_LIMITED: { code: RPC.LIMIT_EXCEEDED },
  QUOTA_EXCEEDED: { code: RPC.LIMIT_EXCEEDED },
  UNSUPPORTED: { code: RPC.UNSUPPORTED_METHOD },
};
