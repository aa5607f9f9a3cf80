/**
 * startApiServers: what the configuration enables starts (and answers), nothing starts in
 * air-gapped mode, the server this version does not have (eth2) is refused by name, and when one server
 * cannot start the ones already started are closed again (all or none).
 */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { unlockedCustodian } from '../../test/helpers.js';
import { codeOfAsync } from '../../test/support.js';
import { configSchema, type CustosConfig } from '../core/config/index.js';
import type { Custodian } from '../core/custodian.js';
import { startApiServers } from './servers.js';

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function listen(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

async function freePort(): Promise<number> {
  const s = await listen();
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

function serverConfig(patch: Record<string, unknown>): CustosConfig['server'] {
  return configSchema.parse({ server: patch }).server;
}

async function core(): Promise<Custodian> {
  const c = await unlockedCustodian();
  closers.push(() => c.close());
  return c;
}

describe('startApiServers', () => {
  it('starts the HsmService, the wallet RPC and metrics the configuration enables; each answers', async () => {
    const c = await core();
    const [hsm, wallet, metrics] = [await freePort(), await freePort(), await freePort()];
    const s = await startApiServers({
      custodian: c.forTransport({ transport: 'hsm' }),
      config: serverConfig({ hsm: { enabled: true, port: hsm }, wallet_rpc: { enabled: true, port: wallet }, metrics: { enabled: true, port: metrics } }),
    });
    closers.push(() => s.close());
    expect(s.servers).toEqual([
      { name: 'hsm', url: `http://127.0.0.1:${hsm}`, port: hsm },
      { name: 'wallet_rpc', url: `http://127.0.0.1:${wallet}`, port: wallet },
      { name: 'metrics', url: `http://127.0.0.1:${metrics}`, port: metrics },
    ]);
    // A page that is not connected learns the default chain (and nothing else).
    const chainId = await fetch(`http://127.0.0.1:${wallet}/`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://dapp.example' }, body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' });
    expect(await chainId.json()).toEqual({ jsonrpc: '2.0', id: 1, result: '0x1' });
    const health = await fetch(`http://127.0.0.1:${hsm}/hsm.v1.HSM/HealthCheck`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await health.json()).toMatchObject({ status: 'SERVING_STATUS_SERVING', vaultUnlocked: true });
    expect((await fetch(`http://127.0.0.1:${metrics}/health/live`)).status).toBe(200);
  });

  it('starts nothing when nothing is enabled or in air-gapped mode; refuses the server this version lacks', async () => {
    const c = await core();
    expect((await startApiServers({ custodian: c, config: serverConfig({}) })).servers).toEqual([]);
    expect((await startApiServers({ custodian: c, config: serverConfig({ air_gapped: true }) })).servers).toEqual([]);
    expect(await codeOfAsync(startApiServers({ custodian: c, config: serverConfig({ eth2: { enabled: true } }) }))).toBe('UNSUPPORTED');
  });

  it('all or none: when metrics cannot bind, the HsmService and wallet RPC that started are closed again', async () => {
    const c = await core();
    const taken = await listen();
    closers.push(() => new Promise((r) => taken.close(r)));
    const busy = (taken.address() as AddressInfo).port;
    const [hsm, wallet] = [await freePort(), await freePort()];
    expect(await codeOfAsync(startApiServers({ custodian: c, config: serverConfig({ hsm: { enabled: true, port: hsm }, wallet_rpc: { enabled: true, port: wallet }, metrics: { enabled: true, port: busy } }) }))).toBe('INVALID_INPUT');
    // Their ports are free again.
    for (const port of [hsm, wallet]) {
      const again = await listen(port);
      await new Promise((r) => again.close(r));
    }
  });
});
