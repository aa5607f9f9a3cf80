/**
 * @module renderer/features/devices/ConfirmOnDevice
 * "Confirm on your Ledger": while a Ledger waits for the person (devices.confirm active), a modal
 * over whatever screen is open says what it waits for, with a spinner and Cancel (devices.cancel;
 * rejecting on the device works too). It goes when the event says the device stopped waiting.
 * Escape cancels, like the button: a person who wants out should not have to find the device.
 */
import * as Dialog from '@radix-ui/react-dialog';
import { useState } from 'react';
import { useApp } from '../../store/index.js';
import { Button } from '../../app/ui/Button.js';
import { Spinner } from '../../app/ui/Progress.js';
import { toastError } from '../../app/ui/toast.js';
import { backendName } from './device-meta.js';
import d from './devices.module.css';

export function ConfirmOnDevice() {
  const confirm = useApp((s) => s.deviceConfirms[0]);
  // A Ledger is listed under its device id (the HID path), so it is named as a Ledger either way.
  const label = useApp((s) => (confirm === undefined ? undefined : s.devices?.find((x) => x.backend === confirm.backend)?.label));
  const waitingFor = confirm === undefined ? '' : label === undefined || label === backendName(confirm.backend) ? `the Ledger (${backendName(confirm.backend)})` : label;
  const cancelOnDevice = useApp((s) => s.cancelOnDevice);
  const [cancelling, setCancelling] = useState<string | null>(null);
  const open = confirm !== undefined;

  async function cancel() {
    if (confirm === undefined || cancelling === confirm.backend) return;
    setCancelling(confirm.backend);
    const r = await cancelOnDevice(confirm.backend);
    setCancelling(null);
    if (!r.ok) toastError('Could not cancel on the device', r.error);
  }

  return (
    <Dialog.Root
      open={open}
      onOpenChange={(next) => {
        if (!next) void cancel();
      }}
    >
      <Dialog.Portal>
        <Dialog.Overlay className={d.confirmOverlay} />
        <Dialog.Content className={d.confirm} data-testid="confirm-on-device" onPointerDownOutside={(e) => e.preventDefault()}>
          {confirm === undefined ? null : (
            <>
              <LedgerIllustration />
              <Dialog.Title className={d.confirmTitle}>Confirm on your Ledger</Dialog.Title>
              <Dialog.Description className={d.confirmWhat} data-testid="confirm-what">
                {confirm.what}
              </Dialog.Description>
              <div className={d.confirmWait} role="status">
                <Spinner /> Waiting for {waitingFor}. Check what the device shows, then approve or reject on it.
              </div>
              <Button onClick={() => void cancel()} busy={cancelling === confirm.backend} data-testid="confirm-cancel">
                Cancel
              </Button>
            </>
          )}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

/** A Ledger-like stick with its screen and two buttons, in the theme's colours (no image file: the CSP allows none from elsewhere anyway). */
function LedgerIllustration() {
  return (
    <svg className={d.ledgerArt} viewBox="0 0 220 72" aria-hidden>
      <rect className={d.ledgerBody} x="4" y="14" width="196" height="44" rx="10" />
      <rect className={d.ledgerScreen} x="58" y="24" width="92" height="24" rx="3" />
      <rect className={d.ledgerPixels} x="66" y="32" width="44" height="3" rx="1.5" />
      <rect className={d.ledgerPixels} x="66" y="39" width="64" height="3" rx="1.5" />
      <circle className={d.ledgerButton} cx="34" cy="36" r="8" />
      <circle className={d.ledgerButton} cx="174" cy="36" r="8" />
      <rect className={d.ledgerPlug} x="200" y="28" width="14" height="16" rx="2" />
      <circle className={d.ledgerPulse} cx="34" cy="36" r="12" />
      <circle className={d.ledgerPulse} cx="174" cy="36" r="12" />
    </svg>
  );
}
