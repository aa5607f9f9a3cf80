/**
 * SubmitSigningRequest over the HsmService: a program's chain signing request waits in the
 * queue until an operator decides, through a real loopback server, with grpc-js (from the
 * .proto) and plain fetch (Connect JSON) as clients. The approved transaction is recovered by
 * ethers; a rejection is PERMISSION_DENIED with reason USER_REJECTED; malformed JSON names its
 * field; a KeyAdmin token cannot submit.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Transaction, verifyMessage } from 'ethers';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { unlockedCustodian } from '../../../test/helpers.js';
import type { Custodian } from '../../core/custodian.js';
import { startHsmServer, type HsmServer } from './service.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const definition = protoLoader.loadSync(join(ROOT, 'proto/hsm.proto'), { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true });
type Obj = Record<string, unknown>;
type GrpcClient = grpc.Client & Record<string, unknown>;
const HsmClient = (grpc.loadPackageDefinition(definition) as unknown as { hsm: { v1: { HSM: new (target: string, creds: grpc.ChannelCredentials) => GrpcClient } } }).hsm.v1.HSM;

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const ETH_0 = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
const SIGNER = JSON.stringify({ kind: 'hd', namespace: 'default', wallet: 'hd' });
const TX = { type: 2, chainId: 1, nonce: 3, to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', value: '1000000000000000', gasLimit: 21000, maxFeePerGas: '20000000000', maxPriorityFeePerGas: '1000000000' };

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function setup(): Promise<{ c: Custodian; s: HsmServer; user: string; keyAdmin: string; client: GrpcClient }> {
  const c = await unlockedCustodian();
  await c.hdImport('default', 'hd', ABANDON);
  const user = (await c.createToken({ label: 'payroll', grants: [{ namespace: 'default', role: 'KeyUser' }] })).token;
  const keyAdmin = (await c.createToken({ label: 'keys', grants: [{ namespace: 'default', role: 'KeyAdmin' }] })).token;
  const s = await startHsmServer({ custodian: c.forTransport({ transport: 'hsm' }), config: { air_gapped: false, bind: '127.0.0.1', hsm: { enabled: true, port: 0 } } });
  const client = new HsmClient(`127.0.0.1:${s.port}`, grpc.credentials.createInsecure());
  closers.push(() => c.close(), () => s.close(), () => client.close());
  return { c, s, user, keyAdmin, client };
}

function submit(client: GrpcClient, request: Obj, token: string): Promise<Obj> {
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  return new Promise((res, rej) => (client['submitSigningRequest'] as (r: Obj, m: grpc.Metadata, cb: (e: grpc.ServiceError | null, v: Obj) => void) => void).call(client, request, md, (e, v) => (e === null ? res(v) : rej(e))));
}

/** The operator's side: wait for the pending request, then decide. */
async function decide(c: Custodian, decision: 'approve' | 'reject'): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const [first] = c.listRequests().pending;
    if (first !== undefined) {
      if (decision === 'approve') await c.approveRequest(first.id);
      else await c.rejectRequest(first.id, 'not today');
      return;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('no request arrived');
}

describe('HsmService SubmitSigningRequest', () => {
  it('grpc-js: an EIP-1559 transaction waits for the operator, then comes back signed', async () => {
    const { c, client, user } = await setup();
    const call = submit(client, { requestJson: JSON.stringify({ type: 'eth.transaction', transaction: JSON.stringify(TX), chainId: '1' }), signerJson: SIGNER, clientLabel: 'payroll job 42' }, user);
    for (let i = 0; i < 400 && c.listRequests().pending.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const [pending] = c.listRequests().pending;
    expect(pending).toMatchObject({ client: { transport: 'hsm', label: expect.stringMatching(/^payroll job 42 \(token:tok_/) }, method: 'SubmitSigningRequest', view: { title: 'Send 0.001 ETH' } });
    await decide(c, 'approve');
    const out = await call;
    expect(out).toMatchObject({ requestId: pending?.id, decidedBy: 'admin', resultLabel: expect.stringContaining('Signed transaction') });
    expect(Transaction.from(out['result'] as string).from).toBe(ETH_0);
    expect(JSON.parse(out['viewJson'] as string)).toMatchObject({ chain: 'ethereum', signer: ETH_0 });
  });

  it('fetch (Connect JSON): a rejected personal_sign is permission_denied with reason USER_REJECTED; an approved one verifies', async () => {
    const { c, s, user } = await setup();
    const post = (token: string) =>
      fetch(`${s.url}/hsm.v1.HSM/SubmitSigningRequest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ requestJson: JSON.stringify({ type: 'eth.message', message: 'hello', encoding: 'utf8' }), signerJson: SIGNER }),
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as Obj }));
    const rejected = post(user);
    await decide(c, 'reject');
    expect(await rejected).toMatchObject({ status: 403, json: { code: 'permission_denied', message: expect.stringContaining('not today'), details: [{ debug: { reason: 'USER_REJECTED' } }] } });
    const approved = post(user);
    await decide(c, 'approve');
    const ok = await approved;
    expect(ok.status).toBe(200);
    expect(verifyMessage('hello', ok.json['result'] as string)).toBe(ETH_0);
  });

  it('a client that cancels its call withdraws the request: the operator no longer sees it pending', async () => {
    const { c, client, user } = await setup();
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${user}`);
    const done = new Promise<number>((resolve) => {
      const call = (client['submitSigningRequest'] as (r: Obj, m: grpc.Metadata, cb: (e: grpc.ServiceError | null) => void) => grpc.ClientUnaryCall).call(
        client,
        { requestJson: JSON.stringify({ type: 'eth.message', message: 'hello', encoding: 'utf8' }), signerJson: SIGNER },
        md,
        (e) => resolve(e?.code ?? 0),
      );
      void (async () => {
        for (let i = 0; i < 400 && c.listRequests().pending.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
        call.cancel();
      })();
    });
    expect(await done).toBe(grpc.status.CANCELLED);
    for (let i = 0; i < 400 && c.listRequests().pending.length > 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(c.listRequests().pending).toHaveLength(0);
    expect(c.listRequests().history[0]).toMatchObject({ state: 'rejected', decidedBy: 'system' });
  });

  it('refuses malformed JSON (naming the field), a bad ttl and a KeyAdmin token, queueing nothing', async () => {
    const { c, client, user, keyAdmin } = await setup();
    // grpc-js decodes grpc-message with decodeURI, which leaves Connect's %3A for ':' as it is.
    const refused = (request: Obj, token = user) => submit(client, request, token).then(() => 'accepted', (e: grpc.ServiceError) => `${e.code} ${decodeURIComponent(e.details)}`);
    expect(await refused({ requestJson: '{"type":"eth.sign"}', signerJson: SIGNER })).toMatch(/^3 request_json: type/);
    expect(await refused({ requestJson: '{"type":"eth.message","message":"x","encoding":"utf8"}', signerJson: 'not json' })).toMatch(/^3 signer_json is not valid JSON/);
    expect(await refused({ requestJson: '{"type":"eth.message","message":"x","encoding":"utf8"}', signerJson: SIGNER, ttlSeconds: 0 })).toMatch(/^3 ttl_seconds/);
    expect(await refused({ requestJson: '{"type":"eth.message","message":"x","encoding":"utf8"}', signerJson: SIGNER }, keyAdmin)).toMatch(/^7 /);
    expect(c.listRequests().pending).toHaveLength(0);
  });
});
