/**
 * The wallet RPC end to end: a real vault (an HD wallet from the "abandon … about" test
 * mnemonic), the server on a loopback port, a real Ethereum node (ganache) as the upstream of
 * chain 1337, and clients that share no code with the server: node:http for the attacks a
 * browser or a local program could try, ethers v6 (JsonRpcProvider + JsonRpcSigner) as a paired
 * program, and the `ws` client. Every operator decision is made through the facade.
 */
import { FetchRequest, getBytes, JsonRpcProvider, Transaction, verifyMessage, verifyTypedData } from 'ethers';
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { unlockedCustodian, PASSPHRASE } from '../../../test/helpers.js';
import { configSchema } from '../../core/config/index.js';
import type { Custodian } from '../../core/custodian.js';
import { startTestNode, type TestNode } from './test-node.js';
import { startWalletRpcServer, type WalletRpcEvent, type WalletRpcServer } from './server.js';
import type { LoopbackEvent } from '../loopback.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
/** m/44'/60'/0'/0/0 and /1 of the "abandon … about" mnemonic (BIP-39 test vector, widely published). */
const ETH_0 = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
const ETH_1 = '0x6Fac4D18c912343BF86fa7049364Dd4E424Ab9C0';
const DAPP = 'https://dapp.example';
const HD = (index: number) => ({ kind: 'hd' as const, namespace: 'default', wallet: 'hd', account: 0, index });

// ------------------------------------------------------------------ the node, the vault, the server

let node: TestNode;
let upstreamUrl: string;

beforeAll(async () => {
  // Ganache's accounts come from the same mnemonic, so ETH_0 holds 1000 ETH there; the node never signs for us.
  node = await startTestNode({ chainId: 1337, mnemonic: ABANDON });
  upstreamUrl = node.url;
});
afterAll(async () => {
  await node.close();
});

interface World {
  admin: Custodian;
  server: WalletRpcServer;
  port: number;
  events: (WalletRpcEvent | LoopbackEvent)[];
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function world(options: { maxBodyBytes?: number; batchLimit?: number; allowEthSign?: boolean } = {}): Promise<World> {
  const admin = await unlockedCustodian({
    walletChains: [
      { chainId: '1337', name: 'Ganache' },
      { chainId: '1', name: 'Ethereum' },
    ],
  });
  cleanups.push(() => admin.close());
  await admin.hdImport('default', 'hd', ABANDON);
  const config = configSchema.parse({
    server: {
      wallet_rpc: {
        enabled: true,
        ...(options.maxBodyBytes === undefined ? {} : { max_body_bytes: options.maxBodyBytes }),
        ...(options.batchLimit === undefined ? {} : { batch_limit: options.batchLimit }),
        ...(options.allowEthSign === undefined ? {} : { allow_eth_sign: options.allowEthSign }),
        chains: [
          { chain_id: 1337, name: 'Ganache', upstream_url: upstreamUrl },
          { chain_id: 1, name: 'Ethereum' },
        ],
      },
    },
  }).server;
  const events: World['events'] = [];
  const server = await startWalletRpcServer({ facade: admin.forTransport({ transport: 'wallet-rpc' }), config, port: 0, onEvent: (e) => events.push(e) });
  cleanups.push(() => server.close());
  return { admin, server, port: server.port, events };
}

async function pending<T>(read: () => T | undefined): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = read();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('nothing pending');
}
const pendingPrompt = (c: Custodian) => pending(() => c.walletPrompts().pending[0]);
const pendingRequest = (c: Custodian) => pending(() => c.listRequests().pending[0]);

// ------------------------------------------------------------------ a raw HTTP client

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

