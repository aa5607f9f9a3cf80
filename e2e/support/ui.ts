/**
 * Small waits the e2e tests share (Playwright's own `expect` is not available under vitest).
 */
import type { Page } from 'playwright-core';

/** Resolves when `fn` stops throwing; rethrows its last error after `timeoutMs`. */
export async function eventually(fn: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fn();
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Close the toasts so they do not cover what a screenshot is for. */
export async function dismissToasts(page: Page): Promise<void> {
  const close = page.locator('[data-sonner-toast] [data-close-button]');
  for (let i = await close.count(); i > 0; i--) await close.first().click({ timeout: 2000 }).catch(() => undefined);
  await page.locator('[data-sonner-toast]').first().waitFor({ state: 'detached', timeout: 3000 }).catch(() => undefined);
}

/** Walk the setup wizard: a new vault with `passphrase`, signed in, on the empty keys screen. */
export async function createVault(page: Page, passphrase: string): Promise<void> {
  await page.getByTestId('setup-wizard').waitFor({ state: 'visible' });
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByLabel('Confirm passphrase').fill(passphrase);
  await page.getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Create vault' }).click();
  await page.getByText('No keys in default yet').waitFor({ state: 'visible' });
}
