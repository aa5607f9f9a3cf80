/**
 * @module renderer/store/vault-slice
 * The vault and this connection's session: status, first-run init, unlock, lock, and the idle
 * clock behind auto-lock. Signing in loads the other slices; signing out (by lock, by expiry, by
 * another window locking the vault) clears them, so a locked app shows nothing it read before.
 *
 * Passphrases are arguments of initVault/unlockVault only: passed to the API and not kept.
 */
import type { MethodOutput } from '../../shared/api/contract.js';
import type { ErrorInfo, Result, UnlockReport, VaultStatus } from './types.js';
import type { SliceCreator } from './store.js';

export type LockReason = 'user' | 'idle';

export interface VaultSlice {
  /** Undefined until the first status read answers. */
  readonly vault: VaultStatus | undefined;
  /** Why the status could not be read (shown instead of the app). */
  readonly vaultError: ErrorInfo | undefined;
  /** The audit verification that the last unlock ran. */
  readonly unlockReport: UnlockReport | undefined;
  /** Why this window last locked, for the unlock screen to say so. */
  readonly lockReason: LockReason | undefined;
  /** Epoch ms of the operator's last input (throttled to a second). */
  readonly lastActivity: number;
  refreshVault(): Promise<void>;
  applyVaultStatus(status: VaultStatus): void;
  initVault(input: { passphrase: string; operator: string }): Promise<Result<VaultStatus>>;
  unlockVault(input: { passphrase: string; operator: string }): Promise<Result<MethodOutput<'vault.unlock'>>>;
  lockVault(reason: LockReason): Promise<Result<VaultStatus>>;
  changePassphrase(current: string, next: string): Promise<Result<{ changed: true }>>;
  noteActivity(): void;
}

/** Signed in = the vault is unlocked and this connection has a session in it. */
export function isSignedIn(v: VaultStatus | undefined): boolean {
  return v !== undefined && v.unlocked && v.session !== null;
}

export const createVaultSlice: SliceCreator<VaultSlice> = (set, get, { api, prefs, now }) => {
  function apply(next: VaultStatus): void {
    const wasIn = isSignedIn(get().vault);
    const nowIn = isSignedIn(next);
    set({ vault: next, vaultError: undefined });
    if (!wasIn && nowIn) {
      set({ lastActivity: now(), lockReason: undefined });
      void get().loadSettings();
      void get().loadNamespaces().then(() => get().loadKeys());
      void get().refreshAuditStatus();
      void get().loadRequests();
      void get().loadWalletPrompts();
      void get().loadAirgap();
    } else if (wasIn && !nowIn) {
      get().resetKeys();
      get().resetHd();
      get().resetAudit();
      get().resetSigning();
      get().resetRequests();
      get().resetWallets();
      get().resetPolicies();
      get().resetBackup();
      get().resetAirgap();
      get().resetDevices();
    }
  }

  return {
    vault: undefined,
    vaultError: undefined,
    unlockReport: undefined,
    lockReason: undefined,
    lastActivity: now(),

    async refreshVault() {
      const r = await api.vaultStatus({});
      if (r.ok) apply(r.value);
      else set({ vaultError: r.error });
    },

    applyVaultStatus: apply,

    async initVault({ passphrase, operator }) {
      const r = await api.vaultInit({ passphrase, operator });
      if (r.ok) {
        prefs.set('operator', operator);
        apply(r.value);
        // A new log holds a few events: verify them now, so the integrity badge starts out
        // "Verified" instead of a neutral "Not verified yet" an operator may read as a warning.
        void get().verifyAudit(false);
      }
      return r;
    },

    async unlockVault({ passphrase, operator }) {
      const r = await api.vaultUnlock({ passphrase, operator });
      if (r.ok) {
        prefs.set('operator', operator);
        set({ unlockReport: r.value.audit });
        apply(r.value.status);
      } else {
        // The failure moved the lockout counters: show them.
        void get().refreshVault();
      }
      return r;
    },

    async lockVault(reason) {
      set({ lockReason: reason });
      const r = await api.vaultLock({});
      if (r.ok) apply(r.value);
      else void get().refreshVault();
      return r;
    },

    async changePassphrase(current, next) {
      const r = await api.vaultChangePassphrase({ current, next });
      void get().refreshVault(); // a wrong current passphrase counts toward the lockout
      return r;
    },

    noteActivity() {
      const t = now();
      if (t - get().lastActivity >= 1000) set({ lastActivity: t });
    },
  };
};
