/**
 * @module rpc/wallet/methods
 * The wallet RPC's methods (EIP-1193, EIP-1474, EIP-2255, EIP-3326, EIP-3085), each mapped onto
 * the facade's wallet session: who the client is comes from the transport (a browser Origin or a
 * paired token), what it may do from the facade (`walletSession`), and every signature is a
 * request in the facade's queue. This module only translates wire shapes to facade calls.
 *
 * Trusts the facade for authentication, the connection's accounts and chain, policy, approval,
 * rate limits and audit; trusts the chain's upstream node for chain data only (see upstream.ts).
 * Parses every parameter as untrusted input.
 */
import type { Custodian } from '../../core/custodian.js';
import type { WalletConnection, WalletConnectionsApi, WalletCredential, WalletSession } from '../../core/wallets/types.js';
import type { SigningRequest } from '../../../shared/api/signing.js';
import { CustodyError } from '../../../shared/errors.js';
import { RPC, RpcError, type JsonRpcCall } from './jsonrpc.js';
import { FORWARDED_METHODS, type Upstream } from './upstream.js';

/** What the wallet RPC needs of the facade: the wallet-connection methods and core events. */
export type WalletFacade = WalletConnectionsApi & Pick<Custodian, 'subscribe'>;

/** Who sent a call, as the transport proved it. `anonymous`: no Origin and no token (may only pair). */
export type WalletClient = WalletCredential | { readonly kind: 'anonymous' };

/** A configured chain as the server serves it (decimal chain id; upstream when `upstream_url` is set). */
export interface ServedChain {
  readonly chainId: string;
  readonly name: string;
  readonly upstream: Upstream | null;
}

export interface WalletMethodsOptions {
  readonly facade: WalletFacade;
  /** By decimal chain id; the first configured chain is the default. */
  readonly chains: ReadonlyMap<string, ServedChain>;
  readonly defaultChainId: string;
  readonly allowEthSign: boolean;
}

/** Methods a browser may call before it holds a connection (CORS answers these: see server.ts). */
export const PERMISSION_METHODS: ReadonlySet<string> = new Set(['eth_requestAccounts', 'wallet_requestPermissions']);

const PAIRING_METHODS: ReadonlySet<string> = new Set(['custos_requestPairing', 'custos_awaitPairing']);

/** Known Ethereum methods this wallet does not offer: 4200 rather than "method not found". */
const UNSUPPORTED_METHODS: ReadonlyMap<string, string> = new Map([
  ['eth_signTypedData', 'use eth_signTypedData_v4'],
  ['eth_signTypedData_v1', 'use eth_signTypedData_v4'],
  ['eth_signTypedData_v3', 'use eth_signTypedData_v4'],
  ['eth_subscribe', 'over the WebSocket, accountsChanged and chainChanged arrive as custos_event notifications without subscribing'],
  ['eth_unsubscribe', 'there are no subscriptions'],
  ['eth_sendRawTransaction', 'send a transaction you signed elsewhere to your node directly'],
  ['eth_newFilter', 'filters are not offered: use eth_getLogs'],
  ['eth_newBlockFilter', 'filters are not offered: poll eth_blockNumber'],
  ['eth_newPendingTransactionFilter', 'filters are not offered'],
  ['eth_getFilterChanges', 'filters are not offered'],
  ['eth_getFilterLogs', 'filters are not offered: use eth_getLogs'],
  ['eth_uninstallFilter', 'filters are not offered'],
  ['eth_coinbase', 'use eth_accounts'],
  ['wallet_watchAsset', 'Custos keeps no token list'],
]);

const OWN_METHODS: ReadonlySet<string> = new Set([
  'eth_chainId',
  'net_version',
  'eth_accounts',
  'eth_requestAccounts',
  'personal_sign',
  'eth_sign',
  'eth_signTypedData_v4',
  'eth_signTransaction',
  'eth_sendTransaction',
  'wallet_switchEthereumChain',
  'wallet_addEthereumChain',
  'wallet_requestPermissions',
  'wallet_getPermissions',
  'wallet_revokePermissions',
  ...PAIRING_METHODS,
]);

