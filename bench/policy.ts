/**
 * `npx tsx bench/policy.ts` (also a section of `npm run bench`, BENCH_ONLY=policy): WASM policy
 * evaluation. The four example policies (policies/examples, compiled with asc as
 * `npm run build:policies` does) are installed as Custos installs them (validated and metered)
 * and evaluated through the warm worker (PolicyRuntime: context JSON out, decision back), one at
 * a time, on a context built from a real 5 ETH transfer: p50 and p99 latency (target p99 ≤ 5 ms).
 *
 * Metering overhead: the same evaluation on this thread (PolicyInstancePool: a fresh instance,
 * alloc, write the context, evaluate), metered module against the unmetered original, as calls
 * per second and their ratio (target ≤ 2x); and a loop-heavy module (a counting loop over the
 * context's length) where the fuel checks are most of the work.
 */
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseEther } from 'ethers';
import { compilePolicy, EXAMPLES_DIR, examplePolicies } from '../scripts/build-policies.js';
import { buildPolicyContext, contextJson } from '../electron/core/policy/context.js';
import { instrumentPolicyModule } from '../electron/core/policy/wasm/instrument.js';
import { DEFAULT_FUEL, PolicyRuntime } from '../electron/core/policy/wasm/runtime.js';
import { COUNT_TO_LEN } from '../electron/core/policy/wasm/test-modules.js';
import { PolicyInstancePool } from '../electron/core/policy/wasm/worker.js';
import { measure } from './measure.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '1.5');
const SAMPLES = Number(process.env['BENCH_POLICY_SAMPLES'] ?? '2000');

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function context(): string {
  const transaction = JSON.stringify({ type: 2, chainId: 1, nonce: 7, to: '0x1111111111111111111111111111111111111111', value: parseEther('5').toString(), gas: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000' });
  return contextJson(
    buildPolicyContext({
      request: { type: 'eth.transaction', transaction },
      method: 'eth_signTransaction',
      signer: { namespace: 'default', key_id: 'hot-1', algorithm: 'secp256k1', roles: ['KeyUser'], labels: {}, address: '0x9858EfFD232B4033E47d90003D41EC34EcaEda94' },
      environment: { timestamp: Date.UTC(2026, 10, 27, 10, 30), request_id: 'bench', client: { transport: 'bench', id: 'bench', label: 'bench' }, simulation: false },
      history: { native: [{ chain_id: '1', spent: '1000' }], tokens: [] },
    }),
  );
}

export async function policyBench(): Promise<void> {
  const ctx = context();
  const ctxBytes = new TextEncoder().encode(ctx);
  const runtime = new PolicyRuntime();
  await runtime.warm();
  console.log(`\n| policy (worker, one at a time, ${SAMPLES} samples) | decision | fuel | p50 ms | p99 ms | max ms |`);
  console.log('|---|---|---|---|---|---|');
  const ratios: string[] = [];
  for (const name of examplePolicies()) {
    const original = await compilePolicy(join(EXAMPLES_DIR, `${name}.ts`));
    const sha = createHash('sha256').update(original).digest('hex');
    const metered = instrumentPolicyModule(original);
    runtime.load(sha, metered.bytes, metered);
    for (let i = 0; i < 200; i++) await runtime.evaluate(sha, ctx); // warm: compile, JIT tiers
    const times: number[] = [];
    let last = await runtime.evaluate(sha, ctx);
    for (let i = 0; i < SAMPLES; i++) {
      const t = performance.now();
      last = await runtime.evaluate(sha, ctx);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(`| ${name} | ${last.decision} | ${last.fuel} | ${percentile(times, 50).toFixed(3)} | ${percentile(times, 99).toFixed(3)} | ${(times.at(-1) as number).toFixed(3)} |`);

    const plain = PolicyInstancePool.compile(original, metered);
    const fueled = PolicyInstancePool.compile(metered.bytes, metered);
    const unmeteredOps = measure(() => plain.evaluate(ctxBytes, DEFAULT_FUEL), SECONDS, 4);
    const meteredOps = measure(() => fueled.evaluate(ctxBytes, DEFAULT_FUEL), SECONDS, 4);
    ratios.push(`| ${name} | ${unmeteredOps.toFixed(0)} | ${meteredOps.toFixed(0)} | ${(unmeteredOps / meteredOps).toFixed(2)}x |`);
  }
  await runtime.close();

  // Loop-heavy: 64 KiB of context counted byte by byte (the loop body is the fuel check's worst case).
  const heavy = instrumentPolicyModule(COUNT_TO_LEN);
  const big = new Uint8Array(64 * 1024).fill(0x20);
  const plain = PolicyInstancePool.compile(COUNT_TO_LEN, heavy);
  const fueled = PolicyInstancePool.compile(heavy.bytes, heavy);
  const u = measure(() => plain.evaluate(big, DEFAULT_FUEL), SECONDS, 4);
  const m = measure(() => fueled.evaluate(big, DEFAULT_FUEL), SECONDS, 4);
  ratios.push(`| tight loop, 65,536 iterations (WAT) | ${u.toFixed(0)} | ${m.toFixed(0)} | ${(u / m).toFixed(2)}x |`);

  console.log('\n| metering overhead (this thread, fresh instance per call) | unmetered /s | metered /s | slowdown |');
  console.log('|---|---|---|---|');
  for (const r of ratios) console.log(r);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  policyBench().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
