/**
 * @module core/chains/hd
 * HD wallets as pure functions: BIP-39 sentences and seeds, BIP-32 / SLIP-10 derivation over
 * secp256k1, nist256p1, ed25519 and curve25519, paths, BIP-44/49/84/86 account paths, extended
 * keys (xpub/ypub/zpub), a derivation cache, Ethereum addresses and StarkNet (EIP-2645) keys.
 * No storage and no I/O: the vault keeps seeds, the facade calls these.
 */
export * from './bip39.js';
export * from './path.js';
export * from './accounts.js';
export * from './slip10.js';
export * from './extended-key.js';
export * from './cache.js';
export * from './eth-address.js';
export * from './starknet.js';
