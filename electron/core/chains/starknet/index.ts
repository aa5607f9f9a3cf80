/**
 * @module core/chains/starknet
 * StarkNet for Custos: Stark keys (and the one signer that signs in JavaScript, see keys.ts), the
 * OpenZeppelin account address, INVOKE v1/v3 transaction hashes with a decoded summary, and
 * SNIP-12 revision 1 typed data. Every signature is checked with @scure/starknet's verify.
 */
export {
  contractAddress,
  DEFAULT_OZ_ACCOUNT_CLASS_HASH,
  L2_ADDRESS_UPPER_BOUND,
  openZeppelinAccountAddress,
  OZ_ACCOUNT_CLASS_HASHES,
  padAddress,
  type OzAccountRelease,
  type StarknetAccountAddress,
} from './account.js';
export { encodeShortString, FIELD_PRIME, selectorFromName, starknetKeccak, type FeltInput } from './felt.js';
export { parseStarkPrivateKey, STARK_CURVE_ORDER, starkFullPublicKey, starkPublicKey, starkSignerFromPrivateKey, verifyStarkSignature } from './keys.js';
export {
  decodeExecuteCalldata,
  decodeInvoke,
  executeCalldata,
  invokeTransactionHash,
  signInvoke,
  signStarkHash,
  STARKNET_CHAIN_IDS,
  type DecodedCall,
  type InvokeSummary,
  type InvokeTransaction,
  type InvokeV1,
  type InvokeV3,
  type ResourceBound,
  type SignedInvoke,
  type StarknetCall,
} from './transaction.js';
export {
  decodeTypedData,
  encodeType,
  merkleRoot,
  signTypedData,
  typedDataHash,
  typedDataStructHash,
  typeHash,
  type SignedTypedData,
  type TypedData,
  type TypedDataField,
  type TypedDataLeaf,
  type TypedDataSummary,
} from './typed-data.js';
