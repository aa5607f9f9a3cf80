/**
 * @module main
 * The desktop app's composition root (Electron main process): one instance per data directory,
 * the core opened from the configuration exactly as the CLI opens it, the IPC binder bound to the
 * one handler table, the renderer served from app://custos, one main window, and every
 * webContents guarded (navigation, new windows, permissions, <webview>). The core is closed before
 * the process exits.
 *
 * Everything that decides something lives in electron/ipc (pure, tested); this file only wires
 * it to Electron, and so cannot be run without an Electron binary.
 *
 * Trusts the data directory and its custos.yaml (the operator's), the environment, and the files
 * under dist/ (our build). Trusts nothing from the renderer.
 *
 * Data directory: CUSTOS_DATA_DIR, else the platform's app-data dir + "Custos" (the CLI's default
 * too: ~/.config/Custos, ~/Library/Application Support/Custos, %APPDATA%\Custos). It is also
 * Electron's userData, so the single-instance lock is per data directory.
 *
 * Air-gapped mode (`--air-gapped` on the command line, CUSTOS_AIR_GAPPED=1, or custos.yaml's
 * `server.air_gapped`): no API server starts (those custos.yaml enables are named once on
 * stderr), the network guard refuses every network path of this process with no listen allowed,
 * and the window's session cancels every request that is not for the app itself. Chromium's own
 * helper processes are outside the guard; the session filter is what keeps the page off the network.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, type MenuItemConstructorOptions, type Session, type WebContents } from 'electron';
import { toErrorInfo } from '../shared/errors.js';
import { createHandlers, type Connection } from './core/api/handlers.js';
import { UiSettingsStore } from './core/api/ui-settings.js';
import { coreOptionsFrom, loadConfig } from './core/config/index.js';
import { airGappedSource, parseAirGappedEnv, type AirGappedSource } from './core/config/core-options.js';
import { installNetworkGuard } from './core/airgap/network-guard.js';
import { openCustodian, type Custodian } from './core/custodian.js';
import { enabledApiServers, startApiServers, type ApiServers } from './rpc/servers.js';
import { bindIpc, type IpcBinder } from './ipc/binder.js';
import { APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './ipc/protocol.js';
import { APP_ENTRY_URL, APP_SCHEME, isNavigationAllowed, isPermissionGranted, isWebviewAllowed, parseExternalUrl, windowOpenResponse, windowOptions } from './ipc/window.js';

const PRODUCT_NAME = 'Custos';
/** dist/electron: this file, the bundled preload beside it, the renderer in ../renderer. */
const HERE = dirname(fileURLToPath(import.meta.url));
const PRELOAD = join(HERE, 'preload.cjs');
const RENDERER_DIR = join(HERE, '..', 'renderer');

// Before 'ready', and synchronously: an ES-module entry's later (awaited) code may run after it.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
app.enableSandbox();
app.setName(PRODUCT_NAME);
const dataDir = resolve(process.env.CUSTOS_DATA_DIR ?? join(app.getPath('appData'), PRODUCT_NAME));
app.setPath('userData', dataDir);

let core: Custodian | undefined;
/** The loopback API servers the configuration enables (HsmService, metrics); closed before the core. */
let apiServers: ApiServers | undefined;
let binder: IpcBinder | undefined;
let mainWindow: BrowserWindow | undefined;
/** Sign-outs of closed windows still being audited; awaited before the core closes. */
const pendingLogouts = new Set<Promise<void>>();

if (!app.requestSingleInstanceLock()) {
  // Another instance has this data directory: it is told (second-instance) and shows itself.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow === undefined || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  // Every webContents, including any we did not create on purpose, gets the guards.
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));
  // Closing the window ends the app on every platform: an unlocked vault must not outlive its UI.
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', (event) => {
    if (core === undefined) return;
    event.preventDefault();
    const closing = core;
    core = undefined;
    binder?.dispose();
    const servers = apiServers;
    apiServers = undefined;
    void Promise.allSettled([...pendingLogouts, servers?.close()])
      .then(() => closing.close())
      .catch(() => undefined)
      .finally(() => app.quit());
  });
  start().catch(fatal);
}

