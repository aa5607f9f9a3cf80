/**
 * @module host/server
 * The browser host: the desktop app's renderer and API served to a browser on this machine, for
 * machines without a display for Electron (and for e2e tests). One HTTP server on 127.0.0.1:
 *
 *   GET /login?token=T   trade the one-time token printed at start for a session cookie; 303 → /
 *   GET /…               the built renderer (dist/renderer), session cookie required
 *   WebSocket /api       the renderer API (shared/api) over the handler table Electron IPC binds
 *
 * Every request must name us in `Host` (127.0.0.1:PORT or localhost:PORT; DNS rebinding), and
 * everything but /login needs the session cookie (./login.ts says why a token, then a cookie).
 * The WebSocket additionally needs `Origin` to be the page this host served. No CORS headers
 * anywhere, so no other origin can read a response.
 *
 * Trusts: the core (the facade authenticates and authorizes every call; each WebSocket starts
 * signed out), the operator's terminal (where the login URL appears), and the browser to enforce
 * HttpOnly, SameSite and the same-origin policy. Trusts nothing that arrives on the socket.
 * Does not trust other local users: they can connect to the port, but hold neither the token
 * nor a cookie, and with a stolen cookie would still face the passphrase.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CustodyError } from '../../shared/errors.js';
import { createHandlers } from '../core/api/handlers.js';
import { UiSettingsStore } from '../core/api/ui-settings.js';
import { openCustodian, type CoreOptions, type CoreEvent, type Custodian } from '../core/custodian.js';
import { serveApiSocket, type ApiSocket } from './api-socket.js';
import { baseHeaders, isAllowedHost, isOwnOrigin } from './headers.js';
import { cookieValues, DEFAULT_TOKEN_TTL_MS, LoginTokens, sessionCookie, sessionCookieName, Sessions } from './login.js';
import { lookupStatic, staticRoot } from './static-files.js';

/** `custos serve --ui` listens here unless told otherwise. */
export const DEFAULT_HOST_PORT = 8765;
/** Base64 inflates the contract's largest input (16 MiB of data) to about 22 MiB; 32 MiB leaves room for the JSON around it. */
export const MAX_FRAME_BYTES = 32 * 1024 * 1024;
/** Open API sockets at once: a few tabs of one operator, not a crowd. */
export const MAX_SOCKETS = 32;
/** How long a closing host waits for browsers to answer the WebSocket close handshake. */
const CLOSE_GRACE_MS = 1000;

/** The core to serve: one the caller opened (and will close), or options to open one the host owns and closes. */
export type HostCore = { readonly custodian: Custodian; readonly core?: never } | { readonly core: CoreOptions; readonly custodian?: never };

export type HostOptions = HostCore & {
  /** The built renderer: a directory with index.html (dist/renderer). */
  readonly staticDir: string;
  /** 0 = an ephemeral port (tests). Default DEFAULT_HOST_PORT. */
  readonly port?: number;
  /** Where ui-settings.json lives. Default: the core's data directory. */
  readonly dataDir?: string;
  /** Shown in Settings → About. */
  readonly version?: string;
  /** How long a login token stays valid. Default 5 minutes. */
  readonly tokenTtlMs?: number;
  /** Hears what the host does and refuses: events only, never a token, cookie or payload. */
  readonly onEvent?: (event: HostEvent) => void;
  /**
   * Lock the vault when the last tab closes (default true). False when loopback API servers run
   * beside the host: programs holding tokens need the vault unlocked with no tab open.
   */
  readonly lockWhenLastTabCloses?: boolean;
};

export type RefusalReason = 'host' | 'session' | 'path' | 'method' | 'origin' | 'capacity' | 'closing';

export type HostEvent =
  | { readonly type: 'http.refused'; readonly status: number; readonly reason: RefusalReason }
  | { readonly type: 'login'; readonly ok: boolean }
  /** `session`: whether the handshake carried a valid session cookie (an origin refusal with one is a cross-site attempt stopped by the Origin check alone). */
  | { readonly type: 'ws.refused'; readonly status: number; readonly reason: RefusalReason; readonly session: boolean }
  | { readonly type: 'ws.open' }
  | { readonly type: 'ws.close' };

