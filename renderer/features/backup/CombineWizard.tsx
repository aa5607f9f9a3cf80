/**
 * @module renderer/features/backup/CombineWizard
 * "Recover with shares…" on the unlock screen: on a LOCKED vault, with no sign-in (the shares are
 * the credential), enter M recovery shares — one a field, more fields as needed, each checked as
 * it is typed (share-entry: form, checksum, its number and M of N) — an Admin operator and a new
 * passphrase twice. recovery.combine rebuilds the master key, sets the passphrase and signs this
 * window in; the app opens.
 *
 * Shares and passphrases live in this dialog's state and are cleared as they are sent.
 */
import { CheckCircle2, Combine, Plus, X } from 'lucide-react';
import { useMemo, useState } from 'react';
import { browserPrefs } from '../../store/prefs.js';
import { useApp } from '../../store/index.js';
import type { ErrorInfo } from '../../store/types.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Field, TextInput } from '../../app/ui/Field.js';
import { Modal } from '../../app/ui/Modal.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { cx } from '../../app/ui/cx.js';
import { PassphraseInput } from '../vault/PassphraseInput.js';
import { StrengthMeter, useStrength } from '../vault/StrengthMeter.js';
import { checkShare, SHARE_WORDS, sharesSummary, type ShareCheck } from './share-entry.js';
import ui from '../../app/ui/ui.module.css';
import b from './backup.module.css';

const OPERATOR_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/u;
const MAX = 16;

export function CombineWizard({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  return open ? <Wizard close={() => onOpenChange(false)} /> : null;
}

function Wizard({ close }: { close: () => void }) {
  const combine = useApp((s) => s.combineRecovery);
  const [shares, setShares] = useState<string[]>(['', '']);
  const [operator, setOperator] = useState(() => browserPrefs().get('operator') ?? 'admin');
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const strength = useStrength(passphrase, [operator, 'custos']);

  const checks = useMemo(() => shares.map(checkShare), [shares]);
  const summary = sharesSummary(checks);
  const filled = shares.filter((s) => s.trim() !== '');
  const enough = summary.needed !== undefined && summary.valid >= summary.needed;
  const matches = confirm !== '' && confirm === passphrase;
  // The core is the judge of the shares; the local check only holds back what it can see is wrong.
  const sharesOk = filled.length >= 2 && summary.problem === undefined && !checks.some((c) => c.kind === 'bad');
  const ready = sharesOk && OPERATOR_RE.test(operator.trim()) && strength.acceptable && matches;

  function setShare(i: number, text: string) {
    setShares((list) => list.map((s, j) => (j === i ? text : s)));
  }

  async function submit() {
    if (!ready || busy) return;
    const input = { shares: filled, operator: operator.trim(), newPassphrase: passphrase };
    setPassphrase('');
    setConfirm('');
    setBusy(true);
    setError(undefined);
    const r = await combine(input);
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setShares([]);
    toastSuccess('Vault recovered', `${r.value.operator} has a new passphrase and is signed in.`);
    close();
  }

  return (
    <Modal
      open
      onOpenChange={(o) => (o || busy ? undefined : close())}
      wide
      icon={<Combine aria-hidden />}
      title="Recover with shares"
      description="When every passphrase is lost: enough recovery shares set a new passphrase for an Admin and unlock the vault."
      testId="combine-wizard"
      onSubmit={() => void submit()}
      footer={
        <>
          <Button onClick={close} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" busy={busy} disabled={!ready} data-testid="combine-run">
            Recover and unlock
          </Button>
        </>
      }
    >
      {error === undefined ? null : <ErrorNote error={error} />}
      <div className={b.sharesHead}>
        <span className={b.sharesCount} data-testid="combine-summary">
          {summary.needed === undefined ? 'Enter the shares, one a field: 39 words or CUSTOS-… base32.' : enough ? `${summary.valid} of ${summary.needed} needed — enough to recover` : `${summary.valid} of ${summary.needed} needed`}
        </span>
        {summary.problem === undefined ? null : (
          <span className={b.sharesProblem} role="alert">
            {summary.problem}
          </span>
        )}
      </div>
      <ol className={b.shareFields}>
        {shares.map((text, i) => (
          <li key={i} className={b.shareField}>
            <div className={b.shareFieldHead}>
              <label className={ui.label} htmlFor={`share-${i}`}>
                Share {i + 1}
              </label>
              <ShareStatus check={checks[i] ?? { kind: 'empty' }} />
              {shares.length > 2 ? (
                <Button size="sm" variant="ghost" iconOnly icon={<X aria-hidden />} aria-label={`Remove share field ${i + 1}`} onClick={() => setShares((l) => l.filter((_, j) => j !== i))} />
              ) : null}
            </div>
            <textarea
              id={`share-${i}`}
              className={cx(ui.input, ui.inputMono, b.textarea)}
              rows={3}
              spellCheck={false}
              autoComplete="off"
              autoFocus={i === 0}
              value={text}
              onChange={(e) => setShare(i, e.target.value)}
              placeholder={i === 0 ? 'absurd avoid domain … (39 words)  or  CUSTOS-1-3of5-…' : undefined}
              data-testid={`combine-share-${i + 1}`}
            />
          </li>
        ))}
      </ol>
      {shares.length < MAX ? (
        <div>
          <Button size="sm" variant="ghost" icon={<Plus aria-hidden />} onClick={() => setShares((l) => [...l, ''])} data-testid="combine-add">
            Add another share
          </Button>
        </div>
      ) : null}
      <Field label="Admin operator" hint="An operator who is Admin of every namespace gets the new passphrase.">
        {(c) => <TextInput {...c} mono value={operator} onChange={(e) => setOperator(e.target.value)} maxLength={64} data-testid="combine-operator" />}
      </Field>
      <div className={b.formRow}>
        <Field className={b.grow} label="New passphrase">
          {(c) => <PassphraseInput {...c} value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoComplete="new-password" maxLength={1024} data-testid="combine-passphrase" />}
        </Field>
        <Field className={b.grow} label="Confirm new passphrase" error={confirm !== '' && !matches ? 'Does not match' : undefined}>
          {(c) => <PassphraseInput {...c} value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="new-password" maxLength={1024} data-testid="combine-confirm" />}
        </Field>
      </div>
      {passphrase === '' ? null : <StrengthMeter view={strength} />}
      <CliLine command="custos recovery combine" />
    </Modal>
  );
}

function ShareStatus({ check }: { check: ShareCheck }) {
  switch (check.kind) {
    case 'empty':
      return <span className={b.shareStatus} />;
    case 'partial':
      return <span className={cx(b.shareStatus, check.problem !== undefined && b.shareStatusBad)}>{check.problem ?? (check.form === 'words' ? `${check.words ?? 0} of ${SHARE_WORDS} words` : 'typing…')}</span>;
    case 'bad':
      return <span className={cx(b.shareStatus, b.shareStatusBad)}>{check.problem}</span>;
    case 'ok':
      return (
        <span className={cx(b.shareStatus, b.shareStatusOk)} data-testid="share-ok">
          <CheckCircle2 aria-hidden /> share {check.number} · any {check.threshold} of {check.total}
        </span>
      );
  }
}
