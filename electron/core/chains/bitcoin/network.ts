/**
 * @module core/chains/bitcoin/network
 * The three Bitcoin networks Custos renders addresses for, as the parameters @scure/btc-signer
 * takes. Output scripts are the same on every network; only the address encoding differs
 * (base58check version bytes, BIP-173 human-readable part). Signet shares testnet's encoding.
 *
 * Trusts @scure/btc-signer's mainnet and testnet constants; regtest's `bcrt` prefix is Bitcoin
 * Core's (chainparams.cpp, `bech32_hrp = "bcrt"`).
 */
import { NETWORK, TEST_NETWORK } from '@scure/btc-signer';
import type { BTC_NETWORK } from '@scure/btc-signer/utils.js';
import { CustodyError } from '../../../../shared/errors.js';

export type BitcoinNetwork = 'mainnet' | 'testnet' | 'regtest';

export const BITCOIN_NETWORKS: readonly BitcoinNetwork[] = ['mainnet', 'testnet', 'regtest'];

const PARAMS: Readonly<Record<BitcoinNetwork, BTC_NETWORK>> = {
  mainnet: NETWORK,
  testnet: TEST_NETWORK,
  regtest: Object.freeze({ ...TEST_NETWORK, bech32: 'bcrt' }),
};

/** The library's parameters for a network; throws INVALID_INPUT for any other name. */
export function networkParams(network: BitcoinNetwork): BTC_NETWORK {
  if (!isBitcoinNetwork(network)) throw new CustodyError('INVALID_INPUT', `unknown Bitcoin network: ${String(network)}`);
  return PARAMS[network];
}

export function isBitcoinNetwork(value: unknown): value is BitcoinNetwork {
  return value === 'mainnet' || value === 'testnet' || value === 'regtest';
}
