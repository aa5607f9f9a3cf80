/**
 * @module core/policy
 * The policy engine's entry points for the facade, the queue, the CLI and the UI (README.md
 * beside this file describes the context, the rules, the WASM ABI and the limits):
 *
 *  - `buildPolicyContext` — the context of a request, from what the queue holds;
 *  - `PolicyStore` (+ `prepareModule`, `POLICY_MIGRATION`) — modules and policies in the vault;
 *  - `PolicyRuntime` — the worker that runs WASM policies (one per core; `warm()` at unlock,
 *    `close()` at lock or shutdown; `PolicyStore.syncRuntime` loads the installed modules);
 *  - `PolicyEngine.evaluate(definitions, context)` — the decision, with every policy's result;
 *    `evaluationAuditDetails` for the audit event;
 *  - `parsePolicyDefinition` / `parseRules` — validation for the GUI and custos.yaml.
 *
 * The files beside this one are internal.
 */
export { buildPolicyContext, contextJson, parsePolicyContext, policyContextSchema, spendingOf, CONTEXT_VERSION, HISTORY_WINDOW_SECONDS } from './context.js';
export type { ContextInput, EnvironmentContext, HistoryContext, PolicyContext, SignerContext } from './context.js';
export { applicablePolicies, combine, evaluationAuditDetails, policyResultWire, parsePolicyDefinition, policyDefinitionSchema, policyScopeSchema, PolicyEngine, scopeCovers } from './engine.js';
export type { EngineOptions, PolicyDefinition, PolicyDefinitionInput, PolicyEvaluation, PolicyResult, PolicyScope } from './engine.js';
export { POLICY_MIGRATION } from './migration.sql.js';
export { evaluateRules, parseRules, ruleSchema, rulesSchema } from './rules.js';
export type { Decision, Rule, RuleInput, RuleOutcome, RuleType } from './rules.js';
export { moduleAuditDetails, policyAuditDetails, PolicyStore, prepareModule } from './store.js';
export type { ModuleInfo, PreparedModule, StoredPolicy } from './store.js';
export type { PolicyApi } from './api.js';
export { DEFAULT_CALL_DEPTH, DEFAULT_MEMORY_PAGES, validatePolicyModule } from './wasm/instrument.js';
export type { InstrumentOptions, ModuleFacts } from './wasm/instrument.js';
export { DEFAULT_FUEL, DEFAULT_TIMEOUT_MS, MAX_CONTEXT_BYTES, PolicyRuntime } from './wasm/runtime.js';
export type { EvaluateOptions, RuntimeOptions, WasmEvaluation } from './wasm/runtime.js';
export type { PolicyLog } from './wasm/worker.js';
