/**
 * The signing-request queue through the facade, on a real vault: a program (an API token with
 * KeyUser) sends a request, it waits until an operator approves it, and only then is it signed —
 * as the token, verified by ethers; rejection and expiry return typed errors and sign nothing;
 * tokens cannot approve; an operator without key use neither sees nor decides; locking answers
 * every waiting caller; every step is in the audit log with who decided.
 */
import { verifyMessage } from 'ethers';
import { describe, expect, it } from 'vitest';
import type { SigningRequest } from '../../../shared/api/signing.js';
import { unlockedCustodian } from '../../../test/helpers.js';
import { codeOfAsync } from '../../../test/support.js';
import type { CoreEvent, Custodian } from '../custodian.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const ETH_0 = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94';
const client = { transport: 'wallet-rpc', id: 'https://dapp.example', label: 'https://dapp.example' };
const signer = { kind: 'hd', namespace: 'default', wallet: 'hd' } as const;
const hello: SigningRequest = { type: 'eth.message', message: 'hello from a dapp', encoding: 'utf8' };

async function setup(): Promise<{ admin: Custodian; program: Custodian; events: CoreEvent[] }> {
  const admin = await unlockedCustodian();
  await admin.hdImport('default', 'hd', ABANDON);
  const { token } = await admin.createToken({ label: 'dapp bridge', grants: [{ namespace: 'default', role: 'KeyUser' }] });
  const program = await admin.forTransport({ transport: 'wallet-rpc' }).authenticateToken(token);
  const events: CoreEvent[] = [];
  admin.subscribe((e) => events.push(e));
  return { admin, program, events };
}

/** Resolves when the queue holds a pending request. */
async function pendingId(c: Custodian): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const [first] = c.listRequests().pending;
    if (first !== undefined) return first.id;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('no pending request');
}

