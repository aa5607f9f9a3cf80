/**
 * @module renderer/features/wallets/PromptDetail
 * A wallet client asking for a connection, on the Requests screen beside the signing requests:
 *
 * - connect: a web page (its browser's Origin, which the page cannot forge) called
 *   eth_requestAccounts. The origin leads, scheme and host apart, with a warning when the site is
 *   reached over unencrypted http://; the operator ticks the accounts it may see, picks its chain,
 *   and may let its future requests through without asking (off by default, warned).
 * - pair: a program (no Origin to trust) asked to pair. Its name is its own claim and is shown as
 *   such; the code is what proves the prompt is that program's: the operator confirms only if the
 *   program shows the same one.
 *
 * Decided prompts (history) show what became of them. A and R work as for requests
 * (request-actions), through the same store state.
 */
import { AlertTriangle, Check, Clock, Globe, Link2, ShieldCheck, ShieldX, TerminalSquare } from 'lucide-react';
import { useEffect, type ReactNode } from 'react';
import type { WalletPrompt } from '../../../shared/api/wallet.js';
import { useApp } from '../../store/index.js';
import { canGrant, chainName, draftSigners, grantDraft } from '../../store/wallets-slice.js';
import { Badge, type Tone } from '../../app/ui/Badge.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { formatDateTime, formatRelative } from '../../app/lib/format.js';
import { useNow } from '../../app/lib/use-now.js';
import { cx } from '../../app/ui/cx.js';
import { promptNeedsAcknowledging } from '../requests/request-actions.js';
import { LiveCountdown } from '../requests/Countdown.js';
import { DecisionBar, useQueueDecision } from '../requests/DecisionBar.js';
import { OutcomeNote, OutcomeReason } from '../requests/OutcomeNote.js';
import { GrantForm } from './GrantForm.js';
import { parseOrigin } from './origin.js';
import sc from '../../app/ui/screen.module.css';
import q from '../requests/requests.module.css';
import w from './wallets.module.css';

export function PromptDetail({ prompt }: { prompt: WalletPrompt }) {
  const loadChoices = useApp((s) => s.loadWalletChoices);
  const pending = prompt.state === 'pending';
  // The candidates follow the vault's keys: read them afresh for each prompt on show.
  useEffect(() => {
    if (pending) void loadChoices();
  }, [prompt.id, pending, loadChoices]);
  return (
    <section className={q.detail} aria-label={prompt.kind === 'connect' ? 'Connection request' : 'Pairing request'} data-testid="prompt-detail" data-kind={prompt.kind} data-state={prompt.state}>
      {prompt.kind === 'connect' ? <ConnectHeader prompt={prompt} /> : <PairHeader prompt={prompt} />}
      {pending ? <Grant prompt={prompt} /> : <PromptOutcome prompt={prompt} />}
      {pending ? <PromptActionBar key={prompt.id} prompt={prompt} /> : null}
    </section>
  );
}

// ---------------------------------------------------------------- headers

/** The origin as the operator must read it: the host large, the scheme and port beside it. */
export function OriginText({ origin, size = 'lg' }: { origin: string; size?: 'lg' | 'md' }) {
  const o = parseOrigin(origin);
  return (
    <span className={cx(w.origin, size === 'lg' && w.originLg)} title={origin} data-testid="origin">
      <span className={cx(w.originScheme, o.insecure && w.originSchemeInsecure)}>{o.scheme}</span>
      <span className={w.originHost}>{o.host}</span>
      {o.port === '' ? null : <span className={w.originPort}>{o.port}</span>}
    </span>
  );
}

/**
 * A prompt's header, either kind: its icon, what it asks (`asks` while pending, `asked` once
 * decided), `who` asks, the clock; then `children` (warnings, the code) and the facts, `facts`
 * standing between what it asks for and when it arrived.
 */
function PromptHeader({ prompt, icon, asks, asked, who, asksFor, facts, children }: { prompt: WalletPrompt; icon: ReactNode; asks: string; asked: string; who: ReactNode; asksFor: string; facts?: ReactNode; children?: ReactNode }) {
  return (
    <header className={cx(sc.card, q.header)}>
      <div className={q.headerTop}>
        <div className={w.kindIcon} aria-hidden>
          {icon}
        </div>
        <div className={q.headerWho}>
          <div className={q.headerLabel}>{prompt.state === 'pending' ? asks : asked}</div>
          {who}
        </div>
        <PromptClock prompt={prompt} />
      </div>
      {children}
      <dl className={q.headerFacts}>
        <dt>It asks for</dt>
        <dd>{asksFor}</dd>
        {facts}
        <dt>Received</dt>
        <PromptReceived prompt={prompt} />
      </dl>
    </header>
  );
}

