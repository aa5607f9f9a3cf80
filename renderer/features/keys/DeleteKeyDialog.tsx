/**
 * @module renderer/features/keys/DeleteKeyDialog
 * Schedule a key's deletion. Destructive, so it is confirmed by typing the key id (UI.md); the
 * window (days before the material is erased) is explicit, and the dialog says what happens
 * meanwhile and how to undo it.
 */
import { Trash2 } from 'lucide-react';
import { useState } from 'react';
import { useApp } from '../../store/index.js';
import type { ErrorInfo, KeyInfo } from '../../store/types.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Field, TextInput } from '../../app/ui/Field.js';
import { Modal } from '../../app/ui/Modal.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { TypeToConfirm } from '../../app/ui/TypeToConfirm.js';
import { formatDateTime } from '../../app/lib/format.js';
import { cli } from './key-meta.js';


export function DeleteKeyDialog({ info, open, onOpenChange }: { info: KeyInfo; open: boolean; onOpenChange: (open: boolean) => void }) {
  const scheduleDeletion = useApp((s) => s.scheduleDeletion);
  const [typed, setTyped] = useState('');
  const [days, setDays] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);

  // Empty = the vault's configured window (security.key_deletion_window_days), not ours.
  const n = days.trim() === '' ? undefined : Number(days);
  const daysOk = n === undefined || (Number.isInteger(n) && n >= 1 && n <= 365);
  const confirmed = typed === info.id;

  function change(next: boolean) {
    if (!next) {
      setTyped('');
      setError(undefined);
      setDays('');
    }
    onOpenChange(next);
  }

  async function submit() {
    if (!confirmed || !daysOk || busy) return;
    setBusy(true);
    const r = await scheduleDeletion(info.id, n);
    setBusy(false);
    if (r.ok) {
      toastSuccess(`${info.id} scheduled for deletion`, r.value.deletionAt === null ? undefined : `Material erased ${formatDateTime(r.value.deletionAt)} unless cancelled.`);
      change(false);
    } else setError(r.error);
  }

  return (
    <Modal
      open={open}
      onOpenChange={change}
      tone="danger"
      icon={<Trash2 aria-hidden />}
      title="Schedule deletion"
      description={
        <>
          <span className="mono">{info.id}</span> stops working now. Its material is erased when the window ends; until then you can cancel.
        </>
      }
      onSubmit={() => void submit()}
      testId="delete-key-dialog"
      footer={
        <>
          <Button onClick={() => change(false)}>Keep the key</Button>
          <Button type="submit" variant="danger" busy={busy} disabled={!confirmed || !daysOk}>
            Schedule deletion
          </Button>
        </>
      }
    >
      {error === undefined ? null : <ErrorNote error={error} />}
      <Field label="Days before the material is erased" hint="1 to 365. Leave empty for the vault's configured window (security.key_deletion_window_days)." error={daysOk ? undefined : 'Enter a whole number of days from 1 to 365.'}>
        {(c) => <TextInput {...c} type="number" min={1} max={365} value={days} placeholder="Vault default" onChange={(e) => setDays(e.target.value)} />}
      </Field>
      <TypeToConfirm name={info.id} value={typed} onChange={setTyped} />
      <CliLine command={cli.delete(info.namespace, info.id, daysOk ? n : undefined)} />
    </Modal>
  );
}
