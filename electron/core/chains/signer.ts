/**
 * @module core/chains/signer
 * The ports through which chain code asks for signatures. Chain modules encode and hash with the
 * chains' own libraries and never hold a private key: they are handed a signer that signs a digest
 * (secp256k1, Stark) or a message (Ed25519). The facade builds signers from vault or derived keys
 * through the crypto engine; tests may build them from test keys with the same engine.
 */

/** secp256k1 over a 32-byte digest, as Ethereum and Bitcoin need it. */
export interface Secp256k1Signer {
  /** SEC1 compressed public key (33 bytes). */
  readonly publicKey: Uint8Array;
  /** Sign a 32-byte digest (no further hashing). `s` is low (BIP-62 / EIP-2); `recovery` is the y parity of R. */
  signDigest(digest: Uint8Array): { readonly r: bigint; readonly s: bigint; readonly recovery: 0 | 1 };
  /** BIP-340 Schnorr over a 32-byte message with the key tweaked as the caller says (Taproot key path). Optional: not every backend can. */
  signSchnorr?(message: Uint8Array, tweak?: Uint8Array): Uint8Array;
}

/** Ed25519 (RFC 8032) over the whole message, as Solana needs it. */
export interface Ed25519Signer {
  /** Raw 32-byte public key. */
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** The Stark curve (StarkNet) over a field-element message hash. */
export interface StarkSigner {
  /** The public key's x coordinate (what StarkNet calls the public key). */
  readonly publicKey: bigint;
  signHash(hash: bigint): { readonly r: bigint; readonly s: bigint };
}
