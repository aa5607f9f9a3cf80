/**
 * @module renderer/features/hd/HdDialogs
 * The two decisions of an HD wallet's panel. Export mnemonic: exportable wallets only, after the
 * operator types their own vault passphrase again (the core counts a wrong one like a failed
 * sign-in); the phrase is shown in this dialog's state and dropped when it closes. Delete:
 * destructive and immediate, so it is confirmed by typing the wallet id (UI.md).
 */
import { Eye } from 'lucide-react';
import { useState } from 'react';
import { useApp } from '../../store/index.js';
import type { ErrorInfo, HdWalletInfo } from '../../store/types.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Field } from '../../app/ui/Field.js';
import { Modal } from '../../app/ui/Modal.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { TypeToConfirmDialog } from '../../app/ui/TypeToConfirm.js';
import { PassphraseInput } from '../vault/PassphraseInput.js';
import { hdCli } from './hd-meta.js';
import { MnemonicGrid } from './MnemonicGrid.js';
import h from './hd.module.css';

interface DialogProps {
  readonly info: HdWalletInfo;
  readonly open: boolean;
  readonly onOpenChange: (open: boolean) => void;
}

export function ExportMnemonicDialog({ info, open, onOpenChange }: DialogProps) {
  const exportMnemonic = useApp((s) => s.exportMnemonic);
  const [passphrase, setPassphrase] = useState('');
  const [mnemonic, setMnemonic] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);

  function change(next: boolean) {
    if (!next) {
      setPassphrase('');
      setMnemonic(null);
      setError(undefined);
    }
    onOpenChange(next);
  }

  async function submit() {
    if (mnemonic !== null) {
      change(false);
      return;
    }
    if (passphrase === '' || busy) return;
    setBusy(true);
    setError(undefined);
    const r = await exportMnemonic(info.id, passphrase);
    setBusy(false);
    setPassphrase('');
    if (r.ok) setMnemonic(r.value.mnemonic);
    else setError(r.error);
  }

  return (
    <Modal
      open={open}
      onOpenChange={change}
      tone="danger"
      wide={mnemonic !== null}
      icon={<Eye aria-hidden />}
      title={mnemonic === null ? 'Export the recovery phrase' : `Recovery phrase of ${info.id}`}
      description={
        mnemonic === null ? (
          <>
            Enter your own vault passphrase to show the phrase of <span className="mono">{info.id}</span>. The export is audited.
          </>
        ) : (
          'Anyone who sees these words controls every account of the wallet. Close this as soon as you are done.'
        )
      }
      onSubmit={() => void submit()}
      testId="hd-export-dialog"
      footer={
        mnemonic === null ? (
          <>
            <Button onClick={() => change(false)}>Cancel</Button>
            <Button type="submit" variant="danger" busy={busy} disabled={passphrase === ''}>
              Show phrase
            </Button>
          </>
        ) : (
          <Button type="submit" variant="primary">
            Close and forget
          </Button>
        )
      }
    >
      {error === undefined ? null : <ErrorNote error={error} />}
      {mnemonic === null ? (
        <>
          <Field label="Your vault passphrase">{(c) => <PassphraseInput {...c} value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoFocus />}</Field>
          <CliLine command={hdCli.exportMnemonic(info.namespace, info.id)} />
        </>
      ) : (
        <>
          <MnemonicGrid mnemonic={mnemonic} />
          {info.hasPassphrase ? <p className={h.note}>This wallet also has a BIP-39 passphrase; the words alone do not restore it.</p> : null}
        </>
      )}
    </Modal>
  );
}

export function DeleteHdDialog({ info, open, onOpenChange }: DialogProps) {
  const deleteHdWallet = useApp((s) => s.deleteHdWallet);
  return (
    <TypeToConfirmDialog
      open={open}
      onOpenChange={onOpenChange}
      title="Delete HD wallet"
      name={info.id}
      description={
        <>
          The sealed seed of <span className="mono">{info.id}</span> is erased now, with no waiting period. Funds on its addresses can then be reached only with the written recovery phrase
          {info.hasPassphrase ? ' and its BIP-39 passphrase' : ''}.
        </>
      }
      action="Delete wallet"
      cancel="Keep the wallet"
      cli={hdCli.delete(info.namespace, info.id)}
      run={async () => {
        const r = await deleteHdWallet(info.id);
        if (r.ok) toastSuccess(`Deleted HD wallet ${info.id}`);
        return r;
      }}
      testId="hd-delete-dialog"
    />
  );
}
