/**
 * The AssemblyScript SDK and example policies, compiled here with the AssemblyScript compiler
 * (as `npm run build:policies` does), validated and metered as an install would, and run through
 * the worker and the engine on contexts built from real requests.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy, EXAMPLES_DIR, examplePolicies } from '../../../scripts/build-policies.js';
import { contextJson, type PolicyContext } from './context.js';
import { parsePolicyDefinition, PolicyEngine } from './engine.js';
import { ALICE, BOB, contextOf, ethTransfer, FRIDAY_1030_UTC, tokenCall, USDC } from './test-context.js';
import { instrumentPolicyModule, validatePolicyModule } from './wasm/instrument.js';
import { PolicyRuntime } from './wasm/runtime.js';

const runtime = new PolicyRuntime();
const modules = new Map<string, string>();

beforeAll(async () => {
  for (const name of examplePolicies()) {
    const bytes = await compilePolicy(join(EXAMPLES_DIR, `${name}.ts`));
    const sha = createHash('sha256').update(bytes).digest('hex');
    const metered = await instrumentPolicyModule(bytes);
    runtime.load(sha, metered.bytes, metered);
    modules.set(name, sha);
  }
}, 120_000);
afterAll(() => runtime.close());

const run = async (name: string, ctx: PolicyContext) => runtime.evaluate(modules.get(name) as string, contextJson(ctx));
const at = (ms: number, request = ethTransfer('1')) => contextOf(request, { environment: { timestamp: ms, request_id: 'r', client: { transport: 'cli', id: 'cli', label: 'cli' }, simulation: false } });

describe('example policies (AssemblyScript)', () => {
  it('all four build, without floats, and pass install validation', async () => {
    expect([...modules.keys()]).toEqual(['business-hours', 'erc20-daily-limit', 'recipient-allowlist', 'spending-limit']);
    const bytes = await compilePolicy(join(EXAMPLES_DIR, 'spending-limit.ts'));
    expect(await validatePolicyModule(bytes)).toMatchObject({ imports: ['reason'], initialize: true });
  });

  it('spending limit: allow at 0.1 ETH, approval at 5 ETH, deny at 100 ETH', async () => {
    expect(await run('spending-limit', contextOf(ethTransfer('0.1')))).toMatchObject({ decision: 'allow', reason: 'under 1 ETH', failure: null });
    expect(await run('spending-limit', contextOf(ethTransfer('5')))).toMatchObject({ decision: 'require-approval', reason: '1 to 10 ETH needs an operator' });
    expect(await run('spending-limit', contextOf(ethTransfer('100')))).toMatchObject({ decision: 'deny', reason: 'more than 10 ETH', failure: null });
    expect((await run('spending-limit', contextOf(ethTransfer('1')))).decision).toBe('require-approval');
    expect((await run('spending-limit', contextOf(ethTransfer('10')))).decision).toBe('require-approval');
    expect((await run('spending-limit', contextOf(ethTransfer('10.000000000000000001')))).decision).toBe('deny');
    expect((await run('spending-limit', contextOf({ type: 'eth.message', message: 'hi', encoding: 'utf8' }, { method: 'personal_sign' }))).decision).toBe('allow');
  });

  it('the same input gives the same decision and fuel every time', async () => {
    const ctx = contextOf(ethTransfer('5'));
    const first = await run('spending-limit', ctx);
    for (let i = 0; i < 10; i++) {
      const again = await run('spending-limit', ctx);
      expect([again.decision, again.reason, again.fuel]).toEqual([first.decision, first.reason, first.fuel]);
    }
    expect(first.fuel).toBeGreaterThan(1000);
  });

  it('recipient allow-list: plain and ERC-20 recipients; creation denied', async () => {
    expect(await run('recipient-allowlist', contextOf(ethTransfer('1', ALICE)))).toMatchObject({ decision: 'allow', reason: `recipient ${ALICE} is on the allow-list` });
    expect(await run('recipient-allowlist', contextOf(ethTransfer('1', '0x3333333333333333333333333333333333333333')))).toMatchObject({ decision: 'deny' });
    expect((await run('recipient-allowlist', contextOf(tokenCall('transfer', 5n, BOB)))).decision).toBe('allow');
    expect((await run('recipient-allowlist', contextOf(tokenCall('transfer', 5n, '0x4444444444444444444444444444444444444444')))).decision).toBe('deny');
    const creation = contextOf({ type: 'eth.transaction', transaction: JSON.stringify({ type: 2, chainId: 1, nonce: 0, value: '0', data: '0x6000', gas: 90000, maxFeePerGas: '1', maxPriorityFeePerGas: '1' }) });
    expect(await run('recipient-allowlist', creation)).toMatchObject({ decision: 'deny', reason: 'contract creation has no allowed recipient' });
  });

  it('business hours: allow on a Friday morning, approval in the evening and on Saturday', async () => {
    expect((await run('business-hours', at(FRIDAY_1030_UTC))).decision).toBe('allow');
    expect(await run('business-hours', at(FRIDAY_1030_UTC + 7 * 3600_000))).toMatchObject({ decision: 'require-approval', reason: 'outside 09:00-17:00 UTC: an operator approves' });
    expect(await run('business-hours', at(FRIDAY_1030_UTC + 24 * 3600_000))).toMatchObject({ decision: 'require-approval', reason: 'weekend: an operator approves' });
  });

  it('ERC-20 daily limit: counts the history and this transfer', async () => {
    expect(await run('erc20-daily-limit', contextOf(tokenCall('transfer', 9_000_000_000n)))).toMatchObject({ decision: 'allow', reason: 'USDC in 24 hours: 9000000000 of 10000000000' });
    const history = { native: [], tokens: [{ chain_id: '1', token: USDC, spent: '600000000' }, { chain_id: '1', token: USDC.toLowerCase(), spent: '500000000' }, { chain_id: '10', token: USDC, spent: '99999999999' }] };
    expect(await run('erc20-daily-limit', contextOf(tokenCall('transfer', 9_000_000_000n), { history }))).toMatchObject({ decision: 'deny', reason: 'USDC in 24 hours would be 10100000000 (limit 10000000000)' });
    expect((await run('erc20-daily-limit', contextOf(tokenCall('approve', 2n ** 256n - 1n)))).decision).toBe('deny');
    expect((await run('erc20-daily-limit', contextOf(ethTransfer('100')))).decision).toBe('allow');
  });

  it('the SDK reads any context the host builds: escapes, non-ASCII text, nested typed data', async () => {
    const text = 'h\u00e9llo "quoted" \\ back\tslash\n\u2028 \ud83d\ude00 ünïcödé';
    const msg = contextOf({ type: 'eth.message', message: text, encoding: 'utf8' }, { method: 'personal_sign' });
    expect(await run('spending-limit', msg)).toMatchObject({ decision: 'allow', reason: 'not a transaction' });
    const typed = {
      types: { EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'chainId', type: 'uint256' }], Order: [{ name: 'items', type: 'Item[]' }, { name: 'note', type: 'string' }], Item: [{ name: 'id', type: 'uint256' }, { name: 'ok', type: 'bool' }] },
      primaryType: 'Order',
      domain: { name: 'Shop "é"', chainId: 1 },
      message: { items: [{ id: '1', ok: true }, { id: '2', ok: false }], note: 'ü\n' },
    };
    const ctx = contextOf({ type: 'eth.typedData', typedData: JSON.stringify(typed), chainId: '1' }, { method: 'eth_signTypedData_v4' });
    expect(await run('spending-limit', ctx)).toMatchObject({ decision: 'allow', reason: 'not a transaction' });
    // Not JSON at all: the SDK says so, and the policy denies.
    expect(await runtime.evaluate(modules.get('spending-limit') as string, '{"version":1,')).toMatchObject({ decision: 'deny', reason: 'the context is not readable' });
  });

  it('through the engine, with rules beside them', async () => {
    const engine = new PolicyEngine(runtime);
    const policies = [
      parsePolicyDefinition({ name: 'spending', kind: 'wasm', scope: { kind: 'global' }, module: modules.get('spending-limit') }),
      parsePolicyDefinition({ name: 'hours', kind: 'wasm', scope: { kind: 'namespace', namespace: 'default' }, module: modules.get('business-hours') }),
      parsePolicyDefinition({ name: 'chains', kind: 'rules', scope: { kind: 'global' }, rules: [{ type: 'chains', mode: 'allow', chainIds: ['1'] }] }),
    ];
    expect((await engine.evaluate(policies, at(FRIDAY_1030_UTC, ethTransfer('0.1')))).decision).toBe('allow');
    const e = await engine.evaluate(policies, at(FRIDAY_1030_UTC, ethTransfer('5')));
    expect(e).toMatchObject({ decision: 'require-approval', reasons: ['spending: 1 to 10 ETH needs an operator'] });
    expect(e.results.map((r) => [r.name, r.decision])).toEqual([
      ['chains', 'allow'],
      ['spending', 'require-approval'],
      ['hours', 'allow'],
    ]);
    expect((await engine.evaluate(policies, at(FRIDAY_1030_UTC, ethTransfer('100')))).decision).toBe('deny');
  });
});
