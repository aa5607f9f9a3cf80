/**
 * @module core/policy/wasm/worker
 * The WASM policy ABI, run inside a worker_threads Worker (runtime.ts starts it and enforces the
 * wall-clock timeout by terminating it). Also usable on the calling thread (`PolicyInstancePool`),
 * which the benchmark uses to compare a metered module with the unmetered original.
 *
 * ABI (the seed HSM's): the module exports `memory`, `alloc(len) -> ptr` and
 * `evaluate(ctx_ptr, ctx_len) -> i32` (0 deny, 1 allow, 2 require approval); the host writes the
 * context as UTF-8 JSON at the pointer alloc returned. Optional imports `env.log(level, ptr, len)`
 * and `env.reason(ptr, len)`. An exported `_initialize` runs first. Everything is metered
 * (instrument.ts) and every failure is a deny whose reason names the cause.
 *
 * Determinism: each evaluation starts from the module's just-instantiated state (a reset or a new
 * instance of the cached compiled module, see PolicyInstancePool), so nothing a policy keeps in
 * its memory or globals carries over from one request to the next, and the same input gives the
 * same decision and the same fuel every time. The next instance is readied after the answer is
 * sent, so a request normally finds one waiting.
 *
 * Trusts the host's messages; trusts nothing in the module or its output (bounded, UTF-8 checked).
 * Imports nothing but Node's worker_threads: it loads fast, and holds no key, no vault, no database.
 */
import type { MessagePort } from 'node:worker_threads';
import { WebAssemblyApi as WA, type WasmGlobal, type WasmInstance, type WasmMemory, type WasmModule } from './webassembly.js';

export type WasmDecision = 'allow' | 'deny' | 'require-approval';

export interface PolicyLog {
  /** 0 debug, 1 info, 2 warn, 3 error (other values are kept as given). */
  readonly level: number;
  readonly message: string;
}

export interface OutputLimits {
  /** Most log lines kept per evaluation (later ones are counted, not kept). */
  readonly maxLogs: number;
  /** Bytes of one log line or of the reason (longer ones are cut, marked with …). */
  readonly maxMessageBytes: number;
}

export const DEFAULT_OUTPUT_LIMITS: OutputLimits = { maxLogs: 32, maxMessageBytes: 512 };

export interface RawEvaluation {
  readonly decision: WasmDecision;
  /** The policy's reason, or the cause of a failure (a failure is always a deny). */
  readonly reason: string | null;
  /** Fuel used: budget − what is left (the budget when it ran out). 0 for an unmetered module. */
  readonly fuel: number;
  readonly logs: readonly PolicyLog[];
  /** Log lines dropped beyond maxLogs. */
  readonly droppedLogs: number;
  /** Why the module failed (out of fuel, trap, …), or null when it returned a decision. */
  readonly failure: string | null;
}

export interface ModuleLimits {
  /** The call-depth cap baked into the metered module (to name the cause of its trap). */
  readonly callDepth: number;
  readonly memoryPages: number;
}

class HostError extends Error {}

interface Exports {
  readonly memory: WasmMemory;
  readonly alloc: (len: number) => number;
  readonly evaluate: (ptr: number, len: number) => number;
  readonly _initialize?: () => void;
  readonly __custos_fuel?: WasmGlobal;
  readonly __custos_depth?: WasmGlobal;
  readonly __custos_oom?: WasmGlobal;
}

interface CallState {
  memory: WasmMemory | null;
  reason: string | null;
  logs: PolicyLog[];
  dropped: number;
  limits: OutputLimits;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function readText(state: CallState, ptr: number, len: number, what: string): string {
  const memory = state.memory;
  if (memory === null) throw new HostError(`${what} called before the module was ready`);
  const start = ptr >>> 0;
  const length = len >>> 0;
  if (start + length > memory.buffer.byteLength) throw new HostError(`${what} points outside the module's memory`);
  const all = new Uint8Array(memory.buffer, start, length);
  const cut = Math.min(length, state.limits.maxMessageBytes);
  // Cutting may split a character: step back while the first byte left out continues one (10xxxxxx).
  let end = cut;
  if (cut < length) while (end > 0 && ((all[end] as number) & 0xc0) === 0x80) end--;
  const bytes = all.subarray(0, end);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new HostError(`${what} is not UTF-8`);
  }
  // Control characters would let a policy forge lines in what the operator reads.
  text = text.replace(/\p{Cc}/gu, ' ');
  return cut < length ? `${text}…` : text;
}

