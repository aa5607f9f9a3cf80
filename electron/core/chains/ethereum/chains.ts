/**
 * @module core/chains/ethereum/chains
 * The EVM chains whose name and native currency a person should see beside a chain id (EIP-155
 * chain ids as registered in ethereum-lists/chains). A short fixed table, not a registry: an id
 * not listed here is shown as unknown with its amounts in unnamed 18-decimal native units, since
 * guessing "ETH" for an unknown chain could make a worthless amount look valuable.
 *
 * Trusts nothing; pure data.
 */

export interface KnownChain {
  readonly name: string;
  /** Symbol of the native currency (18 decimals on every chain listed). */
  readonly symbol: string;
  readonly testnet: boolean;
}

const KNOWN_CHAINS: ReadonlyMap<bigint, KnownChain> = new Map<bigint, KnownChain>([
  [1n, { name: 'Ethereum Mainnet', symbol: 'ETH', testnet: false }],
  [11155111n, { name: 'Sepolia', symbol: 'ETH', testnet: true }],
  [17000n, { name: 'Holesky', symbol: 'ETH', testnet: true }],
  [560048n, { name: 'Hoodi', symbol: 'ETH', testnet: true }],
  [5n, { name: 'Goerli (deprecated)', symbol: 'ETH', testnet: true }],
  [10n, { name: 'OP Mainnet', symbol: 'ETH', testnet: false }],
  [8453n, { name: 'Base', symbol: 'ETH', testnet: false }],
  [42161n, { name: 'Arbitrum One', symbol: 'ETH', testnet: false }],
  [59144n, { name: 'Linea', symbol: 'ETH', testnet: false }],
  [324n, { name: 'ZKsync Era', symbol: 'ETH', testnet: false }],
  [137n, { name: 'Polygon PoS', symbol: 'POL', testnet: false }],
  [56n, { name: 'BNB Smart Chain', symbol: 'BNB', testnet: false }],
  [100n, { name: 'Gnosis', symbol: 'xDAI', testnet: false }],
  [43114n, { name: 'Avalanche C-Chain', symbol: 'AVAX', testnet: false }],
]);

export function knownChain(chainId: bigint): KnownChain | undefined {
  return KNOWN_CHAINS.get(chainId);
}
