/**
 * @module renderer/features/hd/HdDetail
 * The selected HD wallet: its facts, the accounts it derives per chain (Ethereum index 0..N,
 * Bitcoin by script and network, Solana by account), each with its path, its address
 * (monospace, middle-truncated, copy) and a QR code drawn locally; the account-level extended
 * public key behind a privacy warning; and the lifecycle actions — disable/enable, export the
 * phrase (exportable wallets, after re-authentication), delete (typing the id).
 */
import * as Menu from '@radix-ui/react-dropdown-menu';
import * as Tabs from '@radix-ui/react-tabs';
import { Ban, CircleCheck, Eye, FileSignature, KeySquare, MoreHorizontal, ShieldAlert, Trash2, X } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useApp } from '../../store/index.js';
import type { BitcoinNetwork, BitcoinScript, ErrorInfo, HdDerived, HdWalletInfo, Result } from '../../store/types.js';
import { Badge } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Checkbox, SelectInput } from '../../app/ui/Field.js';
import { Identicon } from '../../app/ui/Identicon.js';
import { CopyButton, MonoId } from '../../app/ui/MonoId.js';
import { Delayed, Spinner } from '../../app/ui/Progress.js';
import { Tip } from '../../app/ui/Tip.js';
import { toastError, toastSuccess } from '../../app/ui/toast.js';
import { formatDateTime } from '../../app/lib/format.js';
import { cx } from '../../app/ui/cx.js';
import { QrCode } from '../keys/PublicKeyView.js';
import { HdStateBadge } from './HdWalletsView.js';
import { DeleteHdDialog, ExportMnemonicDialog } from './HdDialogs.js';
import { NETWORKS, SCRIPTS, hdCli } from './hd-meta.js';
import f from '../../app/frame.module.css';
import sc from '../../app/ui/screen.module.css';
import k from '../keys/keys.module.css';
import h from './hd.module.css';

const PAGE = 5;

