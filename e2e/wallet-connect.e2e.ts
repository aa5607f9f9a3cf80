/**
 * Wallet connections in the GUI, through the browser host and Chromium.
 *
 * 1. Prompts the operator decides (made the way the wallet RPC makes them, on the facade the host
 *    serves): a site's connect prompt joins the Requests queue live (badge, "(n) Custos"), shows
 *    its origin, lets the operator tick accounts and pick the chain, and A connects — the site gets
 *    exactly those accounts; an http:// site is flagged as unencrypted (connecting it needs a
 *    deliberate tick; A alone does nothing) and R rejects it with a reason (USER_REJECTED); a program's pairing shows its own name as a claim and the code, and
 *    Confirm gives the program its token. Settings › Connected sites and programs lists both:
 *    auto-approve asks first, accounts are edited in place, Revoke needs the name typed, and the
 *    revoked site holds no session any more.
 * 2. The dapp flow over the real wallet RPC (server.wallet_rpc in custos.yaml): a page served from
 *    another loopback port calls eth_requestAccounts, the operator connects it in Custos, the page
 *    gets the address, asks for personal_sign, the operator approves it on the Requests screen,
 *    and the signature the page received recovers to that address (ethers' verifyMessage).
 *
 * Screenshots: wallet-connect-prompt, wallet-connect-auto-approve, wallet-connect-insecure, wallet-pair-prompt,
 * wallet-requests-history, wallet-settings-connections, wallet-settings-edit, wallet-settings-revoke,
 * wallet-settings-connections-dark,
 * wallet-dapp-connect, wallet-dapp-sign. Needs the built renderer (npm run build:renderer).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyMessage } from 'ethers';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { withHost } from './support/host.js';
import { createVault, dismissToasts, eventually } from './support/ui.js';

const PASSPHRASE = 'orbit lantern quietly tundra 42 marble';
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
/** m/44'/60'/0'/0/0 and /1 of the "abandon … about" mnemonic (BIP-39 test vector). */
const ETH_0 = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
const ETH_1 = '0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0';
const SITE = 'https://app.example.org';
const CONFIG = (walletPort: number) => `server:
  wallet_rpc:
    enabled: true
    port: ${walletPort}
    chains:
      - chain_id: 1
        name: Ethereum
      - chain_id: 11155111
        name: Sepolia
`;

type Settled<T> = { ok: true; value: T } | { ok: false; code: string; message: string };
function settled<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (e: unknown) => ({ ok: false as const, code: String((e as { code?: unknown }).code), message: String((e as { message?: unknown }).message) }),
  );
}