/** Whether the server knows `method` at all (else -32601). */
export function isKnownMethod(method: string): boolean {
  return OWN_METHODS.has(method) || FORWARDED_METHODS.has(method) || UNSUPPORTED_METHODS.has(method);
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/u;
const HEX_BYTES = /^0x(?:[0-9a-fA-F]{2})*$/u;
const HEX_QUANTITY = /^0x(?:0|[1-9a-fA-F][0-9a-fA-F]*)$/u;
const GWEI = 1_000_000_000n;

const invalidParams = (message: string): RpcError => new RpcError(RPC.INVALID_PARAMS, message, { reason: 'INVALID_INPUT' });
const unauthorized = (message: string): RpcError => new RpcError(RPC.UNAUTHORIZED, message, { reason: 'UNAUTHENTICATED' });

export function toHexQuantity(value: bigint | string): string {
  return '0x' + BigInt(value).toString(16);
}

/** A quantity as clients send it: 0x-hex, a decimal string, or a safe integer. */
function parseQuantityParam(value: unknown, what: string): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && value.length <= 80 && (/^0x[0-9a-fA-F]+$/u.test(value) || /^\d+$/u.test(value))) return BigInt(value);
  throw invalidParams(`${what} must be a non-negative integer (0x-hex)`);
}

function arrayParams(call: JsonRpcCall, min: number, max: number): readonly unknown[] {
  const p = call.params ?? [];
  if (!Array.isArray(p)) throw invalidParams(`${call.method} takes its parameters as an array`);
  if (p.length < min || p.length > max) throw invalidParams(min === max ? `${call.method} takes ${min} parameter${min === 1 ? '' : 's'}` : `${call.method} takes ${min} to ${max} parameters`);
  return p;
}

function objectParam(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidParams(`${what} must be an object`);
  return value as Record<string, unknown>;
}

/** EIP-2255: what wallet_requestPermissions / wallet_getPermissions return for a connection. */
export function permissionsOf(connection: WalletConnection): unknown[] {
  return [
    {
      parentCapability: 'eth_accounts',
      invoker: connection.origin ?? connection.name,
      caveats: [{ type: 'restrictReturnedAccounts', value: connection.accounts.map((a) => a.address) }],
      date: connection.createdAt,
    },
  ];
}

/** wallet_requestPermissions / wallet_revokePermissions take `[{ eth_accounts: {} }]`: nothing else can be granted here. */
function assertEthAccountsOnly(call: JsonRpcCall): void {
  const [request] = arrayParams(call, 1, 1);
  const keys = Object.keys(objectParam(request, 'the permission request'));
  if (keys.length === 0 || keys.some((k) => k !== 'eth_accounts')) throw invalidParams('only the eth_accounts permission exists in Custos');
}

/**
 * The methods, bound to the facade and the configured chains. `run` answers one call for one
 * client; it throws RpcError or the facade's CustodyError (jsonrpc.ts maps both).
 */
export class WalletMethods {
  /**
   * eth_sendTransaction: per chain and account, the next nonce handed to a transaction still
   * waiting for the operator or its broadcast. The node's "pending" count does not include those
   * yet, so two sends queued together would otherwise both get the same nonce.
   */
  private readonly nextNonce = new Map<string, bigint>();
  /** Sends in flight per key; the reservation is forgotten when none is (the node's count then covers them). */
  private readonly sending = new Map<string, number>();

  constructor(private readonly options: WalletMethodsOptions) {}

  /** The session of `client`, or null (no connection, or anonymous). LOCKED etc. propagate. */
  session(client: WalletClient): WalletSession | null {
    return client.kind === 'anonymous' ? null : this.options.facade.walletSession(client);
  }

  /** The chain a session is on, as configured (its upstream may be null). */
  private chainOf(connection: WalletConnection): ServedChain {
    return this.options.chains.get(connection.chainId) ?? { chainId: connection.chainId, name: `chain ${connection.chainId}`, upstream: null };
  }

