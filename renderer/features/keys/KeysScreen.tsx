/**
 * @module renderer/features/keys/KeysScreen
 * Keys of the current namespace — or, switched in the toolbar, its HD wallets (features/hd): a toolbar (search, algorithm and state filters, import, create),
 * the table (id, algorithm, state, versions, backend, created) and, for the selected key, the
 * detail panel. Arrow keys move through the rows, Enter opens one, Escape closes the panel.
 */
import { FileUp, KeyRound, Plus, Search, SearchX } from 'lucide-react';
import { useMemo, useRef, type KeyboardEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../../store/index.js';
import { filterKeys } from '../../store/keys-slice.js';
import type { KeyAlgorithm, KeyInfo, KeyState } from '../../store/types.js';
import { Badge, Kbd } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { EmptyState } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Segmented, SelectInput, TextInput } from '../../app/ui/Field.js';
import { MonoId } from '../../app/ui/MonoId.js';
import { Delayed, Spinner } from '../../app/ui/Progress.js';
import { Tip } from '../../app/ui/Tip.js';
import { SHORTCUTS } from '../../app/shortcuts.js';
import { formatCount, formatDateTime, formatRelative } from '../../app/lib/format.js';
import { useNow } from '../../app/lib/use-now.js';
import { cx } from '../../app/ui/cx.js';
import { ALGORITHMS, KEY_STATES, STATE_LABEL, STATE_TONE, cli } from './key-meta.js';
import { KeyDetail } from './KeyDetail.js';
import { HdWalletsView } from '../hd/HdWalletsView.js';
import { BackendBadge } from '../devices/BackendBadge.js';
import { backendLabel as deviceBackendLabel } from '../devices/device-meta.js';
import type { KeysView } from '../../store/hd-slice.js';
import ui from '../../app/ui/ui.module.css';
import sc from '../../app/ui/screen.module.css';
import k from './keys.module.css';

const VIEWS: readonly { value: KeysView; label: string }[] = [
  { value: 'keys', label: 'Keys' },
  { value: 'hd', label: 'HD wallets' },
];

/** Keys or HD wallets: both live in this screen (one vault, one namespace). */
function ViewSwitch() {
  const view = useApp((s) => s.keysView);
  const setKeysView = useApp((s) => s.setKeysView);
  return <Segmented label="Show" value={view} options={VIEWS} onChange={setKeysView} />;
}

export function KeysScreen() {
  const view = useApp((s) => s.keysView);
  return view === 'hd' ? <HdWalletsView tabs={<ViewSwitch />} /> : <KeyList />;
}

function KeyList() {
  const { keys, keysError, namespace, selectedKeyId, filters } = useApp(
    useShallow((s) => ({ keys: s.keys, keysError: s.keysError, namespace: s.namespace, selectedKeyId: s.selectedKeyId, filters: s.keyFilters })),
  );
  const setKeyFilters = useApp((s) => s.setKeyFilters);
  const openDialog = useApp((s) => s.openDialog);
  const shown = useMemo(() => (keys === undefined ? [] : filterKeys(keys, filters)), [keys, filters]);
  const selected = selectedKeyId === null ? undefined : keys?.find((x) => x.id === selectedKeyId);
  const filtered = filters.search !== '' || filters.algorithm !== 'all' || filters.state !== 'all';

  return (
    <>
      <div className={sc.toolbar}>
        <ViewSwitch />
        <div className={ui.inputWrap}>
          <Search aria-hidden />
          <TextInput
            className={sc.search}
            placeholder="Search keys"
            aria-label="Search keys"
            data-search
            value={filters.search}
            onChange={(e) => setKeyFilters({ search: e.target.value })}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                setKeyFilters({ search: '' });
                e.currentTarget.blur();
              }
            }}
          />
          <span className={ui.inputTrailing}>
            <Kbd>{SHORTCUTS.search}</Kbd>
          </span>
        </div>
        <SelectInput className={sc.filter} aria-label="Filter by algorithm" value={filters.algorithm} onChange={(e) => setKeyFilters({ algorithm: e.target.value as KeyAlgorithm | 'all' })}>
          <option value="all">All algorithms</option>
          {ALGORITHMS.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </SelectInput>
        <SelectInput className={sc.filter} aria-label="Filter by state" value={filters.state} onChange={(e) => setKeyFilters({ state: e.target.value as KeyState | 'all' })}>
          <option value="all">All states</option>
          {KEY_STATES.map((st) => (
            <option key={st} value={st}>
              {STATE_LABEL[st]}
            </option>
          ))}
        </SelectInput>
        {keys === undefined ? null : (
          <span className={sc.toolbarCount}>
            {filtered ? `${formatCount(shown.length)} of ${formatCount(keys.length)}` : formatCount(keys.length)} {keys.length === 1 ? 'key' : 'keys'}
          </span>
        )}
        <div className={sc.toolbarSpacer} />
        <Tip label="Import a key from a file" shortcut={SHORTCUTS.importKey}>
          <Button icon={<FileUp aria-hidden />} onClick={() => openDialog('import-key')}>
            Import
          </Button>
        </Tip>
        <Tip label="Create a key in this namespace" shortcut={SHORTCUTS.newKey}>
          <Button variant="primary" icon={<Plus aria-hidden />} onClick={() => openDialog('create-key')}>
            New key
          </Button>
        </Tip>
      </div>
      {keysError === undefined ? null : (
        <div className={k.errorRow}>
          <ErrorNote error={keysError} />
        </div>
      )}
      <div className={cx(sc.split, selected !== undefined && sc.splitWithPanel)}>
        <div className={sc.scroll}>
          {keys === undefined ? (
            <Loading />
          ) : keys.length === 0 ? (
            <EmptyState
              icon={<KeyRound />}
              title={`No keys in ${namespace} yet`}
              cli={cli.generate(namespace, '', 'ed25519', false)}
              actions={
                <>
                  <Button variant="primary" icon={<Plus aria-hidden />} onClick={() => openDialog('create-key')}>
                    Create a key
                  </Button>
                  <Button icon={<FileUp aria-hidden />} onClick={() => openDialog('import-key')}>
                    Import a key
                  </Button>
                </>
              }
            >
              Create a key to sign or encrypt with, or import one you already have. Private material never leaves the vault unless you mark a key exportable.
            </EmptyState>
          ) : shown.length === 0 ? (
            <EmptyState
              icon={<SearchX />}
              title="No keys match"
              actions={<Button onClick={() => setKeyFilters({ search: '', algorithm: 'all', state: 'all' })}>Clear filters</Button>}
              cli={`${cli.list(namespace)}${filters.algorithm === 'all' ? '' : ` --alg ${filters.algorithm}`}${filters.state === 'all' ? '' : ` --state ${filters.state}`}`}
            >
              Nothing in {namespace} matches the search and filters.
            </EmptyState>
          ) : (
            <KeyTable keys={shown} selectedId={selectedKeyId} compact={selected !== undefined} />
          )}
        </div>
        {selected === undefined ? null : <KeyDetail key={`${selected.namespace}/${selected.id}`} info={selected} />}
      </div>
    </>
  );
}

