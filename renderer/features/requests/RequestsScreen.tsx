/**
 * @module renderer/features/requests/RequestsScreen
 * The signing requests programs sent (wallets on the wallet JSON-RPC API, services on HsmService),
 * laid out like an inbox: the queue on the left (oldest first, each with its live expiry
 * countdown and its flag counts) or the history (what became of each request, who decided, when);
 * on the right the selected request — who asks, with which method, what the policies said and
 * which of them said so (PolicyBlock), the
 * decoded view (RequestView, the same one the Sign screen shows) and a sticky bar to approve or
 * reject it.
 *
 * Approve is refused until a danger warning is acknowledged (the Sign screen's rule), and the
 * keyboard goes through the same checks (request-actions). Everything here follows the store,
 * which follows `requests.changed`: a request decided elsewhere or expired updates in place.
 *
 * A pending request can instead be carried to an air-gapped Custos ("Sign on air-gapped laptop…":
 * features/airgap/ExportRequestDialog): an envelope file and QR out, the response file back in.
 *
 * Wallet clients asking for a connection (a web page's connect prompt, a program's pairing) wait
 * in the same queue (store/queue), decided on their own card (features/wallets/PromptDetail).
 */
import { AlertOctagon, AlertTriangle, Bell, BellOff, Check, Clock, Globe, Inbox, ShieldCheck, ShieldX, TerminalSquare } from 'lucide-react';
import { Fragment, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { toast } from 'sonner';
import type { RequestRecord, SignedResult } from '../../../shared/api/signing.js';
import type { WalletPrompt } from '../../../shared/api/wallet.js';
import { useApp } from '../../store/index.js';
import { approvedBy, canApprove, dangerCount, selectedRequest, type RequestsTab } from '../../store/requests-slice.js';
import { historyItems, pendingItems, queueEntry, selectedPrompt, type QueueItem } from '../../store/queue.js';
import { Badge, Kbd, type Tone } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { EmptyState } from '../../app/ui/EmptyState.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { CopyButton } from '../../app/ui/MonoId.js';
import { Delayed, Spinner } from '../../app/ui/Progress.js';
import { Tip } from '../../app/ui/Tip.js';
import { SHORTCUTS } from '../../app/shortcuts.js';
import { formatCount, formatDateTime, formatRelative } from '../../app/lib/format.js';
import { useNow } from '../../app/lib/use-now.js';
import { cx } from '../../app/ui/cx.js';
import { RequestView } from '../signing/RequestView.js';
import { PromptDetail, PromptStateBadge } from '../wallets/PromptDetail.js';
import { AirgapExportButton } from '../airgap/ExportRequestDialog.js';
import { parseOrigin } from '../wallets/origin.js';
import { Countdown, URGENT_MS } from './Countdown.js';
import { DecisionBar, useQueueDecision } from './DecisionBar.js';
import { OutcomeNote, OutcomeReason } from './OutcomeNote.js';
import { PolicyBlock } from './PolicyBlock.js';
import { notifyPermission, requestNotifyPermission } from './alerts.js';
import sc from '../../app/ui/screen.module.css';
import sg from '../signing/signing.module.css';
import q from './requests.module.css';
import w from '../wallets/wallets.module.css';

const CHAIN_NAMES = { ethereum: 'Ethereum', bitcoin: 'Bitcoin', solana: 'Solana', starknet: 'StarkNet' } as const;
const COUNTDOWN_TITLE = 'Time left before the request expires unanswered';

export function RequestsScreen() {
  const requests = useApp((s) => s.requests);
  const prompts = useApp((s) => s.walletPrompts);
  const error = useApp((s) => s.requestsError);
  // UNSUPPORTED: a host without wallet connections; the signing queue still works.
  const promptsError = useApp((s) => (s.walletPromptsError?.code === 'UNSUPPORTED' ? undefined : s.walletPromptsError));
  const tab = useApp((s) => s.requestsTab);
  const loadRequests = useApp((s) => s.loadRequests);

  // The list is read at sign-in and follows the events; coming here re-reads it anyway, cheaply.
  useEffect(() => {
    void loadRequests();
  }, [loadRequests]);

  const pending = useMemo(() => pendingItems({ requests, walletPrompts: prompts }), [requests, prompts]);
  const history = useMemo(() => historyItems({ requests, walletPrompts: prompts }), [requests, prompts]);
  // A request that was on show when it left the queue (decided elsewhere, expired) stays on show.
  const showing = useApp((s) => selectedRequest(s) !== undefined || selectedPrompt(s) !== undefined);
  return (
    <>
      <div className={sc.toolbar}>
        <Tabs tab={tab} pending={pending.length} history={history.length} />
        <span className={sc.toolbarSpacer} />
        <span className={q.live} aria-hidden>
          <span className={q.liveDot} />
          Live
        </span>
        <NotifyToggle />
      </div>
      {error === undefined ? null : <ErrorNote error={error} className={q.topError} />}
      {promptsError === undefined ? null : <ErrorNote error={promptsError} className={q.topError} />}
      {requests === undefined ? (
        <Delayed>
          <div className={q.loading}>
            <Spinner label="Loading requests" /> Loading requests…
          </div>
        </Delayed>
      ) : tab === 'pending' && pending.length === 0 && !showing ? (
        <div className={q.emptyWrap}>
          <EmptyState icon={<Inbox aria-hidden />} title="No requests waiting">
            Wallets and programs ask for signatures through the loopback APIs (wallet JSON-RPC and HsmService), and web pages and programs ask to connect to the wallet RPC; each waits here until you approve or reject it.
          </EmptyState>
        </div>
      ) : tab === 'history' && history.length === 0 ? (
        <div className={q.emptyWrap}>
          <EmptyState icon={<Clock aria-hidden />} title="No decided requests yet">
            Approved, rejected, expired and signed requests — and connection prompts — appear here, newest first, with who decided and when.
          </EmptyState>
        </div>
      ) : (
        <div className={q.layout}>
          <div className={q.listColumn}>{tab === 'pending' ? <PendingList items={pending} /> : <HistoryList items={history} />}</div>
          <Detail />
        </div>
      )}
    </>
  );
}

function Tabs({ tab, pending, history }: { tab: RequestsTab; pending: number; history: number }) {
  const setTab = useApp((s) => s.setRequestsTab);
  const items: readonly { value: RequestsTab; label: string; count: number }[] = [
    { value: 'pending', label: 'Pending', count: pending },
    { value: 'history', label: 'History', count: history },
  ];
  return (
    <div className={q.tabs} role="tablist" aria-label="Requests">
      {items.map((i) => (
        <button key={i.value} type="button" role="tab" aria-selected={tab === i.value} className={q.tab} onClick={() => setTab(i.value)} data-testid={`requests-tab-${i.value}`}>
          {i.label}
          <span className={cx(q.tabCount, i.value === 'pending' && i.count > 0 && q.tabCountHot)}>{formatCount(i.count)}</span>
        </button>
      ))}
    </div>
  );
}

function NotifyToggle() {
  const on = useApp((s) => s.requestNotify);
  const setNotify = useApp((s) => s.setRequestNotify);
  const [permission, setPermission] = useState(notifyPermission);
  if (permission === 'unsupported') return null;
  const active = on && permission === 'granted';
  const label = permission === 'denied' ? 'Notifications are blocked for this page in the browser’s settings' : active ? 'A desktop notification when a request arrives while Custos is in the background' : 'Get a desktop notification when a request arrives while Custos is in the background';
  return (
    <Tip label={label}>
      <Button
        size="sm"
        variant="ghost"
        aria-pressed={active}
        icon={active ? <Bell aria-hidden /> : <BellOff aria-hidden />}
        data-testid="notify-toggle"
        onClick={() => {
          if (active) return setNotify(false);
          // A click is a user gesture: the only moment a permission prompt is acceptable.
          void requestNotifyPermission().then((p) => {
            setPermission(p);
            if (p === 'granted') setNotify(true);
            else if (p === 'denied') toast.error('Notifications are blocked', { description: 'Allow them for this page in the browser’s site settings.' });
          });
        }}
      >
        {active ? 'Notifying' : 'Notify me'}
      </Button>
    </Tip>
  );
}

// ---------------------------------------------------------------- lists

function PendingList({ items }: { items: readonly QueueItem[] }) {
  const now = useNow(500);
  if (items.length === 0) return <div className={q.listEmpty}>No requests waiting.</div>;
  return (
    <>
      <div className={q.list} role="listbox" aria-label="Pending requests" data-testid="pending-list">
        {items.map((i) => (
          <Row key={i.id} item={i}>
            <RowTop item={i}>
              <Countdown left={queueEntry(i).expiresAt - now} title={COUNTDOWN_TITLE} />
            </RowTop>
            {i.kind === 'prompt' ? (
              <PromptRowTitle prompt={i.prompt} />
            ) : (
              <>
                <div className={q.rowTitle}>{i.record.view.title}</div>
                <div className={q.rowMeta}>
                  <span className={q.method}>{i.record.method}</span>
                  <span className={q.chain}>{CHAIN_NAMES[i.record.view.chain]}</span>
                  <FlagCounts record={i.record} />
                </div>
              </>
            )}
          </Row>
        ))}
      </div>
      <KeyLegend />
    </>
  );
}

/** The queue's keys, where the operator looks (the buttons' tooltips say them too). */
function KeyLegend() {
  return (
    <div className={q.keyLegend} aria-hidden>
      <span>
        <Kbd>{SHORTCUTS.nextRequest}</Kbd>
        <Kbd>{SHORTCUTS.previousRequest}</Kbd> move
      </span>
      <span>
        <Kbd>{SHORTCUTS.approveRequest}</Kbd> approve
      </span>
      <span>
        <Kbd>{SHORTCUTS.rejectRequest}</Kbd> reject
      </span>
    </div>
  );
}

function HistoryList({ items }: { items: readonly QueueItem[] }) {
  const now = useNow(15_000);
  return (
    <div className={q.list} role="listbox" aria-label="Request history" data-testid="history-list">
      {items.map((i) => {
        const e = queueEntry(i);
        return (
          <Row key={i.id} item={i}>
            <RowTop item={i}>{i.kind === 'prompt' ? <PromptStateBadge prompt={i.prompt} /> : <StateBadge record={i.record} />}</RowTop>
            {i.kind === 'prompt' ? null : <div className={q.rowTitle}>{i.record.view.title}</div>}
            <div className={q.rowMeta}>
              {i.kind === 'prompt' ? <span>{i.prompt.kind === 'connect' ? 'Connection' : 'Pairing'}</span> : <span className={q.method}>{i.record.method}</span>}
              <span>{decidedByText(e.decidedBy)}</span>
              {e.decidedAt === null ? null : (
                <span className="num" title={formatDateTime(e.decidedAt)}>
                  {formatRelative(e.decidedAt, now)}
                </span>
              )}
            </div>
          </Row>
        );
      })}
    </div>
  );
}

/** A row's first line: who asks (a request's client; a prompt's origin, or the program's own name in quotes), then `children` (its countdown or state). */
function RowTop({ item, children }: { item: QueueItem; children: ReactNode }) {
  if (item.kind === 'request') {
    return (
      <div className={q.rowTop}>
        <span className={q.client}>{item.record.client.label}</span>
        {children}
      </div>
    );
  }
  const prompt = item.prompt;
  const o = prompt.kind === 'connect' ? parseOrigin(prompt.origin ?? prompt.name) : undefined;
  return (
    <div className={q.rowTop}>
      {o === undefined ? (
        <span className={q.client} title="The name the program gave (not verified)">
          “{prompt.name}”
        </span>
      ) : (
        <span className={cx(w.rowOrigin, o.insecure && w.rowWarn)} title={prompt.origin ?? prompt.name}>
          {o.host}
          {o.port}
        </span>
      )}
      {children}
    </div>
  );
}

function PromptRowTitle({ prompt }: { prompt: WalletPrompt }) {
  const o = prompt.kind === 'connect' ? parseOrigin(prompt.origin ?? prompt.name) : undefined;
  return (
    <div className={q.rowMeta}>
      <span className={w.rowKind}>
        {prompt.kind === 'connect' ? <Globe aria-hidden /> : <TerminalSquare aria-hidden />}
        {prompt.kind === 'connect' ? 'Connect' : 'Pair'}
      </span>
      {o === undefined ? (
        prompt.code === null ? null : <span className={w.rowCode}>code {prompt.code}</span>
      ) : (
        <>
          <span>asks for your accounts</span>
          {o.insecure ? <span className={w.rowWarn}>{o.unparsed ? 'unrecognised origin' : 'http:// · not encrypted'}</span> : null}
        </>
      )}
    </div>
  );
}

function Row({ item, children }: { item: QueueItem; children: ReactNode }) {
  const { id, state, expiresAt } = queueEntry(item);
  const selected = useApp((s) => s.selectedRequestId === id);
  const select = useApp((s) => s.selectRequest);
  const ref = useRef<HTMLDivElement>(null);
  const urgent = state === 'pending' && expiresAt - Date.now() < URGENT_MS;
  useEffect(() => {
    if (!selected) return;
    // Keep the selection in sight when J/K moves it (scrollIntoView may return a Promise: not returned),
    // and take the focus along if it was on another row (keyboard navigation in the list).
    ref.current?.scrollIntoView({ block: 'nearest' });
    const active = document.activeElement;
    if (active instanceof HTMLElement && active !== ref.current && active.dataset.requestRow !== undefined) ref.current?.focus({ preventScroll: true });
  }, [selected]);
  return (
    <div
      ref={ref}
      role="option"
      tabIndex={selected ? 0 : -1}
      aria-selected={selected}
      data-request-row
      data-kind={item.kind}
      data-state={state}
      data-urgent={urgent ? 'true' : undefined}
      className={cx(q.row, urgent && q.rowUrgent)}
      onClick={() => select(id)}
    >
      {children}
    </div>
  );
}

function FlagCounts({ record }: { record: RequestRecord }) {
  const danger = dangerCount(record);
  const warning = record.view.flags.filter((f) => f.level === 'warning').length;
  return (
    <>
      {danger === 0 ? null : (
        <span className={cx(q.flagCount, q.flagDanger)} title={`${danger} danger ${danger === 1 ? 'warning' : 'warnings'}`} data-testid="row-danger-count">
          <AlertOctagon aria-hidden />
          {danger}
        </span>
      )}
      {warning === 0 ? null : (
        <span className={cx(q.flagCount, q.flagWarning)} title={`${warning} ${warning === 1 ? 'warning' : 'warnings'}`}>
          <AlertTriangle aria-hidden />
          {warning}
        </span>
      )}
    </>
  );
}

const STATE_BADGE: Readonly<Record<RequestRecord['state'], { label: string; tone: Tone }>> = {
  pending: { label: 'Pending', tone: 'warning' },
  approved: { label: 'Approved · signing', tone: 'accent' },
  signed: { label: 'Signed ✓', tone: 'success' },
  rejected: { label: 'Rejected', tone: 'danger' },
  expired: { label: 'Expired', tone: 'neutral' },
  failed: { label: 'Failed', tone: 'danger' },
};

function StateBadge({ record }: { record: RequestRecord }) {
  const b = STATE_BADGE[record.state];
  return (
    <span data-testid="state-badge" data-state={record.state}>
      <Badge tone={b.tone}>
        {b.label}
        {record.state === 'failed' && record.error !== null ? <span className="mono"> {record.error.code}</span> : null}
      </Badge>
    </span>
  );
}

function decidedByText(by: string | null): string {
  if (by === null) return '';
  if (by === 'system') return 'by the system';
  if (by.startsWith('auto:')) return 'auto-approved';
  return `by ${by}`;
}

// ---------------------------------------------------------------- the selected request

function Detail() {
  const record = useApp(selectedRequest);
  const prompt = useApp(selectedPrompt);
  const ref = useRef<HTMLDivElement>(null);
  // Another request: start at its top, where its title and flags are.
  useEffect(() => {
    ref.current?.scrollTo({ top: 0 });
  }, [record?.id, prompt?.id]);
  if (prompt !== undefined) {
    return (
      <div className={q.detailColumn} ref={ref}>
        <PromptDetail prompt={prompt} />
      </div>
    );
  }
  if (record === undefined) {
    return (
      <div className={q.detailColumn}>
        <div className={q.noSelection}>Select a request to review it.</div>
      </div>
    );
  }
  return (
    <div className={q.detailColumn} ref={ref}>
      <RequestCard record={record} airgapExport />
    </div>
  );
}

/**
 * One request on one card: who asks and what the policies said, its outcome once decided, the
 * decoded view, and the decision bar while it waits. The Air-gap screen shows an imported request
 * with it too. `airgapExport`: offer to carry a pending request to an air-gapped signer.
 * The decision bar decides the selected request (request-actions): select `record` first.
 */
export function RequestCard({ record, airgapExport = false }: { record: RequestRecord; airgapExport?: boolean }) {
  return (
    <section className={q.detail} aria-label="Selected request" data-testid="request-detail" data-state={record.state}>
      <RequestHeader record={record} airgapExport={airgapExport} />
      {record.state === 'pending' ? null : <Outcome record={record} />}
      <RequestView view={record.view} />
      {record.state === 'pending' ? <ActionBar key={record.id} record={record} /> : null}
    </section>
  );
}

function RequestHeader({ record, airgapExport }: { record: RequestRecord; airgapExport: boolean }) {
  const now = useNow(500);
  const airGapped = useApp((s) => s.airgap?.airGapped === true);
  const p = record.policy;
  const policyTone: Tone = p.decision === 'allow' ? 'success' : p.decision === 'deny' ? 'danger' : record.state === 'pending' ? 'warning' : 'neutral';
  const pending = record.state === 'pending';
  const policyLabel = p.decision === 'allow' ? 'Allowed by policy' : p.decision === 'deny' ? 'Denied by policy' : pending ? 'Needs your approval' : 'Needed an operator’s approval';
  return (
    <header className={cx(sc.card, q.header)}>
      <div className={q.headerTop}>
        <div className={q.headerWho}>
          <div className={q.headerLabel}>Request from</div>
          <div className={q.headerClient} data-testid="request-client">
            {record.client.label}
          </div>
        </div>
        {airgapExport && record.state === 'pending' && record.client.transport !== 'air-gap' && !airGapped ? <AirgapExportButton record={record} /> : null}
        {record.state === 'pending' ? <Countdown left={record.expiresAt - now} title={COUNTDOWN_TITLE} /> : <StateBadge record={record} />}
      </div>
      <dl className={q.headerFacts}>
        <dt>Method</dt>
        <dd className="mono">{record.method}</dd>
        <dt>Client</dt>
        <dd>
          <Badge tone="outline">{record.client.transport}</Badge>
          {record.client.id === record.client.label ? null : <span className={q.clientId}>{record.client.id}</span>}
        </dd>
        <dt>Received</dt>
        <dd className="num" title={formatDateTime(record.createdAt)}>
          {formatRelative(record.createdAt, now)} · {formatDateTime(record.createdAt)}
        </dd>
        <dt>Policy</dt>
        <dd className={q.policy}>
          <Badge tone={policyTone}>{policyLabel}</Badge>
        </dd>
      </dl>
      <PolicyBlock record={record} />
    </header>
  );
}

/** What became of a decided request: who, when, why, and the result of a signed one. */
function Outcome({ record }: { record: RequestRecord }) {
  const when = record.decidedAt === null ? '' : ` · ${formatDateTime(record.decidedAt)}`;
  const by = decidedByText(record.decidedBy);
  switch (record.state) {
    case 'signed':
      return (
        <OutcomeNote tone="success" icon={<ShieldCheck aria-hidden />} line={<>Approved {by} and signed{when}</>}>
          {record.result === null ? null : <Result result={record.result} />}
        </OutcomeNote>
      );
    case 'approved':
      return <OutcomeNote icon={<Spinner />} line={<>Approved {by} — signing{when}</>} />;
    case 'rejected':
      return (
        <OutcomeNote tone="danger" icon={<ShieldX aria-hidden />} line={<>Rejected {by}{when}</>}>
          <OutcomeReason reason={record.reason} />
        </OutcomeNote>
      );
    case 'expired':
      return <OutcomeNote icon={<Clock aria-hidden />} line={<>Expired — nobody decided before {formatDateTime(record.expiresAt)}. The program was told (EXPIRED).</>} />;
    case 'failed':
      return (
        <OutcomeNote tone="danger" icon={<AlertOctagon aria-hidden />} line={<>Approved {by}, but signing failed{when}</>}>
          {record.error === null ? null : (
            <p className={q.failure} data-error-code={record.error.code}>
              <span className={q.failureCode}>{record.error.code}</span> {record.error.message}
            </p>
          )}
        </OutcomeNote>
      );
    case 'pending':
      return null;
  }
}

function Result({ result }: { result: SignedResult }) {
  return (
    <div className={q.result} data-testid="request-result">
      <div className={sg.sectionHeading}>{result.primary.label}</div>
      <div className={sg.primaryValue}>
        <pre data-testid="request-result-primary">{result.primary.value}</pre>
        <CopyButton value={result.primary.value} label={`Copy ${result.primary.label}`} />
      </div>
      {result.fields.length === 0 ? null : (
        <dl className={sg.fields}>
          {result.fields.map((f) => (
            <Fragment key={f.label}>
              <dt>{f.label}</dt>
              <dd className={f.kind === 'text' ? undefined : sg.monoValue}>{f.value}</dd>
            </Fragment>
          ))}
        </dl>
      )}
    </div>
  );
}

function ActionBar({ record }: { record: RequestRecord }) {
  const decision = useQueueDecision(record.id);
  const approvable = useApp((s) => canApprove(s, record));
  const mine = useApp((s) => approvedBy(record, s.vault?.session?.principal));
  const dangers = dangerCount(record);
  // A policy's quorum: this approval may be one of several; the last one signs.
  const remaining = record.quorum === undefined || record.quorum === null ? 1 : record.quorum.required - (record.approvals ?? []).length;
  const hint = mine ? 'You have approved: the request waits for the other approvers.' : remaining > 1 ? `Your approval is one of ${remaining} still needed; the last one signs with the key shown above.` : 'Approving signs with the key shown above and answers the program.';
  const tip = mine ? 'You have already approved this request' : dangers > 0 && !decision.acknowledged ? 'Acknowledge the danger warnings first' : remaining > 1 ? 'Approve (one of the approvals needed)' : 'Approve and sign';
  return (
    <DecisionBar
      {...decision}
      reject={{ formLabel: 'Reject the request', placeholder: 'Reason (optional) — the program receives it', confirm: 'Reject request' }}
      acknowledge={dangers === 0 ? undefined : `I have read the ${dangers === 1 ? 'danger warning' : `${dangers} danger warnings`} and still want to approve`}
      hint={hint}
      approve={{ label: 'Approve', tip, icon: <Check aria-hidden />, variant: dangers === 0 ? 'primary' : 'danger', disabled: !approvable }}
    />
  );
}