function ConnectHeader({ prompt }: { prompt: WalletPrompt }) {
  const origin = prompt.origin ?? prompt.name;
  const o = parseOrigin(origin);
  const chains = useApp((s) => s.walletChains);
  return (
    <PromptHeader
      prompt={prompt}
      icon={<Globe />}
      asks="A website asks to connect"
      asked="A website asked to connect"
      who={
        <div className={w.originLine} data-testid="request-client">
          <OriginText origin={origin} />
        </div>
      }
      asksFor="The addresses of the accounts you choose, and to send you signing requests for them"
      facts={
        <>
          <dt>Chain</dt>
          <dd>{prompt.chainId === null ? <span className={w.muted}>not named by the site</span> : chainName(chains, prompt.chainId)}</dd>
        </>
      }
    >
      {o.insecure ? (
        <div className={w.insecure} role="alert" data-testid="insecure-origin">
          <AlertTriangle aria-hidden />
          <div>
            <strong>{o.unparsed ? 'Not a web address this app can check.' : 'This site is not encrypted (http://).'}</strong> Anyone between your browser and {o.unparsed ? 'the page' : o.host} could be this site. Connect only if you know exactly where this page comes from.
          </div>
        </div>
      ) : null}
    </PromptHeader>
  );
}

function PairHeader({ prompt }: { prompt: WalletPrompt }) {
  return (
    <PromptHeader
      prompt={prompt}
      icon={<TerminalSquare />}
      asks="A program asks to pair"
      asked="A program asked to pair"
      who={
        <>
          <div className={w.claimedName} data-testid="request-client">
            <span className={w.claimQuote} aria-hidden>
              “
            </span>
            <span className={w.claimText}>{prompt.name}</span>
            <span className={w.claimQuote} aria-hidden>
              ”
            </span>
          </div>
          <div className={w.claimNote}>The name is what the program says it is — anything on this computer can claim any name.</div>
        </>
      }
      asksFor="A token for the wallet RPC: the accounts you choose, and to send you signing requests for them"
    >
      {prompt.code === null ? null : (
        <div className={cx(w.codeBox, prompt.state !== 'pending' && w.codeBoxDecided)} data-testid="pairing-code-box">
          <div className={w.codeLabel}>Pairing code</div>
          <div className={w.code} data-testid="pairing-code" aria-label={`Pairing code ${[...prompt.code].join(' ')}`}>
            {prompt.code}
          </div>
          {prompt.state === 'pending' ? (
            <div className={w.codeInstruction}>
              <ShieldCheck aria-hidden />
              Confirm only if the program shows the same code
            </div>
          ) : null}
        </div>
      )}
    </PromptHeader>
  );
}

function PromptReceived({ prompt }: { prompt: WalletPrompt }) {
  const now = useNow(15_000);
  return (
    <dd className="num" title={formatDateTime(prompt.createdAt)}>
      {formatRelative(prompt.createdAt, now)} · {formatDateTime(prompt.createdAt)}
    </dd>
  );
}

function PromptClock({ prompt }: { prompt: WalletPrompt }) {
  if (prompt.state !== 'pending') return <PromptStateBadge prompt={prompt} />;
  return <LiveCountdown expiresAt={prompt.expiresAt} title="Time left before the prompt expires unanswered" />;
}

const STATE_BADGE: Readonly<Record<WalletPrompt['state'], { connect: string; pair: string; tone: Tone }>> = {
  pending: { connect: 'Pending', pair: 'Pending', tone: 'warning' },
  approved: { connect: 'Connected ✓', pair: 'Paired ✓', tone: 'success' },
  rejected: { connect: 'Rejected', pair: 'Rejected', tone: 'danger' },
  expired: { connect: 'Expired', pair: 'Expired', tone: 'neutral' },
};

export function PromptStateBadge({ prompt }: { prompt: WalletPrompt }) {
  const b = STATE_BADGE[prompt.state];
  return (
    <span data-testid="state-badge" data-state={prompt.state}>
      <Badge tone={b.tone}>{b[prompt.kind]}</Badge>
    </span>
  );
}

// ---------------------------------------------------------------- the grant

