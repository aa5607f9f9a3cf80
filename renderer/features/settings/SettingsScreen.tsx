/**
 * @module renderer/features/settings/SettingsScreen
 * Settings: auto-lock and the passphrase (security), the sites and programs connected to the
 * wallet RPC (features/wallets), theme (appearance), the vault's facts (data directory, KDF,
 * crypto providers) and about. Preferences are saved as they change; the
 * passphrase change is a form whose fields are cleared once sent.
 */
import { Monitor, Moon, Sun } from 'lucide-react';
import { useEffect, useState, type ReactNode } from 'react';
import type { Transport } from '../../api/get-api.js';
import { useApp } from '../../store/index.js';
import type { ErrorInfo, Theme } from '../../store/types.js';
import { Badge } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Field, Segmented, SelectInput, TextInput } from '../../app/ui/Field.js';
import { MonoId } from '../../app/ui/MonoId.js';
import { toastError, toastSuccess } from '../../app/ui/toast.js';
import { formatDateTime, formatKiB } from '../../app/lib/format.js';
import { PassphraseInput } from '../vault/PassphraseInput.js';
import { StrengthMeter, useStrength } from '../vault/StrengthMeter.js';
import { ConnectionsList } from '../wallets/ConnectionsList.js';
import { cx } from '../../app/ui/cx.js';
import sc from '../../app/ui/screen.module.css';
import st from './settings.module.css';

const THEMES: readonly { value: Theme; label: string; icon: ReactNode }[] = [
  { value: 'light', label: 'Light', icon: <Sun aria-hidden /> },
  { value: 'dark', label: 'Dark', icon: <Moon aria-hidden /> },
  { value: 'system', label: 'System', icon: <Monitor aria-hidden /> },
];
const LOCK_PRESETS = [0, 1, 5, 15, 30, 60, 240];

export function SettingsScreen({ transport }: { transport: Transport }) {
  const settings = useApp((s) => s.settings);
  const vault = useApp((s) => s.vault);
  const updateSettings = useApp((s) => s.updateSettings);

  async function save(patch: { autoLockMinutes?: number; theme?: Theme }, what: string) {
    const r = await updateSettings(patch);
    if (!r.ok) toastError(`Could not save ${what}`, r.error);
  }

  return (
    <div className={sc.page}>
      <div className={st.column}>
        <Section title="Security" sub="How the vault protects itself when you step away.">
          <Row label="Auto-lock" hint="Lock the vault after this long without keyboard or mouse activity in this window.">
            <AutoLock value={settings?.autoLockMinutes} onSave={(m) => void save({ autoLockMinutes: m }, 'auto-lock')} />
          </Row>
          <ChangePassphrase operator={vault?.session?.principal} />
        </Section>

        <Section title="Connected sites and programs" sub="Web pages and paired programs that may use the wallet RPC, with the accounts each may see. Revoking disconnects at once.">
          <ConnectionsList />
        </Section>

        <Section title="Appearance">
          <Row label="Theme" hint="System follows your operating system's light or dark setting.">
            <Segmented label="Theme" value={settings?.theme ?? 'system'} options={THEMES} onChange={(t) => void save({ theme: t }, 'the theme')} />
          </Row>
        </Section>

        <Section title="Vault" sub="Facts about the vault this window is connected to.">
          <Row label="Data directory" hint="The SQLite vault, its audit log and these settings live here.">
            <span className={st.path}>{settings === undefined ? '—' : <MonoId value={settings.dataDir} max={48} copyLabel="Copy data directory" />}</span>
          </Row>
          {vault?.createdAt === undefined ? null : (
            <Row label="Created">
              <span className={st.value}>{formatDateTime(vault.createdAt)}</span>
            </Row>
          )}
          {vault?.kdf === undefined ? null : (
            <Row label="Passphrase KDF" hint="Argon2id (RFC 9106) parameters that wrap the master key.">
              <span className={cx(st.value, 'mono')}>
                argon2id · {formatKiB(vault.kdf.memoryKiB)} · t={vault.kdf.iterations} · p={vault.kdf.parallelism}
              </span>
            </Row>
          )}
          {vault === undefined || Object.keys(vault.providers).length === 0 ? null : (
            <div className={cx(st.row, st.rowStack)}>
              <div>
                <div className={st.rowLabel}>Crypto providers</div>
                <div className={st.rowHint}>Which implementation serves each primitive in this runtime (node:crypto where it has it, libsecp256k1 for secp256k1 signing, noble otherwise).</div>
              </div>
              <dl className={st.providerList}>
                {groupProviders(vault.providers).map(([impl, names]) => (
                  <div key={impl} className={st.providerGroup}>
                    <dt>
                      <Badge tone="outline" square>
                        {impl}
                      </Badge>
                    </dt>
                    <dd className="mono">{names.join(', ')}</dd>
                  </div>
                ))}
              </dl>
            </div>
          )}
          <Row label="Schema version">
            <span className={st.value}>{vault?.schemaVersion ?? '—'}</span>
          </Row>
        </Section>

        <Section title="About">
          <Row label="Custos" hint="Desktop key custody: a software HSM with an audit log you can verify.">
            <span className={cx(st.value, 'mono')} data-testid="app-version">
              v{settings?.version ?? '…'}
            </span>
          </Row>
          <Row label="Connected through">
            <span className={st.value}>{transport.kind === 'ipc' ? 'Electron IPC (desktop app)' : `Browser host (${location.host})`}</span>
          </Row>
        </Section>
      </div>
    </div>
  );
}

