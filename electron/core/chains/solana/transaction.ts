/**
 * @module core/chains/solana/transaction
 * Decode and sign Solana transactions (legacy and v0). The signer signs the exact message bytes
 * (Ed25519, RFC 8032, over the whole message; Solana has no hashing step), the signature goes
 * into the slot of the signer's index among the required signers, and noble's strict Ed25519
 * verification checks it before the transaction is returned.
 *
 * Input is the wire transaction (signature slots, usually zero-filled, followed by the message),
 * as wallets and RPC `sendTransaction` exchange it: bytes, or a base64 string. Malformed input,
 * a message the runtime would reject, or a key that is not a required signer: INVALID_INPUT,
 * nothing signed.
 *
 * Trusts wire.ts (parsing, sanitization), the signer, and noble for verification.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base64 } from '@scure/base';
import { CustodyError } from '../../../../shared/errors.js';
import type { Ed25519Signer } from '../signer.js';
import { encodeAddress, solanaAddress } from './address.js';
import { summarizeTransaction, type SolanaTransactionSummary } from './summary.js';
import { parseTransaction, serializeTransaction } from './wire.js';

export interface SignedSolanaTransaction {
  /** The wire transaction with our signature in place. */
  readonly transaction: Uint8Array;
  readonly transactionBase64: string;
  /** Our 64-byte signature; for the fee payer it is also the transaction id (base58). */
  readonly signature: Uint8Array;
  readonly signatureBase58: string;
  readonly signerIndex: number;
  /** Every required signature is present and valid. */
  readonly complete: boolean;
  readonly summary: SolanaTransactionSummary;
}

/** What a person must see before signing this transaction. */
export function decodeSolanaTransaction(transaction: Uint8Array | string): SolanaTransactionSummary {
  return summarizeTransaction(parseTransaction(transactionBytes(transaction)));
}

/**
 * Sign `transaction` with `signer`, whose key must be one of the message's required signers.
 * Other signers' slots are kept as they are (partial signing).
 */
export function signSolanaTransaction(transaction: Uint8Array | string, signer: Ed25519Signer): SignedSolanaTransaction {
  const tx = parseTransaction(transactionBytes(transaction));
  const address = solanaAddress(signer.publicKey);
  const required = tx.message.staticAccountKeys.slice(0, tx.message.header.numRequiredSignatures);
  const signerIndex = required.findIndex((k) => encodeAddress(k) === address);
  if (signerIndex < 0) throw new CustodyError('INVALID_INPUT', `${address} is not a required signer of this transaction`);
  const signature = signer.sign(tx.messageBytes);
  if (!(signature instanceof Uint8Array) || signature.length !== 64 || !ed25519.verify(signature, tx.messageBytes, signer.publicKey, { zip215: false })) {
    throw new CustodyError('INTERNAL', 'the signer returned an Ed25519 signature that does not verify');
  }
  const signatures = tx.signatures.map((s, i) => (i === signerIndex ? signature : s));
  const out = serializeTransaction(signatures, tx.messageBytes);
  const summary = summarizeTransaction(parseTransaction(out));
  return {
    transaction: out,
    transactionBase64: base64.encode(out),
    signature,
    signatureBase58: encodeAddress(signature),
    signerIndex,
    complete: summary.signers.every((s) => s.signatureValid === true),
    summary,
  };
}

function transactionBytes(transaction: Uint8Array | string): Uint8Array {
  if (transaction instanceof Uint8Array) return transaction;
  if (typeof transaction !== 'string') throw new CustodyError('INVALID_INPUT', 'a Solana transaction is bytes or base64');
  try {
    return base64.decode(transaction.trim());
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', 'malformed Solana transaction: not base64', { cause });
  }
}
