/**
 * @module core/chains/ethereum/test-signers
 * Signers for this folder's tests and benchmark. `testSigner` is the production construction
 * (chains/engine-signers.ts over a crypto engine: hedged RFC 6979, low-S, recovery id by
 * public-key recovery). `deterministicSigner` is plain RFC 6979 without extra entropy, used only
 * to reproduce the EIP-712 "Mail" signature byte for byte, as the EIP computed it that way; it
 * keeps the key in JavaScript and is test code only.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { createCryptoEngine, type CryptoEngine } from '../../crypto/index.js';
import { secp256k1Signer } from '../engine-signers.js';
import type { Secp256k1Signer } from '../signer.js';

let sharedEngine: CryptoEngine | undefined;

/** An engine-backed signer for a 32-byte test key (one engine per process). */
export function testSigner(privateKey: Uint8Array, engine?: CryptoEngine): Secp256k1Signer {
  sharedEngine ??= createCryptoEngine();
  return secp256k1Signer(engine ?? sharedEngine, privateKey);
}

/** RFC 6979 without extra entropy, as the EIP-712 example was signed. Test vectors only. */
export function deterministicSigner(privateKey: Uint8Array): Secp256k1Signer {
  const key = Uint8Array.from(privateKey);
  return {
    publicKey: secp256k1.getPublicKey(key, true),
    signDigest(digest) {
      const sig = secp256k1.Signature.fromBytes(secp256k1.sign(digest, key, { prehash: false, lowS: true, format: 'recovered' }), 'recovered');
      return { r: sig.r, s: sig.s, recovery: sig.recovery === 0 ? 0 : 1 };
    },
  };
}

/** A signer that counts its signatures: bad-input tests check that nothing was signed. */
export function countingSigner(inner: Secp256k1Signer): Secp256k1Signer & { readonly calls: number } {
  let calls = 0;
  return {
    publicKey: inner.publicKey,
    signDigest(digest) {
      calls++;
      return inner.signDigest(digest);
    },
    get calls() {
      return calls;
    },
  };
}
