/**
 * @module renderer/features/backup/RestoreWizard
 * Restore a backup chain into a NEW data directory, in four steps: the files and their backup
 * passphrase (verified before going on, so a wrong passphrase or a broken chain is caught
 * first); the new directory and an Admin of the backed-up vault; a confirmation by typing the
 * directory's name (UI.md: restore actions confirm by typing) with progress while it runs; and
 * how to open the restored vault. The vault open now is never touched.
 *
 * The passphrases stay in this wizard's state until the call that needs them, then are cleared.
 */
import { ArchiveRestore, CheckCircle2 } from 'lucide-react';
import { useState } from 'react';
import { useApp } from '../../store/index.js';
import type { BackupFileInfo, BackupRestored } from '../../store/backup-slice.js';
import type { ErrorInfo } from '../../store/types.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Field, TextInput } from '../../app/ui/Field.js';
import { Modal } from '../../app/ui/Modal.js';
import { MonoId } from '../../app/ui/MonoId.js';
import { TypeToConfirm } from '../../app/ui/TypeToConfirm.js';
import { formatCount } from '../../app/lib/format.js';
import { cx } from '../../app/ui/cx.js';
import { PassphraseInput } from '../vault/PassphraseInput.js';
import { BackupFilesTable } from './BackupFilesTable.js';
import { BackupProgressBar } from './BackupProgressBar.js';
import { baseName, firstBadPath, isAbsolutePath, parsePathList, shellQuote, suggestRestoreDir } from './paths.js';
import { WizardSteps } from './WizardSteps.js';
import ui from '../../app/ui/ui.module.css';
import b from './backup.module.css';

const STEPS = ['Backup', 'Target', 'Confirm', 'Done'] as const;
const OPERATOR_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/u;

