/**
 * The Requests screen, through the browser host and Chromium, with requests produced the real
 * way: a program holding a KeyUser API token calls submitSigningRequest on the facade the host
 * serves, and waits for the operator in the page.
 *
 * G Q opens the empty queue → a personal_sign request arrives live (badge 1, "(1) Custos", no
 * reload), its decoded view shows the message and the signer → A approves it and ethers recovers
 * the HD account from the signature the program receives → an unlimited ERC-20 approval is
 * flagged and cannot be approved (button or A) until the danger is acknowledged → R, a reason,
 * Enter rejects it and the program gets USER_REJECTED with the reason → a request with a 2 s
 * lifetime turns urgent, then expires by itself (EXPIRED for the program) → the history shows
 * signed ✓ (with the signature), rejected (with the reason) and expired, with who decided, and
 * J/K/↓ move through it. A request arriving while the window is hidden raises a notification
 * (Notify me is on). Screenshots: requests-empty, requests-pending, requests-danger,
 * requests-reject, requests-urgent, requests-history, requests-history-dark.
 *
 * Needs the built renderer (npm run build:renderer).
 */
import { verifyMessage } from 'ethers';
import { describe, expect, it } from 'vitest';
import type { SigningRequest } from '../shared/api/signing.js';
import { withHost } from './support/host.js';
import { createVault, dismissToasts, eventually } from './support/ui.js';

