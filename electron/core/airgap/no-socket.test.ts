/**
 * The proof that air-gapped mode opens no network socket: the real `custos` executable, under
 * `strace -f` (every thread and child process), runs a full signing flow in air-gapped mode (the
 * flag, CUSTOS_AIR_GAPPED and custos.yaml, one each): init a vault, generate a secp256k1 key,
 * create an HD wallet, sign an EIP-1559 transaction and an EIP-191 message, then the air-gap file
 * flow: review a request envelope an online vault exported, approve and sign it, write the
 * response (and its QR codes), which the online vault accepts. Its system calls
 * show only AF_UNIX sockets (tsx's loader pipe) and no listen; no socket of another family (inet,
 * inet6, netlink, packet) and no connect, bind, sendto or sendmsg naming an inet address.
 *
 * Controls, so the proof can fail: the same strace catches an AF_INET connect of a tiny script,
 * and catches nothing once that script installs the network guard; `custos serve --ui` shows
 * its inet listener, and in air-gapped mode exactly one: socket, bind to 127.0.0.1, listen, and
 * never a connect.
 *
 * In-process, without strace: the CLI's guard is in place while a run is under way in
 * air-gapped mode (a connection attempted meanwhile is refused) and gone when it ends.
 *
 * Needs /usr/bin/strace. Without it the tests are skipped on a developer machine, and fail in CI
 * (CI set): the proof must run there.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Transaction, verifyMessage } from 'ethers';
import { afterEach, describe, expect, it } from 'vitest';
import { custos as custosInProcess } from '../../../test/cli.js';
import { tempDir } from '../../../test/helpers.js';
import { runCli } from '../../cli/run.js';

const STRACE = '/usr/bin/strace';
const MAIN = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
const GUARD = pathToFileURL(fileURLToPath(new URL('./network-guard.ts', import.meta.url))).href;
const TRACED_CALLS = 'trace=socket,connect,bind,listen,sendto,sendmsg';
const PASSPHRASE = 'correct horse battery staple';

/** What a strace log says about sockets. */
interface SocketCalls {
  /** socket() calls by address family (AF_UNIX, AF_INET, ...). */
  readonly families: Readonly<Record<string, number>>;
  /** connect, bind, sendto or sendmsg naming an AF_INET/AF_INET6 address: the lines themselves. */
  readonly inetAddresses: readonly string[];
  readonly listens: number;
  /** Whether the traced program's exit was recorded (the log is complete). */
  readonly complete: boolean;
}

/**
 * Reads `strace -f -o LOG` output: one call per line, `PID call(args) = result`. A call split by
 * another thread shows its arguments in the `<unfinished ...>` half, which is the one read here.
 */
function parseTrace(log: string): SocketCalls {
  const families: Record<string, number> = {};
  const inetAddresses: string[] = [];
  let listens = 0;
  for (const line of log.split('\n')) {
    const m = /^\d+\s+(socket|connect|bind|listen|sendto|sendmsg)\((.*)$/.exec(line);
    if (m === null) continue;
    const [, call, args] = m as unknown as [string, string, string];
    if (call === 'socket') {
      const family = /^(\w+)/.exec(args)?.[1] ?? '?';
      families[family] = (families[family] ?? 0) + 1;
    } else if (call === 'listen') listens++;
    else if (/sa_family=AF_INET6?[,}]/.test(args)) inetAddresses.push(line);
  }
  return { families, inetAddresses, listens, complete: /^\d+\s+\+\+\+ exited with \d+ \+\+\+$/m.test(log) };
}

const onlyUnix = (c: SocketCalls): string[] => Object.keys(c.families).filter((f) => f !== 'AF_UNIX');

interface TracedRun {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  readonly calls: SocketCalls;
}

function straceArgs(log: string, command: readonly string[]): string[] {
  return ['-f', '-e', TRACED_CALLS, '-o', log, ...command];
}

