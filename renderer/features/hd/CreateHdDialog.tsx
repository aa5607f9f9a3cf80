/**
 * @module renderer/features/hd/CreateHdDialog
 * A new HD wallet in two steps. First the choices: id, 12 or 24 words, exportable, and an optional
 * BIP-39 passphrase (typed twice: a typo there is a different wallet, silently). Then the phrase,
 * ONCE, as a numbered grid; the dialog does not close until the operator confirms they wrote it
 * down. The phrase lives in this component's state only and is dropped when the dialog closes.
 */
import { ShieldAlert, Sprout } from 'lucide-react';
import { useState } from 'react';
import { useApp } from '../../store/index.js';
import type { ErrorInfo } from '../../store/types.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Checkbox, Field, Segmented, TextInput } from '../../app/ui/Field.js';
import { FooterNote, Modal } from '../../app/ui/Modal.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { HD_ID_RE, hdCli } from './hd-meta.js';
import { MnemonicGrid } from './MnemonicGrid.js';
import h from './hd.module.css';

const WORDS = [
  { value: '24', label: '24 words' },
  { value: '12', label: '12 words' },
] as const;

export function CreateHdDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const namespace = useApp((s) => s.namespace);
  const createHdWallet = useApp((s) => s.createHdWallet);
  const selectHd = useApp((s) => s.selectHd);
  const [id, setId] = useState('');
  const [words, setWords] = useState<'12' | '24'>('24');
  const [exportable, setExportable] = useState(false);
  const [passphrase, setPassphrase] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  /** The phrase, between creation and the operator's confirmation. Never in the store. */
  const [shown, setShown] = useState<{ id: string; mnemonic: string } | null>(null);
  const [written, setWritten] = useState(false);
  const idOk = HD_ID_RE.test(id);
  // No passphrase: the (hidden) confirmation does not count.
  const passOk = passphrase === '' || passphrase === again;

  function change(next: boolean) {
    if (!next && shown !== null && !written) return; // the phrase must be acknowledged first
    if (!next) {
      setId('');
      setWords('24');
      setExportable(false);
      setPassphrase('');
      setAgain('');
      setError(undefined);
      setShown(null);
      setWritten(false);
    }
    onOpenChange(next);
  }

  async function submit() {
    if (shown !== null) {
      if (written) change(false);
      return;
    }
    if (!idOk || !passOk || busy) return;
    setBusy(true);
    setError(undefined);
    const r = await createHdWallet({ id, words: words === '12' ? 12 : 24, passphrase, exportable });
    setBusy(false);
    // The BIP-39 passphrase has done its work: drop it from this dialog's state at once.
    setPassphrase('');
    setAgain('');
    if (r.ok) {
      setShown({ id: r.value.info.id, mnemonic: r.value.mnemonic });
      selectHd(r.value.info.id);
      toastSuccess(`Created HD wallet ${r.value.info.id}`, `${r.value.info.words} words · fingerprint ${r.value.info.fingerprint}`);
    } else setError(r.error);
  }

  if (shown !== null) {
    return (
      <Modal
        open={open}
        onOpenChange={change}
        tone="danger"
        wide
        icon={<ShieldAlert aria-hidden />}
        title="Write down the recovery phrase"
        description={
          <>
            The phrase of <span className="mono">{shown.id}</span> is shown this once. Anyone who has it controls every account of the wallet.
          </>
        }
        onSubmit={() => void submit()}
        testId="hd-mnemonic-dialog"
        footer={
          <>
            <FooterNote>{exportable ? 'Exportable: it can be shown again after you re-enter your passphrase.' : 'Not exportable: Custos will never show it again.'}</FooterNote>
            <Button type="submit" variant="primary" disabled={!written}>
              Done
            </Button>
          </>
        }
      >
        <MnemonicGrid mnemonic={shown.mnemonic} />
        <p className={h.note}>Write the words on paper in this order and keep it offline. Do not photograph it, paste it or store it in a password manager synced to the cloud.</p>
        <Checkbox checked={written} onChange={(e) => setWritten(e.target.checked)} label="I have written it down" description="the dialog closes and the phrase is gone from the screen" />
      </Modal>
    );
  }

  return (
    <Modal
      open={open}
      onOpenChange={change}
      icon={<Sprout aria-hidden />}
      title="Create an HD wallet"
      description={
        <>
          A BIP-39 seed generated inside the vault, in namespace <span className="mono">{namespace}</span>. It derives Ethereum, Bitcoin and Solana accounts.
        </>
      }
      onSubmit={() => void submit()}
      testId="hd-create-dialog"
      footer={
        <>
          <Button onClick={() => change(false)}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} disabled={!idOk || !passOk}>
            Create wallet
          </Button>
        </>
      }
    >
      {error === undefined ? null : <ErrorNote error={error} />}
      <Field label="Wallet ID" hint="Letters, digits, dot, dash and underscore; up to 128." error={id !== '' && !idOk ? 'Only A–Z, a–z, 0–9, dot, dash and underscore (1–128).' : undefined}>
        {(c) => <TextInput {...c} mono value={id} onChange={(e) => setId(e.target.value)} autoFocus placeholder="e.g. treasury" maxLength={128} />}
      </Field>
      <div className={h.fieldRow}>
        <span className={h.fieldLabel}>Recovery phrase length</span>
        <Segmented label="Recovery phrase length" value={words} options={WORDS} onChange={setWords} />
        <span className={h.hintInline}>24 words: 256 bits of entropy; 12 words: 128 bits.</span>
      </div>
      <Field
        label="BIP-39 passphrase (optional)"
        hint="An extra word of your own, mixed into the seed. The same phrase with another passphrase is a different wallet, and without it the phrase alone cannot restore this one. Custos cannot recover it; leave empty if unsure."
      >
        {(c) => <TextInput {...c} type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} maxLength={1024} placeholder="None" />}
      </Field>
      {passphrase === '' ? null : (
        <Field label="BIP-39 passphrase again" error={again !== '' && !passOk ? 'The two passphrases differ.' : undefined}>
          {(c) => <TextInput {...c} type="password" value={again} onChange={(e) => setAgain(e.target.value)} maxLength={1024} />}
        </Field>
      )}
      <Checkbox checked={exportable} onChange={(e) => setExportable(e.target.checked)} label="Exportable" description="the phrase can be shown again after you re-enter your passphrase; cannot be changed afterwards" />
      <CliLine command={hdCli.create(namespace, id, words === '12' ? 12 : 24, exportable, passphrase !== '')} />
    </Modal>
  );
}