  async run(client: WalletClient, call: JsonRpcCall, signal: AbortSignal): Promise<unknown> {
    const { method } = call;
    if (!isKnownMethod(method)) throw new RpcError(RPC.METHOD_NOT_FOUND, `the method ${method.slice(0, 64)} does not exist`, { reason: 'NOT_FOUND' });

    if (PAIRING_METHODS.has(method)) {
      if (client.kind === 'origin') throw unauthorized('a web page connects with eth_requestAccounts; pairing is for programs (requests without an Origin header)');
      return this.pairing(call, signal);
    }
    if (client.kind === 'anonymous') throw unauthorized('send Authorization: Bearer <token>; a program without a token pairs first (custos_requestPairing)');

    const session = this.session(client);
    if (session === null) {
      if (client.kind === 'token') throw unauthorized('this token is not valid (never issued, or the connection was revoked): pair again');
      return this.runUnconnected(client.origin, call, signal);
    }
    return this.runConnected(session, call, signal);
  }

  /** A browser origin without a connection: it may ask for one, and learn that it has none. */
  private async runUnconnected(origin: string, call: JsonRpcCall, signal: AbortSignal): Promise<unknown> {
    switch (call.method) {
      case 'eth_chainId':
        arrayParams(call, 0, 0);
        return toHexQuantity(this.options.defaultChainId);
      case 'net_version':
        arrayParams(call, 0, 0);
        return this.options.defaultChainId;
      case 'eth_accounts':
        arrayParams(call, 0, 0);
        return [];
      case 'wallet_getPermissions':
        arrayParams(call, 0, 0);
        return [];
      case 'wallet_revokePermissions':
        assertEthAccountsOnly(call);
        return null;
      case 'eth_requestAccounts':
      case 'wallet_requestPermissions': {
        if (call.method === 'eth_requestAccounts') arrayParams(call, 0, 0);
        else assertEthAccountsOnly(call);
        const connection = await this.options.facade.walletRequestConnection({ origin, signal });
        return call.method === 'eth_requestAccounts' ? connection.accounts.map((a) => a.address) : permissionsOf(connection);
      }
      default:
        throw unauthorized('this origin is not connected to Custos: call eth_requestAccounts first');
    }
  }

  private async runConnected(session: WalletSession, call: JsonRpcCall, signal: AbortSignal): Promise<unknown> {
    const connection = session.connection();
    const chain = this.chainOf(connection);
    switch (call.method) {
      case 'eth_chainId':
        arrayParams(call, 0, 0);
        return toHexQuantity(connection.chainId);
      case 'net_version':
        arrayParams(call, 0, 0);
        return connection.chainId;
      case 'eth_accounts':
      case 'eth_requestAccounts':
        arrayParams(call, 0, 0);
        return connection.accounts.map((a) => a.address);
      case 'wallet_requestPermissions':
        assertEthAccountsOnly(call);
        return permissionsOf(connection);
      case 'wallet_getPermissions':
        arrayParams(call, 0, 0);
        return permissionsOf(connection);
      case 'wallet_revokePermissions':
        assertEthAccountsOnly(call);
        await session.disconnect();
        return null;
      case 'wallet_switchEthereumChain':
        return this.switchChain(session, call);
      case 'wallet_addEthereumChain': {
        const [p] = arrayParams(call, 1, 1);
        const chainId = parseQuantityParam(objectParam(p, 'the chain').chainId, 'chainId').toString();
        if (this.options.chains.has(chainId)) return null;
        throw new RpcError(RPC.USER_REJECTED, `Custos does not add chains on request: chain ${toHexQuantity(chainId)} is not among the chains the operator configured (server.wallet_rpc.chains)`, { reason: 'UNSUPPORTED' });
      }
      case 'eth_sign':
        // EIP-1474's eth_sign is personal_sign with the parameters swapped ([address, data]); it
        // is off by default because dapps have used it to have hashes signed that nobody can read.
        if (!this.options.allowEthSign) {
          throw new RpcError(RPC.UNSUPPORTED_METHOD, 'eth_sign is refused (server.wallet_rpc.allow_eth_sign is false): use personal_sign or eth_signTypedData_v4', { reason: 'UNSUPPORTED' });
        }
        return this.personalSign(session, connection, call, signal, 'eth_sign');
      case 'personal_sign':
        return this.personalSign(session, connection, call, signal);
      case 'eth_signTypedData_v4':
        return this.signTypedData(session, connection, call, signal);
      case 'eth_signTransaction':
      case 'eth_sendTransaction':
        return this.transaction(session, connection, chain, call, signal);
      default: {
        const why = UNSUPPORTED_METHODS.get(call.method);
        if (why !== undefined) throw new RpcError(RPC.UNSUPPORTED_METHOD, `${call.method} is not supported: ${why}`, { reason: 'UNSUPPORTED' });
        // FORWARDED_METHODS: isKnownMethod let nothing else through.
        if (chain.upstream === null) throw new RpcError(RPC.UNSUPPORTED_METHOD, `${call.method} needs an upstream node, and ${chain.name} has none configured (server.wallet_rpc.chains[].upstream_url)`, { reason: 'UNSUPPORTED' });
        const params = call.params ?? [];
        if (!Array.isArray(params)) throw invalidParams(`${call.method} takes its parameters as an array`);
        return chain.upstream.call(call.method, params, signal);
      }
    }
  }

