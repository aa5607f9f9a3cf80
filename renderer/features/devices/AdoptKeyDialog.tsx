/**
 * @module renderer/features/devices/AdoptKeyDialog
 * Adopt a key already on a token: reference it in the vault as namespace/id (by its CKA_ID, the
 * handle devices.keys gave). Nothing is created or copied; the key stays on the token.
 */
import { Link2 } from 'lucide-react';
import { useState } from 'react';
import { useApp } from '../../store/index.js';
import type { DeviceInfo, DeviceKey } from '../../store/devices-slice.js';
import type { ErrorInfo } from '../../store/types.js';
import { Badge } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { MonoId } from '../../app/ui/MonoId.js';
import { Modal } from '../../app/ui/Modal.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { KEY_ID_RE } from '../keys/key-meta.js';
import { deviceCli } from './device-meta.js';
import d from './devices.module.css';
import { VaultNameFields } from './VaultNameFields.js';

/** A key id suggested from the token's label (the part the id rule allows). */
export function suggestKeyId(label: string): string {
  const tail = label.includes('/') ? label.slice(label.lastIndexOf('/') + 1) : label;
  return tail.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 128);
}

export function AdoptKeyDialog({ device, deviceKey, open, onOpenChange }: { device: DeviceInfo; deviceKey: DeviceKey; open: boolean; onOpenChange: (open: boolean) => void }) {
  const current = useApp((s) => s.namespace);
  const adopt = useApp((s) => s.adoptDeviceKey);
  const [namespace, setNamespace] = useState(current);
  const [id, setId] = useState(() => suggestKeyId(deviceKey.label));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const idOk = KEY_ID_RE.test(id);

  function change(next: boolean) {
    if (!next) setError(undefined);
    onOpenChange(next);
  }

  async function submit() {
    if (!idOk || busy) return;
    setBusy(true);
    setError(undefined);
    const r = await adopt({ backend: device.backend, namespace, id, handle: deviceKey.handle });
    setBusy(false);
    if (r.ok) {
      toastSuccess(`Adopted ${deviceKey.label || deviceKey.handle} as ${r.value.namespace}/${r.value.id}`, 'The key stays on the token; the vault references it.');
      change(false);
    } else setError(r.error);
  }

  return (
    <Modal
      open={open}
      onOpenChange={change}
      icon={<Link2 aria-hidden />}
      title="Adopt a key from the token"
      description={`Reference a key already on ${device.label} in the vault. Nothing is created or copied.`}
      onSubmit={() => void submit()}
      testId="adopt-dialog"
      footer={
        <>
          <Button onClick={() => change(false)}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} disabled={!idOk} data-testid="adopt-submit">
            Adopt
          </Button>
        </>
      }
    >
      {error === undefined ? null : <ErrorNote error={error} />}
      <dl className={d.facts}>
        <dt>Label</dt>
        <dd>{deviceKey.label === '' ? <span className={d.muted}>none</span> : deviceKey.label}</dd>
        <dt>CKA_ID</dt>
        <dd>
          <MonoId value={deviceKey.handle} max={36} />
        </dd>
        <dt>Algorithm</dt>
        <dd>
          <Badge tone="outline" square>
            {deviceKey.algorithm}
          </Badge>
        </dd>
      </dl>
      <VaultNameFields namespace={namespace} onNamespace={setNamespace} id={id} onId={setId} idOk={idOk} autoFocus idTestId="adopt-id" />
      <CliLine command={deviceCli.adopt(device.label, namespace, id, deviceKey.handle)} />
    </Modal>
  );
}
