/**
 * @module renderer/features/devices/GenerateOnTokenDialog
 * Generate a key on a PKCS#11 token and reference it in the vault as namespace/id. Only the
 * algorithms the token can generate are offered (capabilities.generate); the key is made
 * sensitive and non-extractable on the token, which the dialog says before anything happens.
 */
import { KeySquare, ShieldCheck } from 'lucide-react';
import { useState } from 'react';
import { useApp } from '../../store/index.js';
import type { DeviceInfo } from '../../store/devices-slice.js';
import type { ErrorInfo, KeyAlgorithm } from '../../store/types.js';
import { KEY_ALGORITHMS } from '../../../shared/algorithms.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Field, SelectInput, TextInput } from '../../app/ui/Field.js';
import { Modal } from '../../app/ui/Modal.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { KEY_ID_RE, algorithmNote } from '../keys/key-meta.js';
import { deviceCli } from './device-meta.js';
import d from './devices.module.css';
import { VaultNameFields } from './VaultNameFields.js';

/** The token's algorithms that the contract knows, in the token's order. */
export function generatableAlgorithms(device: DeviceInfo): KeyAlgorithm[] {
  return device.capabilities.generate.filter((a): a is KeyAlgorithm => (KEY_ALGORITHMS as readonly string[]).includes(a));
}

export function GenerateOnTokenDialog({ device, open, onOpenChange }: { device: DeviceInfo; open: boolean; onOpenChange: (open: boolean) => void }) {
  const current = useApp((s) => s.namespace);
  const generate = useApp((s) => s.generateOnDevice);
  const algorithms = generatableAlgorithms(device);
  const preferred: KeyAlgorithm = algorithms.includes('ecdsa-p256') ? 'ecdsa-p256' : (algorithms[0] ?? 'ecdsa-p256');
  const [namespace, setNamespace] = useState(current);
  const [id, setId] = useState('');
  const [algorithm, setAlgorithm] = useState<KeyAlgorithm>(preferred);
  const [label, setLabel] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const idOk = KEY_ID_RE.test(id);
  const labelOk = label.length <= 128;
  const alg = algorithms.includes(algorithm) ? algorithm : preferred;

  function change(next: boolean) {
    if (!next) {
      setId('');
      setLabel('');
      setError(undefined);
      setNamespace(current);
      setAlgorithm(preferred);
    }
    onOpenChange(next);
  }

  async function submit() {
    if (!idOk || !labelOk || busy || algorithms.length === 0) return;
    setBusy(true);
    setError(undefined);
    const r = await generate({ backend: device.backend, namespace, id, algorithm: alg, ...(label.trim() === '' ? {} : { label: label.trim() }) });
    setBusy(false);
    if (r.ok) {
      toastSuccess(`Generated ${r.value.id} on ${device.label}`, `${r.value.algorithm} in ${r.value.namespace}; the private key stays on the token.`);
      change(false);
    } else setError(r.error);
  }

  return (
    <Modal
      open={open}
      onOpenChange={change}
      icon={<KeySquare aria-hidden />}
      title={`Generate a key on ${device.label}`}
      description="The token makes the key pair; the vault keeps a reference to it under the id you choose."
      onSubmit={() => void submit()}
      testId="generate-on-token-dialog"
      footer={
        <>
          <Button onClick={() => change(false)}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} disabled={!idOk || !labelOk || algorithms.length === 0} data-testid="generate-on-token-submit">
            Generate on token
          </Button>
        </>
      }
    >
      {error === undefined ? null : <ErrorNote error={error} />}
      <VaultNameFields namespace={namespace} onNamespace={setNamespace} id={id} onId={setId} idOk={idOk} autoFocus placeholder="e.g. signing-hsm-1" namespaceTestId="generate-namespace" idTestId="generate-id" />
      <Field label="Algorithm" hint={algorithms.length === 0 ? 'This token generates no algorithm Custos supports.' : algorithmNote(alg)}>
        {(c) => (
          <SelectInput {...c} value={alg} onChange={(e) => setAlgorithm(e.target.value as KeyAlgorithm)} disabled={algorithms.length === 0} data-testid="generate-algorithm">
            {algorithms.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </SelectInput>
        )}
      </Field>
      <Field label="Label on the token" hint="CKA_LABEL, what other PKCS#11 tools show. Optional." error={labelOk ? undefined : 'At most 128 characters'}>
        {(c) => <TextInput {...c} value={label} onChange={(e) => setLabel(e.target.value)} placeholder={`${namespace}/${idOk ? id : 'ID'}`} data-testid="generate-label" />}
      </Field>
      <div className={d.callout} role="note">
        <ShieldCheck aria-hidden />
        <span>
          Created <strong>sensitive and non-extractable</strong>: the private key never leaves the token, so it cannot be exported and vault backups hold only the reference. Losing the token, or
          re-initialising it, loses the key.
        </span>
      </div>
      <CliLine command={deviceCli.generate(device.label, namespace, id, alg)} />
    </Modal>
  );
}