function post(port: number, body: string | Buffer, headers: Record<string, string> = {}, options: { method?: string; path?: string; abort?: AbortSignal } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const all: Record<string, string> = { host: `127.0.0.1:${port}`, 'content-type': 'application/json', ...headers };
    const req = httpRequest({ host: '127.0.0.1', port, path: options.path ?? '/', method: options.method ?? 'POST', headers: all, agent: false, ...(options.abort === undefined ? {} : { signal: options.abort }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = undefined;
        try {
          json = JSON.parse(text) as unknown;
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const call = (method: string, params: unknown[] = [], id: number | string = 1): string => JSON.stringify({ jsonrpc: '2.0', id, method, params });

/** One call as a browser page of `origin` (or a program with `token`); resolves with the JSON-RPC response. */
async function rpc(port: number, who: { origin?: string; token?: string }, method: string, params: unknown[] = []): Promise<{ result?: unknown; error?: { code: number; message: string; data?: unknown } }> {
  const headers: Record<string, string> = {};
  if (who.origin !== undefined) headers.origin = who.origin;
  if (who.token !== undefined) headers.authorization = `Bearer ${who.token}`;
  const r = await post(port, call(method, params), headers);
  expect(r.status).toBe(200);
  return r.json as { result?: unknown; error?: { code: number; message: string } };
}

/** DAPP connects through the prompt; the operator grants `accounts` on `chainId`. */
async function connectDapp(w: World, options: { accounts?: number[]; chainId?: string; autoApprove?: boolean } = {}): Promise<void> {
  const asking = rpc(w.port, { origin: DAPP }, 'eth_requestAccounts');
  const prompt = await pendingPrompt(w.admin);
  expect(prompt).toMatchObject({ kind: 'connect', origin: DAPP });
  await w.admin.approveWalletPrompt(prompt.id, { accounts: (options.accounts ?? [0]).map(HD), chainId: options.chainId ?? '1337', ...(options.autoApprove === undefined ? {} : { autoApprove: options.autoApprove }) });
  expect((await asking).result).toEqual((options.accounts ?? [0]).map((i) => [ETH_0, ETH_1][i]));
}

/** A program pairs (the operator compares the code and grants), and gets its token. */
async function pair(w: World, options: { accounts?: number[]; autoApprove?: boolean; chainId?: string } = {}): Promise<string> {
  const asked = await rpc(w.port, {}, 'custos_requestPairing', [{ name: 'deploy script' }]);
  const { pairingId, code } = asked.result as { pairingId: string; code: string };
  const waiting = rpc(w.port, {}, 'custos_awaitPairing', [{ pairingId }]);
  const prompt = await pendingPrompt(w.admin);
  expect(prompt).toMatchObject({ kind: 'pair', name: 'deploy script', code });
  await w.admin.approveWalletPrompt(prompt.id, { accounts: (options.accounts ?? [0]).map(HD), chainId: options.chainId ?? '1337', autoApprove: options.autoApprove ?? true });
  const paired = (await waiting).result as { token: string; accounts: string[]; chainId: string };
  expect(paired).toMatchObject({ accounts: (options.accounts ?? [0]).map((i) => [ETH_0, ETH_1][i]), chainId: options.chainId === '1' ? '0x1' : '0x539' });
  return paired.token;
}

// ------------------------------------------------------------------ attacks and framing

describe('what the transport refuses', () => {
  it('a Host that does not name the server (DNS rebinding): 421, nothing runs', async () => {
    const w = await world();
    const r = await post(w.port, call('eth_requestAccounts'), { host: `evil.example:${w.port}`, origin: 'http://evil.example' });
    expect(r.status).toBe(421);
    expect(w.admin.walletPrompts().pending).toEqual([]);
    expect(w.events).toContainEqual({ type: 'http.refused', server: 'wallet_rpc', status: 421, reason: 'host' });
  });

  it('an oversize body: 413 before the JSON is parsed', async () => {
    const w = await world({ maxBodyBytes: 4096 });
    const r = await post(w.port, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'personal_sign', params: ['x'.repeat(5000), ETH_0] }), { origin: DAPP });
    expect(r.status).toBe(413);
  });

  it('malformed JSON-RPC: parse error, invalid request, unknown method, batch limits, notifications', async () => {
    const w = await world({ batchLimit: 3 });
    const anon = (body: string) => post(w.port, body, { origin: DAPP });
    expect((await anon('{"jsonrpc":')).json).toMatchObject({ id: null, error: { code: -32700 } });
    expect((await anon('{"jsonrpc":"2.0","id":4}')).json).toMatchObject({ id: 4, error: { code: -32600 } });
    expect((await anon('[]')).json).toMatchObject({ id: null, error: { code: -32600 } });
    expect((await anon(call('eth_mine'))).json).toMatchObject({ id: 1, error: { code: -32601 } });
    expect((await anon(call('eth_chainId', [1]))).json).toMatchObject({ id: 1, error: { code: -32602 } });
    const batch = await anon(JSON.stringify([JSON.parse(call('eth_chainId', [], 'a')), 7, JSON.parse(call('net_version', [], 'b')), { jsonrpc: '2.0', method: 'eth_chainId' }].slice(0, 3)));
    expect(batch.json).toEqual([
      { jsonrpc: '2.0', id: 'a', result: '0x539' },
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.any(String) } },
      { jsonrpc: '2.0', id: 'b', result: '1337' },
    ]);
    const tooMany = await anon(JSON.stringify(Array.from({ length: 4 }, (_, i) => JSON.parse(call('eth_chainId', [], i)) as unknown)));
    expect(tooMany.json).toMatchObject({ id: null, error: { code: -32005 } });
    // Only notifications: nothing to answer.
    const quiet = await anon('{"jsonrpc":"2.0","method":"eth_chainId"}');
    expect([quiet.status, quiet.text]).toEqual([204, '']);
  });

  it('not JSON-RPC over POST application/json: 404, 405, 415 (a form post cannot skip the CORS preflight)', async () => {
    const w = await world();
    expect((await post(w.port, call('eth_chainId'), { origin: DAPP }, { path: '/rpc' })).status).toBe(404);
    expect((await post(w.port, '', { origin: DAPP }, { method: 'GET' })).status).toBe(405);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      expect((await post(w.port, call('eth_requestAccounts'), { origin: DAPP, 'content-type': type })).status).toBe(415);
    }
    expect(w.admin.walletPrompts().pending).toEqual([]);
  });

  it('a null or malformed Origin is nobody: 403', async () => {
    const w = await world();
    for (const origin of ['null', 'https://dapp.example/', 'https://dapp.example/path', 'file://', 'javascript:alert(1)', 'HTTPS://DAPP.EXAMPLE']) {
      const r = await post(w.port, call('eth_requestAccounts'), { origin });
      expect(r.status, origin).toBe(403);
    }
    expect(w.admin.walletPrompts().pending).toEqual([]);
  });

  it('a program without a token, or with a token that is not valid, gets 4100 for everything but pairing', async () => {
    const w = await world();
    for (const m of ['eth_chainId', 'eth_accounts', 'eth_requestAccounts', 'personal_sign', 'eth_blockNumber']) {
      expect((await rpc(w.port, {}, m)).error?.code, m).toBe(4100);
      expect((await rpc(w.port, { token: 'cwc_0000000000000000000000000000000000000000' }, m)).error?.code, m).toBe(4100);
    }
    expect((await post(w.port, call('eth_chainId'), { authorization: 'Basic dXNlcjpwYXNz' })).json).toMatchObject({ error: { code: 4100 } });
  });

  it('a browser may not pair: the pairing methods refuse an Origin', async () => {
    const w = await world();
    expect((await rpc(w.port, { origin: DAPP }, 'custos_requestPairing', [{ name: 'x' }])).error?.code).toBe(4100);
    expect(w.admin.walletPrompts().pending).toEqual([]);
  });
});

