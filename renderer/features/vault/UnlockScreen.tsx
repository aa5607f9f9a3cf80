/**
 * @module renderer/features/vault/UnlockScreen
 * Unlock the vault (or sign in to one another window unlocked): operator and passphrase, the
 * error with its code, the failed-attempt count and, while sign-in is locked out, a countdown
 * to when it may be tried again (vault.status.lockedUntil, or the LOCKED_OUT message's seconds).
 *
 * The passphrase stays in this component's state and is cleared on submit.
 *
 * On a locked vault, "Recover with shares…" opens the Shamir combine wizard (features/backup):
 * the way back in when every passphrase is lost.
 */
import { Clock, Combine, Lock, LockKeyhole, Timer } from 'lucide-react';
import { useState } from 'react';
import { browserPrefs } from '../../store/prefs.js';
import { useApp, useAppStore } from '../../store/index.js';
import type { ErrorInfo } from '../../store/types.js';
import { Button } from '../../app/ui/Button.js';
import { Field, TextInput } from '../../app/ui/Field.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { formatCountdown } from '../../app/lib/format.js';
import { useNow } from '../../app/lib/use-now.js';
import { PassphraseInput } from './PassphraseInput.js';
import { CombineWizard } from '../backup/CombineWizard.js';
import f from '../../app/frame.module.css';
import v from './vault.module.css';

/** Epoch ms until which a LOCKED_OUT error says to wait ("try again in 27 s"), if it says. */
export function lockedUntilFromError(error: ErrorInfo | undefined, at: number): number {
  if (error?.code !== 'LOCKED_OUT') return 0;
  const m = /in (\d+) s/.exec(error.message);
  return m === null ? 0 : at + Number(m[1]) * 1000;
}

export function UnlockScreen() {
  const store = useAppStore();
  const vault = useApp((s) => s.vault);
  const lockReason = useApp((s) => s.lockReason);
  const minutes = useApp((s) => s.settings?.autoLockMinutes);
  const [operator, setOperator] = useState(() => browserPrefs().get('operator') ?? 'admin');
  const [passphrase, setPassphrase] = useState('');
  const [error, setError] = useState<{ info: ErrorInfo; at: number } | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [recovering, setRecovering] = useState(false);
  const now = useNow(500);

  const lockedUntil = Math.max(vault?.lockedUntil ?? 0, lockedUntilFromError(error?.info, error?.at ?? 0));
  const lockedOut = lockedUntil > now;
  const signIn = vault?.unlocked === true; // the vault is open; this window only needs a session

  async function submit() {
    if (passphrase === '' || busy || lockedOut) return;
    const secret = passphrase;
    setPassphrase('');
    setBusy(true);
    const r = await store.getState().unlockVault({ passphrase: secret, operator: operator.trim() });
    setBusy(false);
    if (!r.ok) setError({ info: r.error, at: Date.now() });
  }

  return (
    <div className={f.gate}>
      <div className={f.gateCard} data-testid="unlock-screen">
        <div className={f.gateHead}>
          <div className={f.gateMark}>
            <LockKeyhole aria-hidden />
          </div>
          <h1 className={f.gateTitle}>{signIn ? 'Sign in to Custos' : 'Unlock Custos'}</h1>
          <p className={f.gateSub}>{signIn ? 'The vault is unlocked in another window. Sign in to use it here.' : 'The vault is locked. Enter your passphrase to unlock it.'}</p>
          {lockReason === 'idle' ? (
            <span className={v.lockNote}>
              <Timer aria-hidden /> Locked after {minutes ?? '…'} min without activity
            </span>
          ) : lockReason === 'user' ? (
            <span className={v.lockNote}>
              <Lock aria-hidden /> You locked the vault
            </span>
          ) : null}
        </div>
        <form
          className={f.gateBody}
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          {lockedOut ? (
            <div className={v.lockout} role="status" data-testid="lockout" data-error-code="LOCKED_OUT">
              <Clock aria-hidden />
              <span className={v.lockoutCode}>LOCKED_OUT</span>
              Too many failed attempts
              <span className={v.lockoutTime}>Try again in {formatCountdown(lockedUntil - now)}</span>
            </div>
          ) : null}
          {error === undefined || (error.info.code === 'LOCKED_OUT' && lockedOut) ? null : <ErrorNote error={error.info} />}
          <Field label="Operator">
            {(c) => <TextInput {...c} mono value={operator} onChange={(e) => setOperator(e.target.value)} maxLength={64} autoComplete="username" />}
          </Field>
          <Field label="Passphrase">
            {(c) => <PassphraseInput {...c} value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoFocus disabled={busy} maxLength={1024} />}
          </Field>
          {vault !== undefined && vault.consecutiveFailures > 0 && !lockedOut ? (
            <span className={v.failures}>
              {vault.consecutiveFailures} failed {vault.consecutiveFailures === 1 ? 'attempt' : 'attempts'} since the last sign-in.
            </span>
          ) : null}
          <Button type="submit" variant="primary" size="lg" block busy={busy} disabled={passphrase === '' || lockedOut}>
            {busy ? 'Unlocking…' : signIn ? 'Sign in' : 'Unlock'}
          </Button>
          {signIn ? null : (
            <Button variant="ghost" size="sm" className={v.recoverLink} icon={<Combine aria-hidden />} onClick={() => setRecovering(true)} data-testid="recover-with-shares">
              Lost every passphrase? Recover with shares…
            </Button>
          )}
        </form>
        <CombineWizard open={recovering} onOpenChange={setRecovering} />
        <div className={f.gateFoot}>
          <span>Data directory</span>
          <span className={v.footPath} title={vault?.dataDir}>
            {vault?.dataDir ?? '—'}
          </span>
        </div>
      </div>
    </div>
  );
}
