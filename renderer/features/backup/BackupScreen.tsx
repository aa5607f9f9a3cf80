/**
 * @module renderer/features/backup/BackupScreen
 * Backup & Recovery: four cards —
 *  - Create a backup (Admin): full, or incremental after a chain; a path on this machine (the core
 *    never overwrites a file), a backup passphrase, and a progress bar fed by `backup.progress`;
 *    the backups this window made are listed under it;
 *  - Verify a backup: a chain's files checked (order, links, checksums, passphrase) without
 *    restoring, each file's facts shown;
 *  - Restore: the wizard (RestoreWizard) that writes a NEW data directory;
 *  - Recovery shares: the Shamir split wizard (SplitWizard); combining them is on the unlock
 *    screen (CombineWizard), where a vault whose passphrases are lost is.
 * Passphrases stay in these forms' state and are cleared once sent.
 */
import { ArchiveRestore, CheckCircle2, DatabaseBackup, FileCheck2, Puzzle, ShieldCheck } from 'lucide-react';
import { useEffect, useState, type ReactNode } from 'react';
import { useApp } from '../../store/index.js';
import type { BackupFileInfo } from '../../store/backup-slice.js';
import type { ErrorInfo } from '../../store/types.js';
import { Badge } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine, EmptyState } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Field, Segmented, TextInput } from '../../app/ui/Field.js';
import { MonoId } from '../../app/ui/MonoId.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { cx } from '../../app/ui/cx.js';
import { PassphraseInput } from '../vault/PassphraseInput.js';
import { BackupProgressBar } from './BackupProgressBar.js';
import { BackupFilesTable } from './BackupFilesTable.js';
import { firstBadPath, isAbsolutePath, parsePathList } from './paths.js';
import { RestoreWizard } from './RestoreWizard.js';
import { SplitWizard } from './SplitWizard.js';
import { formatBytes } from './format-size.js';
import sc from '../../app/ui/screen.module.css';
import ui from '../../app/ui/ui.module.css';
import b from './backup.module.css';

type Kind = 'full' | 'incremental';
const KINDS: readonly { value: Kind; label: string }[] = [
  { value: 'full', label: 'Full' },
  { value: 'incremental', label: 'Incremental' },
];

export function BackupScreen() {
  const dialog = useApp((s) => s.dialog);
  const openDialog = useApp((s) => s.openDialog);
  const [verifyPaths, setVerifyPaths] = useState('');
  return (
    <div className={sc.page}>
      <div className={b.grid}>
        <CreateCard onVerify={(path) => setVerifyPaths(path)} />
        <VerifyCard paths={verifyPaths} onPaths={setVerifyPaths} />
        <section className={cx(sc.card, b.card)} aria-labelledby="restore-title">
          <CardHead icon={<ArchiveRestore aria-hidden />} id="restore-title" title="Restore" sub="Rebuild a vault from a backup chain into a new, empty data directory. The vault open now is never written over." />
          <ul className={b.points}>
            <li>Needs the backup passphrase and the passphrase of an Admin of the backed-up vault.</li>
            <li>All or nothing: the restored vault is unlocked and its audit log verified before the directory appears.</li>
            <li>Open it afterwards by starting Custos with that data directory.</li>
          </ul>
          <div className={b.cardActions}>
            <Button icon={<ArchiveRestore aria-hidden />} onClick={() => openDialog('backup-restore')} data-testid="open-restore">
              Restore into a new data directory…
            </Button>
          </div>
          <CliLine command="custos backup restore FILE… --data-dir NEW" />
        </section>
        <section className={cx(sc.card, b.card)} aria-labelledby="shares-title">
          <CardHead icon={<Puzzle aria-hidden />} id="shares-title" title="Recovery shares" sub="Split the vault's master key into N shares on paper, any M of which let an Admin set a new passphrase — the way back in when every passphrase is lost." />
          <ul className={b.points}>
            <li>Fewer than M shares reveal nothing about the key; keep them in different places, with different people.</li>
            <li>Shares are shown once and never stored. A split cannot be revoked: a new split does not invalidate an old one.</li>
            <li>
              To recover, choose <strong>Recover with shares…</strong> on the unlock screen of the locked vault.
            </li>
          </ul>
          <div className={b.cardActions}>
            <Button icon={<Puzzle aria-hidden />} onClick={() => openDialog('recovery-split')} data-testid="open-split">
              Split into recovery shares…
            </Button>
          </div>
          <CliLine command="custos recovery split --shares 5 --threshold 3" />
          <CliLine command="custos recovery combine" label="To recover" />
        </section>
      </div>
      <RestoreWizard open={dialog === 'backup-restore'} onOpenChange={(o) => openDialog(o ? 'backup-restore' : null)} />
      <SplitWizard open={dialog === 'recovery-split'} onOpenChange={(o) => openDialog(o ? 'recovery-split' : null)} />
    </div>
  );
}