export interface Host {
  /** `http://127.0.0.1:PORT/login?token=T`: print it once; it works once. */
  readonly url: string;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  readonly port: number;
  /** The root facade (nobody signed in) the connections are made from. */
  readonly custodian: Custodian;
  /** Another one-time login URL (a second browser; e2e contexts). */
  newLoginUrl(): string;
  /** Close every socket, stop listening, and close the core if the host opened it. Idempotent. */
  close(): Promise<void>;
}

/**
 * Start the browser host. Refuses (NOT_FOUND) when `staticDir` holds no index.html, and
 * (INVALID_INPUT) when the port is taken; a core it opened is closed again on failure.
 */
export async function startHost(options: HostOptions): Promise<Host> {
  if (!existsSync(join(options.staticDir, 'index.html'))) {
    throw new CustodyError('NOT_FOUND', `no built renderer in ${options.staticDir} (index.html missing): run \`npm run build:renderer\``);
  }
  const root = staticRoot(options.staticDir);
  const owned = options.custodian === undefined;
  const custodian = options.custodian ?? (await openCustodian({ ...(options.core as CoreOptions), client: { transport: 'host' } }));
  const server = createServer();
  let port: number;
  try {
    port = await listen(server, options.port ?? DEFAULT_HOST_PORT);
  } catch (error) {
    if (owned) await custodian.close();
    throw error;
  }

  const notify = options.onEvent ?? (() => undefined);
  const tokens = new LoginTokens(options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS);
  const sessions = new Sessions();
  const cookieName = sessionCookieName(port);
  const table = createHandlers({ settings: new UiSettingsStore(options.dataDir ?? custodian.dataDir), version: options.version ?? '0.0.0-dev' });
  const origin = `http://127.0.0.1:${port}`;
  const headers = baseHeaders(port);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false, clientTracking: false });
  const sockets = new Map<WebSocket, ApiSocket>();
  /** Sockets not yet closing (the map keeps a socket until its cleanup is done). */
  let openSockets = 0;
  let closing: Promise<void> | undefined;

  const hasSession = (req: IncomingMessage): boolean => cookieValues(req.headers.cookie, cookieName).some((v) => sessions.isValid(v));
  const loginUrl = (): string => `${origin}/login?token=${tokens.issue()}`;

  const unsubscribe = custodian.subscribe((event: CoreEvent) => {
    for (const api of sockets.values()) api.deliver(event);
  });

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const refuse = (status: number, reason: RefusalReason, text: string, extra: Record<string, string> = {}): void => {
      notify({ type: 'http.refused', status, reason });
      sendText(res, status, text, { ...headers, ...extra });
    };
    if (closing !== undefined) return refuse(503, 'closing', 'Custos is shutting down.');
    if (!isAllowedHost(req.headers.host, port)) return refuse(421, 'host', `This server answers only to 127.0.0.1:${port} and localhost:${port}.`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, 'method', 'Only GET and HEAD.', { Allow: 'GET, HEAD' });
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const path = q === -1 ? raw : raw.slice(0, q);

    if (path === '/login') {
      const given = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)).getAll('token');
      const ok = given.length === 1 && tokens.redeem(given[0] as string);
      notify({ type: 'login', ok });
      if (!ok) return sendText(res, 403, LOGIN_REFUSED, headers);
      res.writeHead(303, { ...headers, 'Set-Cookie': sessionCookie(port, sessions.create()), Location: '/', 'Cache-Control': 'no-store', 'Content-Length': '0' });
      res.end();
      return;
    }
    if (!hasSession(req)) return refuse(401, 'session', SIGN_IN_FIRST);
    if (path === '/api') return refuse(426, 'path', 'The API is a WebSocket.', { Upgrade: 'websocket', Connection: 'Upgrade' });

    // No fallback to index.html for unknown paths: the renderer routes by hash (#/keys) and loads
    // its assets by relative URL, so only the files of the build are ever asked for.
    const found = lookupStatic(root, path);
    if (found.kind === 'refused') return refuse(400, 'path', 'Not a path this server serves.');
    if (found.kind === 'missing') return refuse(404, 'path', 'Not found.');
    const isHtml = found.mime.startsWith('text/html');
    res.writeHead(200, {
      ...headers,
      'Content-Type': found.mime,
      'Content-Length': String(found.size),
      // HTML names the current build's hashed assets: always fetch it afresh.
      'Cache-Control': isHtml ? 'no-store' : 'private, no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(found.path);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    const session = hasSession(req);
    const refuse = (status: number, reason: RefusalReason): void => {
      notify({ type: 'ws.refused', status, reason, session });
      abortHandshake(socket, status);
    };
    if (closing !== undefined) return refuse(503, 'closing');
    const host = req.headers.host;
    if (!isAllowedHost(host, port)) return refuse(421, 'host');
    if (req.url !== '/api') return refuse(404, 'path');
    if (!isOwnOrigin(req.headers.origin, host)) return refuse(403, 'origin');
    if (!session) return refuse(401, 'session');
    if (sockets.size >= MAX_SOCKETS) return refuse(503, 'capacity');
    const pageOrigin = req.headers.origin as string;
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (closing !== undefined) {
        ws.terminate();
        return;
      }
      openSockets++;
      const api = serveApiSocket(ws, custodian, table, pageOrigin, { closed: () => void openSockets--, lockAfterLast: () => openSockets === 0 && options.lockWhenLastTabCloses !== false });
      sockets.set(ws, api);
      notify({ type: 'ws.open' });
      void api.done.then(() => {
        sockets.delete(ws);
        notify({ type: 'ws.close' });
      });
    });
  });

  const close = (): Promise<void> => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      const open = [...sockets.entries()];
      for (const [ws] of open) ws.close(1001, 'Custos host stopped');
      const force = setTimeout(() => {
        for (const [ws] of open) ws.terminate();
      }, CLOSE_GRACE_MS);
      // Each socket's requests settle and its operator session ends before the core closes.
      await Promise.all(open.map(([, api]) => api.done));
      clearTimeout(force);
      await stopped;
      unsubscribe();
      sessions.clear();
      wss.close();
      if (owned) await custodian.close();
    })();
    return closing;
  };

  return { url: loginUrl(), origin, port, custodian, newLoginUrl: loginUrl, close };
}

