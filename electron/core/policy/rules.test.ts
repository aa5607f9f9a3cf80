import { parseEther } from 'ethers';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../../../test/support.js';
import { evaluateRules, parseRules, type RuleInput } from './rules.js';
import { ALICE, BOB, contextOf, ethTransfer, FRIDAY_1030_UTC, tokenCall, USDC } from './test-context.js';

const run = (rules: RuleInput[], ctx = contextOf(ethTransfer('1'))) => evaluateRules(parseRules(rules), ctx);
const wei = (ether: string): string => parseEther(ether).toString();

describe('rule validation', () => {
  it('names the rule and field that is wrong', () => {
    expect(() => parseRules([{ type: 'valueLimit', perTransaction: '1.5' }])).toThrow('rules[0].perTransaction: expected a decimal amount in base units (wei, token units)');
    expect(() => parseRules([{ type: 'recipients', mode: 'allow', addresses: [ALICE, '0x12'] }])).toThrow('rules[0].addresses[1]: expected a 0x-prefixed 20-byte address');
    expect(() => parseRules([{ type: 'chains', mode: 'allow', chainIds: [1] }, { type: 'timeWindow', from: '9:00', to: '17:00' }])).toThrow('rules[1].from: expected HH:MM (24-hour)');
    expect(() => parseRules([{ type: 'timeWindow', from: '09:00', to: '17:00', timezone: 'Mars/Olympus' }])).toThrow('rules[0].timezone: expected an IANA time zone');
    expect(() => parseRules([{ type: 'valueLimit' }])).toThrow('rules[0].perTransaction: give perTransaction, per24h or both');
    expect(() => parseRules([{ type: 'nope' }])).toThrow(/rules\[0\]\.type/);
    expect(() => parseRules([{ type: 'selectors', mode: 'deny', selectors: ['0xa9059cbb'], extra: 1 }])).toThrow(/rules\[0\]/);
    expect(codeOf(() => parseRules([]))).toBe('INVALID_INPUT');
  });

  it('fills defaults (action deny, approvals counted, every day, UTC)', () => {
    expect(parseRules([{ type: 'timeWindow', from: '09:00', to: '17:00' }])[0]).toEqual({ type: 'timeWindow', from: '09:00', to: '17:00', timezone: 'UTC', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], action: 'deny' });
    expect(parseRules([{ type: 'tokenLimit', token: USDC, perTransaction: '5' }])[0]).toMatchObject({ includeApprovals: true, action: 'deny' });
    expect(parseRules([{ type: 'selectors', mode: 'allow', selectors: ['0xA9059CBB'] }])[0]).toMatchObject({ selectors: ['0xa9059cbb'] });
  });
});

