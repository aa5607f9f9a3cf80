/**
 * @module rpc/hsm/fast-unary
 * A short path for the calls that carry the load: unary methods in plain gRPC over HTTP/2
 * (`application/grpc[+proto]`, one uncompressed message) and unary Connect calls
 * (`application/proto` or `application/json`, uncompressed) over either HTTP version. Anything
 * else — streams, gRPC-Web, compression, deadlines, GET, unusual framing — goes to the full Connect
 * handler unchanged, as does every request this module is not sure about.
 *
 * Why: Connect's generic handler costs several times what the facade's Sign does (a web `Headers`
 * per request, linked AbortControllers whose abort builds a DOMException on every call, async
 * iterator pipelines). bench/hsm.ts showed the transport, not the facade, setting the pace.
 *
 * Same answers as Connect, byte for byte where it matters: messages are (de)serialised with the
 * same generated schemas (unknown JSON fields ignored, as Connect's default), and errors are
 * encoded by Connect's own functions (`setTrailerStatus` for gRPC trailers with
 * grpc-status-details-bin, `errorToJsonBytes` and `codeToHttpStatus` for Connect), so an
 * ErrorInfo reads the same whichever path served the call. fast-unary.test.ts compares the two.
 *
 * Trusts: nothing in the request; the body limit and Host check ran in ../loopback.ts before.
 */
import { Code, ConnectError } from '@connectrpc/connect';
import { codeToHttpStatus, errorToJsonBytes } from '@connectrpc/connect/protocol-connect';
import { setTrailerStatus } from '@connectrpc/connect/protocol-grpc';
import { create, fromBinary, fromJsonString, toBinary, toJsonString, type DescMessage, type DescMethod, type DescService } from '@bufbuild/protobuf';
import type { LoopbackHandler, LoopbackRequest, LoopbackResponse } from '../loopback.js';
import type { CallContext } from './service.js';
import { toConnectError } from './codec.js';

type UnaryFn = (req: never, ctx: CallContext) => Promise<unknown>;

interface Route {
  readonly method: DescMethod;
  readonly run: UnaryFn;
}

/** Never aborted: the unary implementations served here do not watch their signal (streams and WAITING_UNARY, which do, never come here). */
const NEVER = new AbortController().signal;

/**
 * Unary methods that wait for a person (SubmitSigningRequest waits for an operator's decision)
 * and so must hear when the client cancels or goes away: Connect's handler gives them a real
 * signal. They are few and slow, so the short path would save nothing.
 */
const WAITING_UNARY = new Set(['SubmitSigningRequest']);

type Kind = 'grpc' | 'connect-proto' | 'connect-json';

/** Which short path a request can take, or undefined for "let Connect handle it". */
function kindOf(req: LoopbackRequest): Kind | undefined {
  if (req.method !== 'POST') return undefined;
  const h = req.headers;
  const type = h['content-type'];
  if (type === 'application/grpc' || type === 'application/grpc+proto') {
    // gRPC needs HTTP/2 trailers; a deadline or a compressed message is Connect's to handle.
    if (req.httpVersionMajor !== 2 || h['grpc-timeout'] !== undefined) return undefined;
    const enc = h['grpc-encoding'];
    return enc === undefined || enc === 'identity' ? 'grpc' : undefined;
  }
  if (h['connect-timeout-ms'] !== undefined) return undefined;
  const version = h['connect-protocol-version'];
  if (version !== undefined && version !== '1') return undefined;
  const enc = h['content-encoding'];
  if (enc !== undefined && enc !== 'identity') return undefined;
  if (type === 'application/proto') return 'connect-proto';
  if (type === 'application/json' || type === 'application/json; charset=utf-8') return 'connect-json';
  return undefined;
}

/**
 * Wrap `fallback` (the Connect handler): unary calls of `service` that `kindOf` accepts run
 * `impl` directly; everything else is passed on untouched.
 */
export function withFastUnary(service: DescService, impl: Record<string, unknown>, fallback: LoopbackHandler, options: { readMaxBytes: number; onDone?: (method: string, code: string, ms: number) => void }): LoopbackHandler {
  const routes = new Map<string, Route>();
  for (const method of service.methods) {
    const run = impl[method.localName];
    if (method.methodKind === 'unary' && typeof run === 'function' && !WAITING_UNARY.has(method.name)) routes.set(`/${service.typeName}/${method.name}`, { method, run: run as UnaryFn });
  }
  return (req, res) => {
    const route = routes.get(req.url ?? '');
    const kind = route === undefined ? undefined : kindOf(req);
    if (route === undefined || kind === undefined) return fallback(req, res);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      chunks.push(c);
    });
    req.on('error', () => undefined);
    req.once('end', () => {
      void serve(route, kind, size > options.readMaxBytes ? null : Buffer.concat(chunks, size), req, res, options.onDone);
    });
  };
}

