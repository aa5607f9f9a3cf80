/**
 * @module renderer/features/backup/SplitWizard
 * Split the vault's master key into N recovery shares, any M of which rebuild it: choose M of N
 * (with what that means), re-enter the passphrase (recovery.split re-authenticates the Admin),
 * then the shares ONE AT A TIME — the next only after "I have written share k down" — and a
 * last page with the split's public facts.
 *
 * The shares exist in this component's state only, for the wizard's lifetime: never the store,
 * never the clipboard (no copy button), gone when it closes. They are shown once; Custos keeps
 * no copy.
 */
import { AlertTriangle, CheckCircle2, Puzzle } from 'lucide-react';
import { useState } from 'react';
import { useApp } from '../../store/index.js';
import type { RecoverySplit } from '../../store/backup-slice.js';
import type { ErrorInfo } from '../../store/types.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Checkbox, Field, Segmented, SelectInput } from '../../app/ui/Field.js';
import { Modal } from '../../app/ui/Modal.js';
import { MonoId } from '../../app/ui/MonoId.js';
import { MnemonicGrid } from '../hd/MnemonicGrid.js';
import { PassphraseInput } from '../vault/PassphraseInput.js';
import { WizardSteps } from './WizardSteps.js';
import b from './backup.module.css';

const STEPS = ['Choose', 'Passphrase', 'Write down', 'Done'] as const;
const MAX_SHARES = 16;
type Form = 'words' | 'base32';
const FORMS: readonly { value: Form; label: string }[] = [
  { value: 'words', label: '39 words' },
  { value: 'base32', label: 'Base32' },
];

/** What M of N means, in a sentence. */
export function thresholdMeaning(m: number, n: number): string {
  const spare = n - m;
  return `Any ${m} of the ${n} shares rebuild the key. ${spare === 0 ? 'Losing a single share loses the recovery' : `Up to ${spare} ${spare === 1 ? 'share' : 'shares'} may be lost`}; fewer than ${m} reveal nothing about it.`;
}

