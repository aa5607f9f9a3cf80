/**
 * @module ipc/window
 * The security settings of the desktop window, as pure values and pure decisions, so each item of
 * the Electron security checklist is a function a test can call without Electron:
 *
 * - the BrowserWindow options (context isolation, sandbox, no Node, web security, no <webview>);
 * - the Content-Security-Policy every app:// response carries;
 * - which URLs are ours (the app:// origin) and so may be navigated to and may call the API;
 * - window.open, permission requests and <webview> attachment: denied;
 * - which URLs may be handed to the operating system (`shell.openExternal`): https on an allow-list.
 *
 * Trusts nothing the page says. electron/main.ts wires these into the webContents events.
 */
import type { BrowserWindowConstructorOptions } from 'electron';

/** The renderer's scheme and host: `app://custos/index.html`. Registered standard + secure in main.ts. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'custos';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * The Content-Security-Policy of every app:// response.
 *
 * - `script-src 'self'` and no 'unsafe-eval' / 'unsafe-inline': only the bundled scripts run.
 * - `connect-src 'self'`: the renderer has no network; it talks to us over IPC only.
 * - `style-src 'unsafe-inline'`: the toast library inserts its stylesheet as a <style> element at
 *   run time and Radix positions popovers with inline styles. Inline style cannot run script, and
 *   with img-src/font-src/connect-src on our own origin a CSS injection has nowhere to send data.
 * - `img-src data: blob:`: QR codes and charts drawn in the page.
 * - `object-src`, `frame-src`, `base-uri`, `form-action` 'none': no plugins, no frames, no base
 *   tag hijack, no form posts; `frame-ancestors 'none'`: nobody frames us.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "frame-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface WindowOptionsInput {
  /** Absolute path of the bundled preload (dist/electron/preload.cjs). */
  readonly preload: string;
  /** Developer tools: on for unpackaged runs, off in the shipped app. */
  readonly devTools: boolean;
}

/** The main window. Shown on 'ready-to-show' so no blank frame flashes. */
export function windowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Custos',
    webPreferences: {
      preload: input.preload,
      // The preload's world and the page's are separate; the page sees only what contextBridge exposes.
      contextIsolation: true,
      // The renderer process runs in Chromium's OS sandbox; the preload gets only a polyfilled require('electron').
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      // Dropping a file on the window would navigate to it.
      navigateOnDragDrop: false,
      // A page looping alert() could otherwise block the operator.
      safeDialogs: true,
      // The spellchecker would send typed words (passphrases, key ids) to a dictionary service on some platforms.
      spellcheck: false,
      devTools: input.devTools,
    },
  };
}

/**
 * Whether `url` is a page of ours: scheme app:, host custos, no credentials, no port. Node's URL
 * reports origin "null" for non-special schemes, so the parts are compared one by one.
 */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
}

/** will-navigate / will-redirect: the window may only ever show our own pages. */
export function isNavigationAllowed(url: string): boolean {
  return isAppUrl(url);
}

/** setWindowOpenHandler: no new windows, ever (an allow-listed link goes to the system browser instead). */
export function windowOpenResponse(): { action: 'deny' } {
  return { action: 'deny' };
}

/**
 * Permission requests and checks from web content (camera, notifications, clipboard read, HID,
 * serial, …): all refused. The one exception is writing to the clipboard from our own page, which
 * "copy public key" (PEM/JWK) needs; Chromium sanitises what is written and the page cannot read
 * the clipboard back.
 */
export function isPermissionGranted(permission: string, requestingUrl: string): boolean {
  return permission === 'clipboard-sanitized-write' && isAppUrl(requestingUrl);
}

/** will-attach-webview: no <webview> (webviewTag is off as well; this is the second lock). */
export function isWebviewAllowed(): false {
  return false;
}

/** Hosts the UI links to (the project and the specifications it cites). Exact names, no wildcards. */
export const EXTERNAL_HOSTS: readonly string[] = ['github.com', 'eips.ethereum.org', 'www.rfc-editor.org'];

const MAX_EXTERNAL_URL_LENGTH = 2048;

/**
 * The URL to hand to `shell.openExternal`, or null to refuse. Accepts only https on the default
 * port, to an exact host of `allowList`, without user:password (which would let
 * `https://github.com@evil.example` read as GitHub). Returns the URL as `URL` re-serialised it, so
 * the OS receives what was checked, not the raw string.
 */
export function parseExternalUrl(url: string, allowList: readonly string[] = EXTERNAL_HOSTS): string | null {
  if (typeof url !== 'string' || url.length > MAX_EXTERNAL_URL_LENGTH) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:') return null;
  if (parsed.username !== '' || parsed.password !== '') return null;
  if (parsed.port !== '') return null;
  // URL lower-cases and punycodes the host, so a look-alike (gíthub.com → xn--…) does not match.
  if (!allowList.includes(parsed.hostname)) return null;
  return parsed.href;
}
