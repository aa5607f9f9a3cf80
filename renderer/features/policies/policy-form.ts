/**
 * @module renderer/features/policies/policy-form
 * The policy editor's form model: a definition (shared/api/policy) as form text — lists one per
 * line, amounts as typed — and back. The form does not validate beyond turning text into the
 * definition's shape: the core checks every field with the same zod schemas the CLI and
 * custos.yaml go through, and its error names the field (`policy.rules[0].perTransaction: …`),
 * which `fieldErrorOf` maps back to the control that shows it.
 *
 * Pure: no React, no store.
 */
import { RULE_DAYS, type PolicyDefinition, type Rule, type RuleType } from '../../../shared/api/policy.js';

export type FieldKind = 'mode' | 'action' | 'list' | 'amount' | 'text' | 'time' | 'days' | 'bool' | 'tokens' | 'timezone';

export interface FieldSpec {
  readonly key: string;
  readonly label: string;
  readonly kind: FieldKind;
  readonly hint?: string;
  readonly placeholder?: string;
  /** An empty optional field is left out of the definition (its default applies). */
  readonly optional?: boolean;
  /** Amounts: what unit, for the hint beside them. */
  readonly unit?: 'wei' | 'token';
}

export interface RuleTypeSpec {
  readonly type: RuleType;
  readonly label: string;
  readonly summary: string;
  readonly fields: readonly FieldSpec[];
}

const mode: FieldSpec = { key: 'mode', label: 'Mode', kind: 'mode' };
const action: FieldSpec = { key: 'action', label: 'When it objects', kind: 'action' };
const chains: FieldSpec = { key: 'chainIds', label: 'Chains', kind: 'list', optional: true, placeholder: 'Every chain', hint: 'Chain ids (1 Ethereum, 10 Optimism…), one per line; empty: every chain.' };
const addresses: FieldSpec = { key: 'addresses', label: 'Addresses', kind: 'list', placeholder: '0x1111111111111111111111111111111111111111', hint: '0x addresses, one per line.' };

