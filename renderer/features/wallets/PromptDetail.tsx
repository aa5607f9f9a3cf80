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
import { AlertTriangle, Check, Clock, Globe, Link2, ShieldCheck, ShieldX, TerminalSquare, X } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import type { WalletPrompt } from '../../../shared/api/wallet.js';
import { useApp, useAppStore } from '../../store/index.js';
import { canGrant, chainName, draftSigners, grantDraft } from '../../store/wallets-slice.js';
import { Badge, type Tone } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { Checkbox, TextInput } from '../../app/ui/Field.js';
import { ErrorNote } from '../../app/ui/ErrorNote.js';
import { Tip } from '../../app/ui/Tip.js';
import { SHORTCUTS } from '../../app/shortcuts.js';
import { formatCountdown, formatDateTime, formatRelative } from '../../app/lib/format.js';
import { useNow } from '../../app/lib/use-now.js';
import { cx } from '../../app/ui/cx.js';
import { approveSelected, promptNeedsAcknowledging, rejectSelected } from '../requests/request-actions.js';
import { GrantForm } from './GrantForm.js';
import { parseOrigin } from './origin.js';
import q from '../requests/requests.module.css';
import w from './wallets.module.css';

/** Under this long to live, a prompt is urgent (red); under SOON_MS it is amber (as for requests). */
const URGENT_MS = 30_000;
const SOON_MS = 120_000;

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

function ConnectHeader({ prompt }: { prompt: WalletPrompt }) {
  const origin = prompt.origin ?? prompt.name;
  const o = parseOrigin(origin);
  const chains = useApp((s) => s.walletChains);
  return (
    <header className={q.header}>
      <div className={q.headerTop}>
        <div className={w.kindIcon} aria-hidden>
          <Globe />
        </div>
        <div className={q.headerWho}>
          <div className={q.headerLabel}>{prompt.state === 'pending' ? 'A website asks to connect' : 'A website asked to connect'}</div>
          <div className={w.originLine} data-testid="request-client">
            <OriginText origin={origin} />
          </div>
        </div>
        <PromptClock prompt={prompt} />
      </div>
      {o.insecure ? (
        <div className={w.insecure} role="alert" data-testid="insecure-origin">
          <AlertTriangle aria-hidden />
          <div>
            <strong>{o.unparsed ? 'Not a web address this app can check.' : 'This site is not encrypted (http://).'}</strong> Anyone between your browser and {o.unparsed ? 'the page' : o.host} could be this site. Connect only if you know exactly where this page comes from.
          </div>
        </div>
      ) : null}
      <dl className={q.headerFacts}>
        <dt>It asks for</dt>
        <dd>The addresses of the accounts you choose, and to send you signing requests for them</dd>
        <dt>Chain</dt>
        <dd>{prompt.chainId === null ? <span className={w.muted}>not named by the site</span> : chainName(chains, prompt.chainId)}</dd>
        <dt>Received</dt>
        <PromptReceived prompt={prompt} />
      </dl>
    </header>
  );
}

function PairHeader({ prompt }: { prompt: WalletPrompt }) {
  return (
    <header className={q.header}>
      <div className={q.headerTop}>
        <div className={w.kindIcon} aria-hidden>
          <TerminalSquare />
        </div>
        <div className={q.headerWho}>
          <div className={q.headerLabel}>{prompt.state === 'pending' ? 'A program asks to pair' : 'A program asked to pair'}</div>
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
        </div>
        <PromptClock prompt={prompt} />
      </div>
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
      <dl className={q.headerFacts}>
        <dt>It asks for</dt>
        <dd>A token for the wallet RPC: the accounts you choose, and to send you signing requests for them</dd>
        <dt>Received</dt>
        <PromptReceived prompt={prompt} />
      </dl>
    </header>
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
  return <PromptCountdown expiresAt={prompt.expiresAt} />;
}

export function PromptCountdown({ expiresAt }: { expiresAt: number }) {
  const now = useNow(500);
  const left = expiresAt - now;
  const level = left < URGENT_MS ? 'urgent' : left < SOON_MS ? 'soon' : 'calm';
  return (
    <span className={cx(q.countdown, level === 'urgent' && q.countdownUrgent, level === 'soon' && q.countdownSoon)} data-testid="request-countdown" title="Time left before the prompt expires unanswered">
      <Clock aria-hidden />
      {left <= 0 ? 'expiring…' : formatCountdown(left)}
    </span>
  );
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
    <div className={w.grantCard}>
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
        <div className={q.outcome} data-testid="request-outcome">
          <div className={cx(q.outcomeLine, q.outcomeSuccess)}>
            <ShieldCheck aria-hidden />
            <span>
              {prompt.kind === 'connect' ? 'Connected' : 'Paired'}
              {by}
              {when}
            </span>
          </div>
          <p className={w.muted}>Its accounts, chain and auto-approval are in Settings › Connected sites and programs, where it can be revoked.</p>
        </div>
      );
    case 'rejected':
      return (
        <div className={q.outcome} data-testid="request-outcome">
          <div className={cx(q.outcomeLine, q.outcomeDanger)}>
            <ShieldX aria-hidden />
            <span>
              Rejected{by}
              {when}
            </span>
          </div>
          {prompt.reason === null ? null : <p className={q.reason}>“{prompt.reason}”</p>}
        </div>
      );
    case 'expired':
      return (
        <div className={q.outcome} data-testid="request-outcome">
          <div className={q.outcomeLine}>
            <Clock aria-hidden />
            <span>Expired — nobody decided before {formatDateTime(prompt.expiresAt)}. The client was told.</span>
          </div>
        </div>
      );
    case 'pending':
      return null;
  }
}

