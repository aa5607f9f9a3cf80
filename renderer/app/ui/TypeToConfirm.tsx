/**
 * @module renderer/app/ui/TypeToConfirm
 * Destructive actions are confirmed by typing the name of what they destroy (UI.md). The field
 * (`TypeToConfirm`) is shared by every such dialog; `TypeToConfirmDialog` is the whole dialog for
 * the common case — a description, any other fields, the name, the CLI equivalent, and one action
 * whose error is shown in place. A dialog laid out otherwise can use the field alone.
 */
import { Trash2 } from 'lucide-react';
import { useState, type ReactNode } from 'react';
import type { ErrorInfo } from '../../store/types.js';
import { Button } from './Button.js';
import { CliLine } from './EmptyState.js';
import { ErrorNote } from './ErrorNote.js';
import { Field, TextInput } from './Field.js';
import { Modal } from './Modal.js';
import s from './ui.module.css';

/** "Type <name> to confirm" and its input; the caller compares the value with the name. */
export function TypeToConfirm({ name, value, onChange, testId }: { name: string; value: string; onChange: (value: string) => void; testId?: string }) {
  return (
    <Field
      label={
        <>
          Type <span className={s.confirmTarget}>{name}</span> to confirm
        </>
      }
    >
      {(c) => <TextInput {...c} mono value={value} onChange={(e) => onChange(e.target.value)} autoFocus placeholder={name} data-testid={testId} />}
    </Field>
  );
}

export interface TypeToConfirmDialogProps {
  readonly open: boolean;
  readonly onOpenChange: (open: boolean) => void;
  readonly title: string;
  /** What must be typed. */
  readonly name: string;
  readonly description: ReactNode;
  /** The danger button's label. */
  readonly action: string;
  readonly cancel?: string;
  readonly cli: string;
  /** Runs the action; the dialog closes on success and shows the error otherwise. */
  readonly run: () => Promise<{ ok: true } | { ok: false; error: ErrorInfo }>;
  readonly testId: string;
  /** Other fields, asked before the name. */
  readonly children?: ReactNode;
  /** Whether those fields are valid (the action waits for them too). */
  readonly ready?: boolean;
  /** Called when the dialog closes, to clear those fields. */
  readonly onClosed?: () => void;
}

export function TypeToConfirmDialog({ open, onOpenChange, title, name, description, action, cancel = 'Cancel', cli, run, testId, children, ready = true, onClosed }: TypeToConfirmDialogProps) {
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const change = (next: boolean) => {
    if (!next) {
      setTyped('');
      setError(undefined);
      onClosed?.();
    }
    onOpenChange(next);
  };
  async function submit() {
    if (typed !== name || !ready || busy) return;
    setBusy(true);
    const r = await run();
    setBusy(false);
    if (r.ok) change(false);
    else setError(r.error);
  }
  return (
    <Modal
      open={open}
      onOpenChange={change}
      tone="danger"
      icon={<Trash2 aria-hidden />}
      title={title}
      description={description}
      onSubmit={() => void submit()}
      testId={testId}
      footer={
        <>
          <Button onClick={() => change(false)}>{cancel}</Button>
          <Button type="submit" variant="danger" busy={busy} disabled={typed !== name || !ready}>
            {action}
          </Button>
        </>
      }
    >
      {error === undefined ? null : <ErrorNote error={error} />}
      {children}
      <TypeToConfirm name={name} value={typed} onChange={setTyped} />
      <CliLine command={cli} />
    </Modal>
  );
}
