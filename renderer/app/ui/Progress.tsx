/**
 * @module renderer/app/ui/Progress
 * Spinner and progress bar. The bar is indeterminate without a value (Argon2id reports no
 * progress); with one, its width is the only inline style, as it is data.
 */
import s from './ui.module.css';
import { cx } from './cx.js';

export function Spinner({ label }: { label?: string }) {
  return <span className={s.spinner} role={label === undefined ? undefined : 'status'} aria-label={label} />;
}

export function ProgressBar({ value, label }: { value?: number; label: string }) {
  const pct = value === undefined ? undefined : Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <div className={s.progress} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
      <div className={cx(s.progressBar, pct === undefined && s.progressIndeterminate)} style={pct === undefined ? undefined : { width: `${pct}%` }} />
    </div>
  );
}
