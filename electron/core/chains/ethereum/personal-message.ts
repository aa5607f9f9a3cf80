/**
 * @module core/chains/ethereum/personal-message
 * EIP-191 version 0x45 ("personal_sign"): keccak256("\x19Ethereum Signed Message:\n" ‖ decimal
 * byte length ‖ message). The prefix makes the digest unlike any transaction's, so signing a
 * message can never authorise a transaction.
 *
 * The message is bytes. A dapp's `personal_sign` parameter is hex that the caller (facade, CLI)
 * turns into bytes; accepting strings here would make "0x1234" ambiguous between four text
 * characters and two bytes, and a person would see one while the key signed the other.
 *
 * Trusts ethers' hashMessage; trusts the signer as signing.ts says.
 */
import { getBytes, hashMessage } from 'ethers';
import type { Secp256k1Signer } from '../signer.js';
import { invalid, type Hex } from './encoding.js';
import { signMessageDigest, type EthSignature } from './signing.js';

function assertMessage(message: unknown): asserts message is Uint8Array {
  if (!(message instanceof Uint8Array)) throw invalid('a personal_sign message must be bytes (decode a hex parameter first)');
}

/** The EIP-191 (0x45) digest of `message`. */
export function hashPersonalMessage(message: Uint8Array): Hex {
  assertMessage(message);
  return hashMessage(message) as Hex;
}

/**
 * Sign `message` as `personal_sign` does: 65 bytes r ‖ s ‖ v with v = 27 + y parity.
 * @throws INVALID_INPUT when `message` is not a Uint8Array (nothing is signed).
 */
export function signPersonalMessage(signer: Secp256k1Signer, message: Uint8Array): EthSignature {
  return signMessageDigest(signer, getBytes(hashPersonalMessage(message)));
}
