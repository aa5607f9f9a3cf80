/**
 * @module core/chains/hd/accounts
 * The account structure of BIP-44 §"Path levels" (`m / purpose' / coin_type' / account' / change
 * / address_index`) for the purposes Custos uses: 44 (P2PKH, and Ethereum), 49 (P2SH-P2WPKH,
 * BIP-49), 84 (P2WPKH, BIP-84), 86 (P2TR single key, BIP-86); coin types from SLIP-0044; and the
 * Solana convention `m/44'/501'/account'/0'` (SLIP-10 ed25519, all levels hardened).
 *
 * Pure path arithmetic: every helper returns a canonical path string (hardened levels marked `'`)
 * that `HdNode.derivePath` and the derivation cache accept. Nothing here touches a key.
 */
import { CustodyError, assertNever } from '../../../../shared/errors.js';
import { assertUnhardenedIndex, formatPath, hardened } from './path.js';

/** BIP-43 purpose fields. */
export const PURPOSE = { bip44: 44, bip49: 49, bip84: 84, bip86: 86 } as const;

/** SLIP-0044 coin types (testnet, regtest and signet all use 1). */
export const COIN_TYPE = { bitcoin: 0, bitcoinTestnet: 1, ethereum: 60, solana: 501, starknet: 9004 } as const;

export type BitcoinScriptType = 'p2pkh' | 'p2sh-p2wpkh' | 'p2wpkh' | 'p2tr';
export const BITCOIN_SCRIPT_TYPES: readonly BitcoinScriptType[] = ['p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'p2tr'];

export type BitcoinNetwork = 'mainnet' | 'testnet' | 'regtest';

/** The BIP-43 purpose that each Bitcoin script type's accounts live under. */
export function bitcoinPurpose(script: BitcoinScriptType): number {
  switch (script) {
    case 'p2pkh':
      return PURPOSE.bip44;
    case 'p2sh-p2wpkh':
      return PURPOSE.bip49;
    case 'p2wpkh':
      return PURPOSE.bip84;
    case 'p2tr':
      return PURPOSE.bip86;
    default:
      return assertNever(script, 'Bitcoin script type');
  }
}

/** BIP-44 §"Coin type": 0 for Bitcoin, 1 for every test network. */
export function bitcoinCoinType(network: BitcoinNetwork): number {
  switch (network) {
    case 'mainnet':
      return COIN_TYPE.bitcoin;
    case 'testnet':
    case 'regtest':
      return COIN_TYPE.bitcoinTestnet;
    default:
      return assertNever(network, 'Bitcoin network');
  }
}

/** `m/purpose'/coin_type'/account'` (BIP-44 §"Account"). */
export function accountPath(purpose: number, coinType: number, account = 0): string {
  assertUnhardenedIndex(purpose, 'purpose');
  assertUnhardenedIndex(coinType, 'coin type');
  assertUnhardenedIndex(account, 'account');
  return formatPath([hardened(purpose), hardened(coinType), hardened(account)]);
}

/** `m/purpose'/coin_type'/account'/change/address_index`; change is 0 (external) or 1 (internal) (BIP-44 §"Change"). */
export function addressPath(purpose: number, coinType: number, account: number, change: 0 | 1, index: number): string {
  if (change !== 0 && change !== 1) throw new CustodyError('INVALID_INPUT', 'change must be 0 (receive) or 1 (change)');
  assertUnhardenedIndex(index, 'address index');
  return `${accountPath(purpose, coinType, account)}/${change}/${index}`;
}

/** The account path of a Bitcoin script type: BIP-44/49/84/86 `m/purpose'/0'|1'/account'`. */
export function bitcoinAccountPath(script: BitcoinScriptType, network: BitcoinNetwork, account = 0): string {
  return accountPath(bitcoinPurpose(script), bitcoinCoinType(network), account);
}

/** A Bitcoin receive (change 0) or change (1) address path. */
export function bitcoinAddressPath(script: BitcoinScriptType, network: BitcoinNetwork, account: number, change: 0 | 1, index: number): string {
  return addressPath(bitcoinPurpose(script), bitcoinCoinType(network), account, change, index);
}

/**
 * The parent of Ethereum addresses, `m/44'/60'/account'/0`: the node to cache, whose children
 * are the addresses (the `m/44'/60'/0'/0/i` layout MetaMask and most wallets use).
 */
export function ethereumParentPath(account = 0): string {
  return `${accountPath(PURPOSE.bip44, COIN_TYPE.ethereum, account)}/0`;
}

/** `m/44'/60'/account'/0/index`. */
export function ethereumAddressPath(index: number, account = 0): string {
  return addressPath(PURPOSE.bip44, COIN_TYPE.ethereum, account, 0, index);
}

/** Solana `m/44'/501'/account'/0'` (SLIP-10 ed25519: every level hardened). */
export function solanaPath(account = 0): string {
  return `${accountPath(PURPOSE.bip44, COIN_TYPE.solana, account)}/0'`;
}
