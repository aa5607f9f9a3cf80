/**
 * The Devices screen against a real SoftHSM2 token, through the browser host and Chromium:
 *
 * a token `e2e` initialised in a private SOFTHSM2_CONF (set before the host loads the module) and
 * named in custos.yaml (`devices.pkcs11_modules`) → G D lists it as "Login required" → a wrong PIN
 * is refused with PIN_INCORRECT in the PIN dialog, whose field is emptied → the right PIN makes it
 * ready → "Generate on token" offers the token's algorithms; an ecdsa-p256 key `tok1` in
 * `default` appears among the token's keys as referenced → a test signature made in the GUI is
 * verified by Custos (the dialog says so) and here with node:crypto against the PEM the Keys
 * screen shows → pkcs11-tool, an
 * independent PKCS#11 client, finds the key on the token → the Keys screen shows tok1 with its
 * `PKCS#11 · e2e` badge and Forget (no Rotate) → Forget (typing the id) leaves the key on the token,
 * unreferenced, and Adopt brings it back under another id → log out.
 *
 * The Ledger's confirm overlay needs a Ledger: a second page of the same browser has a
 * `devices.confirm` event put into its WebSocket (Playwright's routeWebSocket) to show it and take
 * it away; nothing of the host is faked for the rest.
 *
 * Screenshots: devices-empty (none configured), devices-token-logged-out, devices-pin-dialog,
 * devices-pin-incorrect, devices-generate-dialog, devices-token-keys, devices-test-sign,
 * devices-keys-screen-device-key, devices-forget-dialog, devices-confirm-overlay (each light and
 * -dark where it says so). Needs the built renderer (npm run build:renderer), softhsm2 and opensc.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withHost } from './support/host.js';
import { createVault, dismissToasts, eventually } from './support/ui.js';

const PASSPHRASE = 'copper lantern drizzle 58 orchard ivy';
const MODULE = '/usr/lib/softhsm/libsofthsm2.so';
const TOKEN = 'e2e';
const PIN = '1234';
const run = promisify(execFile);
const haveSoftHsm = existsSync(MODULE) && existsSync('/usr/bin/softhsm2-util');

async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.keyboard.press('Control+k');
  await page.getByRole('combobox', { name: 'Command' }).fill(`theme: ${theme}`);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(200);
}

async function go(page: Page, key: string): Promise<void> {
  await page.locator('body').press('g');
  await page.locator('body').press(key);
}

describe('the Devices screen', () => {
  let dir = '';
  let conf = '';
  const previousConf = process.env.SOFTHSM2_CONF;

  beforeAll(() => {
    if (!haveSoftHsm) return;
    dir = mkdtempSync(join(tmpdir(), 'custos-e2e-softhsm-'));
    mkdirSync(join(dir, 'tokens'));
    conf = join(dir, 'softhsm2.conf');
    writeFileSync(conf, `directories.tokendir = ${join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`);
    execFileSync('softhsm2-util', ['--init-token', '--free', '--label', TOKEN, '--pin', PIN, '--so-pin', '5678'], { env: { ...process.env, SOFTHSM2_CONF: conf }, stdio: 'pipe' });
    // The host runs in this process: SoftHSM reads SOFTHSM2_CONF when the core first loads the module.
    process.env.SOFTHSM2_CONF = conf;
  });

  afterAll(() => {
    if (previousConf === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = previousConf;
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('says how to configure devices when none is', async () => {
    await withHost(async ({ page, screenshot, errors }) => {
      await createVault(page, PASSPHRASE);
      await go(page, 'd');
      expect(new URL(page.url()).hash).toBe('#/devices');
      const empty = page.getByTestId('devices-empty');
      await empty.waitFor({ state: 'visible' });
      await dismissToasts(page);
      const text = (await empty.textContent()) ?? '';
      expect(text).toContain('pkcs11_modules');
      expect(text).toContain('custos device list');
      expect(text).toContain('custos pkcs11 generate --token LABEL --id ID --alg ecdsa-p256');
      await screenshot('devices-empty');
      expect(errors).toEqual([]);
    });
  });

  it.skipIf(!haveSoftHsm)('logs in to a SoftHSM token, generates a key on it, signs with it, and forgets and adopts it', async () => {
    await withHost(
      async ({ page, context, origin, screenshot: rawShot, errors }) => {
        const shot = async (name: string, of: Page = page) => {
          await dismissToasts(of);
          return rawShot(name, of);
        };
        await createVault(page, PASSPHRASE);

        // ---- G D: the token, login required
        await go(page, 'd');
        const view = page.getByTestId('device-view');
        await view.waitFor({ state: 'visible', timeout: 20_000 });
        expect(await view.getAttribute('data-state')).toBe('login-required');
        expect(await page.getByTestId('device-status').textContent()).toBe('Login required');
        expect(await page.locator(`[data-device="pkcs11:${TOKEN}"]`).count()).toBe(1);
        await shot('devices-token-logged-out');
        await setTheme(page, 'dark');
        await shot('devices-token-logged-out-dark');
        await setTheme(page, 'light');

        // ---- a wrong PIN: PIN_INCORRECT in the dialog, the field emptied
        await page.getByTestId('device-login').click();
        const dialog = page.getByTestId('pin-dialog');
        await dialog.waitFor({ state: 'visible' });
        const pin = page.getByTestId('pin-input');
        expect(await pin.getAttribute('type')).toBe('password');
        await pin.fill('0000');
        await rawShot('devices-pin-dialog');
        await page.getByTestId('pin-submit').click();
        const refusal = dialog.locator('[data-error-code]').first();
        await refusal.waitFor({ state: 'visible', timeout: 20_000 });
        expect(await refusal.getAttribute('data-error-code')).toBe('PIN_INCORRECT');
        expect(await refusal.textContent()).toContain('PIN_INCORRECT');
        expect(await pin.inputValue()).toBe('');
        await rawShot('devices-pin-incorrect');
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached' });

        // ---- the right PIN: ready, no keys yet
        await page.getByTestId('device-login').click();
        await dialog.waitFor({ state: 'visible' });
        expect(await page.getByTestId('pin-input').inputValue()).toBe(''); // nothing kept from before
        await page.getByTestId('pin-input').fill(PIN);
        await page.getByTestId('pin-submit').click();
        await dialog.waitFor({ state: 'detached', timeout: 20_000 });
        await eventually(async () => expect(await view.getAttribute('data-state')).toBe('ready'));
        await page.getByTestId('device-keys-empty').waitFor({ state: 'visible', timeout: 20_000 });

        // ---- generate on the token: only its algorithms, ecdsa-p256 tok1 in default
        await page.getByTestId('device-generate').click();
        const gen = page.getByTestId('generate-on-token-dialog');
        await gen.waitFor({ state: 'visible' });
        const offered = await page.getByTestId('generate-algorithm').locator('option').allTextContents();
        expect(offered).toContain('ecdsa-p256');
        expect(offered).not.toContain('aes-256-cbc'); // CBC is not something the token generates here
        expect(await gen.textContent()).toContain('sensitive and non-extractable');
        await page.getByTestId('generate-id').fill('tok1');
        await page.getByTestId('generate-algorithm').selectOption('ecdsa-p256');
        expect(await gen.textContent()).toContain('custos pkcs11 generate --token e2e --id tok1 --alg ecdsa-p256');
        await rawShot('devices-generate-dialog');
        await page.getByTestId('generate-on-token-submit').click();
        await gen.waitFor({ state: 'detached', timeout: 30_000 });
        const row = page.locator('[data-testid="device-keys"] tbody tr').first();
        await row.waitFor({ state: 'visible', timeout: 20_000 });
        expect(await row.getAttribute('data-referenced')).toBe('true');
        expect(await row.getByTestId('device-key-ref').textContent()).toBe('default/tok1');
        expect(await row.textContent()).toContain('ecdsa-p256');
        await shot('devices-token-keys');
        await setTheme(page, 'dark');
        await shot('devices-token-keys-dark');
        await setTheme(page, 'light');

        // ---- a test signature in the GUI, verified here against the PEM the Keys screen shows
        const message = 'signed on the e2e token';
        await row.getByTestId('device-key-test-sign').click();
        await page.getByTestId('test-sign-dialog').waitFor({ state: 'visible' });
        await page.getByTestId('test-sign-message').fill(message);
        await page.getByTestId('test-sign-submit').click();
        const result = page.getByTestId('test-sign-result');
        await result.waitFor({ state: 'visible', timeout: 20_000 });
        // crypto.verify checks device-key signatures against the public key the reference holds.
        expect(await result.getAttribute('data-verified')).toBe('true');
        expect(await result.textContent()).toContain('Signed; the signature verifies');
        expect(await result.locator('[data-error-code]').count()).toBe(0);
        const signature = ((await page.getByTestId('test-sign-signature').textContent()) ?? '').trim();
        await rawShot('devices-test-sign');
        await page.keyboard.press('Escape');

        // ---- an independent client finds the key on the token
        const listed = await run('pkcs11-tool', ['--module', MODULE, '--token-label', TOKEN, '--login', '--pin', PIN, '--list-objects'], { env: { ...process.env, SOFTHSM2_CONF: conf } });
        expect(listed.stdout).toMatch(/Private Key Object; EC/);
        expect(listed.stdout).toContain('default/tok1');

        // ---- the Keys screen: the device key with its badge, its public key, Forget instead of rotate/delete
        await row.getByTestId('device-key-ref').click();
        expect(new URL(page.url()).hash).toBe('#/keys');
        const keyRow = page.locator('[data-key-id="tok1"]');
        await keyRow.waitFor({ state: 'visible' });
        expect(await keyRow.textContent()).toContain(`PKCS#11 · ${TOKEN}`);
        const detail = page.getByTestId('key-detail');
        await detail.waitFor({ state: 'visible' });
        expect(await detail.getByRole('button', { name: 'Rotate' }).count()).toBe(0);
        expect(await detail.textContent()).toContain('No — non-extractable on the device');
        await page.mouse.move(0, 0);
        await shot('devices-keys-screen-device-key');
        await setTheme(page, 'dark');
        await shot('devices-keys-screen-device-key-dark');
        await setTheme(page, 'light');
        await detail.getByRole('tab', { name: 'Public key' }).click();
        const pem = ((await page.getByTestId('public-key-text').textContent()) ?? '').trim();
        expect(pem).toContain('BEGIN PUBLIC KEY');
        expect(verify('sha256', Buffer.from(message, 'utf8'), createPublicKey(pem), Buffer.from(signature, 'base64'))).toBe(true);
        expect(verify('sha256', Buffer.from(`${message}!`, 'utf8'), createPublicKey(pem), Buffer.from(signature, 'base64'))).toBe(false);

        // ---- Forget (type the id): the reference goes, the key stays on the token
        await detail.getByRole('button', { name: 'More key actions' }).click();
        await page.getByRole('menuitem', { name: /Forget/ }).click();
        const forget = page.getByTestId('forget-key-dialog');
        await forget.waitFor({ state: 'visible' });
        expect(await forget.textContent()).toContain('custos device forget --id tok1');
        await forget.getByRole('textbox').fill('tok1');
        await rawShot('devices-forget-dialog');
        await forget.getByRole('button', { name: 'Forget' }).click();
        await forget.waitFor({ state: 'detached', timeout: 20_000 });
        await keyRow.waitFor({ state: 'detached', timeout: 20_000 });

        await go(page, 'd');
        await eventually(async () => expect(await page.locator('[data-testid="device-keys"] tbody tr').first().getAttribute('data-referenced')).toBe('false'));
        await page.getByTestId('device-key-adopt').click();
        const adopt = page.getByTestId('adopt-dialog');
        await adopt.waitFor({ state: 'visible' });
        expect(await page.getByTestId('adopt-id').inputValue()).toBe('tok1'); // suggested from the label default/tok1
        await page.getByTestId('adopt-id').fill('tok1-adopted');
        await page.getByTestId('adopt-submit').click();
        await adopt.waitFor({ state: 'detached', timeout: 20_000 });
        await eventually(async () => expect(await page.locator('[data-testid="device-keys"] [data-testid="device-key-ref"]').first().textContent()).toBe('default/tok1-adopted'));

        // ---- log out: login required again, keys no longer listed
        await page.getByTestId('device-logout').click();
        await eventually(async () => expect(await view.getAttribute('data-state')).toBe('login-required'));
        expect(await page.getByTestId('device-keys').count()).toBe(0);

        expect(errors).toEqual([]);

        // ---- the confirm-on-device overlay, shown by a devices.confirm event put into a second page's socket
        let socket: WebSocketRoute | undefined;
        await context.routeWebSocket(/\/api$/, (ws) => {
          ws.connectToServer();
          socket = ws;
        });
        const second = await context.newPage();
        await second.goto(`${origin}/`);
        await second.getByTestId('unlock-screen').waitFor({ state: 'visible' });
        await second.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
        await second.getByRole('button', { name: /^(Unlock|Sign in)$/ }).click(); // the vault is unlocked: this tab signs in
        await second.getByTestId('vault-state').waitFor({ state: 'visible' });
        await eventually(async () => expect(socket).toBeDefined());
        const confirm = (active: boolean) =>
          socket?.send(JSON.stringify({ type: 'event', event: 'devices.confirm', payload: { backend: 'ledger:0001', active, what: 'Sign transaction: send 0.5 ETH to 0x9858…Ea94 on Ethereum Mainnet' } }));
        confirm(true);
        const overlay = second.getByTestId('confirm-on-device');
        await overlay.waitFor({ state: 'visible' });
        expect(await second.getByTestId('confirm-what').textContent()).toContain('send 0.5 ETH');
        await second.waitForTimeout(300);
        await shot('devices-confirm-overlay', second);
        confirm(false);
        await overlay.waitFor({ state: 'detached' });
        await setTheme(second, 'dark');
        confirm(true);
        await overlay.waitFor({ state: 'visible' });
        await second.waitForTimeout(300);
        await shot('devices-confirm-overlay-dark', second);
        confirm(false);
        await overlay.waitFor({ state: 'detached' });
        await setTheme(second, 'light');
      },
      { config: `devices:\n  pkcs11_modules: ['${MODULE}']\n` },
    );
  });
});
