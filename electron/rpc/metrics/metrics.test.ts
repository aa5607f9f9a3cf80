/**
 * The metrics and health endpoints against a hand-driven source, over a real loopback server on
 * port 0: exposition, counters, label bounds, health answers, methods and paths.
 */
import { register as globalRegistry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_OPERATIONS, OTHER } from './labels.js';
import { startMetricsServer, type MetricsServer } from './server.js';
import { FakeSource, httpGet, samples } from './test-source.js';

let source: FakeSource;
let server: MetricsServer;

beforeEach(async () => {
  source = new FakeSource();
  server = await startMetricsServer({ source, bind: '127.0.0.1', port: 0 });
});
afterEach(async () => {
  await server.close();
});

const scrape = async (): Promise<string> => {
  const r = await httpGet(`${server.url}/metrics`);
  expect(r.status).toBe(200);
  return r.body;
};

describe('GET /metrics', () => {
  it('serves Prometheus text 0.0.4 with every hsm_* metric, typed and described', async () => {
    const r = await httpGet(`${server.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    const types: Record<string, string> = {
      hsm_operations_total: 'counter',
      hsm_operation_duration_seconds: 'histogram',
      hsm_keys_total: 'gauge',
      hsm_active_sessions: 'gauge',
      hsm_audit_events_total: 'counter',
      hsm_audit_integrity_violations_total: 'counter',
      hsm_requests_pending: 'gauge',
      hsm_vault_unlocked: 'gauge',
      hsm_audit_tampered: 'gauge',
      hsm_audit_log_events: 'gauge',
    };
    for (const [name, type] of Object.entries(types)) {
      expect(r.body).toContain(`# TYPE ${name} ${type}\n`);
      expect(r.body).toMatch(new RegExp(`# HELP ${name} \\S`));
    }
    // Process and Node.js defaults on the same private registry; the misnamed *_total gauges dropped.
    expect(r.body).toContain('# TYPE process_cpu_seconds_total counter');
    expect(r.body).toContain('# TYPE nodejs_heap_size_used_bytes gauge');
    expect(r.body).toContain('# TYPE nodejs_active_handles gauge');
    expect(r.body).not.toContain('nodejs_active_handles_total');
    // Never prom-client's global registry.
    expect(globalRegistry.getMetricsAsArray()).toHaveLength(0);
  });

  it('HEAD answers the headers without a body', async () => {
    const r = await httpGet(`${server.url}/metrics`, { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.body).toBe('');
    expect(Number(r.headers['content-length'])).toBeGreaterThan(100);
  });

  it('counts operations by action, namespace and result, and times them', async () => {
    source.operate({ action: 'key.sign', namespace: 'default', result: 'ok', durationMs: 0.2 });
    source.operate({ action: 'key.sign', namespace: 'default', result: 'ok', durationMs: 3 });
    source.operate({ action: 'key.sign', namespace: 'default', result: 'PERMISSION_DENIED', durationMs: 0.1 });
    source.operate({ action: 'vault.unlock', namespace: null, result: 'PASSPHRASE_INCORRECT', durationMs: 900 });
    const text = await scrape();
    expect(samples(text, 'hsm_operations_total').sort()).toEqual([
      'hsm_operations_total{operation="key.sign",namespace="default",result="PERMISSION_DENIED"} 1',
      'hsm_operations_total{operation="key.sign",namespace="default",result="ok"} 2',
      'hsm_operations_total{operation="vault.unlock",namespace="",result="PASSPHRASE_INCORRECT"} 1',
    ]);
    expect(text).toContain('hsm_operation_duration_seconds_count{operation="key.sign"} 3');
    expect(text).toContain('hsm_operation_duration_seconds_bucket{le="0.00025",operation="key.sign"} 2');
    expect(text).toContain('hsm_operation_duration_seconds_bucket{le="0.005",operation="key.sign"} 3');
    expect(text).toContain('hsm_operation_duration_seconds_bucket{le="0.00005",operation="key.sign"} 0');
    expect(text).toContain('hsm_operation_duration_seconds_bucket{le="10",operation="vault.unlock"} 1');
    expect(text).toContain('hsm_operation_duration_seconds_sum{operation="vault.unlock"} 0.9');
  });

  it('reads keys, sessions, audit state and pending requests from the source at scrape time', async () => {
    source.state = {
      ...source.state,
      activeSessions: 2,
      auditViolations: 1,
      keys: [
        { namespace: 'default', algorithm: 'ed25519', state: 'active', count: 3 },
        { namespace: 'payments', algorithm: 'ecdsa-secp256k1', state: 'pending-deletion', count: 1 },
        { namespace: 'default', algorithm: 'bip39-seed', state: 'disabled', count: 1 },
      ],
    };
    let text = await scrape();
    expect(samples(text, 'hsm_keys_total').sort()).toEqual([
      'hsm_keys_total{namespace="default",algorithm="bip39-seed",state="disabled"} 1',
      'hsm_keys_total{namespace="default",algorithm="ed25519",state="active"} 3',
      'hsm_keys_total{namespace="payments",algorithm="ecdsa-secp256k1",state="pending-deletion"} 1',
    ]);
    expect(samples(text, 'hsm_active_sessions')).toEqual(['hsm_active_sessions 2']);
    expect(samples(text, 'hsm_requests_pending')).toEqual(['hsm_requests_pending 0']);
    expect(samples(text, 'hsm_audit_integrity_violations_total')).toEqual(['hsm_audit_integrity_violations_total 1']);
    expect(samples(text, 'hsm_vault_unlocked')).toEqual(['hsm_vault_unlocked 1']);

    // A key destroyed and its row gone: its series goes too (the gauge is rebuilt every scrape).
    source.state = { ...source.state, keys: [{ namespace: 'default', algorithm: 'ed25519', state: 'active', count: 2 }], unlocked: false, auditTampered: true };
    text = await scrape();
    expect(samples(text, 'hsm_keys_total')).toEqual(['hsm_keys_total{namespace="default",algorithm="ed25519",state="active"} 2']);
    expect(samples(text, 'hsm_vault_unlocked')).toEqual(['hsm_vault_unlocked 0']);
    expect(samples(text, 'hsm_audit_tampered')).toEqual(['hsm_audit_tampered 1']);
  });

  it('counts audit events appended since start, whoever wrote them', async () => {
    // Events before the server started are history, not this process's counter.
    await server.close();
    source = new FakeSource();
    source.events.push({ action: 'vault.init', result: 'ok' }, { action: 'key.generate', result: 'ok' });
    server = await startMetricsServer({ source, bind: '127.0.0.1', port: 0 });
    expect(samples(await scrape(), 'hsm_audit_events_total')).toEqual([]);
    // An operation of this process, then events from elsewhere (another process, the core itself).
    source.operate({ action: 'key.sign', namespace: 'default', result: 'ok', durationMs: 1 });
    source.events.push({ action: 'vault.unlock', result: 'PASSPHRASE_INCORRECT' }, { action: 'key.destroy', result: 'ok' }, { action: 'key.sign', result: 'ok' });
    let text = await scrape();
    expect(samples(text, 'hsm_audit_events_total').sort()).toEqual([
      'hsm_audit_events_total{event_type="key.destroy",result="ok"} 1',
      'hsm_audit_events_total{event_type="key.sign",result="ok"} 2',
      'hsm_audit_events_total{event_type="vault.unlock",result="PASSPHRASE_INCORRECT"} 1',
    ]);
    expect(samples(text, 'hsm_audit_log_events')).toEqual(['hsm_audit_log_events 6']);
    // Counted once: a second scrape with nothing new changes nothing.
    text = await scrape();
    expect(samples(text, 'hsm_audit_events_total')).toContain('hsm_audit_events_total{event_type="key.sign",result="ok"} 2');
  });

  it('keeps serving process metrics when the core cannot answer', async () => {
    source.failure = new Error('database closed');
    const text = await scrape();
    expect(text).toContain('process_cpu_seconds_total');
    expect(samples(text, 'hsm_keys_total')).toEqual([]);
    expect(samples(text, 'hsm_vault_unlocked')).toEqual(['hsm_vault_unlocked 0']);
  });

  it('gives every server its own registry', async () => {
    const other = await startMetricsServer({ source, bind: '127.0.0.1', port: 0 });
    try {
      expect(other.registry).not.toBe(server.registry);
      source.operate({ action: 'key.sign', namespace: 'default', result: 'ok', durationMs: 1 });
      const a = await scrape();
      const b = (await httpGet(`${other.url}/metrics`)).body;
      expect(samples(a, 'hsm_operations_total')).toEqual(samples(b, 'hsm_operations_total'));
    } finally {
      await other.close();
    }
    // A closed server no longer listens to the source.
    expect(source.listeners.size).toBe(1);
  });
});

describe('label cardinality', () => {
  it('1,000 operations on 1,000 distinct keys add no series, and no key id appears', async () => {
    source.operate({ action: 'key.sign', namespace: 'default', result: 'ok', durationMs: 1 });
    const before = await scrape();
    const seriesBefore = before.split('\n').filter((l) => l.startsWith('hsm_')).length;
    for (let i = 0; i < 1000; i++) {
      // Whatever else a source might attach (a key id, a principal) has no way into a label.
      const op = { action: 'key.sign', namespace: 'default', result: 'ok', durationMs: 1, keyId: `key-${i}`, principal: `token:${i}` };
      source.operate(op);
    }
    const after = await scrape();
    expect(after.split('\n').filter((l) => l.startsWith('hsm_')).length).toBe(seriesBefore);
    expect(samples(after, 'hsm_operations_total')).toEqual(['hsm_operations_total{operation="key.sign",namespace="default",result="ok"} 1001']);
    expect(after).not.toMatch(/key-\d|token:/);
  });

  it("a failed request's namespace is a label only if that namespace exists", async () => {
    // Anyone may ask for any namespace and be refused: those names must not become series.
    for (let i = 0; i < 100; i++) source.operate({ action: 'key.sign', namespace: `guess-${i}`, result: 'UNAUTHENTICATED', durationMs: 1 });
    source.operate({ action: 'key.sign', namespace: 'default', result: 'PERMISSION_DENIED', durationMs: 1 });
    // A namespace created after the last snapshot: its first success makes it known.
    source.operate({ action: 'namespace.create', namespace: 'payments', result: 'ok', durationMs: 1 });
    source.operate({ action: 'key.sign', namespace: 'payments', result: 'KEY_DISABLED', durationMs: 1 });
    const text = await scrape();
    expect(samples(text, 'hsm_operations_total').sort()).toEqual([
      'hsm_operations_total{operation="key.sign",namespace="default",result="PERMISSION_DENIED"} 1',
      `hsm_operations_total{operation="key.sign",namespace="${OTHER}",result="UNAUTHENTICATED"} 100`,
      'hsm_operations_total{operation="key.sign",namespace="payments",result="KEY_DISABLED"} 1',
      'hsm_operations_total{operation="namespace.create",namespace="payments",result="ok"} 1',
    ]);
  });

  it('a misbehaving source cannot create unbounded or odd label values', async () => {
    for (let i = 0; i < 2000; i++) source.operate({ action: `key.op${i}`, namespace: `ns${i % 3}`, result: i % 2 === 0 ? 'ok' : `ERR_${i}`, durationMs: 1 });
    source.operate({ action: 'Key Sign "x"\n', namespace: 'bad namespace', result: 'cst_secret-token', durationMs: 1 });
    source.state = { ...source.state, keys: [{ namespace: 'default', algorithm: 'my-secret-alg', state: 'weird', count: 1 }] };
    const text = await scrape();
    const operations = new Set(samples(text, 'hsm_operations_total').map((l) => /operation="([^"]*)"/.exec(l)?.[1]));
    expect(operations.size).toBe(MAX_OPERATIONS + 1);
    expect(operations.has(OTHER)).toBe(true);
    const results = new Set(samples(text, 'hsm_operations_total').map((l) => /result="([^"]*)"/.exec(l)?.[1]));
    expect([...results].sort()).toEqual(['ok', OTHER]);
    expect(text).toContain(`hsm_operations_total{operation="${OTHER}",namespace="${OTHER}",result="${OTHER}"} 1`);
    expect(text).toContain(`hsm_keys_total{namespace="default",algorithm="${OTHER}",state="${OTHER}"} 1`);
    expect(text).not.toContain('cst_secret');
    expect(text).not.toContain('Key Sign');
    expect(samples(text, 'hsm_operation_duration_seconds_count').length).toBe(MAX_OPERATIONS + 1);
  });
});

describe('health', () => {
  const health = async (path: string): Promise<{ status: number; json: { status: string; checks: Record<string, string>; reason?: string } }> => {
    const r = await httpGet(`${server.url}/health/${path}`);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    return { status: r.status, json: JSON.parse(r.body) };
  };

  it('ready: unlocked, verified, not tampered', async () => {
    expect(await health('ready')).toEqual({ status: 200, json: { status: 'ok', checks: { core: 'open', vault: 'unlocked', audit: 'verified' } } });
    expect((await health('live')).status).toBe(200);
    expect(await health('startup')).toEqual({ status: 200, json: { status: 'ok', checks: { core: 'open' } } });
  });

  it('not ready while locked, uninitialised, unverified or tampered; still live', async () => {
    source.state = { ...source.state, unlocked: false };
    expect(await health('ready')).toEqual({ status: 503, json: { status: 'unavailable', checks: { core: 'open', vault: 'locked', audit: 'verified' }, reason: 'the vault is locked' } });
    source.state = { ...source.state, initialized: false };
    expect((await health('ready')).json.checks.vault).toBe('uninitialized');
    source.state = { ...source.state, initialized: true, unlocked: true, auditVerified: false };
    expect(await health('ready')).toMatchObject({ status: 503, json: { checks: { audit: 'unverified' } } });
    source.state = { ...source.state, auditVerified: false, auditTampered: true };
    const tampered = await health('ready');
    expect(tampered).toMatchObject({ status: 503, json: { status: 'unavailable', checks: { vault: 'unlocked', audit: 'tampered' } } });
    expect(tampered.json.reason).toMatch(/TAMPERED/);
    expect((await health('live')).status).toBe(200);
    expect((await health('startup')).status).toBe(200);
  });

  it('startup and ready fail when the core cannot answer; live does not', async () => {
    source.failure = new Error('the database is closed: /secret/path');
    const startup = await health('startup');
    expect(startup).toEqual({ status: 503, json: { status: 'unavailable', checks: { core: 'unavailable' }, reason: 'the core is not open' } });
    expect((await health('ready')).status).toBe(503);
    expect(await health('live')).toEqual({ status: 200, json: { status: 'ok', checks: { process: 'ok' } } });
  });
});

describe('methods and paths', () => {
  it('404 for other paths, 405 with Allow for other methods; the query string is ignored', async () => {
    expect((await httpGet(`${server.url}/`)).status).toBe(404);
    expect((await httpGet(`${server.url}/metrics/`)).status).toBe(404);
    expect((await httpGet(`${server.url}/health`)).status).toBe(404);
    for (const odd of ['/__proto__', '/health/constructor', '/health/live/', '/HEALTH/live', '//metrics', '/metrics%00']) {
      expect((await httpGet(`${server.url}${odd}`)).status, odd).toBe(404);
    }
    expect((await httpGet(`${server.url}/metrics?name[]=x`)).status).toBe(200);
    const post = await httpGet(`${server.url}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await httpGet(`${server.url}/health/ready`, { method: 'DELETE' })).status).toBe(405);
  });
});
