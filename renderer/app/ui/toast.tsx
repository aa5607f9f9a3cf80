/**
 * @module renderer/app/ui/toast
 * Toasts (sonner) for outcomes the operator did not wait on in place. An error toast always
 * carries its code (UI.md), as text a screen reader reads and a test can find.
 */
import { toast } from 'sonner';
import type { ErrorInfo } from '../../store/types.js';
import s from './ui.module.css';

export function toastError(title: string, error: ErrorInfo): void {
  toast.error(title, {
    description: (
      <span data-error-code={error.code}>
        <span className={s.toastCode}>{error.code}</span>
        {error.message}
      </span>
    ),
    duration: 8000,
  });
}

export function toastSuccess(title: string, description?: string): void {
  toast.success(title, description === undefined ? undefined : { description });
}
