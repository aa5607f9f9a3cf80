/**
 * @module renderer/features/policies/bench-context
 * Contexts for the test bench: the JSON a policy receives (electron/core/policy/README.md, "The
 * context"), pre-filled as the host would build it for an Ethereum transfer, an ERC-20 transfer
 * or a personal_sign message, so an operator edits a realistic request rather than writing one.
 *
 * Pure: no React, no store.
 */
import { parseUnits } from './policy-form.js';

export const BENCH_FROM = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
export const BENCH_TO = '0x1111111111111111111111111111111111111111';
const USDC = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48';

export interface BenchPreset {
  readonly id: string;
  readonly label: string;
  readonly build: (base: BenchBase) => Record<string, unknown>;
}

export interface BenchBase {
  readonly namespace: string;
  readonly keyId: string;
  readonly now: number;
}

function common(base: BenchBase, requestType: string, method: string) {
  return {
    version: 1,
    chain: 'ethereum',
    request_type: requestType,
    method,
    transaction: null as unknown,
    typed_data: null,
    message: null as unknown,
    psbt: null,
    flags: [] as string[],
    signer: { namespace: base.namespace, key_id: base.keyId, algorithm: 'secp256k1', roles: ['KeyUser'], labels: {}, address: BENCH_FROM },
    environment: { timestamp: base.now, request_id: 'bench', client: { transport: 'test', id: 'test-bench', label: 'Test bench' }, simulation: true },
    history: { window_seconds: 86400, native: [] as unknown[], tokens: [] as unknown[] },
  };
}

/** An EIP-1559 transfer of `eth` ether on mainnet. */
export function ethTransferContext(base: BenchBase, eth: string): Record<string, unknown> {
  return {
    ...common(base, 'eth.transaction', 'eth_signTransaction'),
    transaction: {
      chain_id: '1',
      from: BENCH_FROM,
      to: BENCH_TO,
      value: parseUnits(eth) ?? '0',
      data: '0x',
      selector: null,
      function: null,
      tx_type: 2,
      nonce: '7',
      gas_limit: '21000',
      gas_price: null,
      max_fee_per_gas: '30000000000',
      max_priority_fee_per_gas: '1000000000',
      max_fee: '630000000000000',
      erc20: null,
    },
  };
}

function erc20TransferContext(base: BenchBase): Record<string, unknown> {
  const amount = '2500000000'; // 2,500 USDC (6 decimals)
  const data = `0xa9059cbb${'0'.repeat(24)}${BENCH_TO.slice(2).toLowerCase()}${BigInt(amount).toString(16).padStart(64, '0')}`;
  return {
    ...common(base, 'eth.transaction', 'eth_signTransaction'),
    transaction: {
      chain_id: '1',
      from: BENCH_FROM,
      to: USDC,
      value: '0',
      data,
      selector: '0xa9059cbb',
      function: 'transfer(address,uint256)',
      tx_type: 2,
      nonce: '8',
      gas_limit: '60000',
      gas_price: null,
      max_fee_per_gas: '30000000000',
      max_priority_fee_per_gas: '1000000000',
      max_fee: '1800000000000000',
      erc20: { kind: 'transfer', token: USDC, counterparty: BENCH_TO, amount },
    },
  };
}

function messageContext(base: BenchBase): Record<string, unknown> {
  const text = 'Sign in to app.example';
  const hex = `0x${[...new TextEncoder().encode(text)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  return { ...common(base, 'eth.message', 'personal_sign'), message: { encoding: 'utf8', text, hex, length: text.length } };
}

export const BENCH_PRESETS: readonly BenchPreset[] = [
  { id: 'eth-0.1', label: '0.1 ETH', build: (b) => ethTransferContext(b, '0.1') },
  { id: 'eth-5', label: '5 ETH', build: (b) => ethTransferContext(b, '5') },
  { id: 'eth-100', label: '100 ETH', build: (b) => ethTransferContext(b, '100') },
  { id: 'erc20', label: 'USDC transfer', build: erc20TransferContext },
  { id: 'message', label: 'personal_sign', build: messageContext },
];

export function contextText(context: Record<string, unknown>): string {
  return JSON.stringify(context, null, 2);
}

/** The editor's text as a context object, or what is wrong with it. */
export function parseContextText(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : 'not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, message: 'the context is a JSON object' };
  return { ok: true, value: v as Record<string, unknown> };
}
