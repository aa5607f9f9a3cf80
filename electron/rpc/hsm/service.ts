/**
 * @module rpc/hsm/service
 * The HsmService (proto/hsm.proto, `hsm.v1.HSM`): gRPC, gRPC-Web and the Connect protocol
 * (JSON or binary) on one loopback port, served with Connect (connect-node) over the shared
 * listener (../loopback.ts: HTTP/2 h2c or h2, and HTTP/1.1; Host check; body limit; TLS and
 * mutual TLS).
 *
 * A transport and nothing more: each call presents `authorization: Bearer cst_…`, which the
 * facade turns into a facade signed in as that token (authenticateToken: audited, throttled).
 * Roles, key ACLs, rate limits, validation and the audit record all come from that facade
 * call; this file maps the wire format onto it and back (./codec.ts) and CustodyError codes
 * onto gRPC status codes. HealthCheck alone needs no token: it tells whether the vault is
 * unlocked, nothing more.
 *
 * Trusts: the facade. Trusts nothing in a request. Mutual TLS, when configured, is a second
 * lock in front of the token, never instead of it.
 */
import { setMaxListeners } from 'node:events';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Code, type ConnectError, type ConnectRouter, type ServiceImpl } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { CustodyError } from '../../../shared/errors.js';
import type { CustosConfig } from '../../core/config/schema.js';
import type { ClientContext, Custodian } from '../../core/custodian.js';
import type { AuditFilter } from '../../core/audit/log.js';
import type { AuditEvent } from '../../core/audit/event.js';
import { parseCheckpoint } from '../../core/audit/checkpoint.js';
import { startLoopbackServer, type LoopbackEvent, type LoopbackHandler } from '../loopback.js';
import {
  auditEventOut,
  errorInfoOf,
  keyOut,
  parseHashAlgorithm,
  parseImportFormat,
  parseKeyAlgorithm,
  parseKeyState,
  parsePublicKeyFormat,
  parseSignOptions,
  safeNumber,
  toConnectError,
  valueOf,
} from './codec.js';
import * as pb from './gen/hsm_pb.js';
import { signerRefSchema, signingRequestSchema } from '../../../shared/api/signing.js';
import type { z } from 'zod';

/** A JSON string field parsed against its schema; the field is named in the error (INVALID_INPUT). */
function parseJsonField<T extends z.ZodType>(schema: T, text: string, field: string): z.infer<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CustodyError('INVALID_INPUT', `${field} is not valid JSON`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CustodyError('INVALID_INPUT', `${field}: ${issue === undefined ? 'invalid' : `${issue.path.join('.') || '(root)'}: ${issue.message}`}`);
  }
  return parsed.data;
}
import { withFastUnary } from './fast-unary.js';

/** Most items in one Batch* call. */
export const MAX_BATCH_ITEMS = 1000;
/** Largest request body (and message): a batch of 1000 signatures over 1 KiB each fits with room to spare. */
export const HSM_MAX_BODY_BYTES = 16 * 1024 * 1024;
/** GetAuditLog page size: default and most. */
export const AUDIT_PAGE_DEFAULT = 100;
export const AUDIT_PAGE_MAX = 1000;
const DAY_MS = 24 * 3600 * 1000;

/** What the server reports: the listener's refusals, and one event per finished call (method and code only: no token, no payload). */
export type HsmServerEvent =
  | LoopbackEvent
  /** `code`: 'ok' or the Connect code name; `via`: which handler served it (./fast-unary.ts or Connect's). */
  | { readonly type: 'rpc'; readonly method: string; readonly code: string; readonly ms: number; readonly via: 'fast' | 'connect' };

export interface HsmServiceOptions {
  /** The root facade (nobody signed in): each call signs in on its own from it. */
  readonly custodian: Custodian;
  readonly onEvent?: (event: HsmServerEvent) => void;
  /** Ends followed streams (StreamAuditLog) when the server shuts down. */
  readonly shutdown?: AbortSignal;
}

/** What the service reads of a call's context; the unary fast path (./fast-unary.ts) builds just this. */
export interface CallContext {
  readonly protocolName: string;
  readonly signal: AbortSignal;
  readonly requestHeader: Pick<Headers, 'get'>;
}

