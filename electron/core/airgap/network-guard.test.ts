/**
 * The network guard against real sockets: a loopback HTTP server started before the guard is
 * unreachable once it is installed (http.get, fetch, net.connect), UDP, DNS and a wildcard listen
 * are refused with the typed error and counted, the one loopback listen allowListen accepts works,
 * a Unix-domain socket works, and uninstall puts everything back.
 */
import dgram from 'node:dgram';
import dns from 'node:dns';
import { lookup as lookupNamed } from 'node:dns';
import dnsPromises from 'node:dns/promises';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CustodyError } from '../../../shared/errors.js';
import { tempDir } from '../../../test/helpers.js';
import { installNetworkGuard, isLoopbackLiteral, type NetworkGuard } from './network-guard.js';

let guard: NetworkGuard | undefined;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  guard?.uninstall();
  guard = undefined;
  for (const c of cleanups.splice(0).reverse()) await c();
});

const REFUSED = /^air-gapped mode: .+ refused \(no network in air-gapped mode\)$/;

function expectRefusal(error: unknown, what: RegExp): void {
  expect(error).toBeInstanceOf(CustodyError);
  expect((error as CustodyError).code).toBe('UNSUPPORTED');
  expect((error as CustodyError).message).toMatch(REFUSED);
  expect((error as CustodyError).message).toMatch(what);
}

