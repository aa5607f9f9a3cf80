/**
 * @module renderer/features/audit/AuditScreen
 * The audit timeline: filters (time, namespace, principal, action, result), the integrity card
 * (verified through #N, or TAMPERED with the first bad event; verify again), the events-over-time
 * chart, the virtualized list of events and the selected event's details, and export.
 *
 * Opening the screen runs an incremental verification (from the last verified event: cheap), so
 * the badge speaks for the events on screen.
 */
import { Download, RefreshCw, ScrollText, SearchX, ShieldAlert, ShieldCheck, ShieldQuestion, X } from 'lucide-react';
import { useEffect, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useApp, useAppStore } from '../../store/index.js';
import type { AuditFilters, VerifyReport } from '../../store/types.js';
import { Button } from '../../app/ui/Button.js';
import { EmptyState } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { SelectInput, TextInput } from '../../app/ui/Field.js';
import { ProgressBar } from '../../app/ui/Progress.js';
import { Tip } from '../../app/ui/Tip.js';
import { toastError, toastSuccess } from '../../app/ui/toast.js';
import { formatCount, formatRelative, fromDateTimeLocal, toDateTimeLocal } from '../../app/lib/format.js';
import { middleTruncate } from '../../app/lib/truncate.js';
import { useNow } from '../../app/lib/use-now.js';
import { cx } from '../../app/ui/cx.js';
import { AUDIT_MAX_EVENTS } from '../../store/audit-slice.js';
import { AuditChart } from './AuditChart.js';
import { AuditList } from './AuditList.js';
import { AuditEventDetail } from './AuditEventDetail.js';
import { downloadAuditExport } from './export.js';
import { integrityView } from './integrity.js';
import sc from '../../app/ui/screen.module.css';
import a from './audit.module.css';

type Preset = 'any' | '1h' | '24h' | '7d' | '30d' | 'custom';
const PRESET_MS: Record<Exclude<Preset, 'any' | 'custom'>, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
const KNOWN_ACTIONS = ['vault.init', 'vault.unlock', 'vault.lock', 'key.generate', 'key.import', 'key.rotate', 'key.disable', 'key.enable', 'key.destroy', 'key.export', 'crypto.sign', 'crypto.verify', 'crypto.encrypt', 'crypto.decrypt', 'audit.verify', 'audit.export'];

export function AuditScreen() {
  const store = useAppStore();
  const { events, load, filters, status, statusError } = useApp(
    useShallow((s) => ({ events: s.auditEvents, load: s.auditLoad, filters: s.auditFilters, status: s.auditStatus, statusError: s.auditStatusError })),
  );
  const theme = useApp((s) => s.settings?.theme ?? 'system');
  const [selectedSeq, setSelectedSeq] = useState<number | null>(null);
  const [report, setReport] = useState<VerifyReport | undefined>(undefined);
  const [verifying, setVerifying] = useState(false);
  const [exporting, setExporting] = useState(false);

  useEffect(() => {
    const s = store.getState();
    s.setAuditLive(true);
    void s.resumeAudit();
    if (s.auditStatus?.tampered === null || s.auditStatus === undefined) void verify(false, true);
    return () => store.getState().setAuditLive(false);
    // Once per visit: the slice keeps the timeline current while it is shown.
  }, [store]);

  async function verify(full: boolean, quiet = false) {
    setVerifying(true);
    const r = await store.getState().verifyAudit(full);
    setVerifying(false);
    if (r.ok) {
      setReport(r.value);
      if (quiet) return;
      if (r.value.ok) toastSuccess('Audit log verified', `${formatCount(r.value.size)} events, ${formatCount(r.value.checkpointsVerified)} checkpoints`);
      else toastError('Audit log verification failed', { code: 'TAMPERED', message: r.value.reason ?? `first bad event #${r.value.firstBadSeq}` });
    } else if (!quiet || r.error.code !== 'PERMISSION_DENIED') toastError('Verification could not run', r.error);
  }

  const selected = selectedSeq === null ? undefined : events.find((e) => e.seq === selectedSeq);
  const filtered = Object.values(filters).some((v) => v !== undefined && v !== '');

  return (
    <>
      <div className={sc.toolbar}>
        <Filters filters={filters} onChange={(f) => store.getState().setAuditFilters(f)} />
        <div className={sc.toolbarSpacer} />
        <span className={sc.toolbarCount} data-testid="audit-count">
          {formatCount(events.length)} {events.length === 1 ? 'event' : 'events'}
          {filtered ? ' match' : ''}
        </span>
        <Tip label="Download the whole log as JSON Lines (custos audit export)">
          <Button
            icon={<Download aria-hidden />}
            busy={exporting}
            onClick={() => {
              setExporting(true);
              void downloadAuditExport(store.getState()).finally(() => setExporting(false));
            }}
          >
            Export
          </Button>
        </Tip>
      </div>
      <div className={a.summary}>
        <IntegrityCard report={report} verifying={verifying} onVerify={(full) => void verify(full)} />
        <AuditChart events={events} theme={theme} onSelectRange={(from, to) => store.getState().setAuditFilters({ ...filters, from, to })} />
      </div>
      {statusError === undefined ? null : (
        <div className={a.notice}>
          <ErrorNote error={statusError} />
        </div>
      )}
      <div className={cx(sc.split, selected !== undefined && sc.splitWithPanel)}>
        <div className={a.listWrap}>
          {load.status === 'loading' ? (
            <div className={a.notice} role="status">
              Loading events… <span className="num">{formatCount(load.loaded)}</span> so far
              <div className={a.progressWrap}>
                <ProgressBar label="Loading audit events" value={status === undefined || status.size === 0 ? undefined : load.loaded / Math.min(status.size, AUDIT_MAX_EVENTS)} />
              </div>
            </div>
          ) : null}
          {load.truncated ? (
            <div className={a.notice} role="status">
              Showing the newest {formatCount(AUDIT_MAX_EVENTS)} events. Narrow the filters to see older ones.
            </div>
          ) : null}
          {load.error === undefined ? null : (
            <div className={a.empty}>
              <ErrorNote error={load.error} help={load.error.code === 'PERMISSION_DENIED' ? 'Your role covers some namespaces only: choose one in the namespace filter.' : undefined} />
            </div>
          )}
          {events.length === 0 && load.status === 'done' ? (
            filtered ? (
              <EmptyState
                icon={<SearchX />}
                title="No events match"
                actions={<Button onClick={() => store.getState().setAuditFilters({})}>Clear filters</Button>}
                cli={cliFor(filters)}
              >
                Nothing in the log matches these filters.
              </EmptyState>
            ) : (
              <EmptyState icon={<ScrollText />} title="The audit log is empty" cli="custos audit list">
                Every operation on the vault is recorded here as it happens.
              </EmptyState>
            )
          ) : (
            <AuditList events={events} selectedSeq={selectedSeq} onSelect={setSelectedSeq} />
          )}
        </div>
        {selected === undefined ? null : <AuditEventDetail event={selected} onClose={() => setSelectedSeq(null)} />}
      </div>
    </>
  );
}