/** A port nobody listens on now (the wallet RPC's port is configured, not ephemeral). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function goRequests(page: Page): Promise<void> {
  await page.locator('body').press('g');
  await page.locator('body').press('q');
  await eventually(async () => expect(new URL(page.url()).hash).toBe('#/requests'));
}

describe('wallet connections in the GUI', () => {
  it('connects a site with chosen accounts and chain, flags and rejects an http:// site, pairs a program, and manages both in Settings', async () => {
    const walletPort = await freePort();
    await withHost(
      async ({ page, host, screenshot: rawScreenshot, errors }) => {
        const screenshot = async (name: string) => {
          await dismissToasts(page);
          return rawScreenshot(name);
        };
        await createVault(page, PASSPHRASE);
        const admin = await host.custodian.forTransport({ transport: 'test' }).login('admin', new TextEncoder().encode(PASSPHRASE));
        await admin.hdImport('default', 'hd', ABANDON);
        await goRequests(page);
        await page.getByText('No requests waiting').waitFor({ state: 'visible' });

        // ---- 1. a site asks to connect (what eth_requestAccounts does on the wallet RPC)
        const site = settled(host.custodian.walletRequestConnection({ origin: SITE, chainId: '11155111' }));
        const badge = page.getByTestId('requests-badge');
        await eventually(async () => expect(await badge.textContent()).toBe('1'));
        expect(await page.title()).toBe('(1) Custos');
        const detail = page.getByTestId('prompt-detail');
        await detail.waitFor({ state: 'visible' });
        expect(await detail.getAttribute('data-kind')).toBe('connect');
        expect(await detail.getByTestId('origin').first().textContent()).toBe(SITE);
        expect(await detail.getByTestId('insecure-origin').count()).toBe(0);
        const row = page.getByTestId('pending-list').getByRole('option');
        expect(await row.first().textContent()).toContain('app.example.org');
        // Defaults: the first account ticked, the chain the site asked for, auto-approve off.
        const accountBoxes = detail.getByTestId('grant-account').locator('input[type="checkbox"]');
        await eventually(async () => expect(await accountBoxes.count()).toBeGreaterThanOrEqual(2));
        expect(await accountBoxes.nth(0).isChecked()).toBe(true);
        expect(await accountBoxes.nth(1).isChecked()).toBe(false);
        expect(await detail.getByTestId('grant-chain').inputValue()).toBe('11155111');
        expect(await detail.getByTestId('grant-auto-approve').isChecked()).toBe(false);
        expect(await detail.getByTestId('grant-account').nth(1).getAttribute('data-address')).toBe(ETH_1);
        // The operator adds the second account and keeps Sepolia.
        await accountBoxes.nth(1).check();
        await accountBoxes.nth(1).blur();
        await screenshot('wallet-connect-prompt');
        // Auto-approve warns when ticked; untick it again.
        await detail.getByTestId('grant-auto-approve').check();
        await detail.getByTestId('auto-approve-warning').waitFor({ state: 'visible' });
        // Into the middle of the column: the sticky action bar covers its bottom edge.
        await detail.getByTestId('auto-approve-warning').evaluate((el) => void el.scrollIntoView({ block: 'center' }));
        await screenshot('wallet-connect-auto-approve');
        await detail.getByTestId('grant-auto-approve').uncheck();
        await detail.getByTestId('grant-auto-approve').blur();

        await page.waitForTimeout(500); // a keyboard decision waits a moment after the selection appeared
        await page.locator('body').press('a');
        const connected = await site;
        if (!connected.ok) throw new Error(`connect failed: ${connected.code} ${connected.message}`);
        expect(connected.value.accounts.map((a) => a.address)).toEqual([ETH_0, ETH_1]);
        expect(connected.value.chainId).toBe('11155111');
        expect(connected.value.autoApprove).toBe(false);
        await page.getByText('No requests waiting').waitFor({ state: 'visible' });
        await eventually(async () => expect(await badge.count()).toBe(0));

        // ---- 2. an http:// site: flagged, rejected with R and a reason
        const insecure = settled(host.custodian.walletRequestConnection({ origin: 'http://dapp.example' }));
        await detail.getByTestId('insecure-origin').waitFor({ state: 'visible' });
        // Connecting it takes a deliberate tick first: the button and A refuse until then.
        const approve = page.getByTestId('approve');
        expect(await approve.isDisabled()).toBe(true);
        await page.waitForTimeout(500);
        await page.locator('body').press('a');
        await page.waitForTimeout(300);
        expect(await detail.getAttribute('data-state')).toBe('pending');
        await page.getByTestId('request-acknowledge').check();
        expect(await approve.isDisabled()).toBe(false);
        await page.getByTestId('request-acknowledge').uncheck();
        await page.getByTestId('request-acknowledge').blur();
        await screenshot('wallet-connect-insecure');
        await page.locator('body').press('r');
        const reason = page.getByTestId('reject-reason');
        await eventually(async () => expect(await reason.evaluate((el) => el === document.activeElement)).toBe(true));
        await reason.fill('not encrypted');
        await reason.press('Enter');
        const refused = await insecure;
        expect(refused).toMatchObject({ ok: false, code: 'USER_REJECTED' });
        expect((refused as { message: string }).message).toContain('not encrypted');

        // ---- 3. a program pairs: its name is a claim, the code is compared, Confirm gives it a token
        const { pairingId, code } = await host.custodian.walletRequestPairing({ name: 'trading-bot (ci)' });
        const paired = settled(host.custodian.walletAwaitPairing({ pairingId }));
        await eventually(async () => expect(await detail.getAttribute('data-kind')).toBe('pair'));
        expect(await detail.getByTestId('pairing-code').textContent()).toBe(code);
        expect(await detail.getByTestId('request-client').textContent()).toContain('trading-bot (ci)');
        await detail.getByText('Confirm only if the program shows the same code').waitFor({ state: 'visible' });
        await screenshot('wallet-pair-prompt');
        await detail.getByTestId('approve').click();
        const token = await paired;
        if (!token.ok) throw new Error(`pairing failed: ${token.code} ${token.message}`);
        expect(token.value.token.length).toBeGreaterThan(16);
        expect(token.value.connection.accounts.map((a) => a.address)).toEqual([ETH_0]);

        // ---- the history keeps all three decisions
        await page.getByTestId('requests-tab-history').click();
        const history = page.getByTestId('history-list').getByRole('option');
        await eventually(async () => expect(await history.count()).toBe(3));
        expect(await page.getByTestId('history-list').textContent()).toContain('Paired ✓');
        expect(await page.getByTestId('history-list').textContent()).toContain('Connected ✓');
        expect(await page.getByTestId('history-list').textContent()).toContain('Rejected');
        await screenshot('wallet-requests-history');

        // ---- Settings: both connections, auto-approve, edit, revoke
        await page.locator('body').press('g');
        await page.locator('body').press('s');
        const connections = page.getByTestId('connection');
        await eventually(async () => expect(await connections.count()).toBe(2));
        const siteRow = connections.filter({ hasText: 'app.example.org' });
        const botRow = connections.filter({ hasText: 'trading-bot (ci)' });
        expect(await siteRow.getAttribute('data-kind')).toBe('origin');
        expect(await botRow.getAttribute('data-kind')).toBe('paired');
        expect(await siteRow.getByTestId('connection-chain').textContent()).toContain('Sepolia');
        expect(await siteRow.getByTestId('connection-accounts').locator('> span').count()).toBe(2);

        // Auto-approve asks first.
        await botRow.getByTestId('connection-auto-approve').click();
        await page.getByTestId('auto-approve-dialog').waitFor({ state: 'visible' });
        await page.getByTestId('auto-approve-confirm').click();
        await eventually(async () => expect(await botRow.getByTestId('connection-auto-approve').getAttribute('aria-checked')).toBe('true'));
        await page.getByTestId('auto-approve-dialog').waitFor({ state: 'detached' });
        expect((await admin.walletConnections()).find((c) => c.kind === 'paired')?.autoApprove).toBe(true);

        await page.getByRole('region', { name: 'Connected sites and programs' }).scrollIntoViewIfNeeded();
        await page.mouse.move(0, 0);
        await screenshot('wallet-settings-connections');

        // Edit: the site keeps only the second account, on Ethereum.
        await siteRow.getByTestId('connection-edit').click();
        const editor = siteRow.getByTestId('connection-editor');
        await editor.waitFor({ state: 'visible' });
        await editor.getByTestId('grant-account').filter({ hasText: ETH_0.slice(0, 6) }).first().locator('input').uncheck();
        await editor.getByTestId('grant-chain').selectOption('1');
        await page.waitForTimeout(400); // the editor scrolls itself into sight
        await screenshot('wallet-settings-edit');
        await editor.getByTestId('connection-save').click();
        await editor.waitFor({ state: 'detached' });
        await eventually(async () => expect(await siteRow.getByTestId('connection-accounts').locator('> span').count()).toBe(1));
        const updated = (await admin.walletConnections()).find((c) => c.kind === 'origin');
        expect(updated?.accounts.map((a) => a.address)).toEqual([ETH_1]);
        expect(updated?.chainId).toBe('1');

        // Revoke: the name must be typed.
        await siteRow.getByTestId('connection-revoke').click();
        const confirm = page.getByTestId('revoke-confirm');
        expect(await confirm.isDisabled()).toBe(true);
        await page.getByTestId('revoke-name').fill('app.example.org');
        await screenshot('wallet-settings-revoke');
        await confirm.click();
        await eventually(async () => expect(await connections.count()).toBe(1));
        expect(host.custodian.walletSession({ kind: 'origin', origin: SITE })).toBeNull();

        await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'dark'));
        await page.getByRole('region', { name: 'Connected sites and programs' }).evaluate((el) => void el.scrollIntoView({ block: 'start' }));
        await screenshot('wallet-settings-connections-dark');
        await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));

        expect(errors).toEqual([]);
      },
      { config: CONFIG(walletPort) },
    );
  });

  it('a dapp on another loopback port connects over the wallet RPC and gets a personal_sign signature approved in Custos', async () => {
    const walletPort = await freePort();
    let dapp: Server | undefined;
    try {
      await withHost(
        async ({ page, context, host, servers, screenshot: rawScreenshot, errors }) => {
          const screenshot = async (name: string, of?: Page) => {
            await dismissToasts(page);
            return rawScreenshot(name, of);
          };
          const rpc = servers.find((s) => s.name === 'wallet_rpc');
          if (rpc === undefined) throw new Error(`the wallet RPC did not start (servers: ${servers.map((s) => s.name).join(', ') || 'none'})`);
          await createVault(page, PASSPHRASE);
          const admin = await host.custodian.forTransport({ transport: 'test' }).login('admin', new TextEncoder().encode(PASSPHRASE));
          await admin.hdImport('default', 'hd', ABANDON);
          await goRequests(page);

          // The dapp: a page on its own loopback port that talks JSON-RPC to the wallet RPC with fetch.
          const html = `<!doctype html><meta charset="utf-8"><title>Dapp</title><body><h1>Example dapp</h1><pre id="out"></pre><script>
            let id = 0;
            window.rpc = async (method, params = []) => {
              const r = await fetch(${JSON.stringify(rpc.url)}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) });
              const body = await r.json();
              document.getElementById('out').textContent += method + ' → ' + JSON.stringify(body.result ?? body.error) + '\\n';
              return body;
            };
          </script></body>`;
          dapp = createServer((_req, res) => {
            res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
            res.end(html);
          });
          await new Promise<void>((r) => (dapp as Server).listen(0, '127.0.0.1', r));
          const dappOrigin = `http://127.0.0.1:${(dapp.address() as AddressInfo).port}`;
          const dappPage = await context.newPage();
          await dappPage.goto(dappOrigin);

          // eth_requestAccounts waits for the operator.
          type RpcBody = { result?: unknown; error?: { code: number; message: string } };
          const accounts = dappPage.evaluate(() => (window as unknown as { rpc: (m: string, p?: unknown[]) => Promise<unknown> }).rpc('eth_requestAccounts')) as Promise<RpcBody>;
          const detail = page.getByTestId('prompt-detail');
          await detail.waitFor({ state: 'visible' });
          expect(await detail.getByTestId('origin').first().textContent()).toBe(dappOrigin);
          expect(await detail.getByTestId('insecure-origin').count()).toBe(0); // http:// on this machine is not flagged
          await eventually(async () => expect(await detail.getByTestId('grant-account').count()).toBeGreaterThanOrEqual(1));
          await screenshot('wallet-dapp-connect');
          await detail.getByTestId('approve').click();
          const granted = await accounts;
          expect(granted.result).toEqual([ETH_0]);

          // personal_sign: a signing request in the same queue, approved by the operator.
          const message = 'Sign in to the example dapp\nNonce: 42';
          const hexMessage = `0x${Buffer.from(message, 'utf8').toString('hex')}`;
          const signing = dappPage.evaluate(([m, a]) => (window as unknown as { rpc: (m: string, p?: unknown[]) => Promise<unknown> }).rpc('personal_sign', [m, a]), [hexMessage, ETH_0] as const) as Promise<RpcBody>;
          const requestDetail = page.getByTestId('request-detail');
          await requestDetail.waitFor({ state: 'visible' });
          expect(await requestDetail.getByTestId('request-view').textContent()).toContain('Nonce: 42');
          await screenshot('wallet-dapp-sign');
          await page.waitForTimeout(500);
          await page.locator('body').press('a');
          const signed = await signing;
          expect(typeof signed.result).toBe('string');
          expect(verifyMessage(message, signed.result as string)).toBe(ETH_0);
          // The page reads it too (what it showed the user).
          expect(await dappPage.locator('#out').textContent()).toContain(signed.result as string);
          expect(errors).toEqual([]);
        },
        { config: CONFIG(walletPort) },
      );
    } finally {
      const d = dapp as Server | undefined;
      if (d !== undefined) await new Promise<void>((r) => d.close(() => r()));
    }
  });
});
