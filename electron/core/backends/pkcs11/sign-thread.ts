/**
 * @module core/backends/pkcs11/sign-thread
 * A worker thread that signs on the token, so the token's work runs on another core while the
 * main thread authorizes, audits and answers the next request. pkcs11js calls are synchronous:
 * on the main thread every signature costs its whole token time there, in series with the
 * facade's own work. (pkcs11js's C_SignAsync on libuv's pool was measured slower.) Each request
 * is posted at once; the worker signs what has queued and answers it in one message, so a lone
 * request is answered at once and a busy main thread gets its answers (and so commits their
 * audit events) in batches.
 *
 * The worker loads the same module file; the dynamic loader gives it the library this process
 * already initialised (its C_Initialize answers CKR_CRYPTOKI_ALREADY_INITIALIZED), so its session
 * belongs to the same PKCS#11 application: logged in when the main session is, and token object
 * handles are the same (v2.40 §5.6, §2.4). The worker never calls C_Finalize, which would end
 * every session of the process. Errors come back as pkcs11js's own messages (`CKR_…`), so the
 * backend translates them as it does its own.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
const { PKCS11 } = require(workerData.pkcs11js);
const p = new PKCS11();
p.load(workerData.modulePath);
try {
  p.C_Initialize({ flags: 2 });
} catch (e) {
  if (!/CKR_CRYPTOKI_ALREADY_INITIALIZED/.test(String(e && e.message))) throw e;
}
let session = null;
let sessionSlot = null;
let sessionGeneration = null;
const LOST = /CKR_(SESSION_HANDLE_INVALID|SESSION_CLOSED|DEVICE_REMOVED|TOKEN_NOT_PRESENT|DEVICE_ERROR|TOKEN_NOT_RECOGNIZED)/;
function close() {
  if (session !== null) { try { p.C_CloseSession(session); } catch (e) {} }
  session = null;
  sessionSlot = null;
}
function signOne(m) {
  try {
    const slot = Buffer.from(m.slot);
    // A re-initialised module (a rescan) ended every session of the process: open a new one.
    if (session !== null && sessionGeneration !== m.generation) { session = null; sessionSlot = null; }
    if (session === null || !sessionSlot.equals(slot)) { close(); session = p.C_OpenSession(slot, 4 | 2); sessionSlot = slot; sessionGeneration = m.generation; }
    p.C_SignInit(session, { mechanism: m.mechanism }, Buffer.from(m.object));
    const out = p.C_Sign(session, Buffer.from(m.data), Buffer.alloc(m.outLength));
    return { id: m.id, ok: new Uint8Array(out.buffer, out.byteOffset, out.length) };
  } catch (e) {
    const text = String(e && e.message);
    if (LOST.test(text)) close();
    return { id: m.id, error: text };
  }
}
// Whatever has queued up meanwhile is signed now and answered in one message (at most 32), so a
// busy main thread gets answers in batches (and their audit events commit together), while a
// lone request is answered alone at once.
parentPort.on('message', (first) => {
  if (first.close) { close(); parentPort.postMessage({ closed: true }); return; }
  let answers = [signOne(first)];
  for (;;) {
    const next = receiveMessageOnPort(parentPort);
    if (next === undefined) break;
    if (next.message.close) { parentPort.postMessage({ answers }); answers = []; close(); parentPort.postMessage({ closed: true }); return; }
    answers.push(signOne(next.message));
    if (answers.length >= 32) { parentPort.postMessage({ answers }); answers = []; }
  }
  if (answers.length > 0) parentPort.postMessage({ answers });
});
`;

interface Pending {
  resolve(signature: Buffer): void;
  reject(error: Error): void;
}

export class SignThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | null = null;

  constructor(modulePath: string) {
    const pkcs11js = createRequire(import.meta.url).resolve('pkcs11js');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { pkcs11js, modulePath } });
    this.worker.unref();
    this.worker.on('message', (m: { answers?: { id: number; ok?: Uint8Array; error?: string }[] }) => {
      for (const answer of m.answers ?? []) this.answered(answer);
    });
    this.worker.on('error', (e) => this.fail(e instanceof Error ? e : new Error(String(e))));
    this.worker.on('exit', () => this.fail(new Error('the PKCS#11 signing thread stopped')));
  }

  /** C_SignInit + C_Sign with `mechanism` (no parameter) on the worker's session on `slot`. */
  /** `generation`: the module's initialisation count (a rescan ends every session, the worker's too). */
  sign(generation: number, slot: Uint8Array, object: Uint8Array, mechanism: number, data: Uint8Array, outLength: number): Promise<Buffer> {
    if (this.dead !== null) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, generation, slot, object, mechanism, data, outLength });
    });
  }

  async close(): Promise<void> {
    if (this.dead !== null) return;
    const closed = new Promise<void>((resolve) => {
      this.worker.on('message', (m: { closed?: boolean }) => {
        if (m.closed === true) resolve();
      });
      setTimeout(resolve, 1000).unref();
    });
    this.worker.postMessage({ close: true });
    await closed;
    this.fail(new Error('the PKCS#11 signing thread is closed'));
    await this.worker.terminate();
  }

  private answered(m: { id: number; ok?: Uint8Array; error?: string }): void {
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    if (m.ok !== undefined) p.resolve(Buffer.from(m.ok));
    else p.reject(new Error(m.error ?? 'CKR_GENERAL_ERROR: no answer from the signing thread'));
  }

  private fail(error: Error): void {
    if (this.dead !== null) return;
    this.dead = error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
