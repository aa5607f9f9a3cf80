import { parseEther } from 'ethers';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support.js';
import { nativeSpent, parsePolicyContext, spendingOf, tokenSpent } from './context.js';
import { ALICE, BOB, contextOf, ethTransfer, SIGNER, tokenCall, USDC } from './test-context.js';

describe('policy context', () => {
  it('a plain transfer: chain, recipient, value in wei, fees, no calldata', () => {
    const ctx = contextOf(ethTransfer('1.5'));
    expect(ctx).toMatchObject({ version: 1, chain: 'ethereum', request_type: 'eth.transaction', method: 'eth_signTransaction', typed_data: null, message: null, psbt: null });
    expect(ctx.transaction).toEqual({
      chain_id: '1',
      from: SIGNER,
      to: ALICE,
      value: parseEther('1.5').toString(),
      data: '0x',
      selector: null,
      function: null,
      tx_type: 2,
      nonce: '7',
      gas_limit: '21000',
      gas_price: null,
      max_fee_per_gas: '30000000000',
      max_priority_fee_per_gas: '1000000000',
      max_fee: (21000n * 30000000000n).toString(),
      erc20: null,
    });
    expect(ctx.history).toEqual({ window_seconds: 86400, native: [], tokens: [] });
  });

  it('ERC-20 transfer and approve are decoded by the Ethereum module (selector, token, counterparty, amount)', () => {
    const t = contextOf(tokenCall('transfer', 1_000_000n)).transaction;
    expect(t).toMatchObject({ to: USDC, selector: '0xa9059cbb', function: 'transfer(address,uint256)', erc20: { kind: 'transfer', token: USDC, counterparty: BOB, amount: '1000000' } });
    const a = contextOf(tokenCall('approve', 2n ** 256n - 1n));
    expect(a.transaction?.erc20).toMatchObject({ kind: 'approve', counterparty: BOB, amount: (2n ** 256n - 1n).toString() });
    expect(a.flags).toContain('UNLIMITED_APPROVAL');
  });

  it('unknown calldata is flagged; typed data and messages carry their own parts', () => {
    const unknown = contextOf({ type: 'eth.transaction', transaction: JSON.stringify({ type: 2, chainId: 1, nonce: 0, to: ALICE, value: '0', data: '0xdeadbeef00', gas: 50000, maxFeePerGas: '1', maxPriorityFeePerGas: '1' }) });
    expect(unknown.transaction?.selector).toBe('0xdeadbeef');
    expect(unknown.flags).toContain('UNKNOWN_SELECTOR');

    const typed = {
      types: { EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'chainId', type: 'uint256' }], Mail: [{ name: 'to', type: 'address' }, { name: 'amount', type: 'uint256' }] },
      primaryType: 'Mail',
      domain: { name: 'Mailer', chainId: 1 },
      message: { to: ALICE, amount: '5' },
    };
    const td = contextOf({ type: 'eth.typedData', typedData: JSON.stringify(typed), chainId: '1' }, { method: 'eth_signTypedData_v4' });
    expect(td.typed_data).toEqual({ domain: { name: 'Mailer', version: null, chain_id: '1', verifying_contract: null, salt: null }, primary_type: 'Mail', message: { to: ALICE, amount: '5' }, recognized: false });

    const msg = contextOf({ type: 'eth.message', message: 'hello', encoding: 'utf8' }, { method: 'personal_sign' });
    expect(msg.message).toEqual({ encoding: 'utf8', text: 'hello', hex: '0x68656c6c6f', length: 5 });
    const psbt = contextOf({ type: 'btc.psbt', psbt: 'cHNidP8B', network: 'mainnet', allowSighash: ['NONE'] }, { method: 'psbt' });
    expect(psbt).toMatchObject({ chain: 'bitcoin', psbt: { network: 'mainnet', allow_sighash: ['NONE'] }, transaction: null });
  });

  it('history sums by chain and token; a malformed context is refused with the field named', () => {
    const ctx = contextOf(ethTransfer('1'), { history: { native: [{ chain_id: '1', spent: '5' }, { chain_id: '1', spent: '6' }, { chain_id: '10', spent: '100' }], tokens: [{ chain_id: '1', token: USDC.toLowerCase() as string, spent: '7' }] } });
    expect(nativeSpent(ctx, '1')).toBe(11n);
    expect(tokenSpent(ctx, '1', USDC)).toBe(7n);
    expect(() => parsePolicyContext({ ...ctx, transaction: { ...ctx.transaction, value: '1.5' } })).toThrow('policy context: transaction.value: expected a decimal integer string');
    expect(codeOf(() => contextOf(ethTransfer('1'), { history: { native: [{ chain_id: 'x', spent: '1' }], tokens: [] } }))).toBe('INVALID_INPUT');
  });

  it('spendingOf: what a signed request adds to the 24-hour sums', () => {
    expect(spendingOf(contextOf(ethTransfer('1.5')))).toEqual({ native: [{ chain_id: '1', spent: parseEther('1.5').toString() }], tokens: [] });
    expect(spendingOf(contextOf(tokenCall('transfer', 42n)))).toEqual({ native: [], tokens: [{ chain_id: '1', token: USDC, spent: '42' }] });
    expect(spendingOf(contextOf(tokenCall('approve', 42n)))).toEqual({ native: [], tokens: [] });
    expect(spendingOf(contextOf({ type: 'eth.message', message: 'hi', encoding: 'utf8' }))).toEqual({ native: [], tokens: [] });
  });

  it('a request that does not decode is INVALID_INPUT, as signing it would be', () => {
    expect(codeOf(() => contextOf({ type: 'eth.transaction', transaction: '{"type":2}' }))).toBe('INVALID_INPUT');
    expect(codeOf(() => contextOf({ type: 'eth.transaction', transaction: JSON.parse(JSON.stringify(ethTransfer('1'))).transaction, chainId: '5' }))).toBe('INVALID_INPUT');
  });
});
