/**
 * @module renderer/features/airgap/qr-frames
 * QR codes for what crosses the air gap. The core decides the frames (one 'text' frame when the
 * file fits, else BC-UR parts shown in a loop, shared/api/airgap); this draws one frame as an
 * SVG path built from the `qr` package's module matrix — no innerHTML, no canvas, no data: URL,
 * so nothing the CSP has to allow — and steps through an animated sequence.
 *
 * Medium error correction (ISO/IEC 18004 level M, ~15 %): a phone camera reading a laptop screen
 * needs some; a BC-UR part is short enough that M stays a small symbol.
 */
import encodeQR from 'qr';

/** Frames a second for an animated (BC-UR) sequence: slow enough for a phone to lock on, fast enough to finish. */
export const QR_FPS = 5;

export interface QrSymbol {
  /** Modules a side, quiet zone included. */
  readonly size: number;
  /** The dark modules as one SVG path in module units (one `h` run per horizontal stretch). */
  readonly path: string;
}

/** The symbol for `text`, with a quiet zone of `border` modules (ISO/IEC 18004 asks for 4). */
export function qrSymbol(text: string, border = 4): QrSymbol {
  const matrix = encodeQR(text, 'raw', { ecc: 'medium', border });
  return { size: matrix.length, path: matrixPath(matrix) };
}

/** Dark runs of each row as `M x y h w v1 h-w z`: a few hundred commands instead of one per module. */
export function matrixPath(matrix: readonly (readonly boolean[])[]): string {
  const parts: string[] = [];
  matrix.forEach((row, y) => {
    let x = 0;
    while (x < row.length) {
      if (row[x] !== true) {
        x += 1;
        continue;
      }
      const start = x;
      while (x < row.length && row[x] === true) x += 1;
      parts.push(`M${start} ${y}h${x - start}v1h-${x - start}z`);
    }
  });
  return parts.join('');
}

/** The frame after `i` of `n`, looping. */
export function nextFrame(i: number, n: number): number {
  return n <= 1 ? 0 : (i + 1) % n;
}

/** What the caption under an animated code says. */
export function frameCaption(i: number, n: number, fragments: number): string {
  if (n <= 1) return 'One frame: the whole file';
  return `Frame ${i + 1} of ${n} · a scanner needs ${fragments} ${fragments === 1 ? 'part' : 'parts'}`;
}
