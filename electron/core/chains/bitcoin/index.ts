/**
 * @module core/chains/bitcoin
 * Bitcoin for Custos: addresses (P2PKH, P2SH-P2WPKH, P2WPKH, P2TR), PSBT decoding and signing
 * (BIP-174 / BIP-370), message signing (BIP-322 simple, BIP-137). Pure: no storage, no key
 * material; every signature comes from a `Secp256k1Signer` the caller hands in.
 */
export { BITCOIN_NETWORKS, isBitcoinNetwork, type BitcoinNetwork } from './network.js';
export {
  addressToScript,
  assertCompressedPublicKey,
  BITCOIN_ADDRESS_TYPES,
  bitcoinAddress,
  ownScriptsOf,
  scriptToAddress,
  scriptType,
  type BitcoinAddress,
  type BitcoinAddressType,
} from './address.js';
export { formatBtc } from './amount.js';
export { SIGHASH, type SighashName } from './input-signing.js';
export {
  decodePsbt,
  finalizePsbt,
  parsePsbt,
  signPsbt,
  type DecodePsbtOptions,
  type PsbtInputSummary,
  type PsbtOutputSummary,
  type PsbtSummary,
  type SignedInput,
  type SignedPsbt,
  type SignPsbtOptions,
} from './psbt.js';
export {
  bip137MessageHash,
  bip322MessageHash,
  bip322ToSign,
  bip322ToSpend,
  signMessage,
  verifyMessage,
  type MessageSignatureFormat,
  type SignedMessage,
} from './message.js';