function CardHead({ icon, id, title, sub }: { icon: ReactNode; id: string; title: string; sub: string }) {
  return (
    <header className={b.cardHead}>
      <span className={b.cardIcon}>{icon}</span>
      <div>
        <h2 className={b.cardTitle} id={id}>
          {title}
        </h2>
        <p className={b.cardSub}>{sub}</p>
      </div>
    </header>
  );
}

// ---------------------------------------------------------------- create

function CreateCard({ onVerify }: { onVerify: (path: string) => void }) {
  const admin = useApp((s) => s.vault?.session?.admin === true);
  const suggest = useApp((s) => s.suggestBackupPath);
  const create = useApp((s) => s.createBackup);
  const made = useApp((s) => s.backupsMade);
  const [kind, setKind] = useState<Kind>('full');
  const [path, setPath] = useState('');
  const [pathTouched, setPathTouched] = useState(false);
  const [chain, setChain] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);

  // A default path beside the data directory, until the operator types their own.
  useEffect(() => {
    if (pathTouched) return;
    let live = true;
    void suggest(kind === 'incremental').then((r) => {
      if (live && r.ok) setPath(r.value.path);
    });
    return () => {
      live = false;
    };
  }, [suggest, kind, pathTouched, made.length]);

  const chainPaths = parsePathList(chain);
  const badChain = kind === 'incremental' ? firstBadPath(chainPaths) : undefined;
  const pathOk = isAbsolutePath(path.trim());
  const matches = confirm === passphrase;
  const ready = admin && pathOk && passphrase !== '' && matches && (kind === 'full' || (chainPaths.length > 0 && badChain === undefined));

  async function submit() {
    if (!ready || busy) return;
    const secret = passphrase;
    setPassphrase('');
    setConfirm('');
    setError(undefined);
    setBusy(true);
    const r = await create({ path: path.trim(), backupPassphrase: secret, ...(kind === 'incremental' ? { incrementalFrom: chainPaths } : {}) });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setPathTouched(false);
    toastSuccess('Backup created', `${r.value.path} · ${formatBytes(r.value.bytes)}`);
  }

  return (
    <section className={cx(sc.card, b.card, b.cardWide)} aria-labelledby="create-title">
      <CardHead icon={<DatabaseBackup aria-hidden />} id="create-title" title="Create a backup" sub="An encrypted copy of the vault, its audit log and settings, sealed under a backup passphrase of its own (Argon2id + AES-256-GCM)." />
      {admin ? null : <ErrorNote tone="warning" error={{ code: 'PERMISSION_DENIED', message: 'Only an Admin operator can create a backup.' }} />}
      {error === undefined ? null : <ErrorNote error={error} />}
      <form
        className={b.form}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
        data-testid="backup-create-form"
      >
        <div className={b.formRow}>
          <Field label="Kind">{() => <Segmented label="Backup kind" value={kind} options={KINDS} onChange={setKind} />}</Field>
          <Field className={b.grow} label="Save to" hint="An absolute path on this machine. Custos never overwrites an existing file." error={path.trim() !== '' && !pathOk ? 'Expected an absolute path (/… or C:\\…)' : undefined}>
            {(c) => (
              <TextInput
                {...c}
                mono
                value={path}
                onChange={(e) => {
                  setPath(e.target.value);
                  setPathTouched(true);
                }}
                data-focus="backup-create"
                data-testid="backup-path"
              />
            )}
          </Field>
        </div>
        {kind === 'incremental' ? (
          <Field label="After this chain" hint="The full backup first, then each incremental, one path a line. The new file records what changed since the last one." error={badChain === undefined ? undefined : `Line ${badChain.line} is not an absolute path`}>
            {(c) => <textarea {...c} className={cx(ui.input, ui.inputMono, b.textarea)} rows={3} spellCheck={false} value={chain} onChange={(e) => setChain(e.target.value)} placeholder={'/backups/custos-full.custosbk\n/backups/custos-incr-1.custosbk'} data-testid="backup-chain" />}
          </Field>
        ) : null}
        <div className={b.formRow}>
          <Field className={b.grow} label="Backup passphrase" hint="Kept apart from the vault passphrase; verify and restore ask for it.">
            {(c) => <PassphraseInput {...c} value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoComplete="new-password" maxLength={1024} data-testid="backup-passphrase" />}
          </Field>
          <Field className={b.grow} label="Confirm backup passphrase" error={confirm !== '' && !matches ? 'Does not match' : undefined}>
            {(c) => <PassphraseInput {...c} value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="new-password" maxLength={1024} data-testid="backup-passphrase-confirm" />}
          </Field>
        </div>
        {busy ? <BackupProgressBar operation="create" label="Creating the backup" /> : null}
        <div className={b.formActions}>
          <CliLine command="custos backup create --out FILE" />
          <Button type="submit" variant="primary" icon={<DatabaseBackup aria-hidden />} busy={busy} disabled={!ready} data-testid="backup-create">
            Create backup
          </Button>
        </div>
      </form>
      <MadeList made={made} onVerify={onVerify} />
    </section>
  );
}

