/**
 * Bitcoin through the facade, checked independently: a PSBT spending from a secp256k1 vault key
 * (P2WPKH) and two HD accounts (BIP-84 P2WPKH, BIP-86 P2TR) is signed, finalized and extracted;
 * each signature is verified with noble against the sighash @scure/btc-signer computes on an
 * unsigned copy. Vault keys refuse P2TR (no Schnorr in the engine); roles, key types, networks
 * and malformed PSBTs are typed errors; audit events carry digests and txids, not the PSBT.
 */
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { OutScript, p2wpkh, RawTx, Transaction } from '@scure/btc-signer';
import { describe, expect, it } from 'vitest';
import { unlockedCustodian } from '../../../test/helpers.js';
import { codeOfAsync } from '../../../test/support.js';
import type { BtcKeyRef, Custodian } from '../custodian.js';
import { bitcoinAddress, verifyMessage } from './bitcoin/index.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const DEST = OutScript.encode({ type: 'wpkh', hash: new Uint8Array(20).fill(9) });

const vaultRef = { namespace: 'default', keyId: 'btc' } as const;
const wpkhRef = { namespace: 'default', wallet: 'hd', script: 'p2wpkh', network: 'mainnet', index: 0 } as const satisfies BtcKeyRef;
const trRef = { namespace: 'default', wallet: 'hd', script: 'p2tr', network: 'mainnet', index: 0 } as const satisfies BtcKeyRef;
const changeRef = { namespace: 'default', wallet: 'hd', script: 'p2wpkh', network: 'mainnet', index: 0, change: 1 } as const satisfies BtcKeyRef;

async function setup(): Promise<Custodian> {
  const c = await unlockedCustodian();
  await c.generateKey('default', 'btc', 'ecdsa-secp256k1');
  await c.hdImport('default', 'hd', ABANDON);
  return c;
}

async function publicKeyOf(c: Custodian, ref: BtcKeyRef): Promise<Uint8Array> {
  if ('keyId' in ref) {
    const { publicKey } = await c.publicKey(ref.namespace, ref.keyId, 'raw');
    return secp256k1.Point.fromBytes(publicKey).toBytes(true);
  }
  const d = await c.hdDerive(ref.namespace, ref.wallet, { chain: 'bitcoin', script: ref.script, network: ref.network, index: ref.index, change: ref.change ?? 0 });
  return hex.decode(d.publicKey);
}

