/**
 * A Ledger in the GUI, through the browser host and Chromium, with the Ethereum-app APDU simulator
 * where USB HID would be (withHost's `ledgerSource`; custos.yaml `devices: { ledger: true }`). The
 * simulator holds the public BIP-39 test phrase; the person at the device is `Person` below, whose
 * answers the test gives one prompt at a time, so the GUI can be looked at while the device waits.
 *
 * G D lists the Ledger, ready, with no accounts → "Add account…": the default path
 * m/44'/60'/0'/0/0 (the stepper goes to #1 and back) → "Show on device": the device is asked to
 * show the address (the prompt the simulator sees is checked) and the dialog shows
 * 0x9858EfFD232B4033E47d90003D41EC34EcaEda94 → adopted as `nano`, the account appears among the
 * Ledger's accounts as default/nano with that address → the Sign screen offers `nano` as a vault
 * key: a personal_sign message waits on the device behind "Confirm on your Ledger" (what it waits
 * for named), the person approves, the overlay goes and ethers' verifyMessage recovers the address
 * → the same for an EIP-1559 transfer (dark theme), Transaction.from(raw).from is the address →
 * a third request is cancelled with the overlay's Cancel: DISCONNECTED shown, the overlay gone, the
 * Devices screen says a cancelled request is still on the Ledger until the person rejects it there
 * → a fourth is rejected on the device: USER_REJECTED shown.
 *
 * Screenshots (e2e/artifacts/): ledger-device, ledger-show-on-device, ledger-add-account,
 * ledger-accounts, ledger-confirm-overlay, ledger-signed-message, ledger-cancelled,
 * ledger-stale-request, ledger-rejected (each with -dark where taken in both themes).
 * Needs the built renderer (npm run build:renderer).
 */
import { Transaction, verifyMessage } from 'ethers';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { LedgerTransportSource } from '../electron/core/backends/ledger/discovery.js';
import { EthereumAppSimulator, type DevicePrompt } from '../electron/core/backends/ledger/simulator.js';
import { withHost } from './support/host.js';
import { createVault, dismissToasts, eventually } from './support/ui.js';

const PASSPHRASE = 'amber kettle 19 harbour slowly fern';
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const ETH_0 = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
const PATH = "m/44'/60'/0'/0/0";
/** The HID path discovery would report; the device id (and so the backend id) comes from it. */
const DESCRIPTOR = '/dev/hidraw3';
const BACKEND = `ledger:${DESCRIPTOR}`;
const TRANSFER = { type: 2, chainId: 1, nonce: 3, to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', value: '250000000000000000', gasLimit: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1500000000' };

/** The person at the device: each prompt waits until the test answers it. */
class Person {
  readonly seen: DevicePrompt[] = [];
  private readonly waiting: { prompt: DevicePrompt; answer: (approve: boolean) => void }[] = [];

  readonly confirm = (prompt: DevicePrompt): Promise<boolean> => {
    this.seen.push(prompt);
    return new Promise<boolean>((answer) => this.waiting.push({ prompt, answer }));
  };

  /** The prompt the device shows now (waits for it to appear). */
  async prompt(timeoutMs = 20_000): Promise<DevicePrompt> {
    await eventually(async () => expect(this.waiting.length).toBe(1), timeoutMs);
    return (this.waiting[0] as { prompt: DevicePrompt }).prompt;
  }

  /** Press both buttons on "Approve" (true) or "Reject" (false). */
  answer(approve: boolean): void {
    const next = this.waiting.shift();
    if (next === undefined) throw new Error('the device is not waiting for the person');
    next.answer(approve);
  }
}

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

