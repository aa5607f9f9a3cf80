/**
 * @module renderer/app/ui/Badge
 * Small status labels. Tones carry meaning (UI.md): success = verified/allowed, warning = needs
 * attention, danger = denied/tampered/destructive; accent and neutral for facts.
 */
import type { ReactNode } from 'react';
import s from './ui.module.css';
import { cx } from './cx.js';

export type Tone = 'neutral' | 'accent' | 'success' | 'warning' | 'danger' | 'dangerSolid' | 'outline';

export function Badge({ tone = 'neutral', dot, icon, square, children, className, title }: { tone?: Tone; dot?: boolean; icon?: ReactNode; square?: boolean; children: ReactNode; className?: string; title?: string }) {
  return (
    <span className={cx(s.badge, s[`tone-${tone}`], square === true && s.badgeSquare, className)} title={title}>
      {dot === true ? <span className={s.dot} aria-hidden /> : icon}
      {children}
    </span>
  );
}

export function Kbd({ children }: { children: ReactNode }) {
  return <kbd className={s.kbd}>{children}</kbd>;
}
