/**
 * The shared loopback listener against real sockets: loopback-only binds, the Host check
 * (HTTP/1.1 and HTTP/2 `:authority`), the body limit (declared and streamed), slowloris
 * timeouts, IPv6 loopback, TLS and mutual TLS with certificates made by the openssl binary, and
 * close() ending keep-alive connections and HTTP/2 sessions. Raw `node:http`/`node:http2`/`net`
 * clients so that every header is what the test says.
 */
import { request as httpRequest, Agent } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import { connect as netConnect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CustodyError } from '../../shared/errors.js';
import { makeTestPki, type TestPki } from '../../test/certs.js';
import { isAllowedHost, isLoopbackAddress, startLoopbackServer, type LoopbackEvent, type LoopbackHandler, type LoopbackServer, type LoopbackServerOptions } from './loopback.js';

interface Reply {
  status: number;
  body: string;
}

const servers: LoopbackServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** Echo: answers 200 with the number of body bytes it read and the protocol version. */
const echo: LoopbackHandler = (req, res) => {
  let n = 0;
  req.on('data', (c: Buffer) => (n += c.length));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${req.httpVersion} ${n}`);
  });
};

async function serve(options: Partial<LoopbackServerOptions> = {}): Promise<LoopbackServer & { events: LoopbackEvent[]; calls: () => number }> {
  const events: LoopbackEvent[] = [];
  let calls = 0;
  const inner = options.handler ?? echo;
  const s = await startLoopbackServer({
    name: 'test',
    bind: '127.0.0.1',
    port: 0,
    maxBodyBytes: 1024,
    onEvent: (e) => events.push(e),
    ...options,
    handler: (req, res) => {
      calls++;
      inner(req, res);
    },
  });
  servers.push(s);
  return Object.assign(s, { events, calls: () => calls });
}

function h1(port: number, options: { host?: string; method?: string; body?: Buffer; chunked?: boolean; address?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: options.host ?? `127.0.0.1:${port}`, ...options.headers };
    if (options.body !== undefined && options.chunked !== true) headers['Content-Length'] = String(options.body.length);
    const req = httpRequest({ host: options.address ?? '127.0.0.1', port, path: '/x', method: options.method ?? 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (options.body !== undefined && options.chunked === true) {
      // Several chunks, none declaring the total.
      for (let i = 0; i < options.body.length; i += 256) req.write(options.body.subarray(i, i + 256));
    } else if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

function h2(session: ClientHttp2Session, authority: string, body?: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': '/x', ':authority': authority });
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
    stream.on('error', (e) => (status === 0 ? reject(e) : resolve({ status, body: Buffer.concat(chunks).toString('utf8') })));
    if (body !== undefined) {
      for (let i = 0; i < body.length; i += 256) stream.write(body.subarray(i, i + 256));
    }
    stream.end();
  });
}

function closed(socket: Socket): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve) => socket.once('close', () => resolve(Date.now() - t0)));
}

describe('binding', () => {
  it.each(['0.0.0.0', '::', '192.168.1.10', 'example.com', ''])('refuses to listen on %j', async (bind) => {
    await expect(startLoopbackServer({ name: 't', bind: bind as '127.0.0.1', port: 0, handler: echo })).rejects.toSatisfy((e: unknown) => e instanceof CustodyError && e.code === 'INVALID_INPUT');
  });

  it('refuses a port in use with a typed error', async () => {
    const a = await serve();
    await expect(startLoopbackServer({ name: 't', bind: '127.0.0.1', port: a.port, handler: echo })).rejects.toSatisfy((e: unknown) => e instanceof CustodyError && e.code === 'INVALID_INPUT' && /in use/.test(e.message));
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.5.6.7', '::1', '::ffff:127.0.0.1'].every(isLoopbackAddress)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', 'localhost'].some(isLoopbackAddress)).toBe(false);
  });

  it('matches Host exactly, port included', () => {
    expect(isAllowedHost('127.0.0.1:80', 80)).toBe(true);
    expect(isAllowedHost('LOCALHOST:80', 80)).toBe(true);
    expect(isAllowedHost('127.0.0.1', 80)).toBe(false);
    expect(isAllowedHost('127.0.0.1:81', 80)).toBe(false);
    expect(isAllowedHost('evil.example:80', 80)).toBe(false);
    expect(isAllowedHost('[::1]:80', 80)).toBe(false);
    expect(isAllowedHost('[::1]:80', 80, ['[::1]'])).toBe(true);
    expect(isAllowedHost(undefined, 80)).toBe(false);
  });
});

describe('HTTP/1.1', () => {
  it('serves a request that names us, under either name', async () => {
    const s = await serve();
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
    expect(await h1(s.port, { body: Buffer.from('hello') })).toEqual({ status: 200, body: '1.1 5' });
    expect((await h1(s.port, { host: `localhost:${s.port}` })).status).toBe(200);
  });

  it.each(['evil.example', 'evil.example:PORT', '127.0.0.1:1', '[::1]:PORT', '127.0.0.1.nip.io:PORT'])('refuses Host %s with 421 before the handler runs (DNS rebinding)', async (host) => {
    const s = await serve();
    const r = await h1(s.port, { host: host.replace('PORT', String(s.port)) });
    expect(r.status).toBe(421);
    expect(s.calls()).toBe(0);
    expect(s.events).toContainEqual({ type: 'http.refused', server: 'test', status: 421, reason: 'host' });
  });

  it('refuses a declared oversize body with 413 before the handler runs', async () => {
    const s = await serve();
    const r = await h1(s.port, { body: Buffer.alloc(1025) });
    expect(r.status).toBe(413);
    expect(s.calls()).toBe(0);
    expect((await h1(s.port, { body: Buffer.alloc(1024) })).body).toBe('1.1 1024');
  });

  it('cuts a chunked body at the limit while it streams: 413, and the handler never sees the excess', async () => {
    let handed = 0;
    const s = await serve({
      handler: (req, res) => {
        req.on('data', (c: Buffer) => (handed += c.length));
        req.on('end', () => res.end('read it all'));
      },
    });
    const r = await h1(s.port, { body: Buffer.alloc(4096), chunked: true });
    expect(r.status).toBe(413);
    expect(handed).toBeLessThanOrEqual(1024);
    expect(s.events).toContainEqual({ type: 'http.refused', server: 'test', status: 413, reason: 'size' });
  });

  it('drops a connection whose headers trickle in (slowloris)', async () => {
    const s = await serve({ headersTimeoutMs: 200 });
    const socket = netConnect(s.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n`);
    const tick = setInterval(() => socket.write('X-Slow: 1\r\n'), 50);
    const ms = await closed(socket);
    clearInterval(tick);
    expect(ms).toBeLessThan(2000);
    expect(s.calls()).toBe(0);
  });

  it('answers 408 to a body that does not arrive in time', async () => {
    const s = await serve({ requestTimeoutMs: 200 });
    const socket = netConnect(s.port, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.write(`POST / HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nContent-Length: 100\r\n\r\n0123456789`);
    await closed(socket);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes an idle keep-alive connection after headersTimeoutMs, and close() ends the rest', async () => {
    const s = await serve({ headersTimeoutMs: 300 });
    const socket = netConnect(s.port, '127.0.0.1');
    socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n\r\n`);
    await new Promise((r) => socket.once('data', r));
    expect(await closed(socket)).toBeLessThan(2000);

    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port: s.port, path: '/', headers: { Host: `127.0.0.1:${s.port}` }, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      })
        .on('error', reject)
        .end();
    });
    const idle = Object.values(agent.freeSockets).flat()[0] as Socket;
    expect(idle).toBeDefined();
    const t0 = Date.now();
    const gone = closed(idle);
    await s.close();
    await gone;
    expect(Date.now() - t0).toBeLessThan(1000);
    agent.destroy();
  });
});

/** Send raw upgrade request bytes; resolve with everything the server wrote before closing (or after `waitMs` of quiet). */
function rawUpgrade(port: number, host: string, waitMs = 0): Promise<{ text: string; socket: Socket }> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('error', () => undefined);
    socket.write(`GET /ws HTTP/1.1\r\nHost: ${host}\r\nConnection: Upgrade\r\nUpgrade: test-proto\r\n\r\n`);
    if (waitMs > 0) setTimeout(() => resolve({ text, socket }), waitMs);
    else socket.once('close', () => resolve({ text, socket }));
  });
}

describe('upgrade hook', () => {
  it('hands an upgrade that names us to onUpgrade and stops timing the socket out', async () => {
    const s = await serve({
      headersTimeoutMs: 150,
      closeGraceMs: 100,
      onUpgrade: (_req, socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test-proto\r\n\r\n'),
    });
    const { text, socket } = await rawUpgrade(s.port, `127.0.0.1:${s.port}`, 600);
    expect(text).toMatch(/^HTTP\/1\.1 101 /);
    // Four headers timeouts later, the upgraded socket is still ours and open.
    expect(socket.destroyed).toBe(false);
    const gone = closed(socket);
    await s.close();
    await gone;
    expect(s.calls()).toBe(0);
  });

  it('refuses an upgrade with a foreign Host (421) before onUpgrade runs', async () => {
    let upgrades = 0;
    const s = await serve({ onUpgrade: (_req, socket) => void (upgrades++, socket.destroy()) });
    const { text } = await rawUpgrade(s.port, `evil.example:${s.port}`);
    expect(text).toMatch(/^HTTP\/1\.1 421 /);
    expect(upgrades).toBe(0);
    expect(s.events).toContainEqual({ type: 'http.refused', server: 'test', status: 421, reason: 'host' });
  });

  it('without onUpgrade, an upgrade request is an ordinary request for the handler', async () => {
    const s = await serve({ headersTimeoutMs: 2000 });
    const { text } = await rawUpgrade(s.port, `127.0.0.1:${s.port}`, 300);
    expect(text).toMatch(/^HTTP\/1\.1 200 /);
    expect(s.calls()).toBe(1);
  });
});

describe('HTTP/2 (h2c) on the same port', () => {
  it('serves HTTP/2 and HTTP/1.1 side by side, and refuses a foreign :authority with 421', async () => {
    const s = await serve({ http2: true });
    const session = http2Connect(s.url);
    try {
      expect(await h2(session, `127.0.0.1:${s.port}`, Buffer.from('abc'))).toEqual({ status: 200, body: '2.0 3' });
      const bad = await h2(session, `evil.example:${s.port}`);
      expect(bad.status).toBe(421);
      expect(s.calls()).toBe(1);
      expect(await h1(s.port, { body: Buffer.from('abcd') })).toEqual({ status: 200, body: '1.1 4' });
    } finally {
      session.close();
    }
  });

  it('cuts a streamed HTTP/2 body at the limit with 413', async () => {
    const s = await serve({ http2: true });
    const session = http2Connect(s.url);
    session.on('error', () => undefined);
    try {
      const r = await h2(session, `127.0.0.1:${s.port}`, Buffer.alloc(4096));
      expect(r.status).toBe(413);
    } finally {
      session.close();
    }
  });

  it('answers 408 to a stream whose body does not arrive in time, and closes a session left idle', async () => {
    const s = await serve({ http2: true, requestTimeoutMs: 200, idleTimeoutMs: 300 });
    const session = http2Connect(s.url);
    session.on('error', () => undefined);
    const stream = session.request({ ':method': 'POST', ':path': '/x', ':authority': `127.0.0.1:${s.port}` });
    stream.write('partial');
    const status = await new Promise<number>((resolve) => stream.on('response', (h) => resolve(Number(h[':status']))));
    expect(status).toBe(408);
    stream.on('error', () => undefined);
    const t0 = Date.now();
    await new Promise<void>((resolve) => session.once('close', () => resolve()));
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('close() sends GOAWAY to open sessions and resolves', async () => {
    const s = await serve({ http2: true });
    const session = http2Connect(s.url);
    await h2(session, `127.0.0.1:${s.port}`);
    const goaway = new Promise<void>((resolve) => session.once('goaway', () => resolve()));
    const gone = new Promise<void>((resolve) => session.once('close', () => resolve()));
    await s.close();
    await goaway;
    await gone;
  });
});

const ipv6 = await (async () => {
  try {
    const s = await startLoopbackServer({ name: 'probe', bind: '::1', port: 0, handler: echo });
    await s.close();
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!ipv6)('IPv6 loopback', () => {
  it('binds ::1 and answers to [::1]:PORT and localhost:PORT only', async () => {
    const s = await serve({ bind: '::1', http2: true });
    expect(s.address).toBe('::1');
    expect(s.url).toBe(`http://[::1]:${s.port}`);
    expect((await h1(s.port, { address: '::1', host: `[::1]:${s.port}` })).status).toBe(200);
    expect((await h1(s.port, { address: '::1', host: `localhost:${s.port}` })).status).toBe(200);
    expect((await h1(s.port, { address: '::1', host: `127.0.0.1:${s.port}` })).status).toBe(421);
    await expect(h1(s.port, { address: '127.0.0.1' })).rejects.toThrow();
    const session = http2Connect(s.url);
    try {
      expect((await h2(session, `[::1]:${s.port}`)).status).toBe(200);
    } finally {
      session.close();
    }
  });
});

