/**
 * @module renderer/store/policies-slice
 * The policies (built-in rules and WASM policies, in the order they run) and the installed WASM
 * modules, as the Policies screen shows and edits them. Re-reads follow `policies.changed` the way
 * wallets-slice follows `wallets.changed` (store/coalesce: the first event after a quiet spell is
 * read at once, a burst shares one trailing re-read); an answer older than the latest read is
 * dropped.
 *
 * Which policy is selected (or that a new one is being written) lives here so the command palette
 * can open the editor; the editor's draft stays in the component (it is a form, not app state).
 * Holds definitions and module metadata (public), never module bytes.
 */
import type { EventPayload, MethodOutput } from '../../shared/api/contract.js';
import type { PolicyInfo, PolicyModule } from '../../shared/api/policy.js';
import type { ErrorInfo, Result } from './types.js';
import type { SliceCreator } from './store.js';
import { SIGNED_OUT_CODES } from './signed-out.js';
import { isSignedIn } from './vault-slice.js';
import { coalescedRefresh } from './coalesce.js';

export type PoliciesView = 'policies' | 'modules' | 'bench';
/** A stored policy, or a new one being written (not stored yet) of this kind — a WASM one over `module` when given. */
export type PolicySelection = { readonly name: string } | { readonly create: 'rules' | 'wasm'; readonly module?: string } | null;
export type PolicyEvaluation = MethodOutput<'policies.test'>;

export interface PoliciesSlice {
  /** Undefined until the first read answers. */
  readonly policies: readonly PolicyInfo[] | undefined;
  readonly policyModules: readonly PolicyModule[] | undefined;
  readonly policiesError: ErrorInfo | undefined;
  readonly policiesView: PoliciesView;
  readonly policySelection: PolicySelection;
  loadPolicies(): Promise<void>;
  onPoliciesChanged(payload: EventPayload<'policies.changed'>): void;
  setPoliciesView(view: PoliciesView): void;
  selectPolicy(selection: PolicySelection): void;
  /** Create or replace by name; INVALID_INPUT names the bad field (`policy.rules[0].perTransaction: …`). */
  putPolicy(definition: Record<string, unknown>): Promise<Result<PolicyInfo>>;
  setPolicyEnabled(name: string, enabled: boolean): Promise<Result<PolicyInfo>>;
  removePolicy(name: string): Promise<Result<{ removed: true }>>;
  installPolicyModule(input: { name: string; description?: string; data: string }): Promise<Result<PolicyModule>>;
  removePolicyModule(sha256: string): Promise<Result<{ removed: true }>>;
  /** A dry run: nothing stored or signed. */
  testPolicies(input: { context: Record<string, unknown>; definitions?: Record<string, unknown>[]; module?: string; fuel?: number }): Promise<Result<PolicyEvaluation>>;
  resetPolicies(): void;
}

/** The policies in the order the engine runs them: priority, then global, namespace, key, then name. */
export function runOrder(policies: readonly PolicyInfo[]): PolicyInfo[] {
  const scopeRank = { global: 0, namespace: 1, key: 2 } as const;
  return [...policies].sort((a, b) => {
    const x = a.definition;
    const y = b.definition;
    return x.priority - y.priority || scopeRank[x.scope.kind] - scopeRank[y.scope.kind] || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0);
  });
}

export const createPoliciesSlice: SliceCreator<PoliciesSlice> = (set, get, { api, now }) => {
  let seq = 0;

  function signedOutCheck(r: Result<unknown>): void {
    if (!r.ok && SIGNED_OUT_CODES.has(r.error.code)) void get().refreshVault();
  }

  const refresh = coalescedRefresh(() => void get().loadPolicies(), now);

  /** After a change: the answer is applied by the re-read (the event follows too, coalesced). */
  async function change<T>(call: () => Promise<Result<T>>): Promise<Result<T>> {
    const r = await call();
    signedOutCheck(r);
    void get().loadPolicies();
    return r;
  }

  return {
    policies: undefined,
    policyModules: undefined,
    policiesError: undefined,
    policiesView: 'policies',
    policySelection: null,

    async loadPolicies() {
      const mine = ++seq;
      refresh.markRead();
      const r = await api.policiesList({});
      if (mine !== seq) return;
      if (!r.ok) {
        signedOutCheck(r);
        set({ policiesError: r.error });
        return;
      }
      set({ policies: runOrder(r.value.policies), policyModules: r.value.modules, policiesError: undefined });
    },

    onPoliciesChanged() {
      // Read only once someone looked: the screen's first visit reads, then events keep it fresh.
      if (isSignedIn(get().vault) && get().policies !== undefined) refresh.request();
    },

    setPoliciesView: (policiesView) => set({ policiesView }),
    selectPolicy: (policySelection) => set({ policySelection }),

    putPolicy: (definition) => change(() => api.policiesPut({ definition })),
    setPolicyEnabled: (name, enabled) => change(() => api.policiesSetEnabled({ name, enabled })),
    async removePolicy(name) {
      const r = await change(() => api.policiesRemove({ name }));
      const sel = get().policySelection;
      if (r.ok && sel !== null && 'name' in sel && sel.name === name) set({ policySelection: null });
      return r;
    },
    installPolicyModule: (input) => change(() => api.policiesInstallModule(input)),
    removePolicyModule: (sha256) => change(() => api.policiesRemoveModule({ sha256 })),

    async testPolicies(input) {
      const r = await api.policiesTest(input);
      signedOutCheck(r);
      return r;
    },

    resetPolicies() {
      refresh.cancel();
      seq += 1;
      set({ policies: undefined, policyModules: undefined, policiesError: undefined, policiesView: 'policies', policySelection: null });
    },
  };
};
