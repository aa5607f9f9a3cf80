/**
 * @module renderer/features/keys/DeleteKeyDialog
 * Schedule a key's deletion. Destructive, so it is confirmed by typing the key id (UI.md); the
 * window (days before the material is erased) is explicit, and the dialog says what happens
 * meanwhile and how to undo it.
 */
import { useState } from 'react';
import { useApp } from '../../store/index.js';
import type { KeyInfo } from '../../store/types.js';
import { Field, TextInput } from '../../app/ui/Field.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { TypeToConfirmDialog } from '../../app/ui/TypeToConfirm.js';
import { formatDateTime } from '../../app/lib/format.js';
import { cli } from './key-meta.js';

export function DeleteKeyDialog({ info, open, onOpenChange }: { info: KeyInfo; open: boolean; onOpenChange: (open: boolean) => void }) {
  const scheduleDeletion = useApp((s) => s.scheduleDeletion);
  const [days, setDays] = useState('');

  // Empty = the vault's configured window (security.key_deletion_window_days), not ours.
  const n = days.trim() === '' ? undefined : Number(days);
  const daysOk = n === undefined || (Number.isInteger(n) && n >= 1 && n <= 365);

  return (
    <TypeToConfirmDialog
      open={open}
      onOpenChange={onOpenChange}
      title="Schedule deletion"
      name={info.id}
      description={
        <>
          <span className="mono">{info.id}</span> stops working now. Its material is erased when the window ends; until then you can cancel.
        </>
      }
      action="Schedule deletion"
      cancel="Keep the key"
      cli={cli.delete(info.namespace, info.id, daysOk ? n : undefined)}
      run={async () => {
        const r = await scheduleDeletion(info.id, n);
        if (r.ok) toastSuccess(`${info.id} scheduled for deletion`, r.value.deletionAt === null ? undefined : `Material erased ${formatDateTime(r.value.deletionAt)} unless cancelled.`);
        return r;
      }}
      testId="delete-key-dialog"
      ready={daysOk}
      onClosed={() => setDays('')}
    >
      <Field label="Days before the material is erased" hint="1 to 365. Leave empty for the vault's configured window (security.key_deletion_window_days)." error={daysOk ? undefined : 'Enter a whole number of days from 1 to 365.'}>
        {(c) => <TextInput {...c} type="number" min={1} max={365} value={days} placeholder="Vault default" onChange={(e) => setDays(e.target.value)} />}
      </Field>
    </TypeToConfirmDialog>
  );
}
