/**
 * @module core/crypto
 * The crypto engine's public surface: the factory, the power-on self-test and the contract
 * types. Everything else in this folder is internal to the engine.
 */
export { createCryptoEngine } from './engine.js';
export { runSelfTest } from './self-test.js';
export type {
  CryptoEngine,
  CryptoEngineOptions,
  EncryptOptions,
  KdfAlgorithm,
  KdfParams,
  KeyMaterial,
  PrivateKeyHandle,
  Provider,
  PublicKeyHandle,
  SignOptions,
  SigningKeyAlgorithm,
  SymmetricKeyAlgorithm,
} from './types.js';
