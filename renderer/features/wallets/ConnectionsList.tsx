/**
 * @module renderer/features/wallets/ConnectionsList
 * Settings › Connected sites and programs: every live wallet connection (a browser origin the
 * operator connected, a program that paired), what it may use (accounts, chain), since when, and
 * whether its requests are approved without asking. Accounts and chain are edited in place;
 * turning auto-approve on asks first (it lets the client sign without anyone looking); revoking
 * disconnects the client at once and is confirmed by typing its name (UI.md: destructive actions).
 *
 * Follows `wallets.changed` through the store, so a connection made, changed or given up
 * elsewhere (another window, the client's own wallet_revokePermissions) updates here.
 */
import { AlertTriangle, Globe, Link2Off, Pencil, PlugZap, TerminalSquare } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import type { WalletConnection } from '../../../shared/api/wallet.js';
import { useApp } from '../../store/index.js';
import { chainName, signerKey } from '../../store/wallets-slice.js';
import { Badge } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { EmptyState } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Identicon } from '../../app/ui/Identicon.js';
import { Modal, FooterNote } from '../../app/ui/Modal.js';
import { MonoId } from '../../app/ui/MonoId.js';
import { Delayed, Spinner } from '../../app/ui/Progress.js';
import { Switch } from '../../app/ui/Switch.js';
import { Tip } from '../../app/ui/Tip.js';
import { TypeToConfirm } from '../../app/ui/TypeToConfirm.js';
import { toastError, toastSuccess } from '../../app/ui/toast.js';
import { formatDate, formatDateTime, formatRelative } from '../../app/lib/format.js';
import { useNow } from '../../app/lib/use-now.js';
import { GrantForm, type GrantValue } from './GrantForm.js';
import { OriginText } from './PromptDetail.js';
import { parseOrigin } from './origin.js';
import w from './wallets.module.css';

export function ConnectionsList() {
  const connections = useApp((s) => s.walletConnections);
  const error = useApp((s) => s.walletConnectionsError);
  const load = useApp((s) => s.loadWalletConnections);
  const loadChoices = useApp((s) => s.loadWalletChoices);
  useEffect(() => {
    void load();
    void loadChoices();
  }, [load, loadChoices]);

  if (error !== undefined && connections === undefined) return <ErrorNote error={error} className={w.editor} />;
  if (connections === undefined) {
    return (
      <Delayed>
        <div className={w.conn}>
          <span className={w.muted}>
            <Spinner label="Loading connections" /> Loading connections…
          </span>
        </div>
      </Delayed>
    );
  }
  if (connections.length === 0) {
    return (
      <div data-testid="connections-empty">
        <EmptyState icon={<PlugZap aria-hidden />} title="No sites or programs connected">
          A web page connects when it asks for your accounts (eth_requestAccounts) through the wallet RPC, a program pairs with a code; both wait for you on the Requests screen. Turn the wallet RPC on with <code>server.wallet_rpc.enabled: true</code> in custos.yaml.
        </EmptyState>
      </div>
    );
  }
  return (
    <div className={w.connList} data-testid="connections">
      {connections.map((c) => (
        <ConnectionItem key={c.id} connection={c} />
      ))}
    </div>
  );
}

/** What the operator types to revoke: the site's host, or the program's name. */
function revokeName(c: WalletConnection): string {
  return c.kind === 'origin' ? parseOrigin(c.origin ?? c.name).host : c.name;
}

