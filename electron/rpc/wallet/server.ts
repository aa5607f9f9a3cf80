/**
 * @module rpc/wallet/server
 * The wallet RPC server (default port 1248): EIP-1193 / EIP-1474 JSON-RPC over HTTP POST and
 * WebSocket on one loopback port, for browser dapps (identified by the Origin header their browser
 * sends) and paired programs (a bearer token from custos_requestPairing). The methods are in
 * methods.ts; this module is the transport: identity, CORS, framing, sockets and events.
 *
 * Trusts: nothing a client sends. The loopback listener (rpc/loopback.ts) refuses a foreign Host
 * (421, DNS rebinding), oversize bodies (413) and slow clients; here:
 *   - an `Origin` header is a browser's and names the client (a browser cannot forge it; a local
 *     program can, which is why an origin only gets what the operator granted that origin, and a
 *     program that claims no origin must hold a paired token instead). `Origin: null` and
 *     malformed origins are refused;
 *   - CORS never answers `*`: a response names the requesting origin only if that origin holds a
 *     connection, or the body is only a permission request (the browser must be able to read the
 *     operator's answer). A POST must be `application/json`, so a browser always preflights it;
 *   - a WebSocket handshake with an Origin must come from an origin holding a connection (a
 *     cross-site page gets 403), without Origin it must carry a valid token.
 * Every call then goes through the facade (`walletSession`), which authenticates, authorizes,
 * rate-limits, queues for approval and audits.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { CustosConfig } from '../../core/config/index.js';
import { startLoopbackServer, type LoopbackEvent, type LoopbackRequest, type LoopbackResponse } from '../loopback.js';
import { errorResponse, parseBody, resultResponse, RPC, toRpcError, type JsonRpcCall, type JsonRpcResponse, type ParsedBody, type ParsedElement } from './jsonrpc.js';
import { PERMISSION_METHODS, toHexQuantity, WalletMethods, type ServedChain, type WalletClient, type WalletFacade } from './methods.js';
import { httpUpstream } from './upstream.js';

export const DEFAULT_WALLET_RPC_PORT = 1248;
/** WebSockets open at once; more are refused (503). */
const MAX_SOCKETS = 256;
/** Messages a socket may have unanswered at once; more are answered -32005. */
const MAX_IN_FLIGHT_PER_SOCKET = 64;
const PREFLIGHT_MAX_AGE_S = 600;

export type WalletRpcRefusal = 'path' | 'method' | 'content-type' | 'origin' | 'token' | 'capacity' | 'closing' | 'locked';

/** What the server did, for logs and metrics: names and numbers only, never an origin, token or payload. */
export type WalletRpcEvent =
  | { readonly type: 'wallet.refused'; readonly status: number; readonly reason: WalletRpcRefusal; readonly websocket: boolean }
  | { readonly type: 'wallet.ws.open' }
  | { readonly type: 'wallet.ws.close' };

export interface WalletRpcServerOptions {
  readonly facade: WalletFacade;
  readonly config: Pick<CustosConfig['server'], 'bind' | 'wallet_rpc'>;
  /** Overrides `config.wallet_rpc.port` (0 = any free port, for tests and benchmarks). */
  readonly port?: number;
  readonly onEvent?: (event: WalletRpcEvent | LoopbackEvent) => void;
}

export interface WalletRpcServer {
  readonly port: number;
  /** `http://127.0.0.1:PORT` (the WebSocket is `ws://` on the same address, path `/`). */
  readonly url: string;
  /** Close every WebSocket (1001), stop listening. Idempotent. */
  close(): Promise<void>;
}

/**
 * A serialized browser origin (RFC 6454 §6.2) or an extension's: exactly as browsers send it.
 * `null` (sandboxed frames, file: pages, some redirects) names nobody and is refused.
 */