export function SplitWizard({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  // Unmounted when closed: the shares go with the component's state.
  return open ? <Wizard close={() => onOpenChange(false)} /> : null;
}

function Wizard({ close }: { close: () => void }) {
  const split = useApp((s) => s.splitRecovery);
  const principal = useApp((s) => s.vault?.session?.principal ?? 'admin');
  const [at, setAt] = useState(0);
  const [total, setTotal] = useState(5);
  const [threshold, setThreshold] = useState(3);
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const [result, setResult] = useState<RecoverySplit | undefined>(undefined);
  const [shown, setShown] = useState(0);
  const [written, setWritten] = useState(false);
  const [form, setForm] = useState<Form>('words');

  async function run() {
    if (passphrase === '' || busy) return;
    const secret = passphrase;
    setPassphrase('');
    setBusy(true);
    setError(undefined);
    const r = await split({ passphrase: secret, shares: total, threshold });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setResult(r.value);
    setShown(0);
    setWritten(false);
    setAt(2);
  }

  function finish() {
    setResult((r) => (r === undefined ? r : { ...r, shares: [] }));
    close();
  }

  const share = result?.shares[shown];
  const last = result !== undefined && shown === result.shares.length - 1;

  const footer =
    at === 0 ? (
      <>
        <Button onClick={close}>Cancel</Button>
        <Button type="submit" variant="primary" data-testid="split-next">
          Continue
        </Button>
      </>
    ) : at === 1 ? (
      <>
        <Button onClick={() => setAt(0)}>Back</Button>
        <Button type="submit" variant="primary" busy={busy} disabled={passphrase === ''} data-testid="split-run">
          Create {total} shares
        </Button>
      </>
    ) : at === 2 ? (
      <>
        <span className={b.footNote}>Closing now discards the shares not yet written down.</span>
        <Button type="submit" variant="primary" disabled={!written} data-testid="split-next-share">
          {last ? 'Finish' : `Show share ${shown + 2} of ${result?.total ?? total}`}
        </Button>
      </>
    ) : (
      <Button variant="primary" onClick={finish} data-testid="split-close">
        Close
      </Button>
    );

  return (
    <Modal
      open
      onOpenChange={(o) => (o || busy ? undefined : finish())}
      wide
      icon={<Puzzle aria-hidden />}
      title="Split into recovery shares"
      description="Shamir M-of-N shares of the vault's master key, on paper."
      testId="split-wizard"
      onSubmit={() => {
        if (at === 0) setAt(1);
        else if (at === 1) void run();
        else if (at === 2 && written) {
          if (last) {
            setResult((r) => (r === undefined ? r : { ...r, shares: [] }));
            setAt(3);
          } else {
            setShown(shown + 1);
            setWritten(false);
          }
        }
      }}
      footer={footer}
    >
      <WizardSteps steps={STEPS} at={at} label="Split steps" />
      {error === undefined ? null : <ErrorNote error={error} />}
      {at === 0 ? (
        <>
          <div className={b.formRow}>
            <Field className={b.grow} label="Shares (N)" hint="Pieces of paper to hand out.">
              {(c) => (
                <SelectInput
                  {...c}
                  value={total}
                  onChange={(e) => {
                    const n = Number(e.target.value);
                    setTotal(n);
                    if (threshold > n) setThreshold(n);
                  }}
                  data-testid="split-total"
                >
                  {Array.from({ length: MAX_SHARES - 1 }, (_, i) => i + 2).map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
                </SelectInput>
              )}
            </Field>
            <Field className={b.grow} label="Needed to recover (M)" hint="At least 2: one share alone is never the key.">
              {(c) => (
                <SelectInput {...c} value={threshold} onChange={(e) => setThreshold(Number(e.target.value))} data-testid="split-threshold">
                  {Array.from({ length: total - 1 }, (_, i) => i + 2).map((m) => (
                    <option key={m} value={m}>
                      {m}
                    </option>
                  ))}
                </SelectInput>
              )}
            </Field>
          </div>
          <div className={b.shareDiagram} aria-hidden>
            {Array.from({ length: total }, (_, i) => (
              <span key={i} className={i < threshold ? b.shareNeeded : b.shareSpare}>
                {i + 1}
              </span>
            ))}
          </div>
          <p className={b.meaning} data-testid="split-meaning">
            {thresholdMeaning(threshold, total)}
          </p>
          <p className={b.meaningSub}>Give the shares to different people or places. Anyone who gathers {threshold} of them can take over administration of this vault.</p>
          <CliLine command={`custos recovery split --shares ${total} --threshold ${threshold}`} />
        </>
      ) : at === 1 ? (
        <>
          <p className={b.meaning}>
            Re-enter the passphrase of <span className="mono">{principal}</span> to create {total} shares, any {threshold} of which recover the vault.
          </p>
          <Field label="Passphrase">{(c) => <PassphraseInput {...c} value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoFocus maxLength={1024} data-testid="split-passphrase" />}</Field>
        </>
      ) : at === 2 && result !== undefined && share !== undefined ? (
        <div className={b.shareCard} data-testid="share-card" data-share={share.number}>
          <div className={b.shareWarn} role="note">
            <AlertTriangle aria-hidden />
            <span>
              Shown once. Write it on paper — not a screenshot, not a file, not a password manager. Custos keeps no copy.
            </span>
          </div>
          <div className={b.shareHead}>
            <div>
              <div className={b.shareTitle} data-testid="share-title">
                Share {share.number} of {result.total}
              </div>
              <div className={b.shareSub}>
                Any {result.threshold} of {result.total} · split <span className="mono">{result.splitId}</span>
              </div>
            </div>
            <Segmented label="Form" value={form} options={FORMS} onChange={setForm} />
          </div>
          {form === 'words' ? (
            <MnemonicGrid mnemonic={share.words} />
          ) : (
            <code className={b.base32} data-testid="share-base32">
              {share.base32}
            </code>
          )}
          <Checkbox label={`I have written share ${share.number} down`} checked={written} onChange={(e) => setWritten(e.target.checked)} data-testid="share-written" />
        </div>
      ) : result !== undefined ? (
        <div className={b.done} data-testid="split-done">
          <div className={b.doneHead}>
            <CheckCircle2 aria-hidden />
            <div>
              <div className={b.doneTitle}>
                {result.total} shares written down — any {result.threshold} recover the vault
              </div>
              <div className={b.doneSub}>The shares are no longer in this window. Recovery starts from the unlock screen: “Recover with shares…”.</div>
            </div>
          </div>
          <dl className={b.summary}>
            <dt>Split id</dt>
            <dd className="mono">{result.splitId}</dd>
            <dt>Key fingerprint</dt>
            <dd>
              <MonoId value={result.fingerprint} max={40} copyLabel="Copy fingerprint" />
            </dd>
          </dl>
          <CliLine command="custos recovery combine" label="To recover from the command line" />
        </div>
      ) : null}
    </Modal>
  );
}