describe('CORS', () => {
  it('answers any preflight (with Private Network Access), never with *', async () => {
    const w = await world();
    const r = await post(w.port, '', { origin: 'https://anyone.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type', 'access-control-request-private-network': 'true' }, { method: 'OPTIONS' });
    expect(r.status).toBe(204);
    expect(r.headers).toMatchObject({
      'access-control-allow-origin': 'https://anyone.example',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type',
      'access-control-allow-private-network': 'true',
      vary: 'Origin',
    });
  });

  it('a forged Origin without a grant: its answers are not readable, except the permission request itself', async () => {
    const w = await world();
    const accounts = await post(w.port, call('eth_accounts'), { origin: 'https://evil.example' });
    expect(accounts.json).toMatchObject({ result: [] });
    expect(accounts.headers['access-control-allow-origin']).toBeUndefined();
    const sign = await post(w.port, call('personal_sign', ['0x68690a', ETH_0]), { origin: 'https://evil.example' });
    expect(sign.json).toMatchObject({ error: { code: 4100 } });
    expect(sign.headers['access-control-allow-origin']).toBeUndefined();
    expect(w.admin.listRequests().pending).toEqual([]);

    const asking = post(w.port, call('eth_requestAccounts'), { origin: 'https://evil.example' });
    const prompt = await pendingPrompt(w.admin);
    await w.admin.rejectWalletPrompt(prompt.id, 'not mine');
    const refused = await asking;
    expect(refused.json).toMatchObject({ error: { code: 4001, data: { reason: 'USER_REJECTED' } } });
    expect(refused.headers['access-control-allow-origin']).toBe('https://evil.example');
  });

  it('an origin with a grant reads every answer; a batch mixing a permission request with anything else is not readable without one', async () => {
    const w = await world();
    const mixed = JSON.stringify([JSON.parse(call('eth_chainId', [], 1)), JSON.parse(call('eth_accounts', [], 2))]);
    expect((await post(w.port, mixed, { origin: DAPP })).headers['access-control-allow-origin']).toBeUndefined();
    await connectDapp(w);
    const r = await post(w.port, mixed, { origin: DAPP });
    expect(r.headers['access-control-allow-origin']).toBe(DAPP);
    expect(r.headers.vary).toBe('Origin');
    expect(r.json).toEqual([
      { jsonrpc: '2.0', id: 1, result: '0x539' },
      { jsonrpc: '2.0', id: 2, result: [ETH_0] },
    ]);
  });
});