const PASSPHRASE = 'orbit lantern quietly tundra 42 marble';
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const ETH_0 = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
const TRANSFER = { type: 2, chainId: 1, nonce: 7, to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', value: '1500000000000000000', gasLimit: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1500000000' };
const APPROVE_ALL = { ...TRANSFER, to: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', value: '0', gasLimit: 60000, data: `0x095ea7b3${'0'.repeat(24)}${'1'.repeat(40)}${'f'.repeat(64)}` };
const MESSAGE = 'Sign in to dapp.example';
const client = { transport: 'wallet-rpc', id: 'https://dapp.example', label: 'https://dapp.example' };
const signer = { kind: 'hd', namespace: 'default', wallet: 'hd' } as const;

/** A program's call, settled either way (so a rejection is never unhandled while the page works). */
type Outcome = { ok: true; signature: string } | { ok: false; code: string; message: string };
function settled(p: Promise<{ result: { primary: { value: string } } }>): Promise<Outcome> {
  return p.then(
    (v) => ({ ok: true, signature: v.result.primary.value }),
    (e: unknown) => ({ ok: false, code: String((e as { code?: unknown }).code), message: String((e as { message?: unknown }).message) }),
  );
}

describe('the Requests screen', () => {
  it('shows requests live, approves with A, rejects with R and a reason, lets one expire, and keeps the history', async () => {
    await withHost(async ({ page, context, origin, host, screenshot: rawScreenshot, errors }) => {
      const screenshot = async (name: string) => {
        await dismissToasts(page);
        return rawScreenshot(name);
      };
      await context.grantPermissions(['notifications'], { origin });
      await createVault(page, PASSPHRASE);

      // ---- G Q: the empty queue
      await page.locator('body').press('g');
      await page.locator('body').press('q');
      await page.getByText('No requests waiting').waitFor({ state: 'visible' });
      expect(new URL(page.url()).hash).toBe('#/requests');
      expect(await page.getByTestId('requests-badge').count()).toBe(0);
      await page.getByTestId('notify-toggle').click();
      await eventually(async () => expect(await page.getByTestId('notify-toggle').getAttribute('aria-pressed')).toBe('true'));
      await page.getByTestId('notify-toggle').blur(); // its tooltip is not what the screenshot is for
      await screenshot('requests-empty');

      // ---- a program with a KeyUser token, on the facade the host serves
      const admin = await host.custodian.forTransport({ transport: 'test' }).login('admin', new TextEncoder().encode(PASSPHRASE));
      await admin.hdImport('default', 'hd', ABANDON);
      const { token } = await admin.createToken({ label: 'dapp', grants: [{ namespace: 'default', role: 'KeyUser' }] });
      const program = await host.custodian.forTransport({ transport: 'wallet-rpc' }).authenticateToken(token);
      const submit = (method: string, request: SigningRequest, ttlMs?: number) => settled(program.submitSigningRequest({ client, method, request, signer, ...(ttlMs === undefined ? {} : { ttlMs }) }));

      // ---- 1. personal_sign: appears live, approved with A
      const first = submit('personal_sign', { type: 'eth.message', message: MESSAGE, encoding: 'utf8' });
      const badge = page.getByTestId('requests-badge');
      await eventually(async () => expect(await badge.textContent()).toBe('1'));
      const rows = page.getByTestId('pending-list').getByRole('option');
      await eventually(async () => expect(await rows.count()).toBe(1));
      expect(await rows.first().textContent()).toContain('https://dapp.example');
      expect(await rows.first().textContent()).toContain('personal_sign');
      const detail = page.getByTestId('request-detail');
      const view = detail.getByTestId('request-view');
      await view.waitFor({ state: 'visible' });
      expect(await view.textContent()).toContain(MESSAGE);
      expect(await view.textContent()).toContain(ETH_0);
      expect(await detail.getByTestId('request-client').textContent()).toBe('https://dapp.example');
      expect(await page.title()).toBe('(1) Custos');
      await screenshot('requests-pending');

      // A decision by keyboard waits a moment after the selection appeared (no double-press approvals).
      await page.waitForTimeout(500);
      await page.locator('body').press('a');
      const one = await first;
      expect(one.ok).toBe(true);
      expect(verifyMessage(MESSAGE, (one as { signature: string }).signature)).toBe(ETH_0);
      await page.getByText('No requests waiting').waitFor({ state: 'visible' });
      await eventually(async () => expect(await badge.count()).toBe(0));
      expect(await page.title()).toBe('Custos');

      // ---- 2. an unlimited ERC-20 approval: flagged, Approve locked until acknowledged, rejected with R
      const second = submit('eth_signTransaction', { type: 'eth.transaction', transaction: JSON.stringify(APPROVE_ALL) });
      await eventually(async () => expect(await badge.textContent()).toBe('1'));
      await view.waitFor({ state: 'visible' });
      expect(await view.textContent()).toContain('Call approve');
      await detail.locator('[data-level="danger"]', { hasText: 'unlimited approval' }).waitFor({ state: 'visible' });
      expect(await rows.first().getByTestId('row-danger-count').textContent()).toBe('1');
      const approve = page.getByTestId('approve');
      expect(await approve.isDisabled()).toBe(true);
      await page.waitForTimeout(500);
      await page.locator('body').press('a'); // refused: the warning was not acknowledged
      await page.waitForTimeout(300);
      expect(await rows.count()).toBe(1);
      await page.getByTestId('request-acknowledge').check();
      expect(await approve.isDisabled()).toBe(false);
      await page.getByTestId('request-acknowledge').blur();
      await screenshot('requests-danger');

      // The command palette offers the same decision; Escape leaves the reject step.
      const reason = page.getByTestId('reject-reason');
      await page.keyboard.press('Control+k');
      await page.getByRole('combobox', { name: 'Command' }).fill('reject');
      await page.keyboard.press('Enter');
      await eventually(async () => expect(await reason.evaluate((el) => el === document.activeElement)).toBe(true));
      await reason.press('Escape');
      await reason.waitFor({ state: 'detached' });

      await page.locator('body').press('r');
      await eventually(async () => expect(await reason.evaluate((el) => el === document.activeElement)).toBe(true));
      await reason.fill('unlimited approval, not expected');
      await rawScreenshot('requests-reject');
      await reason.press('Enter');
      const two = await second;
      expect(two).toMatchObject({ ok: false, code: 'USER_REJECTED' });
      expect((two as { message: string }).message).toContain('unlimited approval, not expected');
      await page.getByText('No requests waiting').waitFor({ state: 'visible' });

      // ---- 3. a request nobody decides: a notification while the window is hidden, urgent, then expired by itself
      // The page cannot be hidden for real in headless Chromium: make it say so, and record notifications.
      await page.evaluate(() => {
        const shown: string[] = [];
        (window as unknown as { shownNotifications: string[] }).shownNotifications = shown;
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
        (window as unknown as { Notification: unknown }).Notification = class {
          static readonly permission = 'granted';
          onclick: unknown = null;
          constructor(title: string) {
            shown.push(title);
          }
        };
      });
      const third = submit('personal_sign', { type: 'eth.message', message: 'Quick, sign this', encoding: 'utf8' }, 2000);
      await eventually(async () => expect(await badge.textContent()).toBe('1'));
      // Checked at once: the request lives 2 s.
      expect(await page.locator('[data-request-row][data-urgent="true"]').count()).toBe(1);
      await rawScreenshot('requests-urgent');
      await eventually(async () => expect(await page.evaluate(() => (window as unknown as { shownNotifications: string[] }).shownNotifications)).toEqual(['Signing request from https://dapp.example: Sign a message (personal_sign)']));
      await page.evaluate(() => delete (document as unknown as { hidden?: boolean }).hidden);
      expect(await third).toMatchObject({ ok: false, code: 'EXPIRED' });
      await eventually(async () => expect(await badge.count()).toBe(0));
      await eventually(async () => expect(await detail.getAttribute('data-state')).toBe('expired'));
      expect(await detail.getByTestId('request-outcome').textContent()).toContain('Expired');

      // ---- the history: expired, rejected (with the reason), signed ✓ (with the signature)
      await page.getByTestId('requests-tab-history').click();
      const history = page.getByTestId('history-list').getByRole('option');
      await eventually(async () => expect(await history.count()).toBe(3));
      const states = await history.evaluateAll((els) => els.map((el) => el.getAttribute('data-state')));
      expect(states).toEqual(['expired', 'rejected', 'signed']);
      expect(await history.nth(1).textContent()).toContain('by admin');
      expect(await history.nth(2).textContent()).toContain('Signed ✓');
      // J moves down the list on show, K up.
      expect(await history.nth(0).getAttribute('aria-selected')).toBe('true');
      await page.keyboard.press('j');
      await page.keyboard.press('j');
      await page.keyboard.press('k');
      await eventually(async () => expect(await history.nth(1).getAttribute('aria-selected')).toBe('true'));
      expect(await detail.getByTestId('request-outcome').textContent()).toContain('unlimited approval, not expected');
      await page.keyboard.press('ArrowDown');
      await eventually(async () => expect(await detail.getAttribute('data-state')).toBe('signed'));
      const signature = ((await detail.getByTestId('request-result-primary').textContent()) ?? '').trim();
      expect(signature).toBe((one as { signature: string }).signature);
      await detail.getByRole('button', { name: /^Copy / }).first().waitFor({ state: 'visible' });
      await screenshot('requests-history');

      await page.keyboard.press('Control+k');
      await page.getByRole('combobox', { name: 'Command' }).fill('theme: dark');
      await page.keyboard.press('Enter');
      await eventually(async () => expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark'));
      await screenshot('requests-history-dark');

      expect(errors).toEqual([]);
    });
  });
});