describe('rule evaluation', () => {
  it('recipient allow- and deny-lists (plain transfers and ERC-20 recipients), case-insensitive', () => {
    expect(run([{ type: 'recipients', mode: 'allow', addresses: [ALICE.toLowerCase()] }]).decision).toBe('allow');
    expect(run([{ type: 'recipients', mode: 'allow', addresses: [BOB] }])).toEqual({ decision: 'deny', reason: `recipients#1: recipient ${ALICE} is not on the allow-list`, rule: 'recipients#1' });
    expect(run([{ type: 'recipients', mode: 'deny', addresses: [BOB], name: 'no-bob' }], contextOf(tokenCall('transfer', 5n, BOB))).reason).toBe(`no-bob: recipient ${BOB} is on the deny-list`);
    expect(run([{ type: 'recipients', mode: 'allow', addresses: [ALICE] }], contextOf({ type: 'eth.message', message: 'hi', encoding: 'utf8' })).decision).toBe('allow');
  });

  it('contracts, selectors and chains', () => {
    const token = contextOf(tokenCall('transfer', 5n));
    expect(run([{ type: 'contracts', mode: 'allow', addresses: [USDC] }], token).decision).toBe('allow');
    expect(run([{ type: 'contracts', mode: 'deny', addresses: [USDC] }], token).decision).toBe('deny');
    expect(run([{ type: 'contracts', mode: 'allow', addresses: [BOB] }]).decision).toBe('allow'); // a plain transfer calls no contract
    expect(run([{ type: 'selectors', mode: 'allow', selectors: ['0xa9059cbb'] }], token).decision).toBe('allow');
    expect(run([{ type: 'selectors', mode: 'allow', selectors: ['0xa9059cbb'] }], contextOf(tokenCall('approve', 5n))).reason).toMatch(/function selector 0x095ea7b3 is not on the allow-list/);
    expect(run([{ type: 'chains', mode: 'allow', chainIds: ['1', 10] }]).decision).toBe('allow');
    expect(run([{ type: 'chains', mode: 'allow', chainIds: ['10'] }]).reason).toMatch(/chain 1 is not on the allow-list/);
    expect(run([{ type: 'chains', mode: 'deny', chainIds: ['1'], action: 'require-approval' }]).decision).toBe('require-approval');
  });

  it('native value per transaction and per rolling 24 hours (history plus this request)', () => {
    expect(run([{ type: 'valueLimit', perTransaction: wei('1') }]).decision).toBe('allow');
    expect(run([{ type: 'valueLimit', perTransaction: wei('0.5') }]).reason).toMatch(/above the per-transaction limit/);
    const history = { native: [{ chain_id: '1', spent: wei('9.5') }], tokens: [] };
    expect(run([{ type: 'valueLimit', per24h: wei('10') }], contextOf(ethTransfer('0.5'), { history })).decision).toBe('allow');
    expect(run([{ type: 'valueLimit', per24h: wei('10') }], contextOf(ethTransfer('0.6'), { history })).reason).toMatch(/would pass the limit/);
    // Another chain's spending does not count; a limit for other chains does not apply.
    expect(run([{ type: 'valueLimit', per24h: wei('10') }], contextOf(ethTransfer('0.6', ALICE, 10), { history })).decision).toBe('allow');
    expect(run([{ type: 'valueLimit', chainIds: ['10'], perTransaction: '1' }]).decision).toBe('allow');
  });

  it('ERC-20 limits count transfers and approvals of that token', () => {
    const rule: RuleInput = { type: 'tokenLimit', token: USDC, perTransaction: '1000', per24h: '5000' };
    expect(run([rule], contextOf(tokenCall('transfer', 1000n))).decision).toBe('allow');
    expect(run([rule], contextOf(tokenCall('transfer', 1001n))).reason).toMatch(/token transfer of 1001 is above the per-transaction limit of 1000/);
    expect(run([rule], contextOf(tokenCall('approve', 2n ** 255n))).decision).toBe('deny');
    expect(run([{ ...rule, includeApprovals: false }], contextOf(tokenCall('approve', 2n ** 255n))).decision).toBe('allow');
    const history = { native: [], tokens: [{ chain_id: '1', token: USDC, spent: '4500' }] };
    expect(run([rule], contextOf(tokenCall('transfer', 600n), { history })).reason).toMatch(/5100 of .* in 24 hours \(4500 spent \+ 600\)/);
    expect(run([rule], contextOf(tokenCall('transfer', 600n, BOB, ALICE))).decision).toBe('allow'); // another token
  });

  it('time windows, in a time zone, across midnight', () => {
    const at = (ms: number) => contextOf(ethTransfer('1'), { environment: { timestamp: ms, request_id: 'r', client: { transport: 'cli', id: 'cli', label: 'cli' }, simulation: false } });
    const office: RuleInput = { type: 'timeWindow', days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' };
    expect(run([office], at(FRIDAY_1030_UTC)).decision).toBe('allow');
    expect(run([office], at(FRIDAY_1030_UTC + 7 * 3600_000)).reason).toMatch(/outside the signing window mon,tue,wed,thu,fri 09:00-17:00 UTC/); // 17:30
    expect(run([office], at(FRIDAY_1030_UTC + 24 * 3600_000)).decision).toBe('deny'); // Saturday
    // 10:30 UTC is 19:30 in Tokyo.
    expect(run([{ ...office, timezone: 'Asia/Tokyo' }], at(FRIDAY_1030_UTC)).decision).toBe('deny');
    const night: RuleInput = { type: 'timeWindow', days: ['fri'], from: '22:00', to: '06:00', action: 'require-approval' };
    expect(run([night], at(Date.UTC(2026, 10, 28, 3, 0))).decision).toBe('allow'); // Saturday 03:00 belongs to Friday night
    expect(run([night], at(Date.UTC(2026, 10, 29, 3, 0))).decision).toBe('require-approval'); // Sunday 03:00
  });

  it('approval thresholds ask an operator', () => {
    const rule: RuleInput = { type: 'approvalThreshold', value: wei('1'), tokens: [{ token: USDC, amount: '100' }] };
    expect(run([rule], contextOf(ethTransfer('1'))).decision).toBe('allow');
    expect(run([rule], contextOf(ethTransfer('1.01'))).decision).toBe('require-approval');
    expect(run([rule], contextOf(tokenCall('transfer', 101n))).reason).toMatch(/token amount 101 .* above the approval threshold of 100/);
  });

  it('refuses blind signing: eth_sign, unrecognised typed data, unknown calldata, non-default sighash', () => {
    const rule: RuleInput = { type: 'blindSigning' };
    expect(run([rule], contextOf({ type: 'eth.message', message: '0x' + 'ab'.repeat(32), encoding: 'hex' }, { method: 'eth_sign' })).reason).toMatch(/eth_sign/);
    expect(run([rule], contextOf({ type: 'eth.message', message: 'hello', encoding: 'utf8' }, { method: 'personal_sign' })).decision).toBe('allow');
    const typed = JSON.stringify({ types: { EIP712Domain: [{ name: 'chainId', type: 'uint256' }], Order: [{ name: 'id', type: 'uint256' }] }, primaryType: 'Order', domain: { chainId: 1 }, message: { id: '1' } });
    expect(run([rule], contextOf({ type: 'eth.typedData', typedData: typed, chainId: '1' })).reason).toMatch(/typed data Order is not a known kind/);
    expect(run([{ ...rule, knownTypedData: ['Order'] }], contextOf({ type: 'eth.typedData', typedData: typed, chainId: '1' })).decision).toBe('allow');
    const unknownCall = contextOf({ type: 'eth.transaction', transaction: JSON.stringify({ type: 2, chainId: 1, nonce: 0, to: ALICE, value: '0', data: '0xdeadbeef', gas: 50000, maxFeePerGas: '1', maxPriorityFeePerGas: '1' }) });
    expect(run([rule], unknownCall).reason).toMatch(/the call to function 0xdeadbeef cannot be decoded/);
    expect(run([rule], contextOf(tokenCall('transfer', 1n))).decision).toBe('allow');
    expect(run([rule], contextOf({ type: 'btc.psbt', psbt: 'cHNidP8B', network: 'mainnet', allowSighash: ['SINGLE|ANYONECANPAY'] })).reason).toMatch(/non-default sighash types \(SINGLE\|ANYONECANPAY\)/);
  });

  it('combines within a set: any deny denies, else any approval asks; every objection is named', () => {
    const r = run([
      { type: 'approvalThreshold', value: '1', name: 'big' },
      { type: 'chains', mode: 'allow', chainIds: ['10'], name: 'l2-only' },
      { type: 'recipients', mode: 'deny', addresses: [ALICE], name: 'no-alice' },
    ]);
    expect(r.decision).toBe('deny');
    expect(r.reason).toBe(`l2-only: chain 1 is not on the allow-list; no-alice: recipient ${ALICE} is on the deny-list`);
    expect(run([{ type: 'approvalThreshold', value: '1', name: 'big' }]).decision).toBe('require-approval');
    expect(run([{ type: 'approvalThreshold', value: wei('2') }])).toEqual({ decision: 'allow', reason: 'no rule objected', rule: null });
  });
});
