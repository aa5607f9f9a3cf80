/**
 * @module renderer/features/airgap/QrFrames
 * A file as QR: one code, or an animated BC-UR sequence stepping at QR_FPS with a pause button
 * and "frame i of n" (a scanner collects parts in any order, so a paused or missed frame costs
 * only time). Dark modules on white whatever the theme: scanners expect that contrast.
 */
import { Pause, Play } from 'lucide-react';
import { useEffect, useMemo, useState } from 'react';
import type { QrFrames as Frames } from '../../../shared/api/airgap.js';
import { Button } from '../../app/ui/Button.js';
import { frameCaption, nextFrame, QR_FPS, qrSymbol } from './qr-frames.js';
import a from './airgap.module.css';

export function QrFrames({ qr, label }: { qr: Frames; label: string }) {
  const n = qr.frames.length;
  const [index, setIndex] = useState(0);
  const [paused, setPaused] = useState(false);
  useEffect(() => {
    if (n <= 1 || paused) return;
    const t = setInterval(() => setIndex((i) => nextFrame(i, n)), 1000 / QR_FPS);
    return () => clearInterval(t);
  }, [n, paused]);
  const frame = qr.frames[Math.min(index, n - 1)] ?? '';
  const symbol = useMemo(() => qrSymbol(frame), [frame]);
  return (
    <figure className={a.qr} data-testid="qr" data-encoding={qr.encoding} data-frames={n}>
      <svg className={a.qrSvg} viewBox={`0 0 ${symbol.size} ${symbol.size}`} role="img" aria-label={`${label}${n > 1 ? `, frame ${index + 1} of ${n}` : ''}`} shapeRendering="crispEdges" data-frame={index}>
        <rect width={symbol.size} height={symbol.size} fill="#fff" />
        <path d={symbol.path} fill="#000" />
      </svg>
      <figcaption className={a.qrCaption}>
        <span className="num" data-testid="qr-caption">
          {frameCaption(index, n, qr.fragments)}
        </span>
        {n > 1 ? (
          <Button size="sm" variant="ghost" icon={paused ? <Play aria-hidden /> : <Pause aria-hidden />} onClick={() => setPaused(!paused)} aria-pressed={paused} data-testid="qr-pause">
            {paused ? 'Play' : 'Pause'}
          </Button>
        ) : null}
      </figcaption>
      {qr.encoding === 'ur' ? <p className={a.qrNote}>Animated BC-UR (ur:bytes): hold the scanner on it until it has every part.</p> : null}
    </figure>
  );
}
