/**
 * @module renderer/features/vault/SetupWizard
 * First run: create the vault. Three steps — the first operator's name, a passphrase (strength
 * meter, confirmation, an acknowledgement that it cannot be recovered), then the creation itself,
 * which runs Argon2id in the main process and shows progress while it does.
 *
 * The passphrase lives in this component's state only; it is cleared as soon as vault.init has
 * it, whatever the outcome.
 */
import { Check, KeyRound, ShieldCheck, UserRound, X } from 'lucide-react';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useApp, useAppStore } from '../../store/index.js';
import type { ErrorInfo } from '../../store/types.js';
import { Button } from '../../app/ui/Button.js';
import { Checkbox, Field, TextInput } from '../../app/ui/Field.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { ProgressBar } from '../../app/ui/Progress.js';
import { toastSuccess } from '../../app/ui/toast.js';
import { cx } from '../../app/ui/cx.js';
import { PassphraseInput } from './PassphraseInput.js';
import { StrengthMeter, useStrength } from './StrengthMeter.js';
import f from '../../app/frame.module.css';
import v from './vault.module.css';

const OPERATOR_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

type Step = 'operator' | 'passphrase' | 'creating';

export function SetupWizard() {
  const store = useAppStore();
  const dataDir = useApp((s) => s.vault?.dataDir);
  const [step, setStep] = useState<Step>('operator');
  const [operator, setOperator] = useState('admin');
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [understood, setUnderstood] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const strength = useStrength(passphrase, [operator, 'custos']);

  const operatorOk = OPERATOR_RE.test(operator);
  const matches = confirm.length > 0 && confirm === passphrase;
  const canCreate = strength.acceptable && matches && understood;

  async function create() {
    if (!canCreate) return;
    const secret = passphrase;
    // Out of React state before the call: nothing keeps it once vault.init has it.
    setPassphrase('');
    setConfirm('');
    setError(undefined);
    setStep('creating');
    const r = await store.getState().initVault({ passphrase: secret, operator });
    if (r.ok) {
      toastSuccess('Vault created', `Signed in as ${operator}.`);
    } else {
      setError(r.error);
      setUnderstood(false);
      setStep(r.error.code === 'INVALID_INPUT' && r.error.message.includes('operator') ? 'operator' : 'passphrase');
    }
  }

  return (
    <div className={f.gate}>
      <div className={cx(f.gateCard, f.gateCardWide)} data-testid="setup-wizard">
        <div className={f.gateHead}>
          <div className={f.gateMark}>
            <ShieldCheck aria-hidden />
          </div>
          <h1 className={f.gateTitle}>Set up Custos</h1>
          <p className={f.gateSub}>Create the encrypted vault that will hold your keys. Everything stays on this machine.</p>
        </div>
        <Stepper step={step} />
        <div className={f.gateBody}>
          {error === undefined ? null : <ErrorNote error={error} />}
          {step === 'operator' ? (
            <form
              className={v.form}
              onSubmit={(e) => {
                e.preventDefault();
                if (operatorOk) setStep('passphrase');
              }}
            >
              <Field
                label="Operator name"
                hint="The first operator is the vault's administrator. Others can be added later with custos operator add."
                error={operator !== '' && !operatorOk ? 'Letters, digits, dot, dash and underscore; start with a letter or digit; up to 64.' : undefined}
              >
                {(c) => <TextInput {...c} large mono value={operator} onChange={(e) => setOperator(e.target.value)} autoFocus maxLength={64} />}
              </Field>
              <div className={v.actions}>
                <Button type="submit" variant="primary" size="lg" disabled={!operatorOk}>
                  Continue
                </Button>
              </div>
            </form>
          ) : null}

          {step === 'passphrase' ? (
            <form
              className={v.form}
              onSubmit={(e) => {
                e.preventDefault();
                void create();
              }}
            >
              <Field label="Passphrase" hint={strength.label === '' ? 'Several unrelated words are easier to type and harder to guess than symbols.' : undefined}>
                {(c) => <PassphraseInput {...c} value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoFocus autoComplete="new-password" maxLength={1024} />}
              </Field>
              <StrengthMeter view={strength} />
              <Field label="Confirm passphrase">
                {(c) => <PassphraseInput {...c} value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="new-password" maxLength={1024} />}
              </Field>
              {confirm.length === 0 ? null : matches ? (
                <span className={cx(v.match, v.matchOk)}>
                  <Check aria-hidden /> Passphrases match
                </span>
              ) : (
                <span className={cx(v.match, v.matchBad)}>
                  <X aria-hidden /> Passphrases do not match
                </span>
              )}
              <Checkbox
                checked={understood}
                onChange={(e) => setUnderstood(e.target.checked)}
                label="I have stored this passphrase safely."
                description="It cannot be recovered; without it the keys are lost."
              />
              <div className={v.actions}>
                <Button onClick={() => setStep('operator')} size="lg">
                  Back
                </Button>
                <Button type="submit" variant="primary" size="lg" disabled={!canCreate}>
                  Create vault
                </Button>
              </div>
            </form>
          ) : null}

          {step === 'creating' ? <Creating /> : null}
        </div>
        <div className={f.gateFoot}>
          <span>Data directory</span>
          <span className={v.footPath} title={dataDir}>
            {dataDir ?? '—'}
          </span>
        </div>
      </div>
    </div>
  );
}

function Stepper({ step }: { step: Step }) {
  const order: Step[] = ['operator', 'passphrase', 'creating'];
  const at = order.indexOf(step);
  const items: { label: string; icon: ReactNode }[] = [
    { label: 'Operator', icon: <UserRound aria-hidden /> },
    { label: 'Passphrase', icon: <KeyRound aria-hidden /> },
    { label: 'Create', icon: <ShieldCheck aria-hidden /> },
  ];
  return (
    <ol className={v.steps} aria-label="Setup steps">
      {items.map((item, i) => (
        <li key={item.label} className={cx(v.step, i === at && v.stepActive, i < at && v.stepDone)} aria-current={i === at ? 'step' : undefined}>
          {i > 0 ? <span className={v.stepLine} aria-hidden /> : null}
          <span className={v.stepNum}>{i < at ? <Check aria-hidden /> : i + 1}</span>
          {item.label}
        </li>
      ))}
    </ol>
  );
}

/** Argon2id gives no progress: an indeterminate bar and the elapsed time, so it never looks stuck. */
function Creating() {
  const started = useRef(Date.now());
  const [elapsed, setElapsed] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setElapsed(Date.now() - started.current), 100);
    return () => clearInterval(t);
  }, []);
  return (
    <div className={v.creating} role="status" aria-live="polite" data-testid="creating-vault">
      <strong>Creating the vault…</strong>
      <ProgressBar label="Creating the vault" />
      <div className={v.creatingLine}>
        <span>Deriving the key-encryption key with Argon2id (memory-hard, slow on purpose)</span>
        <span className="num">{(elapsed / 1000).toFixed(1)} s</span>
      </div>
    </div>
  );
}