function Grant({ prompt }: { prompt: WalletPrompt }) {
  const walletDraft = useApp((s) => s.walletDraft);
  const candidates = useApp((s) => s.walletCandidates);
  const chains = useApp((s) => s.walletChains);
  // Derived here, not in a selector: the defaults are a new object on every call.
  const draft = grantDraft({ walletDraft, walletCandidates: candidates, walletChains: chains }, prompt);
  const error = useApp((s) => s.walletChoicesError);
  const setDraft = useApp((s) => s.setWalletDraft);
  const busy = useApp((s) => s.requestBusy?.id === prompt.id);
  return (
    <div className={cx(sc.card, w.grantCard)}>
      <div className={w.grantHead}>
        <h3 className={w.grantTitle}>{prompt.kind === 'connect' ? 'What this site may use' : 'What this program may use'}</h3>
        <span className={w.grantSub}>Nothing else in the vault exists for it. You can change or revoke this in Settings.</span>
      </div>
      {error === undefined ? null : <ErrorNote error={error} />}
      <GrantForm value={draft} onChange={(patch) => setDraft(prompt, patch)} candidates={candidates} chains={chains} client={prompt.kind === 'connect' ? 'site' : 'program'} disabled={busy} />
    </div>
  );
}

function PromptOutcome({ prompt }: { prompt: WalletPrompt }) {
  const when = prompt.decidedAt === null ? '' : ` · ${formatDateTime(prompt.decidedAt)}`;
  const by = prompt.decidedBy === null || prompt.decidedBy === 'system' ? '' : ` by ${prompt.decidedBy}`;
  switch (prompt.state) {
    case 'approved':
      return (
        <OutcomeNote tone="success" icon={<ShieldCheck aria-hidden />} line={<>{prompt.kind === 'connect' ? 'Connected' : 'Paired'}{by}{when}</>}>
          <p className={w.muted}>Its accounts, chain and auto-approval are in Settings › Connected sites and programs, where it can be revoked.</p>
        </OutcomeNote>
      );
    case 'rejected':
      return (
        <OutcomeNote tone="danger" icon={<ShieldX aria-hidden />} line={<>Rejected{by}{when}</>}>
          <OutcomeReason reason={prompt.reason} />
        </OutcomeNote>
      );
    case 'expired':
      return <OutcomeNote icon={<Clock aria-hidden />} line={<>Expired — nobody decided before {formatDateTime(prompt.expiresAt)}. The client was told.</>} />;
    case 'pending':
      return null;
  }
}

// ---------------------------------------------------------------- decide

function PromptActionBar({ prompt }: { prompt: WalletPrompt }) {
  const decision = useQueueDecision(prompt.id);
  const grantable = useApp((s) => canGrant(s, prompt));
  const auto = useApp((s) => grantDraft(s, prompt).autoApprove);
  const count = useApp((s) => draftSigners(s, grantDraft(s, prompt)).length);
  const needsAck = promptNeedsAcknowledging(prompt);
  const approvable = grantable && (!needsAck || decision.acknowledged);
  const connect = prompt.kind === 'connect';
  return (
    <DecisionBar
      {...decision}
      reject={{ formLabel: connect ? 'Reject the connection' : 'Reject the pairing', placeholder: connect ? 'Reason (optional) — the site receives it' : 'Reason (optional) — the program receives it', confirm: connect ? 'Reject connection' : 'Reject pairing' }}
      acknowledge={needsAck ? 'I know where this page comes from and still want to connect it' : undefined}
      hint={
        connect ? (
          <>
            <strong>{parseOrigin(prompt.origin ?? prompt.name).host}</strong> will see {count === 1 ? '1 address' : `${count} addresses`}
            {auto ? <strong className={w.autoNote}> and sign without asking</strong> : null}.
          </>
        ) : (
          <>
            The program gets a token for {count === 1 ? '1 account' : `${count} accounts`}
            {auto ? <strong className={w.autoNote}> and signs without asking</strong> : null}.
          </>
        )
      }
      approve={{
        label: connect ? 'Connect' : 'Confirm pairing',
        tip: !grantable ? 'Tick at least one account first' : !approvable ? 'Acknowledge that the site is not encrypted first' : connect ? 'Connect with the ticked accounts' : 'The codes match: pair',
        icon: connect ? <Check aria-hidden /> : <Link2 aria-hidden />,
        variant: auto || needsAck ? 'danger' : 'primary',
        disabled: !approvable,
      }}
    />
  );
}
