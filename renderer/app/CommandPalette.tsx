/**
 * @module renderer/app/CommandPalette
 * Ctrl/⌘+K: every action the screens offer, searchable, run with Enter (UI.md). Actions are
 * built from the store's state so only the ones that apply are listed.
 */
import * as Dialog from '@radix-ui/react-dialog';
import { ArchiveRestore, ArrowRight, KeySquare, LogIn, LogOut, RefreshCw, Usb, Wallet, Check, DatabaseBackup, FileCheck2, FileInput, Puzzle, Send, Unplug, FlaskConical, Gavel, PackagePlus, Inbox, ShieldX, Download, FileDown, FileSignature, FileUp, KeyRound, Lock, Monitor, Moon, Plus, ScrollText, Search, Settings as SettingsIcon, Sprout, Sun } from 'lucide-react';
import { useMemo, useState, type ReactNode } from 'react';
import { useApp, useAppStore, type AppState } from '../store/index.js';
import { Kbd } from './ui/Badge.js';
import { SHORTCUTS } from './shortcuts.js';
import { downloadAuditExport } from '../features/audit/export.js';
import { approveSelected } from '../features/requests/request-actions.js';
import { canApprove, pendingRequestCount, selectedRequest } from '../store/requests-slice.js';
import { cx } from './ui/cx.js';
import p from './palette.module.css';

interface Command {
  readonly id: string;
  readonly group: string;
  readonly label: string;
  readonly icon: ReactNode;
  readonly shortcut?: string;
  readonly run: (s: AppState) => void;
}

/** Focus a screen's element once the screen has rendered (the palette's closing hands the focus back first). */
function focusLater(target: string): void {
  setTimeout(() => document.querySelector<HTMLElement>(`[data-focus="${target}"]`)?.focus(), 60);
}

