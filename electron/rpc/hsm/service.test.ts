/**
 * The HsmService end to end, with clients that share no code with the server: @grpc/grpc-js
 * loading proto/hsm.proto through @grpc/proto-loader (gRPC over HTTP/2), and plain fetch /
 * https speaking the Connect protocol with JSON (HTTP/1.1). A real vault, real API tokens minted
 * through the facade; TLS and mutual TLS with certificates made by the openssl binary.
 */
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { unlockedCustodian } from '../../../test/helpers.js';
import { makeTestPki, type TestPki } from '../../../test/certs.js';
import type { Custodian } from '../../core/custodian.js';
import { CONNECT_CODES, nameOf, valueOf } from './codec.js';
import * as pb from './gen/hsm_pb.js';
import { startHsmServer, type HsmServer, type HsmServerEvent, type StartHsmServerOptions } from './service.js';
import { HASH_ALGORITHMS, IMPORT_FORMATS, KEY_ALGORITHMS, PUBLIC_KEY_FORMATS, RSA_SCHEMES, SIGNATURE_FORMATS } from '../../../shared/algorithms.js';
import { ERROR_CODES } from '../../../shared/errors.js';
import { KEY_STATES } from '../../core/keys/key-store.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const PROTO = join(ROOT, 'proto/hsm.proto');

// ------------------------------------------------------------------ a gRPC client from the .proto alone

type Obj = Record<string, unknown>;
type GrpcClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

const definition = protoLoader.loadSync(PROTO, { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true });
const HsmClient = (grpc.loadPackageDefinition(definition) as unknown as { hsm: { v1: { HSM: new (target: string, creds: grpc.ChannelCredentials) => GrpcClient } } }).hsm.v1.HSM;

function bearer(token?: string): grpc.Metadata {
  const md = new grpc.Metadata();
  if (token !== undefined) md.set('authorization', `Bearer ${token}`);
  return md;
}

function unary<T = Obj>(client: GrpcClient, method: string, request: Obj, token?: string): Promise<T> {
  return new Promise((resolve, reject) => {
    (client[method] as (req: Obj, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: T) => void) => void).call(client, request, bearer(token), (err, res) => (err === null ? resolve(res) : reject(err)));
  });
}

function serverStream<T = Obj>(client: GrpcClient, method: string, request: Obj, token?: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const out: T[] = [];
    const call = (client[method] as (req: Obj, md: grpc.Metadata) => grpc.ClientReadableStream<T>).call(client, request, bearer(token));
    call.on('data', (m: T) => out.push(m));
    call.on('end', () => resolve(out));
    call.on('error', reject);
  });
}

/** The hsm.v1.ErrorInfo inside grpc-status-details-bin (a google.rpc.Status: 3 = repeated Any{1 type_url, 2 value}). */
function errorInfoOfGrpc(err: grpc.ServiceError): pb.ErrorInfo | undefined {
  const bin = err.metadata.get('grpc-status-details-bin')[0];
  if (!(bin instanceof Buffer)) return undefined;
  const status = new BinaryReader(bin);
  while (status.pos < status.len) {
    const [field, wire] = status.tag();
    if (field !== 3) {
      status.skip(wire);
      continue;
    }
    const any = new BinaryReader(status.bytes());
    let type = '';
    let value: Uint8Array = new Uint8Array();
    while (any.pos < any.len) {
      const [f, w] = any.tag();
      if (f === 1) type = any.string();
      else if (f === 2) value = any.bytes();
      else any.skip(w);
    }
    if (type.endsWith('/hsm.v1.ErrorInfo')) return fromBinary(pb.ErrorInfoSchema, value);
  }
  return undefined;
}

async function grpcRefusal(p: Promise<unknown>): Promise<{ code: number; reason: string | undefined; details: string }> {
  try {
    await p;
  } catch (error) {
    const e = error as grpc.ServiceError;
    return { code: e.code, reason: errorInfoOfGrpc(e)?.reason, details: e.details };
  }
  throw new Error('expected the call to be refused');
}

// ------------------------------------------------------------------ the vault and its tokens

