/**
 * Signing a chain request by hand, through the browser host and Chromium: the BIP-39 test
 * phrase is imported → "Sign…" on the wallet opens the Sign screen with it chosen → an EIP-1559
 * transfer is reviewed (amount, network, signer and signing hash shown) and signed, and ethers
 * recovers the wallet's address from the raw transaction the page shows → an edit drops the
 * review → an unlimited ERC-20 approval is flagged and cannot be signed until the danger is
 * acknowledged → EIP-712 typed data for another chain is refused with its code.
 * Screenshots: sign-empty, sign-review, sign-signed, sign-danger, sign-typed-data-error.
 *
 * Needs the built renderer (npm run build:renderer).
 */
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { getStarkKey, grindKey } from '@scure/starknet';
import { Transaction } from 'ethers';
import { openZeppelinAccountAddress } from '../electron/core/chains/starknet/index.js';
import { describe, expect, it } from 'vitest';
import { withHost } from './support/host.js';
import { createVault, dismissToasts, eventually } from './support/ui.js';

const PASSPHRASE = 'orbit lantern quietly tundra 42 marble';
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const ETH_0 = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
const TRANSFER = { type: 2, chainId: 1, nonce: 7, to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', value: '1500000000000000000', gasLimit: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1500000000' };
const APPROVE_ALL = { ...TRANSFER, to: '0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48', value: '0', gasLimit: 60000, data: `0x095ea7b3${'0'.repeat(24)}${'1'.repeat(40)}${'f'.repeat(64)}` };

describe('the Sign screen', () => {
  it('reviews, then signs an EIP-1559 transfer with an HD account; flags an unlimited approval; refuses a wrong chain', async () => {
    await withHost(async ({ page, screenshot: rawScreenshot, errors }) => {
      const screenshot = async (name: string) => {
        await dismissToasts(page);
        return rawScreenshot(name);
      };
      await createVault(page, PASSPHRASE);

      // ---- the screen before anything is chosen
      await page.getByRole('button', { name: 'Sign', exact: true }).click();
      await page.getByText('Nothing to review yet').waitFor({ state: 'visible' });
      await screenshot('sign-empty');

      // ---- an HD wallet, then "Sign…" from its detail
      await page.getByRole('button', { name: 'Keys', exact: true }).click();
      await page.getByRole('radio', { name: 'HD wallets' }).click();
      await page.getByRole('button', { name: 'Import a recovery phrase' }).click();
      const imp = page.getByTestId('hd-import-dialog');
      await imp.getByLabel('Wallet ID').fill('demo');
      await imp.getByLabel('Recovery phrase').fill(ABANDON);
      await imp.getByRole('button', { name: 'Import wallet' }).click();
      await imp.waitFor({ state: 'detached' });
      await page.getByTestId('hd-detail').getByRole('button', { name: 'Sign…' }).click();
      await page.getByText('Nothing to review yet').waitFor({ state: 'visible' });
      expect(await page.getByTestId('signer').inputValue()).toBe('hd:demo');

      // ---- review: what is signed, for whom, on which chain
      await page.getByTestId('request-type').selectOption('eth.transaction');
      await page.getByTestId('payload').fill(JSON.stringify(TRANSFER, null, 2));
      await page.getByRole('button', { name: 'Review' }).click();
      const view = page.getByTestId('request-view');
      await view.waitFor({ state: 'visible' });
      const shown = (await view.textContent()) ?? '';
      expect(shown).toContain('Send 1.5 ETH');
      expect(shown).toContain('Ethereum Mainnet (1)');
      expect(shown).toContain(ETH_0);
      expect(shown).toContain('0.00063 ETH'); // the most the fee can cost: 21000 × 30 gwei
      await screenshot('sign-review');

      // ---- sign: ethers recovers the wallet's address from the raw transaction shown
      await page.getByRole('button', { name: 'Sign', exact: true }).last().click();
      await page.getByTestId('signed-result').waitFor({ state: 'visible' });
      const raw = ((await page.getByTestId('signed-primary').textContent()) ?? '').trim();
      const parsed = Transaction.from(raw);
      expect(parsed.from).toBe(ETH_0);
      expect(parsed.to).toBe(TRANSFER.to);
      expect(parsed.value).toBe(1_500_000_000_000_000_000n);
      expect(shown).toContain(parsed.unsignedHash);
      await screenshot('sign-signed');

      // ---- any edit drops the review: nothing can be signed that was not read
      await page.getByTestId('payload').fill(JSON.stringify(APPROVE_ALL, null, 2));
      await view.waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'Review' }).click();
      await view.waitFor({ state: 'visible' });
      expect(await view.textContent()).toContain('Call approve');
      await page.locator('[data-level="danger"]', { hasText: 'unlimited approval' }).waitFor({ state: 'visible' });
      const signButton = page.getByRole('button', { name: 'Sign', exact: true }).last();
      expect(await signButton.isDisabled()).toBe(true);
      await page.getByTestId('acknowledge').check();
      expect(await signButton.isDisabled()).toBe(false);
      await screenshot('sign-danger');

      // ---- EIP-712 for another chain than the one expected: refused, with its code
      await page.getByTestId('request-type').selectOption('eth.typedData');
      await page.getByTestId('chain-id').fill('1');
      await page.getByTestId('payload').fill(
        JSON.stringify({
          types: { EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'chainId', type: 'uint256' }], Hello: [{ name: 'text', type: 'string' }] },
          primaryType: 'Hello',
          domain: { name: 'Demo', chainId: 5 },
          message: { text: 'hi' },
        }),
      );
      await page.getByRole('button', { name: 'Review' }).click();
      await eventually(async () => expect(await page.locator('main').textContent()).toContain('INVALID_INPUT'));
      expect(await page.locator('main').textContent()).toMatch(/chain/i);
      await screenshot('sign-typed-data-error');

      // ---- StarkNet on an EIP-2645 path (StarkEx layout): the account is the one the path gives,
      // computed here independently (@scure/bip32 at the path, @scure/starknet's grinding).
      await page.getByTestId('request-type').selectOption('stark.invoke');
      await page.getByTestId('eip2645').check();
      await page.getByLabel('Ethereum address').fill(ETH_0);
      const node = HDKey.fromMasterSeed(mnemonicToSeedSync(ABANDON)).derive("m/2645'/579218131'/891216374'/1823398548'/2055460969'/0");
      const starkPub = BigInt(getStarkKey(grindKey(node.privateKey as Uint8Array)));
      const account = openZeppelinAccountAddress(starkPub).address;
      await page
        .getByTestId('payload')
        .fill(JSON.stringify({ version: 3, senderAddress: account, calldata: ['0x0'], nonce: '0', chainId: 'SN_SEPOLIA', resourceBounds: { l1Gas: { maxAmount: '10', maxPricePerUnit: '1' }, l2Gas: { maxAmount: '0', maxPricePerUnit: '0' } } }));
      await page.getByRole('button', { name: 'Review' }).click();
      await view.waitFor({ state: 'visible' });
      expect(await view.textContent()).toContain(account);
      expect(await view.textContent()).not.toContain('not this key'); // the sender is this key's account
      await screenshot('sign-starknet-eip2645');

      expect(errors).toEqual([]);
    });
  });
});
