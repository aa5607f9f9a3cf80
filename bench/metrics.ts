/**
 * `npx tsx bench/metrics.ts`: what the metrics endpoint costs. Signing ops/s through the facade
 * with and without a metrics registry observing it (and their ratio), and the time of one scrape
 * of a vault with many keys after many new audit events. Plain script, like bench/run.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCustodian, type Custodian } from '../electron/core/custodian.js';
import { createHsmMetrics } from '../electron/rpc/metrics/registry.js';
import { measureConcurrent as measureConcurrentFor } from './measure.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? '1.5');
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? '64');
const KEYS = Number(process.env.BENCH_METRICS_KEYS ?? '2000');
const PASSPHRASE = new TextEncoder().encode('bench passphrase');
const MSG = new TextEncoder().encode('metrics bench');

const measureConcurrent = (fn: () => Promise<unknown>, concurrency: number, seconds = SECONDS): Promise<number> => measureConcurrentFor(fn, concurrency, seconds);

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(10);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'custos-bench-metrics-'));
  let c: Custodian | undefined;
  try {
    c = await openCustodian({ dataDir: dir, kdf: { algorithm: 'argon2id', memoryKiB: 1024, iterations: 1, parallelism: 1 } });
    await c.init(PASSPHRASE);
    await c.generateKey('default', 'k', 'ed25519');
    const custodian = c;
    const sign = (): Promise<unknown> => custodian.sign({ namespace: 'default', keyId: 'k', data: MSG });

    const bare = await measureConcurrent(sign, CONCURRENCY);
    const metrics = createHsmMetrics({ source: c.metricsSource(), defaultMetrics: false });
    const observed = await measureConcurrent(sign, CONCURRENCY);
    console.log(`crypto.sign ed25519, ${CONCURRENCY} callers`);
    console.log(`  without metrics        ${fmt(bare)} ops/s`);
    console.log(`  with metrics observing ${fmt(observed)} ops/s   ratio ${(observed / bare).toFixed(3)}`);

    for (let i = 0; i < KEYS; i++) await c.generateKey('default', `key-${i}`, 'ed25519');
    await metrics.registry.metrics(); // the audit cursor now stands at the end of the log
    const events = c.auditStatus().size;
    await measureConcurrent(sign, CONCURRENCY, 1);
    const newEvents = c.auditStatus().size - events;
    const first = await timeMs(() => metrics.registry.metrics());
    const again = await timeMs(() => metrics.registry.metrics());
    console.log(`scrape, ${KEYS + 1} keys, ${c.auditStatus().size} audit events`);
    console.log(`  after ${newEvents} new events   ${first.toFixed(2).padStart(8)} ms`);
    console.log(`  with nothing new          ${again.toFixed(2).padStart(8)} ms`);
    metrics.close();
  } finally {
    await c?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
