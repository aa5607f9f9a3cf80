/**
 * @module renderer/features/vault/StrengthMeter
 * The four-segment strength bar under the new passphrase, with zxcvbn's verdict in words and
 * what would make it stronger. The estimator loads on first keystroke.
 */
import { useEffect, useState } from 'react';
import { loadEstimator, strengthView, type Estimator, type StrengthView } from './strength.js';
import { cx } from '../../app/ui/cx.js';
import v from './vault.module.css';

/** The strength of `passphrase` (recomputed as it changes; `acceptable` false until loaded). */
export function useStrength(passphrase: string, userInputs: readonly string[]): StrengthView {
  const [estimator, setEstimator] = useState<Estimator | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void loadEstimator().then((e) => live && setEstimator(() => e));
    return () => {
      live = false;
    };
  }, []);
  const result = estimator === undefined || passphrase === '' ? undefined : estimator(passphrase, userInputs);
  return strengthView(passphrase, result);
}

export function StrengthMeter({ view, id }: { view: StrengthView; id?: string }) {
  return (
    <div className={v.meter} id={id} aria-live="polite">
      <div className={v.meterBar} aria-hidden>
        {[1, 2, 3, 4].map((i) => (
          <div key={i} className={cx(v.meterSeg, i <= view.segments && v[`seg-${view.tone}`])} />
        ))}
      </div>
      {view.label === '' ? null : (
        <div className={v.meterRow}>
          <span className={cx(v.meterLabel, v[`label-${view.tone}`])} data-testid="strength-label">
            {view.label}
          </span>
          {view.crackTime === undefined ? null : <span className={v.meterTime}>Offline guessing: {view.crackTime}</span>}
        </div>
      )}
      {view.hint === undefined ? null : <div className={v.meterHint}>{view.hint}</div>}
    </div>
  );
}