// ------------------------------------------------------------------ a browser dapp

describe('a browser origin', () => {
  it('connects through the prompt, signs after the operator approves, is refused when the operator rejects', async () => {
    const w = await world();
    expect((await rpc(w.port, { origin: DAPP }, 'eth_accounts')).result).toEqual([]);
    expect((await rpc(w.port, { origin: DAPP }, 'wallet_getPermissions')).result).toEqual([]);
    expect((await rpc(w.port, { origin: DAPP }, 'eth_chainId')).result).toBe('0x539');
    await connectDapp(w, { accounts: [0, 1] });

    expect((await rpc(w.port, { origin: DAPP }, 'eth_accounts')).result).toEqual([ETH_0, ETH_1]);
    const permissions = (await rpc(w.port, { origin: DAPP }, 'wallet_getPermissions')).result;
    expect(permissions).toEqual([{ parentCapability: 'eth_accounts', invoker: DAPP, caveats: [{ type: 'restrictReturnedAccounts', value: [ETH_0, ETH_1] }], date: expect.any(Number) }]);
    expect((await rpc(w.port, { origin: DAPP }, 'wallet_requestPermissions', [{ eth_accounts: {} }])).result).toEqual(permissions);

    // personal_sign, text and hex; the operator approves.
    const signing = rpc(w.port, { origin: DAPP }, 'personal_sign', ['Sign in to dapp.example', ETH_1.toLowerCase()]);
    const request = await pendingRequest(w.admin);
    expect(request).toMatchObject({ method: 'personal_sign', client: { transport: 'wallet-rpc', label: DAPP }, request: { type: 'eth.message', encoding: 'utf8' } });
    await w.admin.approveRequest(request.id);
    expect(verifyMessage('Sign in to dapp.example', (await signing).result as string)).toBe(ETH_1);

    const rejected = rpc(w.port, { origin: DAPP }, 'personal_sign', ['0x00ff', ETH_0]);
    await w.admin.rejectRequest((await pendingRequest(w.admin)).id, 'no');
    expect((await rejected).error).toMatchObject({ code: 4001, data: { reason: 'USER_REJECTED' } });

    // Accounts it was not granted, methods it may not use.
    expect((await rpc(w.port, { origin: DAPP }, 'personal_sign', ['0x00', '0x00000000000000000000000000000000000dEaD0'])).error?.code).toBe(4100);
    expect((await rpc(w.port, { origin: DAPP }, 'eth_sign', [ETH_0, '0x' + '11'.repeat(32)])).error?.code).toBe(4200);
    expect((await rpc(w.port, { origin: DAPP }, 'personal_sign', [42, ETH_0])).error?.code).toBe(-32602);
    expect(w.admin.listRequests().pending).toEqual([]);
  });

  it('eth_sign, when the configuration allows it, is EIP-1474\'s: [address, data], signed like personal_sign after approval', async () => {
    const w = await world({ allowEthSign: true });
    const connecting = rpc(w.port, { origin: DAPP }, 'eth_requestAccounts');
    const prompt = await pending(() => w.admin.walletPrompts().pending[0]);
    await w.admin.approveWalletPrompt(prompt.id, { accounts: [{ kind: 'hd', namespace: 'default', wallet: 'hd', index: 0 }], chainId: '1337' });
    expect((await connecting).result).toEqual([ETH_0]);
    const signing = rpc(w.port, { origin: DAPP }, 'eth_sign', [ETH_0, '0xdeadbeef']);
    const request = await pendingRequest(w.admin);
    expect(request).toMatchObject({ method: 'eth_sign', request: { type: 'eth.message', message: '0xdeadbeef', encoding: 'hex' } });
    await w.admin.approveRequest(request.id);
    expect(verifyMessage(getBytes('0xdeadbeef'), (await signing).result as string)).toBe(ETH_0);
    expect((await rpc(w.port, { origin: DAPP }, 'eth_sign', ['0xdeadbeef', ETH_0])).error?.code).toBe(-32602);
  });

  it('a page that goes away withdraws its connect prompt', async () => {
    const w = await world();
    const abort = new AbortController();
    const gone = post(w.port, call('eth_requestAccounts'), { origin: DAPP }, { abort: abort.signal }).catch((e: unknown) => e);
    await pendingPrompt(w.admin);
    abort.abort();
    await gone;
    await pending(() => (w.admin.walletPrompts().pending.length === 0 ? true : undefined));
    expect(w.admin.walletConnections()).toEqual([]);
  });

  it('a client that goes away withdraws its signing request', async () => {
    const w = await world();
    await connectDapp(w);
    const abort = new AbortController();
    const gone = post(w.port, call('personal_sign', ['0x01', ETH_0]), { origin: DAPP }, { abort: abort.signal }).catch((e: unknown) => e);
    await pendingRequest(w.admin);
    abort.abort();
    await gone;
    await pending(() => (w.admin.listRequests().pending.length === 0 ? true : undefined));
    expect(w.admin.listRequests().history[0]?.state).not.toBe('signed');
  });

  it('typed data: signed for its chain; a domain for another chain is -32602 before anything is queued', async () => {
    const w = await world();
    await connectDapp(w, { autoApprove: true });
    const typed = {
      types: { EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'chainId', type: 'uint256' }], Mail: [{ name: 'contents', type: 'string' }] },
      domain: { name: 'Ether Mail', chainId: 1337 },
      primaryType: 'Mail',
      message: { contents: 'Hello, Bob!' },
    };
    const sig = (await rpc(w.port, { origin: DAPP }, 'eth_signTypedData_v4', [ETH_0, JSON.stringify(typed)])).result as string;
    expect(verifyTypedData(typed.domain, { Mail: typed.types.Mail }, typed.message, sig)).toBe(ETH_0);
    const other = await rpc(w.port, { origin: DAPP }, 'eth_signTypedData_v4', [ETH_0, { ...typed, domain: { ...typed.domain, chainId: '0x1' } }]);
    expect(other.error).toMatchObject({ code: -32602, message: expect.stringMatching(/chain 1, but this connection is on chain 1337/) });
    expect((await rpc(w.port, { origin: DAPP }, 'eth_signTypedData_v4', [ETH_0, '{not json'])).error?.code).toBe(-32602);
  });

  it('switches among the configured chains only; adding a chain is the operator\'s configuration', async () => {
    const w = await world();
    await connectDapp(w);
    expect((await rpc(w.port, { origin: DAPP }, 'wallet_switchEthereumChain', [{ chainId: '0x1' }])).result).toBeNull();
    expect((await rpc(w.port, { origin: DAPP }, 'eth_chainId')).result).toBe('0x1');
    expect((await rpc(w.port, { origin: DAPP }, 'net_version')).result).toBe('1');
    expect((await rpc(w.port, { origin: DAPP }, 'wallet_switchEthereumChain', [{ chainId: '0x5' }])).error?.code).toBe(4902);
    expect((await rpc(w.port, { origin: DAPP }, 'wallet_switchEthereumChain', [{ chainId: '5' }])).error?.code).toBe(-32602);
    expect((await rpc(w.port, { origin: DAPP }, 'wallet_addEthereumChain', [{ chainId: '0x539', chainName: 'Ganache', rpcUrls: ['http://x'] }])).result).toBeNull();
    const added = await rpc(w.port, { origin: DAPP }, 'wallet_addEthereumChain', [{ chainId: '0x89', chainName: 'Polygon', rpcUrls: ['https://polygon.example'] }]);
    expect(added.error).toMatchObject({ code: 4001, message: expect.stringMatching(/operator configured/) });
    // Chain 1 has no upstream: reads and broadcasts say so.
    expect((await rpc(w.port, { origin: DAPP }, 'eth_blockNumber')).error).toMatchObject({ code: 4200, message: expect.stringMatching(/Ethereum has none configured/) });
    expect((await rpc(w.port, { origin: DAPP }, 'eth_sendTransaction', [{ from: ETH_0, to: ETH_1, value: '0x1' }])).error?.code).toBe(4200);
    const unsigned = await rpc(w.port, { origin: DAPP }, 'eth_signTransaction', [{ from: ETH_0, to: ETH_1, value: '0x1' }]);
    expect(unsigned.error).toMatchObject({ code: -32602, message: expect.stringMatching(/no nonce, gas, fees .* Ethereum has no upstream node/) });
    expect(w.admin.listRequests().pending).toEqual([]);
  });

  it('revokes its own permission, and is unconnected afterwards', async () => {
    const w = await world();
    await connectDapp(w);
    expect((await rpc(w.port, { origin: DAPP }, 'wallet_revokePermissions', [{ eth_accounts: {} }])).result).toBeNull();
    expect((await rpc(w.port, { origin: DAPP }, 'eth_accounts')).result).toEqual([]);
    expect(w.admin.walletConnections()).toEqual([]);
  });

  it('a locked vault: 4900', async () => {
    const w = await world();
    await connectDapp(w);
    await w.admin.lock();
    expect((await rpc(w.port, { origin: DAPP }, 'eth_accounts')).error?.code).toBe(4900);
    await w.admin.unlock(PASSPHRASE);
    expect((await rpc(w.port, { origin: DAPP }, 'eth_accounts')).result).toEqual([ETH_0]);
  });
});

