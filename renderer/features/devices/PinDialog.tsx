/**
 * @module renderer/features/devices/PinDialog
 * Log in to a PKCS#11 token with its user PIN. The PIN lives in this dialog's field only: it is
 * sent once (devices.login), the field is emptied as it goes and whenever the dialog closes, and
 * it is never put in the store. Errors carry their code and a way forward (PIN_INCORRECT with the
 * tries left when the token says, PIN_LOCKED: only the token's security officer can unlock it).
 */
import { KeyRound, LockKeyhole } from 'lucide-react';
import { useState } from 'react';
import { useApp } from '../../store/index.js';
import type { DeviceInfo } from '../../store/devices-slice.js';
import type { ErrorInfo } from '../../store/types.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Field, TextInput } from '../../app/ui/Field.js';
import { FooterNote, Modal } from '../../app/ui/Modal.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { deviceCli, pinErrorHelp } from './device-meta.js';
import d from './devices.module.css';

export function PinDialog({ device, open, onOpenChange }: { device: DeviceInfo; open: boolean; onOpenChange: (open: boolean) => void }) {
  const loginDevice = useApp((s) => s.loginDevice);
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const pinLocked = device.status.state === 'locked' || error?.code === 'PIN_LOCKED';

  function change(next: boolean) {
    if (!next) {
      setPin('');
      setError(undefined);
    }
    onOpenChange(next);
  }

  async function submit() {
    if (pin === '' || busy || pinLocked) return;
    const once = pin;
    setPin(''); // the field empties as the PIN goes: a second try is typed again
    setBusy(true);
    setError(undefined);
    const r = await loginDevice(device.backend, once);
    setBusy(false);
    if (r.ok) {
      toastSuccess(`Logged in to ${device.label}`, r.value.status.state === 'ready' ? 'The token’s keys are available.' : r.value.status.detail);
      change(false);
    } else setError(r.error);
  }

  return (
    <Modal
      open={open}
      onOpenChange={change}
      icon={<KeyRound aria-hidden />}
      title={`Log in to token ${device.label}`}
      description="The token’s user PIN. It goes to the token once; Custos does not keep it, show it or write it anywhere."
      onSubmit={() => void submit()}
      testId="pin-dialog"
      footer={
        <>
          <FooterNote>The session lasts until you log out, lock the vault or remove the token.</FooterNote>
          <Button onClick={() => change(false)}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} disabled={pin === '' || pinLocked} data-testid="pin-submit">
            Log in
          </Button>
        </>
      }
    >
      {error === undefined ? null : <ErrorNote error={error} help={pinErrorHelp(error)} />}
      {pinLocked && error?.code !== 'PIN_LOCKED' ? (
        <ErrorNote tone="warning" error={{ code: 'PIN_LOCKED', message: device.status.detail || 'the token refuses its user PIN' }} help={pinErrorHelp({ code: 'PIN_LOCKED', message: '' })} />
      ) : null}
      <Field label="User PIN" hint={<>Token <span className="mono">{device.label}</span> · {device.detail}</>}>
        {(c) => (
            <TextInput
              {...c}
              type="password"
              mono
              large
              value={pin}
              onChange={(e) => setPin(e.target.value)}
              autoFocus
              autoComplete="off"
              maxLength={256}
              disabled={pinLocked}
              placeholder="••••"
              data-testid="pin-input"
              aria-label="User PIN"
            />
        )}
      </Field>
      {pinLocked ? (
        <p className={d.note}>
          <LockKeyhole aria-hidden /> Reset the user PIN with the SO PIN, e.g. <span className="mono">softhsm2-util</span> or the vendor’s tool, then log in here.
        </p>
      ) : null}
      <CliLine command={deviceCli.login(device.label)} />
    </Modal>
  );
}
