/**
 * @module renderer/app/Sidebar
 * The left sidebar: the screens that exist (UI.md: never an empty shell), who is signed in, and
 * how this window reaches Custos.
 */
import { DatabaseBackup, FileSignature, Usb, Gavel, Inbox, KeyRound, ScrollText, Settings as SettingsIcon, ShieldCheck, Unplug } from 'lucide-react';
import type { ReactNode } from 'react';
import type { Transport } from '../api/get-api.js';
import { useApp } from '../store/index.js';
import type { Screen } from '../store/types.js';
import { Tip } from './ui/Tip.js';
import { SHORTCUTS } from './shortcuts.js';
import { cx } from './ui/cx.js';
import { formatCount } from './lib/format.js';
import { pendingRequestCount } from '../store/requests-slice.js';
import f from './frame.module.css';

const ITEMS: readonly { screen: Screen; label: string; icon: ReactNode; shortcut: string }[] = [
  { screen: 'requests', label: 'Requests', icon: <Inbox aria-hidden />, shortcut: SHORTCUTS.goRequests },
  { screen: 'policies', label: 'Policies', icon: <Gavel aria-hidden />, shortcut: SHORTCUTS.goPolicies },
  { screen: 'keys', label: 'Keys', icon: <KeyRound aria-hidden />, shortcut: SHORTCUTS.goKeys },
  { screen: 'sign', label: 'Sign', icon: <FileSignature aria-hidden />, shortcut: SHORTCUTS.goSign },
  { screen: 'audit', label: 'Audit', icon: <ScrollText aria-hidden />, shortcut: SHORTCUTS.goAudit },
  { screen: 'devices', label: 'Devices', icon: <Usb aria-hidden />, shortcut: SHORTCUTS.goDevices },
  { screen: 'backup', label: 'Backup & Recovery', icon: <DatabaseBackup aria-hidden />, shortcut: SHORTCUTS.goBackup },
  { screen: 'airgap', label: 'Air-gap', icon: <Unplug aria-hidden />, shortcut: SHORTCUTS.goAirgap },
  { screen: 'settings', label: 'Settings', icon: <SettingsIcon aria-hidden />, shortcut: SHORTCUTS.goSettings },
];

export function Sidebar({ transport }: { transport: Transport }) {
  const screen = useApp((s) => s.screen);
  const setScreen = useApp((s) => s.setScreen);
  const keyCount = useApp((s) => s.keys?.length);
  const auditSize = useApp((s) => s.auditStatus?.size);
  const deviceCount = useApp((s) => s.devices?.length);
  const pending = useApp(pendingRequestCount);
  const session = useApp((s) => s.vault?.session);
  const connection = useApp((s) => s.connection);

  const counts: Partial<Record<Screen, number | undefined>> = { keys: keyCount, audit: auditSize, devices: deviceCount };
  const connected = connection.status === 'open';

  return (
    <aside className={f.sidebar} aria-label="Sidebar">
      <div className={f.brand}>
        <div className={f.brandMark} aria-hidden>
          <ShieldCheck />
        </div>
        <div>
          <div className={f.brandName}>Custos</div>
          <div className={f.brandSub}>Key custody</div>
        </div>
      </div>
      <nav className={f.nav} aria-label="Screens">
        <div className={f.navLabel}>Vault</div>
        {ITEMS.map((item) => {
          const count = counts[item.screen];
          const waiting = item.screen === 'requests' && pending > 0;
          return (
            <Tip key={item.screen} label={waiting ? `${item.label} · ${formatCount(pending)} waiting for you` : item.label} shortcut={item.shortcut} side="right">
              <button type="button" className={cx(f.navItem, waiting && f.navItemHot)} aria-current={screen === item.screen ? 'page' : undefined} onClick={() => setScreen(item.screen)}>
                {item.icon}
                <span className={f.navText}>{item.label}</span>
                {waiting ? (
                  <span className={f.navBadge} data-testid="requests-badge" aria-label={`${formatCount(pending)} pending`}>
                    {formatCount(pending)}
                  </span>
                ) : null}
                {count === undefined ? null : <span className={f.navCount} aria-hidden>{formatCount(count)}</span>}
              </button>
            </Tip>
          );
        })}
      </nav>
      <div className={f.sidebarFoot}>
        {session === null || session === undefined ? null : (
          <div className={f.operator}>
            <div className={f.avatar} aria-hidden>
              {session.principal.slice(0, 2)}
            </div>
            <div>
              <div className={f.operatorName}>{session.principal}</div>
              <div className={f.operatorRole}>{session.admin ? 'Administrator' : 'Operator'}</div>
            </div>
          </div>
        )}
        <div className={f.transport} data-testid="transport">
          <span className={cx(f.statusDot, !connected && f.statusDotWarn)} aria-hidden />
          {transport.kind === 'ipc' ? 'Desktop app' : connected ? 'Browser host · connected' : 'Browser host · reconnecting'}
        </div>
      </div>
    </aside>
  );
}