interface World {
  c: Custodian;
  user: string;
  keyAdmin: string;
  auditor: string;
  revoked: string;
}

async function world(): Promise<World> {
  const c = await unlockedCustodian();
  await c.generateKey('default', 'ed', 'ed25519');
  await c.generateKey('default', 'p256', 'ecdsa-p256');
  await c.generateKey('default', 'aes', 'aes-256-gcm');
  const user = (await c.createToken({ label: 'app', grants: [{ namespace: 'default', role: 'KeyUser' }] })).token;
  const keyAdmin = (await c.createToken({ label: 'keys', grants: [{ namespace: 'default', role: 'KeyAdmin' }] })).token;
  const auditor = (await c.createToken({ label: 'audit', grants: [{ namespace: '*', role: 'Auditor' }] })).token;
  const r = await c.createToken({ label: 'old', grants: [{ namespace: 'default', role: 'KeyUser' }] });
  await c.revokeToken(r.info.id);
  return { c, user, keyAdmin, auditor, revoked: r.token };
}

const config = (tls?: { cert_file: string; key_file: string; client_ca_file?: string }): StartHsmServerOptions['config'] => ({
  air_gapped: false,
  bind: '127.0.0.1',
  hsm: { enabled: true, port: 0, ...(tls === undefined ? {} : { tls }) },
});

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function serve(w: World, options: Partial<StartHsmServerOptions> = {}): Promise<HsmServer & { events: HsmServerEvent[] }> {
  const events: HsmServerEvent[] = [];
  const s = await startHsmServer({ custodian: w.c.forTransport({ transport: 'hsm' }), config: config(), onEvent: (e) => events.push(e), ...options });
  closers.push(() => w.c.close(), () => s.close());
  return Object.assign(s, { events });
}

function grpcClient(s: HsmServer, creds = grpc.credentials.createInsecure()): GrpcClient {
  const client = new HsmClient(`127.0.0.1:${s.port}`, creds);
  closers.push(() => client.close());
  return client;
}

