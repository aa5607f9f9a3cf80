/**
 * `custos serve`: refusals in-process (nothing to serve, air-gapped configuration, inside batch,
 * a server this version does not have), and the real executable as a child process: with --ui it
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

  it('refuses to listen at all when server.air_gapped is true', async () => {
    const a = io({ CUSTOS_SERVER__AIR_GAPPED: 'true' });
    expect(await runCli(['--data-dir', tempDir(), 'serve', '--ui', '--port', '0', '--static-dir', renderer()], a)).toBe(1);
    expect(a.err).toMatch(/UNSUPPORTED: server\.air_gapped is true/);
    expect(a.out).not.toContain('login?token=');
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
