/**
 * @module renderer/app/App
 * The top of the tree: providers (store, tooltips, toasts, theme) and the gate that decides what
 * the window shows — the connection screen, the setup wizard on first run, the unlock screen, or
 * the app frame once this connection is signed in.
 */
import * as Tooltip from '@radix-ui/react-tooltip';
import { useEffect, useState } from 'react';
import { Toaster } from 'sonner';
import type { Transport } from '../api/get-api.js';
import { AppStoreProvider, isSignedIn, useApp, type AppStore } from '../store/index.js';
import { SetupWizard } from '../features/vault/SetupWizard.js';
import { UnlockScreen } from '../features/vault/UnlockScreen.js';
import { Shell } from './Shell.js';
import { ConnectionScreen, StatusErrorScreen } from './ConnectionScreen.js';
import { parseTheme, useAppliedTheme } from './theme.js';
import { browserPrefs } from '../store/prefs.js';
import { Spinner } from './ui/Progress.js';
import f from './frame.module.css';

export function App({ store, transport }: { store: AppStore; transport: Transport }) {
  return (
    <AppStoreProvider store={store}>
      <Tooltip.Provider delayDuration={350} skipDelayDuration={150}>
        <Gate transport={transport} />
      </Tooltip.Provider>
    </AppStoreProvider>
  );
}

function Gate({ transport }: { transport: Transport }) {
  const vault = useApp((s) => s.vault);
  const vaultError = useApp((s) => s.vaultError);
  const connection = useApp((s) => s.connection);
  const theme = useApp((s) => s.settings?.theme) ?? parseTheme(browserPrefs().get('theme'));
  const resolved = useAppliedTheme(theme);
  // On the Requests screen the decision bar sits at the bottom right: toasts go above it, never over Approve/Reject.
  const aboveDecisionBar = useApp((s) => s.screen === 'requests' && isSignedIn(s.vault));

  let body;
  if (vault === undefined) {
    if (connection.status === 'closed' || connection.status === 'stopped') body = <ConnectionScreen transport={transport} />;
    else if (vaultError !== undefined) body = <StatusErrorScreen error={vaultError} />;
    else body = <Boot />;
  } else if (!vault.initialized) body = <SetupWizard />;
  else if (!isSignedIn(vault)) body = <UnlockScreen />;
  else body = <Shell transport={transport} />;

  return (
    <>
      {body}
      <Toaster theme={resolved} position="bottom-right" offset={aboveDecisionBar ? { bottom: 96, right: 24 } : undefined} closeButton visibleToasts={4} toastOptions={{ duration: 4000 }} />
    </>
  );
}

/** Shown only if the first status read is slow: a fast one never flashes a spinner (UI.md). */
function Boot() {
  const [show, setShow] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setShow(true), 400);
    return () => clearTimeout(t);
  }, []);
  return <div className={f.boot}>{show ? <><Spinner label="Connecting" /> Connecting to Custos…</> : null}</div>;
}
