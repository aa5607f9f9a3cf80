/**
 * The Backup & Recovery screen and the unlock screen's recovery, through the browser host and
 * Chromium, against the real core:
 *
 * G B → a full backup made in the GUI (its progress bar seen, from backup.progress) lands on disk
 * with the SHA-256 the screen shows → its Verify button checks it (wrong passphrase refused with
 * its code, then verified) → the restore wizard writes it into a NEW data directory, confirmed by
 * typing that directory's name, and the `custos` CLI opens the restored vault and finds the key
 * made before the backup → a 2-of-3 Shamir split shows the shares one at a time, each only after
 * "I have written share k down" → lock → "Recover with shares…" on the unlock screen with two of
 * them (one as 39 words, one as base32) and a new passphrase signs in; the new passphrase unlocks.
 *
 * Screenshots: backup-screen, backup-screen-dark, backup-verified, restore-wizard-confirm,
 * restore-wizard-done, split-wizard-choose, split-wizard-share, recover-shares.
 * Needs the built renderer (npm run build:renderer).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { withHost } from './support/host.js';
import { createVault, dismissToasts, eventually } from './support/ui.js';

const PASSPHRASE = 'orbit lantern quietly tundra 42 marble';
const BACKUP_PASSPHRASE = 'harbor cactus violet 17 gentle ember';
const NEW_PASSPHRASE = 'quartz meadow window 93 lively pebble';
const run = promisify(execFile);

/** Records, from inside the page, whether a progress bar under `testId` ever appeared and the largest value it showed. */
async function watchProgress(page: Page, testId: string): Promise<() => Promise<{ seen: boolean; max: number }>> {
  await page.evaluate((id) => {
    const w = window as unknown as { progressSeen: { seen: boolean; max: number } };
    w.progressSeen = { seen: false, max: -1 };
    const check = () => {
      const el = document.querySelector(`[data-testid="${id}"] [role="progressbar"]`);
      if (el === null) return;
      w.progressSeen.seen = true;
      const v = Number(el.getAttribute('aria-valuenow') ?? '-1');
      if (v > w.progressSeen.max) w.progressSeen.max = v;
    };
    new MutationObserver(check).observe(document.body, { subtree: true, childList: true, attributes: true });
  }, testId);
  return () => page.evaluate(() => (window as unknown as { progressSeen: { seen: boolean; max: number } }).progressSeen);
}