async function serve(route: Route, kind: Kind, body: Buffer | null, req: LoopbackRequest, res: LoopbackResponse, onDone?: (method: string, code: string, ms: number) => void): Promise<void> {
  const t0 = performance.now();
  const { method } = route;
  let message: unknown;
  let error: ConnectError | undefined;
  let input: unknown;
  try {
    // Before the service runs, as in Connect: these errors carry no ErrorInfo (the request never reached the facade).
    if (body === null) throw new ConnectError(`message size is larger than configured readMaxBytes`, Code.ResourceExhausted);
    input = decode(method.input, kind, body);
  } catch (e) {
    error = e instanceof ConnectError ? e : new ConnectError('internal error', Code.Internal);
  }
  if (error === undefined) {
    try {
      const authorization = req.headers.authorization;
      const ctx: CallContext = {
        protocolName: kind === 'grpc' ? 'grpc' : 'connect',
        signal: NEVER,
        requestHeader: { get: (name: string) => (name.toLowerCase() === 'authorization' && typeof authorization === 'string' ? authorization : null) },
      };
      message = create(method.output, (await route.run(input as never, ctx)) as never);
    } catch (e) {
      error = toConnectError(e);
    }
  }
  onDone?.(method.name, error === undefined ? 'ok' : (Code[error.code] ?? 'Unknown'), performance.now() - t0);
  if (res.writableEnded || res.destroyed) return;
  try {
    if (kind === 'grpc') writeGrpc(res, req.headers['content-type'] as string, error === undefined ? toBinary(method.output, message as never) : undefined, error);
    else writeConnect(res, kind, error === undefined ? encodeConnect(method.output, kind, message) : undefined, error);
  } catch {
    res.destroy();
  }
}

/** Parse the request as Connect's serialisation does (same options, same error codes and messages). */
function decode(schema: DescMessage, kind: Kind, body: Buffer): unknown {
  if (kind === 'connect-json') {
    try {
      return fromJsonString(schema, body.toString('utf8'), { ignoreUnknownFields: true });
    } catch (e) {
      throw ConnectError.from(e, Code.InvalidArgument);
    }
  }
  let bytes: Uint8Array = body;
  if (kind === 'grpc') {
    // gRPC over HTTP/2, "Length-Prefixed-Message": exactly one, not compressed.
    if (body.length < 5 || body[0] !== 0 || body.readUInt32BE(1) !== body.length - 5) throw new ConnectError('protocol error: expected exactly one uncompressed message', Code.Internal);
    bytes = body.subarray(5);
  }
  try {
    return fromBinary(schema, bytes);
  } catch (e) {
    throw new ConnectError(`parse binary: ${e instanceof Error ? e.message : String(e)}`, Code.Internal);
  }
}

function encodeConnect(schema: DescMessage, kind: Kind, message: unknown): Uint8Array {
  return kind === 'connect-json' ? Buffer.from(toJsonString(schema, message as never)) : toBinary(schema, message as never);
}

function writeGrpc(res: LoopbackResponse, contentType: string, payload: Uint8Array | undefined, error: ConnectError | undefined): void {
  const trailers: Record<string, string> = {};
  setTrailerStatus(new Headers(), error).forEach((value, key) => (trailers[key] = value));
  res.writeHead(200, { 'content-type': contentType, 'grpc-accept-encoding': 'identity' } as never);
  (res as { addTrailers(t: Record<string, string>): void }).addTrailers(trailers);
  if (payload === undefined) {
    res.end();
    return;
  }
  const frame = Buffer.allocUnsafe(5 + payload.length);
  frame[0] = 0;
  frame.writeUInt32BE(payload.length, 1);
  frame.set(payload, 5);
  res.end(frame);
}

function writeConnect(res: LoopbackResponse, kind: Kind, payload: Uint8Array | undefined, error: ConnectError | undefined): void {
  if (error !== undefined) {
    const json = errorToJsonBytes(error, {});
    res.writeHead(codeToHttpStatus(error.code), { 'content-type': 'application/json', 'content-length': String(json.length) } as never);
    res.end(json);
    return;
  }
  const body = payload ?? new Uint8Array();
  res.writeHead(200, { 'content-type': kind === 'connect-json' ? 'application/json' : 'application/proto', 'content-length': String(body.length) } as never);
  res.end(body);
}
