/**
 * The metrics server on a real loopback listener: it answers only to its own names (DNS
 * rebinding: 421), binds to loopback only, and refuses request bodies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startMetricsServer, type MetricsServer } from './server.js';
import { FakeSource, httpGet } from './test-source.js';

const servers: MetricsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(bind: '127.0.0.1' | '::1' = '127.0.0.1'): Promise<MetricsServer> {
  const s = await startMetricsServer({ source: new FakeSource(), bind, port: 0, defaultMetrics: false });
  servers.push(s);
  return s;
}

describe('metrics server', () => {
  it('answers to 127.0.0.1:PORT and localhost:PORT, and refuses any other Host with 421', async () => {
    const s = await start();
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
    expect((await httpGet(`${s.url}/metrics`)).status).toBe(200);
    expect((await httpGet(`${s.url}/health/live`, { host: `localhost:${s.port}` })).status).toBe(200);
    expect((await httpGet(`${s.url}/health/live`, { host: `LOCALHOST:${s.port}` })).status).toBe(200);
    for (const host of ['evil.example', `evil.example:${s.port}`, `127.0.0.1:${s.port + 1}`, '127.0.0.1', `localhost.evil.example:${s.port}`, `[::1]:${s.port}`]) {
      const r = await httpGet(`${s.url}/metrics`, { host });
      expect(r.status, host).toBe(421);
      expect(r.body).not.toContain('hsm_');
    }
  });

  it('on ::1 answers to [::1]:PORT', async () => {
    let s: MetricsServer;
    try {
      s = await start('::1');
    } catch (error) {
      // A machine without IPv6 loopback: nothing to test here.
      if ((error as { code?: string }).code === 'UNSUPPORTED') return;
      throw error;
    }
    expect(s.url).toBe(`http://[::1]:${s.port}`);
    expect((await httpGet(`${s.url}/health/live`)).status).toBe(200);
    expect((await httpGet(`${s.url}/health/live`, { host: `127.0.0.1:${s.port}` })).status).toBe(421);
  });

  it('binds to loopback only', async () => {
    for (const bind of ['0.0.0.0', '::', '192.168.1.1']) {
      await expect(startMetricsServer({ source: new FakeSource(), bind: bind as '127.0.0.1', port: 0, defaultMetrics: false })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
  });

  it('refuses a request body beyond 1 KiB (413) before the handler sees it', async () => {
    const s = await start();
    expect((await httpGet(`${s.url}/metrics`, { method: 'POST', body: 'x'.repeat(4096) })).status).toBe(413);
  });

  it('a port in use is a clear error, and the failed server stops observing its source', async () => {
    const s = await start();
    const source = new FakeSource();
    await expect(startMetricsServer({ source, bind: '127.0.0.1', port: s.port, defaultMetrics: false })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(source.listeners.size).toBe(0);
  });
});