describe('the Backup & Recovery screen', () => {
  it('creates a backup with progress, verifies it, restores it into a new directory the CLI opens, splits 2-of-3 and recovers with two shares', async () => {
    const out = mkdtempSync(join(tmpdir(), 'custos-e2e-backups-'));
    try {
      await withHost(async ({ page, host, screenshot: rawScreenshot, errors }) => {
        const screenshot = async (name: string) => {
          await dismissToasts(page);
          return rawScreenshot(name);
        };
        await createVault(page, PASSPHRASE);
        // A key to find in the restored vault.
        const admin = await host.custodian.forTransport({ transport: 'test' }).login('admin', new TextEncoder().encode(PASSPHRASE));
        await admin.generateKey('default', 'before-backup', 'ed25519');

        // ---- G B: the screen, a suggested path beside the data directory
        await page.locator('body').press('g');
        await page.locator('body').press('b');
        expect(new URL(page.url()).hash).toBe('#/backup');
        const path = page.getByTestId('backup-path');
        await eventually(async () => expect(await path.inputValue()).toMatch(/^\//));
        await screenshot('backup-screen');

        // ---- create: progress seen, the file on disk with the hash shown
        const file = join(out, 'full.custos-backup');
        await path.fill(file);
        await page.getByTestId('backup-passphrase').fill(BACKUP_PASSPHRASE);
        await page.getByTestId('backup-passphrase-confirm').fill(BACKUP_PASSPHRASE);
        const progress = await watchProgress(page, 'backup-progress-create');
        await page.getByTestId('backup-create').click();
        const made = page.getByTestId('backup-made');
        await made.waitFor({ state: 'visible', timeout: 30_000 });
        const seen = await progress();
        expect(seen.seen).toBe(true);
        expect(existsSync(file)).toBe(true);
        const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
        expect(await made.textContent()).toContain(sha.slice(0, 6));
        expect(await page.getByTestId('backup-passphrase').inputValue()).toBe(''); // cleared once sent

        // ---- verify: a wrong passphrase is refused with its code, the right one verifies
        await made.getByRole('button', { name: 'Verify' }).click();
        expect(await page.getByTestId('verify-paths').inputValue()).toBe(file);
        await page.getByTestId('verify-passphrase').fill('not the backup passphrase');
        await page.getByTestId('backup-verify').click();
        const refusal = page.locator('[data-testid="backup-verify-form"]').locator('xpath=..').locator('[data-error-code]').first();
        await refusal.waitFor({ state: 'visible', timeout: 30_000 });
        expect(await refusal.getAttribute('data-error-code')).not.toBe('');
        await page.getByTestId('verify-passphrase').fill(BACKUP_PASSPHRASE);
        await page.getByTestId('backup-verify').click();
        const result = page.getByTestId('verify-result');
        await result.waitFor({ state: 'visible', timeout: 30_000 });
        expect(await result.textContent()).toContain('Backup verified');
        expect(await page.getByTestId('backup-files').locator('tbody tr').count()).toBe(1);
        await page.getByTestId('verify-result').scrollIntoViewIfNeeded();
        await screenshot('backup-verified');

        // ---- restore into a new directory, confirmed by typing its name
        const restored = join(out, 'restored-vault');
        await page.getByTestId('open-restore').click();
        const wizard = page.getByTestId('restore-wizard');
        await wizard.waitFor({ state: 'visible' });
        expect(await page.getByTestId('restore-paths').inputValue()).toBe(file);
        await page.getByTestId('restore-backup-passphrase').fill(BACKUP_PASSPHRASE);
        await page.getByTestId('restore-check').click();
        await page.getByTestId('restore-data-dir').waitFor({ state: 'visible', timeout: 30_000 });
        await page.getByTestId('restore-data-dir').fill(restored);
        await page.getByTestId('restore-passphrase').fill(PASSPHRASE);
        await page.getByTestId('restore-next').click();
        const restoreButton = page.getByTestId('restore-run');
        expect(await restoreButton.isDisabled()).toBe(true);
        await page.getByTestId('restore-confirm').fill('restored-vault');
        expect(await restoreButton.isDisabled()).toBe(false);
        await rawScreenshot('restore-wizard-confirm');
        await restoreButton.click();
        const done = page.getByTestId('restore-done');
        await done.waitFor({ state: 'visible', timeout: 60_000 });
        expect(await done.textContent()).toContain(restored);
        expect(await done.textContent()).toContain(`custos --data-dir ${restored} status`);
        await rawScreenshot('restore-wizard-done');
        await page.getByTestId('restore-close').click();
        // The CLI opens the restored vault and finds the key made before the backup.
        const cli = await run('npx', ['tsx', 'electron/cli/main.ts', '--data-dir', restored, '--json', 'key', 'list'], { env: { ...process.env, CUSTOS_PASSPHRASE: PASSPHRASE }, cwd: process.cwd() });
        expect(cli.stdout).toContain('before-backup');

        // ---- Shamir: 2 of 3, shown one at a time
        await page.getByTestId('open-split').click();
        await page.getByTestId('split-wizard').waitFor({ state: 'visible' });
        await page.getByTestId('split-total').selectOption('3');
        await page.getByTestId('split-threshold').selectOption('2');
        expect(await page.getByTestId('split-meaning').textContent()).toContain('Any 2 of the 3 shares rebuild the key');
        await rawScreenshot('split-wizard-choose');
        await page.getByTestId('split-next').click();
        await page.getByTestId('split-passphrase').fill(PASSPHRASE);
        await page.getByTestId('split-run').click();
        const shares: { words: string; base32: string }[] = [];
        for (let k = 1; k <= 3; k++) {
          const card = page.getByTestId('share-card');
          await eventually(async () => expect(await card.getAttribute('data-share')).toBe(String(k)));
          expect(await page.getByTestId('share-title').textContent()).toBe(`Share ${k} of 3`);
          await card.getByRole('radio', { name: '39 words' }).click(); // the form chosen stays for the next share
          const words = (await card.locator('[data-testid="mnemonic-grid"] li > span:last-child').allTextContents()).join(' ');
          expect(words.split(' ')).toHaveLength(39);
          if (k === 1) await rawScreenshot('split-wizard-share');
          await card.getByRole('radio', { name: 'Base32' }).click();
          const base32 = (await page.getByTestId('share-base32').textContent()) ?? '';
          expect(base32).toMatch(new RegExp(`^CUSTOS-${k}-2of3-`));
          shares.push({ words, base32 });
          const next = page.getByTestId('split-next-share');
          expect(await next.isDisabled()).toBe(true); // not before "written down"
          await page.getByTestId('share-written').check();
          await next.click();
        }
        await page.getByTestId('split-done').waitFor({ state: 'visible' });
        expect(await page.getByTestId('split-done').textContent()).not.toContain(shares[0]?.base32.slice(0, 20) ?? 'x');
        await page.getByTestId('split-close').click();

        // ---- lock, then recover with shares 1 (words) and 3 (base32)
        await page.getByRole('button', { name: 'Lock', exact: true }).click();
        await page.getByTestId('unlock-screen').waitFor({ state: 'visible' });
        await page.getByTestId('recover-with-shares').click();
        await page.getByTestId('combine-wizard').waitFor({ state: 'visible' });
        await page.getByTestId('combine-share-1').fill(shares[0]?.words ?? '');
        await page.getByTestId('combine-share-2').fill(shares[2]?.base32 ?? '');
        await eventually(async () => expect(await page.getByTestId('combine-summary').textContent()).toBe('2 of 2 needed — enough to recover'));
        await page.getByTestId('combine-passphrase').fill(NEW_PASSPHRASE);
        await page.getByTestId('combine-confirm').fill(NEW_PASSPHRASE);
        await rawScreenshot('recover-shares');
        await eventually(async () => expect(await page.getByTestId('combine-run').isDisabled()).toBe(false));
        await page.getByTestId('combine-run').click();
        await page.getByTestId('vault-state').waitFor({ state: 'visible', timeout: 30_000 });

        // The new passphrase is the one that unlocks now.
        await page.getByRole('button', { name: 'Lock', exact: true }).click();
        await page.getByTestId('unlock-screen').waitFor({ state: 'visible' });
        await page.getByLabel('Passphrase', { exact: true }).fill(NEW_PASSPHRASE);
        await page.getByRole('button', { name: 'Unlock' }).click();
        await page.getByTestId('vault-state').waitFor({ state: 'visible', timeout: 30_000 });

        // Dark theme, on the screen itself.
        await page.keyboard.press('Control+k');
        await page.getByRole('combobox', { name: 'Command' }).fill('theme: dark');
        await page.keyboard.press('Enter');
        await page.locator('body').press('g');
        await page.locator('body').press('b');
        await page.getByTestId('backup-path').waitFor({ state: 'visible' });
        await screenshot('backup-screen-dark');

        expect(errors.filter((e) => !e.includes('favicon'))).toEqual([]);
      });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