  private async pairing(call: JsonRpcCall, signal: AbortSignal): Promise<unknown> {
    const [p] = arrayParams(call, 1, 1);
    const o = objectParam(p, 'the parameter');
    if (call.method === 'custos_requestPairing') {
      const name = o['name'];
      if (typeof name !== 'string' || name.trim().length === 0 || name.length > 64) throw invalidParams('name must be a string of 1 to 64 characters: what the operator will see');
      const chainId = o['chainId'] === undefined ? undefined : parseQuantityParam(o['chainId'], 'chainId').toString();
      return this.options.facade.walletRequestPairing({ name, ...(chainId === undefined ? {} : { chainId }) });
    }
    const pairingId = o['pairingId'];
    if (typeof pairingId !== 'string' || pairingId.length === 0 || pairingId.length > 256) throw invalidParams('pairingId must be the string custos_requestPairing returned');
    const { token, connection } = await this.options.facade.walletAwaitPairing({ pairingId, signal });
    return { token, accounts: connection.accounts.map((a) => a.address), chainId: toHexQuantity(connection.chainId) };
  }

  private async switchChain(session: WalletSession, call: JsonRpcCall): Promise<null> {
    const [p] = arrayParams(call, 1, 1);
    const raw = objectParam(p, 'the parameter').chainId;
    // EIP-3326: chainId is a 0x-prefixed hexadecimal string without leading zeros.
    if (typeof raw !== 'string' || !HEX_QUANTITY.test(raw) || raw === '0x0') throw invalidParams('chainId must be a 0x-prefixed hexadecimal chain id (EIP-3326)');
    const chainId = BigInt(raw).toString();
    const unrecognized = new RpcError(RPC.UNRECOGNIZED_CHAIN, `chain ${raw} is not among the chains the operator configured (server.wallet_rpc.chains)`, { reason: 'NOT_FOUND' });
    if (!this.options.chains.has(chainId)) throw unrecognized;
    try {
      await session.switchChain(chainId);
    } catch (error) {
      if (error instanceof CustodyError && error.code === 'NOT_FOUND') throw unrecognized;
      throw error;
    }
    return null;
  }

  /** The connection's own spelling of `value`, which must be one of its accounts. */
  private account(connection: WalletConnection, value: unknown, what: string): string {
    if (typeof value !== 'string' || !ADDRESS.test(value)) throw invalidParams(`${what} must be a 0x-prefixed 20-byte address`);
    const found = connection.accounts.find((a) => a.address.toLowerCase() === value.toLowerCase());
    if (found === undefined) throw unauthorized(`${value} is not an account of this connection`);
    return found.address;
  }

