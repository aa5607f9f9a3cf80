/**
 * `npx tsx bench/hsm.ts`: Ed25519 Sign through the HsmService on loopback (startHsmServer, a
 * real vault in a temporary directory, durable audit as configured by default, a real KeyUser
 * API token), with 64 clients (BENCH_CLIENTS) each keeping one call in flight.
 *
 * The clients run in a worker thread, so their CPU is not the server's event loop's: each is its
 * own HTTP/2 connection speaking the Connect protocol with binary protobuf (a body encoded once;
 * the cheapest honest client, so the number is the server's). `BENCH_CLIENT=grpc-js` uses
 * @grpc/grpc-js instead (gRPC framing, a heavier client: on 2 cores it competes with the server).
 *
 * Printed: requests per second, p50 and p99 latency, and beside them the same Sign through the
 * facade in-process at 64 in flight (no transport), and the raw engine Ed25519 sign: the ratios
 * say what the transport and the facade cost. Each case runs BENCH_SECONDS (default 5) after a
 * one-second warm-up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { create, toBinary } from '@bufbuild/protobuf';
import { openCustodian } from '../electron/core/custodian.js';
import { startHsmServer } from '../electron/rpc/hsm/service.js';
import { SignRequestSchema } from '../electron/rpc/hsm/gen/hsm_pb.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '5');
const CLIENTS = Number(process.env['BENCH_CLIENTS'] ?? '64');
const CLIENT = process.env['BENCH_CLIENT'] ?? 'connect-h2';
/** Profiling the server: skip the in-process facade case. */
const ONLY_REMOTE = process.env['BENCH_ONLY'] === 'remote';

interface Report {
  count: number;
  seconds: number;
  p50: number;
  p99: number;
  errors: number;
  firstError?: string;
}

/** The client side, as plain JavaScript evaluated in a worker (no TypeScript loader needed there). */
const CONNECT_CLIENT = `
const { workerData, parentPort } = require('node:worker_threads');
const http2 = require('node:http2');
const { url, port, token, body, clients, warmMs, measureMs } = workerData;
const payload = Buffer.from(body);
const headers = {
  ':method': 'POST', ':path': '/hsm.v1.HSM/' + (workerData.method ?? 'Sign'), ':authority': '127.0.0.1:' + port,
  'content-type': 'application/proto', 'connect-protocol-version': '1', authorization: 'Bearer ' + token,
};
const lat = []; let count = 0; let errors = 0; let firstError; let measuring = false; let stop = false;
function call(session) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const s = session.request(headers);
    let status = 0;
    s.on('response', (h) => { status = h[':status']; });
    s.on('data', () => {});
    s.on('end', () => {
      if (measuring) { if (status === 200) { count++; lat.push(performance.now() - t0); } else { errors++; firstError ??= 'HTTP ' + status; } }
      resolve();
    });
    s.on('error', (e) => { if (measuring) { errors++; firstError ??= String(e); } resolve(); });
    s.end(payload);
  });
}
async function loop(session) { while (!stop) await call(session); }
(async () => {
  const sessions = [];
  for (let i = 0; i < clients; i++) sessions.push(http2.connect(url));
  const loops = sessions.map(loop);
  await new Promise((r) => setTimeout(r, warmMs));
  measuring = true; const t0 = performance.now();
  await new Promise((r) => setTimeout(r, measureMs));
  measuring = false; const seconds = (performance.now() - t0) / 1000; stop = true;
  await Promise.all(loops);
  for (const s of sessions) s.close();
  lat.sort((a, b) => a - b);
  const q = (p) => lat.length === 0 ? NaN : lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  parentPort.postMessage({ count, seconds, p50: q(0.5), p99: q(0.99), errors, firstError });
})();
`;

const GRPC_CLIENT = `
const { workerData, parentPort } = require('node:worker_threads');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { port, token, proto, clients, warmMs, measureMs } = workerData;
const def = protoLoader.loadSync(proto, { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true });
const HSM = grpc.loadPackageDefinition(def).hsm.v1.HSM;
const md = new grpc.Metadata(); md.set('authorization', 'Bearer ' + token);
const req = { namespace: 'default', keyId: 'bench', data: Buffer.from('bench message: 32 bytes of data!') };
const lat = []; let count = 0; let errors = 0; let firstError; let measuring = false; let stop = false;
function call(client) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    client.sign(req, md, (err) => {
      if (measuring) { if (err) { errors++; firstError ??= String(err); } else { count++; lat.push(performance.now() - t0); } }
      resolve();
    });
  });
}
async function loop(client) { while (!stop) await call(client); }
(async () => {
  // Distinct channel options give each client its own connection.
  const list = [];
  for (let i = 0; i < clients; i++) list.push(new HSM('127.0.0.1:' + port, grpc.credentials.createInsecure(), { 'grpc.custos_client': i }));
  const loops = list.map(loop);
  await new Promise((r) => setTimeout(r, warmMs));
  measuring = true; const t0 = performance.now();
  await new Promise((r) => setTimeout(r, measureMs));
  measuring = false; const seconds = (performance.now() - t0) / 1000; stop = true;
  await Promise.all(loops);
  for (const c of list) c.close();
  lat.sort((a, b) => a - b);
  const q = (p) => lat.length === 0 ? NaN : lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  parentPort.postMessage({ count, seconds, p50: q(0.5), p99: q(0.99), errors, firstError });
})();
`;

