/**
 * @module renderer/app/ui/Identicon
 * A small picture of an address (UI.md: an identicon beside every address), so two addresses
 * that share their truncated ends still look different at a glance: a 5×5 mirrored pattern and a
 * hue, both from an FNV-1a hash of the text. A recognition aid, not a security check — it is 15
 * bits of pattern and a colour, easy to collide on purpose; the full address is always one hover
 * or one copy away.
 */
import { cx } from './cx.js';
import s from './ui.module.css';

/** FNV-1a (32-bit), then xorshift steps for more bits: fast, stable, not cryptographic. */
function bitsOf(text: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return () => {
    h ^= h << 13;
    h ^= h >>> 17;
    h ^= h << 5;
    h >>>= 0;
    return h;
  };
}

export function Identicon({ value, size = 18, className }: { value: string; size?: number; className?: string }) {
  const next = bitsOf(value.toLowerCase());
  const hue = next() % 360;
  const cells: { x: number; y: number }[] = [];
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 3; x++) {
      if ((next() & 1) === 0) continue;
      cells.push({ x, y });
      if (x < 2) cells.push({ x: 4 - x, y });
    }
  }
  return (
    <svg className={cx(s.identicon, className)} width={size} height={size} viewBox="0 0 5 5" aria-hidden shapeRendering="crispEdges">
      <rect width="5" height="5" fill={`hsl(${hue} 45% 92%)`} />
      {cells.map((c) => (
        <rect key={`${c.x}-${c.y}`} x={c.x} y={c.y} width="1" height="1" fill={`hsl(${hue} 60% 42%)`} />
      ))}
    </svg>
  );
}
