/**
 * @module core/chains/solana/test-transactions
 * Test code: the smallest real Solana transaction — a legacy message with one System Program
 * Transfer of `lamports` from `payer` (the only signer, its slot still empty) to a fixed
 * recipient — as the facade, API and CLI tests sign it. Built with this folder's wire encoder.
 */
import { serializeMessage, serializeTransaction } from './wire.js';

/** Recipient of the test transfer (32 bytes of 5) and the recent blockhash (32 bytes of 0xbb). */
export const TEST_RECIPIENT = new Uint8Array(32).fill(5);

/** Wire bytes of an unsigned legacy transfer: System Program instruction 2, u64 LE lamports. */
export function legacyTransfer(payer: Uint8Array, lamports: bigint): Uint8Array {
  const data = new Uint8Array(12);
  data[0] = 2;
  new DataView(data.buffer).setBigUint64(4, lamports, true);
  const message = serializeMessage({
    version: 'legacy',
    header: { numRequiredSignatures: 1, numReadonlySignedAccounts: 0, numReadonlyUnsignedAccounts: 1 },
    staticAccountKeys: [payer, TEST_RECIPIENT, new Uint8Array(32)],
    recentBlockhash: new Uint8Array(32).fill(0xbb),
    instructions: [{ programIdIndex: 2, accountIndexes: [0, 1], data }],
    addressTableLookups: [],
  });
  return serializeTransaction([new Uint8Array(64)], message);
}
