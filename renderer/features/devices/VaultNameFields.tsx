/**
 * @module renderer/features/devices/VaultNameFields
 * The namespace and key id a device key gets in the vault, side by side: the same two fields in
 * every dialog that generates or adopts a key on a device.
 */
import { useApp } from '../../store/index.js';
import { Field, SelectInput, TextInput } from '../../app/ui/Field.js';
import d from './devices.module.css';

export interface VaultNameFieldsProps {
  readonly namespace: string;
  readonly onNamespace: (namespace: string) => void;
  readonly id: string;
  readonly onId: (id: string) => void;
  /** Whether `id` is a valid key id (KEY_ID_RE); an empty id shows no error yet. */
  readonly idOk: boolean;
  readonly placeholder?: string;
  readonly autoFocus?: boolean;
  readonly namespaceTestId?: string;
  readonly idTestId: string;
}

export function VaultNameFields(p: VaultNameFieldsProps) {
  const namespaces = useApp((s) => s.namespaces);
  const current = useApp((s) => s.namespace);
  return (
    <div className={d.row2}>
      <Field label="Namespace">
        {(c) => (
          <SelectInput {...c} value={p.namespace} onChange={(e) => p.onNamespace(e.target.value)} {...(p.namespaceTestId === undefined ? {} : { 'data-testid': p.namespaceTestId })}>
            {(namespaces.length === 0 ? [{ name: current }] : namespaces).map((n) => (
              <option key={n.name} value={n.name}>
                {n.name}
              </option>
            ))}
          </SelectInput>
        )}
      </Field>
      <Field label="Key id" error={p.id !== '' && !p.idOk ? 'Use 1–128 of A–Z a–z 0–9 . _ -' : undefined}>
        {(c) => <TextInput {...c} mono value={p.id} onChange={(e) => p.onId(e.target.value)} autoFocus={p.autoFocus === true} placeholder={p.placeholder} data-testid={p.idTestId} />}
      </Field>
    </div>
  );
}
