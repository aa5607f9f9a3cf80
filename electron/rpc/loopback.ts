/**
 * @module rpc/loopback
 * The one way every Custos API server listens: on a loopback address only, refusing every
 * request that does not name this server in `Host`, with a body limit and timeouts that a slow
 * or hostile local client cannot get around. Each server (HsmService, wallet RPC, eth2 signer,
 * metrics) passes its request handler; this module owns the sockets.
 *
 *     TCP listener (net or tls, ours)            one port
 *       ├─ TLS: ALPN h2 ──────────────┐
 *       ├─ cleartext starting "PRI" ──┼──► HTTP/2 server (h2c / h2), never listens itself
 *       └─ anything else ─────────────┴──► HTTP/1.1 server, never listens itself
 *                                             └─► Host check (421) → size check (413) → handler
 *
 * Why we own the listener instead of `http2.createServer({ allowHTTP1 })`: Node 20 falls back to
 * HTTP/1.1 only after TLS ALPN, never on cleartext (h2c), and its fallback skips the HTTP/1
 * slowloris timeouts. Telling the two apart by the connection preface (RFC 9113 §3.4: every
 * HTTP/2 connection starts with "PRI * HTTP/2.0"; no HTTP/1 method is called PRI) is exact.
 *
 * Trusts: nothing a client sends. The `Host` check is the defence against DNS rebinding: a page
 * on `evil.example` whose name is re-pointed at 127.0.0.1 reaches our port, but still says
 * `Host: evil.example:PORT` (`:authority` in HTTP/2). Timeouts (all enforced here, per
 * connection and per request):
 *   - headersTimeoutMs: from accept (or the end of the previous response) until a request's
 *     headers are in; also the TLS handshake and the HTTP/2 preface;
 *   - requestTimeoutMs: from a request's headers until its whole body is in (a long response
 *     stream, such as a followed audit log, is not limited: the client is reading, not writing);
 *   - idleTimeoutMs: an HTTP/2 connection with no open stream.
 */
