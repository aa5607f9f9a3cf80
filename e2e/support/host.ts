/**
 * @module e2e/support/host
 * The e2e harness: a fresh temporary data directory with the `test` configuration preset (fast
 * Argon2id), the browser host started in this process on an ephemeral port, Debian's Chromium
 * driven by playwright-core and already signed in through the one-time login URL — and all of it
 * torn down afterwards, whether the test passed or not.
 *
 *   await withHost(async ({ page, origin, host, dataDir, screenshot, errors }) => {
 *     await page.getByRole('button', { name: 'Create vault' }).click();
 *     await screenshot('setup-wizard');
 *   });
 *
 * Trusts the host under test no more than a browser would: the page reaches it only through
 * HTTP and the WebSocket. Screenshots go to e2e/artifacts/ (git-ignored; CI keeps them).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { LedgerTransportSource } from '../../electron/core/backends/ledger/discovery.js';
import { coreOptionsFrom, loadConfig } from '../../electron/core/config/index.js';
import { defaultRendererDir, packageVersion } from '../../electron/host/package-info.js';
import { startHost, type Host, type HostEvent } from '../../electron/host/server.js';
import { anyApiServerEnabled, startApiServers, type RunningServer } from '../../electron/rpc/servers.js';

/** Debian's Chromium (apt install chromium); playwright-core downloads no browser. */
export const CHROMIUM_PATH = process.env.CUSTOS_E2E_CHROMIUM ?? '/usr/bin/chromium';

/** Quiet, reproducible Chromium for containers and CI: no sandbox (no user namespaces there), no GPU, no phoning home. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export const ARTIFACTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export interface HostFixture {
  readonly browser: Browser;
  readonly context: BrowserContext;
  /** Signed in: it has opened the login URL and followed the redirect to `${origin}/`. */
  readonly page: Page;
  /** The login URL `page` used (spent now; `host.newLoginUrl()` mints another). */
  readonly url: string;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly dataDir: string;
  readonly host: Host;
  /** Console errors, uncaught page errors and CSP violations from every page of the context, in order. */
  readonly errors: string[];
  /** Everything the host refused or did (HostEvent), in order. */
  readonly events: HostEvent[];
  /** The loopback API servers `config` enables (started beside the host as `custos serve` does), else none. */
  readonly servers: readonly RunningServer[];
  /** A full-page PNG of `page` (or `of`) as e2e/artifacts/<name>.png; returns its path. */
  screenshot(name: string, of?: Page): Promise<string>;
}

export interface WithHostOptions {
  /** The built renderer. Default dist/renderer: run `npm run build:renderer` first. */
  readonly staticDir?: string;
  /** `CUSTOS_<SECTION>__<KEY>` configuration overrides on top of the `test` preset. */
  readonly env?: Readonly<Record<string, string>>;
  /** Open the login URL in `page` first (default true). */
  readonly signIn?: boolean;
  /** Default 1280×800. */
  readonly viewport?: { readonly width: number; readonly height: number };
  /**
   * custos.yaml written into the data directory before the configuration is loaded. The API
   * servers it enables (e.g. `server.wallet_rpc`) start beside the host, on the same facade, as
   * with `custos serve --ui`; use port 0 for ephemeral ports.
   */
  readonly config?: string;
  /**
   * Where Ledger transports come from instead of USB HID (CoreOptionsContext.ledgerSource), e.g.
   * an EthereumAppSimulator announced as attached. Used only when `config` turns Ledger support on
   * (`devices: { ledger: true }`); nothing else of the host changes.
   */
  readonly ledgerSource?: () => LedgerTransportSource;
}

/**
 * Run `test` against a fresh host and a signed-in Chromium page. On failure a screenshot of the
 * page is saved as e2e/artifacts/failed-<test name>.png before everything is torn down.
 */
export async function withHost<T>(test: (fixture: HostFixture) => Promise<T>, options: WithHostOptions = {}): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), 'custos-e2e-'));
  const events: HostEvent[] = [];
  const errors: string[] = [];
  let host: Host | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  let servers: Awaited<ReturnType<typeof startApiServers>> | undefined;
  try {
    const env = { ...(process.env.CUSTOS_FORCE_NOBLE === undefined ? {} : { CUSTOS_FORCE_NOBLE: process.env.CUSTOS_FORCE_NOBLE }), ...options.env };
    if (options.config !== undefined) writeFileSync(join(dataDir, 'custos.yaml'), options.config);
    const { config } = loadConfig({ dataDir, preset: 'test', env });
    const apis = anyApiServerEnabled(config.server);
    host = await startHost({
      core: coreOptionsFrom(config, { dataDir, env, ...(options.ledgerSource === undefined ? {} : { ledgerSource: options.ledgerSource }) }),
      staticDir: options.staticDir ?? defaultRendererDir(),
      port: 0,
      version: packageVersion(),
      onEvent: (e) => events.push(e),
      ...(apis ? { lockWhenLastTabCloses: false } : {}),
    });
    if (apis) servers = await startApiServers({ custodian: host.custodian, config: config.server });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
    const watch = (p: Page): void => {
      p.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      p.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
    };
    context.on('page', watch);
    page = await context.newPage();
    if (options.signIn ?? true) {
      const response = await page.goto(host.url);
      if (response?.status() !== 200 || new URL(page.url()).pathname !== '/') {
        throw new Error(`signing in through the login URL ended at ${page.url()} with status ${response?.status() ?? 'none'}`);
      }
    }
    const shot = (name: string, of: Page = page as Page): Promise<string> => screenshot(of, name);
    return await test({ browser, context, page, url: host.url, origin: host.origin, dataDir, host, errors, events, servers: servers?.servers ?? [], screenshot: shot });
  } catch (error) {
    if (page !== undefined) await screenshot(page, `failed-${expect.getState().currentTestName ?? 'withHost'}`).catch(() => undefined);
    throw error;
  } finally {
    await browser?.close().catch(() => undefined);
    await servers?.close();
    await host?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Saves a full-page PNG as e2e/artifacts/<name>.png (name reduced to [a-z0-9._-]). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const safe = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 120) || 'screenshot';
  const path = join(ARTIFACTS_DIR, `${safe}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