describe('Bitcoin through the facade', () => {
  it('addresses: the BIP-84 and BIP-86 vectors for HD accounts; P2TR refused for a vault key', async () => {
    const c = await setup();
    expect(await c.btcAddress(wpkhRef)).toEqual({ address: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', script: 'p2wpkh', network: 'mainnet', path: "m/84'/0'/0'/0/0" });
    expect((await c.btcAddress(trRef)).address).toBe('bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr');
    expect((await c.btcAddress(changeRef)).address).toBe('bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el');
    const vaultPub = await publicKeyOf(c, vaultRef);
    expect((await c.btcAddress(vaultRef, { script: 'p2wpkh', network: 'testnet' })).address).toBe(bitcoinAddress(vaultPub, 'p2wpkh', 'testnet').address);
    expect(await codeOfAsync(c.btcAddress(vaultRef, { script: 'p2tr', network: 'mainnet' }))).toBe('UNSUPPORTED');
    expect(await codeOfAsync(c.btcAddress(vaultRef, { script: 'p2wpkh' } as never))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(c.btcAddress(wpkhRef, { script: 'p2pkh' }))).toBe('INVALID_INPUT'); // contradicts the account's path
    await c.close();
  });

  it('signs a PSBT with a vault key and two HD accounts; noble verifies every input; change detected', async () => {
    const c = await setup();
    const refs = [vaultRef, wpkhRef, trRef] as const;
    const pubs = await Promise.all(refs.map((r) => publicKeyOf(c, r)));
    const changePub = await publicKeyOf(c, changeRef);
    const amounts = [50_000n, 60_000n, 70_000n];
    const scripts = [bitcoinAddress(pubs[0] as Uint8Array, 'p2wpkh', 'mainnet').script, bitcoinAddress(pubs[1] as Uint8Array, 'p2wpkh', 'mainnet').script, bitcoinAddress(pubs[2] as Uint8Array, 'p2tr', 'mainnet').script];
    const build = (): Transaction => {
      const tx = new Transaction();
      scripts.forEach((script, i) => tx.addInput({ txid: new Uint8Array(32).fill(i + 1), index: i, witnessUtxo: { script, amount: amounts[i] as bigint }, ...(i === 2 ? { tapInternalKey: (pubs[2] as Uint8Array).slice(1) } : {}) }));
      tx.addOutput({ script: DEST, amount: 150_000n });
      tx.addOutput({ script: p2wpkh(changePub).script, amount: 29_000n });
      return tx;
    };
    const psbt = build().toPSBT();

    const decoded = await c.btcDecodePsbt(psbt, { network: 'mainnet', ownRefs: [changeRef] });
    expect(decoded.feeSats).toBe(1_000n);
    expect(decoded.outputs.map((o) => o.change)).toEqual([false, true]);

    const signed = await c.btcSignPsbt([...refs], Buffer.from(psbt).toString('base64'), { network: 'mainnet', finalize: true, ownRefs: [changeRef] });
    expect(signed.signed.map((s) => [s.index, s.type])).toEqual([[0, 'p2wpkh'], [1, 'p2wpkh'], [2, 'p2tr']]);
    expect(signed.summary.outputs[1]?.change).toBe(true);
    expect(signed.summary.sendingSats).toBe(150_000n);
    const txHex = signed.transaction?.hex as string;
    expect(txHex).toMatch(/^[0-9a-f]+$/);
    // The library extracts the same transaction from the signed PSBT.
    const again = Transaction.fromPSBT(signed.psbt);
    expect(again.isFinal).toBe(true);
    expect(again.hex).toBe(txHex);
    // Each witness signature, checked by noble against the library's sighash of an unsigned copy.
    const unsigned = build();
    const witnesses = RawTx.decode(hex.decode(txHex)).witnesses ?? [];
    for (const i of [0, 1]) {
      const pub = pubs[i] as Uint8Array;
      const digest = unsigned.preimageWitnessV0(i, OutScript.encode({ type: 'pkh', hash: p2wpkh(pub).hash }), 1, amounts[i] as bigint);
      const w = witnesses[i] ?? [];
      expect(secp256k1.verify((w[0] as Uint8Array).subarray(0, -1), digest, pub, { prehash: false, format: 'der' }), `input ${i}`).toBe(true);
    }
    const trDigest = unsigned.preimageWitnessV1(2, scripts, 0, amounts);
    expect(schnorr.verify(witnesses[2]?.[0] as Uint8Array, trDigest, bitcoinAddress(pubs[2] as Uint8Array, 'p2tr', 'mainnet').outputKey as Uint8Array)).toBe(true);

    // The audit log has digests and the txid, not the PSBT.
    const [event] = await c.auditQuery({ action: 'btc.sign-psbt', result: 'ok', limit: 1 });
    expect(event?.details).toMatchObject({ signers: 3, signedInputs: 3, feeSats: '1000', txid: signed.transaction?.txid });
    expect(event?.details.psbtSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(event)).not.toContain(Buffer.from(psbt).toString('base64').slice(0, 40));
    await c.close();
  });

  it('refuses a Taproot input for a vault key, the wrong key type, the wrong network, a KeyAdmin, and malformed PSBTs', async () => {
    const c = await setup();
    await c.generateKey('default', 'ed', 'ed25519');
    const vaultPub = await publicKeyOf(c, vaultRef);
    const tr = new Transaction();
    tr.addInput({ txid: new Uint8Array(32).fill(1), index: 0, witnessUtxo: { script: bitcoinAddress(vaultPub, 'p2tr', 'mainnet').script, amount: 10_000n }, tapInternalKey: vaultPub.slice(1) });
    tr.addOutput({ script: DEST, amount: 9_000n });
    expect(await codeOfAsync(c.btcSignPsbt(vaultRef, tr.toPSBT(), { network: 'mainnet' }))).toBe('UNSUPPORTED');
    expect(await codeOfAsync(c.btcSignMessage(vaultRef, 'hi', { script: 'p2tr', network: 'mainnet' }))).toBe('UNSUPPORTED');
    expect(await codeOfAsync(c.btcSignPsbt({ namespace: 'default', keyId: 'ed' }, tr.toPSBT(), { network: 'mainnet' }))).toBe('WRONG_KEY_TYPE');
    expect(await codeOfAsync(c.btcAddress({ namespace: 'default', keyId: 'ed' }, { script: 'p2wpkh', network: 'mainnet' }))).toBe('WRONG_KEY_TYPE');
    expect(await codeOfAsync(c.btcSignPsbt(wpkhRef, tr.toPSBT(), { network: 'testnet' }))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(c.btcSignPsbt(wpkhRef, 'cHNidP8BAA==', { network: 'mainnet' }))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(c.btcSignPsbt([], tr.toPSBT(), { network: 'mainnet' }))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(c.btcDecodePsbt('not a psbt', { network: 'mainnet' }))).toBe('INVALID_INPUT');
    expect(await codeOfAsync(c.btcSignPsbt(wpkhRef, tr.toPSBT(), { network: 'mainnet' }))).toBe('INVALID_INPUT'); // no input of ours

    await c.addOperator('keyadmin', new TextEncoder().encode('key admin passphrase'));
    await c.grant('keyadmin', 'default', 'KeyAdmin');
    const ka = await c.login('keyadmin', new TextEncoder().encode('key admin passphrase'));
    expect(await codeOfAsync(ka.btcSignMessage(wpkhRef, 'hi'))).toBe('PERMISSION_DENIED');
    expect(await codeOfAsync(ka.btcSignPsbt(wpkhRef, tr.toPSBT(), { network: 'mainnet' }))).toBe('PERMISSION_DENIED');
    expect((await ka.btcAddress(wpkhRef)).address).toBe('bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu');
    await c.close();
  });

  it('signs messages: BIP-322 for HD segwit accounts, BIP-137 for a vault key P2PKH', async () => {
    const c = await setup();
    for (const ref of [wpkhRef, trRef]) {
      const m = await c.btcSignMessage(ref, 'Hello World');
      expect(m.format).toBe('bip322-simple');
      expect(verifyMessage(m.address, 'Hello World', m.signature, 'mainnet')).toBe(true);
      expect(verifyMessage(m.address, 'Hello World!', m.signature, 'mainnet')).toBe(false);
    }
    const legacy = await c.btcSignMessage(vaultRef, new TextEncoder().encode('hi'), { script: 'p2pkh', network: 'mainnet' });
    expect(legacy.format).toBe('bip137');
    expect(verifyMessage(legacy.address, 'hi', legacy.signature, 'mainnet')).toBe(true);
    const event = (await c.auditQuery({ action: 'btc.sign-message', result: 'ok' })).find((e) => e.details.format === 'bip137');
    expect(event?.details).toMatchObject({ address: legacy.address, format: 'bip137', messageSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await c.close();
  });
});
