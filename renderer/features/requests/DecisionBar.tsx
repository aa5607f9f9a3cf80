/**
 * @module renderer/features/requests/DecisionBar
 * The sticky bar under a pending queue item on show, a signing request (RequestsScreen) or a wallet
 * connect / pairing prompt (wallets/PromptDetail): Reject and Approve side by side, equal in size,
 * Approve never the default button (UI.md); before them a hint of what approving does, or the
 * acknowledgement a flagged decision needs first. Reject opens the reason step in place: the
 * reason field takes the focus, Escape or Cancel goes back, Enter rejects.
 *
 * What differs between the kinds comes in as props (labels, the reason's placeholder, the
 * acknowledgement, Approve's look and whether it is enabled). The review state both kinds share —
 * the reject step, the decision on its way, the acknowledgement — is the store's (A and R drive
 * the same state), and useQueueDecision hands it over with the decisions, which go through
 * request-actions as the keyboard's do.
 */
import { ShieldX, X } from 'lucide-react';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { useApp, useAppStore } from '../../store/index.js';
import { Button } from '../../app/ui/Button.js';
import { Checkbox, TextInput } from '../../app/ui/Field.js';
import { Tip } from '../../app/ui/Tip.js';
import { SHORTCUTS } from '../../app/shortcuts.js';
import { cx } from '../../app/ui/cx.js';
import { approveSelected, rejectSelected } from './request-actions.js';
import q from './requests.module.css';

/** The review state of the item on show, and what deciding it does. */
export interface DecisionState {
  /** The decision on its way for this item, if any (that button spins, the others wait). */
  readonly busy: 'approve' | 'reject' | null;
  /** The reason step is open. */
  readonly rejecting: boolean;
  readonly onRejectingChange: (rejecting: boolean) => void;
  readonly acknowledged: boolean;
  readonly onAcknowledge: (acknowledged: boolean) => void;
  readonly onApprove: () => void;
  readonly onReject: (reason: string) => void;
}

export interface DecisionBarProps extends DecisionState {
  /** The reason step: the form's name, who receives the reason (placeholder), the confirm button. */
  readonly reject: { readonly formLabel: string; readonly placeholder: string; readonly confirm: string };
  /** The label of the tick a flagged decision needs before Approve; undefined: `hint` stands there instead. */
  readonly acknowledge: string | undefined;
  /** What approving does, in a line. */
  readonly hint: ReactNode;
  readonly approve: { readonly label: string; readonly tip: string; readonly icon: ReactNode; readonly variant: 'primary' | 'danger'; readonly disabled: boolean };
}

/** The store's review state for queue item `id` (the selected one), with the decisions request-actions makes. */
export function useQueueDecision(id: string): DecisionState {
  const store = useAppStore();
  const busy = useApp((s) => (s.requestBusy?.id === id ? s.requestBusy.action : null));
  const rejecting = useApp((s) => s.requestRejecting);
  const onRejectingChange = useApp((s) => s.setRequestRejecting);
  const acknowledged = useApp((s) => s.requestAcknowledged);
  const onAcknowledge = useApp((s) => s.acknowledgeRequest);
  return {
    busy,
    rejecting,
    onRejectingChange,
    acknowledged,
    onAcknowledge,
    onApprove: () => void approveSelected(store.getState),
    onReject: (reason) => void rejectSelected(store.getState, reason),
  };
}

/** Give it a `key` of the item's id: the reason typed is the item's own. */
export function DecisionBar({ busy, rejecting, onRejectingChange, acknowledged, onAcknowledge, onApprove, onReject, reject, acknowledge, hint, approve }: DecisionBarProps) {
  const [reason, setReason] = useState('');
  const reasonRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!rejecting) return;
    reasonRef.current?.focus();
    // Opened from the command palette: its closing hands the focus back to where it was; take it again.
    const frame = requestAnimationFrame(() => reasonRef.current?.focus());
    return () => cancelAnimationFrame(frame);
  }, [rejecting]);

  if (rejecting) {
    return (
      <form
        className={cx(q.actionBar, q.actionBarReject)}
        aria-label={reject.formLabel}
        onSubmit={(e) => {
          e.preventDefault();
          onReject(reason);
        }}
      >
        <TextInput
          ref={reasonRef}
          className={q.reasonInput}
          placeholder={reject.placeholder}
          aria-label="Reason for rejecting"
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              onRejectingChange(false);
            }
          }}
          data-testid="reject-reason"
        />
        <Button type="button" variant="ghost" icon={<X aria-hidden />} onClick={() => onRejectingChange(false)}>
          Cancel
        </Button>
        <Button type="submit" variant="dangerOutline" className={q.decide} icon={<ShieldX aria-hidden />} busy={busy === 'reject'} data-testid="reject-confirm">
          {reject.confirm}
        </Button>
      </form>
    );
  }

  return (
    <div className={q.actionBar} data-testid="request-actions">
      <div className={q.actionLead}>
        {acknowledge === undefined ? (
          <span className={q.actionHint}>{hint}</span>
        ) : (
          <Checkbox label={acknowledge} checked={acknowledged} onChange={(e) => onAcknowledge(e.target.checked)} data-testid="request-acknowledge" />
        )}
      </div>
      <div className={q.actionButtons}>
        <Tip label="Reject — optionally say why" shortcut={SHORTCUTS.rejectRequest}>
          <Button variant="dangerOutline" className={q.decide} icon={<ShieldX aria-hidden />} disabled={busy !== null} onClick={() => onRejectingChange(true)} data-testid="reject">
            Reject
          </Button>
        </Tip>
        <Tip label={approve.tip} shortcut={SHORTCUTS.approveRequest}>
          {/* A disabled button gets no pointer events: the wrapper keeps the tooltip. */}
          <span className={q.tipWrap}>
            <Button variant={approve.variant} className={q.decide} icon={approve.icon} busy={busy === 'approve'} disabled={approve.disabled} onClick={onApprove} data-testid="approve">
              {approve.label}
            </Button>
          </span>
        </Tip>
      </div>
    </div>
  );
}
