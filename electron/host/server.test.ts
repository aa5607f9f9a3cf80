/**
 * The browser host against a real loopback server: login token → cookie, the refusals (no
 * cookie, wrong Host, wrong Origin, spent token, path traversal), and the renderer API over a
 * real WebSocket on a real vault. Raw `http.request` so that Host and Cookie are what the test
 * says, not what a client library decides.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { FAST_KDF, tempDir } from '../../test/helpers.js';
import type { WireMessage } from '../../shared/api/contract.js';
import { startHost, type Host, type HostEvent } from './server.js';
import { sessionCookieName } from './login.js';

const PASS = 'correct horse battery staple';
const MARKER = 'TOP-SECRET-OUTSIDE-THE-ROOT';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A renderer build stand-in, with files beside it that must never be served. */
function fixture(): string {
  const dir = tempDir('custos-host-');
  const www = join(dir, 'www');
  mkdirSync(join(www, 'assets'), { recursive: true });
  writeFileSync(join(www, 'index.html'), '<!doctype html><title>Custos</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(www, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(join(www, 'assets', 'app.css'), 'body{}');
  writeFileSync(join(www, 'assets', 'font.woff2'), 'x');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: MARKER }));
  writeFileSync(join(dir, 'secret.txt'), MARKER);
  return www;
}

const hosts: Host[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
});

async function host(events?: HostEvent[], tokenTtlMs?: number, lockWhenLastTabCloses?: boolean): Promise<Host> {
  const dataDir = tempDir();
  const h = await startHost({
    core: { dataDir, kdf: FAST_KDF },
    staticDir: fixture(),
    port: 0,
    version: '0.0.0-test',
    ...(tokenTtlMs === undefined ? {} : { tokenTtlMs }),
    ...(lockWhenLastTabCloses === undefined ? {} : { lockWhenLastTabCloses }),
    ...(events === undefined ? {} : { onEvent: (e: HostEvent) => events.push(e) }),
  });
  hosts.push(h);
  return h;
}

/** Trade the host's login URL for its cookie ("name=value"). */
async function login(h: Host, url = h.url): Promise<string> {
  const r = await get(h.port, new URL(url).pathname + new URL(url).search);
  expect(r.status).toBe(303);
  const setCookie = r.headers['set-cookie']?.[0] ?? '';
  return setCookie.split(';')[0] as string;
}

function openSocket(h: Host, options: { cookie?: string; origin?: string; host?: string; path?: string } = {}): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${h.port}${options.path ?? '/api'}`, {
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    headers: { ...(options.cookie === undefined ? {} : { Cookie: options.cookie }), Host: options.host ?? `127.0.0.1:${h.port}` },
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      reject(new Error(`refused ${res.statusCode}`));
    });
    ws.once('error', reject);
  });
}

/** A minimal client of the wire protocol: numbered calls, results matched by id, events kept. */
class Client {
  private next = 1;
  private readonly waiting = new Map<number, (m: WireMessage & { type: 'result' }) => void>();
  readonly events: { event: string; payload: unknown }[] = [];
  readonly stray: WireMessage[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as WireMessage;
      if (m.type === 'event') this.events.push({ event: m.event, payload: m.payload });
      else {
        const w = this.waiting.get(m.id);
        if (w === undefined) this.stray.push(m);
        else {
          this.waiting.delete(m.id);
          w(m);
        }
      }
    });
  }

  call(method: string, input: unknown): Promise<WireMessage & { type: 'result' }> {
    const id = this.next++;
    return this.sendRaw(JSON.stringify({ id, method, input }), id);
  }

  sendRaw(frame: string | Buffer, id: number): Promise<WireMessage & { type: 'result' }> {
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(frame);
    });
  }

  async value(method: string, input: unknown): Promise<unknown> {
    const m = await this.call(method, input);
    if (!m.result.ok) throw new Error(`${method}: ${m.result.error.code} ${m.result.error.message}`);
    return m.result.value;
  }
}

function noCors(headers: IncomingHttpHeaders): void {
  expect(Object.keys(headers).filter((k) => k.startsWith('access-control-'))).toEqual([]);
}

describe('browser host: login', () => {
  it('trades the one-time token for an HttpOnly SameSite=Strict cookie and a 303 to /; a second use is refused', async () => {
    const events: HostEvent[] = [];
    const h = await host(events);
    expect(h.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${h.port}/login\\?token=[A-Za-z0-9_-]{43}$`));
    const path = new URL(h.url).pathname + new URL(h.url).search;
    const first = await get(h.port, path);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    expect(first.headers['cache-control']).toBe('no-store');
    const cookie = first.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(new RegExp(`^${sessionCookieName(h.port)}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/$`));
    noCors(first.headers);

    const again = await get(h.port, path);
    expect(again.status).toBe(403);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(events.filter((e) => e.type === 'login')).toEqual([
      { type: 'login', ok: true },
      { type: 'login', ok: false },
    ]);

    // The cookie opens the app.
    const page = await get(h.port, '/', { Cookie: cookie.split(';')[0] as string });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Custos</title>');
  });

  it('refuses wrong, missing, repeated and expired tokens', async () => {
    const h = await host();
    for (const path of ['/login', '/login?token=', '/login?token=abc', `/login?token=${'A'.repeat(43)}`]) {
      expect((await get(h.port, path)).status, path).toBe(403);
    }
    const token = new URL(h.url).searchParams.get('token') as string;
    // Two tokens in one URL are not an invitation to try both.
    expect((await get(h.port, `/login?token=${token}&token=${token}`)).status).toBe(403);
    expect((await get(h.port, `/login?token=${token}`)).status).toBe(303);

    const short = await host(undefined, 1);
    await new Promise((r) => setTimeout(r, 10));
    expect((await get(short.port, new URL(short.url).pathname + new URL(short.url).search)).status).toBe(403);
  });

  it('mints further one-time URLs on request, each good once', async () => {
    const h = await host();
    const second = h.newLoginUrl();
    expect(second).not.toBe(h.url);
    await login(h, second);
    await login(h, h.url);
    expect((await get(h.port, new URL(second).pathname + new URL(second).search)).status).toBe(403);
  });
});

