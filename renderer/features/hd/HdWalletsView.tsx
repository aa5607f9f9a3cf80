/**
 * @module renderer/features/hd/HdWalletsView
 * The "HD wallets" view of the keys screen: a toolbar (count, import, create), the table in the
 * keys table's style (id, words, passphrase, fingerprint, state, created) and, for the selected
 * wallet, its detail panel. Loads when shown and when the namespace changes; `keys.changed`
 * re-reads it (hd-slice).
 */
import { FileDown, Plus, Sprout } from 'lucide-react';
import { useEffect, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../../store/index.js';
import type { HdWalletInfo } from '../../store/types.js';
import { Badge } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { EmptyState } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { MonoId } from '../../app/ui/MonoId.js';
import { Delayed, Spinner } from '../../app/ui/Progress.js';
import { Tip } from '../../app/ui/Tip.js';
import { formatCount, formatDateTime, formatRelative } from '../../app/lib/format.js';
import { useNow } from '../../app/lib/use-now.js';
import { cx } from '../../app/ui/cx.js';
import { HdDetail } from './HdDetail.js';
import { hdCli } from './hd-meta.js';
import sc from '../../app/ui/screen.module.css';
import k from '../keys/keys.module.css';

export function HdWalletsView({ tabs }: { tabs: ReactNode }) {
  const { wallets, error, namespace, selectedId } = useApp(useShallow((s) => ({ wallets: s.hdWallets, error: s.hdError, namespace: s.namespace, selectedId: s.selectedHdId })));
  const loadHdWallets = useApp((s) => s.loadHdWallets);
  const openDialog = useApp((s) => s.openDialog);
  const selected = selectedId === null ? undefined : wallets?.find((w) => w.id === selectedId);

  useEffect(() => {
    void loadHdWallets();
  }, [loadHdWallets, namespace]);

  return (
    <>
      <div className={sc.toolbar}>
        {tabs}
        {wallets === undefined ? null : (
          <span className={sc.toolbarCount}>
            {formatCount(wallets.length)} {wallets.length === 1 ? 'wallet' : 'wallets'}
          </span>
        )}
        <div className={sc.toolbarSpacer} />
        <Tip label="Import a BIP-39 recovery phrase">
          <Button icon={<FileDown aria-hidden />} onClick={() => openDialog('import-hd')}>
            Import
          </Button>
        </Tip>
        <Tip label="Create an HD wallet in this namespace">
          <Button variant="primary" icon={<Plus aria-hidden />} onClick={() => openDialog('create-hd')}>
            New HD wallet
          </Button>
        </Tip>
      </div>
      {error === undefined ? null : (
        <div className={k.errorRow}>
          <ErrorNote error={error} />
        </div>
      )}
      <div className={cx(sc.split, selected !== undefined && sc.splitWithPanel)}>
        <div className={sc.scroll}>
          {wallets === undefined ? (
            <Delayed>
              <div className={k.loading} role="status">
                <Spinner /> Loading HD wallets…
              </div>
            </Delayed>
          ) : wallets.length === 0 ? (
            <EmptyState
              icon={<Sprout />}
              title={`No HD wallets in ${namespace} yet`}
              cli={hdCli.create(namespace, '', 24, false, false)}
              actions={
                <>
                  <Button variant="primary" icon={<Plus aria-hidden />} onClick={() => openDialog('create-hd')}>
                    Create an HD wallet
                  </Button>
                  <Button icon={<FileDown aria-hidden />} onClick={() => openDialog('import-hd')}>
                    Import a recovery phrase
                  </Button>
                </>
              }
            >
              An HD wallet is one BIP-39 seed that derives Ethereum, Bitcoin and Solana accounts. The seed is sealed in the vault; only addresses and public keys leave it.
            </EmptyState>
          ) : (
            <HdTable wallets={wallets} selectedId={selectedId} compact={selected !== undefined} />
          )}
        </div>
        {selected === undefined ? null : <HdDetail key={`${selected.namespace}/${selected.id}/${selected.createdAt}`} info={selected} />}
      </div>
    </>
  );
}

function HdTable({ wallets, selectedId, compact }: { wallets: readonly HdWalletInfo[]; selectedId: string | null; compact: boolean }) {
  const selectHd = useApp((s) => s.selectHd);
  const body = useRef<HTMLTableSectionElement>(null);
  const now = useNow(30_000);

  const onKeyDown = (e: KeyboardEvent<HTMLTableRowElement>, i: number, id: string) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const j = Math.max(0, Math.min(wallets.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)));
      (body.current?.rows[j] as HTMLElement | undefined)?.focus();
      const next = wallets[j];
      if (next !== undefined && selectedId !== null) selectHd(next.id);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      selectHd(id);
    } else if (e.key === 'Escape') selectHd(null);
  };

  const focusIndex = Math.max(0, wallets.findIndex((w) => w.id === selectedId));
  return (
    <table className={cx(k.table, compact && k.compact)} aria-label="HD wallets">
      <thead>
        <tr>
          <th scope="col">ID</th>
          <th scope="col">Phrase</th>
          <th scope="col">State</th>
          <th scope="col">Fingerprint</th>
          <th scope="col" className={k.colWide}>
            Origin
          </th>
          <th scope="col" className={k.colWide}>
            Created
          </th>
        </tr>
      </thead>
      <tbody ref={body}>
        {wallets.map((w, i) => (
          <tr key={w.id} className={k.row} aria-selected={w.id === selectedId} tabIndex={i === focusIndex ? 0 : -1} onClick={() => selectHd(w.id)} onKeyDown={(e) => onKeyDown(e, i, w.id)} data-hd-id={w.id}>
            <td className={k.idCell}>
              <MonoId value={w.id} max={40} />
            </td>
            <td>
              <span className="num">{w.words} words</span>
              {w.hasPassphrase ? <span className={k.muted}> + passphrase</span> : null}
              {w.exportable ? (
                <>
                  {' '}
                  <Badge tone="warning">Exportable</Badge>
                </>
              ) : null}
            </td>
            <td>
              <HdStateBadge info={w} />
            </td>
            <td>
              <span className="mono">{w.fingerprint}</span>
            </td>
            <td className={cx(k.muted, k.colWide)}>{w.origin === 'generated' ? 'Generated' : 'Imported'}</td>
            <td className={k.colWide}>
              <span title={formatDateTime(w.createdAt)}>{formatRelative(w.createdAt, now)}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function HdStateBadge({ info }: { info: HdWalletInfo }) {
  return (
    <Badge tone={info.state === 'active' ? 'success' : 'neutral'} dot>
      {info.state === 'active' ? 'Active' : 'Disabled'}
    </Badge>
  );
}