import { lookup } from 'node:dns/promises';
import { STATUS_CODES, createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { constants as h2constants, createServer as createHttp2Server, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import { isIP, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { CustodyError } from '../../shared/errors.js';
import { LOOPBACK_BINDS } from '../core/config/schema.js';

export type LoopbackBind = (typeof LOOPBACK_BINDS)[number];

export type LoopbackRequest = IncomingMessage | Http2ServerRequest;
export type LoopbackResponse = ServerResponse | Http2ServerResponse;
export type LoopbackHandler = (req: LoopbackRequest, res: LoopbackResponse) => void;
/**
 * An HTTP/1.1 `Upgrade` request (a WebSocket handshake) that named this server in `Host`. The
 * handler owns `socket` from here: it answers the handshake or refuses it. The listener no longer
 * times the socket out (a WebSocket may stay quiet), but close() still ends it after the grace.
 */
export type LoopbackUpgradeHandler = (req: IncomingMessage, socket: Socket, head: Buffer) => void;

export interface LoopbackTls {
  /** PEM certificate chain of this server. */
  readonly cert: string | Buffer;
  /** PEM private key of `cert`. */
  readonly key: string | Buffer;
  /** PEM CA certificate(s): present = mutual TLS, a client must show a certificate they issued. */
  readonly clientCa?: string | Buffer;
}

export type LoopbackRefusal = 'host' | 'size' | 'timeout' | 'closing' | 'tls';

/** What the server refused or dropped: names only, never a header value or payload. */
export type LoopbackEvent =
  | { readonly type: 'http.refused'; readonly server: string; readonly status: number; readonly reason: LoopbackRefusal }
  | { readonly type: 'connection.dropped'; readonly server: string; readonly reason: LoopbackRefusal };

export interface LoopbackServerOptions {
  /** For messages and events: 'hsm', 'wallet_rpc', … */
  readonly name: string;
  /** config `server.bind`. Anything but a loopback address is refused. */
  readonly bind: LoopbackBind;
  /** 0 = any free port (tests). */
  readonly port: number;
  readonly handler: LoopbackHandler;
  /**
   * Upgrade requests (HTTP/1.1 only; RFC 8441 WebSockets over HTTP/2 are not offered). Absent:
   * an upgrade request is served by `handler` as an ordinary request, as before.
   */
  readonly onUpgrade?: LoopbackUpgradeHandler;
  /** Also speak HTTP/2 (h2c in cleartext, h2 by ALPN under TLS) beside HTTP/1.1: gRPC needs it. */
  readonly http2?: boolean;
  readonly tls?: LoopbackTls;
  /** Largest request body, counted as it arrives. Default 4 MiB. */
  readonly maxBodyBytes?: number;
  /** Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Default 10 s. */
  readonly headersTimeoutMs?: number;
  /** Default 120 s. */
  readonly idleTimeoutMs?: number;
  /** How long close() lets requests in flight finish before cutting them. Default 2 s. */
  readonly closeGraceMs?: number;
  /** Most connections at once. Default 512. */
  readonly maxConnections?: number;
  readonly onEvent?: (event: LoopbackEvent) => void;
}

export interface LoopbackServer {
  readonly port: number;
  /** The address actually listened on: '127.0.0.1' or '::1'. */
  readonly address: string;
  /** `http(s)://127.0.0.1:PORT` (or `[::1]`), no trailing slash. */
  readonly url: string;
  /** Stop accepting, let requests in flight finish for the grace period, then cut the rest; ends keep-alive and HTTP/2 sessions. Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
const DEFAULTS = { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, idleTimeoutMs: 120_000, closeGraceMs: 2_000, maxConnections: 512 };

/** RFC 9113 §3.4: the client connection preface begins with these bytes. */
const H2_PREFACE_START = Buffer.from('PRI', 'latin1');

/** Whether `address` (an IP literal) is a loopback address: 127.0.0.0/8 or ::1 (or ::ffff:127.x). */
export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase();
  if (isIP(a) === 4) return a.startsWith('127.');
  if (isIP(a) === 6) return a === '::1' || a === '0:0:0:0:0:0:0:1' || (a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 && a.slice(7).startsWith('127.'));
  return false;
}

/** The names a client of a server bound to `address` calls it by, as they appear in `Host` (IPv6 in brackets). */
export function loopbackHostNames(address: string): readonly string[] {
  return isIP(address) === 6 ? ['[::1]', 'localhost'] : ['127.0.0.1', 'localhost'];
}

/**
 * Whether `host` (the raw `Host` or `:authority` value) names this server: one of `names`
 * with exactly this port. Anything else is refused: DNS rebinding. Case-insensitive (browsers
 * send lower case; RFC 9110 §4.2.3 makes the name case-insensitive).
 */
export function isAllowedHost(host: string | undefined, port: number, names: readonly string[] = ['127.0.0.1', 'localhost']): host is string {
  if (host === undefined) return false;
  const h = host.toLowerCase();
  return names.some((n) => h === `${n}:${port}`);
}

/**
 * Listen on a loopback address and serve `handler`. Throws CustodyError INVALID_INPUT for a
 * bind that is not loopback, a bad port, or a port in use.
 */
export async function startLoopbackServer(options: LoopbackServerOptions): Promise<LoopbackServer> {
  const { name, handler } = options;
  const address = await resolveBind(options.bind);
  if (!Number.isSafeInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new CustodyError('INVALID_INPUT', `${name}: port must be an integer from 0 to 65535`);
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
  const headersTimeoutMs = options.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULTS.idleTimeoutMs;
  const closeGraceMs = options.closeGraceMs ?? DEFAULTS.closeGraceMs;
  const notify = options.onEvent ?? (() => undefined);
  const names = loopbackHostNames(address);
  const tls = options.tls;

  let port = options.port;
  let closing: Promise<void> | undefined;
  /** Every accepted TCP socket, until it closes. */
  const sockets = new Set<Socket>();
  const sessions = new Set<ServerHttp2Session>();
  /** HTTP/1 connections with a request in flight (the others are idle and can be cut at once). */
  const busy = new Map<Socket, number>();
  /** Sockets handed to the HTTP/2 server (their session manages them). */
  const h2Sockets = new Set<Socket>();
  /** TLS: raw sockets whose handshake has not finished. */
  const handshaking = new Set<Socket>();
  /** Per HTTP/1 connection: the timer waiting for the next request's headers. */
  const headerTimers = new Map<Socket, NodeJS.Timeout>();
  /** Sockets handed to onUpgrade: their owner closes them politely first; close() cuts what is left after the grace. */
  const upgraded = new Set<Socket>();

  const drop = (socket: Socket, reason: LoopbackRefusal): void => {
    notify({ type: 'connection.dropped', server: name, reason });
    socket.destroy();
  };
  const armHeadersTimer = (socket: Socket): void => {
    clearTimeout(headerTimers.get(socket));
    if (socket.destroyed) return;
    const t = setTimeout(() => drop(socket, 'timeout'), headersTimeoutMs);
    t.unref();
    headerTimers.set(socket, t);
  };

  const onRequest = (req: LoopbackRequest, res: LoopbackResponse): void => {
    const h1 = !('stream' in req);
    const socket = req.socket as Socket;
    if (h1) {
      clearTimeout(headerTimers.get(socket));
      headerTimers.delete(socket);
      busy.set(socket, (busy.get(socket) ?? 0) + 1);
      res.once('close', () => {
        const n = (busy.get(socket) ?? 1) - 1;
        if (n <= 0) busy.delete(socket);
        else busy.set(socket, n);
        if (closing !== undefined) socket.destroySoon();
        else if (n <= 0) armHeadersTimer(socket);
      });
    }
    const refuse = (status: number, reason: LoopbackRefusal, text: string): void => {
      notify({ type: 'http.refused', server: name, status, reason });
      sendText(res, status, text, h1 && (reason !== 'host' || closing !== undefined));
    };
    if (closing !== undefined) return refuse(503, 'closing', `${name}: shutting down`);
    const host = h1 ? req.headers.host : ((req.headers[':authority'] as string | undefined) ?? req.headers.host);
    if (!isAllowedHost(host, port, names)) return refuse(421, 'host', `${name}: this server answers only to ${names.map((n) => `${n}:${port}`).join(' and ')}`);
    const declared = req.headers['content-length'];
    if (declared !== undefined && !(Number(declared) <= maxBodyBytes)) return refuse(413, 'size', `${name}: the request body is larger than ${maxBodyBytes} bytes`);

    // The whole body must arrive within requestTimeoutMs of the headers (slow-body attacks).
    const bodyTimer = setTimeout(() => {
      if (!req.complete) cut(408, 'timeout', `${name}: the request body did not arrive in time`);
    }, requestTimeoutMs);
    bodyTimer.unref();
    req.once('end', () => clearTimeout(bodyTimer));
    res.once('close', () => clearTimeout(bodyTimer));

    // The body limit, counted as bytes arrive (a chunked or HTTP/2 body declares no length):
    // past it, no byte reaches the handler, the client gets 413 and the connection (HTTP/1) or
    // stream (HTTP/2) is cut. Wrapping push catches every consumer, whatever mode it reads in.
    let seen = 0;
    let over = false;
    const push = req.push.bind(req);
    req.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
      if (over) return false;
      if (chunk !== null && chunk !== undefined) {
        seen += (chunk as Buffer).length;
        if (seen > maxBodyBytes) {
          over = true;
          cut(413, 'size', `${name}: the request body is larger than ${maxBodyBytes} bytes`);
          return false;
        }
      }
      return push(chunk, encoding);
    };
    const cut = (status: number, reason: LoopbackRefusal, text: string): void => {
      clearTimeout(bodyTimer);
      if (!res.headersSent) {
        refuse(status, reason, text);
        if (h1) res.once('finish', () => socket.destroySoon());
        else (req as Http2ServerRequest).stream.close(h2constants.NGHTTP2_CANCEL);
      } else {
        notify({ type: 'connection.dropped', server: name, reason });
        if (h1) socket.destroy();
        else (req as Http2ServerRequest).stream.close(h2constants.NGHTTP2_CANCEL);
      }
    };

    try {
      handler(req, res);
    } catch {
      if (!res.headersSent) sendText(res, 500, `${name}: internal error`, h1);
      else res.destroy();
    }
  };

  const h1server: HttpServer = createHttpServer({ keepAlive: true, noDelay: true, requestTimeout: 0, headersTimeout: 0 }, onRequest);
  // Timeouts are ours (armHeadersTimer, bodyTimer): this server never listens, so Node's own
  // connection checker never runs for it.
  h1server.keepAliveTimeout = 0;
  h1server.on('clientError', (_err: Error, socket: Socket) => {
    if (socket.writable && !socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  const onUpgrade = options.onUpgrade;
  if (onUpgrade !== undefined) {
    h1server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      clearTimeout(headerTimers.get(socket));
      headerTimers.delete(socket);
      const refuse = (status: number, reason: LoopbackRefusal): void => {
        notify({ type: 'http.refused', server: name, status, reason });
        refuseUpgrade(socket, status);
      };
      if (closing !== undefined) return refuse(503, 'closing');
      if (!isAllowedHost(req.headers.host, port, names)) return refuse(421, 'host');
      upgraded.add(socket);
      socket.once('close', () => upgraded.delete(socket));
      try {
        onUpgrade(req, socket, head);
      } catch {
        socket.destroy();
      }
    });
  }

  let h2server: Http2Server | undefined;
  if (options.http2 === true) {
    h2server = createHttp2Server({ settings: { maxConcurrentStreams: 256 } });
    h2server.on('request', onRequest);
    h2server.on('session', (session: ServerHttp2Session) => {
      sessions.add(session);
      let open = 0;
      session.on('stream', (stream) => {
        open++;
        stream.once('close', () => open--);
      });
      session.setTimeout(idleTimeoutMs, () => {
        // Quiet is fine while a stream is open (a followed audit log); an empty session closes.
        if (open === 0) session.close();
      });
      session.once('close', () => sessions.delete(session));
      session.on('error', () => undefined);
      if (closing !== undefined) session.close();
    });
  }

  const dispatch = (socket: Socket, h2: boolean): void => {
    if (closing !== undefined) {
      socket.destroy();
      return;
    }
    if (h2 && h2server !== undefined) {
      // The session takes over from here; its preface must still arrive in time.
      clearTimeout(headerTimers.get(socket));
      headerTimers.delete(socket);
      h2Sockets.add(socket);
      socket.once('close', () => h2Sockets.delete(socket));
      h2server.emit('connection', socket);
    } else {
      h1server.emit('connection', socket);
    }
  };

  const accept = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      sockets.delete(socket);
      busy.delete(socket);
      clearTimeout(headerTimers.get(socket));
      headerTimers.delete(socket);
    });
    armHeadersTimer(socket);
  };

  let listener: NetServer;
  if (tls === undefined) {
    listener = createNetServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
      accept(socket);
      if (h2server === undefined) {
        dispatch(socket, false);
        socket.resume();
        return;
      }
      sniffPreface(socket, (h2) => dispatch(socket, h2));
    });
  } else {
    const mutual = tls.clientCa !== undefined;
    const tlsServer = createTlsServer({
      cert: tls.cert,
      key: tls.key,
      ...(mutual ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
      ALPNProtocols: h2server === undefined ? ['http/1.1'] : ['h2', 'http/1.1'],
      minVersion: 'TLSv1.2',
      // A handshake, like request headers, must finish within headersTimeoutMs.
      handshakeTimeout: headersTimeoutMs,
    });
    // Sockets still in their handshake: close() must be able to cut them too.
    tlsServer.on('connection', (raw: Socket) => {
      handshaking.add(raw);
      raw.on('error', () => undefined);
      raw.once('close', () => handshaking.delete(raw));
    });
    tlsServer.on('secureConnection', (socket: TLSSocket) => {
      accept(socket);
      dispatch(socket, socket.alpnProtocol === 'h2');
    });
    tlsServer.on('tlsClientError', (_error: Error, socket: TLSSocket) => {
      notify({ type: 'connection.dropped', server: name, reason: 'tls' });
      // Node reports a handshake timeout here but leaves the socket open: close it ourselves.
      socket.destroy();
    });
    listener = tlsServer;
  }
  listener.maxConnections = options.maxConnections ?? DEFAULTS.maxConnections;

  port = await listen(listener, name, address, options.port);
  const scheme = tls === undefined ? 'http' : 'https';
  const url = `${scheme}://${isIP(address) === 6 ? `[${address}]` : address}:${port}`;

  const close = (): Promise<void> => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const session of sessions) session.close();
      for (const raw of handshaking) raw.destroy();
      for (const socket of sockets) if (!busy.has(socket) && !h2Sockets.has(socket) && !upgraded.has(socket)) socket.destroy();
      const allClosed = (async () => {
        while (sockets.size > 0) await new Promise((r) => setTimeout(r, 10));
      })();
      const grace = new Promise<void>((resolve) => setTimeout(resolve, closeGraceMs).unref());
      await Promise.race([allClosed, grace]);
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      for (const t of headerTimers.values()) clearTimeout(t);
      headerTimers.clear();
      await stopped;
    })();
    return closing;
  };

  return { port, address, url, close };
}

