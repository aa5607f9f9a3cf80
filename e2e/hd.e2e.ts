/**
 * HD wallets through the browser host and Chromium: the keys screen's "HD wallets" view is empty
 * with its CLI line → the BIP-39 test phrase ("abandon … about") is imported and its detail panel
 * shows the addresses every wallet shows for it (Ethereum m/44'/60'/0'/0/0, BIP-84
 * m/84'/0'/0'/0/0) with a QR code → a new 12-word wallet shows its phrase once, in a numbered
 * grid, and the dialog will not close before "I have written it down" → the phrase is nowhere on
 * the page afterwards. Screenshots: hd-list, hd-create-mnemonic, hd-detail.
 *
 * Needs the built renderer (npm run build:renderer).
 */
import { describe, expect, it } from 'vitest';
import { withHost } from './support/host.js';
import { createVault, dismissToasts, eventually } from './support/ui.js';

const PASSPHRASE = 'orbit lantern quietly tundra 42 marble';
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const ETH_0 = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
const BIP84_0 = 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu';

describe('HD wallets in the keys screen', () => {
  it('imports the BIP-39 test phrase, shows its addresses, creates a wallet whose phrase is shown once', async () => {
    await withHost(async ({ page, screenshot: rawScreenshot, errors }) => {
      const screenshot = async (name: string) => {
        await dismissToasts(page);
        return rawScreenshot(name);
      };
      await createVault(page, PASSPHRASE);

      // ---- the HD view, empty, with the CLI equivalent
      await page.getByRole('radio', { name: 'HD wallets' }).click();
      await page.getByText('No HD wallets in default yet').waitFor({ state: 'visible' });
      expect(await page.locator('main').textContent()).toContain('custos hd create --id ID');
      await screenshot('hd-empty');

      // ---- import: a wrong checksum first (its code is shown), then the test phrase
      await page.getByRole('button', { name: 'Import a recovery phrase' }).click();
      const imp = page.getByTestId('hd-import-dialog');
      await imp.getByLabel('Wallet ID').fill('demo');
      await imp.getByLabel('Recovery phrase').fill(ABANDON.replace(/about$/, 'abandon'));
      await imp.getByRole('button', { name: 'Import wallet' }).click();
      await eventually(async () => expect(await imp.textContent()).toContain('INVALID_INPUT'));
      await screenshot('hd-import-error');
      await imp.getByLabel('Recovery phrase').fill(ABANDON);
      await imp.getByRole('checkbox', { name: /Exportable/ }).check();
      await imp.getByRole('button', { name: 'Import wallet' }).click();
      await imp.waitFor({ state: 'detached' });

      const detail = page.getByTestId('hd-detail');
      await detail.waitFor({ state: 'visible' });
      expect(await detail.textContent()).toContain('73c5da0a'); // the master fingerprint of "abandon … about"
      await page.locator(`[data-address="${ETH_0}"]`).waitFor({ state: 'visible' });
      expect(await page.getByTestId('hd-selected-address').textContent()).toContain(ETH_0);
      await page.getByTestId('hd-address-qr').waitFor({ state: 'visible' });
      await detail.getByRole('tab', { name: 'Bitcoin' }).click();
      await page.locator(`[data-address="${BIP84_0}"]`).waitFor({ state: 'visible' });
      expect(await detail.textContent()).toContain("m/84'/0'/0'/0/0");
      await detail.getByRole('tab', { name: 'Solana' }).click();
      await eventually(async () => expect(await detail.textContent()).toContain("m/44'/501'/0'/0'"));
      expect(await page.getByTestId('hd-selected-address').textContent()).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
      await detail.getByRole('tab', { name: 'Bitcoin' }).click();
      await screenshot('hd-detail');

      // ---- watch-only: the zpub only after the privacy warning is acknowledged
      await detail.getByRole('tab', { name: 'Watch-only' }).click();
      const show = detail.getByRole('button', { name: 'Show extended public key' });
      expect(await show.isDisabled()).toBe(true);
      await detail.getByRole('checkbox', { name: /I understand/ }).check();
      await show.click();
      await eventually(async () => expect(await page.getByTestId('hd-xpub').textContent()).toMatch(/^zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs/));

      // ---- create a 12-word wallet: the phrase once, in a numbered grid
      await page.getByRole('button', { name: 'New HD wallet' }).click();
      const create = page.getByTestId('hd-create-dialog');
      await create.getByLabel('Wallet ID').fill('treasury');
      await create.getByRole('radio', { name: '12 words' }).click();
      // A BIP-39 passphrase is typed twice; a mismatch blocks creation.
      await create.getByLabel('BIP-39 passphrase (optional)').fill('extra');
      await create.getByLabel('BIP-39 passphrase again').fill('extrb');
      expect(await create.getByRole('button', { name: 'Create wallet' }).isDisabled()).toBe(true);
      await screenshot('hd-create-dialog');
      await create.getByLabel('BIP-39 passphrase (optional)').fill('');
      await create.getByRole('button', { name: 'Create wallet' }).click();
      const shown = page.getByTestId('hd-mnemonic-dialog');
      await shown.waitFor({ state: 'visible' });
      const words = await page.getByTestId('mnemonic-grid').locator('li').allTextContents();
      expect(words).toHaveLength(12);
      const phrase = words.map((w) => w.replace(/^\d+/, '')).join(' ');
      expect(phrase).toMatch(/^([a-z]+ ){11}[a-z]+$/);
      await screenshot('hd-create-mnemonic');
      // Escape does not close it before the confirmation; Done is disabled.
      await page.keyboard.press('Escape');
      expect(await shown.isVisible()).toBe(true);
      expect(await shown.getByRole('button', { name: 'Done' }).isDisabled()).toBe(true);
      await shown.getByRole('checkbox', { name: /I have written it down/ }).check();
      await shown.getByRole('button', { name: 'Done' }).click();
      await shown.waitFor({ state: 'detached' });
      // Gone: nowhere on the page, and the wallet is in the table.
      expect(await page.getByTestId('mnemonic-grid').count()).toBe(0);
      await page.getByRole('row', { name: /treasury/ }).waitFor({ state: 'visible' });
      await detail.getByRole('tab', { name: 'Ethereum' }).waitFor({ state: 'visible' });
      await page.getByRole('row', { name: /demo/ }).click();
      await page.getByTestId('hd-detail').getByRole('tab', { name: 'Ethereum' }).click();
      await page.locator(`[data-address="${ETH_0}"]`).waitFor({ state: 'visible' });
      await screenshot('hd-list');
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.waitForTimeout(300);
      await screenshot('hd-detail-dark');
      await page.emulateMedia({ colorScheme: 'light' });

      // ---- export the phrase again: only after the operator's own passphrase
      const panel = page.getByTestId('hd-detail');
      await panel.getByRole('button', { name: 'Export mnemonic' }).click();
      const exp = page.getByTestId('hd-export-dialog');
      await exp.getByLabel('Your vault passphrase').fill('not my passphrase at all');
      await exp.getByRole('button', { name: 'Show phrase' }).click();
      await eventually(async () => expect(await exp.textContent()).toMatch(/[A-Z]+_[A-Z_]+/));
      expect(await exp.getByTestId('mnemonic-grid').count()).toBe(0);
      await exp.getByLabel('Your vault passphrase').fill(PASSPHRASE);
      await exp.getByRole('button', { name: 'Show phrase' }).click();
      await exp.getByTestId('mnemonic-grid').waitFor({ state: 'visible' });
      expect((await exp.getByTestId('mnemonic-grid').locator('li').allTextContents()).map((w) => w.replace(/^\d+/, '')).join(' ')).toBe(ABANDON);
      await page.waitForTimeout(250); // let the footer button's transition from busy finish
      await screenshot('hd-export-mnemonic');
      await exp.getByRole('button', { name: 'Close and forget' }).click();
      await exp.waitFor({ state: 'detached' });

      // ---- disable stops derivation; enable restores it
      await panel.getByRole('button', { name: 'Disable' }).click();
      await eventually(async () => expect(await panel.textContent()).toContain('derives and signs nothing'));
      expect(await page.getByRole('row', { name: /demo/ }).textContent()).toContain('Disabled');
      await panel.getByRole('button', { name: 'Enable' }).click();
      await page.locator(`[data-address="${ETH_0}"]`).waitFor({ state: 'visible' });

      // ---- delete, confirmed by typing the id
      await page.getByRole('row', { name: /treasury/ }).click();
      await page.getByTestId('hd-detail').getByRole('button', { name: 'More wallet actions' }).click();
      await page.getByRole('menuitem', { name: /Delete wallet/ }).click();
      const del = page.getByTestId('hd-delete-dialog');
      expect(await del.getByRole('button', { name: 'Delete wallet' }).isDisabled()).toBe(true);
      await del.getByRole('textbox').fill('treasury');
      await del.getByRole('button', { name: 'Delete wallet' }).click();
      await del.waitFor({ state: 'detached' });
      await page.getByRole('row', { name: /treasury/ }).waitFor({ state: 'detached' });
      expect(errors).toEqual([]);
    });
  });
});
