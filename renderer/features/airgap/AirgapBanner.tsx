/**
 * @module renderer/features/airgap/AirgapBanner
 * Air-gapped mode, impossible to miss and nothing to fear: a badge in the top bar (UI.md) and a
 * slim strip under it, in the accent colour rather than a warning's — it is a chosen, safe state,
 * not a fault. Both say what turned it on and lead to the Air-gap screen.
 */
import { Unplug } from 'lucide-react';
import { useApp } from '../../store/index.js';
import { Badge } from '../../app/ui/Badge.js';
import { Button } from '../../app/ui/Button.js';
import { Tip } from '../../app/ui/Tip.js';
import a from './airgap.module.css';

const SOURCES = { flag: 'the --air-gapped flag', config: 'server.air_gapped in custos.yaml', off: '' } as const;

export function AirgapIndicator() {
  const status = useApp((s) => s.airgap);
  const setScreen = useApp((s) => s.setScreen);
  if (status?.airGapped !== true) return null;
  return (
    <Tip label={`Air-gapped (${SOURCES[status.source]}): every listener is off`}>
      <button type="button" className={a.indicator} onClick={() => setScreen('airgap')} data-testid="airgap-indicator" aria-label="Air-gapped mode is on">
        <Badge tone="accent" icon={<Unplug aria-hidden />}>
          Air-gapped
        </Badge>
      </button>
    </Tip>
  );
}

export function AirgapBanner() {
  const status = useApp((s) => s.airgap);
  const screen = useApp((s) => s.screen);
  const setScreen = useApp((s) => s.setScreen);
  if (status?.airGapped !== true) return null;
  return (
    <div className={a.banner} role="status" data-testid="airgap-banner">
      <span className={a.bannerMark} aria-hidden>
        <Unplug />
      </span>
      <span className={a.bannerText}>
        <strong>Air-gapped mode</strong>
        <span className={a.bannerSep} aria-hidden>
          ·
        </span>
        No network listener is running; requests and responses move as files and QR codes.
        <span className={a.bannerSource}>Set by {SOURCES[status.source]}.</span>
      </span>
      {screen === 'airgap' ? null : (
        <Button size="sm" variant="ghost" className={a.bannerAction} onClick={() => setScreen('airgap')}>
          Import a request
        </Button>
      )}
    </div>
  );
}