// ---------------------------------------------------------------- decide

function PromptActionBar({ prompt }: { prompt: WalletPrompt }) {
  const store = useAppStore();
  const rejecting = useApp((s) => s.requestRejecting);
  const setRejecting = useApp((s) => s.setRequestRejecting);
  const busy = useApp((s) => (s.requestBusy?.id === prompt.id ? s.requestBusy.action : null));
  const grantable = useApp((s) => canGrant(s, prompt));
  const auto = useApp((s) => grantDraft(s, prompt).autoApprove);
  const count = useApp((s) => draftSigners(s, grantDraft(s, prompt)).length);
  const acknowledged = useApp((s) => s.requestAcknowledged);
  const acknowledge = useApp((s) => s.acknowledgeRequest);
  const needsAck = promptNeedsAcknowledging(prompt);
  const approvable = grantable && (!needsAck || acknowledged);
  const [reason, setReason] = useState('');
  const reasonRef = useRef<HTMLInputElement>(null);
  const verb = prompt.kind === 'connect' ? 'Connect' : 'Confirm pairing';

  useEffect(() => {
    if (!rejecting) return;
    reasonRef.current?.focus();
    const frame = requestAnimationFrame(() => reasonRef.current?.focus());
    return () => cancelAnimationFrame(frame);
  }, [rejecting]);

  if (rejecting) {
    return (
      <form
        className={cx(q.actionBar, q.actionBarReject)}
        aria-label={prompt.kind === 'connect' ? 'Reject the connection' : 'Reject the pairing'}
        onSubmit={(e) => {
          e.preventDefault();
          void rejectSelected(store.getState, reason);
        }}
      >
        <TextInput
          ref={reasonRef}
          className={q.reasonInput}
          placeholder={prompt.kind === 'connect' ? 'Reason (optional) — the site receives it' : 'Reason (optional) — the program receives it'}
          aria-label="Reason for rejecting"
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              setRejecting(false);
            }
          }}
          data-testid="reject-reason"
        />
        <Button type="button" variant="ghost" icon={<X aria-hidden />} onClick={() => setRejecting(false)}>
          Cancel
        </Button>
        <Button type="submit" variant="dangerOutline" className={q.decide} icon={<ShieldX aria-hidden />} busy={busy === 'reject'} data-testid="reject-confirm">
          {prompt.kind === 'connect' ? 'Reject connection' : 'Reject pairing'}
        </Button>
      </form>
    );
  }

  return (
    <div className={q.actionBar} data-testid="request-actions">
      <div className={q.actionLead}>
        {needsAck ? (
          <Checkbox label="I know where this page comes from and still want to connect it" checked={acknowledged} onChange={(e) => acknowledge(e.target.checked)} data-testid="request-acknowledge" />
        ) : (
          <span className={q.actionHint}>
            {prompt.kind === 'connect' ? (
              <>
                <strong>{parseOrigin(prompt.origin ?? prompt.name).host}</strong> will see {count === 1 ? '1 address' : `${count} addresses`}
                {auto ? <strong className={w.autoNote}> and sign without asking</strong> : null}.
              </>
            ) : (
              <>
                The program gets a token for {count === 1 ? '1 account' : `${count} accounts`}
                {auto ? <strong className={w.autoNote}> and signs without asking</strong> : null}.
              </>
            )}
          </span>
        )}
      </div>
      <div className={q.actionButtons}>
        <Tip label="Reject — optionally say why" shortcut={SHORTCUTS.rejectRequest}>
          <Button variant="dangerOutline" className={q.decide} icon={<ShieldX aria-hidden />} disabled={busy !== null} onClick={() => setRejecting(true)} data-testid="reject">
            Reject
          </Button>
        </Tip>
        <Tip label={!grantable ? 'Tick at least one account first' : !approvable ? 'Acknowledge that the site is not encrypted first' : prompt.kind === 'connect' ? 'Connect with the ticked accounts' : 'The codes match: pair'} shortcut={SHORTCUTS.approveRequest}>
          <span className={q.tipWrap}>
            <Button variant={auto || needsAck ? 'danger' : 'primary'} className={q.decide} icon={prompt.kind === 'connect' ? <Check aria-hidden /> : <Link2 aria-hidden />} busy={busy === 'approve'} disabled={!approvable} onClick={() => void approveSelected(store.getState)} data-testid="approve">
              {verb}
            </Button>
          </span>
        </Tip>
      </div>
    </div>
  );
}