describe('signing requests through the facade', () => {
  it('waits for an operator, then signs as the program; the audit log names who approved', async () => {
    const { admin, program, events } = await setup();
    const submitted = program.submitSigningRequest({ client, method: 'personal_sign', request: hello, signer });
    const id = await pendingId(admin);
    const [pending] = admin.listRequests().pending;
    expect(pending).toMatchObject({ state: 'pending', method: 'personal_sign', client, view: { title: 'Sign a message (personal_sign)', signer: ETH_0 } });
    expect(await admin.approveRequest(id)).toMatchObject({ state: 'approved', decidedBy: 'admin' });
    const { record, result } = await submitted;
    expect(record).toMatchObject({ id, state: 'signed', decidedBy: 'admin' });
    expect(verifyMessage('hello from a dapp', result.primary.value)).toBe(ETH_0);
    expect(admin.listRequests().history[0]).toMatchObject({ id, state: 'signed' });
    expect(events.filter((e) => e.type === 'requests.changed').map((e) => (e as { state: string }).state)).toEqual(['pending', 'approved', 'signed']);
    const log = await admin.auditQuery({ limit: 20, descending: true });
    const submit = log.find((e) => e.action === 'request.submit');
    const approve = log.find((e) => e.action === 'request.approve');
    const signed = log.find((e) => e.action === 'eth.sign-message');
    expect(submit).toMatchObject({ result: 'ok', principal: expect.stringMatching(/^token:/), details: { requestId: id, client: 'https://dapp.example', method: 'personal_sign' } });
    expect(approve).toMatchObject({ result: 'ok', principal: 'admin', details: { requestId: id } });
    expect(signed).toMatchObject({ result: 'ok', principal: expect.stringMatching(/^token:/) });
    // A decision is final.
    expect(await codeOfAsync(admin.rejectRequest(id))).toBe('CONFLICT');
    await admin.close();
  });

  it('a rejection is USER_REJECTED for the program and nothing is signed', async () => {
    const { admin, program } = await setup();
    // The outcome is awaited from the start: the rejection arrives while the operator's call is still being audited.
    const outcome = codeOfAsync(program.submitSigningRequest({ client, method: 'personal_sign', request: hello, signer }));
    const id = await pendingId(admin);
    await admin.rejectRequest(id, 'not expected');
    expect(await outcome).toBe('USER_REJECTED');
    expect(await admin.auditQuery({ action: 'eth.sign-message' })).toHaveLength(0);
    expect((await admin.auditQuery({ action: 'request.reject' }))[0]).toMatchObject({ principal: 'admin' });
    await admin.close();
  });

  it('a request nobody decides expires (EXPIRED); auto-approve signs at once', async () => {
    const { admin, program } = await setup();
    expect(await codeOfAsync(program.submitSigningRequest({ client, method: 'personal_sign', request: hello, signer, ttlMs: 1000 }))).toBe('EXPIRED');
    expect(admin.listRequests().history[0]).toMatchObject({ state: 'expired', decidedBy: 'system' });
    const auto = await program.submitSigningRequest({ client, method: 'personal_sign', request: hello, signer, autoApprove: true });
    expect(auto.record).toMatchObject({ state: 'signed', decidedBy: 'auto:https://dapp.example' });
    await admin.close();
  });

  it('tokens cannot approve; an operator without key use neither sees nor decides; a KeyAdmin program cannot submit', async () => {
    const { admin, program } = await setup();
    await admin.addOperator('auditor', new TextEncoder().encode('auditor passphrase 1'));
    await admin.grant('auditor', 'default', 'Auditor');
    const auditor = await admin.forTransport({ transport: 'ipc' }).login('auditor', new TextEncoder().encode('auditor passphrase 1'));
    const outcome = codeOfAsync(program.submitSigningRequest({ client, method: 'personal_sign', request: hello, signer }));
    const id = await pendingId(admin);
    expect(await codeOfAsync(program.approveRequest(id))).toBe('PERMISSION_DENIED');
    expect(auditor.listRequests().pending).toHaveLength(0);
    expect(await codeOfAsync(auditor.approveRequest(id))).toBe('PERMISSION_DENIED');
    await admin.rejectRequest(id);
    expect(await outcome).toBe('USER_REJECTED');

    const { token } = await admin.createToken({ label: 'key admin', grants: [{ namespace: 'default', role: 'KeyAdmin' }] });
    const keyAdmin = await admin.forTransport({ transport: 'wallet-rpc' }).authenticateToken(token);
    expect(await codeOfAsync(keyAdmin.submitSigningRequest({ client, method: 'personal_sign', request: hello, signer }))).toBe('PERMISSION_DENIED');
    expect(await codeOfAsync(program.submitSigningRequest({ client, method: 'eth_signTypedData_v4', request: { type: 'eth.typedData', typedData: '{"not": "typed data"}', chainId: '1' }, signer }))).toBe('INVALID_INPUT');
    expect(admin.listRequests().pending).toHaveLength(0);
    await admin.close();
  });

  it('a program that cancels withdraws its pending request (rejected by system, nothing signed)', async () => {
    const { admin, program } = await setup();
    const cancel = new AbortController();
    const outcome = codeOfAsync(program.submitSigningRequest({ client, method: 'personal_sign', request: hello, signer, signal: cancel.signal }));
    const id = await pendingId(admin);
    cancel.abort();
    expect(await outcome).toBe('USER_REJECTED');
    expect(admin.listRequests().history[0]).toMatchObject({ id, state: 'rejected', decidedBy: 'system', reason: expect.stringContaining('withdrew') });
    expect(await codeOfAsync(admin.approveRequest(id))).toBe('CONFLICT');
    await admin.close();
  });

  it('locking the vault answers every waiting program', async () => {
    const { admin, program } = await setup();
    const outcome = codeOfAsync(program.submitSigningRequest({ client, method: 'personal_sign', request: hello, signer }));
    await pendingId(admin);
    await admin.lock();
    expect(await outcome).toBe('USER_REJECTED');
    await admin.close();
  });
});
