/**
 * @module renderer/features/backup/WizardSteps
 * The numbered steps above a wizard's body (the setup wizard's look): done steps ticked, the
 * current one marked for screen readers.
 */
import { Check } from 'lucide-react';
import { cx } from '../../app/ui/cx.js';
import v from '../vault/vault.module.css';
import b from './backup.module.css';

export function WizardSteps({ steps, at, label }: { steps: readonly string[]; at: number; label: string }) {
  return (
    <ol className={cx(v.steps, b.wizardSteps)} aria-label={label}>
      {steps.map((s, i) => (
        <li key={s} className={cx(v.step, i === at && v.stepActive, i < at && v.stepDone)} aria-current={i === at ? 'step' : undefined}>
          {i > 0 ? <span className={v.stepLine} aria-hidden /> : null}
          <span className={v.stepNum}>{i < at ? <Check aria-hidden /> : i + 1}</span>
          {s}
        </li>
      ))}
    </ol>
  );
}
