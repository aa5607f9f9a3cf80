/**
 * @module renderer/features/requests/PolicyBlock
 * What the policies said about a request, on its card: the decision in its semantic colour, why
 * (an operator's approval is needed, or it was refused), and which policy said so — each deciding
 * policy's name, kind, scope and reason from `policy.results` (the engine's per-policy results),
 * or the `name: reason` lines of `policy.reasons` for a request recorded without them. The
 * policies that did not decide are folded away.
 *
 * When a policy's quorum asks for more than one operator, the block says how many approvals the
 * request has, how many remain, and who may give them (those who did are ticked) — from the
 * request record's `quorum` and `approvals`; without a quorum any one operator decides and nothing
 * is shown about it.
 */
import { Check, ShieldAlert, ShieldX, Users } from 'lucide-react';
import type { RequestRecord } from '../../../shared/api/signing.js';
import { Badge } from '../../app/ui/Badge.js';
import { cx } from '../../app/ui/cx.js';
import q from './requests.module.css';
import sc from '../../app/ui/screen.module.css';

type PolicyOutcome = RequestRecord['policy'];
type PolicyResult = NonNullable<PolicyOutcome['results']>[number];

function heading(decision: PolicyOutcome['decision'], pending: boolean): string {
  if (decision === 'deny') return 'Refused by policy';
  if (decision === 'allow') return 'Allowed by policy';
  return pending ? 'Why this needs your approval' : 'Why this needed an operator’s approval';
}

function scopeText(scope: PolicyResult['scope']): string {
  return scope.kind === 'global' ? 'global' : scope.kind === 'namespace' ? `namespace ${scope.namespace}` : `key ${scope.namespace}/${scope.keyId}`;
}

/** "name: reason" (the engine's reasons) → its parts; a reason without a name stays whole. */
function splitReason(text: string): { name: string | undefined; reason: string } {
  const i = text.indexOf(': ');
  return i <= 0 || i > 64 || /\s/u.test(text.slice(0, i)) ? { name: undefined, reason: text } : { name: text.slice(0, i), reason: text.slice(i + 2) };
}

export function PolicyBlock({ record }: { record: RequestRecord }) {
  const policy = record.policy;
  const pending = record.state === 'pending';
  const results = policy.results;
  const deciding = results?.filter((r) => r.decision === policy.decision) ?? [];
  const others = results?.filter((r) => r.decision !== policy.decision) ?? [];
  const icon = policy.decision === 'allow' ? <Check aria-hidden /> : policy.decision === 'deny' ? <ShieldX aria-hidden /> : <ShieldAlert aria-hidden />;
  return (
    <section className={cx(sc.decisionEdge, sc[`decisionEdge-${policy.decision}`], q.policyBlock, q[`policy-${policy.decision}`])} aria-label="Policy decision" data-testid="request-policy" data-decision={policy.decision}>
      <div className={q.policyHead}>
        {icon}
        <span>{heading(policy.decision, pending)}</span>
      </div>
      {results !== undefined && deciding.length > 0 ? (
        <ul className={q.policyList} aria-label="Deciding policies">
          {deciding.map((r, i) => (
            <PolicyLine key={`${r.name}-${i}`} name={r.name} reason={r.reason} meta={`${r.kind === 'rules' ? 'rules' : 'WASM'} · ${scopeText(r.scope)}`} />
          ))}
        </ul>
      ) : policy.reasons.length > 0 ? (
        <ul className={q.policyList} aria-label="Policy reasons">
          {policy.reasons.map((text, i) => {
            const { name, reason } = splitReason(text);
            return <PolicyLine key={i} name={name} reason={reason} />;
          })}
        </ul>
      ) : (
        <p className={q.policyNone}>{results !== undefined && results.length === 0 ? 'No policy applies to this key: the default decided.' : 'No reason was recorded.'}</p>
      )}
      {record.quorum === undefined || record.quorum === null ? null : <QuorumLine quorum={record.quorum} approvals={record.approvals ?? []} pending={pending} />}
      {others.length === 0 ? null : (
        <details className={q.policyOthers}>
          <summary>
            {others.length} other {others.length === 1 ? 'policy' : 'policies'} ran
          </summary>
          <ul className={q.policyList}>
            {others.map((r, i) => (
              <PolicyLine key={`${r.name}-${i}`} name={r.name} reason={r.reason} meta={`${r.decision} · ${scopeText(r.scope)}`} />
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

function PolicyLine({ name, reason, meta }: { name: string | undefined; reason: string; meta?: string }) {
  return (
    <li className={q.policyLine}>
      {name === undefined ? null : (
        <span className={q.policyName}>
          <span className="mono">{name}</span>
          {meta === undefined ? null : <Badge tone="outline">{meta}</Badge>}
        </span>
      )}
      <span className={q.policyReason}>{reason}</span>
    </li>
  );
}

function QuorumLine({ quorum, approvals, pending }: { quorum: NonNullable<RequestRecord['quorum']>; approvals: NonNullable<RequestRecord['approvals']>; pending: boolean }) {
  const given = new Set(approvals.map((a) => a.by));
  const remaining = Math.max(0, quorum.required - given.size);
  return (
    <div className={q.quorum} data-testid="request-quorum" data-remaining={remaining}>
      <div className={q.quorumHead}>
        <Users aria-hidden />
        <span>
          <span className="num">
            {given.size} of {quorum.required}
          </span>{' '}
          approvals{pending && remaining > 0 ? ` · ${remaining} more needed` : ''}
        </span>
        <span className={q.quorumPolicy}>
          quorum of <span className="mono">{quorum.policy}</span>
        </span>
      </div>
      <ul className={q.approvers} aria-label="Approvers">
        {quorum.approvers.map((name) => (
          <li key={name} className={cx(q.approver, given.has(name) && q.approverDone)} title={given.has(name) ? `${name} approved` : `${name} has not approved`}>
            {given.has(name) ? <Check aria-hidden /> : null}
            {name}
          </li>
        ))}
      </ul>
    </div>
  );
}
