/**
 * The Policies screen, through the browser host and Chromium, on a real core: policies are stored
 * in the vault and judged by the engine, modules are validated and metered at install, and the
 * request the program sends is decided by them.
 *
 * G P opens the empty screen → a rules policy with a value limit is written in the rule editor; a
 * bad amount (1.5 in a wei field) is refused by the core and shown under that field → fixed and
 * saved with an approval threshold, it is listed in run order → the test bench runs the stored
 * policies on the 0.1, 5 and 100 ETH presets (allow, require approval, deny) and re-runs live as
 * the context is edited → the spending-limit example (compiled here with asc, as
 * examples.test.ts does) is installed, listed with its SHA-256, and a WASM policy is created over
 * it → the bench runs the unsaved draft and a .wasm file with fuel → the rules policy is disabled
 * from its switch and deleted after typing its name → a 5 ETH transfer a program submits waits
 * with the policy block saying which policy asked for approval and why, and how many approvals
 * its quorum still needs (one after admin's). Screenshots:
 * policies-empty, policies-rule-error, policies-editor, policies-list, policies-bench-allow,
 * policies-bench-deny, policies-wasm-editor, policies-modules, policies-bench-wasm, requests-policy, requests-quorum, policies-bench-dark.
 *
 * Needs the built renderer (npm run build:renderer).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy, EXAMPLES_DIR } from '../scripts/build-policies.js';
import type { SigningRequest } from '../shared/api/signing.js';
import { withHost } from './support/host.js';
import { createVault, dismissToasts, eventually } from './support/ui.js';

const PASSPHRASE = 'orbit lantern quietly tundra 42 marble';
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const client = { transport: 'wallet-rpc', id: 'https://dapp.example', label: 'https://dapp.example' };
const signer = { kind: 'hd', namespace: 'default', wallet: 'hd' } as const;
const transfer = (wei: string) => ({ type: 2, chainId: 1, nonce: 7, to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', value: wei, gasLimit: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1500000000' });

let tmp: string;
let wasmPath: string;
let wasmSha: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'custos-policies-e2e-'));
  const bytes = await compilePolicy(join(EXAMPLES_DIR, 'spending-limit.ts'));
  wasmPath = join(tmp, 'spending-limit.wasm');
  writeFileSync(wasmPath, bytes);
  wasmSha = createHash('sha256').update(bytes).digest('hex');
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function benchDecision(page: Page, preset: string, decision: string): Promise<void> {
  await page.locator(`[data-preset="${preset}"]`).click();
  await eventually(async () => expect(await page.getByTestId('bench-evaluation').getAttribute('data-decision')).toBe(decision));
}

describe('the Policies screen', () => {
  it('writes a rules policy with field errors, tests it on the bench, installs a WASM module, and shows the policy on a request', async () => {
    await withHost(async ({ page, host, screenshot: rawScreenshot, errors }) => {
      const screenshot = async (name: string) => {
        await dismissToasts(page);
        return rawScreenshot(name);
      };
      await createVault(page, PASSPHRASE);

      // ---- G P: the empty screen
      await page.locator('body').press('g');
      await page.locator('body').press('p');
      await page.getByText('No policies yet').waitFor({ state: 'visible' });
      expect(new URL(page.url()).hash).toBe('#/policies');
      expect(await page.locator('header h1').textContent()).toBe('Policies');
      await screenshot('policies-empty');

      // ---- a rules policy: a bad amount is refused by the core, at its field
      await page.getByTestId('new-rules-policy').click();
      const editor = page.getByTestId('policy-editor');
      await editor.waitFor({ state: 'visible' });
      await editor.locator('[data-field="policy-name"]').fill('eth-limits');
      await editor.getByLabel('Description').fill('Mainnet limits for hot keys');
      const firstRule = editor.getByTestId('rule-card').nth(0);
      await firstRule.locator('[data-field="perTransaction"]').fill('1.5');
      await editor.getByTestId('policy-save').click();
      const perTx = firstRule.locator('[data-field="perTransaction"]');
      await eventually(async () => expect(await perTx.getAttribute('aria-invalid')).toBe('true'));
      expect(await firstRule.getByRole('alert').first().textContent()).toContain('expected a decimal amount in base units');
      expect(await editor.locator('[data-error-code="INVALID_INPUT"]').textContent()).toContain('policy.rules[0].perTransaction');
      await screenshot('policies-rule-error');

      // Fixed: 10 ETH per transaction, and an approval threshold of 1 ETH.
      await perTx.fill('10000000000000000000');
      expect(await firstRule.textContent()).toContain('= 10 ETH');
      await editor.getByTestId('add-rule').click();
      await page.locator('[role="menuitem"][data-rule-type="approvalThreshold"]').click();
      const second = editor.getByTestId('rule-card').nth(1);
      await second.locator('[data-field="value"]').fill('1000000000000000000');
      await second.locator('[data-field="value"]').blur();
      await screenshot('policies-editor');
      await editor.getByTestId('policy-save').click();
      const rows = page.getByTestId('policy-table').locator('tbody tr');
      await eventually(async () => expect(await rows.count()).toBe(1));
      expect(await rows.first().textContent()).toContain('eth-limits');
      await eventually(async () => expect(await editor.getByTestId('policy-save').isDisabled()).toBe(true));
      await editor.getByRole('button', { name: 'Close the policy' }).click();
      expect(await rows.first().textContent()).toContain('2 rules: Value limit, Approval threshold');
      await screenshot('policies-list');

      // ---- the test bench on the stored policies: 0.1 allow, 5 approval, 100 deny
      await page.getByRole('radio', { name: 'Test bench' }).click();
      await page.getByTestId('test-bench').waitFor({ state: 'visible' });
      await benchDecision(page, 'eth-0.1', 'allow');
      await screenshot('policies-bench-allow');
      await benchDecision(page, 'eth-5', 'require-approval');
      await benchDecision(page, 'eth-100', 'deny');
      expect(await page.getByTestId('bench-reasons').textContent()).toContain('eth-limits');
      expect(await page.getByTestId('bench-policy-result').count()).toBe(1);
      await screenshot('policies-bench-deny');
      // Live: editing the value re-runs without pressing Run.
      const ctx = page.getByTestId('bench-context');
      await ctx.fill((await ctx.inputValue()).replace('"100000000000000000000"', '"100000000000000000"'));
      await eventually(async () => expect(await page.getByTestId('bench-evaluation').getAttribute('data-decision')).toBe('allow'));

      // ---- install the spending-limit module, see it listed, write a WASM policy over it
      await page.getByRole('radio', { name: 'Modules' }).click();
      await page.getByText('No WASM modules installed').waitFor({ state: 'visible' });
      await page.getByTestId('install-module').click();
      const dialog = page.getByTestId('install-module-dialog');
      await dialog.getByTestId('module-file').setInputFiles(wasmPath);
      await eventually(async () => expect(await dialog.getByTestId('module-name').inputValue()).toBe('spending-limit'));
      await dialog.getByTestId('install-module-submit').click();
      await dialog.waitFor({ state: 'detached' });
      // Installing opens a new WASM policy over it.
      await editor.waitFor({ state: 'visible' });
      expect(await editor.locator('[data-field="module"]').inputValue()).toBe(wasmSha);
      await editor.locator('[data-field="policy-name"]').fill('spending');
      await editor.locator('[data-field="quorum-required"]').fill('2');
      await editor.locator('[data-field="quorum-approvers"]').fill('admin\nbob');
      // The bench runs the unsaved draft.
      await editor.getByTestId('policy-test').click();
      await page.getByTestId('test-bench').waitFor({ state: 'visible' });
      expect(await page.getByRole('radio', { name: 'Draft: spending' }).getAttribute('aria-checked')).toBe('true');
      await benchDecision(page, 'eth-5', 'require-approval');
      const wasmResult = page.getByTestId('bench-policy-result');
      expect(await wasmResult.count()).toBe(1);
      expect(await wasmResult.textContent()).toContain('1 to 10 ETH needs an operator');
      expect(await wasmResult.textContent()).toMatch(/fuel [\d,]+/);
      // Back to the editor: save it.
      await page.getByRole('radio', { name: 'Policies', exact: true }).click();
      await editor.getByTestId('policy-save').click();
      await eventually(async () => expect(await rows.count()).toBe(2));
      await eventually(async () => expect(await editor.getByTestId('policy-save').isDisabled()).toBe(true));
      await screenshot('policies-wasm-editor');
      await editor.getByRole('button', { name: 'Close the policy' }).click();
      expect(await page.getByTestId('policy-table').textContent()).toContain('module spending-limit');
      await page.getByRole('radio', { name: 'Modules' }).click();
      const card = page.getByTestId('module-card');
      await eventually(async () => expect(await card.count()).toBe(1));
      expect(await card.getAttribute('data-sha256')).toBe(wasmSha);
      expect(await card.textContent()).toContain('Used by spending');
      expect(await card.textContent()).toContain(wasmSha.slice(0, 8));
      await screenshot('policies-modules');

      // A .wasm file, not installed, on the bench.
      await page.getByRole('radio', { name: 'Test bench' }).click();
      await page.getByRole('radio', { name: 'A .wasm file' }).click();
      await page.getByTestId('bench-file').setInputFiles(wasmPath);
      await benchDecision(page, 'eth-100', 'deny');
      expect(await page.getByTestId('bench-policy-result').textContent()).toContain('more than 10 ETH');
      await screenshot('policies-bench-wasm');

      // ---- disable the rules policy from its switch, then delete it by typing its name
      await page.getByRole('radio', { name: 'Policies', exact: true }).click();
      const limitsRow = page.locator('tr[data-policy="eth-limits"]');
      await limitsRow.getByTestId('policy-enabled').click();
      await eventually(async () => expect(await limitsRow.getByTestId('policy-enabled').getAttribute('aria-checked')).toBe('false'));
      await limitsRow.click();
      await editor.getByTestId('policy-delete').click();
      const del = page.getByTestId('delete-policy-dialog');
      await del.getByRole('textbox').fill('eth-limits');
      await del.getByRole('button', { name: 'Delete policy' }).click();
      await eventually(async () => expect(await rows.count()).toBe(1));

      // ---- a request the spending module sends to an operator: the policy block says who and why
      const admin = await host.custodian.forTransport({ transport: 'test' }).login('admin', new TextEncoder().encode(PASSPHRASE));
      await admin.hdImport('default', 'hd', ABANDON);
      const { token } = await admin.createToken({ label: 'dapp', grants: [{ namespace: 'default', role: 'KeyUser' }] });
      const program = await host.custodian.forTransport({ transport: 'wallet-rpc' }).authenticateToken(token);
      const request: SigningRequest = { type: 'eth.transaction', transaction: JSON.stringify(transfer('5000000000000000000')) };
      const outcome = program.submitSigningRequest({ client, method: 'eth_signTransaction', request, signer }).then(
        () => 'signed',
        (e: unknown) => String((e as { code?: unknown }).code),
      );
      await page.locator('body').press('g');
      await page.locator('body').press('q');
      const block = page.getByTestId('request-policy');
      await block.waitFor({ state: 'visible' });
      expect(await block.getAttribute('data-decision')).toBe('require-approval');
      expect(await block.textContent()).toContain('Why this needs your approval');
      expect(await block.textContent()).toContain('spending');
      expect(await block.textContent()).toContain('1 to 10 ETH needs an operator');
      // The spending policy's quorum: 2 of admin and bob, none given yet.
      const quorum = block.getByTestId('request-quorum');
      expect(await quorum.getAttribute('data-remaining')).toBe('2');
      expect(await quorum.textContent()).toContain('0 of 2 approvals · 2 more needed');
      await screenshot('requests-policy');
      // admin's approval is one of two: the request keeps waiting, admin ticked, Approve closed to them.
      await page.waitForTimeout(500);
      await page.getByTestId('approve').click();
      const row = page.getByTestId('pending-list').getByRole('option').first();
      await eventually(async () => {
        await row.click();
        expect(await quorum.getAttribute('data-remaining')).toBe('1');
      });
      expect(await quorum.textContent()).toContain('1 of 2 approvals · 1 more needed');
      expect(await page.getByTestId('approve').isDisabled()).toBe(true);
      await screenshot('requests-quorum');
      await page.getByTestId('reject').click();
      await page.getByTestId('reject-reason').fill('policy e2e');
      await page.keyboard.press('Enter');
      expect(await outcome).toBe('USER_REJECTED');

      // The test bench in the dark theme (the palette switches it).
      await page.keyboard.press('Control+k');
      await page.getByRole('combobox', { name: 'Command' }).fill('Theme: dark');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Control+k');
      await page.getByRole('combobox', { name: 'Command' }).fill('test bench');
      await page.keyboard.press('Enter');
      await page.getByRole('radio', { name: 'Stored policies' }).click();
      await benchDecision(page, 'eth-5', 'require-approval');
      await screenshot('policies-bench-dark');

      expect(errors).toEqual([]);
    });
  });
});
