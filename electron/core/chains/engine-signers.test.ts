/**
 * Engine-backed chain signers against independent verification: noble's ECDSA verify and public
 * key recovery, BIP-340 verify (with the BIP-341 tweak applied to the public key), RFC 8032 test 1.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { createCryptoEngine } from '../crypto/index.js';
import { ed25519Signer, ed25519SignerFromHandle, secp256k1Signer } from './engine-signers.js';

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

describe.each([false, true])('engine signers (forceNoble %s)', (forceNoble) => {
  const engine = createCryptoEngine({ forceNoble });

  it('secp256k1: low-S signatures over the digest with the right recovery id', () => {
    const priv = hex('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721');
    const signer = secp256k1Signer(engine, priv);
    expect(signer.publicKey).toEqual(secp256k1.getPublicKey(priv, true));
    for (let i = 0; i < 20; i++) {
      const digest = sha256(new TextEncoder().encode(`message ${i}`));
      const { r, s, recovery } = signer.signDigest(digest);
      expect(s <= secp256k1.Point.CURVE().n / 2n).toBe(true);
      const sig = new secp256k1.Signature(r, s);
      expect(secp256k1.verify(sig.toBytes('compact'), digest, signer.publicKey, { prehash: false })).toBe(true);
      expect(sig.addRecoveryBit(recovery).recoverPublicKey(digest).toBytes(true)).toEqual(signer.publicKey);
    }
    expect(() => signer.signDigest(new Uint8Array(31))).toThrow(/32 bytes/);
  });

  it('secp256k1: BIP-340 signatures, plain and with a Taproot tweak', () => {
    const priv = hex('0b432b2677937381aef05bb02a66ecd012773062cf3fa2549e44f58ed2401710');
    const signer = secp256k1Signer(engine, priv);
    const msg = sha256(new TextEncoder().encode('taproot'));
    expect(schnorr.verify(signer.signSchnorr!(msg), msg, schnorr.getPublicKey(priv))).toBe(true);
    // Tweaked: the signature verifies under P + tG (x-only), the output key a Taproot address commits to.
    const tweak = sha256(new TextEncoder().encode('tweak'));
    const P = secp256k1.Point.fromBytes(secp256k1.getPublicKey(priv, true));
    const even = P.toAffine().y % 2n === 0n ? P : P.negate();
    const Q = even.add(secp256k1.Point.BASE.multiply(BigInt('0x' + Buffer.from(tweak).toString('hex'))));
    const xOnly = Q.toBytes(true).subarray(1);
    expect(schnorr.verify(signer.signSchnorr!(msg, tweak), msg, xOnly)).toBe(true);
    signer.dispose();
    expect(() => signer.signSchnorr!(msg)).toThrow(/disposed/);
  });

  it('ed25519: RFC 8032 test 1', () => {
    const signer = ed25519Signer(engine, hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));
    expect(Buffer.from(signer.publicKey).toString('hex')).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const sig = signer.sign(new Uint8Array(0));
    expect(Buffer.from(sig).toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    expect(ed25519.verify(sig, new Uint8Array(0), signer.publicKey)).toBe(true);
  });

  it('ed25519 from an engine handle: RFC 8032 test 1 without the seed in the signer', () => {
    const material = engine.importKey('ed25519', 'raw', hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'));
    const handle = engine.loadPrivateKey(material);
    const pub = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const signer = ed25519SignerFromHandle(engine, handle, pub);
    expect(Buffer.from(signer.sign(new Uint8Array(0))).toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
    expect(() => ed25519SignerFromHandle(engine, handle, new Uint8Array(31))).toThrow(/32 bytes/);
  });
});
