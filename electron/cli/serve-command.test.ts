/**
 * `custos serve`: refusals in-process (nothing to serve, air-gapped mode without --ui, a bad
 * CUSTOS_AIR_GAPPED, inside batch, a server this version does not have), and the real executable
 * as a child process: in air-gapped mode (flag or custos.yaml) only the browser host runs; with --ui it
 * prints the login URL, the URL logs a browser in; with the HsmService and metrics enabled and
 * --unlock, a token works at once over the HsmService and /health/ready answers 200; SIGTERM stops
 * it with exit code 0 and the vault closed cleanly.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import type { CliIo } from './io.js';
import { runCli } from './run.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function io(env: Record<string, string>, stdin = ''): CliIo & { out: string; err: string } {
  const o = {
    out: '',
    err: '',
    env,
    platform: process.platform,
    writeOut: (t: string) => void (o.out += t),
    writeErr: (t: string) => void (o.err += t),
    readStdin: () => Promise.resolve(new TextEncoder().encode(stdin)),
    async *stdinLines() {
      yield* stdin.split('\n');
    },
    promptHidden: () => Promise.resolve(undefined),
  };
  return o;
}

/** A port that was free a moment ago (the OS picks it; the server binds it right after). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function renderer(): string {
  const dir = join(tempDir(), 'www');
  mkdirSync(dir);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Custos</title>');
  return dir;
}

function status(url: string, headers: Record<string, string> = {}): Promise<{ status: number; cookie: string | undefined }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie']?.[0]?.split(';')[0] });
    })
      .on('error', reject)
      .end();
  });
}

describe('custos serve', () => {
  it('needs something to serve, refuses a bad port, a server this version lacks, and to run inside batch', async () => {
    const dir = tempDir();
    const a = io({});
    expect(await runCli(['--data-dir', dir, 'serve'], a)).toBe(2);
    expect(a.err).toContain('nothing to serve');
    const w = io({ CUSTOS_SERVER__ETH2__ENABLED: 'true' });
    expect(await runCli(['--data-dir', dir, 'serve'], w)).toBe(1);
    expect(w.err).toMatch(/UNSUPPORTED: server\.eth2 is not available/);
    expect(await runCli(['--data-dir', dir, 'serve', '--ui', '--port', '70000'], io({}))).toBe(2);
    const b = io({}, JSON.stringify({ argv: ['serve', '--ui', '--port', '0'] }) + '\n');
    expect(await runCli(['--data-dir', dir, 'batch'], b)).toBe(1);
    expect(b.out).toContain('cannot run inside batch');
  });

  it('in air-gapped mode needs --ui (API servers never start there), and refuses a CUSTOS_AIR_GAPPED that is not 1, true or yes', async () => {
    const dir = tempDir();
    const c = io({ CUSTOS_SERVER__AIR_GAPPED: 'true' });
    expect(await runCli(['--data-dir', dir, 'serve'], c)).toBe(2);
    expect(c.err).toContain('nothing to serve in air-gapped mode (server.air_gapped in custos.yaml)');
    const f = io({ CUSTOS_SERVER__HSM__ENABLED: 'true' });
    expect(await runCli(['--data-dir', dir, '--air-gapped', 'serve', '--unlock'], f)).toBe(2);
    expect(f.err).toContain('nothing to serve in air-gapped mode (--air-gapped)');
    const e = io({ CUSTOS_AIR_GAPPED: 'yes', CUSTOS_SERVER__HSM__ENABLED: 'true' });
    expect(await runCli(['--data-dir', dir, 'serve'], e)).toBe(2);
    expect(e.err).toContain('nothing to serve in air-gapped mode (--air-gapped)');
    const bad = io({ CUSTOS_AIR_GAPPED: '0' });
    expect(await runCli(['--data-dir', dir, 'serve', '--ui'], bad)).toBe(2);
    expect(bad.err).toContain('CUSTOS_AIR_GAPPED must be 1, true or yes');
  });

  it('with --air-gapped serves only the browser host: the API servers custos.yaml enables stay off (said once on stderr), the UI logs in', async () => {
    const dataDir = tempDir();
    const [hsmPort, metricsPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--data-dir', dataDir, '--preset', 'test', '--json', '--air-gapped', 'serve', '--ui', '--port', '0', '--static-dir', renderer()], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CUSTOS_SERVER__HSM__ENABLED: 'true', CUSTOS_SERVER__HSM__PORT: String(hsmPort), CUSTOS_SERVER__METRICS__ENABLED: 'true', CUSTOS_SERVER__METRICS__PORT: String(metricsPort) },
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const started = JSON.parse(((await lines.next()).value as string | undefined) ?? 'null') as { url: string; origin: string; servers: unknown[]; airGapped: string } | null;
    expect(started, err).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/login\?token=/), servers: [], airGapped: 'flag' });
    expect(err.match(/not starting the API servers custos\.yaml enables \(hsm, metrics\)/g)).toHaveLength(1);
    const { url, origin } = started as { url: string; origin: string };
    const login = await status(url);
    expect(login.status).toBe(303);
    expect((await status(`${origin}/`, { Cookie: login.cookie as string })).status).toBe(200);
    await expect(status(`http://127.0.0.1:${hsmPort}/`)).rejects.toThrow();
    await expect(status(`http://127.0.0.1:${metricsPort}/health/live`)).rejects.toThrow();
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited, err).toBe(0);
  });

  it('with server.air_gapped in custos.yaml says air-gapped mode is on and that the browser host is a loopback-only UI listener', async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'custos.yaml'), 'server:\n  air_gapped: true\n');
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--data-dir', dataDir, '--preset', 'test', 'serve', '--ui', '--port', '0', '--static-dir', renderer()], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    let out = '';
    for await (const line of createInterface({ input: child.stdout })) {
      out += line + '\n';
      if (line.includes('Press Ctrl+C')) break;
    }
    expect(out, err).toContain('Air-gapped mode is on (server.air_gapped in custos.yaml): no API server, no network. The browser host below is a loopback-only UI listener on 127.0.0.1');
    expect(out).toContain('the desktop app opens no listener at all');
    const url = /(http:\/\/127\.0\.0\.1:\d+\/login\?token=\S+)/.exec(out)?.[1];
    expect((await status(url as string)).status).toBe(303);
    expect(err).toBe('');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited, err).toBe(0);
  });

  it('runs the enabled API servers with --unlock: a token signs over the HsmService, the wallet RPC answers, /health/ready is 200; SIGTERM stops it', async () => {
    const dataDir = tempDir();
    const init = io({ CUSTOS_PASSPHRASE: 'correct horse battery staple' });
    expect(await runCli(['--data-dir', dataDir, '--preset', 'test', 'init'], init)).toBe(0);
    const gen = io({ CUSTOS_PASSPHRASE: 'correct horse battery staple' });
    expect(await runCli(['--data-dir', dataDir, '--preset', 'test', 'key', 'generate', '--id', 'ed', '--alg', 'ed25519'], gen)).toBe(0);
    const tok = io({ CUSTOS_PASSPHRASE: 'correct horse battery staple' });
    expect(await runCli(['--data-dir', dataDir, '--preset', 'test', '--json', 'token', 'create', '--label', 'app', '--grant', 'default:KeyUser'], tok)).toBe(0);
    const token = (JSON.parse(tok.out) as { token: string }).token;
    const [hsmPort, metricsPort, walletPort] = [await freePort(), await freePort(), await freePort()];
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--data-dir', dataDir, '--preset', 'test', '--json', 'serve', '--unlock'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CUSTOS_PASSPHRASE: 'correct horse battery staple', CUSTOS_SERVER__HSM__ENABLED: 'true', CUSTOS_SERVER__HSM__PORT: String(hsmPort), CUSTOS_SERVER__METRICS__ENABLED: 'true', CUSTOS_SERVER__METRICS__PORT: String(metricsPort), CUSTOS_SERVER__WALLET_RPC__ENABLED: 'true', CUSTOS_SERVER__WALLET_RPC__PORT: String(walletPort) },
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const started = JSON.parse(((await lines.next()).value as string | undefined) ?? 'null') as { servers: { name: string; url: string }[]; unlocked: boolean } | null;
    expect(started, err).toMatchObject({ unlocked: true });
    expect(new Set(started?.servers.map((x) => `${x.name} ${x.url}`)), err).toEqual(new Set([`hsm http://127.0.0.1:${hsmPort}`, `metrics http://127.0.0.1:${metricsPort}`, `wallet_rpc http://127.0.0.1:${walletPort}`]));
    const pairing = await fetch(`http://127.0.0.1:${walletPort}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'custos_requestPairing', params: [{ name: 'serve test' }] }) });
    expect(((await pairing.json()) as { result: { code: string } }).result.code, err).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const signed = await fetch(`http://127.0.0.1:${hsmPort}/hsm.v1.HSM/Sign`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ namespace: 'default', keyId: 'ed', data: 'aGVsbG8=' }) });
    expect(signed.status, err).toBe(200);
    expect(((await signed.json()) as { signature: string }).signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/health/ready`)).status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()).toContain('hsm_operations_total{operation="crypto.sign",namespace="default",result="ok"} 1');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited, err).toBe(0);
    await expect(fetch(`http://127.0.0.1:${hsmPort}/hsm.v1.HSM/HealthCheck`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).rejects.toThrow();
  });

  it('prints a one-time login URL, serves until SIGTERM, then exits 0', async () => {
    const dataDir = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--data-dir', dataDir, '--preset', 'test', '--json', 'serve', '--ui', '--port', '0', '--static-dir', renderer()], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const started = JSON.parse(((await lines.next()).value as string | undefined) ?? 'null') as { url: string; origin: string; port: number; dataDir: string } | null;
    expect(started, err).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/login\?token=[A-Za-z0-9_-]{43}$/), dataDir });
    const { url, origin } = started as { url: string; origin: string };
    const login = await status(url);
    expect(login.status).toBe(303);
    expect((await status(`${origin}/`, { Cookie: login.cookie as string })).status).toBe(200);
    expect((await status(url)).status).toBe(403);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited, err).toBe(0);
    expect(JSON.parse(((await lines.next()).value as string | undefined) ?? 'null')).toEqual({ stopped: true, signal: 'SIGTERM' });
    await expect(status(`${origin}/`)).rejects.toThrow();
  });
});
