/**
 * The unary short path (fast-unary.ts) answers exactly as Connect's own handler does. Each
 * request is sent twice: as is (short path), and with a deadline header, which sends it to
 * Connect; status, body and error details must match. Also: what must fall through to Connect
 * (compressed gRPC, gRPC-Web, streams) still works. Ed25519 signatures are deterministic
 * (RFC 8032), so even signing answers compare byte for byte.
 */
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { afterEach, describe, expect, it } from 'vitest';
import { unlockedCustodian } from '../../../test/helpers.js';
import type { Custodian } from '../../core/custodian.js';
import * as pb from './gen/hsm_pb.js';
import { startHsmServer, type HsmServer, type HsmServerEvent } from './service.js';

const PROTO = join(resolve(import.meta.dirname, '../../..'), 'proto/hsm.proto');
const definition = protoLoader.loadSync(PROTO, { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true });
type GrpcClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;
const HsmClient = (grpc.loadPackageDefinition(definition) as unknown as { hsm: { v1: { HSM: new (target: string, creds: grpc.ChannelCredentials, options?: object) => GrpcClient } } }).hsm.v1.HSM;

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function setup(): Promise<{ c: Custodian; s: HsmServer; events: HsmServerEvent[]; user: string; keyAdmin: string }> {
  const c = await unlockedCustodian();
  await c.generateKey('default', 'ed', 'ed25519');
  const user = (await c.createToken({ label: 'u', grants: [{ namespace: 'default', role: 'KeyUser' }] })).token;
  const keyAdmin = (await c.createToken({ label: 'a', grants: [{ namespace: 'default', role: 'KeyAdmin' }] })).token;
  const events: HsmServerEvent[] = [];
  const s = await startHsmServer({ custodian: c.forTransport({ transport: 'hsm' }), config: { air_gapped: false, bind: '127.0.0.1', hsm: { enabled: true, port: 0 } }, onEvent: (e) => events.push(e) });
  closers.push(() => c.close(), () => s.close());
  return { c, s, events, user, keyAdmin };
}

const via = (events: HsmServerEvent[]): string[] => events.flatMap((e) => (e.type === 'rpc' ? [`${e.method}:${e.via}`] : []));

