import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { instrumentPolicyModule } from './instrument.js';
import { PolicyRuntime } from './runtime.js';
import * as m from './test-modules.js';

const runtime = new PolicyRuntime({ timeoutMs: 2000 });
afterAll(() => runtime.close());

async function install(bytes: Uint8Array): Promise<string> {
  const sha = createHash('sha256').update(bytes).digest('hex');
  const metered = await instrumentPolicyModule(bytes);
  runtime.load(sha, metered.bytes, metered);
  return sha;
}

describe('PolicyRuntime (worker thread)', () => {
  it('evaluates in the worker: decision, reason, logs, fuel', async () => {
    const sha = await install(m.ALLOW);
    const r = await runtime.evaluate(sha, '{}');
    expect(r).toMatchObject({ decision: 'allow', reason: 'allowed by test', logs: [{ level: 1, message: 'allowed' }], failure: null });
    expect(r.fuel).toBeGreaterThan(0);
  });

  it('the same input gives the same decision and fuel every time', async () => {
    const sha = await install(m.COUNT_TO_LEN);
    const context = JSON.stringify({ pad: 'x'.repeat(500) });
    const results = [];
    for (let i = 0; i < 10; i++) results.push(await runtime.evaluate(sha, context));
    const { durationMs: _d, ...first } = results[0]!;
    for (const r of results) expect({ ...r, durationMs: undefined }).toEqual({ ...first, durationMs: undefined });
  });

  it('failures in the worker deny with their cause: fuel, memory, trap', async () => {
    expect(await runtime.evaluate(await install(m.INFINITE_LOOP), '{}', { fuel: 100_000 })).toMatchObject({ decision: 'deny', failure: 'out of fuel (budget 100000)', fuel: 100_000 });
    expect(await runtime.evaluate(await install(m.MEMORY_BOMB), '{}')).toMatchObject({ decision: 'deny', failure: 'memory cap exceeded (32 pages of 64 KiB)' });
    expect(await runtime.evaluate(await install(m.TRAP), '{}')).toMatchObject({ decision: 'deny', failure: 'trapped: divide by zero' });
  });

  it('a wall-clock timeout terminates the worker and denies; the next evaluation gets a new worker', async () => {
    const spin = await install(m.SPIN);
    const allow = await install(m.ALLOW);
    const r = await runtime.evaluate(spin, '{}', { fuel: Number.MAX_SAFE_INTEGER, timeoutMs: 300 });
    expect(r).toMatchObject({ decision: 'deny', reason: 'timed out' });
    expect(await runtime.evaluate(allow, '{}')).toMatchObject({ decision: 'allow' });
  });

  it('an unknown module, a bad budget or an oversized context denies', async () => {
    expect(await runtime.evaluate('0'.repeat(64), '{}')).toMatchObject({ decision: 'deny', reason: 'policy module 000000000000… is not installed' });
    const sha = await install(m.ALLOW);
    expect(await runtime.evaluate(sha, '{}', { fuel: 0 })).toMatchObject({ decision: 'deny', reason: 'the fuel budget is not a positive integer' });
    expect(await runtime.evaluate(sha, 'x'.repeat(1024 * 1024 + 1))).toMatchObject({ decision: 'deny', reason: 'the policy context is larger than 1048576 bytes' });
    runtime.unload(sha);
    expect((await runtime.evaluate(sha, '{}')).decision).toBe('deny');
  });
});