export function RestoreWizard({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  return open ? <Wizard close={() => onOpenChange(false)} /> : null;
}

function Wizard({ close }: { close: () => void }) {
  const verify = useApp((s) => s.verifyBackup);
  const restore = useApp((s) => s.restoreBackup);
  const dataDirNow = useApp((s) => s.vault?.dataDir ?? s.settings?.dataDir);
  const principal = useApp((s) => s.vault?.session?.principal);
  const made = useApp((s) => s.backupsMade);
  const [at, setAt] = useState(0);
  const [paths, setPaths] = useState(() => made[0]?.path ?? '');
  const [backupPassphrase, setBackupPassphrase] = useState('');
  const [files, setFiles] = useState<readonly BackupFileInfo[] | undefined>(undefined);
  const [dataDir, setDataDir] = useState(() => suggestRestoreDir(dataDirNow, new Date()));
  const [operator, setOperator] = useState(principal ?? 'admin');
  const [passphrase, setPassphrase] = useState('');
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const [done, setDone] = useState<BackupRestored | undefined>(undefined);

  const list = parsePathList(paths);
  const bad = firstBadPath(list);
  const target = dataDir.trim();
  const name = baseName(target);
  const sameAsOpen = dataDirNow !== undefined && target.replace(/[\\/]+$/u, '') === dataDirNow.replace(/[\\/]+$/u, '');

  async function check() {
    if (list.length === 0 || bad !== undefined || backupPassphrase === '' || busy) return;
    setBusy(true);
    setError(undefined);
    // The passphrase is kept for the restore itself (step 3), and cleared there or on close.
    const r = await verify({ paths: list, backupPassphrase });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setFiles(r.value.files);
    setAt(1);
  }

  async function run() {
    if (typed !== name || busy) return;
    const secrets = { backupPassphrase, passphrase };
    setBackupPassphrase('');
    setPassphrase('');
    setBusy(true);
    setError(undefined);
    const r = await restore({ paths: list, dataDir: target, operator: operator.trim(), ...secrets });
    setBusy(false);
    if (!r.ok) {
      setError(r.error);
      setTyped('');
      // The passphrases were cleared: ask again from the start (paths and target are kept).
      setAt(0);
      return;
    }
    setDone(r.value);
    setAt(3);
  }

  const targetReady = isAbsolutePath(target) && !sameAsOpen && OPERATOR_RE.test(operator.trim()) && passphrase !== '';
  const footer =
    at === 0 ? (
      <>
        <Button onClick={close}>Cancel</Button>
        <Button type="submit" variant="primary" busy={busy} disabled={list.length === 0 || bad !== undefined || backupPassphrase === ''} data-testid="restore-check">
          Check backup
        </Button>
      </>
    ) : at === 1 ? (
      <>
        <Button onClick={() => setAt(0)}>Back</Button>
        <Button type="submit" variant="primary" disabled={!targetReady} data-testid="restore-next">
          Continue
        </Button>
      </>
    ) : at === 2 ? (
      <>
        <Button onClick={() => setAt(1)} disabled={busy}>
          Back
        </Button>
        <Button type="submit" variant="primary" icon={<ArchiveRestore aria-hidden />} busy={busy} disabled={typed !== name} data-testid="restore-run">
          Restore
        </Button>
      </>
    ) : (
      <Button variant="primary" onClick={close} data-testid="restore-close">
        Done
      </Button>
    );

  return (
    <Modal
      open
      onOpenChange={(o) => (o || busy ? undefined : close())}
      wide
      icon={<ArchiveRestore aria-hidden />}
      title="Restore a backup"
      description="Into a new data directory. The vault open now is not touched."
      testId="restore-wizard"
      onSubmit={() => void (at === 0 ? check() : at === 1 ? (targetReady ? setAt(2) : undefined) : at === 2 ? run() : undefined)}
      footer={footer}
    >
      <WizardSteps steps={STEPS} at={at} label="Restore steps" />
      {error === undefined ? null : <ErrorNote error={error} />}
      {at === 0 ? (
        <>
          <Field label="Backup files" hint="One absolute path a line: the full backup first, then its incrementals in order." error={bad === undefined ? undefined : `Line ${bad.line} is not an absolute path`}>
            {(c) => <textarea {...c} className={cx(ui.input, ui.inputMono, b.textarea)} rows={3} spellCheck={false} autoFocus value={paths} onChange={(e) => setPaths(e.target.value)} placeholder="/backups/custos-full.custosbk" data-testid="restore-paths" />}
          </Field>
          <Field label="Backup passphrase" hint="The one chosen when the backup was made. The files are checked with it before anything is written.">
            {(c) => <PassphraseInput {...c} value={backupPassphrase} onChange={(e) => setBackupPassphrase(e.target.value)} autoComplete="off" maxLength={1024} data-testid="restore-backup-passphrase" />}
          </Field>
          <CliLine command="custos backup restore FILE… --data-dir NEW" />
        </>
      ) : at === 1 ? (
        <>
          {files === undefined ? null : <BackupFilesTable files={files} />}
          <Field
            label="New data directory"
            hint="Absent or empty: the restore creates it. Custos refuses a directory that holds anything."
            error={target !== '' && !isAbsolutePath(target) ? 'Expected an absolute path' : sameAsOpen ? 'This is the data directory open now: restore into a new one.' : undefined}
          >
            {(c) => <TextInput {...c} mono value={dataDir} onChange={(e) => setDataDir(e.target.value)} autoFocus data-testid="restore-data-dir" />}
          </Field>
          <div className={b.formRow}>
            <Field className={b.grow} label="Admin operator" hint="An Admin of the backed-up vault.">
              {(c) => <TextInput {...c} mono value={operator} onChange={(e) => setOperator(e.target.value)} maxLength={64} data-testid="restore-operator" />}
            </Field>
            <Field className={b.grow} label="Their passphrase" hint="As it was when the backup was made.">
              {(c) => <PassphraseInput {...c} value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoComplete="off" maxLength={1024} data-testid="restore-passphrase" />}
            </Field>
          </div>
        </>
      ) : at === 2 ? (
        <>
          <dl className={b.summary}>
            <dt>From</dt>
            <dd>
              {formatCount(list.length)} {list.length === 1 ? 'file' : 'files'} · {list.map(baseName).join(' → ')}
            </dd>
            <dt>Into</dt>
            <dd className="mono">{target}</dd>
            <dt>As</dt>
            <dd className="mono">{operator.trim()}</dd>
            <dt>Open now</dt>
            <dd className="mono">{dataDirNow ?? '—'} (not touched)</dd>
          </dl>
          {busy ? <BackupProgressBar operation="restore" label="Restoring" /> : <TypeToConfirm name={name} value={typed} onChange={setTyped} testId="restore-confirm" />}
        </>
      ) : done === undefined ? null : (
        <div className={b.done} data-testid="restore-done">
          <div className={b.doneHead}>
            <CheckCircle2 aria-hidden />
            <div>
              <div className={b.doneTitle}>Restored and verified</div>
              <div className={b.doneSub}>
                {formatCount(done.files)} {done.files === 1 ? 'file' : 'files'} · {formatCount(done.auditEvents)} audit events checked
              </div>
            </div>
          </div>
          <dl className={b.summary}>
            <dt>Data directory</dt>
            <dd>
              <MonoId value={done.dataDir} max={72} copyLabel="Copy data directory" />
            </dd>
            <dt>Backup SHA-256</dt>
            <dd>
              <MonoId value={done.sha256} max={40} copyLabel="Copy SHA-256" />
            </dd>
          </dl>
          <p className={b.doneHow}>This window stays on the vault it has open. To use the restored one, start Custos with its data directory:</p>
          <CliLine command={`custos --data-dir ${shellQuote(done.dataDir)} status`} label="From the command line" />
          <CliLine command={`CUSTOS_DATA_DIR=${shellQuote(done.dataDir)} custos serve --ui`} label="The app, on that data directory" />
        </div>
      )}
    </Modal>
  );
}
