/**
 * The layer rules of STYLE.md are enforced by ESLint (eslint.config.js): this proves the rules
 * fire on a violation, so a config change cannot silently switch them off.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? 'parse-error');
}

describe('layer rules', () => {
  it('electron/core never imports electron', async () => {
    expect(await ruleIds("import { app } from 'electron';\nexport const x = app;\n", 'electron/core/vault/x.ts')).toContain('no-restricted-imports');
    expect(await ruleIds("import { ipcMain } from 'electron/main';\nexport const x = ipcMain;\n", 'electron/core/x.ts')).toContain('no-restricted-imports');
    // Outside the core, the main process may.
    expect(await ruleIds("import { app } from 'electron';\nexport const x = app;\n", 'electron/main.ts')).not.toContain('no-restricted-imports');
  });

  it('shared/ imports neither Node, nor Electron, nor React, nor DOM globals', async () => {
    for (const source of ["import { readFileSync } from 'node:fs';", "import { join } from 'path';", "import { app } from 'electron';", "import React from 'react';"]) {
      expect(await ruleIds(`${source}\nexport const x = 1;\n`, 'shared/x.ts'), source).toContain('no-restricted-imports');
    }
    expect(await ruleIds('export const x = window.location.href;\n', 'shared/x.ts')).toContain('no-restricted-globals');
    expect(await ruleIds('export const x = process.env.HOME;\n', 'shared/x.ts')).toContain('no-restricted-globals');
    expect(await ruleIds("import { z } from 'zod';\nexport const x = z.string();\n", 'shared/x.ts')).toEqual([]);
  });
});