// ------------------------------------------------------------------ a paired program with ethers

describe('a paired program with ethers v6', () => {
  function provider(w: World, token: string): JsonRpcProvider {
    const req = new FetchRequest(`http://127.0.0.1:${w.port}/`);
    req.setHeader('authorization', `Bearer ${token}`);
    const p = new JsonRpcProvider(req, undefined, { pollingInterval: 50, cacheTimeout: -1 });
    cleanups.push(async () => p.destroy());
    return p;
  }

  it('signs a message and typed data through JsonRpcSigner, and sends a transaction the node mines', async () => {
    const w = await world();
    const token = await pair(w, { autoApprove: true });
    const p = provider(w, token);
    expect((await p.getNetwork()).chainId).toBe(1337n);
    const signer = await p.getSigner(ETH_0);

    expect(verifyMessage('hello from ethers', await signer.signMessage('hello from ethers'))).toBe(ETH_0);
    const domain = { name: 'Permit', version: '1', chainId: 1337, verifyingContract: '0x00000000000000000000000000000000000dead0' };
    const types = { Permit: [{ name: 'owner', type: 'address' }, { name: 'value', type: 'uint256' }] };
    const value = { owner: ETH_0, value: 10n ** 18n };
    expect(verifyTypedData(domain, types, value, await signer.signTypedData(domain, types, value))).toBe(ETH_0);

    const before = await p.getBalance(ETH_1);
    const sent = await signer.sendTransaction({ to: ETH_1, value: 12345n });
    const receipt = await sent.wait();
    expect(receipt?.status).toBe(1);
    expect(await p.getBalance(ETH_1)).toBe(before + 12345n);
    // What the operator's queue held: the complete transaction, filled from the node before it was queued.
    const record = w.admin.listRequests().history.find((r) => r.method === 'eth_sendTransaction');
    const fields = JSON.parse(record?.request.type === 'eth.transaction' ? record.request.transaction : '{}') as Record<string, string>;
    expect(fields).toMatchObject({ from: ETH_0, chainId: '0x539', nonce: expect.stringMatching(/^0x[0-9a-f]+$/u), gas: expect.any(String), maxFeePerGas: expect.any(String), maxPriorityFeePerGas: expect.any(String) });
    expect(Transaction.from(record?.result?.primary.value ?? '').hash).toBe(sent.hash);
  });

  it('eth_signTransaction fills missing fields from the upstream; the operator approves through the facade', async () => {
    const w = await world();
    const token = await pair(w, { autoApprove: false });
    const signing = rpc(w.port, { token }, 'eth_signTransaction', [{ from: ETH_0, to: ETH_1, value: '0x10' }]);
    const request = await pendingRequest(w.admin);
    expect(request.view.title).toMatch(/Send/);
    await w.admin.approveRequest(request.id);
    const raw = (await signing).result as string;
    const tx = Transaction.from(raw);
    expect([tx.from, tx.to, tx.value, tx.chainId, tx.type]).toEqual([ETH_0, ETH_1, 16n, 1337n, 2]);
    // Legacy on request: gasPrice from the node.
    const legacy = rpc(w.port, { token }, 'eth_signTransaction', [{ from: ETH_0, to: ETH_1, value: '0x10', type: '0x0' }]);
    await w.admin.approveRequest((await pendingRequest(w.admin)).id);
    expect(Transaction.from((await legacy).result as string)).toMatchObject({ type: 0, chainId: 1337n });
    // Another chain id than the connection's: refused before queueing.
    expect((await rpc(w.port, { token }, 'eth_signTransaction', [{ from: ETH_0, to: ETH_1, chainId: '0x1' }])).error?.code).toBe(-32602);
    expect((await rpc(w.port, { token }, 'eth_signTransaction', [{ from: ETH_1, to: ETH_0 }])).error?.code).toBe(4100);
  });

  it('two sends waiting for the operator at once get consecutive nonces, and both are mined', async () => {
    const w = await world();
    const token = await pair(w, { autoApprove: false });
    const first = rpc(w.port, { token }, 'eth_sendTransaction', [{ from: ETH_0, to: ETH_1, value: '0x1' }]);
    const a = await pendingRequest(w.admin);
    const second = rpc(w.port, { token }, 'eth_sendTransaction', [{ from: ETH_0, to: ETH_1, value: '0x2' }]);
    const b = await pending(() => w.admin.listRequests().pending.find((r) => r.id !== a.id));
    const nonce = (r: typeof a) => BigInt((JSON.parse(r.request.type === 'eth.transaction' ? r.request.transaction : '{}') as { nonce: string }).nonce);
    expect(nonce(b)).toBe(nonce(a) + 1n);
    await w.admin.approveRequest(a.id);
    await w.admin.approveRequest(b.id);
    const hashes = [(await first).result, (await second).result] as string[];
    for (const hash of hashes) expect((await rpc(w.port, { token }, 'eth_getTransactionReceipt', [hash])).result).toMatchObject({ status: '0x1' });
    // A rejected send gives its nonce back: the next one asks the node again.
    const rejected = rpc(w.port, { token }, 'eth_sendTransaction', [{ from: ETH_0, to: ETH_1, value: '0x3' }]);
    const c = await pendingRequest(w.admin);
    await w.admin.rejectRequest(c.id);
    expect((await rejected).error?.code).toBe(4001);
    const next = rpc(w.port, { token }, 'eth_sendTransaction', [{ from: ETH_0, to: ETH_1, value: '0x4' }]);
    const d = await pendingRequest(w.admin);
    expect(nonce(d)).toBe(nonce(c));
    await w.admin.approveRequest(d.id);
    expect((await next).result).toMatch(/^0x[0-9a-f]{64}$/u);
  });

  it('reads are forwarded to the chain upstream from an allow-list only', async () => {
    const w = await world();
    const token = await pair(w);
    // ETH_1 never sends in these tests (ETH_0 does, on the node all tests share).
    expect((await rpc(w.port, { token }, 'eth_getTransactionCount', [ETH_1, 'latest'])).result).toBe('0x0');
    expect((await rpc(w.port, { token }, 'eth_blockNumber')).result).toMatch(/^0x[0-9a-f]+$/u);
    // The node's own accounts and admin methods are not ours to forward.
    expect((await rpc(w.port, { token }, 'evm_mine')).error?.code).toBe(-32601);
    expect((await rpc(w.port, { token }, 'eth_sendRawTransaction', ['0x00'])).error?.code).toBe(4200);
  });
});