interface Live {
  readonly instance: WasmInstance;
  readonly state: CallState;
  /** The memory as instantiated (data segments written, nothing run). */
  readonly memory: Uint8Array;
  /** Every mutable global (the module's, exported by instrument.ts, and the host's) and its initial value. */
  readonly globals: readonly (readonly [WasmGlobal, unknown])[];
}

/**
 * One compiled module and the next instance of it, in its just-instantiated state. A used
 * instance is reset rather than replaced when it can be: its memory bytes and every mutable
 * global are written back (instrument.ts exports the globals, and refuses the only other state an
 * instance has, passive data segments). An instance whose memory grew is dropped instead (a fresh
 * one would report the smaller size). Making instances anew for every call costs little on
 * average but creates a WebAssembly memory each time, and V8 collects those in pauses of tens of
 * milliseconds.
 */
export class PolicyInstancePool {
  private ready: Live | null = null;
  private used: Live | null = null;

  constructor(
    private readonly module: WasmModule,
    readonly limits: ModuleLimits,
    /** false: a new instance for every evaluation (the benchmark compares modules that way; an unmetered module cannot be reset). */
    private readonly reuse = true,
  ) {}

  static compile(bytes: Uint8Array, limits: ModuleLimits, options: { reuse?: boolean } = {}): PolicyInstancePool {
    return new PolicyInstancePool(new WA.Module(bytes), limits, options.reuse ?? true);
  }

  /** Have the next instance ready now (off the request's path). Errors wait for the evaluation that needs it. */
  prepare(): void {
    if (this.ready !== null) return;
    try {
      this.ready = this.recycle() ?? this.instantiate();
    } catch {
      this.ready = null;
    }
  }

  /** The used instance, reset to its initial state; null when there is none or its memory grew. */
  private recycle(): Live | null {
    const live = this.used;
    this.used = null;
    if (live === null || !this.reuse) return null;
    const buffer = (live.instance.exports as unknown as Exports).memory.buffer;
    if (buffer.byteLength !== live.memory.byteLength) return null;
    new Uint8Array(buffer).set(live.memory);
    for (const [global, value] of live.globals) global.value = value;
    live.state.reason = null;
    live.state.logs = [];
    live.state.dropped = 0;
    return live;
  }

  private instantiate(): Live {
    const state: CallState = { memory: null, reason: null, logs: [], dropped: 0, limits: DEFAULT_OUTPUT_LIMITS };
    const env = {
      log: (level: number, ptr: number, len: number): void => {
        if (state.logs.length >= state.limits.maxLogs) {
          state.dropped++;
          return;
        }
        state.logs.push({ level: level | 0, message: readText(state, ptr, len, 'env.log') });
      },
      reason: (ptr: number, len: number): void => {
        state.reason = readText(state, ptr, len, 'env.reason');
      },
    };
    const instance = new WA.Instance(this.module, { env });
    const exports = instance.exports as unknown as Exports & Readonly<Record<string, unknown>>;
    state.memory = exports.memory;
    const globals = Object.entries(exports)
      .filter(([name]) => name.startsWith('__custos'))
      .map(([, g]) => [g as WasmGlobal, (g as WasmGlobal).value] as const);
    return { instance, state, memory: new Uint8Array(exports.memory.buffer).slice(), globals };
  }

