/**
 * Signing across an air gap, both sides in the GUI, two hosts and two browsers, files carried by
 * the test as an operator would carry a USB stick:
 *
 * Online Custos: a program asks for a personal_sign → on the Requests screen, "Sign on air-gapped
 * laptop…" gives the envelope as a download and a QR code. Air-gapped Custos (custos.yaml
 * server.air_gapped): the banner and the top-bar badge say so → G X opens the Air-gap screen on
 * its signing side → the envelope file is dropped on it → the request is reviewed on the Requests
 * screen's card (decoded message, signer) and approved → the response is offered as a download
 * and a QR code, and ethers recovers the HD account from its signature. Back online: the outbox
 * lists the envelope awaiting a response → the response's text is pasted → it answers the waiting
 * request, and the program receives the same signature.
 *
 * Screenshots: airgap-export-dialog, airgap-banner, airgap-empty, airgap-request, airgap-response-qr,
 * airgap-response-qr-dark, airgap-outbox, airgap-outbox-answered.
 * Needs the built renderer (npm run build:renderer).
 */
import { readFileSync } from 'node:fs';
import { verifyMessage } from 'ethers';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { withHost } from './support/host.js';
import { createVault, dismissToasts, eventually } from './support/ui.js';

const PASSPHRASE = 'orbit lantern quietly tundra 42 marble';
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const ETH_0 = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
const MESSAGE = 'Sign in to dapp.example from the cold laptop';
const client = { transport: 'wallet-rpc', id: 'https://dapp.example', label: 'https://dapp.example' };
const signer = { kind: 'hd', namespace: 'default', wallet: 'hd' } as const;

/** Click `button` and return the text of the file it downloads, and its suggested name. */
async function download(page: Page, button: string): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(button).click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

/** Drop a file with `text` on the element `testId`, as a drag from the file manager does. */
async function dropFile(page: Page, testId: string, name: string, text: string): Promise<void> {
  await page.getByTestId(testId).evaluate(
    (el, { name, text }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], name, { type: 'application/json' }));
      el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    },
    { name, text },
  );
}

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.keyboard.press('Control+k');
  await page.getByRole('combobox', { name: 'Command' }).fill(`theme: ${theme}`);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(200);
}

