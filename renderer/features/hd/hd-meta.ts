/**
 * @module renderer/features/hd/hd-meta
 * What the HD wallet screens say about chains and scripts, and the `custos hd` command lines they
 * show (README: "custos hd"). Pure data: no React.
 */
import type { BitcoinNetwork, BitcoinScript } from '../../store/types.js';

export const HD_ID_RE = /^[A-Za-z0-9._-]{1,128}$/;

export const SCRIPTS: readonly { value: BitcoinScript; label: string; note: string }[] = [
  { value: 'p2wpkh', label: 'Native SegWit (BIP-84)', note: 'bc1q… addresses; zpub' },
  { value: 'p2tr', label: 'Taproot (BIP-86)', note: 'bc1p… addresses; xpub' },
  { value: 'p2sh-p2wpkh', label: 'Nested SegWit (BIP-49)', note: '3… addresses; ypub' },
  { value: 'p2pkh', label: 'Legacy (BIP-44)', note: '1… addresses; xpub' },
];

export const NETWORKS: readonly { value: BitcoinNetwork; label: string }[] = [
  { value: 'mainnet', label: 'Mainnet' },
  { value: 'testnet', label: 'Testnet' },
  { value: 'regtest', label: 'Regtest' },
];

const ns = (namespace: string) => (namespace === 'default' ? '' : ` --ns ${namespace}`);
const idArg = (id: string) => (id === '' ? 'ID' : id);

export const hdCli = {
  create: (namespace: string, id: string, words: 12 | 24, exportable: boolean, passphrase: boolean) =>
    `custos hd create --id ${idArg(id)}${ns(namespace)}${words === 24 ? '' : ' --words 12'}${exportable ? ' --exportable' : ''}${passphrase ? ' --bip39-passphrase-file FILE' : ''}`,
  import: (namespace: string, id: string, exportable: boolean, passphrase: boolean) =>
    `custos hd import --id ${idArg(id)}${ns(namespace)} --mnemonic-file FILE${exportable ? ' --exportable' : ''}${passphrase ? ' --bip39-passphrase-file FILE' : ''}`,
  list: (namespace: string) => `custos hd list${ns(namespace)}`,
  ethereum: (namespace: string, id: string, index: number) => `custos hd derive --id ${id}${ns(namespace)} --chain ethereum --index ${index}`,
  bitcoin: (namespace: string, id: string, script: BitcoinScript, network: BitcoinNetwork, index: number) =>
    `custos hd derive --id ${id}${ns(namespace)} --chain bitcoin --script ${script} --network ${network} --index ${index}`,
  solana: (namespace: string, id: string, account: number) => `custos hd derive --id ${id}${ns(namespace)} --chain solana --account ${account}`,
  xpub: (namespace: string, id: string, script: BitcoinScript | 'ethereum', network: BitcoinNetwork) =>
    script === 'ethereum' ? `custos hd xpub --id ${id}${ns(namespace)} --chain ethereum` : `custos hd xpub --id ${id}${ns(namespace)} --script ${script} --network ${network}`,
  exportMnemonic: (namespace: string, id: string) => `custos hd export-mnemonic --id ${id}${ns(namespace)}`,
  delete: (namespace: string, id: string) => `custos hd delete --id ${id}${ns(namespace)} --yes`,
};
