/**
 * @module renderer/app/TopBar
 * The top bar, always visible (UI.md): the screen's title, the current namespace, the audit log's
 * integrity, the air-gapped indicator (when on), and the vault's state with the auto-lock countdown and the Lock button.
 */
import * as Menu from '@radix-ui/react-dropdown-menu';
import { Check, ChevronsUpDown, Lock, LockOpen, ShieldAlert, ShieldCheck, ShieldQuestion } from 'lucide-react';
import { useApp, useAppStore } from '../store/index.js';
import { integrityView } from '../features/audit/integrity.js';
import { AirgapIndicator } from '../features/airgap/AirgapBanner.js';
import { autoLockMinutesOf } from '../store/settings-slice.js';
import { Badge } from './ui/Badge.js';
import { Button } from './ui/Button.js';
import { Tip } from './ui/Tip.js';
import { SHORTCUTS } from './shortcuts.js';
import { formatCount, formatCountdown } from './lib/format.js';
import { useNow } from './lib/use-now.js';
import { cx } from './ui/cx.js';
import type { Screen } from '../store/types.js';
import f from './frame.module.css';

const TITLES: Readonly<Record<Screen, string>> = { requests: 'Requests', policies: 'Policies', keys: 'Keys', sign: 'Sign', audit: 'Audit log', devices: 'Devices', backup: 'Backup & Recovery', airgap: 'Air-gap', settings: 'Settings' };

export function TopBar() {
  const screen = useApp((s) => s.screen);
  return (
    <header className={f.topbar}>
      <h1 className={f.title}>{TITLES[screen]}</h1>
      <NamespaceMenu />
      <div className={f.spacer} />
      <AirgapIndicator />
      <IntegrityBadge />
      <div className={f.topbarSep} aria-hidden />
      <VaultState />
    </header>
  );
}

function NamespaceMenu() {
  const namespaces = useApp((s) => s.namespaces);
  const namespace = useApp((s) => s.namespace);
  const setNamespace = useApp((s) => s.setNamespace);
  const setScreen = useApp((s) => s.setScreen);
  return (
    <Menu.Root>
      <Tip label="Switch namespace">
        <Menu.Trigger className={f.nsButton} aria-label={`Namespace: ${namespace}`} data-testid="namespace-switcher">
          <span className={f.nsLabel}>Namespace</span>
          <span className="mono">{namespace}</span>
          <ChevronsUpDown aria-hidden />
        </Menu.Trigger>
      </Tip>
      <Menu.Portal>
        <Menu.Content className={f.menu} align="start" sideOffset={6}>
          <Menu.Label className={f.menuLabel}>Namespaces</Menu.Label>
          {namespaces.map((n) => (
            <Menu.Item
              key={n.name}
              className={f.menuItem}
              onSelect={() => {
                setNamespace(n.name);
                setScreen('keys');
              }}
            >
              <span className={f.menuCheck}>{n.name === namespace ? <Check aria-hidden /> : null}</span>
              <span className={f.menuItemText}>{n.name}</span>
              <span className={f.menuItemCount}>
                {formatCount(n.keyCount)} {n.keyCount === 1 ? 'key' : 'keys'}
              </span>
            </Menu.Item>
          ))}
        </Menu.Content>
      </Menu.Portal>
    </Menu.Root>
  );
}

function IntegrityBadge() {
  const status = useApp((s) => s.auditStatus);
  const setScreen = useApp((s) => s.setScreen);
  const v = integrityView(status);
  const icon = v.tone === 'success' ? <ShieldCheck aria-hidden /> : v.tone === 'neutral' ? <ShieldQuestion aria-hidden /> : <ShieldAlert aria-hidden />;
  return (
    <Tip label={v.detail}>
      <button type="button" className={f.integrityButton} onClick={() => setScreen('audit')} data-testid="integrity-badge" data-tone={v.tone} aria-label={`Audit integrity: ${v.text}`}>
        <Badge tone={v.tone} icon={icon}>
          {v.text}
        </Badge>
      </button>
    </Tip>
  );
}

function VaultState() {
  const store = useAppStore();
  const minutes = useApp(autoLockMinutesOf);
  const lastActivity = useApp((s) => s.lastActivity);
  const now = useNow(1000);
  const left = minutes === 0 ? undefined : lastActivity + minutes * 60_000 - now;
  return (
    <div className={f.vaultState} data-testid="vault-state">
      <span className={f.vaultStateMain}>
        <LockOpen aria-hidden />
        Unlocked
      </span>
      <span aria-hidden>·</span>
      {left === undefined ? (
        <span>Auto-lock off</span>
      ) : (
        <Tip label={`Locks after ${minutes} min without activity`}>
          <span className={cx(f.countdown, left < 60_000 && f.countdownSoon)} data-testid="auto-lock-countdown">
            Auto-lock in {formatCountdown(left)}
          </span>
        </Tip>
      )}
      <Tip label="Lock the vault now" shortcut={SHORTCUTS.lock}>
        <Button size="sm" icon={<Lock aria-hidden />} onClick={() => void store.getState().lockVault('user')}>
          Lock
        </Button>
      </Tip>
    </div>
  );
}
