/**
 * @module rpc/metrics/test-source
 * For tests: a MetricsSource whose state the test sets by hand, a small HTTP client that can
 * send any Host header (fetch cannot), and promtool.
 */
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import type { AuditEventCount, MetricsSnapshot, MetricsSource, OperationSample } from './source.js';

export class FakeSource implements MetricsSource {
  state: MetricsSnapshot = {
    initialized: true,
    unlocked: true,
    namespaces: ['default'],
    keys: [],
    activeSessions: 0,
    auditSize: 0,
    auditViolations: 0,
    auditVerified: true,
    auditTampered: false,
    requestsPending: 0,
  };
  /** When set, snapshot() throws it (the core closed). */
  failure: Error | null = null;
  /** The audit log: one entry per event, seq = index + 1. */
  readonly events: { action: string; result: string }[] = [];
  readonly listeners = new Set<(op: OperationSample) => void>();

  onOperation(listener: (op: OperationSample) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  snapshot(): MetricsSnapshot {
    if (this.failure !== null) throw this.failure;
    return { ...this.state, auditSize: this.events.length };
  }

  auditEventsAfter(afterSeq: number): { lastSeq: number; counts: AuditEventCount[] } {
    const counts = new Map<string, AuditEventCount>();
    for (const e of this.events.slice(afterSeq)) {
      const k = `${e.action}\u0000${e.result}`;
      counts.set(k, { action: e.action, result: e.result, count: (counts.get(k)?.count ?? 0) + 1 });
    }
    return { lastSeq: Math.max(afterSeq, this.events.length), counts: [...counts.values()] };
  }

  /** An audited operation: its audit event, then the operation report. */
  operate(op: OperationSample): void {
    this.events.push({ action: op.action, result: op.result });
    for (const l of this.listeners) l(op);
  }
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP/1.1 request to `url` with an optional `Host` header and method. */
export function httpGet(url: string, options: { method?: string; host?: string; body?: string } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      {
        hostname: u.hostname.replace(/^\[|\]$/g, ''),
        port: u.port,
        path: u.pathname + u.search,
        method: options.method ?? 'GET',
        headers: { ...(options.host === undefined ? {} : { host: options.host }), connection: 'close' },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sample lines (not comments) of a scrape whose metric name is exactly `name`. */
export function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

/** promtool (Debian package "prometheus"); PROMTOOL overrides the path. */
export const PROMTOOL = process.env.PROMTOOL ?? '/usr/bin/promtool';

/**
 * The lint complaints we accept, exactly: `hsm_keys_total` is a gauge (keys come and go) under
 * the seed HSM's name, which dashboards already use.
 */
export const PINNED_LINT: readonly string[] = ['hsm_keys_total non-counter metrics should not have "_total" suffix'];

/** `promtool check metrics` over `text`: its exit status and its complaints (stdout and stderr), one per line. */
export function promtool(text: string): { status: number | null; lines: string[] } {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  if (r.error !== undefined) throw r.error;
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return { status: r.status, lines };
}

/** The scrape without one metric family (its HELP, TYPE and samples). */
export function without(text: string, name: string): string {
  return text
    .split('\n')
    .filter((l) => !(l === `# HELP ${name}` || l.startsWith(`# HELP ${name} `) || l.startsWith(`# TYPE ${name} `) || l.startsWith(`${name}{`) || l.startsWith(`${name} `)))
    .join('\n');
}
