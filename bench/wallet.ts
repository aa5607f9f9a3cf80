/**
 * `npx tsx bench/wallet.ts` (or `BENCH_ONLY=wallet npm run bench`): personal_sign through the
 * wallet RPC on loopback, for a paired program whose connection the operator set to auto-approve.
 * A real vault in a temporary directory (a secp256k1 vault key signs; durable audit as by default), the
 * server from electron/rpc/wallet, and BENCH_CLIENTS (default 64) HTTP/1.1 keep-alive clients in
 * this same process, each keeping one call in flight (their CPU competes with the server's: the
 * number is a floor).
 *
 * Printed beside it, to say what each layer costs: the same signature through the facade's wallet
 * session in process (queue, policy, audit; no transport), and ethers' Wallet.signMessage (the raw
 * primitive, no audit). Target: ≥ 500 requests/s over the RPC.
 */
import { Wallet } from 'ethers';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openCustodian } from '../electron/core/custodian.js';
import { configSchema } from '../electron/core/config/index.js';
import { startWalletRpcServer } from '../electron/rpc/wallet/server.js';
import { measureConcurrent } from './measure.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '3');
const CLIENTS = Number(process.env['BENCH_CLIENTS'] ?? '64');
const TARGET = 500;

function post(agent: Agent, port: number, body: string, token: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs the cases and prints a table. */
export async function walletBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'custos-bench-wallet-'));
  const c = await openCustodian({ dataDir: dir, kdf: { algorithm: 'argon2id', memoryKiB: 1024, iterations: 1, parallelism: 1 }, walletChains: [{ chainId: '1', name: 'Ethereum' }] });
  try {
    await c.init(new TextEncoder().encode('bench passphrase'));
    // A vault key: HD accounts sign through a slower derivation path today (see the wallet RPC README), which would measure that instead of the RPC.
    await c.generateKey('default', 'bench', 'ecdsa-secp256k1');
    // A program pairs; the operator grants the key with auto-approve.
    const { pairingId } = await c.walletRequestPairing({ name: 'bench' });
    const waiting = c.walletAwaitPairing({ pairingId });
    const prompt = c.walletPrompts().pending[0];
    if (prompt === undefined) throw new Error('no pairing prompt');
    await c.approveWalletPrompt(prompt.id, { accounts: [{ kind: 'key', namespace: 'default', keyId: 'bench' }], chainId: '1', autoApprove: true });
    const { token, connection } = await waiting;
    const address = connection.accounts[0]?.address ?? '';

    const config = configSchema.parse({ server: { wallet_rpc: { enabled: true } } }).server;
    const server = await startWalletRpcServer({ facade: c.forTransport({ transport: 'wallet-rpc' }), config, port: 0 });
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    const message = '0x' + Buffer.from('bench: sign in to dapp.example').toString('hex');
    let id = 0;
    let failures = 0;
    const overRpc = await measureConcurrent(
      async () => {
        const reply = JSON.parse(await post(agent, server.port, JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'personal_sign', params: [message, address] }), token)) as { result?: string };
        if (typeof reply.result !== 'string') failures++;
      },
      CLIENTS,
      SECONDS,
      500,
    );
    // The transport and the session lookup alone: a call that signs nothing and writes no audit event.
    const chainIdOnly = await measureConcurrent(() => post(agent, server.port, '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}', token), CLIENTS, Math.min(SECONDS, 2), 300);
    agent.destroy();
    await server.close();

    const session = c.walletSession({ kind: 'token', token });
    if (session === null) throw new Error('no session');
    const inProcess = await measureConcurrent(() => session.sign({ method: 'personal_sign', request: { type: 'eth.message', message, encoding: 'hex' }, address }), CLIENTS, SECONDS, 500);
    const wallet = Wallet.createRandom();
    const raw = await measureConcurrent(() => wallet.signMessage(Buffer.from(message.slice(2), 'hex')), 1, Math.min(SECONDS, 2));

    const fmt = (r: number): string => Math.round(r).toLocaleString('en-US');
    console.log(`\n| wallet RPC personal_sign, auto-approve (${CLIENTS} clients in flight, ${SECONDS} s) | req/s | / raw |`);
    console.log('|---|---|---|');
    console.log(`| over HTTP on loopback (JSON-RPC, bearer token, queue, audit) | ${fmt(overRpc)} | ${(overRpc / raw).toFixed(2)} |`);
    console.log(`| eth_chainId over HTTP (transport and session lookup only) | ${fmt(chainIdOnly)} | |`);
    console.log(`| facade wallet session in process (queue, audit; no transport) | ${fmt(inProcess)} | ${(inProcess / raw).toFixed(2)} |`);
    console.log(`| ethers Wallet.signMessage (raw primitive, no audit) | ${fmt(raw)} | 1.00 |`);
    console.log(`target ≥ ${TARGET} req/s over the RPC: ${overRpc >= TARGET ? 'met' : 'NOT met'}${failures > 0 ? ` (${failures} calls failed)` : ''}`);
  } finally {
    await c.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await walletBench();