type Impl = ServiceImpl<typeof pb.HSM>;
/** The service's methods, over the narrower CallContext (still a ServiceImpl: a HandlerContext is one). */
export type HsmImpl = { [M in keyof Impl]: (req: Parameters<Impl[M]>[0], ctx: CallContext) => ReturnType<Impl[M]> };

/** The facade of one call, signed in as the bearer token it presented. */
type Authenticate = (ctx: CallContext) => Promise<Custodian>;

/**
 * The service implementation over a facade. Exported for tests and for servers that mount it
 * elsewhere; startHsmServer is the usual way in.
 */
export function hsmService(options: HsmServiceOptions): HsmImpl {
  const root = options.custodian;
  const shutdown = options.shutdown;
  // One root per protocol, so the audit log records which wire a call came over.
  const roots = new Map<string, Custodian>();
  const rootFor = (protocol: string): Custodian => {
    let r = roots.get(protocol);
    if (r === undefined) {
      const client: ClientContext = { transport: `hsm-${protocol}` };
      r = root.forTransport(client);
      roots.set(protocol, r);
    }
    return r;
  };

  const signedIn = new SignedInCache();
  const authenticate: Authenticate = async (ctx) => {
    const header = ctx.requestHeader.get('authorization');
    const m = header === null ? null : /^Bearer +(\S+) *$/i.exec(header);
    const key = m === null ? undefined : `${ctx.protocolName}\u0000${createHash('sha256').update(m[1] as string).digest('base64')}`;
    const cached = key === undefined ? undefined : signedIn.get(key);
    if (cached !== undefined) return cached;
    try {
      // A missing or malformed header still goes to the facade: its refusal is audited and throttled like any wrong token.
      const c = await rootFor(ctx.protocolName).authenticateToken(m?.[1] ?? '');
      if (key !== undefined) signedIn.set(key, c);
      return c;
    } catch (error) {
      if (m === null && error instanceof CustodyError && error.code === 'UNAUTHENTICATED') {
        throw new CustodyError('UNAUTHENTICATED', 'send an API token: authorization: Bearer cst_…', { details: { reason: 'missing' } });
      }
      throw error;
    }
  };

  return {
    // ------------------------------------------------------------ keys
    async generateKey(req, ctx) {
      const c = await authenticate(ctx);
      return { key: keyOut(await c.generateKey(req.namespace, req.keyId, parseKeyAlgorithm(req.algorithm), { exportable: req.exportable })) };
    },
    async importKey(req, ctx) {
      try {
        const c = await authenticate(ctx);
        return { key: keyOut(await c.importKey(req.namespace, req.keyId, parseKeyAlgorithm(req.algorithm), parseImportFormat(req.format), req.keyMaterial, { exportable: req.exportable })) };
      } finally {
        req.keyMaterial.fill(0);
      }
    },
    async getKey(req, ctx) {
      const c = await authenticate(ctx);
      return { key: keyOut(await c.getKey(req.namespace, req.keyId)) };
    },
    async getPublicKey(req, ctx) {
      const c = await authenticate(ctx);
      const format = parsePublicKeyFormat(req.format);
      const r = await c.publicKey(req.namespace, req.keyId, format, req.keyVersion);
      return { keyVersion: r.version, format: valueOf(pb.PublicKeyFormat, format), publicKey: r.publicKey };
    },
    async *listKeys(req, ctx) {
      const c = await authenticate(ctx);
      const state = parseKeyState(req.state);
      const keys = await c.listKeys({
        ...(req.namespace === '' ? {} : { namespace: req.namespace }),
        ...(req.algorithm === 0 ? {} : { algorithm: parseKeyAlgorithm(req.algorithm) }),
        ...(state === undefined ? {} : { state }),
      });
      for (const k of keys) {
        if (ctx.signal.aborted) return;
        yield { key: keyOut(k) };
      }
    },
    async rotateKey(req, ctx) {
      const c = await authenticate(ctx);
      return { key: keyOut(await c.rotateKey(req.namespace, req.keyId)) };
    },
    async deleteKey(req, ctx) {
      const c = await authenticate(ctx);
      return { key: keyOut(await c.scheduleKeyDeletion(req.namespace, req.keyId, req.windowDays === undefined ? undefined : req.windowDays * DAY_MS)) };
    },
    async cancelKeyDeletion(req, ctx) {
      const c = await authenticate(ctx);
      return { key: keyOut(await c.cancelKeyDeletion(req.namespace, req.keyId)) };
    },

    // ------------------------------------------------------------ cryptography
    async sign(req, ctx) {
      return sign(await authenticate(ctx), req);
    },
    async verify(req, ctx) {
      return verify(await authenticate(ctx), req);
    },
    async encrypt(req, ctx) {
      return encrypt(await authenticate(ctx), req);
    },
    async decrypt(req, ctx) {
      return decrypt(await authenticate(ctx), req);
    },
    async hash(req, ctx) {
      const c = await authenticate(ctx);
      return { digest: await c.hash(parseHashAlgorithm(req.algorithm), req.data) };
    },

    async batchSign(req, ctx) {
      const c = await authenticate(ctx);
      return { results: await batch(req.items, (item) => sign(c, item)) };
    },
    async batchVerify(req, ctx) {
      const c = await authenticate(ctx);
      return { results: await batch(req.items, (item) => verify(c, item)) };
    },
    async batchEncrypt(req, ctx) {
      const c = await authenticate(ctx);
      return { results: await batch(req.items, (item) => encrypt(c, item)) };
    },
    async batchDecrypt(req, ctx) {
      const c = await authenticate(ctx);
      return { results: await batch(req.items, (item) => decrypt(c, item)) };
    },

    // ------------------------------------------------------------ namespaces
    async createNamespace(req, ctx) {
      const c = await authenticate(ctx);
      await c.createNamespace(req.name, { ...(req.description === '' ? {} : { description: req.description }), ...(req.maxKeys === undefined ? {} : { maxKeys: req.maxKeys }) });
      const n = await c.showNamespace(req.name);
      return { namespace: { name: n.name, createdAtMs: BigInt(n.createdAt), keyCount: n.keyCount, description: n.description, ...(n.maxKeys === null ? {} : { maxKeys: n.maxKeys }) } };
    },

    // ------------------------------------------------------------ audit
    async getAuditLog(req, ctx) {
      const c = await authenticate(ctx);
      const limit = req.limit === 0 ? AUDIT_PAGE_DEFAULT : req.limit;
      if (limit > AUDIT_PAGE_MAX) throw new CustodyError('INVALID_INPUT', `limit: at most ${AUDIT_PAGE_MAX}`);
      const events = await c.auditQuery({ ...auditFilter(req.filter), ...(req.afterSeq === undefined ? {} : { afterSeq: safeNumber(req.afterSeq, 'after_seq') }), limit, descending: req.descending });
      return { events: events.map(auditEventOut) };
    },
    async *streamAuditLog(req, ctx) {
      const c = await authenticate(ctx);
      const signals = shutdown === undefined ? [ctx.signal] : [ctx.signal, shutdown];
      for await (const event of followAuditLog(c, root, auditFilter(req.filter), req.afterSeq === undefined ? undefined : safeNumber(req.afterSeq, 'after_seq'), AbortSignal.any(signals))) {
        yield { event: auditEventOut(event) };
      }
    },
    async getMerkleRoot(_req, ctx) {
      const c = await authenticate(ctx);
      const cp = await c.auditCheckpoint();
      if (cp === null) throw new CustodyError('TAMPERED', 'the audit log has no Merkle root to sign (a gap in the log): run `custos audit verify`');
      const parsed = parseCheckpoint(cp.note);
      return { treeSize: BigInt(parsed.size), rootHash: parsed.root, checkpoint: cp.note, origin: parsed.origin };
    },

    // ------------------------------------------------------------ chain signing requests
    async submitSigningRequest(req, ctx) {
      const c = await authenticate(ctx);
      const request = parseJsonField(signingRequestSchema, req.requestJson, 'request_json');
      const signer = parseJsonField(signerRefSchema, req.signerJson, 'signer_json');
      if (req.ttlSeconds !== undefined && (req.ttlSeconds < 1 || req.ttlSeconds > 86_400)) throw new CustodyError('INVALID_INPUT', 'ttl_seconds: 1 to 86400');
      const who = c.whoami();
      // Control characters would let a label fake lines in the operator's view.
      const note = [...req.clientLabel.trim()].map((ch) => ((ch.codePointAt(0) ?? 0) < 0x20 || ch === '\u007f' ? ' ' : ch)).join('').slice(0, 80);
      const { record, result } = await c.submitSigningRequest({
        client: { transport: 'hsm', id: who.principal, label: note === '' ? who.principal : `${note} (${who.principal})` },
        method: 'SubmitSigningRequest',
        request,
        signer,
        ...(req.ttlSeconds === undefined ? {} : { ttlMs: req.ttlSeconds * 1000 }),
        signal: ctx.signal,
      });
      return {
        requestId: record.id,
        result: result.primary.value,
        resultLabel: result.primary.label,
        resultJson: JSON.stringify(result.fields),
        viewJson: JSON.stringify(record.view),
        decidedBy: record.decidedBy ?? '',
      };
    },

    // ------------------------------------------------------------ health
    async healthCheck() {
      const s = root.status();
      const serving = s.initialized && s.unlocked;
      return {
        status: serving ? pb.HealthCheckResponse_ServingStatus.SERVING : pb.HealthCheckResponse_ServingStatus.NOT_SERVING,
        vaultInitialized: s.initialized,
        vaultUnlocked: s.unlocked,
      };
    },
  };
}

