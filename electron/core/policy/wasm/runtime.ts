/**
 * @module core/policy/wasm/runtime
 * The host side of WASM policy evaluation: one warm worker_threads Worker (worker.ts) holding the
 * compiled modules by SHA-256, evaluations sent one at a time, each under a wall-clock timeout.
 * A timeout terminates the worker (a loop the fuel does not stop — there is none, but the timeout
 * does not rely on that) and denies with "timed out"; the next evaluation starts a new worker and
 * loads the modules again. A worker that dies or answers nonsense denies whatever was waiting.
 *
 * `resourceLimits` bound the worker's JS heap and stack; the module's own memory is capped by the
 * instrumentation (instrument.ts), since WebAssembly memory is not JS heap.
 *
 * Never throws from `evaluate`: every failure is a deny whose reason names the cause.
 * Trusts worker.ts (same code, same process).
 */
import { Worker } from 'node:worker_threads';
import { CustodyError } from '../../../../shared/errors.js';
import { DEFAULT_OUTPUT_LIMITS, type ModuleLimits, type OutputLimits, type RawEvaluation, type WorkerRequest, type WorkerResponse } from './worker.js';

export const DEFAULT_FUEL = 10_000_000;
export const DEFAULT_TIMEOUT_MS = 1000;
/** The context is JSON the host builds; one larger than this is refused before it reaches a module. */
export const MAX_CONTEXT_BYTES = 1024 * 1024;

export interface RuntimeOptions {
  /** Wall-clock limit per evaluation. Default 1000 ms. */
  readonly timeoutMs?: number;
  readonly output?: OutputLimits;
  /** The worker's V8 limits. Default: 64 MiB old generation, 16 MiB young, 4 MiB stack. */
  readonly resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number; stackSizeMb?: number };
}

export interface EvaluateOptions {
  /** Fuel budget. Default 10,000,000. */
  readonly fuel?: number;
  readonly timeoutMs?: number;
}

export interface WasmEvaluation extends RawEvaluation {
  readonly durationMs: number;
}

interface Loaded {
  readonly bytes: Uint8Array;
  readonly limits: ModuleLimits;
}

interface Pending {
  resolve(response: WorkerResponse): void;
}

interface Running {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Modules this worker has compiled. */
  readonly loaded: Set<string>;
}

const WORKER_SOURCE = `'use strict';
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  if (workerData.tsxApiUrl !== null) (await import(workerData.tsxApiUrl)).register();
  const m = await import(workerData.moduleUrl);
  m.runPolicyWorker(parentPort);
  parentPort.postMessage({ seq: 0, ok: true, result: null });
})().catch(() => process.exit(70));
`;

export class PolicyRuntime {
  private readonly modules = new Map<string, Loaded>();
  private running: Running | null = null;
  private starting: Promise<Running> | null = null;
  private seq = 0;
  /** Evaluations run one at a time: the timeout then measures this evaluation, not a queue. */
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly timeoutMs: number;
  private readonly output: OutputLimits;

  constructor(private readonly options: RuntimeOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.output = options.output ?? DEFAULT_OUTPUT_LIMITS;
  }

  /** Register a metered module (instrument.ts output) under the SHA-256 of its original bytes. */
  load(sha256: string, metered: Uint8Array, limits: ModuleLimits): void {
    if (!/^[0-9a-f]{64}$/u.test(sha256)) throw new CustodyError('INVALID_INPUT', 'a policy module is named by its SHA-256 (64 hex digits)');
    const previous = this.modules.get(sha256);
    this.modules.set(sha256, { bytes: Uint8Array.from(metered), limits });
    if (previous !== undefined) this.running?.loaded.delete(sha256);
  }

  has(sha256: string): boolean {
    return this.modules.has(sha256);
  }

  unload(sha256: string): void {
    this.modules.delete(sha256);
    const running = this.running;
    if (running !== null && running.loaded.delete(sha256)) void this.send(running, (seq) => ({ type: 'unload', seq, sha256 }));
  }

  /** Start the worker now (it otherwise starts on the first evaluation). */
  async warm(): Promise<void> {
    await this.worker();
  }