  private async personalSign(session: WalletSession, connection: WalletConnection, call: JsonRpcCall, signal: AbortSignal, method: 'personal_sign' | 'eth_sign' = 'personal_sign'): Promise<string> {
    const params = arrayParams(call, 2, 3);
    const [data, addressParam] = method === 'eth_sign' ? [params[1], params[0]] : params;
    if (typeof data !== 'string') throw invalidParams(`${method}: the message must be a string (0x-hex bytes, or text)`);
    const address = this.account(connection, addressParam, `${method}: the address`);
    // EIP-1474 gives the message as 0x bytes; wallets also take plain text, signed as its UTF-8.
    const request: SigningRequest = { type: 'eth.message', message: data, encoding: HEX_BYTES.test(data) ? 'hex' : 'utf8' };
    const { result } = await session.sign({ method, request, address, signal });
    return result.primary.value;
  }

  private async signTypedData(session: WalletSession, connection: WalletConnection, call: JsonRpcCall, signal: AbortSignal): Promise<string> {
    const [addressParam, raw] = arrayParams(call, 2, 2);
    const address = this.account(connection, addressParam, 'eth_signTypedData_v4: the address');
    let typedData: unknown = raw;
    if (typeof raw === 'string') {
      try {
        typedData = JSON.parse(raw) as unknown;
      } catch {
        throw invalidParams('eth_signTypedData_v4: the typed data is not valid JSON');
      }
    }
    const domain = objectParam(objectParam(typedData, 'eth_signTypedData_v4: the typed data').domain, 'eth_signTypedData_v4: the domain');
    if (domain.chainId !== undefined && domain.chainId !== null) {
      const chainId = parseQuantityParam(domain.chainId, 'the domain chainId');
      if (chainId.toString() !== connection.chainId) {
        throw invalidParams(`eth_signTypedData_v4: the typed data is for chain ${chainId}, but this connection is on chain ${connection.chainId} (switch chains first)`);
      }
    }
    const request: SigningRequest = { type: 'eth.typedData', typedData: JSON.stringify(typedData), chainId: connection.chainId };
    const { result } = await session.sign({ method: 'eth_signTypedData_v4', request, address, signal });
    return result.primary.value;
  }

  private async transaction(session: WalletSession, connection: WalletConnection, chain: ServedChain, call: JsonRpcCall, signal: AbortSignal): Promise<string> {
    const method = call.method as 'eth_signTransaction' | 'eth_sendTransaction';
    const [raw] = arrayParams(call, 1, 1);
    const input = objectParam(raw, `${method}: the transaction`);
    if (method === 'eth_sendTransaction' && chain.upstream === null) {
      throw new RpcError(RPC.UNSUPPORTED_METHOD, `eth_sendTransaction needs an upstream node to broadcast to, and ${chain.name} has none configured (server.wallet_rpc.chains[].upstream_url): use eth_signTransaction and broadcast it yourself`, {
        reason: 'UNSUPPORTED',
      });
    }
    const from = this.account(connection, input.from, `${method}: from`);
    if (method === 'eth_signTransaction') {
      const fields = await completeTransaction(input, connection, chain, method, from, signal, (pending) => pending);
      const request: SigningRequest = { type: 'eth.transaction', transaction: JSON.stringify(fields), chainId: connection.chainId };
      return (await session.sign({ method, request, address: from, signal })).result.primary.value;
    }
    const key = `${connection.chainId}:${from.toLowerCase()}`;
    const reserve = (pending: bigint): bigint => {
      const n = pending > (this.nextNonce.get(key) ?? 0n) ? pending : (this.nextNonce.get(key) ?? 0n);
      this.nextNonce.set(key, n + 1n);
      return n;
    };
    this.sending.set(key, (this.sending.get(key) ?? 0) + 1);
    try {
      const fields = await completeTransaction(input, connection, chain, method, from, signal, reserve);
      const request: SigningRequest = { type: 'eth.transaction', transaction: JSON.stringify(fields), chainId: connection.chainId };
      const { result } = await session.sign({ method, request, address: from, signal });
      return (await (chain.upstream as Upstream).call('eth_sendRawTransaction', [result.primary.value], signal)) as string;
    } catch (error) {
      // Not sent: forget the reservations, so the next send asks the node again (and fills any gap).
      this.nextNonce.delete(key);
      throw error;
    } finally {
      const left = (this.sending.get(key) ?? 1) - 1;
      if (left > 0) this.sending.set(key, left);
      else {
        this.sending.delete(key);
        this.nextNonce.delete(key);
      }
    }
  }
}

