/**
 * @module core/chains/solana
 * Solana for Custos: base58 addresses, legacy and v0 transactions (parsed here, decoded for a
 * person, signed in the signer's slot) and off-chain messages (header version 0). Pure: every
 * signature comes from an `Ed25519Signer` the caller hands in and is checked by noble.
 */
export { encodeAddress, parseSolanaAddress, solanaAddress } from './address.js';
export {
  decodeOffchainMessage,
  encodeOffchainMessage,
  signOffchainMessage,
  signSerializedOffchainMessage,
  verifyOffchainMessage,
  type OffchainFormat,
  type OffchainLayout,
  type OffchainMessageOptions,
  type OffchainMessageSummary,
  type SignedOffchainMessage,
} from './offchain.js';
export {
  COMPUTE_BUDGET_PROGRAM,
  formatSol,
  KNOWN_PROGRAMS,
  SYSTEM_PROGRAM,
  type SolanaAccountRef,
  type SolanaInstructionSummary,
  type SolanaSignerSummary,
  type SolanaTransactionSummary,
  type SolTransfer,
} from './summary.js';
export { decodeSolanaTransaction, signSolanaTransaction, type SignedSolanaTransaction } from './transaction.js';
export type { SolanaMessageVersion } from './wire.js';
