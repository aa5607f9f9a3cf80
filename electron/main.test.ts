/**
 * A smoke test of the composition root. No Electron binary exists here, so electron/main.ts runs
 * against a small stand-in of the `electron` module that records what main.ts asks of it. The
 * stand-in proves the wiring only (what is registered, when, with which of our decisions); how
 * Electron itself behaves is not tested here. The core behind it is real: a vault in a temporary
 * data directory, configured by a custos.yaml there, as the CLI would load it.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES, methodChannel, type Result } from '../shared/api/contract.js';
import { APP_ENTRY_URL } from './ipc/window.js';

// Runs before the imports (vi.hoisted), so it imports what it needs itself.
const fake = await vi.hoisted(async () => {
  const { EventEmitter } = await import('node:events');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custos-main-'));
  fs.writeFileSync(path.join(dataDir, 'custos.yaml'), 'preset: test\n');
  process.env.CUSTOS_DATA_DIR = dataDir;

  const log: string[] = [];
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (resolveReady = r));

  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    whenReady: () => ready,
    enableSandbox: () => log.push('enableSandbox'),
    setName: (n: string) => log.push(`setName ${n}`),
    getPath: (name: string) => (name === 'appData' ? '/nonexistent-appdata' : `/nonexistent-${name}`),
    setPath: (name: string, p: string) => log.push(`setPath ${name} ${p}`),
    getVersion: () => '40.8.5',
    requestSingleInstanceLock: () => (log.push('requestSingleInstanceLock'), true),
    quit: vi.fn(() => log.push('quit')),
    exit: vi.fn((code: number) => log.push(`exit ${code}`)),
  });

  type Handler = (event: unknown, ...args: unknown[]) => Promise<unknown>;
  const handlers = new Map<string, Handler>();
  const ipcMain = {
    handle: (channel: string, h: Handler) => handlers.set(channel, h),
    removeHandler: (channel: string) => handlers.delete(channel),
  };

  let nextId = 1;
  class WebContents extends EventEmitter {
    readonly id = nextId++;
    windowOpenHandler: ((details: { url: string }) => unknown) | undefined;
    sent: [string, unknown][] = [];
    destroyed = false;
    setWindowOpenHandler(h: (details: { url: string }) => unknown) {
      this.windowOpenHandler = h;
    }
    send(channel: string, payload: unknown) {
      this.sent.push([channel, payload]);
    }
    isDestroyed() {
      return this.destroyed;
    }
    getURL() {
      return windows.find((w) => w.webContents === this)?.loaded ?? '';
    }
  }
  const windows: BrowserWindow[] = [];
  class BrowserWindow extends EventEmitter {
    readonly webContents = new WebContents();
    loaded: string | undefined;
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    loadURL(url: string) {
      this.loaded = url;
      return Promise.resolve();
    }
    show() {}
    isDestroyed() {
      return false;
    }
    isMinimized() {
      return false;
    }
    restore() {}
    focus() {}
  }

  const permissions: { request?: (...a: unknown[]) => void; check?: (...a: unknown[]) => boolean; device?: () => boolean } = {};
  const session = {
    defaultSession: {
      setPermissionRequestHandler: (h: (...a: unknown[]) => void) => (permissions.request = h),
      setPermissionCheckHandler: (h: (...a: unknown[]) => boolean) => (permissions.check = h),
      setDevicePermissionHandler: (h: () => boolean) => (permissions.device = h),
    },
  };
  const protocolHandlers = new Map<string, unknown>();
  const protocol = {
    registerSchemesAsPrivileged: (schemes: { scheme: string }[]) => log.push(`registerSchemesAsPrivileged ${schemes.map((s) => s.scheme).join(',')}`),
    handle: (scheme: string, h: unknown) => protocolHandlers.set(scheme, h),
  };
  const shell = { openExternal: vi.fn(async () => undefined) };
  const dialog = { showErrorBox: vi.fn() };
  const Menu = { buildFromTemplate: (t: unknown[]) => ({ template: t }), setApplicationMenu: vi.fn() };

  return { dataDir, log, resolveReady, app, ipcMain, handlers, windows, permissions, protocolHandlers, session, protocol, shell, dialog, Menu, BrowserWindow };
});

vi.mock('electron', () => ({
  app: fake.app,
  BrowserWindow: fake.BrowserWindow,
  dialog: fake.dialog,
  ipcMain: fake.ipcMain,
  Menu: fake.Menu,
  protocol: fake.protocol,
  session: fake.session,
  shell: fake.shell,
}));

afterAll(() => {
  delete process.env.CUSTOS_DATA_DIR;
  rmSync(fake.dataDir, { recursive: true, force: true });
});

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe('electron/main.ts (against a stand-in of the electron module)', () => {
  it('registers the scheme, the sandbox and the data directory before ready, then builds everything', async () => {
    await import('./main.js');
    // Before 'ready': in this order, synchronously at load.
    expect(fake.log).toEqual([
      'registerSchemesAsPrivileged app',
      'enableSandbox',
      'setName Custos',
      `setPath userData ${fake.dataDir}`,
      'requestSingleInstanceLock',
    ]);
    expect(fake.handlers.size).toBe(0);
    expect(fake.windows).toHaveLength(0);

    fake.resolveReady();
    await vi.waitFor(() => expect(fake.windows).toHaveLength(1), { timeout: 10_000 });
    await settle();
    expect([...fake.handlers.keys()].sort()).toEqual(METHOD_NAMES.map(methodChannel).sort());
    expect(fake.protocolHandlers.has('app')).toBe(true);
    expect(fake.Menu.setApplicationMenu).toHaveBeenCalledTimes(1);

    const win = fake.windows[0];
    expect(win?.loaded).toBe(APP_ENTRY_URL);
    expect(win?.options).toMatchObject({ show: false, webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, webviewTag: false, devTools: true } });
    expect(String((win?.options.webPreferences as { preload: string }).preload)).toMatch(/[\\/]preload\.cjs$/);
  });

  it('answers the window over IPC with a core configured from custos.yaml in the data directory', async () => {
    const win = fake.windows[0];
    if (win === undefined) throw new Error('no window');
    const call = (method: string, input: unknown, url = APP_ENTRY_URL) =>
      fake.handlers.get(methodChannel(method as 'vault.status'))?.({ sender: win.webContents, senderFrame: { url, parent: null } }, input) as Promise<Result<Record<string, unknown>>>;
    expect(await call('vault.status', {})).toMatchObject({ ok: true, value: { initialized: false, dataDir: fake.dataDir } });
    // preset: test in custos.yaml → Argon2id with 1 MiB, as the CLI would use.
    expect(await call('vault.init', { passphrase: 'correct horse battery staple' })).toMatchObject({ ok: true, value: { kdf: { memoryKiB: 1024 } } });
    expect(await call('vault.status', {}, 'https://evil.example/')).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
    await settle();
    expect(win.webContents.sent.map(([c]) => c)).toContain('custos:event:vault.changed');
  });

  it('guards every webContents: navigation, new windows, <webview>, permissions', async () => {
    const contents = fake.windows[0]?.webContents;
    if (contents === undefined) throw new Error('no window');
    const navigate = (event: string, url: string) => {
      const e = { url, preventDefault: vi.fn() };
      contents.emit(event, e);
      return e.preventDefault.mock.calls.length > 0;
    };
    expect(navigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(navigate('will-navigate', 'app://custos/index.html')).toBe(false);
    expect(navigate('will-redirect', 'https://evil.example/')).toBe(true);
    expect(fake.shell.openExternal).not.toHaveBeenCalled();
    expect(navigate('will-navigate', 'https://github.com/x')).toBe(true);
    expect(fake.shell.openExternal).toHaveBeenLastCalledWith('https://github.com/x');

    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'https://github.com/y' })).toEqual({ action: 'deny' });
    expect(fake.shell.openExternal).toHaveBeenCalledTimes(2);

    const webview = { preventDefault: vi.fn() };
    contents.emit('will-attach-webview', webview, {}, {});
    expect(webview.preventDefault).toHaveBeenCalled();

    const granted: boolean[] = [];
    fake.permissions.request?.(contents, 'media', (g: boolean) => granted.push(g), { requestingUrl: APP_ENTRY_URL });
    fake.permissions.request?.(contents, 'clipboard-sanitized-write', (g: boolean) => granted.push(g), { requestingUrl: APP_ENTRY_URL });
    expect(granted).toEqual([false, true]);
    expect(fake.permissions.check?.(contents, 'clipboard-read', 'app://custos', {})).toBe(false);
    expect(fake.permissions.device?.()).toBe(false);
  });

  it('closes the core before quitting, after the window signs out', async () => {
    const contents = fake.windows[0]?.webContents;
    contents?.emit('destroyed');
    fake.app.emit('window-all-closed');
    expect(fake.app.quit).toHaveBeenCalledTimes(1);
    const quitting = { preventDefault: vi.fn() };
    fake.app.emit('will-quit', quitting);
    expect(quitting.preventDefault).toHaveBeenCalled();
    expect(fake.handlers.size).toBe(0); // the binder is gone at once
    await vi.waitFor(() => expect(fake.app.quit).toHaveBeenCalledTimes(2));
    // The second will-quit (from that quit) is let through.
    const again = { preventDefault: vi.fn() };
    fake.app.emit('will-quit', again);
    expect(again.preventDefault).not.toHaveBeenCalled();
    expect(fake.app.exit).not.toHaveBeenCalled();
    expect(fake.dialog.showErrorBox).not.toHaveBeenCalled();
  });
});