function commands(s: AppState): Command[] {
  const pending = pendingRequestCount(s);
  const list: Command[] = [
    { id: 'go-requests', group: 'Go to', label: pending > 0 ? `Requests (${pending} waiting)` : 'Requests', icon: <Inbox />, shortcut: SHORTCUTS.goRequests, run: (x) => x.setScreen('requests') },
    { id: 'go-policies', group: 'Go to', label: 'Policies', icon: <Gavel />, shortcut: SHORTCUTS.goPolicies, run: (x) => (x.setScreen('policies'), x.setPoliciesView('policies')) },
    { id: 'go-keys', group: 'Go to', label: 'Keys', icon: <KeyRound />, shortcut: SHORTCUTS.goKeys, run: (x) => x.setScreen('keys') },
    { id: 'go-sign', group: 'Go to', label: 'Sign a request', icon: <FileSignature />, shortcut: SHORTCUTS.goSign, run: (x) => x.setScreen('sign') },
    { id: 'go-audit', group: 'Go to', label: 'Audit log', icon: <ScrollText />, shortcut: SHORTCUTS.goAudit, run: (x) => x.setScreen('audit') },
    { id: 'go-devices', group: 'Go to', label: 'Devices (tokens and Ledgers)', icon: <Usb />, shortcut: SHORTCUTS.goDevices, run: (x) => x.setScreen('devices') },
    { id: 'go-backup', group: 'Go to', label: 'Backup & Recovery', icon: <DatabaseBackup />, shortcut: SHORTCUTS.goBackup, run: (x) => x.setScreen('backup') },
    { id: 'go-airgap', group: 'Go to', label: 'Air-gap', icon: <Unplug />, shortcut: SHORTCUTS.goAirgap, run: (x) => x.setScreen('airgap') },
    { id: 'go-settings', group: 'Go to', label: 'Settings', icon: <SettingsIcon />, shortcut: SHORTCUTS.goSettings, run: (x) => x.setScreen('settings') },
    { id: 'new-key', group: 'Keys', label: 'Create a key…', icon: <Plus />, shortcut: SHORTCUTS.newKey, run: (x) => (x.setScreen('keys'), x.setKeysView('keys'), x.openDialog('create-key')) },
    { id: 'import-key', group: 'Keys', label: 'Import a key…', icon: <FileUp />, shortcut: SHORTCUTS.importKey, run: (x) => (x.setScreen('keys'), x.setKeysView('keys'), x.openDialog('import-key')) },
    { id: 'new-rules-policy', group: 'Policies', label: 'New rules policy…', icon: <Plus />, run: (x) => (x.setScreen('policies'), x.setPoliciesView('policies'), x.selectPolicy({ create: 'rules' })) },
    { id: 'new-wasm-policy', group: 'Policies', label: 'New WASM policy…', icon: <Plus />, run: (x) => (x.setScreen('policies'), x.setPoliciesView('policies'), x.selectPolicy({ create: 'wasm' })) },
    { id: 'install-module', group: 'Policies', label: 'Install a WASM module…', icon: <PackagePlus />, run: (x) => (x.setScreen('policies'), x.setPoliciesView('modules'), x.openDialog('install-module')) },
    { id: 'policy-bench', group: 'Policies', label: 'Test policies on a context (test bench)', icon: <FlaskConical />, run: (x) => (x.setScreen('policies'), x.setPoliciesView('bench')) },
    { id: 'backup-create', group: 'Backup & Recovery', label: 'Create a backup…', icon: <DatabaseBackup />, run: (x) => (x.setScreen('backup'), focusLater('backup-create')) },
    { id: 'backup-verify', group: 'Backup & Recovery', label: 'Verify a backup…', icon: <FileCheck2 />, run: (x) => (x.setScreen('backup'), focusLater('backup-verify')) },
    { id: 'backup-restore', group: 'Backup & Recovery', label: 'Restore a backup into a new data directory…', icon: <ArchiveRestore />, run: (x) => (x.setScreen('backup'), x.openDialog('backup-restore')) },
    { id: 'recovery-split', group: 'Backup & Recovery', label: 'Split the master key into recovery shares…', icon: <Puzzle />, run: (x) => (x.setScreen('backup'), x.openDialog('recovery-split')) },
    { id: 'airgap-import-request', group: 'Air-gap', label: 'Import a request envelope (air-gapped side)…', icon: <FileInput />, run: (x) => (x.clearAirgapRequest(), x.setAirgapView('sign'), x.setScreen('airgap')) },
    { id: 'airgap-import-response', group: 'Air-gap', label: 'Import a response (online side)…', icon: <FileInput />, run: (x) => (x.setAirgapView('outbox'), x.setScreen('airgap')) },
    { id: 'airgap-outbox', group: 'Air-gap', label: 'Show the air-gap outbox', icon: <Send />, run: (x) => (x.setAirgapView('outbox'), x.setScreen('airgap')) },
    { id: 'go-hd', group: 'HD wallets', label: 'Show HD wallets', icon: <Sprout />, run: (x) => (x.setScreen('keys'), x.setKeysView('hd')) },
    { id: 'new-hd', group: 'HD wallets', label: 'Create an HD wallet…', icon: <Plus />, run: (x) => (x.setScreen('keys'), x.setKeysView('hd'), x.openDialog('create-hd')) },
    { id: 'import-hd', group: 'HD wallets', label: 'Import a recovery phrase…', icon: <FileDown />, run: (x) => (x.setScreen('keys'), x.setKeysView('hd'), x.openDialog('import-hd')) },
  ];
  const selected = s.screen === 'requests' ? selectedRequest(s) : undefined;
  if (selected?.state === 'pending') {
    if (canApprove(s, selected)) list.push({ id: 'request-approve', group: 'Requests', label: `Approve: ${selected.view.title}`, icon: <Check />, shortcut: SHORTCUTS.approveRequest, run: (x) => void approveSelected(() => x) });
    list.push({ id: 'request-reject', group: 'Requests', label: `Reject: ${selected.view.title}…`, icon: <ShieldX />, shortcut: SHORTCUTS.rejectRequest, run: (x) => x.setRequestRejecting(true) });
  }
  list.push({ id: 'devices-refresh', group: 'Devices', label: 'Refresh the device list', icon: <RefreshCw />, run: (x) => (x.setScreen('devices'), void x.loadDevices()) });
  for (const d of s.devices ?? []) {
    const on = (x: AppState) => (x.setScreen('devices'), x.selectDevice(d.backend));
    if (d.status.state === 'login-required') list.push({ id: `device-login-${d.backend}`, group: 'Devices', label: `Log in to token ${d.label}…`, icon: <LogIn />, run: (x) => (on(x), x.openDeviceDialog({ kind: 'login', backend: d.backend })) });
    if (d.status.state !== 'ready') continue;
    if (d.kind === 'pkcs11' && d.capabilities.generate.length > 0) list.push({ id: `device-generate-${d.backend}`, group: 'Devices', label: `Generate a key on token ${d.label}…`, icon: <KeySquare />, run: (x) => (on(x), x.openDeviceDialog({ kind: 'generate', backend: d.backend })) });
    if (d.kind === 'pkcs11' && d.capabilities.login) list.push({ id: `device-logout-${d.backend}`, group: 'Devices', label: `Log out of token ${d.label}`, icon: <LogOut />, run: (x) => (on(x), void x.logoutDevice(d.backend)) });
    if (d.kind === 'ledger') list.push({ id: `device-account-${d.backend}`, group: 'Devices', label: `Add an account from ${d.label}…`, icon: <Wallet />, run: (x) => (on(x), x.openDeviceDialog({ kind: 'ledger-account', backend: d.backend })) });
  }
  for (const n of s.namespaces) {
    if (n.name === s.namespace) continue;
    list.push({ id: `ns-${n.name}`, group: 'Namespace', label: `Switch to namespace ${n.name}`, icon: <ArrowRight />, run: (x) => (x.setNamespace(n.name), x.setScreen('keys')) });
  }
  list.push(
    { id: 'audit-export', group: 'Audit', label: 'Export the audit log (.jsonl)', icon: <Download />, run: (x) => void downloadAuditExport(x) },
    { id: 'theme-light', group: 'Appearance', label: 'Theme: light', icon: <Sun />, run: (x) => void x.updateSettings({ theme: 'light' }) },
    { id: 'theme-dark', group: 'Appearance', label: 'Theme: dark', icon: <Moon />, run: (x) => void x.updateSettings({ theme: 'dark' }) },
    { id: 'theme-system', group: 'Appearance', label: 'Theme: system', icon: <Monitor />, run: (x) => void x.updateSettings({ theme: 'system' }) },
    { id: 'lock', group: 'Vault', label: 'Lock the vault', icon: <Lock />, shortcut: SHORTCUTS.lock, run: (x) => void x.lockVault('user') },
  );
  return list;
}