describe('browser host: HTTP refusals', () => {
  it('answers 401 with a plain page to everything but /login without a valid cookie, assets included', async () => {
    const h = await host();
    for (const path of ['/', '/index.html', '/assets/app.js', '/api', '/anything']) {
      const r = await get(h.port, path);
      expect(r.status, path).toBe(401);
      expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(r.body).toContain('Open the URL');
      expect(r.body).not.toContain('<title>Custos</title>');
    }
    const forged = await get(h.port, '/', { Cookie: `${sessionCookieName(h.port)}=${'A'.repeat(43)}` });
    expect(forged.status).toBe(401);
    // Another host's cookie name (another port) is not ours.
    const cookie = await login(h);
    const otherName = cookie.replace(sessionCookieName(h.port), sessionCookieName(h.port + 1));
    expect((await get(h.port, '/', { Cookie: otherName })).status).toBe(401);
    expect((await get(h.port, '/', { Cookie: `a=b; ${cookie}; c=d` })).status).toBe(200);
  });

  it('refuses any Host but 127.0.0.1:PORT and localhost:PORT (DNS rebinding), even with a valid cookie', async () => {
    const events: HostEvent[] = [];
    const h = await host(events);
    const cookie = await login(h);
    for (const bad of [`evil.example:${h.port}`, 'evil.example', '127.0.0.1', `127.0.0.1:${h.port + 1}`, `[::1]:${h.port}`, `127.0.0.1.nip.io:${h.port}`]) {
      const r = await get(h.port, '/', { Host: bad, Cookie: cookie });
      expect(r.status, bad).toBe(421);
      expect(r.body).not.toContain('<title>');
      noCors(r.headers);
    }
    const viaLogin = await get(h.port, new URL(h.newLoginUrl()).pathname + new URL(h.url).search, { Host: `evil.example:${h.port}` });
    expect(viaLogin.status).toBe(421);
    expect((await get(h.port, '/', { Host: `localhost:${h.port}`, Cookie: cookie })).status).toBe(200);
    expect((await get(h.port, '/', { Host: `LOCALHOST:${h.port}`, Cookie: cookie })).status).toBe(200);
    expect(events.some((e) => e.type === 'http.refused' && e.reason === 'host')).toBe(true);
  });

  it('refuses path traversal in every spelling, and dotfiles', async () => {
    const h = await host();
    const cookie = await login(h);
    const attempts = [
      '/../package.json',
      '/../secret.txt',
      '/%2e%2e/package.json',
      '/%2E%2E/secret.txt',
      '/..%2fpackage.json',
      '/..%2Fsecret.txt',
      '/%2e%2e%2fpackage.json',
      '/assets/../../secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%5csecret.txt',
      '/..\\secret.txt',
      '/%252e%252e/secret.txt',
      '/assets//../../secret.txt',
      '/.%2e/secret.txt',
      '/%00/secret.txt',
      '/%zz',
      '/.env',
    ];
    for (const path of attempts) {
      const r = await get(h.port, path, { Cookie: cookie });
      expect([400, 404], path).toContain(r.status);
      expect(r.body, path).not.toContain(MARKER);
    }
    expect((await get(h.port, '/../package.json', { Cookie: cookie })).status).toBe(400);
  });

  it('serves files with their MIME type, nosniff, no-referrer, the CSP, no-store for HTML, and no CORS headers', async () => {
    const h = await host();
    const cookie = await login(h);
    const html = await get(h.port, '/', { Cookie: cookie });
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers['cache-control']).toBe('no-store');
    expect(html.headers['x-content-type-options']).toBe('nosniff');
    expect(html.headers['referrer-policy']).toBe('no-referrer');
    const csp = html.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${h.port} ws://localhost:${h.port}`);
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    noCors(html.headers);

    const js = await get(h.port, '/assets/app.js', { Cookie: cookie, Origin: 'http://evil.example' });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cross-origin-resource-policy']).toBe('same-origin');
    noCors(js.headers);
    expect((await get(h.port, '/assets/app.css', { Cookie: cookie })).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get(h.port, '/assets/font.woff2', { Cookie: cookie })).headers['content-type']).toBe('font/woff2');
    expect((await get(h.port, '/assets/missing.js', { Cookie: cookie })).status).toBe(404);
    expect((await get(h.port, '/keys/default', { Cookie: cookie })).status).toBe(404);
    const head = await get(h.port, '/', { Cookie: cookie }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const post = await get(h.port, '/', { Cookie: cookie }, 'POST');
    expect(post.status).toBe(405);
    const options = await get(h.port, '/', { Cookie: cookie, Origin: 'http://evil.example', 'Access-Control-Request-Method': 'GET' }, 'OPTIONS');
    expect(options.status).toBe(405);
    noCors(options.headers);
  });
});