function ConnectionItem({ connection: c }: { connection: WalletConnection }) {
  const chains = useApp((s) => s.walletChains);
  const update = useApp((s) => s.updateWalletConnection);
  const now = useNow(60_000);
  const [editing, setEditing] = useState(false);
  const [confirmAuto, setConfirmAuto] = useState(false);
  const [revoking, setRevoking] = useState(false);
  const [busy, setBusy] = useState(false);
  const site = c.kind === 'origin';

  async function setAuto(on: boolean) {
    setBusy(true);
    const r = await update(c.id, { autoApprove: on });
    setBusy(false);
    if (r.ok) toastSuccess(on ? 'Auto-approve on' : 'Auto-approve off', on ? `Requests from ${c.name} are now signed without asking.` : `Each request from ${c.name} waits for your approval again.`);
    else toastError('Could not change auto-approve', r.error);
  }

  return (
    <div className={w.conn} data-testid="connection" data-connection-id={c.id} data-kind={c.kind}>
      <div className={w.connTop}>
        <span className={w.connIcon} aria-hidden>
          {site ? <Globe /> : <TerminalSquare />}
        </span>
        <span className={w.connName} data-testid="connection-name">
          {site ? <OriginText origin={c.origin ?? c.name} size="md" /> : <span title="The name the program gave when it paired (not verified)">“{c.name}”</span>}
        </span>
        <Badge tone="outline">{site ? 'Site' : 'Paired program'}</Badge>
        {c.autoApprove ? (
          <Badge tone="warning" icon={<AlertTriangle aria-hidden />}>
            Auto-approve
          </Badge>
        ) : null}
        <span className={w.connSpacer} />
        <span className={w.switchRow}>
          <Tip label={c.autoApprove ? 'Ask me again for each request' : 'Sign this client’s requests without asking'}>
            <Switch
              checked={c.autoApprove}
              tone="warning"
              aria-label={`Auto-approve requests from ${c.name}`}
              disabled={busy}
              onClick={() => (c.autoApprove ? void setAuto(false) : setConfirmAuto(true))}
              data-testid="connection-auto-approve"
            />
          </Tip>
          Auto-approve
        </span>
      </div>
      <dl className={w.connFacts}>
        <dt>Accounts</dt>
        <dd>
          <span className={w.chips} data-testid="connection-accounts">
            {c.accounts.map((a) => (
              <span key={signerKey(a.signer)} className={w.chip} title={`${a.label} · ${a.address}`}>
                <Identicon value={a.address} size={16} />
                <span className={w.chipLabel}>{a.label}</span>
                <MonoId value={a.address} max={13} copyLabel={`Copy ${a.address}`} />
              </span>
            ))}
          </span>
        </dd>
        <dt>Chain</dt>
        <dd data-testid="connection-chain">
          {chainName(chains, c.chainId)} <span className="num">· {c.chainId}</span>
        </dd>
        <dt>Since</dt>
        <dd className="num" title={`${formatDateTime(c.createdAt)} by ${c.createdBy}`}>
          {formatDate(c.createdAt)} · {formatRelative(c.createdAt, now)} · by {c.createdBy}
        </dd>
      </dl>
      {editing ? (
        <ConnectionEditor connection={c} onDone={() => setEditing(false)} />
      ) : (
        <div className={w.connActions}>
          <Button size="sm" icon={<Pencil aria-hidden />} onClick={() => setEditing(true)} data-testid="connection-edit">
            Edit accounts and chain
          </Button>
          <Button size="sm" variant="dangerOutline" icon={<Link2Off aria-hidden />} onClick={() => setRevoking(true)} data-testid="connection-revoke">
            Revoke…
          </Button>
        </div>
      )}
      <AutoApproveDialog connection={c} open={confirmAuto} onOpenChange={setConfirmAuto} onConfirm={() => void setAuto(true).then(() => setConfirmAuto(false))} busy={busy} />
      <RevokeDialog connection={c} open={revoking} onOpenChange={setRevoking} />
    </div>
  );
}

