/**
 * The IPC binder with a fake ipcMain and fake senders (structural stand-ins for Electron's
 * objects) over a real custodian in a temporary data directory: who may call (registered
 * webContents, main frame, app:// origin), what comes back (a Result, INVALID_INPUT for bad
 * input), one connection per window, events fanned out per window, and clean removal.
 */
import { describe, expect, it, vi } from 'vitest';
import { eventChannel, EVENTS, METHOD_NAMES, methodChannel, METHODS, type EventName, type Result } from '../../shared/api/contract.js';
import { FAST_KDF, tempDir } from '../../test/helpers.js';
import { createHandlers, type Connection } from '../core/api/handlers.js';
import { UiSettingsStore } from '../core/api/ui-settings.js';
import { openCustodian, type Custodian } from '../core/custodian.js';
import { bindIpc, type FrameLike, type InvokeEventLike, type IpcMainLike, type SenderLike } from './binder.js';
import { APP_ENTRY_URL } from './window.js';

type Listener = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`); // as Electron does
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke(channel, input) from `event` would resolve to. */
  async invoke(event: InvokeEventLike, channel: string, ...args: unknown[]): Promise<Result<unknown>> {
    const h = this.handlers.get(channel);
    if (h === undefined) throw new Error(`No handler registered for '${channel}'`);
    return (await h(event, ...args)) as Result<unknown>;
  }
}

let nextId = 1;
function fakeSender(): SenderLike & { sent: [string, unknown][]; destroyed: boolean; url: string } {
  const s = {
    id: nextId++,
    sent: [] as [string, unknown][],
    destroyed: false,
    url: APP_ENTRY_URL,
    getURL: () => s.url,
    send(channel: string, ...args: unknown[]) {
      s.sent.push([channel, args[0]]);
      expect(args).toHaveLength(1);
    },
    isDestroyed: () => s.destroyed,
  };
  return s;
}

const mainFrame = (url = APP_ENTRY_URL): FrameLike => ({ url, parent: null });
const from = (sender: SenderLike, frame: FrameLike | null = mainFrame()): InvokeEventLike => ({ sender, senderFrame: frame });

async function setup(): Promise<{ ipc: FakeIpcMain; root: Custodian; connection: () => Connection; binder: ReturnType<typeof bindIpc>; refused: [string, string][] }> {
  const dataDir = tempDir();
  const root = await openCustodian({ dataDir, kdf: FAST_KDF });
  const ipc = new FakeIpcMain();
  const refused: [string, string][] = [];
  const binder = bindIpc({
    ipcMain: ipc,
    table: createHandlers({ settings: new UiSettingsStore(dataDir), version: '0.0.0-test' }),
    events: root,
    onRefused: (method, reason) => refused.push([method, reason]),
  });
  return { ipc, root, binder, refused, connection: () => ({ custodian: root.forTransport({ transport: 'ipc' }) }) };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('the IPC binder', () => {
  it('registers exactly one handler per contract method, on the contract channel', async () => {
    const { ipc, root } = await setup();
    expect([...ipc.handlers.keys()].sort()).toEqual(METHOD_NAMES.map(methodChannel).sort());
    await root.close();
  });

  it('answers a registered window with a Result that matches the output schema', async () => {
    const { ipc, root, binder, connection } = await setup();
    const win = fakeSender();
    binder.addWindow(win, connection());
    const r = await ipc.invoke(from(win), methodChannel('vault.status'), {});
    expect(r.ok).toBe(true);
    if (r.ok) expect(METHODS['vault.status'].output.parse(r.value)).toMatchObject({ initialized: false, session: null });
    // A method without input may be invoked with none.
    expect(await ipc.invoke(from(win), methodChannel('vault.status'))).toMatchObject({ ok: true });
    await root.close();
  });

  it('refuses bad input with INVALID_INPUT, and core errors as codes, never throwing', async () => {
    const { ipc, root, binder, connection } = await setup();
    const win = fakeSender();
    binder.addWindow(win, connection());
    for (const input of [{ namespace: 'a b', id: 'x' }, { namespace: 'a', id: 'x', extra: 1 }, 'keys', 42, [], { namespace: 'a' }]) {
      expect(await ipc.invoke(from(win), methodChannel('keys.get'), input), JSON.stringify(input)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    }
    expect(await ipc.invoke(from(win), methodChannel('keys.list'), {})).toMatchObject({ ok: false, error: { code: 'VAULT_NOT_INITIALIZED' } });
    expect(await ipc.invoke(from(win), methodChannel('vault.init'), { passphrase: '' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    await root.close();
  });

  it('refuses an unknown webContents, a subframe, a gone frame and any other origin, before parsing anything', async () => {
    const { ipc, root, binder, connection, refused } = await setup();
    const win = fakeSender();
    binder.addWindow(win, connection());
    const stranger = fakeSender();
    const cases: [string, InvokeEventLike][] = [
      ['unknown webContents', from(stranger)],
      ['subframe', from(win, { url: APP_ENTRY_URL, parent: mainFrame() })],
      ['frame gone', from(win, null)],
      ['https page', from(win, mainFrame('https://evil.example/'))],
      ['file page', from(win, mainFrame('file:///tmp/index.html'))],
      ['other app host', from(win, mainFrame('app://other/index.html'))],
      ['app host with credentials', from(win, mainFrame('app://u:p@custos/index.html'))],
      ['about:blank', from(win, mainFrame('about:blank'))],
    ];
    for (const [what, event] of cases) {
      // Even an input that would be INVALID_INPUT gets PERMISSION_DENIED: the sender is checked first.
      for (const input of [{}, { junk: true }]) {
        expect(await ipc.invoke(event, methodChannel('vault.status'), input), what).toEqual({ ok: false, error: { code: 'PERMISSION_DENIED', message: expect.any(String) } });
      }
    }
    // A refused vault.init does not create a vault.
    expect(await ipc.invoke(from(stranger), methodChannel('vault.init'), { passphrase: 'correct horse battery staple' })).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
    expect(root.status().initialized).toBe(false);
    expect(refused.map(([, reason]) => reason)).toEqual(
      expect.arrayContaining(['unknown webContents', 'not the main frame', 'sender frame is gone', 'not the app origin']),
    );
    await root.close();
  });

  it('gives each window its own connection: signing in one signs in only that one', async () => {
    const { ipc, root, binder, connection } = await setup();
    const a = fakeSender();
    const b = fakeSender();
    binder.addWindow(a, connection());
    binder.addWindow(b, connection());
    expect(await ipc.invoke(from(a), methodChannel('vault.init'), { passphrase: 'correct horse battery staple' })).toMatchObject({ ok: true, value: { session: { principal: 'admin' } } });
    expect(await ipc.invoke(from(a), methodChannel('keys.list'), {})).toMatchObject({ ok: true });
    expect(await ipc.invoke(from(b), methodChannel('vault.status'), {})).toMatchObject({ ok: true, value: { unlocked: true, session: null } });
    expect(await ipc.invoke(from(b), methodChannel('keys.list'), {})).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    await root.close();
  });

  it('sends core events to every live window showing our page, mapped for its own connection, payload only', async () => {
    const { ipc, root, binder, connection } = await setup();
    const a = fakeSender();
    const b = fakeSender();
    const gone = fakeSender();
    const elsewhere = fakeSender();
    binder.addWindow(a, connection());
    binder.addWindow(b, connection());
    binder.addWindow(gone, connection());
    binder.addWindow(elsewhere, connection());
    gone.destroyed = true;
    elsewhere.url = 'https://evil.example/';
    await ipc.invoke(from(a), methodChannel('vault.init'), { passphrase: 'correct horse battery staple' });
    await ipc.invoke(from(a), methodChannel('namespaces.create'), { name: 'ops' });
    await ipc.invoke(from(a), methodChannel('keys.generate'), { namespace: 'ops', id: 'k', algorithm: 'ed25519' });
    await settle();

    const channels = (s: { sent: [string, unknown][] }) => new Set(s.sent.map(([c]) => c));
    expect(channels(a)).toEqual(new Set((['vault.changed', 'keys.changed', 'audit.appended'] as const).map(eventChannel)));
    // A window nobody has signed in on hears only that the vault changed: no key names, no audit size.
    expect(channels(b)).toEqual(new Set([eventChannel('vault.changed')]));
    expect(gone.sent).toEqual([]);
    expect(elsewhere.sent).toEqual([]);
    const vaultOf = (s: { sent: [string, unknown][] }) => s.sent.filter(([c]) => c === eventChannel('vault.changed')).at(-1)?.[1];
    expect(vaultOf(a)).toMatchObject({ unlocked: true, session: { principal: 'admin' } });
    expect(vaultOf(b)).toMatchObject({ unlocked: true, session: null });
    for (const [channel, payload] of a.sent) {
      const name = channel.slice('custos:event:'.length) as EventName;
      expect(EVENTS[name].safeParse(payload).success, channel).toBe(true);
    }
    expect(a.sent.filter(([c]) => c === eventChannel('keys.changed')).map(([, p]) => p)).toContainEqual({ namespace: 'ops', id: 'k' });
    await root.close();
  });

  it('forgets a window: its calls are refused and it gets no more events', async () => {
    const { ipc, root, binder, connection } = await setup();
    const win = fakeSender();
    const forget = binder.addWindow(win, connection());
    expect(await ipc.invoke(from(win), methodChannel('vault.status'), {})).toMatchObject({ ok: true });
    forget();
    expect(await ipc.invoke(from(win), methodChannel('vault.status'), {})).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
    const other = fakeSender();
    binder.addWindow(other, connection());
    await ipc.invoke(from(other), methodChannel('vault.init'), { passphrase: 'correct horse battery staple' });
    await settle();
    expect(win.sent).toEqual([]);
    expect(other.sent.length).toBeGreaterThan(0);
    await root.close();
  });

  it('dispose removes every handler and unsubscribes from the core', async () => {
    const { ipc, root, binder, connection } = await setup();
    const win = fakeSender();
    binder.addWindow(win, connection());
    const spy = vi.spyOn(win, 'send');
    binder.dispose();
    expect(ipc.handlers.size).toBe(0);
    await root.forTransport({ transport: 'test' }).init(new TextEncoder().encode('correct horse battery staple'));
    await settle();
    expect(spy).not.toHaveBeenCalled();
    await root.close();
  });
});
