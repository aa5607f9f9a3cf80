import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { applicablePolicies, combine, evaluationAuditDetails, parsePolicyDefinition, PolicyEngine, type PolicyDefinitionInput } from './engine.js';
import { ALICE, contextOf, ethTransfer } from './test-context.js';
import { instrumentPolicyModule } from './wasm/instrument.js';
import { PolicyRuntime } from './wasm/runtime.js';
import * as m from './wasm/test-modules.js';

const runtime = new PolicyRuntime();
afterAll(() => runtime.close());
const engine = new PolicyEngine(runtime);

async function install(bytes: Uint8Array): Promise<string> {
  const sha = createHash('sha256').update(bytes).digest('hex');
  const metered = await instrumentPolicyModule(bytes);
  runtime.load(sha, metered.bytes, metered);
  return sha;
}

const defs = (list: PolicyDefinitionInput[]) => list.map(parsePolicyDefinition);

describe('policy engine', () => {
  it('applies global, namespace and key policies that cover the signer, in priority order', () => {
    const list = defs([
      { name: 'key-b', kind: 'rules', scope: { kind: 'key', namespace: 'default', keyId: 'hot-1' }, priority: 10, rules: [{ type: 'blindSigning' }] },
      { name: 'ns', kind: 'rules', scope: { kind: 'namespace', namespace: 'default' }, priority: 10, rules: [{ type: 'blindSigning' }] },
      { name: 'global', kind: 'rules', scope: { kind: 'global' }, rules: [{ type: 'blindSigning' }] },
      { name: 'first', kind: 'rules', scope: { kind: 'global' }, priority: -5, rules: [{ type: 'blindSigning' }] },
      { name: 'other-ns', kind: 'rules', scope: { kind: 'namespace', namespace: 'ops' }, rules: [{ type: 'blindSigning' }] },
      { name: 'other-key', kind: 'rules', scope: { kind: 'key', namespace: 'default', keyId: 'cold' }, rules: [{ type: 'blindSigning' }] },
      { name: 'off', kind: 'rules', scope: { kind: 'global' }, enabled: false, rules: [{ type: 'blindSigning' }] },
    ]);
    expect(applicablePolicies(list, 'default', 'hot-1').map((p) => p.name)).toEqual(['first', 'ns', 'key-b', 'global']);
  });

  it('combines: any deny → deny; else any require-approval → require-approval; else allow', () => {
    expect(combine([{ name: 'a', decision: 'allow', reason: 'ok' }, { name: 'b', decision: 'require-approval', reason: 'big' }, { name: 'c', decision: 'deny', reason: 'no' }])).toEqual({ decision: 'deny', reasons: ['c: no'] });
    expect(combine([{ name: 'a', decision: 'allow', reason: 'ok' }, { name: 'b', decision: 'require-approval', reason: 'big' }])).toEqual({ decision: 'require-approval', reasons: ['b: big'] });
    expect(combine([{ name: 'a', decision: 'allow', reason: 'ok' }])).toEqual({ decision: 'allow', reasons: ['a: ok'] });
    expect(combine([])).toEqual({ decision: 'allow', reasons: ['no policy applies'] });
    expect(combine([], 'require-approval').decision).toBe('require-approval');
  });

  it('runs rules and WASM policies together; every result is reported with fuel, logs and time', async () => {
    const allow = await install(m.ALLOW);
    const loop = await install(m.INFINITE_LOOP);
    const ctx = contextOf(ethTransfer('1'));
    const list = defs([
      { name: 'limits', kind: 'rules', scope: { kind: 'global' }, rules: [{ type: 'approvalThreshold', value: '1' }] },
      { name: 'wasm-ok', kind: 'wasm', scope: { kind: 'namespace', namespace: 'default' }, module: allow },
    ]);
    const e = await engine.evaluate(list, ctx);
    expect(e.decision).toBe('require-approval');
    expect(e.reasons).toEqual(['limits: approvalThreshold#1: value 1000000000000000000 wei is above the approval threshold of 1 wei']);
    expect(e.results.map((r) => [r.name, r.kind, r.decision])).toEqual([
      ['limits', 'rules', 'require-approval'],
      ['wasm-ok', 'wasm', 'allow'],
    ]);
    expect(e.results[1]).toMatchObject({ reason: 'allowed by test', logs: [{ level: 1, message: 'allowed' }], module: allow });
    expect(e.fuel).toBe(e.results[1]?.fuel);
    expect(e.fuel).toBeGreaterThan(0);

    const denied = await engine.evaluate([...list, ...defs([{ name: 'spinner', kind: 'wasm', scope: { kind: 'global' }, module: loop, fuel: 50_000 }])], ctx);
    expect(denied.decision).toBe('deny');
    expect(denied.reasons).toEqual(['spinner: out of fuel (budget 50000)']);
    const details = evaluationAuditDetails(denied);
    expect(details).toMatchObject({ decision: 'deny', reasons: 'spinner: out of fuel (budget 50000)' });
    expect(JSON.parse(details['policies'] as string)).toHaveLength(3);
  });

  it('a WASM policy whose module is not installed denies', async () => {
    const e = await engine.evaluate(defs([{ name: 'gone', kind: 'wasm', scope: { kind: 'global' }, module: 'ab'.repeat(32) }]), contextOf(ethTransfer('1', ALICE)));
    expect(e).toMatchObject({ decision: 'deny', reasons: [`gone: policy module abababababab… is not installed`] });
  });

  it('a bad definition is refused with the field named', () => {
    expect(() => parsePolicyDefinition({ name: 'x', kind: 'rules', scope: { kind: 'global' }, rules: [{ type: 'valueLimit', per24h: 'lots' }] })).toThrow('policy.rules[0].per24h: expected a decimal amount');
    expect(() => parsePolicyDefinition({ name: 'x y', kind: 'wasm', scope: { kind: 'global' }, module: 'ab'.repeat(32) })).toThrow('policy.name: expected 1-64 of A-Z a-z 0-9 . _ -');
    expect(() => parsePolicyDefinition({ name: 'x', kind: 'wasm', scope: { kind: 'key', namespace: 'default' }, module: 'ab'.repeat(32) })).toThrow(/policy\.scope\.keyId/);
  });
});
