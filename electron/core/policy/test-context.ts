/**
 * Test helpers: policy contexts built through buildPolicyContext from real requests (JSON
 * transactions, ERC-20 calldata encoded by ethers), so tests judge what the queue would hand in.
 */
import { Interface, parseEther } from 'ethers';
import type { SigningRequest } from '../../../shared/api/signing.js';
import { buildPolicyContext, type ContextInput, type PolicyContext } from './context.js';

export const SIGNER = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
export const ALICE = '0x1111111111111111111111111111111111111111';
export const BOB = '0x2222222222222222222222222222222222222222';
export const USDC = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48';
/** 2026-11-27 (a Friday) 10:30 UTC. */
export const FRIDAY_1030_UTC = Date.UTC(2026, 10, 27, 10, 30);

const erc20 = new Interface(['function transfer(address to, uint256 amount)', 'function approve(address spender, uint256 amount)']);

export function ethTransfer(ether: string, to = ALICE, chainId = 1): SigningRequest {
  return { type: 'eth.transaction', transaction: JSON.stringify({ type: 2, chainId, nonce: 7, to, value: parseEther(ether).toString(), gas: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000' }) };
}

export function tokenCall(kind: 'transfer' | 'approve', amount: bigint, to = BOB, token = USDC, chainId = 1): SigningRequest {
  const data = erc20.encodeFunctionData(kind, [to, amount]);
  return { type: 'eth.transaction', transaction: JSON.stringify({ type: 2, chainId, nonce: 8, to: token, value: '0', data, gas: 60000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000' }) };
}

export function contextOf(request: SigningRequest, extra: Partial<Omit<ContextInput, 'request'>> = {}): PolicyContext {
  return buildPolicyContext({
    request,
    method: extra.method ?? 'eth_signTransaction',
    signer: extra.signer ?? { namespace: 'default', key_id: 'hot-1', algorithm: 'secp256k1', roles: ['KeyUser'], labels: { team: 'treasury' }, address: SIGNER },
    environment: extra.environment ?? { timestamp: FRIDAY_1030_UTC, request_id: 'req-1', client: { transport: 'wallet', id: 'origin:https://app.example', label: 'app.example' }, simulation: false },
    ...(extra.history === undefined ? {} : { history: extra.history }),
  });
}