// ------------------------------------------------------------------ WebSocket

interface Ws {
  ws: WebSocket;
  messages: unknown[];
  next(predicate: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  closed: Promise<number>;
}

function openWs(port: number, headers: Record<string, string>): Promise<Ws> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { headers });
    const messages: Record<string, unknown>[] = [];
    const waiters: { p: (m: Record<string, unknown>) => boolean; r: (m: Record<string, unknown>) => void }[] = [];
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Record<string, unknown>;
      messages.push(m);
      for (const w of waiters.splice(0)) {
        if (w.p(m)) w.r(m);
        else waiters.push(w);
      }
    });
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`status ${res.statusCode}`)));
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        messages,
        closed,
        next: (p) => {
          const seen = messages.find(p);
          if (seen !== undefined) {
            messages.splice(messages.indexOf(seen), 1);
            return Promise.resolve(seen);
          }
          return new Promise((r) => waiters.push({ p, r: (m) => (messages.splice(messages.indexOf(m), 1), r(m)) }));
        },
      }),
    );
  });
}

const event = (name: string) => (m: Record<string, unknown>) => m.method === 'custos_event' && (m.params as { event: string }).event === name;

describe('WebSocket', () => {
  it('refuses a cross-site page (Origin without a grant), no credentials, and a foreign Host', async () => {
    const w = await world();
    await expect(openWs(w.port, { origin: 'https://evil.example' })).rejects.toThrow('status 403');
    await expect(openWs(w.port, {})).rejects.toThrow('status 401');
    await expect(openWs(w.port, { authorization: 'Bearer cwc_nope' })).rejects.toThrow('status 401');
    await expect(openWs(w.port, { origin: 'null' })).rejects.toThrow('status 403');
    await expect(openWs(w.port, { origin: DAPP, host: `evil.example:${w.port}` })).rejects.toThrow('status 421');
    expect(w.events.filter((e) => e.type === 'wallet.refused').map((e) => (e.type === 'wallet.refused' ? e.status : 0))).toEqual([403, 401, 401, 403]);
  });

  it('a connected origin: JSON-RPC over the socket, chainChanged and accountsChanged pushed, revocation closes it', async () => {
    const w = await world();
    await connectDapp(w);
    const s = await openWs(w.port, { origin: DAPP });
    s.ws.send(call('eth_chainId', [], 'c'));
    expect(await s.next((m) => m.id === 'c')).toEqual({ jsonrpc: '2.0', id: 'c', result: '0x539' });
    s.ws.send(JSON.stringify([JSON.parse(call('eth_accounts', [], 'a')) as unknown, JSON.parse(call('nope', [], 'n')) as unknown]));
    expect(await s.next((m) => Array.isArray(m))).toEqual([
      { jsonrpc: '2.0', id: 'a', result: [ETH_0] },
      { jsonrpc: '2.0', id: 'n', error: expect.objectContaining({ code: -32601 }) },
    ]);

    const connectionId = w.admin.walletConnections()[0]?.id ?? '';
    await w.admin.updateWalletConnection(connectionId, { chainId: '1' });
    expect(await s.next(event('chainChanged'))).toEqual({ jsonrpc: '2.0', method: 'custos_event', params: { event: 'chainChanged', data: '0x1' } });
    await w.admin.updateWalletConnection(connectionId, { accounts: [HD(1), HD(0)] });
    expect((await s.next(event('accountsChanged'))).params).toEqual({ event: 'accountsChanged', data: [ETH_1, ETH_0] });
    // The client's own switch over the socket is announced too.
    s.ws.send(call('wallet_switchEthereumChain', [{ chainId: '0x539' }], 'sw'));
    expect(await s.next((m) => m.id === 'sw')).toMatchObject({ result: null });
    expect((await s.next(event('chainChanged'))).params).toEqual({ event: 'chainChanged', data: '0x539' });

    await w.admin.lock();
    expect((await s.next(event('disconnect'))).params).toMatchObject({ event: 'disconnect', data: { code: 4900 } });
    await w.admin.unlock(PASSPHRASE);
    expect((await s.next(event('connect'))).params).toEqual({ event: 'connect', data: { chainId: '0x539' } });

    await w.admin.revokeWalletConnection(connectionId);
    expect((await s.next(event('accountsChanged'))).params).toEqual({ event: 'accountsChanged', data: [] });
    expect(await s.closed).toBe(4100);
  });

  it('a paired token: a signature waiting for the operator does not hold up other calls; the socket closing withdraws it', async () => {
    const w = await world();
    const token = await pair(w, { autoApprove: false });
    const s = await openWs(w.port, { authorization: `Bearer ${token}` });
    s.ws.send(call('personal_sign', ['0x6869', ETH_0], 'sig'));
    await pendingRequest(w.admin);
    s.ws.send(call('eth_accounts', [], 'acc'));
    expect(await s.next((m) => m.id === 'acc')).toMatchObject({ result: [ETH_0] });
    s.ws.close();
    await s.closed;
    await pending(() => (w.admin.listRequests().pending.length === 0 ? true : undefined));
  });

  it('an oversize message closes the socket (1009)', async () => {
    const w = await world({ maxBodyBytes: 2048 });
    const token = await pair(w);
    const s = await openWs(w.port, { authorization: `Bearer ${token}` });
    s.ws.send(call('personal_sign', ['x'.repeat(4000), ETH_0]));
    expect(await s.closed).toBe(1009);
    expect(w.admin.listRequests().pending).toEqual([]);
  });
});
