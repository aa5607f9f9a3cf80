/**
 * The policy editor's form model: a definition survives the round trip through form text
 * unchanged (so an untouched stored policy is not "dirty"), every rule type's form yields what
 * shared/api/policy's schema accepts, text the schema refuses is passed on as text (the core names
 * the field), and the core's field-named error maps back to its control.
 */
import { describe, expect, it } from 'vitest';
import { policyDefinitionSchema, ruleSchema, type RuleType } from '../../../shared/api/policy.js';
import { parseContextText, ethTransferContext } from './bench-context.js';
import { definitionToDraft, draftToDefinition, draftToRule, errorAt, fieldErrorOf, formatUnits, newPolicyDraft, newRule, parseUnits, RULE_TYPES, rulesSummary } from './policy-form.js';

const ADDR = '0x1111111111111111111111111111111111111111';
const TOKEN = '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48';

const FILLED: Record<RuleType, Record<string, string>> = {
  valueLimit: { perTransaction: '10', per24h: '20', chainIds: '1\n10' },
  approvalThreshold: { value: '5', tokens: `${TOKEN} 500` },
  recipients: { addresses: `${ADDR}, ${TOKEN}` },
  contracts: { addresses: ADDR },
  selectors: { selectors: '0xa9059cbb' },
  chains: { chainIds: '1 8453' },
  tokenLimit: { token: TOKEN, perTransaction: '100' },
  timeWindow: { from: '09:00', to: '17:00', timezone: 'Europe/Berlin' },
  blindSigning: { knownTypedData: 'Order' },
};

describe('policy form', () => {
  it('gives every rule type a form the schema accepts once filled', () => {
    expect(RULE_TYPES.map((t) => t.type).sort()).toEqual(Object.keys(FILLED).sort());
    for (const t of RULE_TYPES) {
      const draft = newRule(t.type);
      const filled = { ...draft, values: { ...draft.values, ...FILLED[t.type] } };
      const parsed = ruleSchema.safeParse(draftToRule(filled));
      expect(parsed.success, `${t.type}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });

  it('round-trips a stored definition without a change', () => {
    const def = policyDefinitionSchema.parse({
      name: 'treasury',
      kind: 'rules',
      scope: { kind: 'namespace', namespace: 'treasury' },
      priority: 10,
      description: 'limits',
      quorum: { required: 2, approvers: ['alice', 'bob', 'carol'] },
      rules: [
        { type: 'chains', mode: 'allow', chainIds: [1, '10'] },
        { type: 'valueLimit', perTransaction: '10', name: 'cap' },
        { type: 'timeWindow', days: ['mon', 'fri'], from: '09:00', to: '17:00', action: 'require-approval' },
        { type: 'approvalThreshold', tokens: [{ token: TOKEN, amount: '5' }] },
      ],
    });
    const back = draftToDefinition(definitionToDraft(def, 'default'));
    expect(policyDefinitionSchema.parse(back)).toEqual(def);
    expect(draftToDefinition(definitionToDraft(policyDefinitionSchema.parse(back), 'default'))).toEqual(back);
  });

  it('passes text the schema refuses on as text, for the core to name', () => {
    const d = newPolicyDraft('rules', 'default');
    const rule = d.rules[0];
    if (rule === undefined) throw new Error('a new rules policy starts with a rule');
    const def = draftToDefinition({ ...d, name: 'x', priority: 'high', rules: [{ ...rule, values: { ...rule.values, perTransaction: '1.5' } }] });
    expect(def).toMatchObject({ priority: 'high', rules: [{ type: 'valueLimit', perTransaction: '1.5' }] });
    expect(policyDefinitionSchema.safeParse(def).success).toBe(false);
  });

  it('maps the core’s field-named error to its control', () => {
    const e = fieldErrorOf('policy.rules[0].perTransaction: expected a decimal amount in base units (wei, token units)');
    expect(e).toEqual({ path: 'rules[0].perTransaction', message: 'expected a decimal amount in base units (wei, token units)' });
    expect(errorAt(e, 'rules[0].perTransaction')).toBe(e?.message);
    expect(errorAt(e, 'rules[0]')).toBe(e?.message);
    expect(errorAt(e, 'rules[0].per24h')).toBeUndefined();
    expect(errorAt(e, 'rules[1]')).toBeUndefined();
    expect(errorAt(fieldErrorOf('policy.rules[2].addresses[1]: expected a 0x-prefixed 20-byte address'), 'rules[2].addresses')).toBe('expected a 0x-prefixed 20-byte address');
    expect(fieldErrorOf('policy.scope.namespace: bad')?.path).toBe('scope.namespace');
    expect(fieldErrorOf('the vault is locked')).toBeUndefined();
  });

  it('reads amounts both ways and summarises rule sets', () => {
    expect(formatUnits('1500000000000000000')).toBe('1.5');
    expect(formatUnits('100000000000000000000')).toBe('100');
    expect(formatUnits('1.5')).toBeUndefined();
    expect(parseUnits('0.1')).toBe('100000000000000000');
    expect(parseUnits('5')).toBe('5000000000000000000');
    expect(parseUnits('1e3')).toBeUndefined();
    const rules = ruleSchema.array().parse([{ type: 'valueLimit', perTransaction: '1' }, { type: 'recipients', mode: 'allow', addresses: [ADDR] }, { type: 'valueLimit', per24h: '2' }]);
    expect(rulesSummary(rules)).toBe('Value limit ×2, Recipients');
  });

  it('builds bench contexts that parse back', () => {
    const ctx = ethTransferContext({ namespace: 'default', keyId: 'hot-1', now: 1 }, '0.1');
    expect((ctx.transaction as { value: string }).value).toBe('100000000000000000');
    expect(parseContextText(JSON.stringify(ctx))).toEqual({ ok: true, value: ctx });
    expect(parseContextText('[1]').ok).toBe(false);
    expect(parseContextText('{').ok).toBe(false);
  });
});