/** How long the facade a token signed in as is reused for that same token (see SignedInCache). */
export const SIGNED_IN_TTL_MS = 10_000;
const SIGNED_IN_MAX = 1024;

/**
 * The facades API tokens signed in as, by SHA-256 of the exact token presented (never the token
 * itself), for SIGNED_IN_TTL_MS. A memo of the facade's answer, not a rule of ours: every
 * operation on such a facade still checks that its token is live (not revoked, not expired) and
 * its roles and ACLs as they are now (custodian.authorize), so a revocation takes effect on the
 * next call. What reuse skips is the sign-in itself for up to the TTL: the token lookup with its
 * record MAC and the failed-attempt throttle check, which together cost as much as the Sign.
 */
class SignedInCache {
  private readonly entries = new Map<string, { readonly custodian: Custodian; readonly until: number }>();

  get(key: string): Custodian | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.until > Date.now()) return e.custodian;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, custodian: Custodian): void {
    if (this.entries.size >= SIGNED_IN_MAX) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { custodian, until: Date.now() + SIGNED_IN_TTL_MS });
  }
}

async function sign(c: Custodian, req: pb.SignRequest): Promise<MessageInitShape<typeof pb.SignResponseSchema>> {
  if (req.keyVersion !== undefined) throw new CustodyError('INVALID_INPUT', 'key_version: signing always uses the primary version (leave it unset)');
  const r = await c.sign({ namespace: req.namespace, keyId: req.keyId, data: req.data, ...parseSignOptions(req) });
  return { signature: r.signature, keyVersion: r.keyVersion, algorithm: valueOf(pb.KeyAlgorithm, r.algorithm) };
}

