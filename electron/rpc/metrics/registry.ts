/**
 * @module rpc/metrics/registry
 * The `hsm_*` metrics (the seed HSM's names) and the process/Node.js defaults, on a private
 * prom-client Registry per server instance — never prom-client's global one, so two servers
 * (or two tests) in one process never share or clash over series.
 *
 * Operation counters and the duration histogram move with the source's operation stream; the
 * rest is read from one source snapshot per scrape. Every label goes through LabelBounds.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LabelBounds } from './labels.js';
import type { MetricsSnapshot, MetricsSource, OperationSample } from './source.js';

/**
 * Seconds: 50 µs (a cached Ed25519 or secp256k1 signature with its audit append batched) up to
 * 10 s (RSA-4096 generation, an Argon2id unlock on a slow machine), about 2.5× apart.
 */
export const DURATION_BUCKETS: readonly number[] = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * prom-client's default gauges whose names end in `_total` although they are not counters
 * (`promtool check metrics` flags each). Each is the sum over `type` of the gauge of the same
 * name without `_total`, which stays: `sum(nodejs_active_handles)` gives the same number.
 */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'] as const;

export interface HsmMetrics {
  readonly registry: Registry;
  /** The latest snapshot error (the core closed, the database unreadable), or null. */
  readonly lastError: () => unknown;
  /** Stop listening to the source's operations. The registry keeps its values. */
  close(): void;
}

export interface HsmMetricsOptions {
  readonly source: MetricsSource;
  /** A registry to fill; default a new one. Never pass prom-client's global `register`. */
  readonly registry?: Registry;
  /** Register process_* and nodejs_* metrics too (default true). */
  readonly defaultMetrics?: boolean;
}

export function createHsmMetrics(options: HsmMetricsOptions): HsmMetrics {
  const { source } = options;
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  const bounds = new LabelBounds();

  // One snapshot serves every collect() of one scrape: prom-client calls them all synchronously
  // from registry.metrics(), before any macrotask runs, so setImmediate ends the scrape's view.
  let current: MetricsSnapshot | null | undefined;
  let lastError: unknown = null;
  const snapshot = (): MetricsSnapshot | null => {
    if (current === undefined) {
      try {
        current = source.snapshot();
        bounds.setKnownNamespaces(current.namespaces);
        lastError = null;
      } catch (error) {
        current = null;
        lastError = error;
      }
      setImmediate(() => {
        current = undefined;
      });
    }
    return current;
  };

  const operations = new Counter({
    name: 'hsm_operations_total',
    help: 'Audited operations of the facade, by audit action name, namespace and result (ok or the error code).',
    labelNames: ['operation', 'namespace', 'result'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'hsm_operation_duration_seconds',
    help: 'Time an audited operation took, its audit event included, by audit action name.',
    labelNames: ['operation'] as const,
    buckets: [...DURATION_BUCKETS],
    registers,
  });

  new Gauge({
    name: 'hsm_keys_total',
    help: 'Keys and HD wallets in the vault, by namespace, algorithm and state (read at scrape time).',
    labelNames: ['namespace', 'algorithm', 'state'] as const,
    registers,
    collect() {
      this.reset();
      for (const k of snapshot()?.keys ?? []) {
        this.inc({ namespace: bounds.namespace(k.namespace), algorithm: bounds.algorithm(k.algorithm), state: bounds.state(k.state) }, k.count);
      }
    },
  });
  gauge(registry, 'hsm_active_sessions', 'Operator sessions that have not timed out.', () => snapshot()?.activeSessions);
  gauge(registry, 'hsm_requests_pending', 'Signing requests waiting for an operator decision.', () => snapshot()?.requestsPending);
  gauge(registry, 'hsm_vault_unlocked', '1 while the vault is unlocked (the master key is in memory), else 0.', () => flag(snapshot()?.unlocked));
  gauge(registry, 'hsm_audit_tampered', '1 while the audit log is in the TAMPERED state (signing and decryption refused), else 0.', () => flag(snapshot()?.auditTampered));
  gauge(registry, 'hsm_audit_log_events', 'Events in the audit log.', () => snapshot()?.auditSize);

  new Counter({
    name: 'hsm_audit_integrity_violations_total',
    help: 'Audit log verification failures recorded in the audit state (persisted across restarts).',
    registers,
    collect() {
      const s = snapshot();
      if (s === null) return;
      this.reset();
      this.inc(s.auditViolations);
    },
  });

  // Audit events since this registry was made, read from the log incrementally (every writer,
  // other processes included), so the counter has the usual per-process meaning.
  let auditCursor: number | null = null;
  new Counter({
    name: 'hsm_audit_events_total',
    help: 'Audit events appended since this server started, by action (event type) and result.',
    labelNames: ['event_type', 'result'] as const,
    registers,
    collect() {
      const s = snapshot();
      if (s === null) return;
      if (auditCursor === null || s.auditSize < auditCursor) {
        // First scrape, or the log shrank (a restored backup): start counting from here.
        auditCursor = s.auditSize;
        return;
      }
      if (s.auditSize === auditCursor) return;
      try {
        const { lastSeq, counts } = source.auditEventsAfter(auditCursor);
        for (const c of counts) this.inc({ event_type: bounds.operation(c.action), result: bounds.result(c.result) }, c.count);
        auditCursor = Math.max(auditCursor, lastSeq);
      } catch (error) {
        lastError = error;
      }
    },
  });
  // Start the cursor now, so the first scrape already counts what happened since start-up.
  try {
    const first = source.snapshot();
    auditCursor = first.auditSize;
    bounds.setKnownNamespaces(first.namespaces);
  } catch (error) {
    lastError = error;
  }

  const stop = source.onOperation((op: OperationSample) => {
    const operation = bounds.operation(op.action);
    operations.inc({ operation, namespace: bounds.namespace(op.namespace, op.result === 'ok'), result: bounds.result(op.result) });
    if (Number.isFinite(op.durationMs) && op.durationMs >= 0) duration.observe({ operation }, op.durationMs / 1000);
  });

  if (options.defaultMetrics !== false) {
    collectDefaultMetrics({ register: registry });
    for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  }

  return {
    registry,
    lastError: () => lastError,
    close: stop,
  };
}

/** A label-less gauge read at scrape time; 0 while the source cannot answer (the core closed). */
function gauge(registry: Registry, name: string, help: string, read: () => number | undefined): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read() ?? 0);
    },
  });
}

function flag(value: boolean | undefined): number | undefined {
  return value === undefined ? undefined : value ? 1 : 0;
}
