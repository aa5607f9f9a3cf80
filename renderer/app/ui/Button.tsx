/**
 * @module renderer/app/ui/Button
 * The one button: variants by role (primary — at most one per view; secondary; ghost; danger for
 * destructive confirmations; dangerOutline for the button that opens one), sizes, an optional
 * leading icon, and a busy state that keeps the width and says so to screen readers.
 */
import type { ComponentProps, ReactNode } from 'react';
import s from './ui.module.css';
import { cx } from './cx.js';

export type ButtonVariant = 'primary' | 'secondary' | 'ghost' | 'danger' | 'dangerOutline';

export interface ButtonProps extends ComponentProps<'button'> {
  readonly variant?: ButtonVariant;
  readonly size?: 'sm' | 'md' | 'lg';
  readonly icon?: ReactNode;
  /** Icon-only button: `aria-label` is required then. */
  readonly iconOnly?: boolean;
  readonly busy?: boolean;
  readonly block?: boolean;
}

export function Button({ variant = 'secondary', size = 'md', icon, iconOnly, busy, block, className, children, disabled, type, ...rest }: ButtonProps) {
  return (
    <button
      type={type ?? 'button'}
      className={cx(s.button, s[variant], size !== 'md' && s[size], iconOnly && s.iconOnly, block && s.block, className)}
      disabled={disabled === true || busy === true}
      aria-busy={busy === true ? true : undefined}
      {...rest}
    >
      {busy === true ? <span className={s.spinner} aria-hidden /> : icon}
      {iconOnly === true ? null : children}
    </button>
  );
}