/** { ed25519: 'node', secp256k1: 'noble', … } → [['node', ['ed25519', …]], ['noble', [...]]] */
function groupProviders(providers: Record<string, string>): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const [name, impl] of Object.entries(providers)) groups.set(impl, [...(groups.get(impl) ?? []), name]);
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

function Section({ title, sub, children }: { title: string; sub?: string; children: ReactNode }) {
  return (
    <section className={cx(sc.card, st.section)} aria-label={title}>
      <div className={st.sectionHead}>
        <h2 className={st.sectionTitle}>{title}</h2>
        {sub === undefined ? null : <p className={st.sectionSub}>{sub}</p>}
      </div>
      {children}
    </section>
  );
}

function Row({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    <div className={st.row}>
      <div>
        <div className={st.rowLabel}>{label}</div>
        {hint === undefined ? null : <div className={st.rowHint}>{hint}</div>}
      </div>
      <div className={st.control}>{children}</div>
    </div>
  );
}

function AutoLock({ value, onSave }: { value: number | undefined; onSave: (minutes: number) => void }) {
  const custom = value !== undefined && !LOCK_PRESETS.includes(value);
  const [text, setText] = useState(String(value ?? ''));
  useEffect(() => setText(String(value ?? '')), [value]);
  const n = Number(text);
  const valid = text !== '' && Number.isInteger(n) && n >= 0 && n <= 1440;
  return (
    <>
      <SelectInput
        aria-label="Auto-lock after"
        value={custom ? 'custom' : String(value ?? 15)}
        onChange={(e) => {
          if (e.target.value !== 'custom') onSave(Number(e.target.value));
          else setText(String(value ?? 15));
        }}
      >
        {LOCK_PRESETS.map((m) => (
          <option key={m} value={m}>
            {m === 0 ? 'Never' : m < 60 ? `${m} min` : `${m / 60} h`}
          </option>
        ))}
        <option value="custom">Custom…</option>
      </SelectInput>
      {custom ? (
        <form
          className={st.control}
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) onSave(n);
          }}
        >
          <TextInput className={st.minutes} type="number" min={0} max={1440} aria-label="Minutes" value={text} onChange={(e) => setText(e.target.value)} aria-invalid={!valid} />
          <Button type="submit" size="sm" disabled={!valid || n === value}>
            Save
          </Button>
        </form>
      ) : null}
    </>
  );
}

function ChangePassphrase({ operator }: { operator: string | undefined }) {
  const changePassphrase = useApp((s) => s.changePassphrase);
  const [open, setOpen] = useState(false);
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const strength = useStrength(open ? next : '', [operator ?? '', 'custos']);
  const ok = current !== '' && strength.acceptable && next === confirm && next !== current;

  function reset() {
    setCurrent('');
    setNext('');
    setConfirm('');
    setError(undefined);
  }

  async function submit() {
    if (!ok || busy) return;
    const [c, n] = [current, next];
    reset();
    setBusy(true);
    const r = await changePassphrase(c, n);
    setBusy(false);
    if (r.ok) {
      toastSuccess('Passphrase changed', 'The master key is now wrapped under the new passphrase.');
      setOpen(false);
    } else setError(r.error);
  }

  return (
    <div className={cx(st.row, open && st.rowStack)}>
      <div>
        <div className={st.rowLabel}>Passphrase</div>
        <div className={st.rowHint}>Changing it re-wraps the master key; keys and the audit log are untouched.</div>
      </div>
      {open ? (
        <form
          className={st.passForm}
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          {error === undefined ? null : <ErrorNote className={st.passFull} error={error} />}
          <Field label="Current passphrase" className={st.passFull}>
            {(c) => <PassphraseInput {...c} value={current} onChange={(e) => setCurrent(e.target.value)} autoFocus />}
          </Field>
          <Field label="New passphrase">{(c) => <PassphraseInput {...c} value={next} onChange={(e) => setNext(e.target.value)} autoComplete="new-password" />}</Field>
          <Field label="Confirm new passphrase" error={confirm !== '' && confirm !== next ? 'Does not match.' : undefined}>
            {(c) => <PassphraseInput {...c} value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="new-password" />}
          </Field>
          <div className={st.passFull}>
            <StrengthMeter view={strength} />
          </div>
          <div className={st.passActions}>
            <Button
              onClick={() => {
                reset();
                setOpen(false);
              }}
            >
              Cancel
            </Button>
            <Button type="submit" variant="primary" busy={busy} disabled={!ok}>
              Change passphrase
            </Button>
          </div>
        </form>
      ) : (
        <div className={st.control}>
          <Button onClick={() => setOpen(true)}>Change passphrase…</Button>
        </div>
      )}
    </div>
  );
}