async function loopbackServer(): Promise<{ port: number; url: string }> {
  const server = http.createServer((_req, res) => res.end('hello'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { port, url: `http://127.0.0.1:${port}/` };
}

/** A fresh connection each time (no keep-alive pool): what the guard sees is this request's own connect. */
function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describe('installNetworkGuard', () => {
  it('refuses outgoing connections to a server that was reachable before: http.get, fetch, net.connect', async () => {
    const { port, url } = await loopbackServer();
    expect(await httpGet(url)).toBe('hello');
    guard = installNetworkGuard();

    expectRefusal(await httpGet(url).catch((e: unknown) => e), new RegExp(`connection to 127\\.0\\.0\\.1:${port}`));
    const fetched = await fetch(url).catch((e: unknown) => e);
    expect(fetched).toBeInstanceOf(TypeError);
    expectRefusal((fetched as TypeError).cause, /connection to/);
    const socket = net.connect(port, '127.0.0.1');
    expectRefusal((await once(socket, 'error'))[0], new RegExp(`connection to 127\\.0\\.0\\.1:${port}`));
    const named = net.connect({ host: 'example.com', port: 443 });
    expectRefusal((await once(named, 'error'))[0], /connection to example\.com:443/);

    expect(guard.attempts().map((a) => a.kind)).toEqual(['connect', 'connect', 'connect', 'connect']);
  });

  it('refuses UDP bind and send, and every DNS path (callback, promise, Resolver, named ES import)', async () => {
    guard = installNetworkGuard();
    const bound = dgram.createSocket('udp4');
    cleanups.push(() => void bound.close());
    bound.bind(0, '127.0.0.1');
    expectRefusal((await once(bound, 'error'))[0], /UDP bind/);
    const sender = dgram.createSocket('udp4');
    cleanups.push(() => void sender.close());
    const sent = await new Promise((resolve) => sender.send('x', 53, '127.0.0.1', resolve));
    expectRefusal(sent, /UDP send/);

    const looked = await new Promise((resolve) => dns.lookup('localhost', (e) => resolve(e)));
    expectRefusal(looked, /DNS lookup of localhost/);
    expectRefusal(await new Promise((resolve) => lookupNamed('localhost', (e) => resolve(e))), /DNS lookup/);
    expectRefusal(await dns.promises.lookup('example.com').catch((e: unknown) => e), /DNS lookup of example\.com/);
    expectRefusal(await dnsPromises.resolve4('example.com').catch((e: unknown) => e), /DNS resolve4/);
    expectRefusal(await new Promise((resolve) => dns.resolveTxt('example.com', (e) => resolve(e))), /DNS resolveTxt/);
    expectRefusal(await new Promise((resolve) => new dns.Resolver().resolve6('example.com', (e) => resolve(e))), /DNS resolve6/);
    expectRefusal(await new dnsPromises.Resolver().resolveMx('example.com').catch((e: unknown) => e), /DNS resolveMx/);

    expect(guard.attempts().map((a) => a.kind)).toEqual(['udp', 'udp', 'dns', 'dns', 'dns', 'dns', 'dns', 'dns', 'dns']);
  });

  it('refuses a wildcard or unapproved listen, lets through the one loopback listen allowListen accepts', async () => {
    const asked: string[] = [];
    guard = installNetworkGuard({ allowListen: (host, port) => (asked.push(`${host}:${port}`), host === '127.0.0.1' && port === 0) });

    const wildcard = net.createServer();
    wildcard.listen(0, '0.0.0.0');
    expectRefusal((await once(wildcard, 'error'))[0], /listening on 0\.0\.0\.0:0/);
    const everywhere = net.createServer();
    everywhere.listen(0);
    expectRefusal((await once(everywhere, 'error'))[0], /listening on \*:0/);
    const byName = net.createServer();
    byName.listen({ host: 'localhost', port: 0 });
    expectRefusal((await once(byName, 'error'))[0], /listening on localhost:0/);
    const otherLoopback = net.createServer();
    otherLoopback.listen({ host: '::1', port: 0 });
    expectRefusal((await once(otherLoopback, 'error'))[0], /listening on ::1:0/);
    // Only literal loopback addresses are ever put to allowListen.
    expect(asked).toEqual(['::1:0']);

    const allowed = http.createServer((_req, res) => res.end('ui'));
    allowed.listen({ host: '127.0.0.1', port: 0 });
    await once(allowed, 'listening');
    cleanups.push(() => new Promise<void>((resolve) => allowed.close(() => resolve())));
    expect((allowed.address() as AddressInfo).address).toBe('127.0.0.1');
    expect(guard.attempts().map((a) => `${a.kind} ${a.target}`)).toEqual(['listen 0.0.0.0:0', 'listen *:0', 'listen localhost:0', 'listen ::1:0']);
  });

  it('allows Unix-domain sockets: listen on and connect to a path', async () => {
    guard = installNetworkGuard();
    const path = join(tempDir(), 'ipc.sock');
    const server = net.createServer((s) => s.end('over unix'));
    server.listen(path);
    await once(server, 'listening');
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const client = net.connect(path);
    let received = '';
    client.on('data', (d: Buffer) => (received += d.toString()));
    await once(client, 'end');
    expect(received).toBe('over unix');
    expect(guard.attempts()).toEqual([]);
  });

  it('uninstall restores every path, and a second guard is refused while one is installed', async () => {
    const { url } = await loopbackServer();
    const originals = [net.Socket.prototype.connect, net.Server.prototype.listen, dgram.Socket.prototype.send, dns.lookup, dns.promises.lookup, dns.Resolver.prototype.resolve4];
    guard = installNetworkGuard();
    expect(() => installNetworkGuard()).toThrow(/already installed/);
    expect(net.Socket.prototype.connect).not.toBe(originals[0]);
    guard.uninstall();
    guard.uninstall();
    expect([net.Socket.prototype.connect, net.Server.prototype.listen, dgram.Socket.prototype.send, dns.lookup, dns.promises.lookup, dns.Resolver.prototype.resolve4]).toEqual(originals);
    expect(await httpGet(url)).toBe('hello');
    expect(await (await fetch(url)).text()).toBe('hello');
    expect(lookupNamed).toBe(dns.lookup);
    guard = installNetworkGuard();
  });
});

describe('isLoopbackLiteral', () => {
  it('accepts 127.0.0.0/8 and ::1 literals only', () => {
    for (const yes of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopbackLiteral(yes), yes).toBe(true);
    for (const no of ['localhost', '0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '::2', '::ffff:10.0.0.1', '*', '']) expect(isLoopbackLiteral(no), no).toBe(false);
  });
});