function cliFor(f: AuditFilters): string {
  const parts = ['custos audit list'];
  if (f.from !== undefined) parts.push(`--from ${new Date(f.from).toISOString()}`);
  if (f.to !== undefined) parts.push(`--to ${new Date(f.to).toISOString()}`);
  if (f.namespace !== undefined) parts.push(`--ns ${f.namespace}`);
  if (f.principal !== undefined) parts.push(`--principal ${f.principal}`);
  if (f.action !== undefined) parts.push(`--action ${f.action}`);
  if (f.result !== undefined) parts.push(`--result ${f.result}`);
  return parts.join(' ');
}

function IntegrityCard({ report, verifying, onVerify }: { report: VerifyReport | undefined; verifying: boolean; onVerify: (full: boolean) => void }) {
  const status = useApp((s) => s.auditStatus);
  const now = useNow(30_000);
  const v = integrityView(status);
  const tampered = v.tone === 'dangerSolid';
  return (
    <section className={cx(a.card, tampered && a.cardTampered)} aria-label="Audit log integrity" data-testid="integrity-card">
      <div className={a.cardHead}>
        <span className={a.cardTitle}>Integrity</span>
      </div>
      <div className={cx(a.bigStatus, v.tone === 'success' ? a.ok : tampered ? a.bad : a.neutral)}>
        {v.tone === 'success' ? <ShieldCheck aria-hidden /> : tampered ? <ShieldAlert aria-hidden /> : <ShieldQuestion aria-hidden />}
        {tampered ? v.text : v.tone === 'success' ? 'Intact' : v.text}
      </div>
      {status === undefined ? null : (
        <dl className={a.kv}>
          <dt>Events</dt>
          <dd>{formatCount(status.size)}</dd>
          <dt>Verified through</dt>
          <dd>#{formatCount(status.verifiedSize)}</dd>
          <dt>Last checkpoint</dt>
          <dd>{status.lastCheckpoint === null ? 'none yet' : `#${formatCount(status.lastCheckpoint.size)} · ${formatRelative(status.lastCheckpoint.createdAt, now)}`}</dd>
          {status.violations > 0 ? (
            <>
              <dt>Violations</dt>
              <dd className={a.bad}>{formatCount(status.violations)}</dd>
            </>
          ) : null}
          {status.origin === null ? null : (
            <>
              <dt>Log origin</dt>
              <dd className="mono" title={status.origin}>
                {middleTruncate(status.origin, 30)}
              </dd>
            </>
          )}
          {tampered && status.tampered !== null ? (
            <>
              <dt>Reason</dt>
              <dd className={a.bad} title={status.tampered.reason}>
                {status.tampered.reason}
              </dd>
            </>
          ) : null}
        </dl>
      )}
      {report !== undefined && !report.ok ? <ErrorNote error={{ code: 'TAMPERED', message: report.reason ?? `first bad event #${report.firstBadSeq ?? '?'}` }} /> : null}
      <div className={a.cardActions}>
        <Tip label="Check the events added since the last verification">
          <Button size="sm" icon={<RefreshCw aria-hidden />} busy={verifying} onClick={() => onVerify(false)}>
            Verify
          </Button>
        </Tip>
        <Tip label="Re-hash the whole log and check every checkpoint signature">
          <Button size="sm" variant="ghost" disabled={verifying} onClick={() => onVerify(true)}>
            Full verification
          </Button>
        </Tip>
      </div>
    </section>
  );
}