async function connectJson(s: HsmServer, method: string, body: Obj, token?: string): Promise<{ status: number; json: Obj }> {
  const res = await fetch(`${s.url}/hsm.v1.HSM/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Obj };
}

const b64 = (s: string | Uint8Array): string => Buffer.from(s).toString('base64');

// ------------------------------------------------------------------ tests

describe('wire names', () => {
  it('every enum value is a Custos name and every Custos name has a value', () => {
    const pairs: [Record<string, string | number>, readonly string[]][] = [
      [pb.KeyAlgorithm, KEY_ALGORITHMS],
      [pb.HashAlgorithm, HASH_ALGORITHMS],
      [pb.RsaScheme, RSA_SCHEMES],
      [pb.SignatureFormat, SIGNATURE_FORMATS],
      [pb.PublicKeyFormat, PUBLIC_KEY_FORMATS],
      [pb.ImportFormat, IMPORT_FORMATS],
      [pb.KeyState, KEY_STATES],
    ];
    for (const [e, names] of pairs) {
      const values = Object.values(e).filter((v): v is number => typeof v === 'number' && v !== 0);
      expect(values.map((v) => nameOf(e, v)).sort()).toEqual([...names].sort());
      for (const n of names) expect(nameOf(e, valueOf(e, n))).toBe(n);
    }
  });

  it('every Custos error code has a gRPC status', () => {
    expect(Object.keys(CONNECT_CODES).sort()).toEqual([...ERROR_CODES].sort());
  });
});

describe('HsmService over gRPC (grpc-js client from proto/hsm.proto)', () => {
  it('answers HealthCheck without a token', async () => {
    const w = await world();
    const client = grpcClient(await serve(w));
    expect(await unary(client, 'healthCheck', {})).toMatchObject({ status: 'SERVING_STATUS_SERVING', vaultInitialized: true, vaultUnlocked: true });
  });

  it('signs with Ed25519 and ECDSA; the signatures verify with node:crypto and through Verify', async () => {
    const w = await world();
    const client = grpcClient(await serve(w));
    const data = Buffer.from('pay 10 to bob');
    const sig = await unary<{ signature: Buffer; keyVersion: number; algorithm: string }>(client, 'sign', { namespace: 'default', keyId: 'ed', data }, w.user);
    expect(sig).toMatchObject({ keyVersion: 1, algorithm: 'KEY_ALGORITHM_ED25519' });
    const pem = await unary<{ publicKey: Buffer }>(client, 'getPublicKey', { namespace: 'default', keyId: 'ed', format: 'PUBLIC_KEY_FORMAT_PEM' }, w.user);
    expect(nodeVerify(null, data, createPublicKey(pem.publicKey.toString('utf8')), sig.signature)).toBe(true);
    expect(await unary(client, 'verify', { namespace: 'default', keyId: 'ed', data, signature: sig.signature }, w.user)).toMatchObject({ valid: true, keyVersion: 1 });
    expect(await unary(client, 'verify', { namespace: 'default', keyId: 'ed', data: Buffer.from('pay 99 to eve'), signature: sig.signature }, w.user)).toMatchObject({ valid: false });

    const ec = await unary<{ signature: Buffer }>(client, 'sign', { namespace: 'default', keyId: 'p256', data, hash: 'HASH_ALGORITHM_SHA256', signatureFormat: 'SIGNATURE_FORMAT_RAW' }, w.user);
    expect(ec.signature.length).toBe(64);
    const der = await unary<{ publicKey: Buffer }>(client, 'getPublicKey', { namespace: 'default', keyId: 'p256', format: 'PUBLIC_KEY_FORMAT_DER' }, w.user);
    expect(nodeVerify('sha256', data, { key: createPublicKey({ key: der.publicKey, format: 'der', type: 'spki' }), dsaEncoding: 'ieee-p1363' }, ec.signature)).toBe(true);
  });

  it('encrypts, decrypts and hashes', async () => {
    const w = await world();
    const client = grpcClient(await serve(w));
    const enc = await unary<{ ciphertext: Buffer }>(client, 'encrypt', { namespace: 'default', keyId: 'aes', plaintext: Buffer.from('secret'), aad: Buffer.from('ctx') }, w.user);
    expect(await unary(client, 'decrypt', { namespace: 'default', keyId: 'aes', ciphertext: enc.ciphertext, aad: Buffer.from('ctx') }, w.user)).toMatchObject({ plaintext: Buffer.from('secret'), keyVersion: 1 });
    const wrong = await grpcRefusal(unary(client, 'decrypt', { namespace: 'default', keyId: 'aes', ciphertext: enc.ciphertext, aad: Buffer.from('other') }, w.user));
    expect(wrong).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, reason: 'DECRYPTION_FAILED' });
    const h = await unary<{ digest: Buffer }>(client, 'hash', { algorithm: 'HASH_ALGORITHM_SHA256', data: Buffer.from('abc') }, w.user);
    expect(h.digest.toString('hex')).toBe(createHash('sha256').update('abc').digest('hex'));
  });

  it('streams ListKeys, one key per message', async () => {
    const w = await world();
    const client = grpcClient(await serve(w));
    const keys = await serverStream<{ key: { keyId: string; algorithm: string; state: string; versions: unknown[] } }>(client, 'listKeys', { namespace: 'default' }, w.user);
    expect(keys.map((k) => k.key.keyId).sort()).toEqual(['aes', 'ed', 'p256']);
    expect(keys.find((k) => k.key.keyId === 'ed')?.key).toMatchObject({ algorithm: 'KEY_ALGORITHM_ED25519', state: 'KEY_STATE_ACTIVE' });
  });

  it('manages keys with a KeyAdmin token: generate, get, rotate, delete (scheduled) and cancel', async () => {
    const w = await world();
    const client = grpcClient(await serve(w));
    const made = await unary<{ key: Obj }>(client, 'generateKey', { namespace: 'default', keyId: 'k2', algorithm: 'KEY_ALGORITHM_ECDSA_SECP256K1' }, w.keyAdmin);
    expect(made.key).toMatchObject({ keyId: 'k2', primaryVersion: 1, kind: 'KEY_KIND_PRIVATE', origin: 'KEY_ORIGIN_GENERATED', backend: 'software' });
    expect((await unary<{ key: Obj }>(client, 'rotateKey', { namespace: 'default', keyId: 'k2' }, w.keyAdmin)).key).toMatchObject({ primaryVersion: 2 });
    const deleted = await unary<{ key: { state: string; deletionAtMs: number } }>(client, 'deleteKey', { namespace: 'default', keyId: 'k2', windowDays: 3 }, w.keyAdmin);
    expect(deleted.key.state).toBe('KEY_STATE_PENDING_DELETION');
    expect(deleted.key.deletionAtMs).toBeGreaterThan(Date.now() + 2.9 * 24 * 3600 * 1000);
    expect((await unary<{ key: Obj }>(client, 'cancelKeyDeletion', { namespace: 'default', keyId: 'k2' }, w.keyAdmin)).key).toMatchObject({ state: 'KEY_STATE_ACTIVE' });
    expect((await unary<{ key: Obj }>(client, 'getKey', { namespace: 'default', keyId: 'k2' }, w.keyAdmin)).key).toMatchObject({ primaryVersion: 2 });
    expect(await grpcRefusal(unary(client, 'getKey', { namespace: 'default', keyId: 'nope' }, w.keyAdmin))).toMatchObject({ code: grpc.status.NOT_FOUND, reason: 'NOT_FOUND' });
  });

  it('BatchSign: a failing item carries its own error, the others their signatures', async () => {
    const w = await world();
    const client = grpcClient(await serve(w));
    const items = [
      { namespace: 'default', keyId: 'ed', data: Buffer.from('a') },
      { namespace: 'default', keyId: 'missing', data: Buffer.from('b') },
      { namespace: 'default', keyId: 'aes', data: Buffer.from('c') },
      { namespace: 'default', keyId: 'p256', data: Buffer.from('d') },
    ];
    const r = await unary<{ results: { outcome: string; ok?: { signature: Buffer }; error?: { reason: string; code: number } }[] }>(client, 'batchSign', { items }, w.user);
    expect(r.results.map((x) => x.outcome)).toEqual(['ok', 'error', 'error', 'ok']);
    expect(r.results[1]?.error).toMatchObject({ reason: 'NOT_FOUND', code: grpc.status.NOT_FOUND });
    expect(r.results[2]?.error).toMatchObject({ reason: 'WRONG_KEY_TYPE', code: grpc.status.INVALID_ARGUMENT });
    expect(r.results[0]?.ok?.signature.length).toBe(64);
    const v = await unary<{ results: { ok?: { valid: boolean } }[] }>(client, 'batchVerify', { items: [{ ...items[0], signature: r.results[0]?.ok?.signature }, { ...items[0], signature: Buffer.alloc(64) }] }, w.user);
    expect(v.results.map((x) => x.ok?.valid)).toEqual([true, false]);
    const e = await unary<{ results: { ok?: { ciphertext: Buffer } }[] }>(client, 'batchEncrypt', { items: [{ namespace: 'default', keyId: 'aes', plaintext: Buffer.from('x') }] }, w.user);
    const d = await unary<{ results: { ok?: { plaintext: Buffer } }[] }>(client, 'batchDecrypt', { items: [{ namespace: 'default', keyId: 'aes', ciphertext: e.results[0]?.ok?.ciphertext }] }, w.user);
    expect(d.results[0]?.ok?.plaintext.toString()).toBe('x');
  });

  it('refuses a call without a token, with a revoked token, and a KeyAdmin signing', async () => {
    const w = await world();
    const s = await serve(w);
    const client = grpcClient(s);
    const req = { namespace: 'default', keyId: 'ed', data: Buffer.from('x') };
    expect(await grpcRefusal(unary(client, 'sign', req))).toMatchObject({ code: grpc.status.UNAUTHENTICATED, reason: 'UNAUTHENTICATED' });
    expect(await grpcRefusal(unary(client, 'sign', req, 'cst_not-a-token'))).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    const revoked = await grpcRefusal(unary(client, 'sign', req, w.revoked));
    expect(revoked).toMatchObject({ code: grpc.status.UNAUTHENTICATED, reason: 'UNAUTHENTICATED' });
    expect(revoked.details).toMatch(/revoked/);
    const admin = await grpcRefusal(unary(client, 'sign', req, w.keyAdmin));
    expect(admin).toMatchObject({ code: grpc.status.PERMISSION_DENIED, reason: 'PERMISSION_DENIED' });
    // API tokens are never Admin: creating a namespace is the operator's.
    expect(await grpcRefusal(unary(client, 'createNamespace', { name: 'team' }, w.keyAdmin))).toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    // Every refusal is in the audit log, recorded by the facade with the wire it came over.
    const refusals = await w.c.auditQuery({ result: 'PERMISSION_DENIED' });
    expect(refusals.some((e) => e.action === 'crypto.sign' && e.client.transport === 'hsm-grpc')).toBe(true);
    expect((await w.c.auditQuery({ action: 'auth.token' })).length).toBeGreaterThanOrEqual(3);
    expect(s.events).toContainEqual(expect.objectContaining({ type: 'rpc', method: 'Sign', code: 'PermissionDenied' }));
  });

  it('a token revoked between two calls is refused on the next call (reusing its sign-in defeats nothing)', async () => {
    const w = await world();
    const s = await serve(w);
    const client = grpcClient(s);
    const { token, info } = await w.c.createToken({ label: 'soon revoked', grants: [{ namespace: 'default', role: 'KeyUser' }] });
    const req = { namespace: 'default', keyId: 'ed', data: Buffer.from('x') };
    const json = { namespace: 'default', keyId: 'ed', data: b64('x') };
    expect(await unary(client, 'sign', req, token)).toMatchObject({ keyVersion: 1 });
    expect((await connectJson(s, 'Sign', json, token)).status).toBe(200);
    await w.c.revokeToken(info.id);
    expect(await grpcRefusal(unary(client, 'sign', req, token))).toMatchObject({ code: grpc.status.UNAUTHENTICATED, reason: 'UNAUTHENTICATED' });
    expect(await connectJson(s, 'Sign', json, token)).toMatchObject({ status: 401, json: { code: 'unauthenticated' } });
  });

  it('refuses a call while the vault is locked with FAILED_PRECONDITION', async () => {
    const w = await world();
    const client = grpcClient(await serve(w));
    await w.c.lock();
    expect(await grpcRefusal(unary(client, 'sign', { namespace: 'default', keyId: 'ed', data: Buffer.from('x') }, w.user))).toMatchObject({ code: grpc.status.FAILED_PRECONDITION, reason: 'VAULT_LOCKED' });
    expect(await unary(client, 'healthCheck', {})).toMatchObject({ status: 'SERVING_STATUS_NOT_SERVING', vaultUnlocked: false });
  });

  it('reads the audit log: a page, a followed stream with new events, and the Merkle root', async () => {
    const w = await world();
    const client = grpcClient(await serve(w));
    const page = await unary<{ events: { seq: number; action: string }[] }>(client, 'getAuditLog', { limit: 5 }, w.auditor);
    expect(page.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(await grpcRefusal(unary(client, 'getAuditLog', {}, w.user))).toMatchObject({ code: grpc.status.PERMISSION_DENIED });

    const root = await unary<{ treeSize: number; rootHash: Buffer; checkpoint: string; origin: string }>(client, 'getMerkleRoot', {}, w.auditor);
    expect(root.treeSize).toBeGreaterThan(5);
    expect(root.rootHash.length).toBe(32);
    expect(root.checkpoint).toContain(`${root.origin}\n${root.treeSize}\n${root.rootHash.toString('base64')}\n`);

    // Follow from now on: events others write arrive, in order, without polling.
    const call = (client.streamAuditLog as (req: Obj, md: grpc.Metadata) => grpc.ClientReadableStream<{ event: { seq: number; action: string; keyId?: string; result: string; client: Record<string, string> } }>).call(client, { filter: { namespace: 'default' } }, bearer(w.auditor));
    const seen: { seq: number; action: string; keyId?: string; result: string; client: Record<string, string> }[] = [];
    const got = new Promise<void>((resolve, reject) => {
      call.on('data', (m: { event: (typeof seen)[number] }) => {
        seen.push(m.event);
        if (seen.filter((e) => e.action === 'crypto.sign').length === 2) resolve();
      });
      call.on('error', (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED ? undefined : reject(e)));
    });
    await new Promise((r) => setTimeout(r, 100));
    await unary(client, 'sign', { namespace: 'default', keyId: 'ed', data: Buffer.from('1') }, w.user);
    await unary(client, 'sign', { namespace: 'default', keyId: 'p256', data: Buffer.from('2') }, w.user);
    await got;
    call.cancel();
    const signs = seen.filter((e) => e.action === 'crypto.sign');
    expect(signs.map((e) => e.keyId)).toEqual(['ed', 'p256']);
    expect(signs[0]?.client.transport).toBe('hsm-grpc');
    const seqs = seen.map((e) => e.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('ends followed streams when the server closes', async () => {
    const w = await world();
    const s = await serve(w);
    const client = grpcClient(s);
    const call = (client.streamAuditLog as (req: Obj, md: grpc.Metadata) => grpc.ClientReadableStream<unknown>).call(client, { afterSeq: 0 }, bearer(w.auditor));
    const ended = new Promise<string>((resolve) => {
      call.on('data', () => undefined);
      call.on('end', () => resolve('end'));
      call.on('error', () => resolve('error'));
    });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await s.close();
    await ended;
    expect(Date.now() - t0).toBeLessThan(1500);
  });
});

describe('HsmService over the Connect protocol (fetch, JSON, HTTP/1.1)', () => {
  it('signs and verifies with JSON bodies', async () => {
    const w = await world();
    const s = await serve(w);
    const signed = await connectJson(s, 'Sign', { namespace: 'default', keyId: 'ed', data: b64('hello') }, w.user);
    expect(signed.status).toBe(200);
    expect(signed.json).toMatchObject({ keyVersion: 1, algorithm: 'KEY_ALGORITHM_ED25519' });
    const verified = await connectJson(s, 'Verify', { namespace: 'default', keyId: 'ed', data: b64('hello'), signature: signed.json.signature }, w.user);
    expect(verified.json).toEqual({ valid: true, keyVersion: 1 });
    const health = await connectJson(s, 'HealthCheck', {});
    expect(health.json).toMatchObject({ status: 'SERVING_STATUS_SERVING' });
  });

  it('answers refusals with the Connect error JSON and an ErrorInfo detail', async () => {
    const w = await world();
    const s = await serve(w);
    const none = await connectJson(s, 'Sign', { namespace: 'default', keyId: 'ed', data: b64('x') });
    expect(none.status).toBe(401);
    expect(none.json).toMatchObject({ code: 'unauthenticated' });
    expect(String(none.json.message)).toMatch(/Bearer/);
    const denied = await connectJson(s, 'Sign', { namespace: 'default', keyId: 'ed', data: b64('x') }, w.keyAdmin);
    expect(denied.status).toBe(403);
    const detail = (denied.json.details as { type: string; value: string }[])[0];
    expect(detail?.type).toBe('hsm.v1.ErrorInfo');
    expect(fromBinary(pb.ErrorInfoSchema, Buffer.from(detail?.value ?? '', 'base64'))).toMatchObject({ reason: 'PERMISSION_DENIED', code: 7 });
    const bad = await connectJson(s, 'Sign', { namespace: 'default', keyId: 'ed', data: b64('x'), keyVersion: 2 }, w.user);
    expect(bad).toMatchObject({ status: 400, json: { code: 'invalid_argument' } });
    const badEnum = await connectJson(s, 'Hash', { algorithm: 'HASH_ALGORITHM_UNSPECIFIED', data: b64('x') }, w.user);
    expect(badEnum).toMatchObject({ status: 400, json: { code: 'invalid_argument' } });
  });

  it('refuses a body over the limit with 413 and a foreign Host with 421', async () => {
    const w = await world();
    const s = await serve(w, { limits: { maxBodyBytes: 64 * 1024 } });
    const big = await fetch(`${s.url}/hsm.v1.HSM/Hash`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${w.user}` }, body: JSON.stringify({ algorithm: 'HASH_ALGORITHM_SHA256', data: b64(Buffer.alloc(100 * 1024)) }) });
    expect(big.status).toBe(413);
    const http = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: s.port, path: '/hsm.v1.HSM/HealthCheck', method: 'POST', headers: { Host: `attacker.example:${s.port}`, 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(421);
  });
});

