/**
 * `custos btc|sol|stark …` against a real vault, checked independently: the BIP-84 / Solana
 * vectors for addresses; a PSBT signed and finalized by the CLI is extracted by @scure/btc-signer;
 * Solana signatures verify with noble; StarkNet signatures with @scure/starknet. The decoded
 * request is printed before the signature; usage errors exit 2, typed errors exit 1.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58, base64, hex } from '@scure/base';
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { OutScript, p2wpkh, Transaction } from '@scure/btc-signer';
import { getPublicKey, getStarkKey, grindKey, Signature, verify } from '@scure/starknet';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { readVector } from '../../test/support.js';
import { legacyTransfer } from '../core/chains/solana/test-transactions.js';
import { custos } from '../../test/cli.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

const cli = (dir: string, argv: string[], stdin = '') => custos(dir, argv, stdin);

async function vault(): Promise<string> {
  const dir = tempDir();
  expect((await cli(dir, ['init', '--kdf-memory-kib', '1024', '--kdf-iterations', '1'])).code).toBe(0);
  writeFileSync(join(dir, 'm.txt'), ABANDON);
  expect((await cli(dir, ['hd', 'import', '--id', 'hd', '--mnemonic-file', join(dir, 'm.txt')])).code).toBe(0);
  return dir;
}

describe('custos stark with an EIP-2645 path', () => {
  it('reproduces the StarkWare vector key (starkex/starkdeployement, index 7); a partial path is a usage error', async () => {
    const dir = tempDir();
    expect((await cli(dir, ['init', '--kdf-memory-kib', '1024', '--kdf-iterations', '1'])).code).toBe(0);
    const v = readVector<{ starkware: { layer: string; application: string; mnemonic: string; ethAddress: string; keys: { index: number; privateKey: string }[] } }>('bip/starknet_key_derivation.json').starkware;
    writeFileSync(join(dir, 'm.txt'), v.mnemonic);
    expect((await cli(dir, ['hd', 'import', '--id', 'sx', '--mnemonic-file', join(dir, 'm.txt')])).code).toBe(0);
    const key7 = v.keys.find((k) => k.index === 7) as { privateKey: string };
    const a = await cli(dir, ['--json', 'stark', 'address', '--wallet', 'sx', '--index', '7', '--layer', v.layer, '--application', v.application, '--eth-address', v.ethAddress]);
    expect(a.code, a.err).toBe(0);
    expect(BigInt(a.json().publicKey as string)).toBe(BigInt(getStarkKey(key7.privateKey)));
    expect((await cli(dir, ['stark', 'address', '--wallet', 'sx', '--layer', v.layer])).code).toBe(2);
  });
});

describe('custos btc', () => {
  it('sign-psbt with several addresses of one wallet (--indexes, --change-indexes): every input signed, then extracted', async () => {
    const dir = await vault();
    const pubOf = async (extra: string[]) => hex.decode((await cli(dir, ['--json', 'hd', 'derive', '--id', 'hd', '--chain', 'bitcoin', '--script', 'p2wpkh', ...extra])).json().publicKey as string);
    const [receive3, change1] = [await pubOf(['--index', '3']), await pubOf(['--change', '--index', '1'])];
    const tx = new Transaction();
    tx.addInput({ txid: new Uint8Array(32).fill(1), index: 0, witnessUtxo: { script: p2wpkh(receive3).script, amount: 50_000n } });
    tx.addInput({ txid: new Uint8Array(32).fill(2), index: 1, witnessUtxo: { script: p2wpkh(change1).script, amount: 40_000n } });
    tx.addOutput({ script: OutScript.encode({ type: 'wpkh', hash: new Uint8Array(20).fill(9) }), amount: 89_000n });
    const psbt = base64.encode(tx.toPSBT());
    // One address: one input signed, nothing to extract yet.
    const one = await cli(dir, ['--json', 'btc', 'sign-psbt', '--wallet', 'hd', '--index', '3', '--psbt', psbt, '--finalize']);
    expect(one.code, one.err).toBe(0);
    expect(one.json()).not.toHaveProperty('transaction');
    const both = await cli(dir, ['--json', 'btc', 'sign-psbt', '--wallet', 'hd', '--indexes', '0,3', '--change-indexes', '1', '--psbt', psbt, '--finalize']);
    expect(both.code, both.err).toBe(0);
    const out = both.json() as { signed: { index: number }[]; transaction: { hex: string; txid: string } };
    expect(out.signed.map((x) => x.index)).toEqual([0, 1]);
    const final = Transaction.fromRaw(hex.decode(out.transaction.hex));
    expect(final.id).toBe(out.transaction.txid);
    expect(final.inputsLength).toBe(2);
    expect((await cli(dir, ['btc', 'sign-psbt', '--wallet', 'hd', '--indexes', '0,x', '--psbt', psbt])).err).toContain('INVALID_INPUT');
    expect((await cli(dir, ['btc', 'sign-psbt', '--wallet', 'hd', '--indexes', '0', '--index', '1', '--psbt', psbt])).code).toBe(2);
  });

  it('address, decode-psbt, sign-psbt --finalize (extracted by btc-signer), sign-message', async () => {
    const dir = await vault();
    expect((await cli(dir, ['btc', 'address', '--wallet', 'hd'])).out).toContain("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu  (m/84'/0'/0'/0/0)");
    expect((await cli(dir, ['btc', 'address', '--wallet', 'hd', '--script', 'p2tr'])).out).toContain('bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr');
    expect((await cli(dir, ['key', 'generate', '--id', 'k1', '--alg', 'ecdsa-secp256k1'])).code).toBe(0);
    const tr = await cli(dir, ['btc', 'address', '--id', 'k1', '--script', 'p2tr']);
    expect(tr.code).toBe(1);
    expect(tr.err).toContain('UNSUPPORTED');
    expect((await cli(dir, ['btc', 'address', '--id', 'k1', '--wallet', 'hd'])).code).toBe(2);

    const derived = await cli(dir, ['--json', 'hd', 'derive', '--id', 'hd', '--chain', 'bitcoin', '--script', 'p2wpkh']);
    const pub = hex.decode((derived.json() as { publicKey: string }).publicKey);
    const changePub = hex.decode((await cli(dir, ['--json', 'hd', 'derive', '--id', 'hd', '--chain', 'bitcoin', '--script', 'p2wpkh', '--change'])).json().publicKey as string);
    const tx = new Transaction();
    tx.addInput({ txid: new Uint8Array(32).fill(1), index: 0, witnessUtxo: { script: p2wpkh(pub).script, amount: 100_000n } });
    tx.addOutput({ script: OutScript.encode({ type: 'wpkh', hash: new Uint8Array(20).fill(9) }), amount: 70_000n });
    tx.addOutput({ script: p2wpkh(changePub).script, amount: 29_500n });
    const psbtFile = join(dir, 'tx.psbt');
    writeFileSync(psbtFile, base64.encode(tx.toPSBT()));

    const decoded = await cli(dir, ['btc', 'decode-psbt', '--in', psbtFile, '--wallet', 'hd']);
    expect(decoded.code, decoded.err).toBe(0);
    expect(decoded.out).toContain('(change)');
    expect(decoded.out).toMatch(/Fee\s+0\.000005 BTC {2}\(500 sats\)/);

    const signed = await cli(dir, ['--json', 'btc', 'sign-psbt', '--wallet', 'hd', '--in', psbtFile, '--finalize']);
    expect(signed.code, signed.err).toBe(0);
    const j = signed.json() as { psbtBase64: string; transaction: { hex: string; txid: string }; summary: { feeSats: string } };
    expect(j.summary.feeSats).toBe('500');
    const extracted = Transaction.fromPSBT(base64.decode(j.psbtBase64));
    expect(extracted.isFinal).toBe(true);
    expect(extracted.hex).toBe(j.transaction.hex);
    expect(extracted.id).toBe(j.transaction.txid);
    // Text output: the decoded request above the signature; hex PSBT from stdin works too.
    const text = await cli(dir, ['btc', 'sign-psbt', '--wallet', 'hd', '--in', '-'], hex.encode(tx.toPSBT()));
    expect(text.code, text.err).toBe(0);
    // The decoded request comes before the signature, as in the desktop app.
    expect(text.out.indexOf('Outputs (')).toBeGreaterThan(-1);
    expect(text.out.indexOf('Outputs (')).toBeLessThan(text.out.indexOf('Signed PSBT (base64)'));
    expect((await cli(dir, ['btc', 'sign-psbt', '--wallet', 'hd', '--psbt', 'bm90IGEgcHNidA=='])).err).toContain('INVALID_INPUT');
    expect((await cli(dir, ['btc', 'sign-psbt', '--wallet', 'hd'])).code).toBe(2);

    const msg = await cli(dir, ['--json', 'btc', 'sign-message', '--wallet', 'hd', '--message', 'Hello World']);
    expect(msg.code, msg.err).toBe(0);
    expect(msg.json()).toMatchObject({ address: 'bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu', format: 'bip322-simple' });
  });
});

describe('custos sol and stark', () => {
  it('sol address, decode, sign (transaction and off-chain message) verified by noble', async () => {
    const dir = await vault();
    const addr = await cli(dir, ['--json', 'sol', 'address', '--wallet', 'hd']);
    expect(addr.json()).toEqual({ address: 'HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk', path: "m/44'/501'/0'/0'" });
    const pub = base58.decode('HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk');
    const tx = legacyTransfer(pub, 2_500_000_000n);
    // The message follows the one-signature prefix (shortvec 1, 64 bytes).
    const message = tx.subarray(65);
    const txFile = join(dir, 'tx.bin');
    writeFileSync(txFile, tx);
    const decoded = await cli(dir, ['sol', 'decode', '--in', txFile]);
    expect(decoded.code, decoded.err).toBe(0);
    expect(decoded.out).toContain('2.5');
    const signed = await cli(dir, ['--json', 'sol', 'sign', '--wallet', 'hd', '--in', txFile]);
    expect(signed.code, signed.err).toBe(0);
    const j = signed.json() as { transaction: string; signature: string; complete: boolean };
    expect(j.complete).toBe(true);
    expect(ed25519.verify(base58.decode(j.signature), message, pub, { zip215: false })).toBe(true);
    expect((await cli(dir, ['sol', 'sign', '--wallet', 'hd', '--tx', base64.encode(tx)])).code).toBe(0);
    const off = await cli(dir, ['--json', 'sol', 'sign', '--wallet', 'hd', '--text', 'hello custos']);
    expect(off.code, off.err).toBe(0);
    const o = off.json() as { signature: string; message: string };
    expect(ed25519.verify(base58.decode(o.signature), hex.decode(o.message), pub, { zip215: false })).toBe(true);
    expect((await cli(dir, ['sol', 'sign', '--wallet', 'hd', '--tx', '!!'])).err).toContain('INVALID_INPUT');
  });

  it('stark address and sign (INVOKE v1, SNIP-12) verified by @scure/starknet', async () => {
    const dir = await vault();
    const addr = await cli(dir, ['--json', 'stark', 'address', '--wallet', 'hd', '--index', '2']);
    expect(addr.code, addr.err).toBe(0);
    const a = addr.json() as { address: string; path: string };
    expect(a.path).toBe("m/44'/9004'/0'/0/2");
    const pk = grindKey(HDKey.fromMasterSeed(mnemonicToSeedSync(ABANDON)).derive("m/44'/9004'/0'/0/2").privateKey as Uint8Array);
    const check = (hash: string, sig: string[]) => verify(new Signature(BigInt(sig[0] as string), BigInt(sig[1] as string)), BigInt(hash).toString(16).padStart(64, '0'), getPublicKey(pk.replace(/^0x/, '').padStart(64, '0')));
    const invokeFile = join(dir, 'invoke.json');
    writeFileSync(invokeFile, JSON.stringify({ version: 1, senderAddress: a.address, calldata: ['1', '0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7', '0x83afd3f4caedc6eebf44246fe54e38c95e3179a5ec9ea81740eca5b482d12e', '3', '0x1234', '1000', '0'], maxFee: '1000000000000', nonce: '1', chainId: 'SN_MAIN' }));
    const inv = await cli(dir, ['--json', 'stark', 'sign', '--wallet', 'hd', '--index', '2', '--in', invokeFile]);
    expect(inv.code, inv.err).toBe(0);
    const ij = inv.json() as { transactionHash: string; signature: string[] };
    expect(check(ij.transactionHash, ij.signature)).toBe(true);
    const text = await cli(dir, ['stark', 'sign', '--wallet', 'hd', '--index', '2', '--in', '-'], JSON.stringify({ version: 1, senderAddress: a.address, calldata: [], maxFee: 1, nonce: 0, chainId: 'SN_MAIN' }));
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain('Transaction hash');
    const typedFile = join(dir, 'typed.json');
    writeFileSync(typedFile, JSON.stringify({
      types: { StarknetDomain: [{ name: 'name', type: 'shortstring' }, { name: 'version', type: 'shortstring' }, { name: 'chainId', type: 'shortstring' }, { name: 'revision', type: 'shortstring' }], Mail: [{ name: 'note', type: 'shortstring' }] },
      primaryType: 'Mail',
      domain: { name: 'Custos', version: '1', chainId: 'SN_MAIN', revision: '1' },
      message: { note: 'hello' },
    }));
    const td = await cli(dir, ['--json', 'stark', 'sign', '--wallet', 'hd', '--index', '2', '--in', typedFile, '--typed-data']);
    expect(td.code, td.err).toBe(0);
    const tj = td.json() as { messageHash: string; signature: string[] };
    expect(check(tj.messageHash, tj.signature)).toBe(true);
    expect((await cli(dir, ['stark', 'sign', '--in', typedFile])).code).toBe(2); // --wallet required
    expect((await cli(dir, ['stark', 'sign', '--wallet', 'hd', '--in', invokeFile, '--typed-data'])).err).toContain('INVALID_INPUT');
  });
});
