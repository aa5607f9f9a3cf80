/**
 * @module core/audit/verify-parallel
 * Full verification on two threads: this one and one worker_threads Worker with its own
 * read-only connection to the same database file. Both claim chunks (verify-chunk.ts) from a
 * shared counter in index order, so a worker that starts late, or a core the machine is busy
 * with, only shifts the split; the caller gets every chunk's result in order and joins them.
 *
 * Synchronous on purpose: `AuditLog.verify` answers synchronously (unlock uses it). This thread
 * blocks in Atomics.wait only once it has run out of chunks to claim, and reads the worker's
 * results with receiveMessageOnPort. When the worker cannot start, fails, or stops making
 * progress, this thread verifies what is left itself: the result never depends on the worker.
 *
 * Trusts the worker (same code, same process) and nothing in the database. The worker reads
 * audit rows only, which hold no secret.
 */
import Database from 'better-sqlite3';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { verifyChunk, type ChunkRequest, type ChunkResult } from './verify-chunk.js';

/** Slots of the shared Int32Array. */
const NEXT = 0; // next chunk index to claim
const DONE = 1; // chunks the worker has posted (notified on every change)
const STOP = 2; // 1: a chunk failed, claim no more
const FAILED = 3; // 1: the worker gave up

/** How long this thread waits for a worker that posts nothing before verifying its chunks itself. */
const STALL_MS = 30_000;

export interface WorkerData {
  readonly moduleUrl: string;
  readonly tsxApiUrl: string | null;
  readonly file: string;
  readonly chunks: readonly ChunkRequest[];
  readonly shared: SharedArrayBuffer;
  readonly port: MessagePort;
}

export interface ParallelOptions {
  /** Verify on this thread only (a log of one chunk, an in-memory database). */
  readonly worker: boolean;
  /** Tests: leave every chunk to the worker, so that its path is exercised. */
  readonly workerOnly?: boolean;
  /** Tests: counts the chunks whose result came from the worker. */
  readonly stats?: { byWorker: number };
}

/**
 * The results of `chunks`, in order, up to and including the first that failed (later ones are
 * not needed: verification reports the first bad event).
 */
export function verifyChunks(db: Database.Database, chunks: readonly ChunkRequest[], options: ParallelOptions): ChunkResult[] {
  const shared = new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
  const results: (ChunkResult | undefined)[] = new Array<ChunkResult | undefined>(chunks.length);
  const pool = options.worker && chunks.length > 1 && !db.memory ? startWorker(db.name, chunks, shared) : null;
  try {
    if (pool === null || options.workerOnly !== true) {
      for (;;) {
        if (Atomics.load(shared, STOP) === 1) break;
        const index = Atomics.add(shared, NEXT, 1);
        if (index >= chunks.length) break;
        const result = verifyChunk(db, chunks[index] as ChunkRequest);
        results[index] = result;
        if (result.failure !== null) {
          Atomics.store(shared, STOP, 1);
          break;
        }
      }
    }
    if (pool !== null) {
      const before = results.filter((r) => r !== undefined).length;
      collect(pool, shared, results, options.workerOnly === true);
      if (options.stats !== undefined) options.stats.byWorker += results.filter((r) => r !== undefined).length - before;
    }
    // Whatever the worker left undone (it failed or stalled): verify it here, in order.
    const out: ChunkResult[] = [];
    for (let i = 0; i < chunks.length; i++) {
      const result = results[i] ?? verifyChunk(db, chunks[i] as ChunkRequest);
      out.push(result);
      if (result.failure !== null) break;
    }
    return out;
  } finally {
    if (pool !== null) {
      pool.port.close();
      void pool.worker.terminate();
    }
  }
}

interface Pool {
  readonly worker: Worker;
  readonly port: MessagePort;
}

/**
 * Wait for the worker's results of every chunk it claimed (every chunk, with `all`) before the
 * first failure. Returns early, leaving gaps for the caller to fill, when the worker gave up or
 * posts nothing for STALL_MS.
 */
function collect(pool: Pool, shared: Int32Array, results: (ChunkResult | undefined)[], all: boolean): void {
  for (;;) {
    const posted = Atomics.load(shared, DONE);
    for (let message = receiveMessageOnPort(pool.port); message !== undefined; message = receiveMessageOnPort(pool.port)) {
      const { index, result } = message.message as { index: number; result: ChunkResult };
      results[index] = result;
    }
    // Every chunk below the first failure (or all of them) is claimed; are their results in?
    const firstFailure = results.findIndex((r) => r !== undefined && r.failure !== null);
    const needed = firstFailure !== -1 ? firstFailure : all ? results.length : Math.min(Atomics.load(shared, NEXT), results.length);
    let complete = true;
    for (let i = 0; i < needed; i++) if (results[i] === undefined) complete = false;
    if (complete || Atomics.load(shared, FAILED) === 1) return;
    let woke: string;
    try {
      woke = Atomics.wait(shared, DONE, posted, STALL_MS);
    } catch {
      return; // a thread that may not block (none of ours today): this thread does the rest
    }
    if (woke === 'timed-out' && Atomics.load(shared, DONE) === posted) return;
  }
}

/** The worker's code: loads this module (through tsx when running from TypeScript sources) and runs runVerifyWorker. */
const WORKER_SOURCE = `'use strict';
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsxApiUrl !== null) (await import(workerData.tsxApiUrl)).register();
  const m = await import(workerData.moduleUrl);
  m.runVerifyWorker(workerData);
})().catch(() => {
  const shared = new Int32Array(workerData.shared);
  Atomics.store(shared, ${FAILED}, 1);
  Atomics.notify(shared, ${DONE});
});
`;

function startWorker(file: string, chunks: readonly ChunkRequest[], shared: Int32Array): Pool | null {
  const moduleUrl = import.meta.url;
  // From TypeScript sources (vitest, tsx) the worker needs tsx to load this module; dist/ is plain JS.
  let tsxApiUrl: string | null = null;
  if (moduleUrl.endsWith('.ts')) {
    try {
      tsxApiUrl = import.meta.resolve('tsx/esm/api');
    } catch {
      return null;
    }
  }
  const { port1, port2 } = new MessageChannel();
  const data: WorkerData = { moduleUrl, tsxApiUrl, file, chunks, shared: shared.buffer as SharedArrayBuffer, port: port2 };
  try {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: data, transferList: [port2] });
    worker.unref();
    // Errors are reported through FAILED; the listener only keeps them from becoming uncaught.
    worker.on('error', () => undefined);
    return { worker, port: port1 };
  } catch {
    port1.close();
    return null;
  }
}

/** The worker's side: claim chunks until none is left or one failed, post each result. */
export function runVerifyWorker(data: WorkerData): void {
  const shared = new Int32Array(data.shared);
  let db: Database.Database | undefined;
  try {
    db = new Database(data.file, { readonly: true, fileMustExist: true });
    for (;;) {
      if (Atomics.load(shared, STOP) === 1) break;
      const index = Atomics.add(shared, NEXT, 1);
      if (index >= data.chunks.length) break;
      const result = verifyChunk(db, data.chunks[index] as ChunkRequest);
      if (result.failure !== null) Atomics.store(shared, STOP, 1);
      data.port.postMessage({ index, result });
      Atomics.add(shared, DONE, 1);
      Atomics.notify(shared, DONE);
    }
  } catch {
    Atomics.store(shared, FAILED, 1);
    Atomics.notify(shared, DONE);
  } finally {
    db?.close();
    data.port.close();
  }
}