function Loading() {
  return (
    <Delayed>
      <div className={k.loading} role="status">
        <Spinner /> Loading keys…
      </div>
    </Delayed>
  );
}

/** `compact`: the detail panel takes the room of the backend and created columns. */
function KeyTable({ keys, selectedId, compact }: { keys: readonly KeyInfo[]; selectedId: string | null; compact: boolean }) {
  const selectKey = useApp((s) => s.selectKey);
  const body = useRef<HTMLTableSectionElement>(null);
  const now = useNow(30_000);
  const focusRow = (i: number) => (body.current?.rows[i] as HTMLElement | undefined)?.focus();

  const onKeyDown = (e: KeyboardEvent<HTMLTableRowElement>, i: number, id: string) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const j = Math.max(0, Math.min(keys.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)));
      focusRow(j);
      const next = keys[j];
      if (next !== undefined && selectedId !== null) selectKey(next.id);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      selectKey(id);
    } else if (e.key === 'Escape') {
      selectKey(null);
    }
  };

  const focusIndex = Math.max(0, keys.findIndex((x) => x.id === selectedId));
  return (
    <table className={cx(k.table, compact && k.compact)} aria-label="Keys">
      <thead>
        <tr>
          <th scope="col">ID</th>
          <th scope="col">Algorithm</th>
          <th scope="col">State</th>
          <th scope="col" className={k.numCol}>
            Versions
          </th>
          <th scope="col" className={k.colWide}>
            Backend
          </th>
          <th scope="col" className={k.colWide}>
            Created
          </th>
        </tr>
      </thead>
      <tbody ref={body}>
        {keys.map((key, i) => (
          <tr
            key={key.id}
            className={k.row}
            aria-selected={key.id === selectedId}
            tabIndex={i === focusIndex ? 0 : -1}
            onClick={() => selectKey(key.id)}
            onKeyDown={(e) => onKeyDown(e, i, key.id)}
            data-key-id={key.id}
          >
            <td className={k.idCell}>
              <MonoId value={key.id} max={40} />
            </td>
            <td>
              <span className={k.alg}>{key.algorithm}</span>
            </td>
            <td>
              <StateBadge info={key} now={now} />
            </td>
            <td className={cx(k.numCol, k.versions)}>
              <Tip label={`Primary version ${key.primaryVersion} of ${key.versions.length}`}>
                <span>
                  v{key.primaryVersion}
                  <span className={k.muted}> / {key.versions.length}</span>
                </span>
              </Tip>
            </td>
            <td className={cx(k.muted, k.colWide)}>
              <BackendBadge backend={key.backend} />
            </td>
            <td className={k.colWide}>
              <span title={formatDateTime(key.createdAt)}>{formatRelative(key.createdAt, now)}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Software vault, `PKCS#11 · <token>` or Ledger (features/devices). */
export const backendLabel = deviceBackendLabel;

export function StateBadge({ info, now }: { info: KeyInfo; now: number }) {
  const label = STATE_LABEL[info.state];
  const when = info.state === 'pending-deletion' && info.deletionAt !== null ? ` · ${formatRelative(info.deletionAt, now)}` : '';
  return (
    <Badge tone={STATE_TONE[info.state]} dot title={info.deletionAt === null ? undefined : `Material destroyed ${formatDateTime(info.deletionAt)}`}>
      {label}
      {when}
    </Badge>
  );
}
