/**
 * Signing across an air gap between two real vaults: the online one holds no key (it knows the
 * signer by name and address), the air-gapped one holds the HD wallet. Envelope → import → review
 * → approve → sign → response → import back, with the results checked by ethers and
 * @scure/btc-signer (not by our own code); and every way a file can be wrong is refused with a
 * typed error that names what is wrong, changing nothing.
 */
import Database from 'better-sqlite3';
import { URDecoder } from '@ngraveio/bc-ur';
import { base64, hex } from '@scure/base';
import { p2wpkh, Transaction as BtcTransaction } from '@scure/btc-signer';
import { Transaction, verifyMessage } from 'ethers';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SignerRef, SigningRequest } from '../../../shared/api/signing.js';
import { CustodyError } from '../../../shared/errors.js';
import { FAST_KDF, PASSPHRASE, tempDir } from '../../../test/helpers.js';
import { openCustodian, type Custodian } from '../custodian.js';
import { canonicalJson, contentHash, parseEnvelope } from './envelope.js';
import { qrFrames, SINGLE_FRAME_BYTES } from './qr-frames.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const ADDRESS = '0x9858EfFD232B4033E47d90003D41EC34EcaEda94'; // m/44'/60'/0'/0/0 of the BIP-39 test phrase
const SIGNER: SignerRef = { kind: 'hd', namespace: 'default', wallet: 'cold' };
const TX = { type: 2, chainId: 1, nonce: 7, to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', value: '1500000000000000000', gasLimit: 21000, maxFeePerGas: '30000000000', maxPriorityFeePerGas: '1500000000' };
const TX_REQUEST: SigningRequest = { type: 'eth.transaction', transaction: JSON.stringify(TX) };

async function vault(withWallet: string | null): Promise<Custodian> {
  const c = await openCustodian({ dataDir: tempDir(), kdf: FAST_KDF });
  await c.init(PASSPHRASE);
  if (withWallet !== null) await c.hdImport('default', 'cold', withWallet);
  return c;
}

async function code(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CustodyError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}

/** Import on the air-gapped side, approve, wait for the signature, export the response. */
async function signOffline(cold: Custodian, envelopeText: string): Promise<string> {
  const record = await cold.airgapImportRequest(envelopeText);
  expect(record).toMatchObject({ state: 'pending', client: { transport: 'air-gap' } });
  await cold.approveRequest(record.id);
  for (let i = 0; i < 200; i++) {
    const r = cold.listRequests().history.find((x) => x.id === record.id);
    if (r?.state === 'signed') return (await cold.airgapExportResponse(record.id)).text;
    await new Promise((res) => setTimeout(res, 5));
  }
  throw new Error('not signed');
}

let online: Custodian;
let cold: Custodian;
beforeEach(async () => {
  online = await vault(null);
  cold = await vault(ABANDON);
});
afterEach(async () => {
  await online.close();
  await cold.close();
});

describe('air-gapped signing between two vaults', () => {
  it('an Ethereum transaction: exported without the key, reviewed and signed offline, accepted back; ethers recovers the signer', async () => {
    const made = await online.airgapCreateRequest({ request: TX_REQUEST, signer: SIGNER, expectedAddress: ADDRESS });
    expect(made.envelope).toMatchObject({ chain: 'ethereum', method: 'eth_signTransaction', expectedAddress: ADDRESS, signer: SIGNER });
    expect(made.sha256).toBe(contentHash(JSON.parse(made.text) as Record<string, unknown>));
    expect(online.airgapStatus()).toEqual({ airGapped: false, source: 'off', outboxPending: 1 });

    // The air-gapped side decodes it itself: the same view the Requests screen shows.
    const imported = await cold.airgapImportRequest(made.text);
    expect(imported.view).toMatchObject({ title: expect.stringContaining('1.5 ETH'), signer: ADDRESS });
    // The same file twice is one request, not two.
    expect((await cold.airgapImportRequest(made.text)).id).toBe(imported.id);
    await cold.rejectRequest(imported.id, 'first look');
    await expect(cold.airgapExportResponse(imported.id)).rejects.toMatchObject({ code: 'CONFLICT' });

    const responseText = await signOffline(cold, made.text.replace(/\n {2}/gu, '\n    ')); // re-indented on the way: same hash
    const accepted = await online.airgapImportResponse(responseText);
    expect(accepted).toMatchObject({ requestId: made.envelope.id, requestSha256: made.sha256, fulfilled: false, signer: ADDRESS });
    const tx = Transaction.from(accepted.result.primary.value);
    expect(tx.from).toBe(ADDRESS);
    expect(tx).toMatchObject({ nonce: 7, to: TX.to, value: 1_500_000_000_000_000_000n, chainId: 1n });
    expect(await online.airgapOutbox()).toMatchObject([{ requestId: made.envelope.id, state: 'answered' }]);
    expect(online.airgapStatus().outboxPending).toBe(0);
    // The same response again is fine (idempotent); a different response for it is not.
    expect(await online.airgapImportResponse(responseText)).toMatchObject({ fulfilled: false });
    const other = JSON.parse(responseText) as Record<string, unknown>;
    other.signedAt = new Date(Date.parse(other.signedAt as string) + 1000).toISOString();
    other.sha256 = contentHash(other);
    expect(await code(online.airgapImportResponse(JSON.stringify(other)))).toMatchObject({ code: 'CONFLICT' });

    // Both sides audited it, without the payload.
    const actions = async (c: Custodian) => (await c.auditQuery({ limit: 1000 })).map((e) => `${e.action}:${e.result}`);
    expect(await actions(online)).toEqual(expect.arrayContaining(['airgap.export-request:ok', 'airgap.import-response:ok', 'airgap.import-response:CONFLICT']));
    expect(await actions(cold)).toEqual(expect.arrayContaining(['airgap.import-request:ok', 'request.submit:ok', 'request.approve:ok', 'airgap.export-response:ok']));
  });

  it('a pending queued request goes out, its response answers it; personal_sign verified by ethers', async () => {
    // Here the online vault has the wallet too (a watch-and-approve setup): a program's request waits.
    await online.hdImport('default', 'cold', ABANDON);
    const { token } = await online.createToken({ label: 'dapp', grants: [{ namespace: 'default', role: 'KeyUser' }] });
    const program = await online.authenticateToken(token);
    const waiting = program.submitSigningRequest({ client: { transport: 'test', id: 'dapp', label: 'dapp' }, method: 'personal_sign', request: { type: 'eth.message', message: 'over the gap', encoding: 'utf8' }, signer: SIGNER });
    let pending = online.listRequests().pending;
    for (let i = 0; i < 200 && pending.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 5));
      pending = online.listRequests().pending;
    }
    const queued = pending[0];
    if (queued === undefined) throw new Error('no request');
    const before = queued.expiresAt;
    const envelope = await online.airgapExportRequest(queued.id);
    expect(online.listRequests().pending[0]?.expiresAt).toBeGreaterThan(before); // waits for the round trip
    const response = await signOffline(cold, envelope.text);
    expect(await online.airgapImportResponse(response)).toMatchObject({ requestId: queued.id, fulfilled: true });
    const done = await waiting;
    expect(done.record).toMatchObject({ state: 'signed', decidedBy: expect.stringMatching(/^air-gap:admin$/u) });
    expect(verifyMessage('over the gap', done.result.primary.value)).toBe(ADDRESS);
  });

  it('a Bitcoin PSBT: signed offline, and a response for another transaction is refused', async () => {
    const signer: SignerRef = { kind: 'hd', namespace: 'default', wallet: 'cold', script: 'p2wpkh', network: 'mainnet' };
    const derived = await cold.hdDerive('default', 'cold', { chain: 'bitcoin', script: 'p2wpkh', network: 'mainnet', index: 0 });
    const ours = p2wpkh(hex.decode(derived.publicKey));
    const psbtFor = (amount: bigint) => {
      const tx = new BtcTransaction();
      tx.addInput({ txid: new Uint8Array(32).fill(1), index: 0, witnessUtxo: { script: ours.script, amount: 100_000n } });
      tx.addOutputAddress('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', amount);
      return base64.encode(tx.toPSBT());
    };
    const a = await online.airgapCreateRequest({ request: { type: 'btc.psbt', psbt: psbtFor(60_000n), network: 'mainnet' }, signer });
    const b = await online.airgapCreateRequest({ request: { type: 'btc.psbt', psbt: psbtFor(70_000n), network: 'mainnet' }, signer });
    const responseA = JSON.parse(await signOffline(cold, a.text)) as Record<string, unknown>;
    const responseB = JSON.parse(await signOffline(cold, b.text)) as Record<string, unknown>;
    // B's signed PSBT passed off as A's answer (hash recomputed, so only the content check can catch it).
    const forged: Record<string, unknown> = { ...responseA, result: responseB.result };
    forged.sha256 = contentHash(forged);
    expect(await code(online.airgapImportResponse(JSON.stringify(forged)))).toMatchObject({ code: 'TAMPERED', message: expect.stringContaining('another Bitcoin transaction') });
    const ok = await online.airgapImportResponse(JSON.stringify(responseA));
    const signed = BtcTransaction.fromPSBT(base64.decode(ok.result.primary.value));
    expect(signed.getInput(0).partialSig?.length).toBe(1);
  });

  it('refuses responses that do not answer a request this vault sent, or that another key signed', async () => {
    const made = await online.airgapCreateRequest({ request: { type: 'eth.message', message: 'hello', encoding: 'utf8' }, signer: SIGNER, expectedAddress: ADDRESS });
    const response = await signOffline(cold, made.text);
    // Another online vault never sent it.
    const stranger = await vault(null);
    expect(await code(stranger.airgapImportResponse(response))).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('which this vault did not send') });
    await stranger.close();
    // A signature by another key (a different mnemonic), rebound to this request with a recomputed hash.
    const other = await vault('legal winner thank year wave sausage worth useful legal winner thank yellow');
    const elsewhere = await other.airgapImportRequest(made.text.replace(ADDRESS, ADDRESS)).catch((e: unknown) => e);
    expect(elsewhere).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining(`expects signer ${ADDRESS}`) });
    const signedElsewhere = await other.ethSignMessage({ namespace: 'default', wallet: 'cold', index: 0, account: 0 }, new TextEncoder().encode('hello'));
    await other.close();
    const forged = JSON.parse(response) as Record<string, { primary: { value: string } } | string>;
    (forged.result as { primary: { value: string } }).primary.value = signedElsewhere.signature;
    forged.sha256 = contentHash(forged);
    expect(await code(online.airgapImportResponse(JSON.stringify(forged)))).toMatchObject({ code: 'TAMPERED', message: expect.stringContaining('not to the expected signer') });
    // A changed byte without a new hash.
    expect(await code(online.airgapImportResponse(response.replace('"approvedBy": "admin"', '"approvedBy": "mallory"')))).toMatchObject({ code: 'TAMPERED', message: expect.stringContaining('does not match its sha256') });
    // Nothing of that was accepted: the real response still is.
    expect(await online.airgapImportResponse(response)).toMatchObject({ requestId: made.envelope.id });
  });

  it('refuses envelopes that are damaged, stale, of the wrong kind or from a newer build, before anything is queued', async () => {
    const made = await online.airgapCreateRequest({ request: TX_REQUEST, signer: SIGNER, ttlMs: 3600_000 });
    const envelope = JSON.parse(made.text) as Record<string, unknown>;
    const now = Date.now();
    const variant = (change: (e: Record<string, unknown>) => void, rehash = true) => {
      const e = structuredClone(envelope);
      change(e);
      if (rehash) e.sha256 = contentHash(e);
      return JSON.stringify(e);
    };
    expect(await code(cold.airgapImportRequest(made.text.replace('"nonce\\":7', '"nonce\\":8')))).toMatchObject({ code: 'TAMPERED', message: expect.stringContaining('does not match its sha256') });
    expect(await code(cold.airgapImportRequest(made.text.slice(0, 200)))).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('not JSON') });
    expect(await code(cold.airgapImportRequest(variant((e) => (e.expiresAt = new Date(now - 1000).toISOString()))))).toMatchObject({ code: 'EXPIRED' });
    expect(await code(cold.airgapImportRequest(variant((e) => (e.version = 2))))).toMatchObject({ code: 'UNSUPPORTED' });
    expect(await code(cold.airgapImportRequest(variant((e) => (e.chain = 'bitcoin'))))).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('its request is eth.transaction') });
    expect(await code(cold.airgapImportRequest(variant((e) => (e.format = 'custos-airgap-response'))))).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('response file') });
    expect(await code(cold.airgapImportRequest(variant((e) => (e.request = { type: 'eth.transaction', transaction: '{"to":"0x00"}' }))))).toMatchObject({ code: 'INVALID_INPUT' });
    expect(cold.listRequests().pending).toEqual([]);
    // parseEnvelope itself: an envelope is read the same whatever the key order.
    const reordered = Object.fromEntries(Object.entries(envelope).reverse());
    expect(parseEnvelope(JSON.stringify(reordered), now).sha256).toBe(made.sha256);
    expect(canonicalJson({ b: [1, { d: 2, c: 3 }], a: 'x' })).toBe('{"a":"x","b":[1,{"c":3,"d":2}]}');
  });

  it('an outbox row edited in the database file is TAMPERED, not trusted', async () => {
    const made = await online.airgapCreateRequest({ request: TX_REQUEST, signer: SIGNER, expectedAddress: ADDRESS });
    const response = await signOffline(cold, made.text);
    const db = new Database(join(online.dataDir, 'custos.db'));
    db.prepare("UPDATE airgap_outbox SET title = 'Send 0 ETH'").run();
    db.close();
    expect(await code(online.airgapImportResponse(response))).toMatchObject({ code: 'TAMPERED' });
  });

  it('a deny policy on the air-gapped side refuses an imported request', async () => {
    await cold.putPolicy({ name: 'no-eth', kind: 'rules', scope: { kind: 'global' }, rules: [{ type: 'valueLimit', perTransaction: '1000' }] });
    const made = await online.airgapCreateRequest({ request: TX_REQUEST, signer: SIGNER });
    const record = await cold.airgapImportRequest(made.text);
    expect(record).toMatchObject({ state: 'rejected', decidedBy: 'policy', policy: { decision: 'deny' } });
    await expect(cold.airgapExportResponse(record.id)).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});

describe('QR frames', () => {
  it('a small file is one frame as it is; a large one an animated BC-UR sequence that decodes from any sufficient subset', () => {
    expect(qrFrames('{"small":true}')).toEqual({ encoding: 'text', frames: ['{"small":true}'], fragments: 1 });
    const large = JSON.stringify({ psbt: 'cHNidP8B'.repeat(800) });
    expect(Buffer.byteLength(large)).toBeGreaterThan(SINGLE_FRAME_BYTES);
    const q = qrFrames(large);
    expect(q.encoding).toBe('ur');
    expect(q.frames[0]).toMatch(new RegExp(`^UR:BYTES/1-${q.fragments}/`, 'u'));
    expect(q.frames.length).toBeGreaterThan(q.fragments);
    // Drop every fifth frame (a scanner that missed some) and read the rest in reverse order.
    const decoder = new URDecoder();
    for (const frame of q.frames.filter((_, i) => i % 5 !== 1).reverse()) {
      decoder.receivePart(frame.toLowerCase());
      if (decoder.isComplete()) break;
    }
    expect(decoder.isSuccess()).toBe(true);
    expect((decoder.resultUR().decodeCBOR() as Buffer).toString('utf8')).toBe(large);
  });
});