/**
 * Read just enough of a cleartext connection to tell HTTP/2 from HTTP/1.1 (three bytes), put
 * them back, and say which it is.
 */
function sniffPreface(socket: Socket, decide: (h2: boolean) => void): void {
  let seen = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    seen = Buffer.concat([seen, chunk]);
    const n = Math.min(seen.length, H2_PREFACE_START.length);
    const h2Prefix = seen.subarray(0, n).equals(H2_PREFACE_START.subarray(0, n));
    if (h2Prefix && seen.length < H2_PREFACE_START.length) return;
    socket.off('data', onData);
    socket.pause();
    socket.unshift(seen);
    decide(h2Prefix);
    // The HTTP/2 session reads the buffered bytes itself; HTTP/1's parser needs the stream flowing.
    if (!h2Prefix) socket.resume();
  };
  socket.on('data', onData);
  socket.resume();
}

async function resolveBind(bind: string): Promise<string> {
  if (!(LOOPBACK_BINDS as readonly string[]).includes(bind)) {
    throw new CustodyError('INVALID_INPUT', `refusing to listen on ${JSON.stringify(String(bind)).slice(0, 80)}: Custos servers bind to a loopback address only (${LOOPBACK_BINDS.join(', ')})`);
  }
  const address = bind === 'localhost' ? (await lookup('localhost')).address : bind;
  if (!isLoopbackAddress(address)) {
    throw new CustodyError('INVALID_INPUT', `refusing to listen: "localhost" resolves to ${address}, which is not a loopback address`);
  }
  return address;
}

function listen(server: NetServer, name: string, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') reject(new CustodyError('INVALID_INPUT', `${name}: port ${port} on ${host} is in use`, { cause: error }));
      else if (error.code === 'EACCES') reject(new CustodyError('INVALID_INPUT', `${name}: not allowed to listen on port ${port}`, { cause: error }));
      else if (error.code === 'EADDRNOTAVAIL') reject(new CustodyError('UNSUPPORTED', `${name}: ${host} is not available on this machine`, { cause: error }));
      else reject(new CustodyError('INTERNAL', `${name}: cannot listen on ${host}:${port}`, { cause: error }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true, ipv6Only: isIP(host) === 6 });
  });
}

/** Answer an upgrade request with a bare HTTP/1.1 status and close: no handler saw it. */
function refuseUpgrade(socket: Socket, status: number): void {
  if (socket.writable && !socket.destroyed) socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  else socket.destroy();
}

function sendText(res: LoopbackResponse, status: number, text: string, closeConnection: boolean): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = Buffer.from(text + '\n', 'utf8');
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.length), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
  if (closeConnection) headers.connection = 'close';
  (res as ServerResponse).writeHead(status, headers);
  res.end(body);
}