describe('Connect protocol: short path and Connect answer alike', () => {
  const cases: [string, string, Record<string, unknown>, 'user' | 'keyAdmin' | 'none'][] = [
    ['sign ok', 'Sign', { namespace: 'default', keyId: 'ed', data: 'aGVsbG8=' }, 'user'],
    ['permission denied', 'Sign', { namespace: 'default', keyId: 'ed', data: 'aGVsbG8=' }, 'keyAdmin'],
    ['no token', 'Sign', { namespace: 'default', keyId: 'ed', data: 'aGVsbG8=' }, 'none'],
    ['not found', 'GetKey', { namespace: 'default', keyId: 'nope' }, 'keyAdmin'],
    ['invalid enum', 'Hash', { algorithm: 'HASH_ALGORITHM_UNSPECIFIED', data: '' }, 'user'],
    ['unknown field ignored', 'Hash', { algorithm: 'HASH_ALGORITHM_SHA256', data: 'YQ==', extra: 1 }, 'user'],
    ['bad JSON type', 'Hash', { algorithm: 12.5 }, 'user'],
    ['health', 'HealthCheck', {}, 'none'],
  ];
  it.each(cases)('%s', async (name, method, body, who) => {
    const w = await setup();
    const token = who === 'none' ? undefined : w[who];
    const call = async (extra: Record<string, string>) => {
      const res = await fetch(`${w.s.url}/hsm.v1.HSM/${method}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...extra }, body: JSON.stringify(body) });
      const json = (await res.json()) as Record<string, unknown>;
      // Connect adds a decoded copy of each detail ("debug"); the wire value is what clients read.
      if (Array.isArray(json.details)) json.details = (json.details as Record<string, unknown>[]).map(({ type, value }) => ({ type, value }));
      return { status: res.status, json };
    };
    const fast = await call({});
    const full = await call({ 'connect-timeout-ms': '10000' });
    expect(fast).toEqual(full);
    // Connect reports nothing for a request it could not parse (its interceptors never ran); the short path does.
    expect(via(w.events)).toEqual(name === 'bad JSON type' ? [`${method}:fast`] : [`${method}:fast`, `${method}:connect`]);
  });

  it('binary protobuf (application/proto) alike', async () => {
    const w = await setup();
    const body = toBinary(pb.SignRequestSchema, create(pb.SignRequestSchema, { namespace: 'default', keyId: 'ed', data: new Uint8Array([1, 2, 3]) }));
    const call = async (extra: Record<string, string>) => {
      const res = await fetch(`${w.s.url}/hsm.v1.HSM/Sign`, { method: 'POST', headers: { 'content-type': 'application/proto', authorization: `Bearer ${w.user}`, ...extra }, body });
      return { status: res.status, type: res.headers.get('content-type'), body: new Uint8Array(await res.arrayBuffer()) };
    };
    const fast = await call({});
    expect(fast).toEqual(await call({ 'connect-timeout-ms': '10000' }));
    expect(fromBinary(pb.SignResponseSchema, fast.body).signature.length).toBe(64);
  });
});

describe('gRPC: short path and Connect answer alike', () => {
  function unary(client: GrpcClient, method: string, req: object, token: string | undefined, deadline?: number): Promise<{ ok?: unknown; code?: number; details?: string; statusDetails?: string }> {
    const md = new grpc.Metadata();
    if (token !== undefined) md.set('authorization', `Bearer ${token}`);
    return new Promise((resolve) => {
      (client[method] as (r: object, m: grpc.Metadata, o: object, cb: (e: grpc.ServiceError | null, r: unknown) => void) => void).call(client, req, md, deadline === undefined ? {} : { deadline: Date.now() + deadline }, (err, res) =>
        resolve(err === null ? { ok: res } : { code: err.code, details: err.details, statusDetails: (err.metadata.get('grpc-status-details-bin')[0] as Buffer | undefined)?.toString('base64') }),
      );
    });
  }

  it('answers success and refusals the same way, details included', async () => {
    const w = await setup();
    const client = new HsmClient(`127.0.0.1:${w.s.port}`, grpc.credentials.createInsecure());
    closers.push(() => client.close());
    const req = { namespace: 'default', keyId: 'ed', data: Buffer.from('x') };
    for (const token of [w.user, w.keyAdmin, undefined, 'cst_bogus']) {
      const fast = await unary(client, 'sign', req, token);
      const full = await unary(client, 'sign', req, token, 10_000);
      expect(fast).toEqual(full);
    }
    expect(via(w.events).filter((v) => v.endsWith(':fast')).length).toBe(4);
    expect(via(w.events).filter((v) => v.endsWith(':connect')).length).toBe(4);
  });

  it('leaves compressed messages to Connect', async () => {
    const w = await setup();
    const client = new HsmClient(`127.0.0.1:${w.s.port}`, grpc.credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2, 'grpc.min_message_size_to_compress': 0 } as object);
    closers.push(() => client.close());
    const r = await unary(client, 'sign', { namespace: 'default', keyId: 'ed', data: Buffer.alloc(4096, 7) }, w.user);
    expect((r.ok as { signature: Buffer }).signature.length).toBe(64);
  });

  it('leaves gRPC-Web to Connect', async () => {
    const w = await setup();
    const msg = toBinary(pb.HashRequestSchema, create(pb.HashRequestSchema, { algorithm: pb.HashAlgorithm.SHA256, data: new Uint8Array([0x61]) }));
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, msg.length]), msg]);
    const res = await fetch(`${w.s.url}/hsm.v1.HSM/Hash`, { method: 'POST', headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1', authorization: `Bearer ${w.user}` }, body: frame });
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.status).toBe(200);
    const len = body.readUInt32BE(1);
    expect(Buffer.from(fromBinary(pb.HashResponseSchema, body.subarray(5, 5 + len)).digest).toString('hex')).toBe('ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb');
    expect(body.subarray(5 + len + 5).toString('latin1')).toMatch(/grpc-status: ?0/);
    expect(via(w.events)).toEqual(['Hash:connect']);
  });
});
