/**
 * @module renderer/app/ui/Modal
 * A dialog (Radix: focus trapped and restored, Escape closes, labelled by its title) with the
 * app's header, body and footer layout. A form inside submits on Enter.
 */
import * as Dialog from '@radix-ui/react-dialog';
import type { ReactNode } from 'react';
import s from './ui.module.css';
import { cx } from './cx.js';

export interface ModalProps {
  readonly open: boolean;
  readonly onOpenChange: (open: boolean) => void;
  readonly title: ReactNode;
  readonly description?: ReactNode;
  readonly icon?: ReactNode;
  readonly tone?: 'accent' | 'danger';
  readonly wide?: boolean;
  readonly children: ReactNode;
  readonly footer?: ReactNode;
  /** When set, the body and footer are a <form> calling this on submit. */
  readonly onSubmit?: () => void;
  readonly testId?: string;
}

export function Modal({ open, onOpenChange, title, description, icon, tone = 'accent', wide, children, footer, onSubmit, testId }: ModalProps) {
  const inner = (
    <>
      <div className={s.dialogBody}>{children}</div>
      {footer === undefined ? null : <div className={s.dialogFooter}>{footer}</div>}
    </>
  );
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className={s.overlay} />
        <Dialog.Content className={cx(s.dialog, wide === true && s.dialogWide)} data-testid={testId} {...(description === undefined ? { 'aria-describedby': undefined } : {})}>
          <div className={s.dialogHeader}>
            {icon === undefined ? null : <div className={cx(s.dialogIcon, tone === 'danger' && s.dialogIconDanger)}>{icon}</div>}
            <div className={s.dialogTitles}>
              <Dialog.Title className={s.dialogTitle}>{title}</Dialog.Title>
              {description === undefined ? null : <Dialog.Description className={s.dialogDescription}>{description}</Dialog.Description>}
            </div>
          </div>
          {onSubmit === undefined ? (
            inner
          ) : (
            <form
              className={s.dialogForm}
              onSubmit={(e) => {
                e.preventDefault();
                onSubmit();
              }}
            >
              {inner}
            </form>
          )}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

export const FooterNote = ({ children }: { children: ReactNode }) => <span className={s.dialogFooterNote}>{children}</span>;
