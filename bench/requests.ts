/**
 * `npx tsx bench/requests.ts`: from a signing request arriving to it being in the renderer's
 * store — the path an operator's Requests screen depends on, end to end and real: a program (an
 * API token) submits through the facade, the core emits requests.changed, the browser host sends
 * it over its WebSocket, the renderer's own ws-client and zustand store (the same modules the page
 * runs, minus React) re-read requests.list, and the request is in `store.requests.pending`. Each
 * request is then approved through the store and signed, so the queue stays short.
 *
 * Issue 6's target: p99 ≤ 50 ms. BENCH_REQUESTS (default 300) requests one after another, then the
 * same with BENCH_BURST (default 10) arriving at once.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { createWsClient } from '../renderer/api/ws-client.js';
import { bindEvents } from '../renderer/store/bind-events.js';
import { memoryPrefs } from '../renderer/store/prefs.js';
import { createAppStore, type AppStore } from '../renderer/store/store.js';
import type { Custodian } from '../electron/core/custodian.js';
import { startHost } from '../electron/host/server.js';

/** A cheap KDF: this measures the queue, not Argon2id. */
const FAST_KDF = { algorithm: 'argon2id', memoryKiB: 1024, iterations: 1, parallelism: 1 } as const;
const dir = mkdtempSync(join(tmpdir(), 'custos-bench-requests-'));

const N = Number(process.env['BENCH_REQUESTS'] ?? '300');
const BURST = Number(process.env['BENCH_BURST'] ?? '10');
const PASS = 'correct horse battery staple';
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

function loginCookie(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      res.resume();
      resolve((res.headers['set-cookie']?.[0] ?? '').split(';')[0] as string);
    })
      .on('error', reject)
      .end();
  });
}

/** Resolves when `pred` holds for the store (checked on every store change). */
function until(store: AppStore, pred: () => boolean): Promise<void> {
  if (pred()) return Promise.resolve();
  return new Promise((resolve) => {
    const off = store.subscribe(() => {
      if (pred()) {
        off();
        resolve();
      }
    });
  });
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const www = join(dir, 'www');
  mkdirSync(www);
  writeFileSync(join(www, 'index.html'), '<!doctype html><title>Custos</title>');
  const host = await startHost({ core: { dataDir: join(dir, 'data'), kdf: FAST_KDF }, staticDir: www, port: 0, version: 'bench' });
  const cookie = await loginCookie(host.url);
  const client = createWsClient({
    url: `ws://127.0.0.1:${host.port}/api`,
    socket: (u) => new WebSocket(u, { origin: host.origin, headers: { Cookie: cookie } }) as never,
  });
  const transport = { kind: 'websocket' as const, api: client.api, connection: () => client.connection(), onConnection: (l: Parameters<typeof client.onConnection>[0]) => client.onConnection(l), reconnectNow: () => client.reconnectNow() };
  const store = createAppStore({ api: client.api, prefs: memoryPrefs(), now: () => Date.now() });
  const unbind = bindEvents(store, transport);
  await until(store, () => store.getState().connection.status === 'open');
  const init = await store.getState().initVault({ passphrase: PASS, operator: 'admin' });
  if (!init.ok) throw new Error(init.error.message);
  await until(store, () => store.getState().requests !== undefined);

  // The program: a KeyUser token on its own connection to the same core.
  const admin = await host.custodian.forTransport({ transport: 'bench' }).login('admin', new TextEncoder().encode(PASS));
  await admin.hdImport('default', 'hd', ABANDON);
  const { token } = await admin.createToken({ label: 'bench', grants: [{ namespace: 'default', role: 'KeyUser' }] });
  const program: Custodian = await host.custodian.forTransport({ transport: 'bench' }).authenticateToken(token);
  let n = 0;
  const submit = () =>
    program.submitSigningRequest({
      client: { transport: 'bench', id: 'bench', label: 'bench' },
      method: 'personal_sign',
      request: { type: 'eth.message', message: `request ${n++}`, encoding: 'utf8' },
      signer: { kind: 'hd', namespace: 'default', wallet: 'hd' },
    });
  const pending = () => store.getState().requests?.pending ?? [];

  async function round(size: number): Promise<number[]> {
    const t0 = performance.now();
    const before = new Set(pending().map((r) => r.id));
    const outcomes = Array.from({ length: size }, submit);
    const seen = new Map<string, number>();
    // One at a time: from the program's call (decoding included). In a burst the core queues
    // the requests one after another, so each is timed from its own arrival in the queue
    // (createdAt, wall clock) to the moment the store holds it.
    await until(store, () => {
      for (const r of pending()) if (!before.has(r.id) && !seen.has(r.id)) seen.set(r.id, size === 1 ? performance.now() - t0 : Date.now() - r.createdAt);
      return seen.size >= size;
    });
    for (const id of seen.keys()) {
      const r = await store.getState().approveRequest(id);
      if (!r.ok) throw new Error(r.error.message);
    }
    await Promise.all(outcomes);
    return [...seen.values()];
  }

  for (let i = 0; i < 20; i++) await round(1); // warm-up
  const one: number[] = [];
  for (let i = 0; i < N; i++) one.push(...(await round(1)));
  const burst: number[] = [];
  for (let i = 0; i < Math.max(1, Math.floor(N / BURST)); i++) burst.push(...(await round(BURST)));
  for (const [name, xs] of [[`one at a time, from the program's call (${N})`, one], [`${BURST} at once, each from its arrival in the queue (${burst.length} requests)`, burst]] as const) {
    const s = [...xs].sort((a, b) => a - b);
    console.log(`request → in the renderer store, ${name}: p50 ${pct(s, 50).toFixed(1)} ms, p99 ${pct(s, 99).toFixed(1)} ms, max ${(s.at(-1) ?? NaN).toFixed(1)} ms`);
  }
  unbind();
  client.stop();
  await admin.close().catch(() => undefined);
  await host.close();
  rmSync(dir, { recursive: true, force: true });
}

await main();
