/**
 * @module preload
 * The preload of the main window: exposes `window.custos` (see ./ipc/preload-api.ts) to the page
 * through contextBridge, and nothing else. The page gets copies of these functions in its own
 * world (contextIsolation); ipcRenderer itself never crosses.
 *
 * How it is loaded: the window is sandboxed, and a sandboxed preload is a classic script with a
 * polyfilled `require` that knows only 'electron' (and a few Node built-ins): no ES modules, no
 * relative requires. tsc's output (ES modules, one file per source) cannot run there, so
 * scripts/build-preload.ts bundles this file with esbuild into one CommonJS file,
 * dist/electron/preload.cjs, with the contract's name lists inlined as data (zod is not needed
 * here and is not bundled), and fails the build if anything but 'electron' would be required.
 *
 * Trusts nothing from the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { buildPreloadApi } from './ipc/preload-api.js';

contextBridge.exposeInMainWorld(
  'custos',
  buildPreloadApi(
    (channel, input) => ipcRenderer.invoke(channel, input),
    (channel, listener) => {
      ipcRenderer.on(channel, listener);
    },
    (channel, listener) => {
      ipcRenderer.removeListener(channel, listener);
    },
  ),
);