function runClients(workerData: Record<string, unknown>): Promise<Report> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(CLIENT === 'grpc-js' ? GRPC_CLIENT : CONNECT_CLIENT, { eval: true, workerData });
    worker.once('message', (r: Report) => {
      resolve(r);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/** A synchronous primitive, back to back (its latency is the mean). */
function measureSync(fn: () => unknown, seconds: number): Report {
  const warm = performance.now() + 300;
  while (performance.now() < warm) fn();
  let count = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 16; i++) fn();
    count += 16;
  }
  const took = (performance.now() - start) / 1000;
  const mean = (took * 1000) / count;
  return { count, seconds: took, p50: mean, p99: mean, errors: 0 };
}

/** `inFlight` callers each awaiting `fn` in a loop, in this process. */
async function inProcess(fn: () => Promise<unknown>, inFlight: number, seconds: number): Promise<Report> {
  let stop = false;
  let measuring = false;
  let count = 0;
  const lat: number[] = [];
  const loop = async (): Promise<void> => {
    while (!stop) {
      const t0 = performance.now();
      await fn();
      if (measuring) {
        count++;
        lat.push(performance.now() - t0);
      }
    }
  };
  const loops = Array.from({ length: inFlight }, loop);
  await new Promise((r) => setTimeout(r, 1000));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  const took = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(loops);
  lat.sort((a, b) => a - b);
  const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { count, seconds: took, p50: q(0.5), p99: q(0.99), errors: 0 };
}

function line(name: string, r: Report, base?: number): string {
  const rate = r.count / r.seconds;
  const ratio = base === undefined ? '' : `  ${((rate / base) * 100).toFixed(1)}% of raw`;
  const errors = r.errors === 0 ? '' : `  errors ${r.errors} (${r.firstError ?? '?'})`;
  return `${name.padEnd(44)} ${rate.toFixed(0).padStart(8)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms${ratio}${errors}`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'custos-bench-hsm-'));
  const c = await openCustodian({ dataDir: dir, kdf: { algorithm: 'argon2id', memoryKiB: 1024, iterations: 1, parallelism: 1 } });
  try {
    await c.init(new TextEncoder().encode('bench passphrase'));
    await c.generateKey('default', 'bench', 'ed25519');
    const { token } = await c.createToken({ label: 'bench', grants: [{ namespace: 'default', role: 'KeyUser' }] });
    const data = new TextEncoder().encode('bench message: 32 bytes of data!');

    // The raw primitive: the engine's Ed25519 sign, with a key of its own (synchronous, one at a time).
    const rawKey = c.engine.loadPrivateKey(await c.engine.generateKey('ed25519'));
    const server = await startHsmServer({ custodian: c.forTransport({ transport: 'hsm' }), config: { air_gapped: false, bind: '127.0.0.1', hsm: { enabled: true, port: 0 } } });
    console.log(`HsmService Sign (Ed25519), ${CLIENTS} clients, client: ${CLIENT} in a worker thread, ${SECONDS} s per case`);
    const body = toBinary(SignRequestSchema, create(SignRequestSchema, { namespace: 'default', keyId: 'bench', data }));
    const facade = await c.forTransport({ transport: 'bench' }).authenticateToken(token);
    const rawSign = measureSync(() => c.engine.sign(rawKey, data), Math.min(SECONDS, 2));
    const rawRate = rawSign.count / rawSign.seconds;
    console.log(line('engine ed25519 sign (raw primitive)', rawSign));
    if (!ONLY_REMOTE) {
      const direct = await inProcess(() => facade.sign({ namespace: 'default', keyId: 'bench', data }), CLIENTS, SECONDS);
      console.log(line(`facade sign, in process, ${CLIENTS} in flight`, direct, rawRate));
    }
    if (process.env['BENCH_HEALTH'] === '1') {
      const health = await runClients({ url: server.url, port: server.port, token, body: new Uint8Array(), method: 'HealthCheck', clients: CLIENTS, warmMs: 1000, measureMs: SECONDS * 1000 });
      console.log(line('HealthCheck over loopback (transport only)', health, rawRate));
    }
    const remote = await runClients({ url: server.url, port: server.port, token, body, clients: CLIENTS, warmMs: 1000, measureMs: SECONDS * 1000, proto: join(import.meta.dirname, '../proto/hsm.proto') });
    console.log(line(`HsmService Sign over loopback (${CLIENT})`, remote, rawRate));
    await server.close();
  } finally {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
