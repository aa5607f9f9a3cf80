/**
 * @module renderer/app/ui/Progress
 * Spinner and progress bar. The bar is indeterminate without a value (Argon2id reports no
 * progress); with one, its width is the only inline style, as it is data.
 */
import { useEffect, useState, type ReactNode } from 'react';
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

/** Renders its children only after `ms`: a fast load never flashes a loading state (UI.md). */
export function Delayed({ ms = 350, children }: { ms?: number; children: ReactNode }) {
  const [show, setShow] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setShow(true), ms);
    return () => clearTimeout(t);
  }, [ms]);
  return show ? <>{children}</> : null;
}