export function HdDetail({ info }: { info: HdWalletInfo }) {
  const selectHd = useApp((s) => s.selectHd);
  const setHdState = useApp((s) => s.setHdState);
  const startSigning = useApp((s) => s.startSigning);
  const [busy, setBusy] = useState(false);
  const [dialog, setDialog] = useState<'export' | 'delete' | null>(null);
  const active = info.state === 'active';

  async function toggle() {
    setBusy(true);
    const r = await setHdState(info.id, active ? 'disabled' : 'active');
    setBusy(false);
    if (r.ok) toastSuccess(`${r.value.state === 'active' ? 'Enabled' : 'Disabled'} ${r.value.id}`);
    else toastError(active ? 'Could not disable the wallet' : 'Could not enable the wallet', r.error);
  }

  return (
    <aside className={sc.panel} aria-label={`HD wallet ${info.id}`} data-testid="hd-detail">
      <div className={sc.panelHead}>
        <div className={sc.panelTitleRow}>
          <h2 className={cx(sc.panelTitle, 'mono')} title={info.id}>
            {info.id}
          </h2>
          <CopyButton value={info.id} label="Copy wallet id" />
          <Tip label="Close" shortcut="Esc">
            <Button variant="ghost" size="sm" iconOnly aria-label="Close wallet details" icon={<X aria-hidden />} onClick={() => selectHd(null)} />
          </Tip>
        </div>
        <div className={k.panelMeta}>
          <HdStateBadge info={info} />
          <Badge tone="outline" square>
            {info.words} words
          </Badge>
          <Tip label="BIP-32 master key fingerprint">
            <span className="mono">{info.fingerprint}</span>
          </Tip>
          {info.hasPassphrase ? <Badge tone="accent">BIP-39 passphrase</Badge> : null}
          {info.exportable ? <Badge tone="warning">Exportable</Badge> : null}
        </div>
        <div className={k.panelActions}>
          {active ? (
            <Button size="sm" variant="primary" icon={<FileSignature aria-hidden />} onClick={() => startSigning({ kind: 'hd', namespace: info.namespace, wallet: info.id, account: 0, index: 0 })}>
              Sign…
            </Button>
          ) : null}
          <Button size="sm" icon={active ? <Ban aria-hidden /> : <CircleCheck aria-hidden />} busy={busy} disabled={busy} onClick={() => void toggle()}>
            {active ? 'Disable' : 'Enable'}
          </Button>
          {info.exportable ? (
            <Button size="sm" icon={<Eye aria-hidden />} onClick={() => setDialog('export')}>
              Export mnemonic
            </Button>
          ) : null}
          <Menu.Root>
            <Menu.Trigger asChild>
              <Button size="sm" variant="ghost" iconOnly aria-label="More wallet actions" icon={<MoreHorizontal aria-hidden />} />
            </Menu.Trigger>
            <Menu.Portal>
              <Menu.Content className={f.menu} align="end" sideOffset={6}>
                <Menu.Item className={cx(f.menuItem, k.menuDanger)} onSelect={() => setDialog('delete')}>
                  <Trash2 aria-hidden />
                  Delete wallet…
                </Menu.Item>
              </Menu.Content>
            </Menu.Portal>
          </Menu.Root>
        </div>
      </div>

      <Tabs.Root className={k.tabs} defaultValue="ethereum">
        <Tabs.List className={k.tabList} aria-label="Derived accounts">
          <Tabs.Trigger className={k.tab} value="ethereum">
            Ethereum
          </Tabs.Trigger>
          <Tabs.Trigger className={k.tab} value="bitcoin">
            Bitcoin
          </Tabs.Trigger>
          <Tabs.Trigger className={k.tab} value="solana">
            Solana
          </Tabs.Trigger>
          <Tabs.Trigger className={k.tab} value="xpub">
            Watch-only
          </Tabs.Trigger>
          <Tabs.Trigger className={k.tab} value="about">
            About
          </Tabs.Trigger>
        </Tabs.List>
        <Tabs.Content className={k.tabPanel} value="ethereum">
          {active ? <ChainAccounts info={info} chain="ethereum" /> : <DisabledNote />}
        </Tabs.Content>
        <Tabs.Content className={k.tabPanel} value="bitcoin">
          {active ? <BitcoinAccounts info={info} /> : <DisabledNote />}
        </Tabs.Content>
        <Tabs.Content className={k.tabPanel} value="solana">
          {active ? <ChainAccounts info={info} chain="solana" /> : <DisabledNote />}
        </Tabs.Content>
        <Tabs.Content className={k.tabPanel} value="xpub">
          <XpubView info={info} />
        </Tabs.Content>
        <Tabs.Content className={k.tabPanel} value="about">
          <dl className={sc.facts}>
            <dt>Namespace</dt>
            <dd className="mono">{info.namespace}</dd>
            <dt>Phrase</dt>
            <dd>
              {info.words} words, {info.language} wordlist
            </dd>
            <dt>Passphrase</dt>
            <dd>{info.hasPassphrase ? 'Yes — the phrase alone does not restore this wallet' : 'None'}</dd>
            <dt>Origin</dt>
            <dd>{info.origin === 'generated' ? 'Generated in the vault' : 'Imported'}</dd>
            <dt>Exportable</dt>
            <dd>{info.exportable ? 'Yes — the phrase can be shown again after re-authentication' : 'No — the phrase is never shown again'}</dd>
            <dt>Fingerprint</dt>
            <dd className="mono">{info.fingerprint}</dd>
            <dt>Created</dt>
            <dd>{formatDateTime(info.createdAt)}</dd>
            <dt>Updated</dt>
            <dd>{formatDateTime(info.updatedAt)}</dd>
          </dl>
        </Tabs.Content>
      </Tabs.Root>
      <ExportMnemonicDialog info={info} open={dialog === 'export'} onOpenChange={(o) => setDialog(o ? 'export' : null)} />
      <DeleteHdDialog info={info} open={dialog === 'delete'} onOpenChange={(o) => setDialog(o ? 'delete' : null)} />
    </aside>
  );
}

function DisabledNote() {
  return (
    <div className={cx(k.callout, k.calloutNeutral)} role="status">
      <Ban aria-hidden />
      <span>Disabled: the wallet derives and signs nothing until it is enabled again.</span>
    </div>
  );
}