describe('TLS and mutual TLS', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki();
  });
  afterAll(() => pki.remove());

  function https(port: number, client: { cert?: string; key?: string } = {}, host = `127.0.0.1:${port}`): Promise<Reply & { authorized: boolean }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/', method: 'GET', ca: pki.caCert, servername: 'localhost', headers: { Host: host }, agent: false, ...client }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), authorized: (res.socket as unknown as { authorized: boolean }).authorized }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('serves HTTPS and h2 over TLS with a certificate the client verifies against its CA', async () => {
    const s = await serve({ http2: true, tls: { cert: pki.serverCert, key: pki.serverKey } });
    expect(s.url).toBe(`https://127.0.0.1:${s.port}`);
    const r = await https(s.port);
    expect(r).toMatchObject({ status: 200, body: '1.1 0', authorized: true });
    expect((await https(s.port, {}, `evil.example:${s.port}`)).status).toBe(421);
    const session = http2Connect(s.url, { ca: pki.caCert });
    try {
      expect(await h2(session, `127.0.0.1:${s.port}`)).toEqual({ status: 200, body: '2.0 0' });
    } finally {
      session.close();
    }
  });

  it('drops a connection that never finishes its TLS handshake', async () => {
    const s = await serve({ http2: true, headersTimeoutMs: 200, tls: { cert: pki.serverCert, key: pki.serverKey } });
    const socket = netConnect(s.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(Buffer.from([0x16, 0x03, 0x01])); // the start of a ClientHello, and then nothing
    expect(await closed(socket)).toBeLessThan(2000);
  });

  it('mutual TLS: a client certificate from the CA is served; none, or one from another CA, is refused in the handshake', async () => {
    let peer = '';
    const s = await serve({
      http2: true,
      tls: { cert: pki.serverCert, key: pki.serverKey, clientCa: pki.caCert },
      handler: (req, res) => {
        peer = (req.socket as unknown as { getPeerCertificate(): { subject: { CN: string } } }).getPeerCertificate().subject.CN;
        res.end('ok');
      },
    });
    expect((await https(s.port, { cert: pki.clientCert, key: pki.clientKey })).status).toBe(200);
    expect(peer).toBe('custos-test-client');
    await expect(https(s.port)).rejects.toThrow();
    await expect(https(s.port, { cert: pki.strangerCert, key: pki.strangerKey })).rejects.toThrow();
    expect(s.calls()).toBe(1);
    expect(s.events.filter((e) => e.type === 'connection.dropped' && e.reason === 'tls').length).toBeGreaterThanOrEqual(2);

    const session = http2Connect(s.url, { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey });
    try {
      expect((await h2(session, `localhost:${s.port}`)).status).toBe(200);
    } finally {
      session.close();
    }
  });
});
