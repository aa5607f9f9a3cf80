/**
 * The Electron project of the e2e suite: the same first-session flow as flow.e2e.ts, in the real
 * desktop shell through Playwright's `_electron` (app:// protocol, preload, IPC binder). It runs
 * only where an Electron binary exists; elsewhere (here: the binary cannot be downloaded) it is
 * skipped with a message saying so — the browser-host project covers the same renderer and core.
 *
 * Needs `npm run build` (main, preload bundle, renderer), and better-sqlite3 built for Electron's
 * ABI (electron-builder's rebuild, or `npx electron-rebuild`) — see README.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';

const PASSPHRASE = 'orbit lantern quietly tundra 42 marble';
const MAIN = resolve(import.meta.dirname, '../dist/electron/main.js');

/** The Electron binary's path, or why there is none. */
function electronBinary(): { path: string } | { missing: string } {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    if (typeof path === 'string' && existsSync(path)) return { path };
    return { missing: 'the electron package is installed without its binary (ELECTRON_SKIP_BINARY_DOWNLOAD)' };
  } catch (error) {
    // The package's index throws this when its postinstall did not download the binary.
    const message = (error as Error).message;
    if (/failed to install correctly/i.test(message)) return { missing: 'no Electron binary (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1, or the download failed)' };
    return { missing: `the electron package cannot be loaded: ${message}` };
  }
}

const binary = electronBinary();
if ('missing' in binary) {
  console.warn(`[e2e] Electron project skipped: ${binary.missing}. The browser-host project (flow.e2e.ts) ran the same flow.`);
}

describe.skipIf('missing' in binary)('the operator flow in the Electron shell', () => {
  it('sets up the vault, creates a key, sees it in the audit log, locks and unlocks', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'custos-e2e-electron-'));
    writeFileSync(join(dataDir, 'custos.yaml'), 'preset: test\n');
    const app = await electron.launch({
      executablePath: (binary as { path: string }).path,
      args: [MAIN],
      env: { ...process.env, CUSTOS_DATA_DIR: dataDir, ELECTRON_RUN_AS_NODE: '' } as Record<string, string>,
    });
    try {
      const page = await app.firstWindow();
      expect(new URL(page.url()).protocol).toBe('app:');
      // The renderer sees the preload's API and nothing of Node.
      expect(await page.evaluate(() => typeof (window as unknown as { custos?: unknown }).custos)).toBe('object');
      expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');

      await page.locator('[data-testid="setup-wizard"]').waitFor({ state: 'visible' });
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
      await page.getByLabel('Confirm passphrase').fill(PASSPHRASE);
      await page.getByRole('checkbox').check();
      await page.getByRole('button', { name: 'Create vault' }).click();

      await page.getByRole('button', { name: 'New key' }).click();
      const create = page.getByTestId('create-key-dialog');
      await create.getByLabel('Key ID').fill('desktop-key');
      await create.getByRole('button', { name: 'Create key' }).click();
      await page.getByRole('row', { name: /desktop-key/ }).waitFor({ state: 'visible' });

      await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: 'Audit', exact: true }).click();
      await page.getByText('key.generate').first().waitFor({ state: 'visible' });

      await page.getByRole('button', { name: 'Lock', exact: true }).click();
      await page.getByLabel('Passphrase', { exact: true }).fill('not the passphrase');
      await page.getByRole('button', { name: 'Unlock' }).click();
      await page.getByText('PASSPHRASE_INCORRECT').first().waitFor({ state: 'visible' });
      await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
      await page.getByRole('button', { name: 'Unlock' }).click();
      await page.getByRole('button', { name: 'Lock', exact: true }).waitFor({ state: 'visible' });
      await page.screenshot({ path: resolve(import.meta.dirname, 'artifacts/electron-unlocked.png') });
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