/** Ethereum (m/44'/60'/0'/0/i) and Solana (m/44'/501'/i'/0'): one list each, nothing to choose. */
const SIMPLE_CHAINS = {
  ethereum: { label: 'Ethereum accounts', chain: 'Ethereum', cli: hdCli.ethereum },
  solana: { label: 'Solana accounts', chain: 'Solana', cli: hdCli.solana },
} as const;

function ChainAccounts({ info, chain }: { info: HdWalletInfo; chain: keyof typeof SIMPLE_CHAINS }) {
  const deriveRange = useApp((s) => s.deriveHdRange);
  const c = SIMPLE_CHAINS[chain];
  return (
    <AccountList
      label={c.label}
      chain={c.chain}
      derive={(from, count) => deriveRange(info.id, { chain, from, count })}
      reset={info.id}
      cli={(i) => c.cli(info.namespace, info.id, i)}
    />
  );
}

function BitcoinAccounts({ info }: { info: HdWalletInfo }) {
  const deriveRange = useApp((s) => s.deriveHdRange);
  const [script, setScript] = useState<BitcoinScript>('p2wpkh');
  const [network, setNetwork] = useState<BitcoinNetwork>('mainnet');
  return (
    <>
      <div className={h.selectors}>
        <SelectInput aria-label="Bitcoin script type" title={SCRIPTS.find((s) => s.value === script)?.note} value={script} onChange={(e) => setScript(e.target.value as BitcoinScript)}>
          {SCRIPTS.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </SelectInput>
        <SelectInput aria-label="Bitcoin network" value={network} onChange={(e) => setNetwork(e.target.value as BitcoinNetwork)}>
          {NETWORKS.map((n) => (
            <option key={n.value} value={n.value}>
              {n.label}
            </option>
          ))}
        </SelectInput>
      </div>
      <AccountList
        label="Bitcoin addresses"
        chain={`Bitcoin ${network}`}
        derive={(from, count) => deriveRange(info.id, { chain: 'bitcoin', script, network, from, count })}
        reset={`${info.id}/${script}/${network}`}
        cli={(i) => hdCli.bitcoin(info.namespace, info.id, script, network, i)}
      />
    </>
  );
}

type Row = { index: number; derived: HdDerived };
type Loaded = { status: 'loading' } | { status: 'ok'; rows: Row[] } | { status: 'error'; error: ErrorInfo };

/** Rows 0..count-1 of one chain; `reset` changes when what they derive from changes. */
function AccountList({ label, chain, derive, reset, cli }: { label: string; chain: string; derive: (from: number, count: number) => Promise<Result<readonly HdDerived[]>>; reset: string; cli: (i: number) => string }) {
  const [count, setCount] = useState(PAGE);
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  const [selected, setSelected] = useState(0);

  useEffect(() => {
    setCount(PAGE);
    setSelected(0);
  }, [reset]);

  useEffect(() => {
    let live = true;
    void (async () => {
      // One call (and one audit event) for the whole page, however many rows it shows.
      const r = await derive(0, count);
      if (!live) return;
      if (!r.ok) {
        setLoaded({ status: 'error', error: r.error });
        return;
      }
      setLoaded({ status: 'ok', rows: r.value.map((derived, index) => ({ index, derived })) });
    })();
    return () => {
      live = false;
    };
    // `derive` is a new closure every render; `reset` names what it derives from.
  }, [reset, count]);

  if (loaded.status === 'loading')
    return (
      <Delayed>
        <Spinner label={`Deriving ${label.toLowerCase()}`} />
      </Delayed>
    );
  if (loaded.status === 'error') return <ErrorNote error={loaded.error} />;
  const current = loaded.rows.find((r) => r.index === selected) ?? loaded.rows[0];
  return (
    <>
      <table className={cx(k.vtable, h.accounts)} aria-label={label}>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Path</th>
            <th scope="col">Address</th>
          </tr>
        </thead>
        <tbody>
          {loaded.rows.map((r) => (
            <tr key={r.index} className={h.accountRow} aria-selected={r.index === current?.index} onClick={() => setSelected(r.index)} data-address={r.derived.address ?? ''}>
              <td className="num mono">{r.index}</td>
              <td className={cx('mono', h.path)}>{r.derived.path}</td>
              <td>{r.derived.address === null ? <span className={k.muted}>—</span> : <span className={h.addressCell}>
                    <Identicon value={r.derived.address} />
                    <MonoId value={r.derived.address} max={22} copyLabel={`Copy address ${r.index}`} />
                  </span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className={h.more}>
        <Button size="sm" variant="ghost" onClick={() => setCount((c) => c + PAGE)}>
          Show {PAGE} more
        </Button>
      </div>
      {current === undefined || current.derived.address === null ? null : (
        <div className={h.selectedAccount}>
          <span className={sc.sectionTitle}>
            {chain} · #{current.index}
          </span>
          <div className={h.fullAddress} data-testid="hd-selected-address">
            <Identicon value={current.derived.address} size={20} />
            <span className="mono">{current.derived.address}</span>
            <CopyButton value={current.derived.address} label="Copy address" />
          </div>
          <QrCode text={current.derived.address} caption={`${chain} address ${current.derived.path}`} testId="hd-address-qr" />
        </div>
      )}
      <CliLine command={cli(current?.index ?? 0)} />
    </>
  );
}

function XpubView({ info }: { info: HdWalletInfo }) {
  const hdXpub = useApp((s) => s.hdXpub);
  const [script, setScript] = useState<BitcoinScript | 'ethereum'>('p2wpkh');
  const [network, setNetwork] = useState<BitcoinNetwork>('mainnet');
  const [understood, setUnderstood] = useState(false);
  const [shown, setShown] = useState<{ path: string; xpub: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);

  useEffect(() => {
    setShown(null);
    setError(undefined);
  }, [script, network]);

  async function reveal() {
    setBusy(true);
    setError(undefined);
    const r = await hdXpub(info.id, script === 'ethereum' ? { chain: 'ethereum' } : { chain: 'bitcoin', script, network });
    setBusy(false);
    if (r.ok) setShown(r.value);
    else setError(r.error);
  }

  return (
    <>
      <div className={cx(k.callout)} role="note">
        <ShieldAlert aria-hidden />
        <div className={k.calloutBody}>
          <strong>Privacy: an extended public key reveals every address of the account.</strong>
          <span>Whoever holds it sees all past and future receipts and balances. It cannot spend, but share it only with a watch-only wallet you control.</span>
        </div>
      </div>
      <div className={h.selectors}>
        <SelectInput aria-label="Account type" value={script} onChange={(e) => setScript(e.target.value as BitcoinScript | 'ethereum')}>
          {SCRIPTS.map((s) => (
            <option key={s.value} value={s.value}>
              Bitcoin {s.label}
            </option>
          ))}
          <option value="ethereum">Ethereum (m/44&apos;/60&apos;/0&apos;/0)</option>
        </SelectInput>
        {script === 'ethereum' ? null : (
          <SelectInput aria-label="Network" value={network} onChange={(e) => setNetwork(e.target.value as BitcoinNetwork)}>
            {NETWORKS.map((n) => (
              <option key={n.value} value={n.value}>
                {n.label}
              </option>
            ))}
          </SelectInput>
        )}
      </div>
      {error === undefined ? null : <ErrorNote error={error} />}
      {shown === null ? (
        <>
          <Checkbox checked={understood} onChange={(e) => setUnderstood(e.target.checked)} label="I understand" description="this key exposes the account's whole history" />
          <div>
            <Button size="sm" icon={<KeySquare aria-hidden />} disabled={!understood} busy={busy} onClick={() => void reveal()}>
              Show extended public key
            </Button>
          </div>
        </>
      ) : (
        <>
          <span className={sc.sectionTitle}>
            Account <span className={cx('mono', h.asTyped)}>{shown.path}</span>
          </span>
          <div className={h.fullAddress} data-testid="hd-xpub">
            <span className="mono">{shown.xpub}</span>
            <CopyButton value={shown.xpub} label="Copy extended public key" />
          </div>
          <QrCode text={shown.xpub} caption={`Extended public key ${shown.path}`} testId="hd-xpub-qr" />
        </>
      )}
      <CliLine command={hdCli.xpub(info.namespace, info.id, script, network)} />
    </>
  );
}
