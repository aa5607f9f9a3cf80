/**
 * @module rpc/metrics/source
 * What the metrics and health endpoints read, and nothing more: the port the facade implements
 * (`Custodian.metricsSource()`), so this folder never reaches into the core's stores.
 *
 * Trust: the source is an internal observer, not a caller. It appends no audit event, needs no
 * session and hands over counts, names from closed sets (audit action names, error codes,
 * algorithms, key states) and namespace names — never a key id, principal, token, digest or
 * anything secret. The metrics side still bounds every label value (labels.ts), so a source
 * that misbehaves cannot blow up the number of series.
 *
 * The core does not import this file (core never imports rpc); its `metricsSource()` return
 * type matches this interface structurally, which custodian.test.ts pins (and exercises with a real vault).
 */

/** One audited operation of the facade, reported after its audit event is written. */
export interface OperationSample {
  /** The audit action name: `key.sign`, `vault.unlock`, … */
  readonly action: string;
  /** The namespace the operation targets, if any (already validated by the core). */
  readonly namespace: string | null;
  /** 'ok', or the error code the operation failed with. */
  readonly result: string;
  /** Wall time of the whole operation, audit included, in milliseconds. */
  readonly durationMs: number;
}

/** Keys (and HD wallets) in one namespace with one algorithm in one state. */
export interface KeyCount {
  readonly namespace: string;
  readonly algorithm: string;
  readonly state: string;
  readonly count: number;
}

/** Audit events with one action and one result. */
export interface AuditEventCount {
  readonly action: string;
  readonly result: string;
  readonly count: number;
}

/** What the core looks like right now: read straight from the stores at scrape time. */
export interface MetricsSnapshot {
  /** A vault exists in the data directory. */
  readonly initialized: boolean;
  /** The master key is in memory. */
  readonly unlocked: boolean;
  /** The namespaces that exist: a failed operation's namespace is a label only if it is one of these. */
  readonly namespaces: readonly string[];
  readonly keys: readonly KeyCount[];
  /** Operator sessions that have not timed out. */
  readonly activeSessions: number;
  /** Events in the audit log (its highest sequence number). */
  readonly auditSize: number;
  /** Verification failures recorded in the audit state (persisted, never decreases). */
  readonly auditViolations: number;
  /**
   * No verification of the audit log has failed, and its verification state reads back intact.
   * The core verifies on every unlock and on `audit verify`; a failure sets TAMPERED.
   */
  readonly auditVerified: boolean;
  /** The audit log is in the TAMPERED state: signing and decryption are refused. */
  readonly auditTampered: boolean;
  /** Signing requests waiting for an operator's decision (core/approvals: state `pending`). */
  readonly requestsPending: number;
}

export interface MetricsSource {
  /** Hear every audited operation of every caller of this core; returns the unsubscribe function. */
  onOperation(listener: (operation: OperationSample) => void): () => void;
  snapshot(): MetricsSnapshot;
  /**
   * Audit events after sequence number `afterSeq`, grouped by action and result, and the highest
   * sequence number seen (`afterSeq` when there is none). Includes events written by other
   * processes on the same vault (the CLI) and by the core itself (sign-in, key destruction).
   */
  auditEventsAfter(afterSeq: number): { readonly lastSeq: number; readonly counts: readonly AuditEventCount[] };
}
