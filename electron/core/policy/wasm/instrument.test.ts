import { describe, expect, it } from 'vitest';
import type { CustodyError } from '../../../../shared/errors.js';
import { instrumentPolicyModule, validatePolicyModule } from './instrument.js';
import * as m from './test-modules.js';
import { PolicyInstancePool } from './worker.js';

async function refusal(bytes: Uint8Array): Promise<string> {
  const error = await instrumentPolicyModule(bytes).then(
    () => null,
    (e: unknown) => e,
  );
  if (error === null) throw new Error('accepted');
  expect((error as CustodyError).code).toBe('INVALID_INPUT');
  return (error as Error).message;
}

describe('install-time validation', () => {
  it('accepts an ABI module and names what it uses', async () => {
    expect(await validatePolicyModule(m.ALLOW)).toEqual({ functions: 2, initialPages: 1, imports: ['log', 'reason'], initialize: false });
  });

  it('refuses floats, SIMD, threads, start functions, other imports, missing exports, malformed bytes', async () => {
    expect(await refusal(m.FLOATS)).toMatch(/f64: floats/);
    expect(await refusal(m.FLOAT_LOCAL)).toMatch(/local .* f32/);
    expect(await refusal(m.SIMD)).toMatch(/SIMD/);
    expect(await refusal(m.ATOMICS)).toMatch(/shared \(threads/);
    expect(await refusal(m.START_FUNCTION)).toMatch(/start function/);
    expect(await refusal(m.WRONG_IMPORT)).toMatch(/imports wasi_snapshot_preview1\.fd_write/);
    expect(await refusal(m.NO_ALLOC)).toMatch(/does not export alloc\(len: i32\) -> i32/);
    expect(await refusal(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 2, 3]))).toMatch(/not a valid WebAssembly module/);
    expect(await refusal(new Uint8Array(0))).toMatch(/empty/);
    expect(await refusal(m.MEMORY_NOT_EXPORTED)).toMatch(/does not export its memory as "memory"/);
    expect(await refusal(m.HUGE_TABLE)).toMatch(/table starts with 1000000 elements/);
    expect(await refusal(m.BIG_MEMORY)).toMatch(/starts at 100 pages, above the cap of 32/);
  });

  it('instruments deterministically: the same module gives the same bytes', async () => {
    expect(Buffer.from((await instrumentPolicyModule(m.COUNT_TO_LEN)).bytes)).toEqual(Buffer.from((await instrumentPolicyModule(m.COUNT_TO_LEN)).bytes));
  });
});

describe('metered execution (on this thread)', () => {
  const run = async (bytes: Uint8Array, context = '1', fuel = 10_000_000, options = {}) => {
    const metered = await instrumentPolicyModule(bytes, options);
    return PolicyInstancePool.compile(metered.bytes, metered).evaluate(new TextEncoder().encode(context), fuel);
  };

  it('an infinite loop runs out of fuel and denies', async () => {
    const r = await run(m.INFINITE_LOOP);
    expect(r).toMatchObject({ decision: 'deny', failure: 'out of fuel (budget 10000000)', fuel: 10_000_000 });
  });

  it('bulk memory pays for its size: a loop of 1 MiB fills runs out of fuel, not out of time', async () => {
    const r = await run(m.BULK_FILL, '1', 1_000_000);
    expect(r).toMatchObject({ decision: 'deny', failure: 'out of fuel (budget 1000000)' });
  });

  it('a memory bomb hits the cap and denies', async () => {
    expect(await run(m.MEMORY_BOMB)).toMatchObject({ decision: 'deny', failure: 'memory cap exceeded (32 pages of 64 KiB)' });
    expect(await run(m.MEMORY_BOMB, '1', 10_000_000, { memoryPages: 4 })).toMatchObject({ decision: 'deny', failure: 'memory cap exceeded (4 pages of 64 KiB)' });
  });

  it('a trap denies with the trap named', async () => {
    expect(await run(m.TRAP)).toMatchObject({ decision: 'deny', failure: 'trapped: divide by zero' });
  });

  it('unbounded recursion stops at the call-depth cap', async () => {
    expect(await run(m.UNBOUNDED_RECURSION, '1', 10_000_000, { callDepth: 100 })).toMatchObject({ decision: 'deny', failure: 'call depth cap exceeded (100)' });
  });

  it('maps 0/1/2 to deny/allow/require-approval and anything else to deny', async () => {
    expect((await run(m.ECHO_FIRST_BYTE, '0')).decision).toBe('deny');
    expect((await run(m.ECHO_FIRST_BYTE, '1')).decision).toBe('allow');
    expect((await run(m.ECHO_FIRST_BYTE, '2')).decision).toBe('require-approval');
    expect(await run(m.ECHO_FIRST_BYTE, '7')).toMatchObject({ decision: 'deny', failure: 'evaluate returned 7, which is not 0 (deny), 1 (allow) or 2 (require approval)' });
  });

  it('reads the reason and the logs, bounded and checked', async () => {
    expect(await run(m.ALLOW)).toMatchObject({ decision: 'allow', reason: 'allowed by test', logs: [{ level: 1, message: 'allowed' }], failure: null });
    expect(await run(m.LONG_REASON)).toMatchObject({ decision: 'allow', reason: `${'€'.repeat(170)}…` });
    expect(await run(m.BAD_UTF8_REASON)).toMatchObject({ decision: 'deny', failure: 'env.reason is not UTF-8' });
    expect(await run(m.LOG_OUT_OF_BOUNDS)).toMatchObject({ decision: 'deny', failure: "env.log points outside the module's memory" });
  });

  it('every evaluation starts from the just-instantiated state: globals, memory, memory size', async () => {
    for (const bytes of [m.STATEFUL, m.GROWS_ONCE]) {
      const metered = await instrumentPolicyModule(bytes);
      const pool = PolicyInstancePool.compile(metered.bytes, metered);
      const first = pool.evaluate(new TextEncoder().encode('{}'), 1000);
      expect(first.decision).toBe('allow');
      for (let i = 0; i < 5; i++) {
        if (i % 2 === 0) pool.prepare(); // reset ahead of time, as the worker does after answering
        expect(pool.evaluate(new TextEncoder().encode('{}'), 1000)).toEqual(first);
      }
    }
  });

  it('refuses passive data segments (memory.init, data.drop): an instance\'s state must be resettable', async () => {
    expect(await refusal(m.PASSIVE_DATA)).toMatch(/MemoryInit/);
  });

  it('the same input gives the same decision and fuel every time; fuel grows with the work', async () => {
    const metered = await instrumentPolicyModule(m.COUNT_TO_LEN);
    const pool = PolicyInstancePool.compile(metered.bytes, metered);
    const context = new TextEncoder().encode('x'.repeat(1000));
    const first = pool.evaluate(context, 10_000_000);
    for (let i = 0; i < 20; i++) expect(pool.evaluate(context, 10_000_000)).toEqual(first);
    const longer = pool.evaluate(new TextEncoder().encode('x'.repeat(2000)), 10_000_000);
    expect(first.decision).toBe('allow');
    expect(longer.fuel).toBeGreaterThan(first.fuel);
    // Exactly the fuel it needs succeeds; one less runs out.
    expect(pool.evaluate(context, first.fuel).decision).toBe('allow');
    expect(pool.evaluate(context, first.fuel - 1).failure).toMatch(/out of fuel/);
  });
});