function MadeList({ made, onVerify }: { made: readonly BackupFileInfo[]; onVerify: (path: string) => void }) {
  if (made.length === 0) {
    return (
      <div className={b.made}>
        <div className={sc.sectionTitle}>Made in this window</div>
        <p className={b.madeEmpty}>No backup made yet. Fill in the path and a backup passphrase above, or use the CLI line.</p>
      </div>
    );
  }
  return (
    <div className={b.made} data-testid="backups-made">
      <div className={sc.sectionTitle}>Made in this window</div>
      <ul className={b.madeList}>
        {made.map((m) => (
          <li key={m.sha256} className={b.madeItem} data-testid="backup-made">
            <CheckCircle2 className={b.madeIcon} aria-hidden />
            <div className={b.madeMain}>
              <MonoId value={m.path} max={64} copyLabel="Copy path" />
              <span className={b.madeFacts}>
                <Badge tone="outline">{m.manifest.kind}</Badge>
                <span className="num">{formatBytes(m.bytes)}</span>
                <span>SHA-256</span>
                <MonoId value={m.sha256} max={20} copyLabel="Copy SHA-256" />
              </span>
            </div>
            <Button size="sm" variant="ghost" icon={<FileCheck2 aria-hidden />} onClick={() => onVerify(m.path)}>
              Verify
            </Button>
          </li>
        ))}
      </ul>
    </div>
  );
}

// ---------------------------------------------------------------- verify

function VerifyCard({ paths, onPaths }: { paths: string; onPaths: (p: string) => void }) {
  const verify = useApp((s) => s.verifyBackup);
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const [files, setFiles] = useState<readonly BackupFileInfo[] | undefined>(undefined);
  const list = parsePathList(paths);
  const bad = firstBadPath(list);
  const ready = list.length > 0 && bad === undefined && passphrase !== '';

  async function submit() {
    if (!ready || busy) return;
    const secret = passphrase;
    setPassphrase('');
    setError(undefined);
    setFiles(undefined);
    setBusy(true);
    const r = await verify({ paths: list, backupPassphrase: secret });
    setBusy(false);
    if (r.ok) setFiles(r.value.files);
    else setError(r.error);
  }

  return (
    <section className={cx(sc.card, b.card, b.cardWide)} aria-labelledby="verify-title">
      <CardHead icon={<FileCheck2 aria-hidden />} id="verify-title" title="Verify a backup" sub="Check a backup — or a chain: the full one first, then its incrementals — without restoring it: order, links, checksums and the passphrase." />
      {error === undefined ? null : <ErrorNote error={error} />}
      <form
        className={b.form}
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
        data-testid="backup-verify-form"
      >
        <div className={b.formRow}>
          <Field className={b.grow} label="Backup files" hint="One absolute path a line, the full backup first." error={bad === undefined ? undefined : `Line ${bad.line} is not an absolute path`}>
            {(c) => (
              <textarea
                {...c}
                className={cx(ui.input, ui.inputMono, b.textarea)}
                rows={2}
                spellCheck={false}
                value={paths}
                onChange={(e) => {
                  onPaths(e.target.value);
                  setFiles(undefined);
                }}
                placeholder="/backups/custos-full.custosbk"
                data-focus="backup-verify"
                data-testid="verify-paths"
              />
            )}
          </Field>
          <Field label="Backup passphrase" className={b.passCol}>
            {(c) => <PassphraseInput {...c} value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoComplete="off" maxLength={1024} data-testid="verify-passphrase" />}
          </Field>
        </div>
        {busy ? <BackupProgressBar operation="verify" label="Verifying" /> : null}
        <div className={b.formActions}>
          <CliLine command="custos backup verify FILE…" />
          <Button type="submit" icon={<ShieldCheck aria-hidden />} busy={busy} disabled={!ready} data-testid="backup-verify">
            Verify
          </Button>
        </div>
      </form>
      {files === undefined ? null : (
        <div className={b.verified} data-testid="verify-result">
          <Badge tone="success" icon={<CheckCircle2 aria-hidden />}>
            {files.length === 1 ? 'Backup verified' : `Chain of ${files.length} backups verified`}
          </Badge>
          <BackupFilesTable files={files} />
        </div>
      )}
      {files === undefined && error === undefined && !busy && list.length === 0 ? (
        <EmptyState icon={<FileCheck2 />} title="Nothing checked yet">
          Enter the path of a backup file (one made here is filled in by its Verify button) and its backup passphrase.
        </EmptyState>
      ) : null}
    </section>
  );
}
