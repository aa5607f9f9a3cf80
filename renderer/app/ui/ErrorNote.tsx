/**
 * @module renderer/app/ui/ErrorNote
 * An error where the operator is looking: always its code (UI.md), the message, and a way
 * forward where we know one.
 */
import { AlertTriangle, OctagonAlert } from 'lucide-react';
import type { ReactNode } from 'react';
import type { ErrorInfo } from '../../store/types.js';
import { helpFor } from './error-help.js';
import s from './ui.module.css';
import { cx } from './cx.js';

export function ErrorNote({ error, help, tone = 'danger', className }: { error: ErrorInfo; help?: ReactNode; tone?: 'danger' | 'warning'; className?: string }) {
  const way = help ?? helpFor(error.code);
  return (
    <div className={cx(s.errorNote, tone === 'warning' && s.errorNoteWarning, className)} role="alert" data-error-code={error.code}>
      {tone === 'warning' ? <AlertTriangle aria-hidden /> : <OctagonAlert aria-hidden />}
      <div className={s.errorBody}>
        <div className={s.errorLine}>
          <span className={s.errorCode}>{error.code}</span>
          <span className={s.errorMessage}>{error.message}</span>
        </div>
        {way === undefined ? null : <div className={s.errorHelp}>{way}</div>}
      </div>
    </div>
  );
}