async function start(): Promise<void> {
  await app.whenReady();
  const { config } = loadConfig({ dataDir, env: process.env });
  const airGappedFlag = process.argv.includes('--air-gapped') || parseAirGappedEnv(process.env.CUSTOS_AIR_GAPPED);
  const airGapped = airGappedSource(config, airGappedFlag);
  // Before the core opens; never lifted: this process lives and dies air-gapped.
  if (airGapped !== undefined) installNetworkGuard();
  core = await openCustodian(coreOptionsFrom(config, { dataDir, env: process.env, airGappedFlag }));
  binder = bindIpc({
    ipcMain,
    table: createHandlers({ settings: new UiSettingsStore(core.dataDir), version: appVersion() }),
    events: core,
    onRefused: (method, reason) => console.warn(`custos: ipc: refused ${method}: ${reason}`),
  });
  protocol.handle(APP_SCHEME, createAppProtocolHandler(RENDERER_DIR));
  hardenSession(session.defaultSession, airGapped);
  Menu.setApplicationMenu(appMenu());
  mainWindow = openMainWindow(core, binder);
  // The app runs without them when they cannot start (a port in use): the window still works, and
  // the reason goes to the log rather than stopping the operator from reaching their keys.
  const skipped = airGapped === undefined ? [] : enabledApiServers(config.server);
  if (skipped.length > 0) console.error(`custos: air-gapped mode (--air-gapped or CUSTOS_AIR_GAPPED): not starting the API servers custos.yaml enables (${skipped.join(', ')})`);
  apiServers = await startApiServers({ custodian: core, config: config.server, ...(airGapped === undefined ? {} : { airGapped }) }).catch((error: unknown) => {
    console.error(`custos: the API servers did not start: ${error instanceof Error ? error.message : 'unknown error'}`);
    return undefined;
  });
}

function openMainWindow(custodian: Custodian, ipc: IpcBinder): BrowserWindow {
  const win = new BrowserWindow(windowOptions({ preload: PRELOAD, devTools: !app.isPackaged }));
  const contents = win.webContents;
  // Each window is its own connection: signed out until the operator unlocks in it.
  const connection: Connection = { custodian: custodian.forTransport({ transport: 'ipc' }) };
  const forget = ipc.addWindow(contents, connection);
  contents.once('destroyed', () => {
    forget();
    const logout = connection.custodian.logout().catch(() => undefined);
    pendingLogouts.add(logout);
    void logout.finally(() => pendingLogouts.delete(logout));
  });
  win.once('ready-to-show', () => win.show());
  win.loadURL(APP_ENTRY_URL).catch((error: unknown) => console.error(`custos: could not load the window: ${error instanceof Error ? error.message : 'unknown error'}`));
  return win;
}

/** Electron security checklist items 12-15: no navigation away, no new windows, no <webview>. */
function guardWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    if (isNavigationAllowed(event.url)) return;
    event.preventDefault();
    openExternalIfAllowed(event.url);
  });
  contents.on('will-redirect', (event) => {
    if (!isNavigationAllowed(event.url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    openExternalIfAllowed(url);
    return windowOpenResponse();
  });
  contents.on('will-attach-webview', (event) => {
    if (!isWebviewAllowed()) event.preventDefault();
  });
}

/** A link to an allow-listed https page opens in the system browser; anything else is dropped. */
function openExternalIfAllowed(url: string): void {
  const safe = parseExternalUrl(url);
  if (safe !== null) void shell.openExternal(safe).catch(() => undefined);
}

function hardenSession(ses: Session, airGapped: AirGappedSource | undefined): void {
  ses.setPermissionRequestHandler((_contents, permission, callback, details) => callback(isPermissionGranted(permission, details.requestingUrl)));
  ses.setPermissionCheckHandler((_contents, permission, requestingOrigin) => isPermissionGranted(permission, requestingOrigin));
  ses.setDevicePermissionHandler(() => false);
  // Air-gapped: the page may load the app and in-memory data, nothing else (no http, ws, file).
  if (airGapped !== undefined) ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAirGappedRequestAllowed(details.url) }));
}

/** What an air-gapped window may request: the app itself and data it already holds. An unparsable URL is cancelled. */
function isAirGappedRequestAllowed(url: string): boolean {
  return URL.canParse(url) && [`${APP_SCHEME}:`, 'data:', 'blob:'].includes(new URL(url).protocol);
}

function appMenu(): Menu {
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : [{ role: 'fileMenu' as const }]),
    // Copy and paste in text fields need the edit menu's accelerators on macOS.
    { role: 'editMenu' },
    { role: 'windowMenu' },
  ];
  // Reload and developer tools for development runs only.
  if (!app.isPackaged) template.push({ role: 'viewMenu' });
  return Menu.buildFromTemplate(template);
}

/** Our version, not Electron's: unpackaged runs (`electron dist/electron/main.js`) have no app package.json of their own. */
function appVersion(): string {
  try {
    const version: unknown = JSON.parse(readFileSync(join(HERE, '..', '..', 'package.json'), 'utf8')).version;
    return typeof version === 'string' ? version : app.getVersion();
  } catch {
    return app.getVersion();
  }
}

/** A start-up failure (bad custos.yaml, unreadable vault): say what, never a stack, and exit 1. */
function fatal(error: unknown): void {
  const info = toErrorInfo(error);
  // A non-custody error (a native module built for another ABI, a data directory we cannot
  // create) would otherwise read only "internal error"; its message, never its stack, goes to stderr.
  const detail = info.code === 'INTERNAL' && error instanceof Error ? ` (${error.name}: ${error.message})` : '';
  console.error(`custos: could not start: ${info.code}: ${info.message}${detail}`);
  dialog.showErrorBox(`${PRODUCT_NAME} could not start`, `${info.code}: ${info.message}`);
  app.exit(1);
}
