/**
 * @module rpc/metrics/health
 * The three health answers, as plain data (the handler turns them into HTTP):
 *   - live:    the process serves requests at all (a supervisor restarts it when this fails);
 *   - startup: the core opened and its database answers;
 *   - ready:   it can do its job: the vault is unlocked, and the audit log is verified and not
 *              TAMPERED (signing and decryption are refused while it is).
 * Checks are words from fixed sets: nothing secret, no counts of anything, no paths.
 */
import type { MetricsSnapshot, MetricsSource } from './source.js';

export interface HealthReport {
  readonly status: 'ok' | 'unavailable';
  readonly checks: Readonly<Record<string, string>>;
  /** Present when unavailable: why, in one short sentence. */
  readonly reason?: string;
}

export function liveness(): HealthReport {
  return { status: 'ok', checks: { process: 'ok' } };
}

export function startup(source: MetricsSource): HealthReport {
  return read(source) === null ? unavailable({ core: 'unavailable' }, 'the core is not open') : { status: 'ok', checks: { core: 'open' } };
}

export function readiness(source: MetricsSource): HealthReport {
  const s = read(source);
  if (s === null) return unavailable({ core: 'unavailable' }, 'the core is not open');
  const vault = !s.initialized ? 'uninitialized' : s.unlocked ? 'unlocked' : 'locked';
  const audit = s.auditTampered ? 'tampered' : s.auditVerified ? 'verified' : 'unverified';
  const checks = { core: 'open', vault, audit };
  if (vault !== 'unlocked') return unavailable(checks, vault === 'locked' ? 'the vault is locked' : 'no vault has been created');
  if (audit === 'tampered') return unavailable(checks, 'the audit log is TAMPERED: an Admin must investigate and acknowledge');
  if (audit !== 'verified') return unavailable(checks, 'the audit log has not been verified');
  return { status: 'ok', checks };
}

function unavailable(checks: Record<string, string>, reason: string): HealthReport {
  return { status: 'unavailable', checks, reason };
}

/** The snapshot, or null when the source cannot answer (the core closed, the database gone). */
function read(source: MetricsSource): MetricsSnapshot | null {
  try {
    return source.snapshot();
  } catch {
    return null;
  }
}
