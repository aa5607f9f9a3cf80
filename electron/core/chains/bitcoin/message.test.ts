/**
 * Message signing against the BIP-322 vectors (message hashes, to_spend/to_sign ids, simple
 * signatures for P2WPKH and P2TR, error cases) and Bitcoin Core's BIP-137 signatures for the same
 * key; a deterministic RFC 6979 signer reproduces the published ECDSA signatures byte for byte, and
 * the engine-backed signer's signatures verify. Deviations (P2WSH, BIP-322 "full") are pinned.
 */
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';
import { WIF } from '@scure/btc-signer';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CustodyError } from '../../../../shared/errors.js';
import { createCryptoEngine } from '../../crypto/index.js';
import { secp256k1Signer } from '../engine-signers.js';
import type { Secp256k1Signer } from '../signer.js';
import { bitcoinAddress } from './address.js';
import { bip137MessageHash, bip322MessageHash, bip322ToSign, bip322ToSpend, signMessage, verifyMessage } from './message.js';

const VECTORS = new URL('../../../../test/vectors/bitcoin/bip322.json', import.meta.url);

interface Bip322Vectors {
  txHashes: { message: string; address: string; messageHash: string; toSpend: string; toSign: string }[];
  simple: { message: string; wif: string; address: string; type: 'p2wpkh' | 'p2tr'; signatures: string[]; rfc6979?: string }[];
  unsupported: { why: string; message: string; address: string }[];
  errors: { description: string; message: string; address: string; signature: string; custos?: string }[];
  legacy: { message: string; wif: string; signature: string }[];
}

const v = JSON.parse(readFileSync(VECTORS, 'utf8')) as Bip322Vectors;
const engine = createCryptoEngine();
const key = (wif: string) => WIF().decode(wif);

function rfc6979Signer(privateKey: Uint8Array): Secp256k1Signer {
  const publicKey = secp256k1.getPublicKey(privateKey, true);
  return {
    publicKey,
    signDigest(digest) {
      const sig = secp256k1.Signature.fromBytes(secp256k1.sign(digest, privateKey, { prehash: false, lowS: true }), 'compact');
      const recovery = hex.encode(sig.addRecoveryBit(0).recoverPublicKey(digest).toBytes(true)) === hex.encode(publicKey) ? 0 : 1;
      return { r: sig.r, s: sig.s, recovery };
    },
  };
}

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof CustodyError ? e.code : `not a CustodyError: ${String(e)}`;
  }
  return undefined;
}

describe('BIP-322', () => {
  it('message hashes and the to_spend / to_sign transaction ids', () => {
    for (const c of v.txHashes) {
      expect(hex.encode(bip322MessageHash(c.message))).toBe(c.messageHash);
      const script = bitcoinAddress(secp256k1.getPublicKey(key('L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k'), true), 'p2wpkh', 'mainnet').script;
      expect(bip322ToSpend(c.message, script).txid).toBe(c.toSpend);
      expect(bip322ToSign(c.message, script).id).toBe(c.toSign);
    }
  });

  it('verifies every published simple signature (P2WPKH, P2TR; with and without the smp prefix)', () => {
    let n = 0;
    for (const c of v.simple) {
      expect(bitcoinAddress(secp256k1.getPublicKey(key(c.wif), true), c.type, 'mainnet').address).toBe(c.address);
      for (const sig of c.signatures) {
        expect(verifyMessage(c.address, c.message, sig, 'mainnet'), `${c.message} ${sig}`).toBe(true);
        expect(verifyMessage(c.address, c.message, sig.replace(/^smp/, ''), 'mainnet')).toBe(true);
        n++;
      }
    }
    expect(n).toBe(7);
  });

  it('an RFC 6979 signer reproduces the published P2WPKH signatures exactly', () => {
    const withRfc6979 = v.simple.filter((c) => c.rfc6979 !== undefined);
    expect(withRfc6979).toHaveLength(2);
    for (const c of withRfc6979) {
      const out = signMessage(rfc6979Signer(key(c.wif)), c.message, { type: 'p2wpkh', network: 'mainnet' });
      expect(out).toEqual({ address: c.address, type: 'p2wpkh', format: 'bip322-simple', signature: (c.rfc6979 as string).replace(/^smp/, '') });
    }
  });

  it('the engine signer signs for P2WPKH, P2SH-P2WPKH and P2TR on each network; the results verify', () => {
    for (const c of v.simple) {
      const signer = secp256k1Signer(engine, key(c.wif));
      for (const type of ['p2wpkh', 'p2sh-p2wpkh', 'p2tr'] as const) {
        for (const network of ['mainnet', 'testnet', 'regtest'] as const) {
          const out = signMessage(signer, c.message, { type, network });
          expect(out.format).toBe('bip322-simple');
          expect(out.address).toBe(bitcoinAddress(signer.publicKey, type, network).address);
          expect(verifyMessage(out.address, c.message, out.signature, network)).toBe(true);
          expect(verifyMessage(out.address, `${c.message}!`, out.signature, network)).toBe(false);
        }
      }
      signer.dispose();
    }
  });

  it('a P2TR signature is one 64-byte BIP-340 signature over the BIP-341 sighash of to_sign', () => {
    const c = v.simple.find((s) => s.type === 'p2tr') as Bip322Vectors['simple'][number];
    const signer = secp256k1Signer(engine, key(c.wif));
    const out = signMessage(signer, c.message, { type: 'p2tr', network: 'mainnet' });
    const bytes = Uint8Array.from(Buffer.from(out.signature, 'base64'));
    expect(bytes.length).toBe(66); // one stack item (0x01), 64 bytes (0x40), no sighash byte
    const a = bitcoinAddress(signer.publicKey, 'p2tr', 'mainnet');
    const digest = bip322ToSign(c.message, a.script).preimageWitnessV1(0, [a.script], 0, [0n]);
    expect(schnorr.verify(bytes.subarray(2), digest, a.outputKey as Uint8Array)).toBe(true);
  });

  it('error vectors: false, or UNSUPPORTED where Custos does not implement the form (pinned)', () => {
    const unsupported: string[] = [];
    for (const c of v.errors) {
      const result = code(() => expect(verifyMessage(c.address, c.message, c.signature, 'mainnet'), c.description).toBe(false));
      if (result !== undefined) {
        expect(result, c.description).toBe('UNSUPPORTED');
        unsupported.push(c.description);
      }
    }
    expect(unsupported).toEqual(['wrong address for valid simple p2wpkh signature (signed for different address)', 'incorrect prefix type']);
    for (const c of v.unsupported) expect(code(() => verifyMessage(c.address, c.message, 'AA==', 'mainnet')), c.why).toBe('UNSUPPORTED');
  });

  it('an address of another network is INVALID_INPUT', () => {
    const c = v.simple[0] as Bip322Vectors['simple'][number];
    expect(code(() => verifyMessage(c.address, c.message, c.signatures[0] as string, 'testnet'))).toBe('INVALID_INPUT');
  });
});