async function verify(c: Custodian, req: pb.VerifyRequest): Promise<MessageInitShape<typeof pb.VerifyResponseSchema>> {
  const r = await c.verify({ namespace: req.namespace, keyId: req.keyId, data: req.data, signature: req.signature, ...(req.keyVersion === undefined ? {} : { keyVersion: req.keyVersion }), ...parseSignOptions(req) });
  return { valid: r.valid, keyVersion: r.keyVersion };
}

async function encrypt(c: Custodian, req: pb.EncryptRequest): Promise<MessageInitShape<typeof pb.EncryptResponseSchema>> {
  if (req.keyVersion !== undefined) throw new CustodyError('INVALID_INPUT', 'key_version: encryption always uses the primary version (leave it unset)');
  const r = await c.encrypt({ namespace: req.namespace, keyId: req.keyId, data: req.plaintext, ...(req.aad === undefined ? {} : { aad: req.aad }) });
  return { ciphertext: r.ciphertext, keyVersion: r.keyVersion };
}

async function decrypt(c: Custodian, req: pb.DecryptRequest): Promise<MessageInitShape<typeof pb.DecryptResponseSchema>> {
  const r = await c.decrypt({ namespace: req.namespace, keyId: req.keyId, data: req.ciphertext, ...(req.aad === undefined ? {} : { aad: req.aad }), ...(req.keyVersion === undefined ? {} : { keyVersion: req.keyVersion }) });
  return { plaintext: r.plaintext, keyVersion: r.keyVersion };
}

/**
 * Run every item (concurrently: the facade's audit commits group them) and answer each with
 * its result or its error: one refused item never fails the others.
 */
