/**
 * @module renderer/features/audit/AuditEventDetail
 * One audit event in full: every field, the client it came through, and its details — what the
 * core recorded, never a secret (the core keeps secrets out of audit details).
 */
import { X } from 'lucide-react';
import type { AuditEvent } from '../../store/types.js';
import { Badge } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine } from '../../app/ui/EmptyState.js';
import { MonoId } from '../../app/ui/MonoId.js';
import { formatTimestamp } from '../../app/lib/format.js';
import sc from '../../app/ui/screen.module.css';
import a from './audit.module.css';

export function AuditEventDetail({ event, onClose }: { event: AuditEvent; onClose: () => void }) {
  const details = Object.entries(event.details);
  const client = Object.entries(event.client);
  return (
    <aside className={sc.panel} aria-label={`Audit event ${event.seq}`} data-testid="audit-detail">
      <div className={a.detailHead}>
        <h2 className={a.detailTitle}>
          Event <span className="mono num">#{event.seq}</span>
        </h2>
        <Badge tone={event.result === 'ok' ? 'success' : 'danger'} dot>
          {event.result}
        </Badge>
        <Button variant="ghost" size="sm" iconOnly aria-label="Close event details" icon={<X aria-hidden />} onClick={onClose} />
      </div>
      <div className={a.detailBody}>
        <dl className={sc.facts}>
          <dt>Action</dt>
          <dd className="mono">{event.action}</dd>
          <dt>Time</dt>
          <dd className="num">{formatTimestamp(event.time)}</dd>
          <dt>Principal</dt>
          <dd>{event.principal}</dd>
          <dt>Namespace</dt>
          <dd className="mono">{event.namespace ?? '—'}</dd>
          <dt>Key</dt>
          <dd className="mono">{event.keyId === null ? '—' : `${event.keyId}${event.keyVersion === null ? '' : ` (v${event.keyVersion})`}`}</dd>
          <dt>Request ID</dt>
          <dd>
            <MonoId value={event.requestId} max={30} />
          </dd>
          {client.map(([k, v]) => (
            <FactRow key={`c-${k}`} label={`Client ${k}`} value={v} />
          ))}
        </dl>
        <span className={sc.sectionTitle}>Details</span>
        {details.length === 0 ? <span className={a.neutral}>No details recorded.</span> : <pre className={a.json}>{JSON.stringify(event.details, null, 2)}</pre>}
        <CliLine command={`custos audit list --after ${Math.max(0, event.seq - 1)} --limit 1`} />
      </div>
    </aside>
  );
}

function FactRow({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt>{label}</dt>
      <dd className="mono">{value}</dd>
    </>
  );
}