describe('BIP-137 (legacy P2PKH)', () => {
  it('an RFC 6979 signer reproduces Bitcoin Core’s signatures; they verify; tampering does not', () => {
    for (const c of v.legacy) {
      const signer = rfc6979Signer(key(c.wif));
      const out = signMessage(signer, c.message, { type: 'p2pkh', network: 'mainnet' });
      expect(out.format).toBe('bip137');
      expect(out.signature).toBe(c.signature);
      expect(verifyMessage(out.address, c.message, c.signature, 'mainnet')).toBe(true);
      expect(verifyMessage(out.address, `${c.message}.`, c.signature, 'mainnet')).toBe(false);
      // The same signature does not prove control of another P2PKH address.
      expect(verifyMessage(bitcoinAddress(secp256k1.getPublicKey(new Uint8Array(32).fill(9), true), 'p2pkh', 'mainnet').address, c.message, c.signature, 'mainnet')).toBe(false);
    }
  });

  it('the engine signer: header 31/32 (compressed P2PKH), recovers to the signer’s key', () => {
    const signer = secp256k1Signer(engine, key('L3VFeEujGtevx9w18HD1fhRbCH67Az2dpCymeRE1SoPK6XQtaN2k'));
    for (const message of ['', 'Hello World', 'ünïcödé', new Uint8Array([0, 1, 2, 255])]) {
      const out = signMessage(signer, message, { type: 'p2pkh', network: 'testnet' });
      const bytes = Uint8Array.from(Buffer.from(out.signature, 'base64'));
      expect([31, 32]).toContain(bytes[0]);
      const sig = secp256k1.Signature.fromBytes(bytes.subarray(1), 'compact').addRecoveryBit((bytes[0] as number) - 31);
      expect(sig.recoverPublicKey(bip137MessageHash(message)).toBytes(true)).toEqual(signer.publicKey);
      expect(verifyMessage(out.address, message, out.signature, 'testnet')).toBe(true);
    }
    signer.dispose();
  });

  it('the BIP-137 message hash is Bitcoin Core’s MessageHash (known value for "Hello World")', () => {
    // Recovering the vector signature to the vector key pins the hash (a wrong hash recovers another key).
    const c = v.legacy[0] as Bip322Vectors['legacy'][number];
    const bytes = Uint8Array.from(Buffer.from(c.signature, 'base64'));
    const sig = secp256k1.Signature.fromBytes(bytes.subarray(1), 'compact').addRecoveryBit((bytes[0] as number) - 31);
    expect(sig.recoverPublicKey(bip137MessageHash(c.message)).toBytes(true)).toEqual(secp256k1.getPublicKey(key(c.wif), true));
  });
});
