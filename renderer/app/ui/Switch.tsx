/**
 * @module renderer/app/ui/Switch
 * An on/off switch: a real button with role="switch" and aria-checked, so screen readers and the
 * keyboard treat it as one. The tone of "on" carries meaning (UI.md): success for something that
 * guards (a policy enabled), warning for something that lowers a guard (auto-approve).
 */
import type { ComponentProps } from 'react';
import s from './ui.module.css';
import { cx } from './cx.js';

export function Switch({ checked, tone = 'success', className, ...rest }: Omit<ComponentProps<'button'>, 'role' | 'type' | 'aria-checked'> & { checked: boolean; tone?: 'success' | 'warning' }) {
  return <button type="button" role="switch" aria-checked={checked} className={cx(s.switch, tone === 'warning' ? s.switchWarning : s.switchSuccess, className)} {...rest} />;
}
