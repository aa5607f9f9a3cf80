/**
 * @module renderer/store/backup-slice
 * Backups and Shamir recovery as the Backup & Recovery screen and the unlock screen use them:
 * the calls (create, verify, restore, split, combine), the progress of the long one running
 * (`backup.progress`), and the backups this window made (public facts: path, size, SHA-256).
 *
 * Passphrases are arguments only, passed to the API and not kept. Recovery shares are the
 * split's return value, handed to the wizard that shows them and never stored here.
 */
import type { MethodInput, MethodOutput } from '../../shared/api/contract.js';
import type { BackupProgress } from '../../shared/api/airgap.js';
import type { Result } from './types.js';
import type { SliceCreator } from './store.js';
import { SIGNED_OUT_CODES } from './signed-out.js';

export type BackupFileInfo = MethodOutput<'backup.create'>;
export type BackupVerified = MethodOutput<'backup.verify'>;
export type BackupRestored = MethodOutput<'backup.restore'>;
export type RecoverySplit = MethodOutput<'recovery.split'>;
export type RecoveryCombined = MethodOutput<'recovery.combine'>;

export interface BackupSlice {
  /** The latest progress of the operation this window started, null when none runs. */
  readonly backupProgress: BackupProgress | null;
  /** Backups made from this window, newest first (kept over the session only). */
  readonly backupsMade: readonly BackupFileInfo[];
  onBackupProgress(progress: BackupProgress): void;
  suggestBackupPath(incremental: boolean): Promise<Result<{ path: string }>>;
  createBackup(input: MethodInput<'backup.create'>): Promise<Result<BackupFileInfo>>;
  verifyBackup(input: MethodInput<'backup.verify'>): Promise<Result<BackupVerified>>;
  restoreBackup(input: MethodInput<'backup.restore'>): Promise<Result<BackupRestored>>;
  /** The shares come back to the caller only. */
  splitRecovery(input: MethodInput<'recovery.split'>): Promise<Result<RecoverySplit>>;
  /** On a locked vault; on success this window is signed in as the operator. */
  combineRecovery(input: MethodInput<'recovery.combine'>): Promise<Result<RecoveryCombined>>;
  resetBackup(): void;
}

export const createBackupSlice: SliceCreator<BackupSlice> = (set, get, { api, prefs }) => {
  /** The operation running: progress events for another (another window's) are not ours to show. */
  let running: BackupProgress['operation'] | null = null;

  async function track<T>(operation: BackupProgress['operation'], call: () => Promise<Result<T>>): Promise<Result<T>> {
    running = operation;
    set({ backupProgress: null });
    try {
      const r = await call();
      if (!r.ok && SIGNED_OUT_CODES.has(r.error.code)) void get().refreshVault();
      return r;
    } finally {
      running = null;
      set({ backupProgress: null });
    }
  }

  return {
    backupProgress: null,
    backupsMade: [],

    onBackupProgress(progress) {
      if (running === progress.operation) set({ backupProgress: progress });
    },

    suggestBackupPath: (incremental) => api.backupSuggestPath(incremental ? { incremental } : {}),

    async createBackup(input) {
      const r = await track('create', () => api.backupCreate(input));
      if (r.ok) set({ backupsMade: [r.value, ...get().backupsMade] });
      return r;
    },

    verifyBackup: (input) => track('verify', () => api.backupVerify(input)),

    restoreBackup: (input) => track('restore', () => api.backupRestore(input)),

    async splitRecovery(input) {
      const r = await api.recoverySplit(input);
      if (!r.ok && SIGNED_OUT_CODES.has(r.error.code)) void get().refreshVault();
      return r;
    },

    async combineRecovery(input) {
      const r = await api.recoveryCombine(input);
      if (r.ok) {
        prefs.set('operator', r.value.operator);
        get().applyVaultStatus(r.value.status);
      }
      return r;
    },

    resetBackup: () => set({ backupProgress: null, backupsMade: [] }),
  };
};
