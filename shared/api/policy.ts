/**
 * @module shared/api/policy
 * Policy definitions as every side exchanges them: the built-in rules (no code), a WASM module's
 * policy, and where each applies (global, a namespace, one key). The core validates with these
 * schemas (electron/core/policy), the renderer's rule editor and the API contract share them, and
 * the CLI and custos.yaml go through the same checks, so a bad rule is refused with the same
 * field-named error wherever it was written.
 *
 * Pure zod (and Intl for time zones): no Node, no DOM.
 */
import { z } from 'zod';

export type Decision = 'allow' | 'deny' | 'require-approval';
export const decisionSchema = z.enum(['allow', 'deny', 'require-approval']);

const amount = z.string().regex(/^\d{1,78}$/u, 'expected a decimal amount in base units (wei, token units)');
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/u, 'expected a 0x-prefixed 20-byte address');
const chainId = z.union([z.string().regex(/^\d{1,20}$/u, 'expected a decimal chain id'), z.number().int().positive().transform(String)]);
const selector = z.string().regex(/^0x[0-9a-fA-F]{8}$/u, 'expected a 4-byte selector such as 0xa9059cbb').transform((s) => s.toLowerCase());
const mode = z.enum(['allow', 'deny']);
const action = z.enum(['deny', 'require-approval']).default('deny');
const time = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/u, 'expected HH:MM (24-hour)');
export const RULE_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const DAYS = RULE_DAYS;
const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone such as UTC or Europe/Berlin');

const base = {
  /** Shown in reasons and the audit; defaults to the rule's type and index. */
  name: z.string().min(1).max(64).optional(),
  description: z.string().max(512).optional(),
};

export const ruleSchema = z.discriminatedUnion('type', [
  /** Who receives: the transaction's `to` for a plain transfer, the ERC-20 recipient or spender for token calls. */
  z.strictObject({ ...base, type: z.literal('recipients'), mode, addresses: z.array(address).min(1).max(10_000), action }),
  /** Which contracts may be called: `to` of a transaction with calldata, typed data's verifyingContract. */
  z.strictObject({ ...base, type: z.literal('contracts'), mode, addresses: z.array(address).min(1).max(10_000), action }),
  /** Which functions may be called, by 4-byte selector. A transaction without calldata passes. */
  z.strictObject({ ...base, type: z.literal('selectors'), mode, selectors: z.array(selector).min(1).max(10_000), action }),
  /** Which chains: the transaction's chain id, typed data's domain chainId. */
  z.strictObject({ ...base, type: z.literal('chains'), mode, chainIds: z.array(chainId).min(1).max(1000), action }),
  /** Native value (wei), per transaction and per rolling 24 hours, on the listed chains (all when omitted). */
  z
    .strictObject({ ...base, type: z.literal('valueLimit'), chainIds: z.array(chainId).max(1000).optional(), perTransaction: amount.optional(), per24h: amount.optional(), action })
    .refine((r) => r.perTransaction !== undefined || r.per24h !== undefined, { message: 'give perTransaction, per24h or both', path: ['perTransaction'] }),
  /** ERC-20 amounts (token base units) of one token, per transfer and per rolling 24 hours; approvals count unless includeApprovals is false. */
  z
    .strictObject({
      ...base,
      type: z.literal('tokenLimit'),
      token: address,
      chainIds: z.array(chainId).max(1000).optional(),
      perTransaction: amount.optional(),
      per24h: amount.optional(),
      includeApprovals: z.boolean().default(true),
      action,
    })
    .refine((r) => r.perTransaction !== undefined || r.per24h !== undefined, { message: 'give perTransaction, per24h or both', path: ['perTransaction'] }),
  /** Signing only inside a window of days and hours (in `timezone`); `from` after `to` spans midnight. */
  z.strictObject({ ...base, type: z.literal('timeWindow'), timezone: timezone.default('UTC'), days: z.array(z.enum(DAYS)).min(1).max(7).default([...DAYS]), from: time, to: time, action }),
  /** An operator approves transactions above a native value, or token transfers above an amount. */
  z
    .strictObject({
      ...base,
      type: z.literal('approvalThreshold'),
      chainIds: z.array(chainId).max(1000).optional(),
      value: amount.optional(),
      tokens: z.array(z.strictObject({ token: address, amount })).max(1000).optional(),
    })
    .refine((r) => r.value !== undefined || (r.tokens !== undefined && r.tokens.length > 0), { message: 'give value, tokens or both', path: ['value'] }),
  /** Refuse what the operator cannot read: eth_sign, unrecognised typed data, calldata of unknown functions, non-default Bitcoin sighash types. */
  z.strictObject({
    ...base,
    type: z.literal('blindSigning'),
    ethSign: z.boolean().default(true),
    unknownTypedData: z.boolean().default(true),
    /** Typed data primary types accepted besides the recognised permits. */
    knownTypedData: z.array(z.string().min(1).max(128)).max(1000).default([]),
    unknownCalldata: z.boolean().default(true),
    nonDefaultSighash: z.boolean().default(true),
    action,
  }),
]);
export type Rule = z.output<typeof ruleSchema>;
export type RuleInput = z.input<typeof ruleSchema>;
export type RuleType = Rule['type'];