export const RULE_TYPES: readonly RuleTypeSpec[] = [
  { type: 'valueLimit', label: 'Value limit', summary: 'Native value (wei) per transaction and per rolling 24 hours', fields: [{ key: 'perTransaction', label: 'Per transaction', kind: 'amount', unit: 'wei', optional: true }, { key: 'per24h', label: 'Per 24 hours', kind: 'amount', unit: 'wei', optional: true }, chains, action] },
  { type: 'approvalThreshold', label: 'Approval threshold', summary: 'An operator approves above a value or a token amount', fields: [{ key: 'value', label: 'Native value above', kind: 'amount', unit: 'wei', optional: true }, { key: 'tokens', label: 'Token amounts above', kind: 'tokens', optional: true, placeholder: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48 5000000000', hint: 'One per line: token address, then the amount in base units.' }, chains] },
  { type: 'recipients', label: 'Recipients', summary: 'Who receives: plain transfers, ERC-20 recipients and spenders', fields: [mode, addresses, action] },
  { type: 'contracts', label: 'Contracts', summary: 'Which contracts may be called (and typed data’s verifying contract)', fields: [mode, addresses, action] },
  { type: 'selectors', label: 'Functions', summary: 'Which functions may be called, by 4-byte selector', fields: [mode, { key: 'selectors', label: 'Selectors', kind: 'list', placeholder: '0xa9059cbb', hint: '4-byte selectors, one per line (0xa9059cbb is ERC-20 transfer).' }, action] },
  { type: 'chains', label: 'Chains', summary: 'Which chains a transaction or typed data may target', fields: [mode, { key: 'chainIds', label: 'Chains', kind: 'list', placeholder: '1\n10\n8453', hint: 'Chain ids, one per line.' }, action] },
  { type: 'tokenLimit', label: 'Token limit', summary: 'One ERC-20 token’s amount per transfer and per 24 hours', fields: [{ key: 'token', label: 'Token contract', kind: 'text', placeholder: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48' }, { key: 'perTransaction', label: 'Per transfer', kind: 'amount', unit: 'token', optional: true }, { key: 'per24h', label: 'Per 24 hours', kind: 'amount', unit: 'token', optional: true }, { key: 'includeApprovals', label: 'Count approvals too', kind: 'bool' }, chains, action] },
  { type: 'timeWindow', label: 'Time window', summary: 'Signing only on some days, between two times', fields: [{ key: 'days', label: 'Days', kind: 'days' }, { key: 'from', label: 'From', kind: 'time', placeholder: '09:00' }, { key: 'to', label: 'To', kind: 'time', placeholder: '17:00' }, { key: 'timezone', label: 'Time zone', kind: 'timezone', placeholder: 'UTC' }, action] },
  {
    type: 'blindSigning',
    label: 'Blind signing',
    summary: 'Refuse what the operator cannot read',
    fields: [
      { key: 'ethSign', label: 'eth_sign', kind: 'bool', hint: 'a raw hash' },
      { key: 'unknownTypedData', label: 'Unrecognised typed data', kind: 'bool' },
      { key: 'unknownCalldata', label: 'Calldata of unknown functions', kind: 'bool' },
      { key: 'nonDefaultSighash', label: 'Non-default Bitcoin sighash types', kind: 'bool' },
      { key: 'knownTypedData', label: 'Typed data types accepted', kind: 'list', optional: true, placeholder: 'Order', hint: 'EIP-712 primary types accepted besides the recognised permits, one per line.' },
      action,
    ],
  },
];

export function ruleTypeSpec(type: RuleType): RuleTypeSpec {
  const spec = RULE_TYPES.find((t) => t.type === type);
  if (spec === undefined) throw new Error(`unknown rule type ${type}`);
  return spec;
}

export type FormValue = string | boolean | readonly string[];

/** One rule as the form holds it. `id` keeps React's keys stable while rules move. */
export interface RuleDraft {
  readonly id: number;
  readonly type: RuleType;
  readonly name: string;
  readonly description: string;
  readonly values: Readonly<Record<string, FormValue>>;
}

export type ScopeKind = 'global' | 'namespace' | 'key';

export interface PolicyDraft {
  readonly kind: 'rules' | 'wasm';
  readonly name: string;
  readonly description: string;
  readonly scope: ScopeKind;
  readonly namespace: string;
  readonly keyId: string;
  readonly priority: string;
  readonly enabled: boolean;
  readonly rules: readonly RuleDraft[];
  readonly module: string;
  readonly fuel: string;
  readonly timeoutMs: string;
  /** M of N: how many distinct operators must approve, and who may (both empty: one operator). */
  readonly quorumRequired: string;
  readonly quorumApprovers: string;
  /** Fields of a stored definition this form does not edit, kept as they were on save. */
  readonly passthrough: Readonly<Record<string, unknown>>;
}

/** The definition fields the form edits; anything else a stored definition carries passes through. */
const EDITED = new Set(['name', 'kind', 'description', 'scope', 'priority', 'enabled', 'rules', 'module', 'fuel', 'timeoutMs', 'quorum']);

let nextId = 1;

function defaults(type: RuleType): Record<string, FormValue> {
  const out: Record<string, FormValue> = {};
  for (const f of ruleTypeSpec(type).fields) {
    if (f.kind === 'mode') out[f.key] = 'allow';
    else if (f.kind === 'action') out[f.key] = 'deny';
    else if (f.kind === 'bool') out[f.key] = true;
    else if (f.kind === 'days') out[f.key] = [...RULE_DAYS];
    else if (f.kind === 'timezone') out[f.key] = 'UTC';
    else out[f.key] = '';
  }
  return out;
}

export function newRule(type: RuleType): RuleDraft {
  return { id: nextId++, type, name: '', description: '', values: defaults(type) };
}

/** A stored rule as form text. */
export function ruleToDraft(rule: Rule): RuleDraft {
  const values = defaults(rule.type);
  const r = rule as unknown as Record<string, unknown>;
  for (const f of ruleTypeSpec(rule.type).fields) {
    const v = r[f.key];
    if (v === undefined) continue;
    if (f.kind === 'list') values[f.key] = (v as readonly (string | number)[]).map(String).join('\n');
    else if (f.kind === 'tokens') values[f.key] = (v as readonly { token: string; amount: string }[]).map((t) => `${t.token} ${t.amount}`).join('\n');
    else if (f.kind === 'days') values[f.key] = v as readonly string[];
    else if (f.kind === 'bool') values[f.key] = v === true;
    else values[f.key] = String(v);
  }
  return { id: nextId++, type: rule.type, name: rule.name ?? '', description: rule.description ?? '', values };
}

const splitList = (text: string): string[] => text.split(/[\s,]+/u).filter((x) => x !== '');

/** Form text → the rule as the schema reads it. Text stays text: the core says what is wrong with it. */
export function draftToRule(draft: RuleDraft): Record<string, unknown> {
  const out: Record<string, unknown> = { type: draft.type };
  if (draft.name.trim() !== '') out.name = draft.name.trim();
  if (draft.description.trim() !== '') out.description = draft.description.trim();
  for (const f of ruleTypeSpec(draft.type).fields) {
    const v = draft.values[f.key];
    if (v === undefined) continue;
    if (f.kind === 'bool') out[f.key] = v === true;
    else if (f.kind === 'days') out[f.key] = [...(v as readonly string[])];
    else if (f.kind === 'list') {
      const items = splitList(String(v));
      if (items.length > 0 || f.optional !== true) out[f.key] = items;
    } else if (f.kind === 'tokens') {
      const lines = String(v)
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '');
      if (lines.length > 0 || f.optional !== true) out[f.key] = lines.map((l) => {
        const [token = '', amount = ''] = l.split(/[\s,]+/u);
        return { token, amount };
      });
    } else {
      const text = String(v).trim();
      if (text !== '' || f.optional !== true) out[f.key] = text;
    }
  }
  return out;
}

export function newPolicyDraft(kind: 'rules' | 'wasm', namespace: string, module = ''): PolicyDraft {
  return { kind, name: '', description: '', scope: 'global', namespace, keyId: '', priority: '100', enabled: true, rules: kind === 'rules' ? [newRule('valueLimit')] : [], module, fuel: '', timeoutMs: '', quorumRequired: '', quorumApprovers: '', passthrough: {} };
}

export function definitionToDraft(def: PolicyDefinition, namespace: string): PolicyDraft {
  const scope = def.scope;
  const passthrough = Object.fromEntries(Object.entries(def).filter(([k]) => !EDITED.has(k)));
  return {
    kind: def.kind,
    name: def.name,
    description: def.description ?? '',
    scope: scope.kind,
    namespace: scope.kind === 'global' ? namespace : scope.namespace,
    keyId: scope.kind === 'key' ? scope.keyId : '',
    priority: String(def.priority),
    enabled: def.enabled,
    rules: def.kind === 'rules' ? def.rules.map(ruleToDraft) : [],
    module: def.kind === 'wasm' ? def.module : '',
    fuel: def.kind === 'wasm' && def.fuel !== undefined ? String(def.fuel) : '',
    timeoutMs: def.kind === 'wasm' && def.timeoutMs !== undefined ? String(def.timeoutMs) : '',
    quorumRequired: def.quorum === undefined ? '' : String(def.quorum.required),
    quorumApprovers: def.quorum === undefined ? '' : def.quorum.approvers.join('\n'),
    passthrough,
  };
}

/** A number field: a number when it reads as one (else the text, for the core to refuse by name). */
const numberOrText = (text: string): number | string => (/^-?\d+$/u.test(text.trim()) ? Number(text.trim()) : text);

export function draftToDefinition(d: PolicyDraft): Record<string, unknown> {
  const scope = d.scope === 'global' ? { kind: 'global' } : d.scope === 'namespace' ? { kind: 'namespace', namespace: d.namespace.trim() } : { kind: 'key', namespace: d.namespace.trim(), keyId: d.keyId.trim() };
  const out: Record<string, unknown> = { ...d.passthrough, name: d.name.trim(), kind: d.kind, scope, priority: d.priority.trim() === '' ? 100 : numberOrText(d.priority), enabled: d.enabled };
  if (d.description.trim() !== '') out.description = d.description.trim();
  if (d.kind === 'rules') out.rules = d.rules.map(draftToRule);
  else {
    out.module = d.module;
    if (d.fuel.trim() !== '') out.fuel = numberOrText(d.fuel);
    if (d.timeoutMs.trim() !== '') out.timeoutMs = numberOrText(d.timeoutMs);
  }
  const approvers = splitList(d.quorumApprovers);
  if (d.quorumRequired.trim() !== '' || approvers.length > 0) out.quorum = { required: d.quorumRequired.trim() === '' ? 1 : numberOrText(d.quorumRequired), approvers };
  return out;
}

/** Where the core's INVALID_INPUT points: `rules[0].perTransaction`, `scope.namespace`, `name`… and what it says. */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

/** `policy.rules[0].perTransaction: expected …` (anywhere in the message) → the path under `policy` and the text. */
export function fieldErrorOf(message: string): FieldError | undefined {
  const m = /\bpolicy((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])+): (.+)$/su.exec(message);
  if (m === null) return undefined;
  return { path: (m[1] ?? '').replace(/^\./u, ''), message: m[2] ?? '' };
}

/** The error for the field at `path` (`rules[0].perTransaction` also owns `rules[0].perTransaction[…]`). */
export function errorAt(error: FieldError | undefined, path: string): string | undefined {
  if (error === undefined) return undefined;
  return error.path === path || error.path.startsWith(`${path}[`) || error.path.startsWith(`${path}.`) ? error.message : undefined;
}

/** Wei (or any 18-decimal base unit) as a readable amount: 1500000000000000000 → "1.5". Undefined when not an integer. */
export function formatUnits(text: string, decimals = 18): string | undefined {
  if (!/^\d{1,78}$/u.test(text)) return undefined;
  const v = BigInt(text);
  const base = 10n ** BigInt(decimals);
  const whole = v / base;
  const frac = (v % base).toString().padStart(decimals, '0').replace(/0+$/u, '');
  return `${whole.toLocaleString('en-US')}${frac === '' ? '' : `.${frac}`}`;
}

/** "1.5" ETH → wei text; undefined when it is not a decimal with at most `decimals` places. */
export function parseUnits(text: string, decimals = 18): string | undefined {
  const m = /^(\d+)(?:\.(\d+))?$/u.exec(text.trim());
  if (m === null) return undefined;
  const frac = m[2] ?? '';
  if (frac.length > decimals) return undefined;
  return (BigInt(m[1] ?? '0') * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0')).toString();
}

/** A rule set in a few words for the table: "Value limit, Recipients" (types in order, repeats counted). */
export function rulesSummary(rules: readonly Rule[]): string {
  const counts = new Map<RuleType, number>();
  for (const r of rules) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts].map(([t, n]) => `${ruleTypeSpec(t).label}${n > 1 ? ` ×${n}` : ''}`).join(', ');
}
