/**
 * @module core/policy/engine
 * Which policies apply to a request, and the one decision they make together.
 *
 * A policy is a named rule set or an installed WASM module with a scope — global, a namespace, or
 * one key — a priority and an enabled flag (store.ts keeps them). Every enabled policy whose scope
 * covers the signer runs, in priority order (lower numbers first; then global, namespace, key;
 * then by name), and none can hide another: any deny → deny; else any require-approval →
 * require-approval; else allow. The decision, each policy's result (decision, reason, fuel, logs,
 * time) and the reasons that decided go into the audit event and the request record.
 *
 * With no applicable policy the decision is `whenNone` (allow unless the caller says otherwise:
 * a vault without policies signs as it did before policies existed). A WASM policy whose module
 * is missing denies, like every other failure.
 *
 * Trusts the runtime (worker.ts / runtime.ts) to fail closed, and the caller's context.
 */
import { CustodyError } from '../../../shared/errors.js';
import { policyDefinitionSchema, type Decision, type PolicyDefinition, type PolicyResultWire, type PolicyScope, type Rule } from '../../../shared/api/policy.js';
import { contextJson, describeIssue, type PolicyContext } from './context.js';
import { evaluateRules } from './rules.js';
import { DEFAULT_FUEL, type PolicyRuntime } from './wasm/runtime.js';
import type { PolicyLog } from './wasm/worker.js';

export { policyDefinitionSchema, policyScopeSchema } from '../../../shared/api/policy.js';
export type { PolicyDefinition, PolicyDefinitionInput, PolicyScope } from '../../../shared/api/policy.js';

/**
 * Validate a policy definition.
 * @throws INVALID_INPUT naming the field (`policy.rules[0].addresses[1]: expected a 0x-prefixed 20-byte address`).
 */
export function parsePolicyDefinition(value: unknown): PolicyDefinition {
  const parsed = policyDefinitionSchema.safeParse(value);
  if (!parsed.success) throw new CustodyError('INVALID_INPUT', describeIssue(parsed.error, 'policy'));
  return parsed.data;
}

export interface PolicyResult {
  readonly name: string;
  readonly kind: 'rules' | 'wasm';
  readonly scope: PolicyScope;
  readonly decision: Decision;
  readonly reason: string;
  /** Fuel a WASM policy used; null for rules. */
  readonly fuel: number | null;
  readonly logs: readonly PolicyLog[];
  readonly durationMs: number;
  /** The module a WASM policy ran. */
  readonly module?: string;
}

export interface PolicyEvaluation {
  readonly decision: Decision;
  /** `name: reason` of each policy whose result is the decision (all of them when allowed). */
  readonly reasons: readonly string[];
  readonly results: readonly PolicyResult[];
  /** Total fuel of the WASM policies. */
  readonly fuel: number;
  readonly durationMs: number;
}

export interface EngineOptions {
  /** The decision when no policy applies. Default allow. */
  readonly whenNone?: Decision;
}

const SCOPE_ORDER: Readonly<Record<PolicyScope['kind'], number>> = { global: 0, namespace: 1, key: 2 };

/** Whether `scope` covers a key. */
export function scopeCovers(scope: PolicyScope, namespace: string, keyId: string): boolean {
  switch (scope.kind) {
    case 'global':
      return true;
    case 'namespace':
      return scope.namespace === namespace;
    case 'key':
      return scope.namespace === namespace && scope.keyId === keyId;
    default: {
      const never: never = scope;
      return never;
    }
  }
}

