/**
 * @module renderer/app/Shell
 * The signed-in app: sidebar, top bar, the air-gapped and connection banners, the current screen, the app-level
 * dialogs (so the command palette can open them from any screen), keyboard shortcuts and
 * auto-lock.
 */
import { AlertTriangle, WifiOff } from 'lucide-react';
import { useCallback } from 'react';
import type { Transport } from '../api/get-api.js';
import { useApp, useAppStore } from '../store/index.js';
import { KeysScreen } from '../features/keys/KeysScreen.js';
import { CreateHdDialog } from '../features/hd/CreateHdDialog.js';
import { ImportHdDialog } from '../features/hd/ImportHdDialog.js';
import { CreateKeyDialog } from '../features/keys/CreateKeyDialog.js';
import { ImportKeyDialog } from '../features/keys/ImportKeyDialog.js';
import { AuditScreen } from '../features/audit/AuditScreen.js';
import { SignScreen } from '../features/signing/SignScreen.js';
import { SettingsScreen } from '../features/settings/SettingsScreen.js';
import { RequestsScreen } from '../features/requests/RequestsScreen.js';
import { PoliciesScreen } from '../features/policies/PoliciesScreen.js';
import { BackupScreen } from '../features/backup/BackupScreen.js';
import { AirgapScreen } from '../features/airgap/AirgapScreen.js';
import { AirgapBanner } from '../features/airgap/AirgapBanner.js';
import { DevicesScreen } from '../features/devices/DevicesScreen.js';
import { ConfirmOnDevice } from '../features/devices/ConfirmOnDevice.js';
import { useRequestAlerts } from '../features/requests/alerts.js';
import { runRequestShortcut } from '../features/requests/request-actions.js';
import { Sidebar } from './Sidebar.js';
import { TopBar } from './TopBar.js';
import { CommandPalette } from './CommandPalette.js';
import { useAutoLock } from './auto-lock.js';
import { useHashRoute } from './hash-route.js';
import { useShortcuts, type ShortcutAction } from './shortcuts.js';
import { Button } from './ui/Button.js';
import { formatCount, formatCountdown } from './lib/format.js';
import { useNow } from './lib/use-now.js';
import { cx } from './ui/cx.js';
import f from './frame.module.css';

export function Shell({ transport }: { transport: Transport }) {
  const store = useAppStore();
  const screen = useApp((s) => s.screen);
  const setScreen = useApp((s) => s.setScreen);
  useAutoLock();
  useHashRoute(screen, setScreen);
  useRequestAlerts();

  const onShortcut = useCallback(
    (action: ShortcutAction) => {
      const s = store.getState();
      switch (action) {
        case 'palette':
          s.openDialog(s.dialog === 'palette' ? null : 'palette');
          return;
        case 'lock':
          void s.lockVault('user');
          return;
        case 'goRequests':
          s.setScreen('requests');
          return;
        case 'goPolicies':
          s.setScreen('policies');
          return;
        case 'goKeys':
          s.setScreen('keys');
          return;
        case 'goSign':
          s.setScreen('sign');
          return;
        case 'goAudit':
          s.setScreen('audit');
          return;
        case 'goDevices':
          s.setScreen('devices');
          return;
        case 'goBackup':
          s.setScreen('backup');
          return;
        case 'goAirgap':
          s.setScreen('airgap');
          return;
        case 'goSettings':
          s.setScreen('settings');
          return;
        case 'newKey':
          s.setScreen('keys');
          s.setKeysView('keys');
          s.openDialog('create-key');
          return;
        case 'importKey':
          s.setScreen('keys');
          s.setKeysView('keys');
          s.openDialog('import-key');
          return;
        case 'search':
          document.querySelector<HTMLInputElement>('[data-search]')?.focus();
          return;
        case 'nextRequest':
        case 'previousRequest':
        case 'approveRequest':
        case 'rejectRequest':
          return s.screen === 'requests' ? runRequestShortcut(store, action) : false;
      }
    },
    [store],
  );
  useShortcuts(onShortcut);

  return (
    <div className={f.app}>
      <Sidebar transport={transport} />
      <div className={f.main}>
        <TopBar />
        <AirgapBanner />
        <ConnectionBanner transport={transport} />
        <UnlockAuditBanner />
        <main className={f.screen} aria-label={screen}>
          {screen === 'requests' ? <RequestsScreen /> : screen === 'policies' ? <PoliciesScreen /> : screen === 'keys' ? <KeysScreen /> : screen === 'sign' ? <SignScreen /> : screen === 'audit' ? <AuditScreen /> : screen === 'devices' ? <DevicesScreen /> : screen === 'backup' ? <BackupScreen /> : screen === 'airgap' ? <AirgapScreen /> : <SettingsScreen transport={transport} />}
        </main>
      </div>
      <AppDialogs />
    </div>
  );
}

function AppDialogs() {
  const dialog = useApp((s) => s.dialog);
  const openDialog = useApp((s) => s.openDialog);
  const close = (open: boolean) => {
    if (!open) openDialog(null);
  };
  return (
    <>
      <CreateKeyDialog open={dialog === 'create-key'} onOpenChange={close} />
      <ImportKeyDialog open={dialog === 'import-key'} onOpenChange={close} />
      <CreateHdDialog open={dialog === 'create-hd'} onOpenChange={close} />
      <ImportHdDialog open={dialog === 'import-hd'} onOpenChange={close} />
      <CommandPalette open={dialog === 'palette'} onOpenChange={close} />
      {/* Last: a Ledger waiting for the person stands above any dialog that asked it. */}
      <ConfirmOnDevice />
    </>
  );
}

function ConnectionBanner({ transport }: { transport: Transport }) {
  const connection = useApp((s) => s.connection);
  const now = useNow(500);
  if (connection.status === 'open' || connection.status === 'connecting') return null;
  const retryIn = connection.status === 'closed' ? connection.retryAt - now : 0;
  return (
    <div className={f.banner} role="status">
      <WifiOff aria-hidden />
      <span>
        Connection to the Custos host lost. Retrying in <span className="num">{formatCountdown(retryIn)}</span>; you will need to unlock again.
      </span>
      <Button size="sm" variant="ghost" onClick={() => transport.reconnectNow()}>
        Retry now
      </Button>
    </div>
  );
}

/** If the verification run at unlock found a problem, say so until the operator looks. */
function UnlockAuditBanner() {
  const report = useApp((s) => s.unlockReport);
  const setScreen = useApp((s) => s.setScreen);
  if (report === undefined || report.ok) return null;
  return (
    <div className={cx(f.banner, f.bannerDanger)} role="alert">
      <AlertTriangle aria-hidden />
      <span>
        The audit log failed verification at unlock{report.firstBadSeq === undefined ? '' : ` (first bad event #${formatCount(report.firstBadSeq)})`}
        {report.reason === undefined ? '.' : `: ${report.reason}.`}
      </span>
      <Button size="sm" variant="ghost" onClick={() => setScreen('audit')}>
        Open audit log
      </Button>
    </div>
  );
}