  /** Run the ABI once on an instance in its initial state. Never throws: every failure is a deny naming its cause. */
  evaluate(context: Uint8Array, fuel: number, limits: OutputLimits = DEFAULT_OUTPUT_LIMITS): RawEvaluation {
    let taken: Live;
    try {
      taken = this.ready ?? this.recycle() ?? this.instantiate();
    } catch (error) {
      return failed(null, 0, `the module could not be instantiated (${errorText(error)})`);
    } finally {
      this.ready = null;
    }
    this.used = taken;
    const { instance, state } = taken;
    state.limits = limits;
    const ex = instance.exports as unknown as Exports;
    const budget = BigInt(fuel);
    if (ex.__custos_fuel !== undefined) ex.__custos_fuel.value = budget;
    if (ex.__custos_depth !== undefined) ex.__custos_depth.value = 0;
    const fuelUsed = (): number => (ex.__custos_fuel === undefined ? 0 : Number(budget - (ex.__custos_fuel.value as bigint)));
    try {
      ex._initialize?.();
      const ptr = ex.alloc(context.length) >>> 0;
      if (ptr + context.length > ex.memory.buffer.byteLength) throw new HostError('alloc returned a pointer outside the module\'s memory');
      new Uint8Array(ex.memory.buffer, ptr, context.length).set(context);
      const code = ex.evaluate(ptr, context.length);
      const result = { reason: state.reason, fuel: fuelUsed(), logs: state.logs, droppedLogs: state.dropped };
      switch (code) {
        case 0:
          return { decision: 'deny', failure: null, ...result };
        case 1:
          return { decision: 'allow', failure: null, ...result };
        case 2:
          return { decision: 'require-approval', failure: null, ...result };
        default:
          return failed(state, result.fuel, `evaluate returned ${code}, which is not 0 (deny), 1 (allow) or 2 (require approval)`);
      }
    } catch (error) {
      const left = ex.__custos_fuel === undefined ? 0n : (ex.__custos_fuel.value as bigint);
      if (ex.__custos_oom !== undefined && ex.__custos_oom.value !== 0) return failed(state, fuelUsed(), `memory cap exceeded (${this.limits.memoryPages} pages of 64 KiB)`);
      if (left < 0n) return failed(state, fuel, `out of fuel (budget ${fuel})`);
      if (ex.__custos_depth !== undefined && (ex.__custos_depth.value as number) > this.limits.callDepth) return failed(state, fuelUsed(), `call depth cap exceeded (${this.limits.callDepth})`);
      if (error instanceof HostError) return failed(state, fuelUsed(), error.message);
      if (error instanceof RangeError) return failed(state, fuelUsed(), 'stack overflow');
      if (error instanceof WA.RuntimeError) return failed(state, fuelUsed(), `trapped: ${error.message}`);
      return failed(state, fuelUsed(), `failed: ${errorText(error)}`);
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 200) : 'unknown error';
}

function failed(state: CallState | null, fuel: number, cause: string): RawEvaluation {
  const said = state?.reason ?? null;
  return {
    decision: 'deny',
    reason: said === null ? cause : `${cause}; the policy said: ${said}`,
    fuel,
    logs: state?.logs ?? [],
    droppedLogs: state?.dropped ?? 0,
    failure: cause,
  };
}

// ------------------------------------------------------------------ the worker's message loop

export type WorkerRequest =
  | { readonly type: 'load'; readonly seq: number; readonly sha256: string; readonly bytes: Uint8Array; readonly limits: ModuleLimits }
  | { readonly type: 'unload'; readonly seq: number; readonly sha256: string }
  | { readonly type: 'evaluate'; readonly seq: number; readonly sha256: string; readonly context: Uint8Array; readonly fuel: number; readonly output: OutputLimits };

export type WorkerResponse =
  | { readonly seq: number; readonly ok: true; readonly result: RawEvaluation | null }
  | { readonly seq: number; readonly ok: false; readonly message: string };

/** The worker's side: compile on load, evaluate on request, answer each message by its sequence number. */
export function runPolicyWorker(port: MessagePort): void {
  const pools = new Map<string, PolicyInstancePool>();
  port.on('message', (request: WorkerRequest) => {
    switch (request.type) {
      case 'load': {
        try {
          const pool = PolicyInstancePool.compile(request.bytes, request.limits);
          pool.prepare();
          pools.set(request.sha256, pool);
          port.postMessage({ seq: request.seq, ok: true, result: null } satisfies WorkerResponse);
        } catch (error) {
          port.postMessage({ seq: request.seq, ok: false, message: `the module does not compile (${errorText(error)})` } satisfies WorkerResponse);
        }
        return;
      }
      case 'unload':
        pools.delete(request.sha256);
        port.postMessage({ seq: request.seq, ok: true, result: null } satisfies WorkerResponse);
        return;
      case 'evaluate': {
        const pool = pools.get(request.sha256);
        if (pool === undefined) {
          port.postMessage({ seq: request.seq, ok: false, message: 'the module is not loaded in the policy worker' } satisfies WorkerResponse);
          return;
        }
        const result = pool.evaluate(request.context, request.fuel, request.output);
        port.postMessage({ seq: request.seq, ok: true, result } satisfies WorkerResponse);
        setImmediate(() => pool.prepare());
        return;
      }
      default:
        port.postMessage({ seq: (request as { seq: number }).seq, ok: false, message: 'unknown request' } satisfies WorkerResponse);
    }
  });
}