/** The enabled policies covering the key, in the order they run. */
export function applicablePolicies(policies: readonly PolicyDefinition[], namespace: string, keyId: string): PolicyDefinition[] {
  return policies
    .filter((p) => p.enabled && scopeCovers(p.scope, namespace, keyId))
    .sort((a, b) => a.priority - b.priority || SCOPE_ORDER[a.scope.kind] - SCOPE_ORDER[b.scope.kind] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Combine results: any deny → deny; else any require-approval → require-approval; else allow. */
export function combine(results: readonly Pick<PolicyResult, 'name' | 'decision' | 'reason'>[], whenNone: Decision = 'allow'): { decision: Decision; reasons: string[] } {
  if (results.length === 0) return { decision: whenNone, reasons: [whenNone === 'allow' ? 'no policy applies' : `no policy applies (default ${whenNone})`] };
  const decision: Decision = results.some((r) => r.decision === 'deny') ? 'deny' : results.some((r) => r.decision === 'require-approval') ? 'require-approval' : 'allow';
  return { decision, reasons: results.filter((r) => r.decision === decision).map((r) => `${r.name}: ${r.reason}`) };
}

export class PolicyEngine {
  constructor(
    private readonly runtime: PolicyRuntime,
    private readonly options: EngineOptions = {},
  ) {}

  /**
   * Evaluate every applicable policy of `policies` on `context` (whose signer names the key).
   * Never rejects: a policy that fails denies with its cause.
   */
  async evaluate(policies: readonly PolicyDefinition[], context: PolicyContext): Promise<PolicyEvaluation> {
    const start = performance.now();
    const applicable = applicablePolicies(policies, context.signer.namespace, context.signer.key_id);
    const results: PolicyResult[] = [];
    let json: string | null = null;
    for (const p of applicable) {
      if (p.kind === 'rules') {
        results.push(this.runRules(p, p.rules, context));
        continue;
      }
      json ??= contextJson(context);
      const r = await this.runtime.evaluate(p.module, json, { fuel: p.fuel ?? DEFAULT_FUEL, ...(p.timeoutMs === undefined ? {} : { timeoutMs: p.timeoutMs }) });
      results.push({
        name: p.name,
        kind: 'wasm',
        scope: p.scope,
        decision: r.decision,
        reason: r.reason ?? defaultReason(r.decision),
        fuel: r.fuel,
        logs: r.logs,
        durationMs: r.durationMs,
        module: p.module,
      });
    }
    const { decision, reasons } = combine(results, this.options.whenNone);
    return { decision, reasons, results, fuel: results.reduce((sum, r) => sum + (r.fuel ?? 0), 0), durationMs: performance.now() - start };
  }

  private runRules(p: PolicyDefinition, rules: readonly Rule[], context: PolicyContext): PolicyResult {
    const t = performance.now();
    let outcome: { decision: Decision; reason: string };
    try {
      outcome = evaluateRules(rules, context);
    } catch {
      outcome = { decision: 'deny', reason: 'the rules could not be evaluated' };
    }
    return { name: p.name, kind: 'rules', scope: p.scope, decision: outcome.decision, reason: outcome.reason, fuel: null, logs: [], durationMs: performance.now() - t };
  }
}

function defaultReason(decision: Decision): string {
  return decision === 'allow' ? 'allowed (no reason given)' : decision === 'deny' ? 'denied (no reason given)' : 'approval required (no reason given)';
}

/** The audit event's details for an evaluation (flat strings and numbers, no context values). */
export function evaluationAuditDetails(e: PolicyEvaluation): Record<string, string | number> {
  return {
    decision: e.decision,
    reasons: e.reasons.join(' | ').slice(0, 2000),
    policies: JSON.stringify(e.results.map((r) => ({ name: r.name, kind: r.kind, decision: r.decision, reason: r.reason.slice(0, 500), fuel: r.fuel, durationMs: Math.round(r.durationMs * 1000) / 1000 }))).slice(0, 8000),
    fuel: e.fuel,
  };
}

/** A result as the API and the request record carry it: plain data, logs copied, time in µs precision. */
export function policyResultWire(r: PolicyResult): PolicyResultWire {
  return {
    name: r.name,
    kind: r.kind,
    scope: r.scope,
    decision: r.decision,
    reason: r.reason,
    fuel: r.fuel,
    logs: r.logs.map((l) => ({ level: l.level, message: l.message })),
    durationMs: Math.round(r.durationMs * 1000) / 1000,
    ...(r.module === undefined ? {} : { module: r.module }),
  };
}