function Filters({ filters, onChange }: { filters: AuditFilters; onChange: (f: AuditFilters) => void }) {
  const namespaces = useApp((s) => s.namespaces);
  const events = useApp((s) => s.auditEvents);
  const [preset, setPreset] = useState<Preset>(filters.from === undefined && filters.to === undefined ? 'any' : 'custom');
  const [principal, setPrincipal] = useState(filters.principal ?? '');
  const [action, setAction] = useState(filters.action ?? '');

  // Suggestions from what is loaded (exact match is what the core filters by).
  const seen = useMemo(() => {
    const principals = new Set<string>();
    const actions = new Set<string>(KNOWN_ACTIONS);
    const results = new Set<string>(['ok']);
    for (let i = 0; i < events.length && i < 20_000; i++) {
      const e = events[i];
      if (e === undefined) continue;
      principals.add(e.principal);
      actions.add(e.action);
      results.add(e.result);
    }
    return { principals: [...principals].sort(), actions: [...actions].sort(), results: [...results].sort() };
  }, [events]);

  // A chart drag sets a custom range: show it.
  useEffect(() => {
    if (filters.from !== undefined && preset === 'any') setPreset('custom');
  }, [filters.from, preset]);

  // Typed filters apply after a pause, not on every keystroke.
  useEffect(() => {
    const t = setTimeout(() => {
      const p = principal.trim() === '' ? undefined : principal.trim();
      const ac = action.trim() === '' ? undefined : action.trim();
      if (p !== filters.principal || ac !== filters.action) onChange({ ...filters, principal: p, action: ac });
    }, 400);
    return () => clearTimeout(t);
  }, [principal, action]);

  const set = (patch: Partial<AuditFilters>) => onChange({ ...filters, ...patch });
  const active = Object.values(filters).some((v) => v !== undefined && v !== '');

  return (
    <div className={a.filters} role="group" aria-label="Audit filters">
      <SelectInput
        className={sc.filter}
        aria-label="Time range"
        value={preset}
        onChange={(e) => {
          const p = e.target.value as Preset;
          setPreset(p);
          if (p === 'any') set({ from: undefined, to: undefined });
          else if (p !== 'custom') set({ from: Date.now() - PRESET_MS[p], to: undefined });
        }}
      >
        <option value="any">Any time</option>
        <option value="1h">Last hour</option>
        <option value="24h">Last 24 hours</option>
        <option value="7d">Last 7 days</option>
        <option value="30d">Last 30 days</option>
        <option value="custom">Custom range…</option>
      </SelectInput>
      {preset === 'custom' ? (
        <>
          <TextInput className={a.dateInput} type="datetime-local" aria-label="From" step={1} value={filters.from === undefined ? '' : toDateTimeLocal(filters.from)} onChange={(e) => set({ from: fromDateTimeLocal(e.target.value) })} />
          <TextInput className={a.dateInput} type="datetime-local" aria-label="To" step={1} value={filters.to === undefined ? '' : toDateTimeLocal(filters.to)} onChange={(e) => set({ to: fromDateTimeLocal(e.target.value) })} />
        </>
      ) : null}
      <SelectInput className={sc.filter} aria-label="Namespace filter" value={filters.namespace ?? ''} onChange={(e) => set({ namespace: e.target.value === '' ? undefined : e.target.value })}>
        <option value="">All namespaces</option>
        {namespaces.map((n) => (
          <option key={n.name} value={n.name}>
            {n.name}
          </option>
        ))}
      </SelectInput>
      <TextInput className={a.filterInput} list="audit-principals" placeholder="Principal" aria-label="Principal" value={principal} onChange={(e) => setPrincipal(e.target.value)} />
      <datalist id="audit-principals">
        {seen.principals.map((p) => (
          <option key={p} value={p} />
        ))}
      </datalist>
      <TextInput className={a.filterInput} list="audit-actions" placeholder="Action" aria-label="Action" value={action} onChange={(e) => setAction(e.target.value)} mono />
      <datalist id="audit-actions">
        {seen.actions.map((x) => (
          <option key={x} value={x} />
        ))}
      </datalist>
      <SelectInput className={sc.filter} aria-label="Result" value={filters.result ?? ''} onChange={(e) => set({ result: e.target.value === '' ? undefined : e.target.value })}>
        <option value="">All results</option>
        {seen.results.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </SelectInput>
      {active ? (
        <Button
          variant="ghost"
          size="sm"
          icon={<X aria-hidden />}
          onClick={() => {
            setPreset('any');
            setPrincipal('');
            setAction('');
            onChange({});
          }}
        >
          Clear
        </Button>
      ) : null}
    </div>
  );
}
