/**
 * The upstream client against a real Ethereum node (ganache on a loopback port), and against a
 * port where nothing answers.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RPC, RpcError } from './jsonrpc.js';
import { startTestNode, type TestNode } from './test-node.js';
import { FORWARDED_METHODS, httpUpstream } from './upstream.js';

let node: TestNode;
let url: string;

beforeAll(async () => {
  node = await startTestNode({ chainId: 1337, accounts: 1 });
  url = node.url;
});
afterAll(async () => {
  await node.close();
});

async function refusal(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof RpcError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

/** A port that was free a moment ago: nothing listens there. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('httpUpstream', () => {
  it('calls the node and returns its result', async () => {
    const up = httpUpstream(url, 'Ganache');
    expect(await up.call('eth_chainId', [])).toBe('0x539');
    expect(await up.call('eth_getBalance', ['0x00000000000000000000000000000000000dEaD0', 'latest'])).toMatch(/^0x[0-9a-f]+$/u);
    expect(await up.call('eth_getTransactionCount', ['0x00000000000000000000000000000000000dEaD0', 'pending'])).toBe('0x0');
  });

  it("passes the node's JSON-RPC error on with its code", async () => {
    const e = await refusal(httpUpstream(url, 'Ganache').call('eth_getBalance', ['not an address', 'latest']));
    expect(e.code).not.toBe(RPC.INTERNAL);
    expect(e.message.length).toBeGreaterThan(0);
  });

  it('says 4901 without naming the URL (it may carry an API key) when the node does not answer', async () => {
    const secretUrl = `http://127.0.0.1:${await deadPort()}/v3/SECRET-API-KEY`;
    const e = await refusal(httpUpstream(secretUrl, 'Mainnet').call('eth_blockNumber', []));
    expect(e.code).toBe(RPC.CHAIN_DISCONNECTED);
    expect(e.message).toBe('the upstream node of Mainnet did not answer');
  });

  it('a node that answers something other than JSON-RPC, or answers without end, is 4901 too', async () => {
    const bad = createHttpServer((req, res) => {
      if (req.url === '/text') return void res.end('<html>gateway error</html>');
      if (req.url === '/array') return void res.end('[1,2]');
      // A valid answer of 17 MiB in 1 MiB chunks, no Content-Length: cut while it streams.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"jsonrpc":"2.0","id":1,"result":"');
      let sent = 0;
      const more = (): void => {
        while (sent < 17 && res.write(Buffer.alloc(1024 * 1024, 0x61))) sent++;
        if (sent >= 17) res.end('"}');
        else res.once('drain', () => (sent++, more()));
      };
      more();
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(bad.address() as { port: number }).port}`;
    try {
      for (const path of ['/text', '/array', '/huge']) {
        expect((await refusal(httpUpstream(base + path, 'Bad').call('eth_blockNumber', []))).code, path).toBe(RPC.CHAIN_DISCONNECTED);
      }
    } finally {
      bad.closeAllConnections();
      await new Promise((r) => bad.close(r));
    }
  });

  it('stops waiting when the caller withdraws', async () => {
    const abort = new AbortController();
    abort.abort();
    const e = await refusal(httpUpstream(url, 'Ganache').call('eth_blockNumber', [], abort.signal));
    expect(e.code).toBe(RPC.CHAIN_DISCONNECTED);
  });

  it('forwards reads only: nothing that writes, signs or names the node accounts', () => {
    for (const m of ['eth_sendRawTransaction', 'eth_sendTransaction', 'eth_sign', 'eth_accounts', 'personal_sign', 'eth_subscribe', 'admin_peers', 'debug_traceTransaction', 'personal_unlockAccount']) {
      expect(FORWARDED_METHODS.has(m)).toBe(false);
    }
  });
});
