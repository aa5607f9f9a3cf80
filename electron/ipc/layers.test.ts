/**
 * The Electron-side layer rules of eslint.config.js fire: the main process (electron/ipc,
 * electron/main.ts) never imports the renderer or React; the sandboxed preload and its API
 * builder import neither Node, nor the core, nor main-process code.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? 'parse-error');
}

describe('Electron layer rules', () => {
  it('the main process imports neither the renderer nor React', async () => {
    for (const file of ['electron/ipc/x.ts', 'electron/main.ts']) {
      for (const source of ["import { useKeys as x } from '../../renderer/store/index.js';", "import x from 'react';", "import { createRoot as x } from 'react-dom/client';"]) {
        expect(await ruleIds(`${source}\nexport const y = x;\n`, file), `${file}: ${source}`).toContain('no-restricted-imports');
      }
    }
    expect(await ruleIds("import { app } from 'electron';\nimport { dispatch } from '../core/api/dispatch.js';\nexport const y = [app, dispatch];\n", 'electron/ipc/x.ts')).toEqual([]);
  });

  it('the preload and its API builder import no Node, no core, no main-process code', async () => {
    for (const file of ['electron/preload.ts', 'electron/ipc/preload-api.ts']) {
      for (const source of [
        "import { readFileSync as x } from 'node:fs';",
        "import { join as x } from 'path';",
        "import { ipcMain as x } from 'electron/main';",
        "import { dispatch as x } from '../core/api/dispatch.js';",
        "import { bindIpc as x } from './ipc/binder.js';",
        "import { bindIpc as x } from './binder.js';",
      ]) {
        expect(await ruleIds(`${source}\nexport const y = x;\n`, file), `${file}: ${source}`).toContain('no-restricted-imports');
      }
      expect(await ruleIds('export const y = process.env.HOME;\n', file)).toContain('no-restricted-globals');
    }
    expect(await ruleIds("import { contextBridge } from 'electron';\nimport { buildPreloadApi } from './ipc/preload-api.js';\nexport const y = [contextBridge, buildPreloadApi];\n", 'electron/preload.ts')).toEqual([]);
  });
});
