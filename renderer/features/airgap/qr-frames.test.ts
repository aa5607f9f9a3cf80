/**
 * The air-gap QR helpers: the SVG path drawn from the `qr` module matrix covers exactly the dark
 * modules (checked by rasterising it back), the quiet zone is there, and animated frames loop.
 */
import encodeQR from 'qr';
import { describe, expect, it } from 'vitest';
import { frameCaption, matrixPath, nextFrame, qrSymbol } from './qr-frames.js';

/** Paint the path's `M x y h w v1 h-w z` runs back into a matrix. */
function rasterise(path: string, size: number): boolean[][] {
  const out = Array.from({ length: size }, () => Array<boolean>(size).fill(false));
  for (const m of path.matchAll(/M(\d+) (\d+)h(\d+)v1h-(\d+)z/g)) {
    const [x, y, w, back] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
    expect(back).toBe(w);
    for (let i = x; i < x + w; i++) (out[y] as boolean[])[i] = true;
  }
  return out;
}

describe('air-gap QR frames', () => {
  it('draws exactly the dark modules, one run per stretch', () => {
    const matrix = [
      [true, true, false, true],
      [false, false, false, false],
      [true, false, true, true],
    ];
    expect(matrixPath(matrix)).toBe('M0 0h2v1h-2zM3 0h1v1h-1zM0 2h1v1h-1zM2 2h2v1h-2z');
  });

  it('round-trips a real symbol, quiet zone included', () => {
    const text = '{"format":"custos-airgap-response","version":1}';
    const sym = qrSymbol(text);
    const matrix = encodeQR(text, 'raw', { ecc: 'medium', border: 4 });
    expect(sym.size).toBe(matrix.length);
    expect(rasterise(sym.path, sym.size)).toEqual(matrix);
    // Four light modules all round.
    for (let i = 0; i < 4; i++) {
      expect(matrix[i]?.some(Boolean)).toBe(false);
      expect(matrix.every((row) => row[i] === false)).toBe(true);
    }
  });

  it('loops through animated frames and says where it is', () => {
    expect(nextFrame(0, 3)).toBe(1);
    expect(nextFrame(2, 3)).toBe(0);
    expect(nextFrame(0, 1)).toBe(0);
    expect(frameCaption(1, 12, 8)).toBe('Frame 2 of 12 · a scanner needs 8 parts');
    expect(frameCaption(0, 1, 1)).toBe('One frame: the whole file');
  });
});