describe('a Ledger on the Devices and Sign screens', () => {
  it('adds an account shown on the device, signs behind "Confirm on your Ledger", and reports a cancel and a rejection', async () => {
    const person = new Person();
    const simulator = new EthereumAppSimulator({ mnemonic: ABANDON, confirm: person.confirm });
    // Discovery as node-hid would do it: the device is announced as attached and opened at once,
    // so it is reported while the screen's first devices.list may still be in flight (the store
    // reads again when a change arrives during that first read).
    const ledgerSource = (): LedgerTransportSource => ({
      listen(observer) {
        observer.next({ type: 'add', descriptor: DESCRIPTOR });
        return () => undefined;
      },
      open: async (descriptor) => {
        if (descriptor !== DESCRIPTOR) throw new Error(`no device at ${descriptor}`);
        return simulator;
      },
    });

    await withHost(
      async ({ page, screenshot: rawShot, errors }) => {
        const shot = async (name: string) => {
          await dismissToasts(page);
          return rawShot(name);
        };
        const inBothThemes = async (name: string) => {
          await shot(name);
          await setTheme(page, 'dark');
          await shot(`${name}-dark`);
          await setTheme(page, 'light');
        };
        await createVault(page, PASSPHRASE);

        // ---- G D: the Ledger, ready, no accounts in the vault yet
        await go(page, 'd');
        const view = page.getByTestId('device-view');
        await view.waitFor({ state: 'visible', timeout: 20_000 });
        expect(await page.locator(`[data-device="${BACKEND}"]`).count()).toBe(1);
        expect(await view.getAttribute('data-state')).toBe('ready');
        expect(await page.getByTestId('device-status').textContent()).toBe('Ready');
        expect(await page.locator(`[data-device="${BACKEND}"]`).textContent()).toContain(`LedgerUSB · ${DESCRIPTOR}`);
        expect(await view.getByRole('heading', { level: 2 }).textContent()).toBe('Ledger');
        expect(await view.textContent()).toContain('Signs Ethereum requests');
        await page.getByTestId('device-keys-empty').waitFor({ state: 'visible', timeout: 20_000 });
        await inBothThemes('ledger-device');

        // ---- Add account: the default path, the stepper, "Show on device"
        await page.getByTestId('ledger-add-account').click();
        const dialog = page.getByTestId('ledger-account-dialog');
        await dialog.waitFor({ state: 'visible' });
        const path = page.getByTestId('ledger-path');
        expect(await path.inputValue()).toBe(PATH);
        await dialog.getByRole('button', { name: 'Next address index' }).click();
        expect(await path.inputValue()).toBe("m/44'/60'/0'/0/1");
        await dialog.getByRole('button', { name: 'Previous address index' }).click();
        expect(await path.inputValue()).toBe(PATH);
        expect(await dialog.getByRole('button', { name: 'Previous address index' }).isDisabled()).toBe(true); // index 0 is the first

        await page.getByTestId('ledger-show').click();
        const shown = await person.prompt();
        expect(shown).toEqual({ kind: 'address', path: PATH, fields: { address: ETH_0 } });
        await rawShot('ledger-show-on-device'); // the button busy while the device shows the address
        person.answer(true);
        const address = page.getByTestId('ledger-address');
        await eventually(async () => expect(await address.textContent()).toContain(ETH_0));
        await page.getByTestId('ledger-id').fill('nano');
        expect(await dialog.textContent()).toContain(`custos ledger adopt`);
        await rawShot('ledger-add-account');
        await setTheme(page, 'dark');
        await rawShot('ledger-add-account-dark');
        await setTheme(page, 'light');
        await page.getByTestId('ledger-add').click();
        await dialog.waitFor({ state: 'detached', timeout: 20_000 });

        // ---- the account among the Ledger's: default/nano, its address
        const row = page.locator(`[data-testid="device-keys"] tbody tr[data-handle="${PATH}"]`);
        await row.waitFor({ state: 'visible', timeout: 20_000 });
        expect(await row.getAttribute('data-referenced')).toBe('true');
        expect(await row.getByTestId('device-key-ref').textContent()).toBe('default/nano');
        expect(await row.locator(`[aria-label="${ETH_0}"]`).count()).toBe(1);
        expect(await row.textContent()).toContain('ecdsa-secp256k1');
        expect(await page.locator('[data-testid="device-keys"] th').allTextContents()).toEqual(['Path', 'Algorithm', 'Public key / address', 'In the vault']);
        // The app, once a request has asked it (read again on Refresh: a request changes no device state).
        await page.getByTestId('devices-refresh').click();
        await eventually(async () => expect(await page.locator(`[data-device="${BACKEND}"]`).textContent()).toContain(`Ethereum app 1.13.0 · ${DESCRIPTOR}`));
        await page.mouse.move(0, 0);
        await inBothThemes('ledger-accounts');

        // ---- the Sign screen: personal_sign with the vault key nano, held on the device
        await page.getByRole('button', { name: 'Sign', exact: true }).click();
        await page.getByTestId('request-type').selectOption('eth.message');
        await page.getByTestId('signer').selectOption('key:nano');
        const message = 'Custos e2e: signed on the Ledger';
        await page.getByTestId('payload').fill(message);
        const sign = async (): Promise<void> => {
          await page.getByRole('button', { name: 'Review' }).click();
          await page.getByTestId('request-view').waitFor({ state: 'visible' });
          await page.getByRole('button', { name: 'Sign', exact: true }).last().click();
        };
        await sign();
        expect(await person.prompt()).toEqual({ kind: 'personal-message', path: PATH, fields: { message } });
        const overlay = page.getByTestId('confirm-on-device');
        await overlay.waitFor({ state: 'visible' });
        expect(await overlay.getByRole('heading').textContent()).toBe('Confirm on your Ledger');
        expect(await page.getByTestId('confirm-what').textContent()).toBe('a message for default/nano');
        expect(await overlay.textContent()).toContain(`Waiting for the Ledger (${DESCRIPTOR})`);
        await page.waitForTimeout(300); // the overlay's fade-in
        await shot('ledger-confirm-overlay');
        person.answer(true);
        await overlay.waitFor({ state: 'detached', timeout: 20_000 });
        await page.getByTestId('signed-result').waitFor({ state: 'visible', timeout: 20_000 });
        const signature = ((await page.getByTestId('signed-primary').textContent()) ?? '').trim();
        expect(verifyMessage(message, signature)).toBe(ETH_0);
        expect(verifyMessage(`${message}!`, signature)).not.toBe(ETH_0);
        await shot('ledger-signed-message');

        // ---- an EIP-1559 transfer, in the dark theme
        await setTheme(page, 'dark');
        await page.getByTestId('request-type').selectOption('eth.transaction');
        expect(await page.getByTestId('signer').inputValue()).toBe('key:nano'); // same chain: the signer stays
        await page.getByTestId('payload').fill(JSON.stringify(TRANSFER, null, 2));
        await sign();
        const txPrompt = await person.prompt();
        expect(txPrompt.kind).toBe('transaction');
        expect(txPrompt.fields).toMatchObject({ type: '2', chainId: '1', to: TRANSFER.to, value: TRANSFER.value });
        await overlay.waitFor({ state: 'visible' });
        expect(await page.getByTestId('confirm-what').textContent()).toBe('a transaction for default/nano');
        await page.waitForTimeout(300);
        await shot('ledger-confirm-overlay-dark');
        person.answer(true);
        await overlay.waitFor({ state: 'detached', timeout: 20_000 });
        await page.getByTestId('signed-result').waitFor({ state: 'visible', timeout: 20_000 });
        const tx = Transaction.from(((await page.getByTestId('signed-primary').textContent()) ?? '').trim());
        expect(tx.from).toBe(ETH_0);
        expect(tx.to).toBe(TRANSFER.to);
        expect(tx.value).toBe(250_000_000_000_000_000n);
        expect(tx.type).toBe(2);
        await setTheme(page, 'light');

        // ---- Cancel in the overlay: DISCONNECTED, the overlay gone; the device still shows the request
        await page.getByTestId('request-type').selectOption('eth.message');
        await page.getByTestId('payload').fill('cancelled from the GUI');
        await sign();
        await person.prompt();
        await overlay.waitFor({ state: 'visible' });
        await page.getByTestId('confirm-cancel').click();
        await overlay.waitFor({ state: 'detached', timeout: 20_000 });
        const refusal = page.locator('[data-error-code]').first();
        await refusal.waitFor({ state: 'visible', timeout: 20_000 });
        expect(await refusal.getAttribute('data-error-code')).toBe('DISCONNECTED');
        expect(await refusal.textContent()).toContain('DISCONNECTED');
        expect(await page.getByTestId('signed-result').count()).toBe(0);
        await inBothThemes('ledger-cancelled');

        await go(page, 'd');
        await view.waitFor({ state: 'visible' });
        await page.getByTestId('devices-refresh').click();
        await eventually(async () => expect(await view.getAttribute('data-state')).toBe('busy'));
        expect(await page.getByTestId('device-next').textContent()).toContain('reject it on the device');
        expect(await view.textContent()).toContain('The accounts are listed again when the Ledger is free.');
        await shot('ledger-stale-request');
        person.answer(false); // the person rejects the abandoned request on the device
        await eventually(async () => {
          await page.getByTestId('devices-refresh').click();
          expect(await view.getAttribute('data-state')).toBe('ready');
        });

        // ---- rejected on the device: USER_REJECTED
        await page.getByRole('button', { name: 'Sign', exact: true }).click();
        await page.getByTestId('payload').fill('rejected on the device');
        await sign();
        expect((await person.prompt()).fields).toEqual({ message: 'rejected on the device' });
        await overlay.waitFor({ state: 'visible' });
        person.answer(false);
        await overlay.waitFor({ state: 'detached', timeout: 20_000 });
        await eventually(async () => expect(await page.locator('[data-error-code]').first().getAttribute('data-error-code')).toBe('USER_REJECTED'));
        expect(await page.getByTestId('signed-result').count()).toBe(0);
        await shot('ledger-rejected');

        expect(person.seen.map((p) => p.kind)).toEqual(['address', 'personal-message', 'transaction', 'personal-message', 'personal-message']);
        expect(errors).toEqual([]);
      },
      { config: 'devices:\n  ledger: true\n', ledgerSource },
    );
  });
});
