/**
 * @module renderer/features/keys/ImportKeyDialog
 * Import a key from a file: PKCS#8 (private), SPKI (public: verify-only), JWK or raw bytes. The
 * file is read in the page and sent as base64; a PEM file is de-armoured to DER first, as the
 * CLI's `key import` does. The file's bytes stay in this dialog's state only until sent.
 */
import { FileUp, Upload } from 'lucide-react';
import { useRef, useState, type DragEvent } from 'react';
import { useApp } from '../../store/index.js';
import type { ErrorInfo, ImportFormat, KeyAlgorithm } from '../../store/types.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Checkbox, Field, SelectInput, TextInput } from '../../app/ui/Field.js';
import { Modal } from '../../app/ui/Modal.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { keyFileToBase64 } from '../../app/lib/bytes.js';
import { formatCount } from '../../app/lib/format.js';
import { cx } from '../../app/ui/cx.js';
import { KEY_ID_RE, SIGNING_ALGORITHMS, SYMMETRIC_ALGORITHMS, cli, isSymmetric } from './key-meta.js';
import k from './keys.module.css';

const FORMATS: readonly { value: ImportFormat; label: string; hint: string }[] = [
  { value: 'pkcs8', label: 'PKCS#8', hint: 'A private key (DER or PEM "PRIVATE KEY").' },
  { value: 'spki', label: 'SPKI', hint: 'A public key (DER or PEM "PUBLIC KEY"): imported verify-only.' },
  { value: 'jwk', label: 'JWK', hint: 'A JSON Web Key (RFC 7517).' },
  { value: 'raw', label: 'Raw', hint: 'Raw key bytes: AES keys, or an Ed25519 seed.' },
];
/** The contract's base64 limit is 16 MiB decoded; key files are far smaller. */
const MAX_FILE_BYTES = 1024 * 1024;

interface Picked {
  readonly name: string;
  readonly size: number;
  readonly data: string;
  readonly pemLabel?: string | undefined;
}

export function ImportKeyDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const namespace = useApp((s) => s.namespace);
  const importKey = useApp((s) => s.importKey);
  const selectKey = useApp((s) => s.selectKey);
  const [id, setId] = useState('');
  const [algorithm, setAlgorithm] = useState<KeyAlgorithm>('ed25519');
  const [format, setFormat] = useState<ImportFormat>('pkcs8');
  const [exportable, setExportable] = useState(false);
  const [file, setFile] = useState<Picked | undefined>(undefined);
  const [fileError, setFileError] = useState<string | undefined>(undefined);
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const input = useRef<HTMLInputElement>(null);
  const idOk = KEY_ID_RE.test(id);

  function change(next: boolean) {
    if (!next) {
      setId('');
      setFile(undefined);
      setFileError(undefined);
      setError(undefined);
      setExportable(false);
    }
    onOpenChange(next);
  }

  async function pick(f: File | undefined) {
    setFileError(undefined);
    if (f === undefined) return;
    if (f.size > MAX_FILE_BYTES) {
      setFile(undefined);
      setFileError(`${f.name} is ${formatCount(f.size)} bytes; key files are under 1 MiB.`);
      return;
    }
    const bytes = new Uint8Array(await f.arrayBuffer());
    const { data, pemLabel } = keyFileToBase64(bytes);
    bytes.fill(0);
    setFile({ name: f.name, size: f.size, data, pemLabel });
    if (id === '') setId(f.name.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 128));
    // Guess the format from the armour or the extension; the operator can still change it.
    if (pemLabel?.includes('PRIVATE KEY') === true) setFormat('pkcs8');
    else if (pemLabel === 'PUBLIC KEY') setFormat('spki');
    else if (/\.jwk$|\.json$/i.test(f.name)) setFormat('jwk');
  }

  async function submit() {
    if (!idOk || file === undefined || busy) return;
    setBusy(true);
    setError(undefined);
    const r = await importKey({ id, algorithm, format, data: file.data, exportable });
    setBusy(false);
    if (r.ok) {
      toastSuccess(`Imported ${r.value.id}`, `${r.value.algorithm} in ${r.value.namespace}`);
      selectKey(r.value.id);
      change(false);
    } else setError(r.error);
  }

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    void pick(e.dataTransfer.files[0]);
  };

  return (
    <Modal
      open={open}
      onOpenChange={change}
      icon={<FileUp aria-hidden />}
      title="Import a key"
      description={
        <>
          Into namespace <span className="mono">{namespace}</span>. The file is read here and sent to the vault; it is not uploaded anywhere else.
        </>
      }
      wide
      onSubmit={() => void submit()}
      testId="import-key-dialog"
      footer={
        <>
          <Button onClick={() => change(false)}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy} disabled={!idOk || file === undefined}>
            Import key
          </Button>
        </>
      }
    >
      {error === undefined ? null : <ErrorNote error={error} />}
      <div
        className={cx(k.drop, dragging && k.dropActive)}
        role="button"
        tabIndex={0}
        aria-label="Choose a key file"
        onClick={() => input.current?.click()}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            input.current?.click();
          }
        }}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <Upload aria-hidden />
        {file === undefined ? (
          <span>Drop a key file here, or click to choose one</span>
        ) : (
          <>
            <span className={k.dropFile}>{file.name}</span>
            <span>
              {formatCount(file.size)} bytes{file.pemLabel === undefined ? '' : ` · PEM “${file.pemLabel}”, sent as DER`}
            </span>
          </>
        )}
        <input ref={input} type="file" className="sr-only" tabIndex={-1} aria-hidden onChange={(e) => void pick(e.target.files?.[0])} data-testid="import-file" />
      </div>
      {fileError === undefined ? null : <ErrorNote error={{ code: 'INVALID_INPUT', message: fileError }} />}
      <div className={k.row2}>
        <Field label="Key ID" error={id !== '' && !idOk ? 'Only A–Z, a–z, 0–9, dot, dash and underscore (1–128).' : undefined}>
          {(c) => <TextInput {...c} mono value={id} onChange={(e) => setId(e.target.value)} placeholder="e.g. legacy-signing" maxLength={128} />}
        </Field>
        <Field label="Algorithm">
          {(c) => (
            <SelectInput
              {...c}
              value={algorithm}
              onChange={(e) => {
                const next = e.target.value as KeyAlgorithm;
                setAlgorithm(next);
                if (isSymmetric(next) && format !== 'raw' && format !== 'jwk') setFormat('raw');
              }}
            >
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
      </div>
      <Field label="Format" hint={FORMATS.find((x) => x.value === format)?.hint}>
        {(c) => (
          <SelectInput {...c} value={format} onChange={(e) => setFormat(e.target.value as ImportFormat)}>
            {FORMATS.filter((x) => !isSymmetric(algorithm) || x.value === 'raw' || x.value === 'jwk').map((x) => (
              <option key={x.value} value={x.value}>
                {x.label}
              </option>
            ))}
          </SelectInput>
        )}
      </Field>
      <Checkbox checked={exportable} onChange={(e) => setExportable(e.target.checked)} label="Exportable" description="allow the material to be exported again later" />
      <CliLine command={cli.import(namespace, id, algorithm, format, file?.name, exportable)} />
    </Modal>
  );
}
