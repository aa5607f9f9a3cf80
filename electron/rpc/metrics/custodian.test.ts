/**
 * End to end with a real vault (SQLite in a temp dir): the facade's metricsSource() feeds the
 * metrics server, operations move the counters, scraping appends no audit event and needs no
 * session, and health follows lock, unlock and a tampered audit log.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_KDF, PASSPHRASE, tempDir, unlockedCustodian } from '../../../test/helpers.js';
import { openCustodian, type Custodian } from '../../core/custodian.js';
import { databasePath } from '../../core/vault/database.js';
import { startMetricsServer, type MetricsServer } from './server.js';
import type { MetricsSource } from './source.js';
import { httpGet, PINNED_LINT, PROMTOOL, promtool, samples, without } from './test-source.js';

const MSG = new TextEncoder().encode('metrics');

const open: { server?: MetricsServer; custodian?: Custodian }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.server?.close();
    await o.custodian?.close();
  }
});

async function serve(c: Custodian): Promise<MetricsServer> {
  // The facade's source is the rpc port, structurally: this line is the compile-time check.
  const source: MetricsSource = c.metricsSource();
  const server = await startMetricsServer({ source, bind: '127.0.0.1', port: 0, defaultMetrics: false });
  open.push({ server, custodian: c });
  return server;
}

const scrape = async (server: MetricsServer): Promise<string> => (await httpGet(`${server.url}/metrics`)).body;
const ready = async (server: MetricsServer): Promise<{ status: number; checks: Record<string, string> }> => {
  const r = await httpGet(`${server.url}/health/ready`);
  return { status: r.status, checks: (JSON.parse(r.body) as { checks: Record<string, string> }).checks };
};

describe('metrics from a real vault', () => {
  it('sign with a key, scrape, see the operation counted (the audit action of a signature is crypto.sign)', async () => {
    const c = await unlockedCustodian();
    const server = await serve(c);
    await c.generateKey('default', 'k1', 'ed25519');
    await c.sign({ namespace: 'default', keyId: 'k1', data: MSG });
    await expect(c.sign({ namespace: 'default', keyId: 'missing', data: MSG })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const before = c.auditStatus().size;
    const text = await scrape(server);
    expect(text).toContain('hsm_operations_total{operation="crypto.sign",namespace="default",result="ok"} 1\n');
    expect(text).toContain('hsm_operations_total{operation="crypto.sign",namespace="default",result="NOT_FOUND"} 1\n');
    expect(text).toContain('hsm_operations_total{operation="key.generate",namespace="default",result="ok"} 1\n');
    expect(text).toContain('hsm_operation_duration_seconds_count{operation="crypto.sign"} 2\n');
    expect(samples(text, 'hsm_keys_total')).toEqual(['hsm_keys_total{namespace="default",algorithm="ed25519",state="active"} 1']);
    expect(samples(text, 'hsm_active_sessions')).toEqual(['hsm_active_sessions 1']);
    expect(samples(text, 'hsm_requests_pending')).toEqual(['hsm_requests_pending 0']);
    expect(samples(text, 'hsm_vault_unlocked')).toEqual(['hsm_vault_unlocked 1']);
    expect(samples(text, 'hsm_audit_events_total').sort()).toEqual([
      'hsm_audit_events_total{event_type="crypto.sign",result="NOT_FOUND"} 1',
      'hsm_audit_events_total{event_type="crypto.sign",result="ok"} 1',
      'hsm_audit_events_total{event_type="key.generate",result="ok"} 1',
    ]);
    expect(samples(text, 'hsm_audit_log_events')).toEqual([`hsm_audit_log_events ${before}`]);
    // Metrics are an observer, not a caller: scraping and health checks append nothing.
    await ready(server);
    await scrape(server);
    expect(c.auditStatus().size).toBe(before);
    expect(text).not.toContain('k1');
    expect(text).not.toContain('admin');
  });

  it('counts HD wallets, key states and what other callers do; needs no session', async () => {
    const c = await unlockedCustodian();
    // The source of an unauthenticated transport instance sees everything all the same.
    const server = await serve(c.forTransport({ transport: 'metrics' }));
    await c.createNamespace('payments');
    await c.generateKey('payments', 'a', 'ecdsa-secp256k1');
    await c.generateKey('payments', 'b', 'ecdsa-secp256k1');
    await c.disableKey('payments', 'b');
    await c.hdCreate('default', 'w', { words: 12 });
    const text = await scrape(server);
    expect(samples(text, 'hsm_keys_total').sort()).toEqual([
      'hsm_keys_total{namespace="default",algorithm="bip39-seed",state="active"} 1',
      'hsm_keys_total{namespace="payments",algorithm="ecdsa-secp256k1",state="active"} 1',
      'hsm_keys_total{namespace="payments",algorithm="ecdsa-secp256k1",state="disabled"} 1',
    ]);
    expect(text).toContain('hsm_operations_total{operation="namespace.create",namespace="payments",result="ok"} 1\n');
    expect(text).toContain('hsm_operations_total{operation="hd.create",namespace="default",result="ok"} 1\n');
  });

  it('1,000 distinct keys signing add no series', async () => {
    const c = await unlockedCustodian();
    const server = await serve(c);
    for (let i = 0; i < 1000; i++) await c.generateKey('default', `key-${i}`, 'ed25519');
    await c.sign({ namespace: 'default', keyId: 'key-0', data: MSG });
    const count = (text: string): number => text.split('\n').filter((l) => l.startsWith('hsm_')).length;
    const first = await scrape(server);
    await Promise.all(Array.from({ length: 1000 }, (_, i) => c.sign({ namespace: 'default', keyId: `key-${i}`, data: MSG })));
    const second = await scrape(server);
    expect(count(second)).toBe(count(first));
    expect(second).toContain('hsm_operations_total{operation="crypto.sign",namespace="default",result="ok"} 1001\n');
    expect(second).toContain('hsm_keys_total{namespace="default",algorithm="ed25519",state="active"} 1000\n');
    expect(second).not.toMatch(/key-\d/);
  });
});

describe.skipIf(!existsSync(PROMTOOL) && process.env.CI !== 'true')('promtool on a real vault', () => {
  it('lints the scrape of a vault after a spread of operations', async () => {
    const c = await unlockedCustodian();
    const server = await serve(c);
    await c.generateKey('default', 'e', 'ecdsa-secp256k1');
    await c.ethSignMessage({ namespace: 'default', keyId: 'e' }, MSG);
    await c.hdCreate('default', 'w', { words: 12 });
    await c.hdDerive('default', 'w', { chain: 'ethereum', index: 0 });
    await expect(c.getKey('nope', 'x')).rejects.toBeDefined();
    await c.lock();
    await expect(c.unlock(new TextEncoder().encode('wrong passphrase'))).rejects.toMatchObject({ code: 'PASSPHRASE_INCORRECT' });
    const text = await scrape(server);
    expect(text).toContain('operation="eth.sign-message"');
    expect(promtool(text).lines).toEqual(PINNED_LINT);
    expect(promtool(without(text, 'hsm_keys_total'))).toEqual({ status: 0, lines: [] });
  });
});

describe('health from a real vault', () => {
  it('ready only while unlocked; startup until closed; live throughout', async () => {
    const dataDir = tempDir();
    const c = await unlockedCustodian({ dataDir });
    const server = await serve(c);
    expect(await ready(server)).toEqual({ status: 200, checks: { core: 'open', vault: 'unlocked', audit: 'verified' } });
    await c.lock();
    expect(await ready(server)).toEqual({ status: 503, checks: { core: 'open', vault: 'locked', audit: 'verified' } });
    expect(samples(await scrape(server), 'hsm_active_sessions')).toEqual(['hsm_active_sessions 0']);
    await c.unlock(PASSPHRASE);
    expect((await ready(server)).status).toBe(200);
    await c.close();
    expect((await httpGet(`${server.url}/health/startup`)).status).toBe(503);
    expect((await httpGet(`${server.url}/health/ready`)).status).toBe(503);
    expect((await httpGet(`${server.url}/health/live`)).status).toBe(200);
    expect((await httpGet(`${server.url}/metrics`)).status).toBe(200);
  });

  it('a tampered audit log makes the server unready until an Admin acknowledges', async () => {
    // As electron/core/audit/log.test.ts does: build a log, close, change an event behind Custos's back.
    const dataDir = tempDir();
    const first = await unlockedCustodian({ dataDir });
    await first.generateKey('default', 'k', 'ed25519');
    for (let i = 0; i < 5; i++) await first.sign({ namespace: 'default', keyId: 'k', data: MSG });
    await first.auditCheckpoint();
    await first.close();
    const db = new Database(databasePath(dataDir));
    db.prepare("UPDATE audit_events SET result = 'NOT_FOUND' WHERE seq = 4").run();
    db.close();

    const c = await openCustodian({ dataDir, kdf: FAST_KDF });
    const server = await serve(c);
    expect((await ready(server)).checks.vault).toBe('locked');
    const report = await c.unlock(PASSPHRASE);
    expect(report.ok).toBe(false);
    const r = await httpGet(`${server.url}/health/ready`);
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toMatchObject({ status: 'unavailable', checks: { vault: 'unlocked', audit: 'tampered' } });
    await expect(c.sign({ namespace: 'default', keyId: 'k', data: MSG })).rejects.toMatchObject({ code: 'TAMPERED' });
    let text = await scrape(server);
    expect(samples(text, 'hsm_audit_tampered')).toEqual(['hsm_audit_tampered 1']);
    expect(samples(text, 'hsm_audit_integrity_violations_total')).toEqual(['hsm_audit_integrity_violations_total 1']);
    expect(text).toContain('hsm_operations_total{operation="crypto.sign",namespace="default",result="TAMPERED"} 1\n');
    expect(text).toContain('hsm_audit_events_total{event_type="audit.violation",result="TAMPERED"} 1\n');

    await c.auditAcknowledge();
    expect(await ready(server)).toEqual({ status: 200, checks: { core: 'open', vault: 'unlocked', audit: 'verified' } });
    text = await scrape(server);
    expect(samples(text, 'hsm_audit_tampered')).toEqual(['hsm_audit_tampered 0']);
    // The violation stays on record.
    expect(samples(text, 'hsm_audit_integrity_violations_total')).toEqual(['hsm_audit_integrity_violations_total 1']);
  });
});