async function batch<I, O>(items: readonly I[], run: (item: I) => Promise<O>): Promise<({ outcome: { case: 'ok'; value: O } } | { outcome: { case: 'error'; value: MessageInitShape<typeof pb.ErrorInfoSchema> } })[]> {
  if (items.length > MAX_BATCH_ITEMS) throw new CustodyError('INVALID_INPUT', `items: at most ${MAX_BATCH_ITEMS} per batch`, { details: { maxItems: MAX_BATCH_ITEMS } });
  return Promise.all(
    items.map(async (item) => {
      try {
        return { outcome: { case: 'ok' as const, value: await run(item) } };
      } catch (error) {
        return { outcome: { case: 'error' as const, value: errorInfoOf(error) } };
      }
    }),
  );
}

function auditFilter(f: pb.AuditFilter | undefined): AuditFilter {
  if (f === undefined) return {};
  return {
    ...(f.namespace === '' ? {} : { namespace: f.namespace }),
    ...(f.principal === '' ? {} : { principal: f.principal }),
    ...(f.action === '' ? {} : { action: f.action }),
    ...(f.result === '' ? {} : { result: f.result }),
    ...(f.fromMs === undefined ? {} : { from: safeNumber(f.fromMs, 'filter.from_ms') }),
    ...(f.toMs === undefined ? {} : { to: safeNumber(f.toMs, 'filter.to_ms') }),
  };
}

const FOLLOW_PAGE = 500;

/**
 * The events matching `filter` after `afterSeq` (unset: from now), then each new one as it is
 * written, until `signal` aborts or the facade refuses (token revoked, vault locked).
 *
 * Every read is a facade call, and the facade audits every read: each query appends one event
 * of its own, which would wake us again, forever. So we compare the log's size before and after
 * each query: if it grew by exactly one, that was our own read and we sleep until the next
 * notification; our read's event is delivered with the next batch (it is part of the log too).
 */
export async function* followAuditLog(c: Custodian, root: Custodian, filter: AuditFilter, afterSeq: number | undefined, signal: AbortSignal): AsyncGenerator<AuditEvent> {
  let last = afterSeq ?? c.auditStatus().size;
  /** Log size after our last query (our own event included): a notification for no more than this is our own echo. */
  let known = -1;
  let dirty = afterSeq !== undefined;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    dirty = true;
    wake?.();
  };
  const unsubscribe = root.subscribe((event) => {
    if (event.type === 'audit.appended' || event.type === 'vault.changed') poke();
  });
  signal.addEventListener('abort', poke);
  try {
    for (;;) {
      if (signal.aborted) return;
      if (!dirty) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      dirty = false;
      const before = c.auditStatus().size;
      if (before <= Math.max(known, last)) continue;
      const events = await c.auditQuery({ ...filter, afterSeq: last, limit: FOLLOW_PAGE });
      const after = c.auditStatus().size;
      for (const e of events) {
        if (signal.aborted) return;
        yield e;
        last = e.seq;
      }
      if (events.length === FOLLOW_PAGE) {
        dirty = true; // more to read
        known = -1;
        continue;
      }
      last = Math.max(last, before);
      known = after;
      if (after > before + 1) dirty = true; // others wrote while we read
    }
  } finally {
    unsubscribe();
    signal.removeEventListener('abort', poke);
  }
}

/** The request handler of the HSM service: gRPC, gRPC-Web and Connect (JSON and binary); unary calls in plain gRPC and Connect take the short path of ./fast-unary.ts. */
export function hsmHandler(options: HsmServiceOptions & { readMaxBytes?: number }): LoopbackHandler {
  const notify = options.onEvent;
  const impl = hsmService(options);
  const routes = (router: ConnectRouter): void => {
    router.service(pb.HSM, impl);
  };
  const handler = connectNodeAdapter({
    routes,
    grpc: true,
    grpcWeb: true,
    connect: true,
    readMaxBytes: options.readMaxBytes ?? HSM_MAX_BODY_BYTES,
    ...(options.shutdown === undefined ? {} : { shutdownSignal: options.shutdown }),
    interceptors: [
      (next) => async (req) => {
        const t0 = performance.now();
        try {
          const res = await next(req);
          if (res.stream) return { ...res, message: observeStream(res.message, (code) => notify?.({ type: 'rpc', method: req.method.name, code, ms: performance.now() - t0, via: 'connect' })) };
          notify?.({ type: 'rpc', method: req.method.name, code: 'ok', ms: performance.now() - t0, via: 'connect' });
          return res;
        } catch (error) {
          const e = toConnectError(error);
          notify?.({ type: 'rpc', method: req.method.name, code: Code[e.code] ?? 'Unknown', ms: performance.now() - t0, via: 'connect' });
          throw e;
        }
      },
    ],
  });
  const readMaxBytes = options.readMaxBytes ?? HSM_MAX_BODY_BYTES;
  return withFastUnary(pb.HSM, impl, handler as LoopbackHandler, { readMaxBytes, ...(notify === undefined ? {} : { onDone: (method, code, ms) => notify({ type: 'rpc', method, code, ms, via: 'fast' }) }) });
}

