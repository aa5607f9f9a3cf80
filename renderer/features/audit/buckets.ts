/**
 * @module renderer/features/audit/buckets
 * Events per time bucket for the timeline chart: a bucket width picked from round steps (1 s …
 * 1 week) so the chart has at most `maxBuckets` bars, counted in one pass over the events.
 */

const STEPS_MS = [1, 2, 5, 10, 15, 30].map((s) => s * 1000)
  .concat([1, 2, 5, 10, 15, 30].map((m) => m * 60_000))
  .concat([1, 2, 3, 6, 12].map((h) => h * 3_600_000))
  .concat([1, 2, 7, 14, 30].map((d) => d * 86_400_000));

export function bucketWidth(spanMs: number, maxBuckets: number): number {
  for (const step of STEPS_MS) if (spanMs / step <= maxBuckets) return step;
  return STEPS_MS[STEPS_MS.length - 1] as number;
}

export interface Buckets {
  /** Bucket start times, in seconds (uPlot's x unit). */
  readonly x: number[];
  readonly total: number[];
  readonly failed: number[];
  readonly widthMs: number;
}

/** `events` in any order; `isFailure` decides the red part of each bar. */
export function bucketize<E extends { time: number; result: string }>(events: readonly E[], maxBuckets = 120): Buckets {
  if (events.length === 0) return { x: [], total: [], failed: [], widthMs: 1000 };
  let min = Infinity;
  let max = -Infinity;
  for (const e of events) {
    if (e.time < min) min = e.time;
    if (e.time > max) max = e.time;
  }
  const widthMs = bucketWidth(Math.max(1, max - min), maxBuckets);
  const start = Math.floor(min / widthMs) * widthMs;
  const n = Math.floor((max - start) / widthMs) + 1;
  const total = new Array<number>(n).fill(0);
  const failed = new Array<number>(n).fill(0);
  for (const e of events) {
    const i = Math.floor((e.time - start) / widthMs);
    total[i] = (total[i] ?? 0) + 1;
    if (e.result !== 'ok') failed[i] = (failed[i] ?? 0) + 1;
  }
  const x = Array.from({ length: n }, (_, i) => (start + i * widthMs) / 1000);
  return { x, total, failed, widthMs };
}
