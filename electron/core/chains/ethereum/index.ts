/**
 * @module core/chains/ethereum
 * Ethereum for the facade, the CLI and the UI: addresses (EIP-55), personal_sign (EIP-191),
 * typed data (EIP-712 v4), transactions (legacy/EIP-155, EIP-2930, EIP-1559, EIP-4844, EIP-7702),
 * EIP-7702 authorizations, and the view of each request a person approves. Pure functions over
 * a `Secp256k1Signer`: this folder encodes and hashes with ethers and never holds a private key.
 * Every parse and sign function throws CustodyError('INVALID_INPUT') on bad input before anything
 * is signed. The files beside this one are internal.
 */
export { addressFromPublicKey, isValidAddress, parseAddress, ZERO_ADDRESS } from './address.js';
export { hashAuthorization, parseAuthorization, signAuthorization } from './authorization.js';
export type { AuthorizationOptions, AuthorizationRequest, ParsedAuthorization, SignedAuthorization } from './authorization.js';
export { knownChain } from './chains.js';
export type { KnownChain } from './chains.js';
export { describeAuthorization, describePersonalMessage, describeTransaction, describeTypedData } from './describe.js';
export type {
  AuthorizationView,
  CallView,
  ChainView,
  DescribeAuthorizationOptions,
  DescribeTransactionOptions,
  DescribeTypedDataOptions,
  DisplayNode,
  EthRequestView,
  Flag,
  FlagCode,
  FlagLevel,
  GasPriceView,
  NativeAmount,
  PermitSummary,
  PersonalMessageView,
  TransactionView,
  TxAuthorizationView,
  TypedDataView,
} from './describe.js';
export type { DecodedArgument } from './calldata.js';
export type { Hex, QuantityLike } from './encoding.js';
export { hashPersonalMessage, signPersonalMessage } from './personal-message.js';
export { signerAddress } from './signing.js';
export type { EthSignature } from './signing.js';
export { parseTransaction, signTransaction, transactionTypeName } from './transaction.js';
export type { AccessListEntry, EthTransaction, EthTxType, ParsedTransaction, SignedTransaction, TransactionOptions, TxAuthorization } from './transaction.js';
export { hashTypedData, parseTypedData, signTypedData } from './typed-data.js';
export type { ParsedTypedData, TypedDataDomain, TypedDataField, TypedDataOptions, TypedValue } from './typed-data.js';
