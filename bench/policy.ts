/**
 * `npx tsx bench/policy.ts` (also a section of `npm run bench`, BENCH_ONLY=policy): WASM policy
 * evaluation. The four example policies (policies/examples, compiled with asc as
 * `npm run build:policies` does) are installed as Custos installs them (validated and metered)
 * and evaluated through the warm worker (PolicyRuntime: context JSON out, decision back), one at
 * a time, on a context built from a real 5 ETH transfer: p50 and p99 latency (target p99 ≤ 5 ms).
 *
 * Metering overhead: the same evaluation on this thread (PolicyInstancePool with a new instance
 * per call for both — the unmetered original cannot be reset —, alloc, write the context,
 * evaluate), metered module against the unmetered original, as calls per second and their ratio
 * (target ≤ 2x); and a loop-heavy module (a counting loop over the context's length) where the
 * fuel checks are most of the work.
 */
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseEther } from 'ethers';
import { compilePolicy, EXAMPLES_DIR, examplePolicies } from '../scripts/build-policies.js';
import { buildPolicyContext, contextJson } from '../electron/core/policy/context.js';
import { instrumentPolicyModule } from '../electron/core/policy/wasm/instrument.js';
import { DEFAULT_FUEL, PolicyRuntime } from '../electron/core/policy/wasm/runtime.js';
import { policy } from '../electron/core/policy/wasm/test-modules.js';
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
  // Compile and install everything first: asc and binaryen keep both cores busy (and V8 tiering
  // binaryen's own WebAssembly) for a while, which is not what evaluation costs.
  const installed: { name: string; sha: string; original: Uint8Array; metered: Awaited<ReturnType<typeof instrumentPolicyModule>> }[] = [];
  for (const name of examplePolicies()) {
    const original = await compilePolicy(join(EXAMPLES_DIR, `${name}.ts`));
    const sha = createHash('sha256').update(original).digest('hex');
    const metered = await instrumentPolicyModule(original);
    runtime.load(sha, metered.bytes, metered);
    installed.push({ name, sha, original, metered });
  }
  const warmUntil = performance.now() + 2000;
  while (performance.now() < warmUntil) for (const p of installed) await runtime.evaluate(p.sha, ctx);
  for (const { name, sha, original, metered } of installed) {
    const times: number[] = [];
    let last = await runtime.evaluate(sha, ctx);
    for (let i = 0; i < SAMPLES; i++) {
      const t = performance.now();
      last = await runtime.evaluate(sha, ctx);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(`| ${name} | ${last.decision} | ${last.fuel} | ${percentile(times, 50).toFixed(3)} | ${percentile(times, 99).toFixed(3)} | ${(times.at(-1) as number).toFixed(3)} |`);

    const plain = PolicyInstancePool.compile(original, metered, { reuse: false });
    const fueled = PolicyInstancePool.compile(metered.bytes, metered, { reuse: false });
    const unmeteredOps = measure(() => plain.evaluate(ctxBytes, DEFAULT_FUEL), SECONDS, 4);
    const meteredOps = measure(() => fueled.evaluate(ctxBytes, DEFAULT_FUEL), SECONDS, 4);
    ratios.push(`| ${name} | ${unmeteredOps.toFixed(0)} | ${meteredOps.toFixed(0)} | ${(unmeteredOps / meteredOps).toFixed(2)}x |`);
  }
  await runtime.close();

  // Loop-heavy: half a million iterations of a small arithmetic body, where the fuel check (at every
  // loop header) is the largest share of the work it can be.
  const loop = policy('(local $i i32) (local $h i32) (loop $l (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31)) (local.get $i))) (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.lt_u (local.get $i) (i32.const 500000)))) (i32.ne (local.get $h) (i32.const 0))');
  const heavy = await instrumentPolicyModule(loop);
  const plain = PolicyInstancePool.compile(loop, heavy, { reuse: false });
  const fueled = PolicyInstancePool.compile(heavy.bytes, heavy, { reuse: false });
  const u = measure(() => plain.evaluate(ctxBytes, DEFAULT_FUEL), SECONDS, 1);
  const m = measure(() => fueled.evaluate(ctxBytes, DEFAULT_FUEL), SECONDS, 1);
  ratios.push(`| tight loop, 500,000 iterations (WAT, fuel ${fueled.evaluate(ctxBytes, DEFAULT_FUEL).fuel}) | ${u.toFixed(0)} | ${m.toFixed(0)} | ${(u / m).toFixed(2)}x |`);

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
