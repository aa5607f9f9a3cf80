/**
 * @module renderer/features/airgap/AirgapScreen
 * Signing across an air gap, both sides on one screen (the toolbar switches; it opens on the
 * side this Custos is on):
 *  - Sign here (the air-gapped side): import a request envelope (drop, pick or paste), review it
 *    on the same card as the Requests screen (RequestCard: decoded view, policy, DecisionBar),
 *    approve or reject; once signed, the response as a file to save and as QR.
 *  - Outbox (the online side): import a response — its result, and whether it answered a waiting
 *    request — and the envelopes sent, answered or not.
 * The core checks everything (format, SHA-256, expiry, the outbox, the signer); this screen
 * carries files and shows what the core said.
 */
import { CheckCircle2, FileInput, FileOutput, RotateCcw, Send, Unplug, Wifi } from 'lucide-react';
import { useEffect, useState } from 'react';
import type { OutboxEntry } from '../../../shared/api/airgap.js';
import { useApp } from '../../store/index.js';
import { airgapRecord, airgapViewOf, type AirgapFile, type AirgapImported, type AirgapView } from '../../store/airgap-slice.js';
import type { ErrorInfo } from '../../store/types.js';
import { Badge } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { CliLine, EmptyState } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Segmented } from '../../app/ui/Field.js';
import { CopyButton, MonoId } from '../../app/ui/MonoId.js';
import { Delayed, Spinner } from '../../app/ui/Progress.js';
import { toastError, toastSuccess } from '../../app/ui/toast.js';
import { formatCount, formatDateTime, formatRelative } from '../../app/lib/format.js';
import { useNow } from '../../app/lib/use-now.js';
import { cx } from '../../app/ui/cx.js';
import { RequestCard } from '../requests/RequestsScreen.js';
import { AirgapFilePanel } from './AirgapFilePanel.js';
import { FileDrop } from './FileDrop.js';
import sc from '../../app/ui/screen.module.css';
import sg from '../signing/signing.module.css';
import k from '../keys/keys.module.css';
import a from './airgap.module.css';

const VIEWS: readonly { value: AirgapView; label: string }[] = [
  { value: 'sign', label: 'Sign here' },
  { value: 'outbox', label: 'Outbox & responses' },
];
const CHAIN_NAMES = { ethereum: 'Ethereum', bitcoin: 'Bitcoin', solana: 'Solana', starknet: 'StarkNet' } as const;

export function AirgapScreen() {
  const view = useApp(airgapViewOf);
  const setView = useApp((s) => s.setAirgapView);
  const status = useApp((s) => s.airgap);
  const error = useApp((s) => s.airgapError);
  const outbox = useApp((s) => s.airgapOutbox);
  const loadAirgap = useApp((s) => s.loadAirgap);
  useEffect(() => {
    void loadAirgap();
  }, [loadAirgap]);
  return (
    <>
      <div className={sc.toolbar}>
        <Segmented label="Side" value={view} options={VIEWS} onChange={setView} />
        {status === undefined ? null : status.airGapped ? (
          <Badge tone="accent" icon={<Unplug aria-hidden />}>
            This Custos is air-gapped
          </Badge>
        ) : (
          <Badge tone="outline" icon={<Wifi aria-hidden />}>
            This Custos is online
          </Badge>
        )}
        <span className={sc.toolbarSpacer} />
        {outbox === undefined || outbox.length === 0 ? null : (
          <span className={sc.toolbarCount}>
            {formatCount(outbox.length)} sent · {formatCount(outbox.filter((o) => o.state === 'sent').length)} awaiting a response
          </span>
        )}
      </div>
      {error === undefined ? null : (
        <div className={a.topError}>
          <ErrorNote error={error} />
        </div>
      )}
      <div className={sc.page}>{view === 'sign' ? <SignSide /> : <OnlineSide />}</div>
    </>
  );
}

// ---------------------------------------------------------------- the air-gapped side