function ConnectionEditor({ connection: c, onDone }: { connection: WalletConnection; onDone: () => void }) {
  const candidates = useApp((s) => s.walletCandidates);
  const chains = useApp((s) => s.walletChains);
  const update = useApp((s) => s.updateWalletConnection);
  const [value, setValue] = useState<GrantValue>(() => ({ accounts: c.accounts.map((a) => signerKey(a.signer)), chainId: c.chainId, autoApprove: c.autoApprove }));
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLFormElement>(null);
  // Opened below the fold: bring it into sight (scrollIntoView may return a Promise: not returned).
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, []);
  // A granted account the vault no longer offers (its key disabled, say) stays listed so it can be unticked.
  const shown = [...(candidates ?? []), ...c.accounts.filter((a) => !(candidates ?? []).some((x) => signerKey(x.signer) === signerKey(a.signer)))];
  const chosen = shown.filter((a) => value.accounts.includes(signerKey(a.signer))).map((a) => a.signer);
  const changed = value.chainId !== c.chainId || value.accounts.join('|') !== c.accounts.map((a) => signerKey(a.signer)).join('|');

  async function save() {
    setBusy(true);
    const r = await update(c.id, { accounts: chosen, chainId: value.chainId });
    setBusy(false);
    if (r.ok) {
      toastSuccess('Connection updated', `${c.name} now uses ${chosen.length === 1 ? '1 account' : `${chosen.length} accounts`} on ${chainName(chains, value.chainId)}.`);
      onDone();
    } else toastError('Could not update the connection', r.error);
  }

  return (
    <form
      ref={ref}
      className={w.editor}
      aria-label={`Edit ${c.name}`}
      data-testid="connection-editor"
      onSubmit={(e) => {
        e.preventDefault();
        if (changed && chosen.length > 0) void save();
      }}
    >
      <GrantForm value={value} onChange={(patch) => setValue((v) => ({ ...v, ...patch }))} candidates={candidates === undefined ? undefined : shown} chains={chains} client={c.kind === 'origin' ? 'site' : 'program'} autoApprove={false} disabled={busy} />
      <div className={w.editorActions}>
        <Button onClick={onDone} disabled={busy}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" busy={busy} disabled={!changed || chosen.length === 0} data-testid="connection-save">
          Save
        </Button>
      </div>
    </form>
  );
}

function AutoApproveDialog({ connection: c, open, onOpenChange, onConfirm, busy }: { connection: WalletConnection; open: boolean; onOpenChange: (open: boolean) => void; onConfirm: () => void; busy: boolean }) {
  return (
    <Modal
      open={open}
      onOpenChange={onOpenChange}
      title="Approve its requests automatically?"
      icon={<AlertTriangle aria-hidden />}
      tone="danger"
      testId="auto-approve-dialog"
      onSubmit={onConfirm}
      footer={
        <>
          <FooterNote>Recorded in the audit log.</FooterNote>
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="danger" busy={busy} data-testid="auto-approve-confirm">
            Turn on auto-approve
          </Button>
        </>
      }
    >
      <p className={w.confirmText}>
        Every signature <span className={w.confirmName}>{c.name}</span> asks for — messages, typed data and transactions that move funds — will be made without asking you, with the {c.accounts.length === 1 ? 'account' : `${c.accounts.length} accounts`} it holds. Policies still apply, and each signature is audited.
      </p>
      <p className={w.confirmText}>Only for a {c.kind === 'origin' ? 'site' : 'program'} you run and trust.</p>
    </Modal>
  );
}

function RevokeDialog({ connection: c, open, onOpenChange }: { connection: WalletConnection; open: boolean; onOpenChange: (open: boolean) => void }) {
  const revoke = useApp((s) => s.revokeWalletConnection);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const name = revokeName(c);
  const ok = typed.trim() === name;
  useEffect(() => {
    if (!open) setTyped('');
  }, [open]);

  async function submit() {
    if (!ok || busy) return;
    setBusy(true);
    const r = await revoke(c.id);
    setBusy(false);
    if (r.ok) {
      toastSuccess('Revoked', c.kind === 'origin' ? `${c.name} is disconnected; it must ask again to connect.` : `“${c.name}”’s token no longer works; it must pair again.`);
      onOpenChange(false);
    } else toastError('Could not revoke', r.error);
  }

  return (
    <Modal
      open={open}
      onOpenChange={onOpenChange}
      title={c.kind === 'origin' ? 'Disconnect this site?' : 'Unpair this program?'}
      icon={<Link2Off aria-hidden />}
      tone="danger"
      testId="revoke-dialog"
      onSubmit={() => void submit()}
      footer={
        <>
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="danger" busy={busy} disabled={!ok} data-testid="revoke-confirm">
            Revoke
          </Button>
        </>
      }
    >
      <p className={w.confirmText}>
        {c.kind === 'origin' ? 'The site loses access to its accounts at once. It can ask to connect again, and you decide again.' : 'The program’s token stops working at once. It can ask to pair again, with a new code.'}
      </p>
      <TypeToConfirm name={name} value={typed} onChange={setTyped} testId="revoke-name" />
    </Modal>
  );
}
