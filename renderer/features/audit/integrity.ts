/**
 * @module renderer/features/audit/integrity
 * What the integrity badge says about the audit log (audit.status): TAMPERED in red with the
 * first bad event, "verified through #N" in green, or neutral before any verification ran.
 */
import type { AuditStatus } from '../../store/types.js';
import { formatCount, formatDateTime } from '../../app/lib/format.js';

export interface IntegrityView {
  readonly tone: 'success' | 'dangerSolid' | 'neutral';
  readonly text: string;
  readonly detail: string;
}

export function integrityView(s: AuditStatus | undefined): IntegrityView {
  if (s === undefined) return { tone: 'neutral', text: 'Audit: checking…', detail: 'Reading the audit log status.' };
  if (s.tampered !== null) {
    const at = s.tampered.seq === null ? '' : ` at #${formatCount(s.tampered.seq)}`;
    return { tone: 'dangerSolid', text: `TAMPERED${at}`, detail: `Audit log verification failed${at}: ${s.tampered.reason}` };
  }
  if (s.verifiedSize === 0) {
    return { tone: 'neutral', text: 'Not verified yet', detail: `${formatCount(s.size)} events; no verification has run since the vault was created. Open the audit log to verify.` };
  }
  const cp = s.lastCheckpoint === null ? 'no signed checkpoint yet' : `last signed checkpoint at #${formatCount(s.lastCheckpoint.size)} (${formatDateTime(s.lastCheckpoint.createdAt)})`;
  return { tone: 'success', text: `Verified through #${formatCount(s.verifiedSize)}`, detail: `Hash chain verified through event #${formatCount(s.verifiedSize)} of ${formatCount(s.size)}; ${cp}.` };
}