function SignSide() {
  const record = useApp(airgapRecord);
  const importRequest = useApp((s) => s.importAirgapRequest);
  const clear = useApp((s) => s.clearAirgapRequest);
  const selected = useApp((s) => s.selectedRequestId);
  const selectRequest = useApp((s) => s.selectRequest);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const [source, setSource] = useState<string | undefined>(undefined);

  // The decision bar decides the selected request: keep it on the imported one while it waits.
  const pendingId = record?.state === 'pending' ? record.id : undefined;
  useEffect(() => {
    if (pendingId !== undefined && selected !== pendingId) selectRequest(pendingId);
  }, [pendingId, selected, selectRequest]);

  async function onText(text: string, from: string) {
    setBusy(true);
    setError(undefined);
    const r = await importRequest(text);
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setSource(from);
    toastSuccess('Request imported', `${r.value.view.title} — review it, then approve or reject.`);
  }

  if (record === undefined) {
    return (
      <div className={a.column}>
        <div className={a.intro}>
          <h2 className={a.introTitle}>Import a signing request</h2>
          <p className={a.introBody}>
            On the online Custos, choose <strong>Sign on air-gapped laptop…</strong> on a pending request and carry its file here on removable media (or scan its code and paste the text). You review it on the same card as any request; once approved, the response goes back the same way.
          </p>
        </div>
        {error === undefined ? null : <ErrorNote error={error} />}
        <FileDrop title="Drop a request envelope (.json) here" hint="custos-airgap-request files only; the envelope's SHA-256 and expiry are checked before anything is shown." action="Import request" busy={busy} onText={(t, from) => void onText(t, from)} testId="airgap-import-request" />
        <CliLine command="custos request import FILE --out RESPONSE" />
      </div>
    );
  }

  return (
    <div className={a.reviewColumn}>
      <div className={a.importedBar}>
        <FileInput aria-hidden />
        <span>
          Imported {source === undefined ? 'request' : <span className="mono">{source}</span>} · <span className="mono">{record.id}</span>
        </span>
        <span className={sc.toolbarSpacer} />
        <Button
          size="sm"
          variant="ghost"
          icon={<RotateCcw aria-hidden />}
          onClick={() => {
            clear();
            setSource(undefined);
          }}
          data-testid="airgap-import-another"
        >
          Import another
        </Button>
      </div>
      {record.state === 'signed' ? <ResponsePanel requestId={record.id} /> : null}
      <RequestCard record={record} />
    </div>
  );
}

function ResponsePanel({ requestId }: { requestId: string }) {
  const exportResponse = useApp((s) => s.exportAirgapResponse);
  const [file, setFile] = useState<AirgapFile | undefined>(undefined);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void exportResponse(requestId).then((r) => {
      if (!live) return;
      if (r.ok) setFile(r.value);
      else setError(r.error);
    });
    return () => {
      live = false;
    };
  }, [exportResponse, requestId]);
  return (
    <section className={cx(sc.card, a.response)} aria-label="Response" data-testid="airgap-response">
      <header className={a.responseHead}>
        <CheckCircle2 aria-hidden />
        <div>
          <h2 className={a.responseTitle}>Signed — carry the response back</h2>
          <p className={a.responseSub}>Save the file to removable media, or let the online Custos scan the code; there, import it under Air-gap → Import response.</p>
        </div>
      </header>
      {error === undefined ? null : <ErrorNote error={error} />}
      {file === undefined ? (
        error === undefined ? (
          <Delayed>
            <div className={a.loading}>
              <Spinner label="Writing the response" /> Writing the response…
            </div>
          </Delayed>
        ) : null
      ) : (
        <AirgapFilePanel file={file} what="Response" saveLabel="Save response file" />
      )}
    </section>
  );
}

// ---------------------------------------------------------------- the online side