describe('TLS and mutual TLS', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = makeTestPki();
  });
  afterAll(() => pki.remove());

  function httpsJson(port: number, method: string, body: Obj, token: string, client: { cert?: string; key?: string } = {}): Promise<{ status: number; json: Obj }> {
    return new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = httpsRequest(
        { host: '127.0.0.1', port, path: `/hsm.v1.HSM/${method}`, method: 'POST', ca: pki.caCert, servername: 'localhost', agent: false, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': String(Buffer.byteLength(payload)) }, ...client },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Obj }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  it('serves gRPC and JSON over TLS', async () => {
    const w = await world();
    const s = await serve(w, { config: config({ cert_file: pki.files.serverCert, key_file: pki.files.serverKey }) });
    expect(s.url).toBe(`https://127.0.0.1:${s.port}`);
    const client = grpcClient(s, grpc.credentials.createSsl(Buffer.from(pki.caCert)));
    expect(await unary(client, 'sign', { namespace: 'default', keyId: 'ed', data: Buffer.from('x') }, w.user)).toMatchObject({ keyVersion: 1 });
    expect((await httpsJson(s.port, 'Sign', { namespace: 'default', keyId: 'ed', data: b64('x') }, w.user)).status).toBe(200);
    // A cleartext client gets nowhere.
    const plain = grpcClient(s);
    expect((await grpcRefusal(unary(plain, 'healthCheck', {}))).code).toBe(grpc.status.UNAVAILABLE);
  });

  it('mutual TLS: a client certificate from the CA is served (and still needs its token); none is refused', async () => {
    const w = await world();
    const s = await serve(w, { config: config({ cert_file: pki.files.serverCert, key_file: pki.files.serverKey, client_ca_file: pki.files.caCert }) });
    const client = grpcClient(s, grpc.credentials.createSsl(Buffer.from(pki.caCert), Buffer.from(pki.clientKey), Buffer.from(pki.clientCert)));
    expect(await unary(client, 'sign', { namespace: 'default', keyId: 'ed', data: Buffer.from('x') }, w.user)).toMatchObject({ keyVersion: 1 });
    expect((await grpcRefusal(unary(client, 'sign', { namespace: 'default', keyId: 'ed', data: Buffer.from('x') }))).code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await httpsJson(s.port, 'Sign', { namespace: 'default', keyId: 'ed', data: b64('x') }, w.user, { cert: pki.clientCert, key: pki.clientKey })).status).toBe(200);

    const anonymous = grpcClient(s, grpc.credentials.createSsl(Buffer.from(pki.caCert)));
    expect((await grpcRefusal(unary(anonymous, 'sign', { namespace: 'default', keyId: 'ed', data: Buffer.from('x') }, w.user))).code).toBe(grpc.status.UNAVAILABLE);
    const stranger = grpcClient(s, grpc.credentials.createSsl(Buffer.from(pki.caCert), Buffer.from(pki.strangerKey), Buffer.from(pki.strangerCert)));
    expect((await grpcRefusal(unary(stranger, 'healthCheck', {}))).code).toBe(grpc.status.UNAVAILABLE);
    await expect(httpsJson(s.port, 'Sign', { namespace: 'default', keyId: 'ed', data: b64('x') }, w.user)).rejects.toThrow();
  });
});

describe('startHsmServer', () => {
  it('refuses to start when disabled or air-gapped', async () => {
    const w = await world();
    closers.push(() => w.c.close());
    await expect(startHsmServer({ custodian: w.c, config: { ...config(), hsm: { enabled: false, port: 0 } } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(startHsmServer({ custodian: w.c, config: { ...config(), air_gapped: true } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
