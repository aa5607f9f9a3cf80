/**
 * @module core/policy/api
 * The facade's policy methods (part of `Custodian`): managing policies and WASM modules, and the
 * dry run. Every request in the queue is evaluated by the facade itself (submitSigningRequest);
 * these are the operator's side.
 *
 * Who may: listing and dry runs — any operator; a global policy or a module — an Admin; a policy
 * scoped to a namespace or a key — an Admin or that namespace's NamespaceAdmin. Every change is
 * audited (policy.put, policy.remove, policy.module-install, policy.module-remove, policy.test).
 */
import type { ModuleInfo, StoredPolicy } from './store.js';
import type { PolicyEvaluation } from './engine.js';

export interface PolicyApi {
  /** Every policy — custos.yaml's (read-only) and the vault's — in the order they run, and every installed module. Operators only. */
  listPolicies(): Promise<{ policies: (StoredPolicy & { readonly source: 'vault' | 'config' })[]; modules: ModuleInfo[] }>;
  /** Create or replace (by name) a rules or WASM policy; validated, INVALID_INPUT naming the field. */
  putPolicy(definition: unknown): Promise<StoredPolicy>;
  setPolicyEnabled(name: string, enabled: boolean): Promise<StoredPolicy>;
  removePolicy(name: string): Promise<void>;
  /** Validate (no floats, threads, SIMD; ABI exports), meter with fuel, store by SHA-256. Admin. */
  installPolicyModule(bytes: Uint8Array, meta: { name: string; description?: string }): Promise<ModuleInfo>;
  /** NOT_EMPTY while a policy uses it. Admin. */
  removePolicyModule(sha256: string): Promise<void>;
  /**
   * A dry run on `context` (the JSON a policy receives): nothing is stored or signed. By default the
   * stored policies that apply to the context's signer; `definitions` instead of them; `module`
   * (bytes, not installed) runs that module alone, metered like an installed one, under `name`
   * (default `dry-run`; a policy name: 1-64 of A-Z a-z 0-9 . _ -).
   */
  testPolicy(input: { context: unknown; definitions?: readonly unknown[]; module?: Uint8Array; fuel?: number; name?: string }): Promise<PolicyEvaluation>;
}