export const rulesSchema = z.array(ruleSchema).min(1).max(256);

const name = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/u, 'expected 1-64 of A-Z a-z 0-9 . _ -');

export const policyScopeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('global') }),
  z.strictObject({ kind: z.literal('namespace'), namespace: name }),
  z.strictObject({ kind: z.literal('key'), namespace: name, keyId: z.string().min(1).max(128) }),
]);
export type PolicyScope = z.infer<typeof policyScopeSchema>;

const operatorName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/u, 'expected an operator name');

/**
 * When this policy asks for approval, it takes `required` distinct operators among `approvers`
 * (each signed in, each approving once), not one. E.g. 2 of 3.
 */
export const quorumSchema = z
  .strictObject({
    required: z.number().int().min(1).max(16),
    approvers: z.array(operatorName).min(1).max(32),
  })
  .refine((q) => new Set(q.approvers).size === q.approvers.length, { message: 'expected each approver once', path: ['approvers'] })
  .refine((q) => q.required <= q.approvers.length, { message: 'expected required ≤ the number of approvers', path: ['required'] });
export type Quorum = z.infer<typeof quorumSchema>;

const common = {
  name,
  scope: policyScopeSchema,
  /** Lower runs first (display and audit order: every applicable policy runs). Default 100. */
  priority: z.number().int().min(-1_000_000).max(1_000_000).default(100),
  enabled: z.boolean().default(true),
  description: z.string().max(512).optional(),
  /** M of N named operators must approve what this policy sends for approval. */
  quorum: quorumSchema.optional(),
};

export const policyDefinitionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ ...common, kind: z.literal('rules'), rules: rulesSchema }),
  z.strictObject({
    ...common,
    kind: z.literal('wasm'),
    /** The installed module, by the SHA-256 of its bytes as uploaded. */
    module: z.string().regex(/^[0-9a-f]{64}$/u, 'expected the module\'s SHA-256 (64 lowercase hex digits)'),
    /** Fuel budget per evaluation. Default 10,000,000. */
    fuel: z.number().int().min(1_000).max(1_000_000_000).optional(),
    /** Wall-clock limit per evaluation. Default: the runtime's (1000 ms). */
    timeoutMs: z.number().int().min(10).max(60_000).optional(),
  }),
]);
export type PolicyDefinition = z.output<typeof policyDefinitionSchema>;
export type PolicyDefinitionInput = z.input<typeof policyDefinitionSchema>;

// ------------------------------------------------------------------ what the API returns

const epochMs = z.number().int().nonnegative();

/** A stored policy: its definition and who made and last changed it. */
export const policyInfoSchema = z.strictObject({
  definition: policyDefinitionSchema,
  createdAt: epochMs,
  createdBy: z.string(),
  updatedAt: epochMs,
  updatedBy: z.string(),
  /** `config`: from custos.yaml, read-only in the app (change the file). Absent = vault. */
  source: z.enum(['vault', 'config']).optional(),
});
export type PolicyInfo = z.output<typeof policyInfoSchema>;

/** An installed WASM module (the bytes stay in the vault). */
export const policyModuleSchema = z.strictObject({
  sha256: z.string(),
  name: z.string(),
  description: z.string(),
  size: z.number().int(),
  meteredSize: z.number().int(),
  memoryPages: z.number().int(),
  callDepth: z.number().int(),
  createdAt: epochMs,
  createdBy: z.string(),
});
export type PolicyModule = z.infer<typeof policyModuleSchema>;

/** One policy's part in a decision. */
export const policyResultSchema = z.strictObject({
  name: z.string(),
  kind: z.enum(['rules', 'wasm']),
  scope: policyScopeSchema,
  decision: decisionSchema,
  reason: z.string(),
  /** Fuel a WASM policy used; null for rules. */
  fuel: z.number().int().nullable(),
  logs: z.array(z.strictObject({ level: z.number().int(), message: z.string() })),
  durationMs: z.number(),
  module: z.string().optional(),
});
export type PolicyResultWire = z.infer<typeof policyResultSchema>;

/** A decision with every applicable policy's result (a request's, or a dry run's). */
export const policyEvaluationSchema = z.strictObject({
  decision: decisionSchema,
  reasons: z.array(z.string()),
  results: z.array(policyResultSchema),
  fuel: z.number().int(),
  durationMs: z.number(),
});
export type PolicyEvaluationWire = z.infer<typeof policyEvaluationSchema>;