export function CommandPalette({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className={p.overlay} />
        <Dialog.Content className={p.palette} aria-describedby={undefined}>
          <Dialog.Title className="sr-only">Command palette</Dialog.Title>
          {open ? <PaletteBody close={() => onOpenChange(false)} /> : null}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

function PaletteBody({ close }: { close: () => void }) {
  const store = useAppStore();
  const namespaces = useApp((s) => s.namespaces);
  const namespace = useApp((s) => s.namespace);
  const devices = useApp((s) => s.devices);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  // Rebuilt when what the commands depend on changes (namespaces, devices), not on every store update.
  const all = useMemo(() => commands(store.getState()), [store, namespaces, namespace, devices]);
  const q = query.trim().toLowerCase();
  const shown = q === '' ? all : all.filter((c) => `${c.group} ${c.label}`.toLowerCase().includes(q));
  const clamped = Math.min(active, Math.max(0, shown.length - 1));

  const run = (c: Command | undefined) => {
    if (c === undefined) return;
    close();
    c.run(store.getState());
  };

  let lastGroup = '';
  return (
    <>
      <div className={p.searchRow}>
        <Search aria-hidden />
        <input
          className={p.search}
          autoFocus
          placeholder="Type a command…"
          value={query}
          role="combobox"
          aria-expanded
          aria-autocomplete="list"
          aria-label="Command"
          aria-controls="palette-list"
          aria-activedescendant={shown[clamped] === undefined ? undefined : `cmd-${shown[clamped].id}`}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              setActive((clamped + 1) % Math.max(1, shown.length));
            } else if (e.key === 'ArrowUp') {
              e.preventDefault();
              setActive((clamped - 1 + shown.length) % Math.max(1, shown.length));
            } else if (e.key === 'Enter') {
              e.preventDefault();
              run(shown[clamped]);
            }
          }}
        />
        <Kbd>Esc</Kbd>
      </div>
      <div className={p.list} id="palette-list" role="listbox" aria-label="Commands">
        {shown.length === 0 ? <div className={p.none}>No command matches “{query}”.</div> : null}
        {shown.map((c, i) => {
          const header = c.group !== lastGroup ? c.group : undefined;
          lastGroup = c.group;
          return (
            <div key={c.id}>
              {header === undefined ? null : <div className={p.group}>{header}</div>}
              <div
                id={`cmd-${c.id}`}
                role="option"
                aria-selected={i === clamped}
                className={cx(p.item, i === clamped && p.itemActive)}
                onMouseMove={() => setActive(i)}
                onClick={() => run(c)}
              >
                <span className={p.itemIcon} aria-hidden>
                  {c.icon}
                </span>
                <span className={p.itemLabel}>{c.label}</span>
                {c.shortcut === undefined ? null : <Kbd>{c.shortcut}</Kbd>}
              </div>
            </div>
          );
        })}
      </div>
    </>
  );
}