/** Streams: map errors thrown mid-stream like unary ones, and report the outcome when the stream ends. */
async function* observeStream<T>(source: AsyncIterable<T>, done: (code: string) => void): AsyncGenerator<T> {
  try {
    yield* source;
    done('ok');
  } catch (error) {
    const e = toConnectError(error);
    done(Code[e.code] ?? 'Unknown');
    throw e;
  }
}

export interface HsmServer {
  readonly port: number;
  /** `http://127.0.0.1:PORT` (https with TLS). */
  readonly url: string;
  /** End followed streams, let calls in flight finish briefly, close every connection. Idempotent. Does not close the facade. */
  close(): Promise<void>;
}

export interface StartHsmServerOptions {
  /** The root facade (nobody signed in). The server never closes it. */
  readonly custodian: Custodian;
  /** The parsed configuration's `server` section: `bind`, `hsm.{enabled, port, tls}`. */
  readonly config: Pick<CustosConfig['server'], 'bind' | 'hsm' | 'air_gapped'>;
  readonly onEvent?: (event: HsmServerEvent) => void;
  /** Tests: smaller limits and timeouts. */
  readonly limits?: { readonly maxBodyBytes?: number; readonly requestTimeoutMs?: number; readonly headersTimeoutMs?: number; readonly idleTimeoutMs?: number };
}

/**
 * Start the HsmService on `config.bind`:`config.hsm.port` (gRPC, gRPC-Web and Connect on one
 * port; TLS when `hsm.tls` names a certificate, mutual TLS when it also names a client CA).
 * Refuses (INVALID_INPUT) when the server is not enabled or the vault is air-gapped.
 */
export async function startHsmServer(options: StartHsmServerOptions): Promise<HsmServer> {
  const { config } = options;
  if (config.air_gapped) throw new CustodyError('INVALID_INPUT', 'server.air_gapped is true: no listener may start');
  if (!config.hsm.enabled) throw new CustodyError('INVALID_INPUT', 'server.hsm.enabled is false');
  const tls = config.hsm.tls;
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (cause) {
      throw new CustodyError('INVALID_INPUT', `server.hsm.tls.${what}: cannot read ${path}`, { cause });
    }
  };
  const shutdown = new AbortController();
  // Connect links every call's signal to this one: as many listeners as calls in flight, by design.
  setMaxListeners(0, shutdown.signal);
  const maxBodyBytes = options.limits?.maxBodyBytes ?? HSM_MAX_BODY_BYTES;
  const handler = hsmHandler({ custodian: options.custodian, shutdown: shutdown.signal, readMaxBytes: maxBodyBytes, ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }) });
  const server = await startLoopbackServer({
    name: 'hsm',
    bind: config.bind,
    port: config.hsm.port,
    handler,
    http2: true,
    ...(tls === undefined
      ? {}
      : { tls: { cert: read(tls.cert_file, 'cert_file'), key: read(tls.key_file, 'key_file'), ...(tls.client_ca_file === undefined ? {} : { clientCa: read(tls.client_ca_file, 'client_ca_file') }) } }),
    maxBodyBytes,
    ...(options.limits?.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.limits.requestTimeoutMs }),
    ...(options.limits?.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: options.limits.headersTimeoutMs }),
    ...(options.limits?.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.limits.idleTimeoutMs }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  });
  let closing: Promise<void> | undefined;
  return {
    port: server.port,
    url: server.url,
    close: () => {
      closing ??= (async () => {
        shutdown.abort();
        await server.close();
      })();
      return closing;
    },
  };
}

/** For tests and clients: the ErrorInfo detail of an error the service returned, if it carries one. */
export function errorInfoFrom(error: ConnectError): pb.ErrorInfo | undefined {
  return error.findDetails(pb.ErrorInfoSchema)[0];
}