describe('the Air-gap screen', () => {
  it('carries a request to an air-gapped Custos as a file, approves it there, and brings the signed response back', async () => {
    await withHost(async ({ page, host, screenshot: rawShot, errors }) => {
      const shot = async (name: string, of: Page = page) => {
        await dismissToasts(of);
        return rawShot(name, of);
      };
      await createVault(page, PASSPHRASE);
      const admin = await host.custodian.forTransport({ transport: 'test' }).login('admin', new TextEncoder().encode(PASSPHRASE));
      await admin.hdImport('default', 'hd', ABANDON);
      const { token } = await admin.createToken({ label: 'dapp', grants: [{ namespace: 'default', role: 'KeyUser' }] });
      const program = await host.custodian.forTransport({ transport: 'wallet-rpc' }).authenticateToken(token);
      const answer = program.submitSigningRequest({ client, method: 'personal_sign', request: { type: 'eth.message', message: MESSAGE, encoding: 'utf8' }, signer }).then(
        (v) => ({ ok: true as const, signature: v.result.primary.value }),
        (e: unknown) => ({ ok: false as const, code: String((e as { code?: unknown }).code) }),
      );

      // ---- online: the request, sent to the air-gapped laptop as a file (and QR)
      expect(await page.getByTestId('airgap-banner').count()).toBe(0);
      await page.locator('body').press('g');
      await page.locator('body').press('q');
      await page.getByTestId('request-detail').waitFor({ state: 'visible' });
      await page.getByTestId('airgap-export-request').click();
      const dialog = page.getByTestId('airgap-export-dialog');
      await dialog.getByTestId('qr').waitFor({ state: 'visible' });
      const envelope = await download(page, 'airgap-save');
      expect(envelope.name).toMatch(/\.json$/);
      const parsedEnvelope = JSON.parse(envelope.text) as { format: string; sha256: string; expectedAddress: string | null };
      expect(parsedEnvelope.format).toBe('custos-airgap-request');
      expect(await dialog.textContent()).toContain(parsedEnvelope.sha256.slice(0, 6));
      await shot('airgap-export-dialog');
      await dialog.getByRole('button', { name: 'Done' }).click();

      // ---- the air-gapped Custos
      await withHost(
        async ({ page: cold, host: coldHost, screenshot: coldShot, errors: coldErrors }) => {
          await createVault(cold, PASSPHRASE);
          const coldAdmin = await coldHost.custodian.forTransport({ transport: 'test' }).login('admin', new TextEncoder().encode(PASSPHRASE));
          await coldAdmin.hdImport('default', 'hd', ABANDON);
          const banner = cold.getByTestId('airgap-banner');
          await banner.waitFor({ state: 'visible' });
          expect(await banner.textContent()).toContain('Air-gapped mode');
          expect(await banner.textContent()).toContain('server.air_gapped in custos.yaml');
          await cold.getByTestId('airgap-indicator').waitFor({ state: 'visible' });
          await shot('airgap-banner', cold);

          await cold.locator('body').press('g');
          await cold.locator('body').press('x');
          expect(new URL(cold.url()).hash).toBe('#/airgap');
          await cold.getByTestId('airgap-import-request').waitFor({ state: 'visible' });
          await shot('airgap-empty', cold);

          // A damaged envelope is refused with its code; the real one is queued for review.
          await dropFile(cold, 'airgap-import-request', envelope.name, envelope.text.replace(parsedEnvelope.sha256, '0'.repeat(64)));
          const refused = cold.locator('[role="alert"][data-error-code]').first();
          await refused.waitFor({ state: 'visible' });
          expect(await refused.getAttribute('data-error-code')).toBeTruthy();
          await dropFile(cold, 'airgap-import-request', envelope.name, envelope.text);
          const detail = cold.getByTestId('request-detail');
          await detail.waitFor({ state: 'visible' });
          const view = detail.getByTestId('request-view');
          expect(await view.textContent()).toContain(MESSAGE);
          expect(await view.textContent()).toContain(ETH_0);
          expect(await detail.textContent()).toContain('air-gap');
          await shot('airgap-request', cold);

          await cold.getByTestId('approve').click();
          const response = cold.getByTestId('airgap-response');
          await response.getByTestId('qr').waitFor({ state: 'visible', timeout: 30_000 });
          expect(await detail.getAttribute('data-state')).toBe('signed');
          expect(Number(await response.getByTestId('qr').getAttribute('data-frames'))).toBeGreaterThanOrEqual(1);
          const saved = await download(cold, 'airgap-save');
          const parsed = JSON.parse(saved.text) as { format: string; requestSha256: string; result: { primary: { value: string } } };
          expect(parsed.format).toBe('custos-airgap-response');
          expect(parsed.requestSha256).toBe(parsedEnvelope.sha256);
          expect(verifyMessage(MESSAGE, parsed.result.primary.value)).toBe(ETH_0);
          await shot('airgap-response-qr', cold);
          await setTheme(cold, 'dark');
          await shot('airgap-response-qr-dark', cold);
          void coldShot;
          expect(coldErrors.filter((e) => !e.includes('favicon'))).toEqual([]);

          // ---- back online: the outbox, then the response pasted in
          await page.locator('body').press('g');
          await page.locator('body').press('x');
          const outbox = page.getByTestId('airgap-outbox');
          await outbox.waitFor({ state: 'visible' });
          expect(await outbox.locator('tbody tr').first().getAttribute('data-state')).toBe('sent');
          await shot('airgap-outbox');
          await page.getByTestId('airgap-import-response-paste-toggle').click();
          await page.getByTestId('airgap-import-response-text').fill(saved.text);
          await page.getByTestId('airgap-import-response-submit').click();
          const imported = page.getByTestId('airgap-imported');
          await imported.waitFor({ state: 'visible' });
          expect(await imported.getAttribute('data-fulfilled')).toBe('true');
          expect(await page.getByTestId('airgap-imported-primary').textContent()).toBe(parsed.result.primary.value);
          const got = await answer;
          expect(got).toEqual({ ok: true, signature: parsed.result.primary.value });
          await eventually(async () => expect(await outbox.locator('tbody tr').first().getAttribute('data-state')).toBe('answered'));
          await shot('airgap-outbox-answered');
        },
        { config: 'server:\n  air_gapped: true\n' },
      );
      expect(errors.filter((e) => !e.includes('favicon'))).toEqual([]);
    });
  });
});
