/**
 * @module renderer/features/hd/ImportHdDialog
 * Import an existing BIP-39 phrase (any official wordlist; the core checks words and checksum
 * after NFKD normalisation and answers with a code the dialog shows). The phrase and the optional
 * BIP-39 passphrase live in this dialog's state and are cleared when it closes or succeeds.
 */
import { FileDown } from 'lucide-react';
import { useState } from 'react';
import { useApp } from '../../store/index.js';
import type { ErrorInfo } from '../../store/types.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Checkbox, Field, TextInput } from '../../app/ui/Field.js';
import { FooterNote, Modal } from '../../app/ui/Modal.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { cx } from '../../app/ui/cx.js';
import { HD_ID_RE, hdCli } from './hd-meta.js';
import ui from '../../app/ui/ui.module.css';
import h from './hd.module.css';

const WORD_COUNTS = new Set([12, 15, 18, 21, 24]);

export function ImportHdDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const namespace = useApp((s) => s.namespace);
  const importHdWallet = useApp((s) => s.importHdWallet);
  const selectHd = useApp((s) => s.selectHd);
  const [id, setId] = useState('');
  const [phrase, setPhrase] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [exportable, setExportable] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const idOk = HD_ID_RE.test(id);
  const count = phrase.trim() === '' ? 0 : phrase.trim().split(/\s+/).length;
  const countOk = WORD_COUNTS.has(count);

  function change(next: boolean) {
    if (!next) {
      setId('');
      setPhrase('');
      setPassphrase('');
      setExportable(false);
      setError(undefined);
    }
    onOpenChange(next);
  }

  async function submit() {
    if (!idOk || !countOk || busy) return;
    setBusy(true);
    setError(undefined);
    const r = await importHdWallet({ id, mnemonic: phrase, passphrase, exportable });
    setBusy(false);
    if (r.ok) {
      toastSuccess(`Imported HD wallet ${r.value.id}`, `${r.value.words} words (${r.value.language}) · fingerprint ${r.value.fingerprint}`);
      selectHd(r.value.id);
      change(false);
    } else setError(r.error);
  }

  return (
    <Modal
      open={open}
      onOpenChange={change}
      wide
      icon={<FileDown aria-hidden />}
      title="Import an HD wallet"
      description={
        <>
          From a BIP-39 recovery phrase, into namespace <span className="mono">{namespace}</span>. The phrase is sealed in the vault; this window forgets it.
        </>
      }
      onSubmit={() => void submit()}
      testId="hd-import-dialog"
      footer={
        <>
          <FooterNote>{count === 0 ? null : `${count} ${count === 1 ? 'word' : 'words'}${countOk ? '' : ' — a phrase has 12, 15, 18, 21 or 24'}`}</FooterNote>
          <Button onClick={() => change(false)}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} disabled={!idOk || !countOk}>
            Import wallet
          </Button>
        </>
      }
    >
      {error === undefined ? null : <ErrorNote error={error} help={error.code === 'INVALID_INPUT' ? 'Check each word against the BIP-39 wordlist and their order: the last word carries a checksum.' : undefined} />}
      <Field label="Wallet ID" error={id !== '' && !idOk ? 'Only A–Z, a–z, 0–9, dot, dash and underscore (1–128).' : undefined}>
        {(c) => <TextInput {...c} mono value={id} onChange={(e) => setId(e.target.value)} autoFocus placeholder="e.g. treasury" maxLength={128} />}
      </Field>
      <Field label="Recovery phrase" hint="Words separated by spaces or new lines; English or any other official BIP-39 wordlist.">
        {(c) => (
          <textarea
            {...c}
            className={cx(ui.input, ui.inputMono, h.textarea)}
            value={phrase}
            onChange={(e) => setPhrase(e.target.value)}
            rows={3}
            maxLength={1024}
            spellCheck={false}
            autoComplete="off"
            autoCorrect="off"
            autoCapitalize="off"
            data-testid="hd-import-phrase"
          />
        )}
      </Field>
      <Field label="BIP-39 passphrase (optional)" hint="Only if the wallet was made with one: a different passphrase gives a different, valid-looking wallet.">
        {(c) => <TextInput {...c} type="password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} maxLength={1024} placeholder="None" />}
      </Field>
      <Checkbox checked={exportable} onChange={(e) => setExportable(e.target.checked)} label="Exportable" description="the phrase can be shown again after you re-enter your passphrase" />
      <CliLine command={hdCli.import(namespace, id, exportable, passphrase !== '')} />
    </Modal>
  );
}
