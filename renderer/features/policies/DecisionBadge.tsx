/**
 * @module renderer/features/policies/DecisionBadge
 * A policy decision in its semantic colour (UI.md): green allow, amber require-approval, red deny.
 * Shared by the Policies screen's test bench and the policy block on a request.
 */
import { Check, ShieldAlert, ShieldX } from 'lucide-react';
import type { Decision } from '../../../shared/api/policy.js';
import { Badge, type Tone } from '../../app/ui/Badge.js';

export const DECISION_TONE: Readonly<Record<Decision, Tone>> = { allow: 'success', 'require-approval': 'warning', deny: 'danger' };
export const DECISION_LABEL: Readonly<Record<Decision, string>> = { allow: 'Allow', 'require-approval': 'Require approval', deny: 'Deny' };

export function DecisionBadge({ decision, className }: { decision: Decision; className?: string }) {
  const icon = decision === 'allow' ? <Check aria-hidden /> : decision === 'deny' ? <ShieldX aria-hidden /> : <ShieldAlert aria-hidden />;
  return (
    <span data-testid="decision-badge" data-decision={decision} className={className}>
      <Badge tone={DECISION_TONE[decision]} icon={icon}>
        {DECISION_LABEL[decision]}
      </Badge>
    </span>
  );
}
