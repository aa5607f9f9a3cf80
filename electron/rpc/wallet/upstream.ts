/**
 * @module rpc/wallet/upstream
 * The Ethereum node a chain's `upstream_url` names: where eth_sendTransaction broadcasts, where
 * missing transaction fields are looked up, and where the allow-listed read methods are
 * forwarded. Nothing here signs or sees a key.
 *
 * Trusts the upstream for chain data only (balances, nonces, fee estimates), as any wallet must;
 * a transaction filled from it is still shown complete to the operator before anything is signed.
 * The URL itself may carry an API key (Infura, Alchemy): it never appears in an error message.
 */
import { RPC, RpcError } from './jsonrpc.js';

/**
 * Read methods a connected client may ask the upstream (EIP-1474 and the execution API), by
 * name. Nothing that writes, subscribes, or reveals the node's own accounts or admin state.
 */
export const FORWARDED_METHODS: ReadonlySet<string> = new Set([
  'eth_blockNumber',
  'eth_getBalance',
  'eth_getCode',
  'eth_getStorageAt',
  'eth_call',
  'eth_estimateGas',
  'eth_createAccessList',
  'eth_getTransactionCount',
  'eth_getTransactionByHash',
  'eth_getTransactionReceipt',
  'eth_getTransactionByBlockHashAndIndex',
  'eth_getTransactionByBlockNumberAndIndex',
  'eth_getBlockByNumber',
  'eth_getBlockByHash',
  'eth_getBlockTransactionCountByHash',
  'eth_getBlockTransactionCountByNumber',
  'eth_getUncleCountByBlockHash',
  'eth_getUncleCountByBlockNumber',
  'eth_getLogs',
  'eth_getProof',
  'eth_feeHistory',
  'eth_gasPrice',
  'eth_maxPriorityFeePerGas',
  'eth_blobBaseFee',
  'eth_syncing',
]);

/** A call to the upstream must answer within this time. */
export const UPSTREAM_TIMEOUT_MS = 30_000;
/** Largest answer read from the upstream (eth_getLogs can be big; more is refused). */
const MAX_UPSTREAM_BYTES = 16 * 1024 * 1024;
/** An upstream's own error message is passed on, cut to this length. */
const MAX_UPSTREAM_MESSAGE = 300;

export interface Upstream {
  /** One JSON-RPC call; the upstream's JSON-RPC error comes back as an RpcError with its code. */
  call(method: string, params: readonly unknown[], signal?: AbortSignal): Promise<unknown>;
}

let nextId = 1;

/** An upstream on `url` (http or https), reached with fetch. */
export function httpUpstream(url: string, chainName: string): Upstream {
  const unreachable = (): RpcError => new RpcError(RPC.CHAIN_DISCONNECTED, `the upstream node of ${chainName} did not answer`);
  return {
    async call(method, params, signal) {
      const timeout = AbortSignal.timeout(UPSTREAM_TIMEOUT_MS);
      const id = nextId++;
      let text: string;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
          signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
          redirect: 'error',
        });
        const read = await readLimited(res, MAX_UPSTREAM_BYTES);
        if (read === null) throw unreachable();
        text = read;
        if (!res.ok && text === '') throw unreachable();
      } catch (error) {
        if (error instanceof RpcError) throw error;
        throw unreachable();
      }
      let reply: unknown;
      try {
        reply = JSON.parse(text) as unknown;
      } catch {
        throw unreachable();
      }
      if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) throw unreachable();
      const r = reply as { result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
      if (r.error !== undefined && r.error !== null) {
        const code = typeof r.error.code === 'number' && Number.isSafeInteger(r.error.code) ? r.error.code : RPC.INTERNAL;
        const message = typeof r.error.message === 'string' ? r.error.message.slice(0, MAX_UPSTREAM_MESSAGE) : 'the upstream node refused the call';
        // A revert's return data (hex) is the client's to decode; anything else is dropped.
        const data = typeof r.error.data === 'string' && /^0x[0-9a-fA-F]*$/u.test(r.error.data) && r.error.data.length <= MAX_UPSTREAM_BYTES ? r.error.data : undefined;
        throw new RpcError(code, message, data);
      }
      if (!Object.hasOwn(r, 'result')) throw unreachable();
      return r.result;
    },
  };
}

/** The body as text, or null once it passes `limit` bytes (counted as it streams: a chunked answer declares no length). */
async function readLimited(res: Response, limit: number): Promise<string | null> {
  if (Number(res.headers.get('content-length') ?? '0') > limit) return null;
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
