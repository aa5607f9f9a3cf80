/**
 * @module renderer/features/requests/OutcomeNote
 * What became of a decided queue item, on its card (a signing request on the Requests screen, a
 * wallet connect or pairing prompt in wallets/PromptDetail): one line — an icon, in the tone of
 * the outcome (green done, red rejected or failed, grey otherwise) — then any detail (the reason
 * given, the signature, the error).
 */
import type { ReactNode } from 'react';
import { cx } from '../../app/ui/cx.js';
import q from './requests.module.css';

export function OutcomeNote({ tone = 'neutral', icon, line, children }: { tone?: 'success' | 'danger' | 'neutral'; icon: ReactNode; line: ReactNode; children?: ReactNode }) {
  return (
    <div className={q.outcome} data-testid="request-outcome">
      <div className={cx(q.outcomeLine, tone === 'success' && q.outcomeSuccess, tone === 'danger' && q.outcomeDanger)}>
        {icon}
        <span>{line}</span>
      </div>
      {children}
    </div>
  );
}

/** The reason a rejection gave, quoted (none given: nothing). */
export function OutcomeReason({ reason }: { reason: string | null }) {
  return reason === null ? null : <p className={q.reason}>“{reason}”</p>;
}