const SIGN_IN_FIRST = [
  'Custos: not signed in to this browser host.',
  '',
  'Open the URL that `custos serve --ui` (or `npm run serve`) printed when it started:',
  'http://127.0.0.1:PORT/login?token=... . That link works once and for a few minutes;',
  'if it has been used or has expired, stop the host and start it again for a new one.',
].join('\n');

const LOGIN_REFUSED = [
  'Custos: this login link is not valid.',
  '',
  'A login link works once, for a few minutes, in one browser. If you already opened it,',
  'go to / in that browser. Otherwise stop the host and start it again for a new link.',
].join('\n');

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  const body = Buffer.from(text + '\n', 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(body.length), 'Cache-Control': 'no-store' });
  res.end(body);
}

/** Answer a refused handshake with a bare status line and hang up (what ws itself does). */
function abortHandshake(socket: Duplex, status: number): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Refused'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Listen on 127.0.0.1 only, never a wildcard address: this server is for this machine's browser. */
function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') reject(new CustodyError('INVALID_INPUT', `port ${port} on 127.0.0.1 is in use: choose another with --port`, { cause: error }));
      else if (error.code === 'EACCES') reject(new CustodyError('INVALID_INPUT', `not allowed to listen on port ${port}: choose one above 1023 with --port`, { cause: error }));
      else reject(error);
    };
    const onListening = (): void => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: '127.0.0.1', port, exclusive: true });
  });
}