function OnlineSide() {
  const outbox = useApp((s) => s.airgapOutbox);
  const importResponse = useApp((s) => s.importAirgapResponse);
  const setScreen = useApp((s) => s.setScreen);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const [imported, setImported] = useState<AirgapImported | undefined>(undefined);

  async function onText(text: string) {
    setBusy(true);
    setError(undefined);
    const r = await importResponse(text);
    setBusy(false);
    if (!r.ok) {
      setImported(undefined);
      setError(r.error);
      toastError('Response refused', r.error);
      return;
    }
    setImported(r.value);
    toastSuccess('Response imported', r.value.fulfilled ? 'The waiting request was answered with it.' : 'Its request was no longer waiting; the result is shown here.');
  }

  return (
    <div className={a.column}>
      <section className={cx(sc.card, a.section)} aria-label="Import a response">
        <h2 className={a.sectionTitle}>Import a response</h2>
        <p className={a.sectionSub}>The air-gapped Custos wrote it after approving an envelope from this outbox. Only responses to envelopes sent from here are accepted, and an Ethereum signature must recover to the expected account.</p>
        {error === undefined ? null : <ErrorNote error={error} />}
        {imported === undefined ? null : <ImportedResult imported={imported} onOpenRequests={() => setScreen('requests')} />}
        {/* Remounted after each accepted response: the pasted text goes with it. */}
        <FileDrop key={imported?.requestId ?? 'none'} title="Drop a response file (.json) here" hint="custos-airgap-response files; or paste the text a scanner read from the air-gapped screen." action="Import response" busy={busy} onText={(t) => void onText(t)} testId="airgap-import-response" />
        <CliLine command="custos response import FILE" />
      </section>
      <section className={a.outbox} aria-label="Outbox">
        <h2 className={a.sectionTitle}>Outbox</h2>
        {outbox === undefined ? (
          <Delayed>
            <div className={a.loading}>
              <Spinner label="Loading the outbox" /> Loading the outbox…
            </div>
          </Delayed>
        ) : outbox.length === 0 ? (
          <EmptyState icon={<Send />} title="Nothing sent to an air-gapped signer" cli="custos request export … --out FILE">
            On the Requests screen, choose “Sign on air-gapped laptop…” on a pending request: its envelope is listed here until the response comes back.
          </EmptyState>
        ) : (
          <OutboxTable entries={outbox} />
        )}
      </section>
    </div>
  );
}

function ImportedResult({ imported, onOpenRequests }: { imported: AirgapImported; onOpenRequests: () => void }) {
  const p = imported.result.primary;
  return (
    <div className={a.imported} data-testid="airgap-imported" data-fulfilled={imported.fulfilled}>
      <div className={a.importedHead}>
        <Badge tone="success" icon={<CheckCircle2 aria-hidden />}>
          Response accepted
        </Badge>
        <span className={a.importedWhat}>
          {imported.fulfilled ? (
            <>
              Answered the waiting request <span className="mono">{imported.requestId}</span>.
            </>
          ) : (
            <>
              Request <span className="mono">{imported.requestId}</span> was no longer waiting; the result is here to copy.
            </>
          )}
        </span>
        {imported.fulfilled ? (
          <Button size="sm" variant="ghost" onClick={onOpenRequests}>
            Open Requests
          </Button>
        ) : null}
      </div>
      <div className={sg.sectionHeading}>{p.label}</div>
      <div className={sg.primaryValue}>
        <pre data-testid="airgap-imported-primary">{p.value}</pre>
        <CopyButton value={p.value} label={`Copy ${p.label}`} />
      </div>
    </div>
  );
}

function OutboxTable({ entries }: { entries: readonly OutboxEntry[] }) {
  const now = useNow(15_000);
  return (
    <div className={cx(sc.card, a.tableCard)}>
      <table className={k.table} data-testid="airgap-outbox">
        <thead>
          <tr>
            <th>Request</th>
            <th>Method</th>
            <th>Sent</th>
            <th>State</th>
            <th>Envelope SHA-256</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.sha256} data-state={e.state}>
              <td className={a.outboxTitle} title={e.title}>
                {e.title}
                <span className={a.outboxChain}>{CHAIN_NAMES[e.chain]}</span>
              </td>
              <td className={k.alg}>{e.method}</td>
              <td className="num" title={formatDateTime(e.createdAt)}>
                {formatRelative(e.createdAt, now)}
              </td>
              <td>
                {e.state === 'answered' ? (
                  <Badge tone="success" title={e.answeredAt === null ? undefined : `Answered ${formatDateTime(e.answeredAt)}`}>
                    Answered
                  </Badge>
                ) : e.expiresAt < now ? (
                  <Badge tone="neutral">Expired</Badge>
                ) : (
                  <Badge tone="warning" title={`Expires ${formatDateTime(e.expiresAt)}`}>
                    Awaiting response
                  </Badge>
                )}
              </td>
              <td>
                <MonoId value={e.sha256} max={20} copyLabel="Copy envelope SHA-256" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className={a.tableFoot}>
        <FileOutput aria-hidden /> Envelopes are written by “Sign on air-gapped laptop…” on the Requests screen, or by <span className="mono">custos request export</span>.
      </div>
    </div>
  );
}
