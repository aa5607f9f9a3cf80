/**
 * @module renderer/features/keys/CreateKeyDialog
 * Generate a key in the current namespace: id, algorithm (the contract's list, signing and
 * symmetric apart, each with a line on what it is), exportable or not. The CLI equivalent
 * follows the form as it is filled in.
 */
import { KeyRound } from 'lucide-react';
import { useState } from 'react';
import { useApp } from '../../store/index.js';
import type { ErrorInfo, KeyAlgorithm } from '../../store/types.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Checkbox, Field, SelectInput, TextInput } from '../../app/ui/Field.js';
import { FooterNote, Modal } from '../../app/ui/Modal.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { KEY_ID_RE, SIGNING_ALGORITHMS, SYMMETRIC_ALGORITHMS, algorithmNote, cli } from './key-meta.js';

export function CreateKeyDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const namespace = useApp((s) => s.namespace);
  const generateKey = useApp((s) => s.generateKey);
  const selectKey = useApp((s) => s.selectKey);
  const [id, setId] = useState('');
  const [algorithm, setAlgorithm] = useState<KeyAlgorithm>('ed25519');
  const [exportable, setExportable] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const idOk = KEY_ID_RE.test(id);

  function change(next: boolean) {
    if (!next) {
      setId('');
      setAlgorithm('ed25519');
      setExportable(false);
      setError(undefined);
    }
    onOpenChange(next);
  }

  async function submit() {
    if (!idOk || busy) return;
    setBusy(true);
    setError(undefined);
    const r = await generateKey({ id, algorithm, exportable });
    setBusy(false);
    if (r.ok) {
      toastSuccess(`Created ${r.value.id}`, `${r.value.algorithm} in ${r.value.namespace}`);
      selectKey(r.value.id);
      change(false);
    } else setError(r.error);
  }

  return (
    <Modal
      open={open}
      onOpenChange={change}
      icon={<KeyRound aria-hidden />}
      title="Create a key"
      description={
        <>
          Generated inside the vault, in namespace <span className="mono">{namespace}</span>.
        </>
      }
      onSubmit={() => void submit()}
      testId="create-key-dialog"
      footer={
        <>
          <FooterNote>{busy && algorithm.startsWith('rsa') ? 'Generating an RSA key can take a few seconds…' : null}</FooterNote>
          <Button onClick={() => change(false)}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} disabled={!idOk}>
            Create key
          </Button>
        </>
      }
    >
      {error === undefined ? null : <ErrorNote error={error} />}
      <Field label="Key ID" hint="Letters, digits, dot, dash and underscore; up to 128." error={id !== '' && !idOk ? 'Only A–Z, a–z, 0–9, dot, dash and underscore (1–128).' : undefined}>
        {(c) => <TextInput {...c} mono value={id} onChange={(e) => setId(e.target.value)} autoFocus placeholder="e.g. payments-signing" maxLength={128} />}
      </Field>
      <Field label="Algorithm" hint={algorithmNote(algorithm)}>
        {(c) => (
          <SelectInput {...c} value={algorithm} onChange={(e) => setAlgorithm(e.target.value as KeyAlgorithm)}>
            <optgroup label="Signing">
              {SIGNING_ALGORITHMS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </optgroup>
            <optgroup label="Encryption (symmetric)">
              {SYMMETRIC_ALGORITHMS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </optgroup>
          </SelectInput>
        )}
      </Field>
      <Checkbox checked={exportable} onChange={(e) => setExportable(e.target.checked)} label="Exportable" description="allow the private material to be exported later; this cannot be changed afterwards" />
      <CliLine command={cli.generate(namespace, id, algorithm, exportable)} />
    </Modal>
  );
}
