/**
 * @module renderer/app/ui/Field
 * Labelled form controls. The label is a real <label>, the hint and error are tied to the control
 * with aria-describedby, and an error marks the control aria-invalid.
 */
import { useId, type ComponentProps, type ReactNode } from 'react';
import s from './ui.module.css';
import { cx } from './cx.js';

export interface FieldProps {
  readonly label: ReactNode;
  readonly hint?: ReactNode;
  readonly error?: ReactNode;
  readonly className?: string;
  /** Renders the control, given the id and the describedby it must carry. */
  readonly children: (control: { id: string; 'aria-describedby': string | undefined; 'aria-invalid': boolean | undefined }) => ReactNode;
}

export function Field({ label, hint, error, className, children }: FieldProps) {
  const id = useId();
  const hintId = hint === undefined ? undefined : `${id}-hint`;
  const errorId = error === undefined || error === null || error === false ? undefined : `${id}-error`;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={cx(s.field, className)}>
      <label className={s.label} htmlFor={id}>
        {label}
      </label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': errorId === undefined ? undefined : true })}
      {errorId === undefined ? null : (
        <div id={errorId} className={s.fieldError} role="alert">
          {error}
        </div>
      )}
      {hint === undefined ? null : (
        <div id={hintId} className={s.hint}>
          {hint}
        </div>
      )}
    </div>
  );
}

export function TextInput({ className, mono, large, ...rest }: ComponentProps<'input'> & { mono?: boolean; large?: boolean }) {
  return <input className={cx(s.input, mono === true && s.inputMono, large === true && s.inputLg, className)} spellCheck={false} autoComplete="off" {...rest} />;
}

export function SelectInput({ className, ...rest }: ComponentProps<'select'>) {
  return <select className={cx(s.select, className)} {...rest} />;
}

export function Checkbox({ label, description, ...rest }: Omit<ComponentProps<'input'>, 'type'> & { label: ReactNode; description?: ReactNode }) {
  return (
    <label className={s.checkRow}>
      <input type="checkbox" {...rest} />
      <span>
        <span className={s.checkTitle}>{label}</span>
        {description === undefined ? null : <span className={s.hint}> — {description}</span>}
      </span>
    </label>
  );
}

export function Segmented<T extends string>({ value, options, onChange, label }: { value: T; options: readonly { value: T; label: string; icon?: ReactNode }[]; onChange: (v: T) => void; label: string }) {
  return (
    <div className={s.segmented} role="radiogroup" aria-label={label}>
      {options.map((o) => (
        <button
          key={o.value}
          type="button"
          role="radio"
          aria-checked={o.value === value}
          className={s.segment}
          onClick={() => onChange(o.value)}
          onKeyDown={(e) => {
            // Arrow keys move within a radio group (WAI-ARIA APG).
            const i = options.findIndex((x) => x.value === value);
            const step = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 0;
            if (step === 0) return;
            e.preventDefault();
            const j = (i + step + options.length) % options.length;
            const next = options[j];
            if (next === undefined) return;
            onChange(next.value);
            (e.currentTarget.parentElement?.children[j] as HTMLElement | undefined)?.focus();
          }}
          tabIndex={o.value === value ? 0 : -1}
        >
          {o.icon}
          {o.label}
        </button>
      ))}
    </div>
  );
}
