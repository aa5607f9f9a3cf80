/**
 * @module renderer/features/backup/BackupProgressBar
 * The progress of the backup, verification or restore this window started, from `backup.progress`
 * (done of total steps, the current one named); indeterminate until the first event arrives.
 */
import type { BackupProgress } from '../../../shared/api/airgap.js';
import { useApp } from '../../store/index.js';
import { ProgressBar } from '../../app/ui/Progress.js';
import b from './backup.module.css';

export function BackupProgressBar({ operation, label }: { operation: BackupProgress['operation']; label: string }) {
  const p = useApp((s) => (s.backupProgress?.operation === operation ? s.backupProgress : null));
  return (
    <div className={b.progress} data-testid={`backup-progress-${operation}`}>
      <ProgressBar value={p === null ? undefined : p.done / p.total} label={label} />
      <div className={b.progressText} aria-live="polite">
        <span>{p === null ? `${label}…` : phaseText(p.phase)}</span>
        {p === null ? null : (
          <span className="num">
            {p.done} of {p.total}
          </span>
        )}
      </div>
    </div>
  );
}

/** `sealing-parts` → `Sealing parts`. */
export function phaseText(phase: string): string {
  const t = phase.replace(/[-_.]+/gu, ' ').trim();
  return t === '' ? '' : t.charAt(0).toUpperCase() + t.slice(1);
}