export function parseOrigin(value: string | undefined): { kind: 'absent' } | { kind: 'valid'; origin: string } | { kind: 'invalid' } {
  if (value === undefined) return { kind: 'absent' };
  if (value.length > 512) return { kind: 'invalid' };
  if (/^(?:chrome-extension|moz-extension|safari-web-extension):\/\/[a-z0-9.-]{1,253}$/u.test(value)) return { kind: 'valid', origin: value };
  if (!/^https?:\/\//u.test(value) || !URL.canParse(value)) return { kind: 'invalid' };
  return new URL(value).origin === value ? { kind: 'valid', origin: value } : { kind: 'invalid' };
}

/** `Authorization: Bearer <token>` → the token, else undefined. */
function bearerToken(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^Bearer ([A-Za-z0-9_\-.~+/=]{1,512})$/u.exec(header.trim());
  return m === null ? undefined : m[1];
}

function header(req: LoopbackRequest | IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const JSON_CONTENT_TYPE = /^application\/json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/iu;

/** The served chains from the configuration (decimal ids), each with its upstream when configured. */
export function servedChains(config: CustosConfig['server']['wallet_rpc']): Map<string, ServedChain> {
  return new Map(config.chains.map((c) => [String(c.chain_id), { chainId: String(c.chain_id), name: c.name, upstream: c.upstream_url === undefined ? null : httpUpstream(c.upstream_url, c.name) }]));
}

/** Throws CustodyError INVALID_INPUT for a bind that is not loopback or a port in use. */
export async function startWalletRpcServer(options: WalletRpcServerOptions): Promise<WalletRpcServer> {
  const { facade } = options;
  const wallet = options.config.wallet_rpc;
  const notify = options.onEvent ?? (() => undefined);
  const chains = servedChains(wallet);
  const methods = new WalletMethods({ facade, chains, defaultChainId: String(wallet.chains[0]?.chain_id ?? 1), allowEthSign: wallet.allow_eth_sign });
  const sockets = new Set<WalletSocket>();
  let closing: Promise<void> | undefined;

  /** Answer one element of a body; undefined for a notification. */
  const answer = async (client: WalletClient, element: ParsedElement, signal: AbortSignal): Promise<JsonRpcResponse | undefined> => {
    if (element.kind === 'invalid') return element.response;
    const { call } = element;
    try {
      const result = await methods.run(client, call, signal);
      return call.notification ? undefined : resultResponse(call.id, result === undefined ? null : result);
    } catch (error) {
      if (call.notification) return undefined;
      const e = toRpcError(error);
      return { jsonrpc: '2.0', id: call.id, error: e };
    }
  };

  /** A body's answer: one response, an array for a batch (calls in order, one after another), or nothing. */
  const answerBody = async (client: WalletClient, parsed: ParsedBody, signal: AbortSignal): Promise<JsonRpcResponse | JsonRpcResponse[] | undefined> => {
    if (parsed.kind === 'refused') return parsed.response;
    if (parsed.kind === 'single') return answer(client, parsed.element, signal);
    const out: JsonRpcResponse[] = [];
    // In order: a batch that sends two transactions gets consecutive nonces.
    for (const element of parsed.elements) {
      const r = await answer(client, element, signal);
      if (r !== undefined) out.push(r);
    }
    return out.length === 0 ? undefined : out;
  };
  const answerText = (client: WalletClient, text: string, signal: AbortSignal): Promise<JsonRpcResponse | JsonRpcResponse[] | undefined> => answerBody(client, parseBody(text, wallet.batch_limit), signal);

  /** Whether the browser may read the answer: the origin holds a connection, or it only asks for one. */
  const corsAllowed = (client: WalletClient, parsed: ParsedBody): boolean => {
    if (client.kind !== 'origin') return false;
    const calls: (JsonRpcCall | undefined)[] = parsed.kind === 'single' ? [callOf(parsed.element)] : parsed.kind === 'batch' ? parsed.elements.map(callOf) : [];
    if (calls.length > 0 && calls.every((c) => c !== undefined && PERMISSION_METHODS.has(c.method))) return true;
    try {
      return methods.session(client) !== null;
    } catch {
      return false;
    }
  };

  const handler = (req: LoopbackRequest, res: LoopbackResponse): void => {
    const refuse = (status: number, reason: WalletRpcRefusal, text: string, extra: Record<string, string> = {}): void => {
      notify({ type: 'wallet.refused', status, reason, websocket: false });
      req.resume();
      sendBody(res, status, 'text/plain; charset=utf-8', text + '\n', extra);
    };
    const path = req.url ?? '/';
    if (path !== '/') return refuse(404, 'path', 'wallet_rpc: JSON-RPC is served at / (POST, or a WebSocket)');
    const origin = parseOrigin(header(req, 'origin'));
    if (origin.kind === 'invalid') return refuse(403, 'origin', 'wallet_rpc: refused: the Origin is null or malformed');

    if (req.method === 'OPTIONS') {
      // CORS preflight: answered for any origin, so a page can send its permission request; the
      // actual response is readable only as corsAllowed decides.
      const headers: Record<string, string> = { vary: 'Origin', 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type', 'access-control-max-age': String(PREFLIGHT_MAX_AGE_S) };
      if (origin.kind === 'valid') headers['access-control-allow-origin'] = origin.origin;
      // Private Network Access: a public page may ask a loopback server; the grant check stays ours.
      if (header(req, 'access-control-request-private-network') === 'true') headers['access-control-allow-private-network'] = 'true';
      req.resume();
      res.writeHead(204, { ...headers, 'cache-control': 'no-store', 'content-length': '0' });
      res.end();
      return;
    }
    if (req.method !== 'POST') return refuse(405, 'method', 'wallet_rpc: POST JSON-RPC (or open a WebSocket)', { allow: 'POST, OPTIONS' });
    if (!JSON_CONTENT_TYPE.test(header(req, 'content-type') ?? '')) return refuse(415, 'content-type', 'wallet_rpc: the body must be application/json');
    if (closing !== undefined) return refuse(503, 'closing', 'wallet_rpc: shutting down');

    const token = bearerToken(header(req, 'authorization'));
    // A browser's Origin names it, whatever else it sends; without one, the token does.
    const client: WalletClient = origin.kind === 'valid' ? { kind: 'origin', origin: origin.origin } : token === undefined ? { kind: 'anonymous' } : { kind: 'token', token };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => undefined);
    req.on('end', () => {
      const parsed = parseBody(Buffer.concat(chunks).toString('utf8'), wallet.batch_limit);
      const abort = new AbortController();
      // A client that goes away withdraws what it was waiting for (a prompt, a signing request).
      res.once('close', () => {
        if (!res.writableFinished) abort.abort();
      });
      const headers: Record<string, string> = { vary: 'Origin' };
      if (client.kind === 'origin' && corsAllowed(client, parsed)) headers['access-control-allow-origin'] = client.origin;
      answerBody(client, parsed, abort.signal).then(
        (reply) => {
          if (res.destroyed) return;
          if (reply === undefined) {
            res.writeHead(204, { ...headers, 'cache-control': 'no-store', 'content-length': '0' });
            res.end();
          } else sendBody(res, 200, 'application/json', JSON.stringify(reply), headers);
        },
        () => {
          if (!res.destroyed) sendBody(res, 500, 'application/json', JSON.stringify(errorResponse(null, RPC.INTERNAL, 'internal error')), headers);
        },
      );
    });
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: wallet.max_body_bytes, perMessageDeflate: false, clientTracking: false });

  const onUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    socket.on('error', () => undefined);
    const refuse = (status: number, reason: WalletRpcRefusal): void => {
      notify({ type: 'wallet.refused', status, reason, websocket: true });
      refuseHandshake(socket, status);
    };
    if (closing !== undefined) return refuse(503, 'closing');
    if (req.url !== '/') return refuse(404, 'path');
    if ((header(req, 'upgrade') ?? '').toLowerCase() !== 'websocket') return refuse(400, 'method');
    const origin = parseOrigin(header(req, 'origin'));
    if (origin.kind === 'invalid') return refuse(403, 'origin');
    const token = bearerToken(header(req, 'authorization'));
    let client: WalletClient;
    if (origin.kind === 'valid') client = { kind: 'origin', origin: origin.origin };
    else if (token !== undefined) client = { kind: 'token', token };
    else return refuse(401, 'token');
    let connected: boolean;
    try {
      connected = methods.session(client) !== null;
    } catch {
      return refuse(503, 'locked');
    }
    // A page of an origin without a grant (a cross-site WebSocket) gets nothing, not even a socket.
    if (!connected) return refuse(client.kind === 'origin' ? 403 : 401, client.kind === 'origin' ? 'origin' : 'token');
    if (sockets.size >= MAX_SOCKETS) return refuse(503, 'capacity');
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (closing !== undefined) {
        ws.terminate();
        return;
      }
      const s = new WalletSocket(ws, client, methods, answerText, () => {
        sockets.delete(s);
        notify({ type: 'wallet.ws.close' });
      });
      sockets.add(s);
      notify({ type: 'wallet.ws.open' });
    });
  };

  const unsubscribe = facade.subscribe((event) => {
    const type: string = event.type;
    if (type === 'wallets.changed' || type === 'vault.changed') for (const s of sockets) s.refresh();
  });

  let server;
  try {
    server = await startLoopbackServer({
      name: 'wallet_rpc',
      bind: options.config.bind,
      port: options.port ?? wallet.port,
      handler,
      onUpgrade,
      maxBodyBytes: wallet.max_body_bytes,
      // Long waits (an operator deciding) happen after the body is in: requestTimeoutMs only times the body.
      onEvent: (e) => notify(e),
    });
  } catch (error) {
    unsubscribe();
    wss.close();
    throw error;
  }
  const listening = server;
  return {
    port: listening.port,
    url: listening.url,
    close: () => {
      closing ??= (async () => {
        unsubscribe();
        for (const s of [...sockets]) s.close(1001, 'Custos wallet RPC stopped');
        await listening.close();
        wss.close();
      })();
      return closing;
    },
  };
}