/**
 * The transaction as the operator will review it: `from` spelled as the account, chainId the
 * connection's, and nonce, gas and fees filled from the upstream where the client left them out
 * (EIP-1559 fees when the latest block has a base fee, else a legacy gas price). Without an
 * upstream, missing fields are -32602 naming them.
 */
async function completeTransaction(
  input: Record<string, unknown>,
  connection: WalletConnection,
  chain: ServedChain,
  method: string,
  from: string,
  signal: AbortSignal,
  /** The nonce to use, given the node's pending count. */
  nonceFrom: (pending: bigint) => bigint,
): Promise<Record<string, unknown>> {
  const tx: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (v !== null && v !== undefined) tx[k] = v;
  tx.from = from;
  if (tx.chainId === undefined) tx.chainId = toHexQuantity(connection.chainId);
  else if (parseQuantityParam(tx.chainId, 'chainId').toString() !== connection.chainId) {
    throw invalidParams(`${method}: the transaction is for chain ${parseQuantityParam(tx.chainId, 'chainId')}, but this connection is on chain ${connection.chainId} (switch chains first)`);
  }
  const type = tx.type === undefined ? undefined : parseQuantityParam(tx.type, 'type');
  const legacyType = type === 0n || type === 1n;
  const has = (k: string): boolean => tx[k] !== undefined;
  const missing: string[] = [];
  if (!has('nonce')) missing.push('nonce');
  if (!has('gas') && !has('gasLimit')) missing.push('gas');
  const needsFees = legacyType ? !has('gasPrice') : type === undefined ? !has('gasPrice') && !(has('maxFeePerGas') && has('maxPriorityFeePerGas')) : !(has('maxFeePerGas') && has('maxPriorityFeePerGas'));
  if (needsFees) missing.push(legacyType ? 'gasPrice' : 'fees (maxFeePerGas and maxPriorityFeePerGas, or gasPrice)');
  if (missing.length === 0) return tx;
  const upstream = chain.upstream;
  if (upstream === null) {
    throw invalidParams(`${method}: the transaction has no ${missing.join(', ')}, and ${chain.name} has no upstream node configured to look them up (server.wallet_rpc.chains[].upstream_url): give them`);
  }
  const quantity = async (m: string, params: unknown[]): Promise<bigint> => parseQuantityParam(await upstream.call(m, params, signal), `the upstream's answer to ${m}`);
  if (!has('nonce')) tx.nonce = toHexQuantity(nonceFrom(await quantity('eth_getTransactionCount', [from, 'pending'])));
  if (!has('gas') && !has('gasLimit')) {
    const probe: Record<string, unknown> = { from };
    for (const k of ['to', 'value', 'data', 'input', 'accessList', 'authorizationList']) if (has(k)) probe[k] = tx[k];
    tx.gas = toHexQuantity(await quantity('eth_estimateGas', [probe]));
  }
  if (needsFees) {
    const block = type === undefined || !legacyType ? ((await upstream.call('eth_getBlockByNumber', ['latest', false], signal)) as { baseFeePerGas?: unknown } | null) : null;
    const baseFee = block?.baseFeePerGas === undefined || block.baseFeePerGas === null ? null : parseQuantityParam(block.baseFeePerGas, 'the upstream block base fee');
    if (legacyType || baseFee === null) {
      if (type !== undefined && !legacyType) throw invalidParams(`${method}: ${chain.name} has no base fee (pre-London): give gasPrice and a legacy transaction type`);
      tx.gasPrice = toHexQuantity(await quantity('eth_gasPrice', []));
    } else {
      const priority = has('maxPriorityFeePerGas') ? parseQuantityParam(tx.maxPriorityFeePerGas, 'maxPriorityFeePerGas') : await quantity('eth_maxPriorityFeePerGas', []).catch(() => GWEI);
      tx.maxPriorityFeePerGas = toHexQuantity(priority);
      // As ethers and MetaMask: room for the base fee to double before the transaction is priced out.
      if (!has('maxFeePerGas')) tx.maxFeePerGas = toHexQuantity(2n * baseFee + priority);
    }
  }
  return tx;
}
