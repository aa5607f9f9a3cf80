/**
 * startApiServers: what the configuration enables starts (and answers), nothing starts in
 * air-gapped mode, a server this version does not have is refused by name, and when one server
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
  it('starts the HsmService and metrics the configuration enables; both answer', async () => {
    const c = await core();
    const [hsm, metrics] = [await freePort(), await freePort()];
    const s = await startApiServers({ custodian: c.forTransport({ transport: 'hsm' }), config: serverConfig({ hsm: { enabled: true, port: hsm }, metrics: { enabled: true, port: metrics } }) });
    closers.push(() => s.close());
    expect(s.servers).toEqual([
      { name: 'hsm', url: `http://127.0.0.1:${hsm}`, port: hsm },
      { name: 'metrics', url: `http://127.0.0.1:${metrics}`, port: metrics },
    ]);
    const health = await fetch(`http://127.0.0.1:${hsm}/hsm.v1.HSM/HealthCheck`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await health.json()).toMatchObject({ status: 'SERVING_STATUS_SERVING', vaultUnlocked: true });
    expect((await fetch(`http://127.0.0.1:${metrics}/health/live`)).status).toBe(200);
  });

  it('starts nothing when nothing is enabled or in air-gapped mode; refuses servers this version lacks', async () => {
    const c = await core();
    expect((await startApiServers({ custodian: c, config: serverConfig({}) })).servers).toEqual([]);
    expect((await startApiServers({ custodian: c, config: serverConfig({ air_gapped: true }) })).servers).toEqual([]);
    expect(await codeOfAsync(startApiServers({ custodian: c, config: serverConfig({ wallet_rpc: { enabled: true } }) }))).toBe('UNSUPPORTED');
    expect(await codeOfAsync(startApiServers({ custodian: c, config: serverConfig({ eth2: { enabled: true } }) }))).toBe('UNSUPPORTED');
  });

  it('all or none: when metrics cannot bind, the HsmService that started is closed again', async () => {
    const c = await core();
    const taken = await listen();
    closers.push(() => new Promise((r) => taken.close(r)));
    const busy = (taken.address() as AddressInfo).port;
    const hsm = await freePort();
    expect(await codeOfAsync(startApiServers({ custodian: c, config: serverConfig({ hsm: { enabled: true, port: hsm }, metrics: { enabled: true, port: busy } }) }))).toBeDefined();
    // The HsmService's port is free again.
    const again = await listen(hsm);
    await new Promise((r) => again.close(r));
  });
});