  /**
   * Evaluate module `sha256` on `context` (the policy context as JSON text).
   * Never rejects: a failure of any kind is a deny naming its cause.
   */
  evaluate(sha256: string, context: string, options: EvaluateOptions = {}): Promise<WasmEvaluation> {
    const run = this.chain.then(() => this.evaluateNow(sha256, context, options));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async evaluateNow(sha256: string, context: string, options: EvaluateOptions): Promise<WasmEvaluation> {
    const start = performance.now();
    const deny = (cause: string, fuel = 0): WasmEvaluation => ({ decision: 'deny', reason: cause, fuel, logs: [], droppedLogs: 0, failure: cause, durationMs: performance.now() - start });
    if (this.closed) return deny('the policy runtime is closed');
    const module = this.modules.get(sha256);
    if (module === undefined) return deny(`policy module ${sha256.slice(0, 12)}… is not installed`);
    const fuel = options.fuel ?? DEFAULT_FUEL;
    if (!Number.isSafeInteger(fuel) || fuel < 1) return deny('the fuel budget is not a positive integer');
    const bytes = new TextEncoder().encode(context);
    if (bytes.length > MAX_CONTEXT_BYTES) return deny(`the policy context is larger than ${MAX_CONTEXT_BYTES} bytes`);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;

    let running: Running;
    try {
      running = await this.worker();
    } catch {
      return deny('the policy worker could not start');
    }
    const deadline = setTimeout(() => this.kill(running, 'timed out'), timeoutMs);
    try {
      if (!running.loaded.has(sha256)) {
        const loaded = await this.send(running, (seq) => ({ type: 'load', seq, sha256, bytes: module.bytes, limits: module.limits }));
        if (!loaded.ok) return deny(loaded.message);
        running.loaded.add(sha256);
      }
      const answer = await this.send(running, (seq) => ({ type: 'evaluate', seq, sha256, context: bytes, fuel, output: this.output }));
      if (!answer.ok) return deny(answer.message);
      if (answer.result === null) return deny('the policy worker gave no result');
      return { ...answer.result, durationMs: performance.now() - start };
    } finally {
      clearTimeout(deadline);
    }
  }

  private send(running: Running, make: (seq: number) => WorkerRequest): Promise<WorkerResponse> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      running.pending.set(seq, { resolve });
      try {
        running.worker.postMessage(make(seq));
      } catch {
        running.pending.delete(seq);
        resolve({ seq, ok: false, message: 'the policy worker did not take the request' });
      }
    });
  }

  /** End a worker and deny everything it was doing with `cause`. */
  private kill(running: Running, cause: string): void {
    if (this.running === running) this.running = null;
    for (const [seq, p] of running.pending) p.resolve({ seq, ok: false, message: cause });
    running.pending.clear();
    void running.worker.terminate();
  }

  private worker(): Promise<Running> {
    if (this.running !== null) return Promise.resolve(this.running);
    if (this.starting !== null) return this.starting;
    this.starting = this.start().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private start(): Promise<Running> {
    const moduleUrl = new URL('./worker.js', import.meta.url).href.replace(/\.js$/u, import.meta.url.endsWith('.ts') ? '.ts' : '.js');
    // From TypeScript sources (vitest, tsx) the worker loads worker.ts through tsx; dist/ is plain JS.
    const tsxApiUrl = import.meta.url.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : null;
    const limits = this.options.resourceLimits ?? {};
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { moduleUrl, tsxApiUrl },
      resourceLimits: { maxOldGenerationSizeMb: limits.maxOldGenerationSizeMb ?? 64, maxYoungGenerationSizeMb: limits.maxYoungGenerationSizeMb ?? 16, stackSizeMb: limits.stackSizeMb ?? 4 },
    });
    worker.unref();
    const running: Running = { worker, pending: new Map(), loaded: new Set() };
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on('message', (response: WorkerResponse) => {
        if (!ready) {
          ready = true;
          this.running = running;
          resolve(running);
          return;
        }
        const p = running.pending.get(response.seq);
        if (p === undefined) return;
        running.pending.delete(response.seq);
        p.resolve(response);
      });
      const fail = (): void => {
        if (!ready) {
          ready = true;
          reject(new CustodyError('INTERNAL', 'the policy worker could not start'));
        }
        this.kill(running, 'the policy worker stopped');
      };
      worker.on('error', fail);
      worker.on('exit', fail);
    });
  }

  /** Stop the worker; later evaluations deny. */
  async close(): Promise<void> {
    this.closed = true;
    const running = this.running;
    this.running = null;
    if (running !== null) {
      for (const [seq, p] of running.pending) p.resolve({ seq, ok: false, message: 'the policy runtime is closed' });
      await running.worker.terminate();
    }
  }
}
