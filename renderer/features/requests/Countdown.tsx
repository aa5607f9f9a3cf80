/**
 * @module renderer/features/requests/Countdown
 * The time a queue item (a signing request, a wallet connect or pairing prompt) has left before it
 * expires unanswered, coloured as it runs out: amber under two minutes, red under thirty seconds.
 * The lists and the request card share one clock for all their countdowns (Countdown); a prompt's
 * card keeps its own (LiveCountdown).
 */
import { Clock } from 'lucide-react';
import { formatCountdown } from '../../app/lib/format.js';
import { useNow } from '../../app/lib/use-now.js';
import { cx } from '../../app/ui/cx.js';
import q from './requests.module.css';

/** Under this long to live, an item is urgent (red); under SOON_MS it is amber. */
export const URGENT_MS = 30_000;
const SOON_MS = 120_000;

/** `title`: what expires, for the tooltip. */
export function Countdown({ left, title }: { left: number; title: string }) {
  const level = left < URGENT_MS ? 'urgent' : left < SOON_MS ? 'soon' : 'calm';
  return (
    <span className={cx(q.countdown, level === 'urgent' && q.countdownUrgent, level === 'soon' && q.countdownSoon)} data-testid="request-countdown" title={title}>
      <Clock aria-hidden />
      {left <= 0 ? 'expiring…' : formatCountdown(left)}
    </span>
  );
}

/** A Countdown with its own half-second clock. */
export function LiveCountdown({ expiresAt, title }: { expiresAt: number; title: string }) {
  const now = useNow(500);
  return <Countdown left={expiresAt - now} title={title} />;
}