describe('browser host: the API WebSocket', () => {
  it('refuses a wrong Origin, a missing Origin, a missing cookie, a wrong Host and a wrong path', async () => {
    const events: HostEvent[] = [];
    const h = await host(events);
    const cookie = await login(h);
    const own = h.origin;
    await expect(openSocket(h, { cookie, origin: 'http://evil.example' })).rejects.toThrow('refused 403');
    await expect(openSocket(h, { cookie, origin: `http://127.0.0.1:${h.port + 1}` })).rejects.toThrow('refused 403');
    await expect(openSocket(h, { cookie, origin: `http://localhost:${h.port}` })).rejects.toThrow('refused 403'); // not the origin of a page served under Host 127.0.0.1
    await expect(openSocket(h, { cookie, origin: 'null' })).rejects.toThrow('refused 403');
    await expect(openSocket(h, { cookie })).rejects.toThrow('refused 403');
    await expect(openSocket(h, { origin: own })).rejects.toThrow('refused 401');
    await expect(openSocket(h, { origin: own, cookie: `${sessionCookieName(h.port)}=${'B'.repeat(43)}` })).rejects.toThrow('refused 401');
    await expect(openSocket(h, { cookie, origin: `http://evil.example:${h.port}`, host: `evil.example:${h.port}` })).rejects.toThrow('refused 421');
    await expect(openSocket(h, { cookie, origin: own, path: '/api?x=1' })).rejects.toThrow('refused 404');
    await expect(openSocket(h, { cookie, origin: own, path: '/' })).rejects.toThrow('refused 404');
    expect(events.find((e) => e.type === 'ws.refused' && e.reason === 'origin')).toEqual({ type: 'ws.refused', status: 403, reason: 'origin', session: true });
    // And the right one works, under either name.
    (await openSocket(h, { cookie, origin: own })).close();
    const lhCookie = await login(h, h.newLoginUrl());
    (await openSocket(h, { cookie: lhCookie, origin: `http://localhost:${h.port}`, host: `localhost:${h.port}` })).close();
  });

  it('serves the renderer API: status, init, generate, list, with keys.changed and audit.appended events', async () => {
    const h = await host();
    const cookie = await login(h);
    const c = new Client(await openSocket(h, { cookie, origin: h.origin }));
    expect(await c.value('vault.status', {})).toMatchObject({ initialized: false, unlocked: false, session: null });
    expect(await c.value('vault.init', { passphrase: PASS })).toMatchObject({ initialized: true, unlocked: true, session: { principal: 'admin' } });
    expect(await c.value('keys.generate', { namespace: 'default', id: 'k1', algorithm: 'ed25519' })).toMatchObject({ id: 'k1', algorithm: 'ed25519', state: 'active' });
    expect(await c.value('keys.list', {})).toEqual([expect.objectContaining({ namespace: 'default', id: 'k1' })]);
    await expect.poll(() => c.events.map((e) => e.event)).toEqual(expect.arrayContaining(['vault.changed', 'keys.changed', 'audit.appended']));
    expect(c.events.filter((e) => e.event === 'keys.changed').map((e) => e.payload)).toContainEqual({ namespace: 'default', id: 'k1' });
    expect((c.events.find((e) => e.event === 'audit.appended')?.payload as { size: number }).size).toBeGreaterThan(0);

    // A second socket is its own, signed-out connection; it hears that the vault changed, but not key names.
    const other = new Client(await openSocket(h, { cookie, origin: h.origin }));
    expect(await other.value('vault.status', {})).toMatchObject({ initialized: true, unlocked: true, session: null });
    expect((await other.call('keys.list', {})).result).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
    await c.value('keys.generate', { namespace: 'default', id: 'k2', algorithm: 'ed25519' });
    await expect.poll(() => c.events.filter((e) => e.event === 'keys.changed').map((e) => e.payload)).toContainEqual({ namespace: 'default', id: 'k2' });
    expect(other.events.filter((e) => e.event === 'keys.changed')).toEqual([]);
    // Audit events name the transport and the page's origin.
    const audit = (await c.value('audit.query', { action: 'key.generate', limit: 5 })) as { client: Record<string, string> }[];
    expect(audit[0]?.client).toMatchObject({ transport: 'host', origin: h.origin });
    c.ws.close();
    other.ws.close();
  });

  it('ends a closed socket’s session, and locks the vault when the last socket closes', async () => {
    const h = await host();
    const cookie = await login(h);
    const a = new Client(await openSocket(h, { cookie, origin: h.origin }));
    await a.value('vault.init', { passphrase: PASS });
    const b = new Client(await openSocket(h, { cookie, origin: h.origin }));
    await b.value('vault.unlock', { passphrase: PASS });
    a.ws.close();
    await expect.poll(async () => ((await b.value('audit.query', { action: 'auth.logout' })) as unknown[]).length).toBe(1);
    expect(h.custodian.status().unlocked).toBe(true); // b is still there
    b.ws.close();
    await expect.poll(() => h.custodian.status().unlocked).toBe(false);
  });

  it('with API servers beside it (lockWhenLastTabCloses: false) the last tab ends its session but leaves the vault unlocked', async () => {
    const h = await host(undefined, undefined, false);
    const cookie = await login(h);
    const a = new Client(await openSocket(h, { cookie, origin: h.origin }));
    await a.value('vault.init', { passphrase: PASS });
    a.ws.close();
    await expect.poll(async () => (await h.custodian.forTransport({ transport: 'test' }).login('admin', new TextEncoder().encode(PASS)).then((c) => c.auditQuery({ action: 'auth.logout' }))).length).toBe(1);
    expect(h.custodian.status().unlocked).toBe(true);
  });

  it('answers malformed frames with INVALID_INPUT and keeps the connection', async () => {
    const h = await host();
    const cookie = await login(h);
    const c = new Client(await openSocket(h, { cookie, origin: h.origin }));
    const bad = async (frame: string | Buffer, id: number): Promise<unknown> => (await c.sendRaw(frame, id)).result;
    const invalid = { ok: false, error: { code: 'INVALID_INPUT', message: expect.any(String) } };
    expect(await bad('not json', 0)).toEqual(invalid);
    expect(await bad('{"id": 7}', 7)).toEqual(invalid);
    expect(await bad('[1,2,3]', 0)).toEqual(invalid);
    expect(await bad('null', 0)).toEqual(invalid);
    expect(await bad(JSON.stringify({ id: -1, method: 'vault.status', input: {} }), 0)).toEqual(invalid);
    expect(await bad(JSON.stringify({ id: 8, method: 'vault.status', input: {}, extra: 1 }), 8)).toEqual(invalid);
    expect(await bad(JSON.stringify({ id: 9, method: 'no.such', input: {} }), 9)).toEqual(invalid);
    expect(await bad(JSON.stringify({ id: 10, method: '__proto__', input: {} }), 10)).toEqual(invalid);
    expect(await bad(JSON.stringify({ id: 11, method: 'keys.generate', input: { namespace: 'default', id: '../x', algorithm: 'ed25519' } }), 11)).toEqual(invalid);
    expect(await bad(Buffer.from([0xde, 0xad]), 0)).toEqual(invalid);
    expect(await bad(JSON.stringify({ id: 12, method: 'vault.status', input: {} }), 12)).toMatchObject({ ok: true });
    expect(c.stray).toEqual([]);
    c.ws.close();
  });

  it('closes sockets and the core on close(), and refuses connections afterwards', async () => {
    const h = await host();
    const cookie = await login(h);
    const ws = await openSocket(h, { cookie, origin: h.origin });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await h.close();
    expect(await closed).toBe(1001);
    await expect(get(h.port, '/', { Cookie: cookie })).rejects.toThrow();
    expect(() => h.custodian.status()).toThrow();
    await h.close(); // idempotent
  });

  it('refuses to start without a built renderer, and on a port in use', async () => {
    const dataDir = tempDir();
    await expect(startHost({ core: { dataDir, kdf: FAST_KDF }, staticDir: join(dataDir, 'nope'), port: 0 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const h = await host();
    await expect(startHost({ core: { dataDir: tempDir(), kdf: FAST_KDF }, staticDir: fixture(), port: h.port })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
