/**
 * @module renderer/features/keys/ForgetDeviceKeyDialog
 * Forget a device key: the vault drops its reference (namespace/id), the key stays on the token or
 * Ledger and can be adopted again. Confirmed by typing the id like any destructive action (UI.md):
 * whatever signed with this id stops working at once.
 */
import { useApp } from '../../store/index.js';
import type { KeyInfo } from '../../store/types.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { TypeToConfirmDialog } from '../../app/ui/TypeToConfirm.js';
import { backendLabel, deviceCli } from '../devices/device-meta.js';

export function ForgetDeviceKeyDialog({ info, open, onOpenChange }: { info: KeyInfo; open: boolean; onOpenChange: (open: boolean) => void }) {
  const forget = useApp((s) => s.forgetDeviceKey);
  return (
    <TypeToConfirmDialog
      open={open}
      onOpenChange={onOpenChange}
      title="Forget the device key"
      name={info.id}
      description={
        <>
          The vault stops referencing <span className="mono">{info.namespace}/{info.id}</span> now: requests naming it fail. The key itself stays on {backendLabel(info.backend)} and can be adopted again from the
          Devices screen.
        </>
      }
      action="Forget"
      cancel="Keep it"
      cli={deviceCli.forget(info.namespace, info.id)}
      run={async () => {
        const r = await forget(info.namespace, info.id);
        if (r.ok) toastSuccess(`Forgot ${info.id}`, `The key is still on ${backendLabel(info.backend)}.`);
        return r;
      }}
      testId="forget-key-dialog"
    />
  );
}
