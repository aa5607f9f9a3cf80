/**
 * @module core/chains/starknet/account
 * StarkNet contract addresses (the deploy_account / UDC formula) and the address of the standard
 * OpenZeppelin account for a Stark public key.
 *
 *   address = compute_hash_on_elements(["STARKNET_CONTRACT_ADDRESS", deployer, salt, class_hash,
 *             compute_hash_on_elements(constructor_calldata)]) mod (2^251 − 256)
 *
 * (Pedersen; starkware-libs cairo-lang `calculate_contract_address_from_hash`, starknet.js
 * `calculateContractAddressFromHash`.) An account deployed by DEPLOY_ACCOUNT has deployer 0; the
 * OpenZeppelin account's constructor takes the public key, and wallets use it as the salt too.
 *
 * The class hash is part of the address, so the account must be deployed from the same class.
 * `OZ_ACCOUNT_CLASS_HASHES` lists the AccountUpgradeable preset of each OpenZeppelin Contracts
 * for Cairo release line as its "Presets" documentation page publishes it; the default is the
 * newest. Public data only; pure.
 */
import { CustodyError } from '../../../../shared/errors.js';
import { encodeShortString, pedersenArray, toFelt, toHex, type FeltInput } from './felt.js';

const CONTRACT_ADDRESS_PREFIX = encodeShortString('STARKNET_CONTRACT_ADDRESS');
/** Contract addresses live below 2^251 − 256 (L2_ADDRESS_UPPER_BOUND). */
export const L2_ADDRESS_UPPER_BOUND = 2n ** 251n - 256n;

/**
 * OpenZeppelin AccountUpgradeable Sierra class hashes, by release line, from
 * https://docs.openzeppelin.com/contracts-cairo/<line>/presets ("Available presets").
 */
export const OZ_ACCOUNT_CLASS_HASHES = {
  /** Contracts for Cairo 4.x (Scarb 2.18.0, release profile). */
  '4.x': '0x03013bf2edcf93ac575367eee41cd07bb50e809c78925817b61878db29826144',
  /** 3.x (Scarb 2.13.1, release profile). */
  '3.x': '0x01d1777db36cdd06dd62cfde77b1b6ae06412af95d57a13dc40ac77b8a702381',
  /** 2.x (Scarb 2.11.4, release profile). */
  '2.x': '0x079a9a12fdfa0481e8d8d46599b90226cd7247b2667358bb00636dd864002314',
  /** 1.0.0 (Cairo 2.9.4). */
  '1.0.0': '0x05b4b537eaa2399e3aa99c4e2e0208ebd6c71bc1467938cd52c798c601e43564',
} as const;

export type OzAccountRelease = keyof typeof OZ_ACCOUNT_CLASS_HASHES;

/** The class hash `openZeppelinAccountAddress` uses unless told otherwise (the newest release line). */
export const DEFAULT_OZ_ACCOUNT_CLASS_HASH = OZ_ACCOUNT_CLASS_HASHES['4.x'];

/** A contract's address from its class hash, salt, constructor calldata and deployer (0 for DEPLOY_ACCOUNT). */
export function contractAddress(salt: FeltInput, classHash: FeltInput, constructorCalldata: readonly FeltInput[], deployer: FeltInput = 0n): bigint {
  const calldataHash = pedersenArray(constructorCalldata.map((c, i) => toFelt(c, `constructor calldata[${i}]`)));
  const h = pedersenArray([CONTRACT_ADDRESS_PREFIX, toFelt(deployer, 'deployer'), toFelt(salt, 'salt'), toFelt(classHash, 'class hash'), calldataHash]);
  return h % L2_ADDRESS_UPPER_BOUND;
}

export interface StarknetAccountAddress {
  /** 0x-prefixed, 64 hex digits, as wallets show it. */
  readonly address: string;
  readonly value: bigint;
  readonly classHash: string;
  readonly publicKey: string;
}

/** The counterfactual address of the OpenZeppelin account for `publicKey` (salt = key, calldata = [key], deployer 0). */
export function openZeppelinAccountAddress(publicKey: bigint, options: { readonly classHash?: FeltInput } = {}): StarknetAccountAddress {
  if (typeof publicKey !== 'bigint' || publicKey <= 0n) throw new CustodyError('INVALID_INPUT', 'a Stark public key is a positive bigint');
  const classHash = toFelt(options.classHash ?? DEFAULT_OZ_ACCOUNT_CLASS_HASH, 'class hash');
  const value = contractAddress(publicKey, classHash, [publicKey], 0n);
  return { address: padAddress(value), value, classHash: padAddress(classHash), publicKey: toHex(publicKey) };
}

/** 0x + 64 hex digits. */
export function padAddress(value: bigint): string {
  return `0x${value.toString(16).padStart(64, '0')}`;
}