/** One program run to completion under strace (asynchronously: a loopback server in this process must keep answering). */
async function traced(command: readonly string[], env: Record<string, string | undefined>): Promise<TracedRun> {
  expect(existsSync(STRACE), `${STRACE} is required to prove that air-gapped mode opens no socket (install strace)`).toBe(true);
  const log = join(tempDir('custos-strace-'), 'strace.log');
  const child = spawn(STRACE, straceArgs(log, command), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  expect(existsSync(log), `strace wrote no log: ${err}`).toBe(true);
  return { code, out, err, calls: parseTrace(readFileSync(log, 'utf8')) };
}

/** The environment of every child: ours, without anything that would turn air-gapped mode on or off by accident. */
function childEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, CUSTOS_PASSPHRASE: PASSPHRASE, ...extra };
  for (const name of Object.keys(env)) if (name.startsWith('CUSTOS_SERVER__') || (name === 'CUSTOS_AIR_GAPPED' && extra.CUSTOS_AIR_GAPPED === undefined)) delete env[name];
  return env;
}

const custos = (argv: readonly string[]): string[] => [process.execPath, '--import', 'tsx', MAIN, ...argv];

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe.skipIf(!existsSync(STRACE) && process.env.CI === undefined)('air-gapped mode under strace', () => {
  it('a full signing flow opens no socket but AF_UNIX, listens nowhere, and names no inet address', async () => {
    const dir = tempDir();
    const flow: { name: string; run: TracedRun }[] = [];
    const step = async (name: string, argv: string[], env: Record<string, string> = {}): Promise<TracedRun> => {
      const run = await traced(custos(['--data-dir', dir, ...argv]), childEnv(env));
      expect(run.code, `${name}: ${run.err}`).toBe(0);
      flow.push({ name, run });
      return run;
    };
    await step('init', ['--air-gapped', 'init', '--kdf-memory-kib', '1024', '--kdf-iterations', '1']);
    await step('key generate', ['--air-gapped', 'key', 'generate', '--id', 'eth', '--alg', 'ecdsa-secp256k1']);
    await step('hd create', ['hd', 'create', '--id', 'hd', '--words', '12'], { CUSTOS_AIR_GAPPED: '1' });
    const address = (JSON.parse((await step('eth address', ['--air-gapped', '--json', 'eth', 'address', '--id', 'eth'])).out) as { address: string }).address;
    const tx = join(dir, 'tx.json');
    writeFileSync(tx, JSON.stringify({ type: 2, chainId: 1, nonce: 0, to: '0x00000000000000000000000000000000000000aa', value: '1500000000000000000', gasLimit: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000' }));
    const signedTx = JSON.parse((await step('eth sign-tx', ['--json', 'eth', 'sign-tx', '--id', 'eth', '--in', tx, '--chain-id', '1'], { CUSTOS_AIR_GAPPED: 'true' })).out) as { rawTransaction: string };
    // From here custos.yaml turns it on, with no flag at all.
    writeFileSync(join(dir, 'custos.yaml'), 'server:\n  air_gapped: true\n');
    const signedMessage = JSON.parse((await step('eth sign-message', ['--json', 'eth', 'sign-message', '--wallet', 'hd', '--data-hex', '6869'])).out) as { signature: string; address: string };

    // The air-gap file flow: an online vault (another machine; not traced) exports a request
    // envelope for the HD wallet; the air-gapped side reviews it, then approves, signs and writes
    // the response (with its QR codes); the online side accepts the response.
    const walletAddress = (JSON.parse((await step('eth address --wallet', ['--json', 'eth', 'address', '--wallet', 'hd'])).out) as { address: string }).address;
    const online = tempDir();
    expect((await custosInProcess(online, ['init', '--kdf-memory-kib', '1024', '--kdf-iterations', '1'])).code).toBe(0);
    const requestFile = join(online, 'request.json');
    writeFileSync(requestFile, JSON.stringify({ type: 'eth.transaction', transaction: JSON.stringify({ type: 2, chainId: 1, nonce: 3, to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', value: '250000000000000000', gasLimit: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1000000000' }) }));
    const envelope = join(online, 'envelope.json');
    const exported = await custosInProcess(online, ['request', 'export', '--request', requestFile, '--wallet', 'hd', '--expect-address', walletAddress, '--out', envelope]);
    expect(exported.code, exported.err).toBe(0);
    expect((await step('request import (review)', ['request', 'import', envelope])).out).toContain('0.25 ETH');
    const response = join(dir, 'response.json');
    expect((await step('request import --yes', ['request', 'import', envelope, '--yes', '--out', response, '--qr'])).out).toContain('wrote response');
    const accepted = await custosInProcess(online, ['--json', 'response', 'import', response]);
    expect(accepted.code, accepted.err).toBe(0);
    const airGapSigned = Transaction.from((accepted.json().result as { primary: { value: string } }).primary.value);
    expect([airGapSigned.from, airGapSigned.nonce]).toEqual([walletAddress, 3]);

    // The flow really signed: the results verify (a run that failed early would open no socket either).
    expect(Transaction.from(signedTx.rawTransaction).from).toBe(address);
    expect(verifyMessage('hi', signedMessage.signature)).toBe(signedMessage.address);
    for (const { name, run } of flow) {
      expect(run.calls.complete, `${name}: the strace log is incomplete`).toBe(true);
      expect(onlyUnix(run.calls), `${name}: sockets of another family than AF_UNIX: ${JSON.stringify(run.calls.families)}`).toEqual([]);
      expect(run.calls.inetAddresses, name).toEqual([]);
      expect(run.calls.listens, name).toBe(0);
    }
    // For the record (the report quotes it): what the flow did open, all of it AF_UNIX.
    console.info(`no-socket proof: ${flow.map(({ name, run }) => `${name} ${JSON.stringify(run.calls.families)}`).join('; ')}`);
  }, 240_000);

  it('control: strace sees a script connect over AF_INET, and sees no inet socket once the script installs the network guard', async () => {
    const server = net.createServer((s) => s.end());
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const script = join(tempDir(), 'connect.mts');
    writeFileSync(
      script,
      [
        "import net from 'node:net';",
        `if (process.argv[2] === 'guarded') (await import(${JSON.stringify(GUARD)})).installNetworkGuard();`,
        `const s = net.connect(${port}, '127.0.0.1');`,
        "s.on('connect', () => { console.log('connected'); s.end(); });",
        "s.on('error', (e) => console.log(`refused ${e.code}`));",
      ].join('\n'),
    );
    const open = await traced([process.execPath, '--import', 'tsx', script, 'open'], childEnv());
    expect(open.out.trim(), open.err).toBe('connected');
    expect(open.calls.families.AF_INET ?? 0).toBeGreaterThanOrEqual(1);
    expect(open.calls.inetAddresses.some((l) => l.includes(`sin_port=htons(${port})`) && l.includes('inet_addr("127.0.0.1")'))).toBe(true);

    const guarded = await traced([process.execPath, '--import', 'tsx', script, 'guarded'], childEnv());
    console.info(`script control: open ${JSON.stringify(open.calls.families)} inet addresses ${open.calls.inetAddresses.length}; guarded ${JSON.stringify(guarded.calls.families)} inet addresses ${guarded.calls.inetAddresses.length}`);
    expect(guarded.out.trim(), guarded.err).toBe('refused UNSUPPORTED');
    expect(onlyUnix(guarded.calls)).toEqual([]);
    expect(guarded.calls.inetAddresses).toEqual([]);
  });

  it('control: custos serve --ui shows its inet listener; with --air-gapped exactly one, on 127.0.0.1, and never a connect', async () => {
    const [open, airGapped] = await Promise.all([tracedServe([]), tracedServe(['--air-gapped'])]);
    expect(open.families.AF_INET ?? 0).toBeGreaterThanOrEqual(1);
    expect(open.listens).toBeGreaterThanOrEqual(1);

    expect(airGapped.families).toMatchObject({ AF_INET: 1 });
    expect(onlyUnix(airGapped).filter((f) => f !== 'AF_INET')).toEqual([]);
    expect(airGapped.listens).toBe(1);
    expect(airGapped.inetAddresses).toHaveLength(1);
    console.info(`serve control: open ${JSON.stringify(open.families)} listens ${open.listens}; air-gapped ${JSON.stringify(airGapped.families)} listens ${airGapped.listens}, inet addresses ${airGapped.inetAddresses.length}`);
    expect(airGapped.inetAddresses[0]).toMatch(/ bind\(\d+, \{sa_family=AF_INET, sin_port=htons\(\d+\), sin_addr=inet_addr\("127\.0\.0\.1"\)\}/);
  });
});

describe('the CLI run is guarded in air-gapped mode', () => {
  /**
   * `custos … batch` in this process, with a stdin whose reader tries a loopback connection while
   * the run is under way: what happened to that connection is what the run's guard did.
   */
  async function connectDuringRun(dir: string, global: readonly string[], env: Record<string, string>): Promise<{ code: number; during: string; after: string }> {
    const server = net.createServer((s) => s.end());
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const attempt = (): Promise<string> =>
      new Promise((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), resolve('connected')));
        s.once('error', (e: Error & { code?: string }) => resolve(`refused ${e.code ?? e.message}`));
      });
    let during = '';
    const io = {
      env: { CUSTOS_PASSPHRASE: PASSPHRASE, ...env },
      platform: process.platform,
      writeOut: () => undefined,
      writeErr: () => undefined,
      readStdin: () => Promise.resolve(new Uint8Array()),
      async *stdinLines() {
        during = await attempt();
        yield JSON.stringify({ argv: ['status'] });
      },
      promptHidden: () => Promise.resolve(undefined),
    };
    const code = await runCli(['--data-dir', dir, ...global, 'batch'], io);
    return { code, during, after: await attempt() };
  }

  it('installs the network guard for the run (flag, CUSTOS_AIR_GAPPED or custos.yaml) and lifts it when the run ends', async () => {
    expect(await connectDuringRun(tempDir(), [], {})).toEqual({ code: 0, during: 'connected', after: 'connected' });
    expect(await connectDuringRun(tempDir(), ['--air-gapped'], {})).toEqual({ code: 0, during: 'refused UNSUPPORTED', after: 'connected' });
    expect(await connectDuringRun(tempDir(), [], { CUSTOS_AIR_GAPPED: 'yes' })).toEqual({ code: 0, during: 'refused UNSUPPORTED', after: 'connected' });
    const configured = tempDir();
    writeFileSync(join(configured, 'custos.yaml'), 'server:\n  air_gapped: true\n');
    expect(await connectDuringRun(configured, [], {})).toEqual({ code: 0, during: 'refused UNSUPPORTED', after: 'connected' });
  });
});

/** `custos [global] serve --ui --port 0` under strace: started, then stopped with SIGTERM (sent to custos itself, not strace, which would detach). */
async function tracedServe(global: readonly string[]): Promise<SocketCalls> {
  expect(existsSync(STRACE), `${STRACE} is required`).toBe(true);
  const dir = tempDir();
  const www = join(dir, 'www');
  const log = join(dir, 'strace.log');
  mkdirSync(www);
  writeFileSync(join(www, 'index.html'), '<!doctype html><title>Custos</title>');
  const child = spawn(STRACE, straceArgs(log, custos(['--data-dir', dir, '--preset', 'test', '--json', ...global, 'serve', '--ui', '--port', '0', '--static-dir', www])), { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv() });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`${code ?? signal}`)));
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  expect(JSON.parse((first.value as string | undefined) ?? 'null'), err).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/login/) });
  const custosPid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
  process.kill(custosPid, 'SIGTERM');
  expect(await exited, err).toBe('0');
  const calls = parseTrace(readFileSync(log, 'utf8'));
  expect(calls.complete).toBe(true);
  return calls;
}
