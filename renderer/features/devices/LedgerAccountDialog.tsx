/**
 * @module renderer/features/devices/LedgerAccountDialog
 * Add a Ledger account to the vault: a BIP-32 path (default m/44'/60'/0'/0/0, its address index
 * stepped with − / +), "Show on device" to have the Ledger display the address so the person
 * compares it with the one shown here, then adopt it as namespace/id (the path is the handle).
 * The address shown here is what the host read from the device; the Ledger's own screen is the
 * one to trust, which is why the comparison is offered before adopting.
 */
import { Minus, MonitorSmartphone, Plus, Wallet } from 'lucide-react';
import { useState } from 'react';
import { useApp } from '../../store/index.js';
import type { DeviceInfo } from '../../store/devices-slice.js';
import type { ErrorInfo } from '../../store/types.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Field, TextInput } from '../../app/ui/Field.js';
import { Identicon } from '../../app/ui/Identicon.js';
import { MonoId } from '../../app/ui/MonoId.js';
import { Modal } from '../../app/ui/Modal.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { KEY_ID_RE } from '../keys/key-meta.js';
import { DEFAULT_LEDGER_PATH, addressIndex, backendName, deviceCli, isEthereumPath, parseBip32Path, pinErrorHelp, stepBip32Path } from './device-meta.js';
import d from './devices.module.css';
import { VaultNameFields } from './VaultNameFields.js';

export function LedgerAccountDialog({ device, open, onOpenChange }: { device: DeviceInfo; open: boolean; onOpenChange: (open: boolean) => void }) {
  const current = useApp((s) => s.namespace);
  const adopt = useApp((s) => s.adoptDeviceKey);
  const ledgerAddress = useApp((s) => s.ledgerAddress);
  const [path, setPath] = useState(DEFAULT_LEDGER_PATH);
  const [namespace, setNamespace] = useState(current);
  const [id, setId] = useState('');
  const [shown, setShown] = useState<{ path: string; address: string } | undefined>(undefined);
  const [busy, setBusy] = useState<'show' | 'add' | null>(null);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const parsed = parseBip32Path(path);
  const index = addressIndex(path);
  const idOk = KEY_ID_RE.test(id);
  const address = shown?.path === path.trim() ? shown.address : undefined;

  function change(next: boolean) {
    if (!next) {
      setPath(DEFAULT_LEDGER_PATH);
      setId('');
      setShown(undefined);
      setError(undefined);
    }
    onOpenChange(next);
  }

  async function show() {
    if (!parsed.ok || busy !== null) return;
    setBusy('show');
    setError(undefined);
    const r = await ledgerAddress(device.backend, path.trim(), true);
    setBusy(null);
    if (r.ok) setShown({ path: path.trim(), address: r.value.address });
    else setError(r.error);
  }

  async function submit() {
    if (!parsed.ok || !idOk || busy !== null) return;
    setBusy('add');
    setError(undefined);
    const r = await adopt({ backend: device.backend, namespace, id, handle: path.trim() });
    setBusy(null);
    if (r.ok) {
      toastSuccess(`Added ${r.value.namespace}/${r.value.id}`, `Ledger account ${path.trim()}`);
      change(false);
    } else setError(r.error);
  }

  return (
    <Modal
      open={open}
      onOpenChange={change}
      icon={<Wallet aria-hidden />}
      title={device.label === backendName(device.backend) ? 'Add an account from the Ledger' : `Add an account from ${device.label}`}
      description="An Ethereum account of the Ledger, by its BIP-32 path. The key stays on the Ledger; each signature is confirmed on it."
      onSubmit={() => void submit()}
      testId="ledger-account-dialog"
      wide
      footer={
        <>
          <Button onClick={() => change(false)}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy === 'add'} disabled={!parsed.ok || !idOk || busy !== null} data-testid="ledger-add">
            Add account
          </Button>
        </>
      }
    >
      {error === undefined ? null : <ErrorNote error={error} help={pinErrorHelp(error)} />}
      <Field
        label="Derivation path"
        hint={parsed.ok && !isEthereumPath(path) ? "Not under m/44'/60'/: the Ethereum app may ask you to confirm an unusual path." : 'The last level is the address index; − and + step through the accounts.'}
        error={parsed.ok ? undefined : parsed.error}
      >
        {(c) => (
          <div className={d.pathRow}>
            <TextInput {...c} mono value={path} onChange={(e) => setPath(e.target.value)} data-testid="ledger-path" />
            <Button iconOnly aria-label="Previous address index" icon={<Minus aria-hidden />} disabled={!parsed.ok || index === 0} onClick={() => setPath(stepBip32Path(path, -1))} />
            <span className={d.pathIndex} aria-live="polite">
              #{index ?? '–'}
            </span>
            <Button iconOnly aria-label="Next address index" icon={<Plus aria-hidden />} disabled={!parsed.ok} onClick={() => setPath(stepBip32Path(path, 1))} />
          </div>
        )}
      </Field>
      <div className={d.addressBox} data-testid="ledger-address">
        {address === undefined ? (
          <span className={d.muted}>Show the address on the Ledger to compare it with the one read here before you add the account.</span>
        ) : (
          <>
            <Identicon value={address} size={22} />
            <MonoId value={address} max={44} />
            <span className={d.muted}>Does the Ledger show the same address?</span>
          </>
        )}
        <Button size="sm" icon={<MonitorSmartphone aria-hidden />} busy={busy === 'show'} disabled={!parsed.ok || busy !== null} onClick={() => void show()} data-testid="ledger-show">
          Show on device
        </Button>
      </div>
      <VaultNameFields namespace={namespace} onNamespace={setNamespace} id={id} onId={setId} idOk={idOk} placeholder="e.g. ledger-eth-0" idTestId="ledger-id" />
      <CliLine command={deviceCli.ledgerAddress(backendName(device.backend), path.trim(), true)} />
      <CliLine command={deviceCli.ledgerAdopt(backendName(device.backend), namespace, id, path.trim())} label={null} />
    </Modal>
  );
}
