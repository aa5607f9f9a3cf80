/**
 * The timing loops every bench script uses: a warm-up, then as many calls as fit in `seconds`,
 * reported as calls per second.
 */

/** ops/s of a synchronous operation (200 ms warm-up; calls counted in batches so the clock is read rarely). */
export function measure(fn: () => void, seconds: number, batch = 16): number {
  const warm = performance.now() + 200;
  while (performance.now() < warm) fn();
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < batch; i++) fn();
    n += batch;
  }
  return (n * 1000) / (performance.now() - start);
}

/**
 * ops/s of an async operation with `concurrency` callers in flight (the facade's durable audit
 * group-commits them; one caller measures the disk's fsync latency). Warm-up: `warmupMs` of calls,
 * or one call when 0.
 */
export async function measureConcurrent(fn: () => Promise<unknown>, concurrency: number, seconds: number, warmupMs = 0): Promise<number> {
  if (warmupMs === 0) await fn();
  else {
    const warm = performance.now() + warmupMs;
    while (performance.now() < warm) await fn();
  }
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await fn();
        n++;
      }
    }),
  );
  return (n * 1000) / (performance.now() - start);
}