function callOf(element: ParsedElement): JsonRpcCall | undefined {
  return element.kind === 'call' ? element.call : undefined;
}

/**
 * One WebSocket: JSON-RPC messages answered like HTTP bodies (each message on its own, so a
 * signature waiting for the operator does not hold up eth_chainId), and EIP-1193 events pushed as
 * `custos_event` notifications when the connection's accounts or chain change, the vault locks or
 * unlocks, or the connection is revoked (then the socket closes with 4100).
 */
class WalletSocket {
  private readonly abort = new AbortController();
  private inFlight = 0;
  private accounts: string;
  private chainId: string | null;
  private locked = false;
  private done = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly client: WalletClient,
    private readonly methods: WalletMethods,
    private readonly answerBody: (client: WalletClient, text: string, signal: AbortSignal) => Promise<JsonRpcResponse | JsonRpcResponse[] | undefined>,
    private readonly onClosed: () => void,
  ) {
    let connection: { accounts: readonly { address: string }[]; chainId: string } | null = null;
    try {
      connection = this.current();
    } catch {
      this.locked = true;
    }
    this.accounts = JSON.stringify(connection?.accounts.map((a) => a.address) ?? []);
    this.chainId = connection === null ? null : connection.chainId;
    ws.on('error', () => undefined);
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.once('close', () => {
      this.done = true;
      this.abort.abort();
      onClosed();
    });
  }

  private current(): { accounts: readonly { address: string }[]; chainId: string } | null {
    const session = this.methods.session(this.client);
    return session === null ? null : session.connection();
  }

  private send(message: unknown): void {
    if (!this.done && this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }

  private event(event: string, data: unknown): void {
    this.send({ jsonrpc: '2.0', method: 'custos_event', params: { event, data } });
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.send(errorResponse(null, RPC.PARSE_ERROR, 'parse error: send JSON-RPC as text frames'));
      return;
    }
    if (this.inFlight >= MAX_IN_FLIGHT_PER_SOCKET) {
      this.send(errorResponse(null, RPC.LIMIT_EXCEEDED, `more than ${MAX_IN_FLIGHT_PER_SOCKET} messages unanswered on this socket`));
      return;
    }
    this.inFlight++;
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    this.answerBody(this.client, text, this.abort.signal)
      .then(
        (reply) => {
          if (reply !== undefined) this.send(reply);
        },
        () => this.send(errorResponse(null, RPC.INTERNAL, 'internal error')),
      )
      .finally(() => this.inFlight--);
  }

  /** Re-read the connection after a core event and tell the client what changed (EIP-1193 §events). */
  refresh(): void {
    if (this.done) return;
    let connection: { accounts: readonly { address: string }[]; chainId: string } | null;
    try {
      connection = this.current();
    } catch (error) {
      const e = toRpcError(error);
      if (e.code === RPC.DISCONNECTED) {
        if (!this.locked) this.event('disconnect', { code: e.code, message: e.message });
        this.locked = true;
        return;
      }
      // The connection was revoked between the session lookup and its read.
      connection = null;
    }
    if (connection === null) {
      this.event('accountsChanged', []);
      this.close(RPC.UNAUTHORIZED, 'the connection was revoked');
      return;
    }
    if (this.locked) {
      this.locked = false;
      this.event('connect', { chainId: toHexQuantity(connection.chainId) });
    }
    const accounts = connection.accounts.map((a) => a.address);
    if (JSON.stringify(accounts) !== this.accounts) {
      this.accounts = JSON.stringify(accounts);
      this.event('accountsChanged', accounts);
    }
    if (connection.chainId !== this.chainId) {
      this.chainId = connection.chainId;
      this.event('chainChanged', toHexQuantity(connection.chainId));
    }
  }

  close(code: number, reason: string): void {
    if (this.done) return;
    this.done = true;
    this.abort.abort();
    this.ws.close(code, reason);
    // A peer that never answers the close frame is cut.
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }
}

function refuseHandshake(socket: Socket, status: number): void {
  const text = `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : status === 400 ? 'Bad Request' : 'Service Unavailable'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
  if (socket.writable) socket.end(text);
  else socket.destroy();
}

function sendBody(res: LoopbackResponse, status: number, contentType: string, body: string, extra: Record<string, string>): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const bytes = Buffer.from(body, 'utf8');
  (res as ServerResponse).writeHead(status, {
    ...extra,
    'content-type': contentType,
    'content-length': String(bytes.length),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(bytes);
}
