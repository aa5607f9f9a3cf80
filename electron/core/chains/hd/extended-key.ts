/**
 * @module core/chains/hd/extended-key
 * BIP-32 §"Serialization format": the 78-byte extended key (version ‖ depth ‖ parent fingerprint
 * ‖ child number ‖ chain code ‖ key data) in Base58Check, with the version bytes of BIP-32
 * (xpub/xprv, tpub/tprv) and SLIP-0132 / BIP-49 / BIP-84 (ypub/yprv, zpub/zprv and their testnet
 * upub/uprv, vpub/vprv). Only secp256k1 nodes have this encoding; multisig versions (Ypub, Zpub…)
 * are not accepted.
 *
 * Parsing trusts nothing: the checks are those BIP-32 test vector 5 exercises (checksum, length,
 * known version, public version with public key data and private with private, pubkey prefix
 * 02/03 and on the curve, private key in [1, n-1], a depth-0 key with zero parent fingerprint and
 * index). Every failure is `CustodyError('INVALID_INPUT')` naming the check, never the key.
 *
 * Secrets: an xprv is a string, and JavaScript strings cannot be wiped. `encodeExtendedPrivateKey`
 * exists for explicit, re-authenticated export and for the vectors; watch-only export uses the
 * public forms. The 78-byte buffers this module builds are zeroed after use.
 */
import { base58 } from '@scure/base';
import { sha256 } from '@noble/hashes/sha2.js';
import { CustodyError } from '../../../../shared/errors.js';
import { bitcoinPurpose, type BitcoinNetwork, type BitcoinScriptType } from './accounts.js';
import { isHardened } from './path.js';
import { HdNode } from './slip10.js';

export type ExtendedPublicPrefix = 'xpub' | 'ypub' | 'zpub' | 'tpub' | 'upub' | 'vpub';
export type ExtendedPrivatePrefix = 'xprv' | 'yprv' | 'zprv' | 'tprv' | 'uprv' | 'vprv';
export type ExtendedKeyPrefix = ExtendedPublicPrefix | ExtendedPrivatePrefix;

/** Version bytes (BIP-32 §Serialization format; SLIP-0132 §"Registered HD version bytes"). */
export const EXTENDED_KEY_VERSIONS: Readonly<Record<ExtendedKeyPrefix, number>> = {
  xpub: 0x0488b21e,
  xprv: 0x0488ade4,
  ypub: 0x049d7cb2,
  yprv: 0x049d7878,
  zpub: 0x04b24746,
  zprv: 0x04b2430c,
  tpub: 0x043587cf,
  tprv: 0x04358394,
  upub: 0x044a5262,
  uprv: 0x044a4e28,
  vpub: 0x045f1cf6,
  vprv: 0x045f18bc,
};

const PREFIX_BY_VERSION = new Map<number, ExtendedKeyPrefix>(
  (Object.entries(EXTENDED_KEY_VERSIONS) as Array<[ExtendedKeyPrefix, number]>).map(([prefix, version]) => [version, prefix]),
);

const TESTNET_PREFIXES: ReadonlySet<ExtendedKeyPrefix> = new Set(['tpub', 'tprv', 'upub', 'uprv', 'vpub', 'vprv']);

/** Longest text accepted before decoding (a 78-byte payload is 111 or 112 Base58 characters). */
const MAX_TEXT_LENGTH = 120;

function isPrivatePrefix(prefix: ExtendedKeyPrefix): prefix is ExtendedPrivatePrefix {
  return prefix.endsWith('prv');
}

function checksum(payload: Uint8Array): Uint8Array {
  return sha256(sha256(payload)).subarray(0, 4);
}

function serialize(node: HdNode, version: number, keyData: Uint8Array): string {
  if (node.curve !== 'secp256k1') throw new CustodyError('INVALID_INPUT', `only secp256k1 keys have a BIP-32 extended key encoding, not ${node.curve}`);
  const out = new Uint8Array(82);
  const view = new DataView(out.buffer);
  view.setUint32(0, version, false);
  out[4] = node.depth;
  view.setUint32(5, node.parentFingerprint, false);
  view.setUint32(9, node.index, false);
  out.set(node.chainCode, 13);
  out.set(keyData, 45);
  out.set(checksum(out.subarray(0, 78)), 78);
  try {
    return base58.encode(out);
  } finally {
    out.fill(0);
  }
}

/** The extended public key of `node` (default `xpub`; `ypub`/`zpub` and testnet forms per SLIP-0132). */
export function encodeExtendedPublicKey(node: HdNode, prefix: ExtendedPublicPrefix = 'xpub'): string {
  const version = EXTENDED_KEY_VERSIONS[prefix];
  if (version === undefined || isPrivatePrefix(prefix)) throw new CustodyError('INVALID_INPUT', 'unknown extended public key prefix');
  return serialize(node, version, node.publicKey);
}

/**
 * The extended private key of `node` (default `xprv`). The result is a string that cannot be
 * wiped: use it only for an explicit export.
 * @throws CustodyError('INVALID_INPUT') for a public-only node.
 */
export function encodeExtendedPrivateKey(node: HdNode, prefix: ExtendedPrivatePrefix = 'xprv'): string {
  const version = EXTENDED_KEY_VERSIONS[prefix];
  if (version === undefined || !isPrivatePrefix(prefix)) throw new CustodyError('INVALID_INPUT', 'unknown extended private key prefix');
  const privateKey = node.privateKey;
  if (privateKey === undefined) throw new CustodyError('INVALID_INPUT', 'a public-only node has no extended private key');
  const keyData = new Uint8Array(33);
  keyData.set(privateKey, 1);
  try {
    return serialize(node, version, keyData);
  } finally {
    keyData.fill(0);
  }
}

/** The SLIP-0132 public prefix for a script type and network (P2TR has none of its own: BIP-86 uses xpub/tpub). */
export function extendedPublicPrefix(script: BitcoinScriptType, network: BitcoinNetwork): ExtendedPublicPrefix {
  const mainnet = network === 'mainnet';
  switch (script) {
    case 'p2pkh':
    case 'p2tr':
      return mainnet ? 'xpub' : 'tpub';
    case 'p2sh-p2wpkh':
      return mainnet ? 'ypub' : 'upub';
    case 'p2wpkh':
      return mainnet ? 'zpub' : 'vpub';
  }
}

/**
 * Watch-only export: the account-level (depth 3, `m/purpose'/coin'/account'`) public key with the
 * version bytes of its script type: xpub for BIP-44 and BIP-86, ypub for BIP-49, zpub for BIP-84
 * (tpub/upub/vpub on test networks). Anyone holding it can list every address of the account, so
 * the caller must show a warning; it cannot spend.
 * The node's path is not stored in it, so the purpose is the caller's claim.
 * @throws CustodyError('INVALID_INPUT') if the node is not a hardened depth-3 secp256k1 node.
 */
export function accountExtendedPublicKey(accountNode: HdNode, script: BitcoinScriptType, network: BitcoinNetwork): string {
  if (accountNode.depth !== 3 || !isHardened(accountNode.index)) {
    throw new CustodyError('INVALID_INPUT', `watch-only export takes an account node m/${bitcoinPurpose(script)}'/coin'/account' (depth 3, hardened), not depth ${accountNode.depth}`);
  }
  return encodeExtendedPublicKey(accountNode, extendedPublicPrefix(script, network));
}

export interface ParsedExtendedKey {
  readonly node: HdNode;
  readonly prefix: ExtendedKeyPrefix;
  readonly isPrivate: boolean;
  /** `testnet` for t/u/v keys, which regtest and signet share. */
  readonly network: 'mainnet' | 'testnet';
}

function invalid(message: string): CustodyError {
  return new CustodyError('INVALID_INPUT', `extended key: ${message}`);
}

/**
 * Parse an xpub/xprv (or y/z/t/u/v form) into a secp256k1 node.
 * @throws CustodyError('INVALID_INPUT') naming the failed check.
 */
export function parseExtendedKey(text: string): ParsedExtendedKey {
  if (typeof text !== 'string') throw invalid('must be a string');
  if (text.length === 0 || text.length > MAX_TEXT_LENGTH) throw invalid(`must be 1 to ${MAX_TEXT_LENGTH} characters`);
  let raw: Uint8Array;
  try {
    raw = base58.decode(text);
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', 'extended key: not Base58 text', { cause });
  }
  try {
    if (raw.length !== 82) throw invalid(`decodes to ${raw.length} bytes, not 78 plus a 4-byte checksum`);
    const payload = raw.subarray(0, 78);
    const expected = checksum(payload);
    let diff = 0;
    for (let i = 0; i < 4; i++) diff |= (expected[i] as number) ^ (raw[78 + i] as number);
    if (diff !== 0) throw invalid('Base58Check checksum does not match');
    const view = new DataView(payload.buffer, payload.byteOffset, 78);
    const version = view.getUint32(0, false);
    const prefix = PREFIX_BY_VERSION.get(version);
    if (prefix === undefined) throw invalid(`unknown version bytes 0x${version.toString(16).padStart(8, '0')}`);
    const depth = payload[4] as number;
    const parentFingerprint = view.getUint32(5, false);
    const index = view.getUint32(9, false);
    if (depth === 0 && parentFingerprint !== 0) throw invalid('depth 0 (master) with a non-zero parent fingerprint');
    if (depth === 0 && index !== 0) throw invalid('depth 0 (master) with a non-zero child index');
    const chainCode = payload.subarray(13, 45);
    const keyData = payload.subarray(45, 78);
    const lead = keyData[0] as number;
    const isPrivate = isPrivatePrefix(prefix);
    let node: HdNode;
    if (isPrivate) {
      if (lead === 0x02 || lead === 0x03) throw invalid(`${prefix} version with public key data (version / key type mismatch)`);
      if (lead !== 0x00) throw invalid(`private key data must start with 0x00, not 0x${lead.toString(16).padStart(2, '0')}`);
      node = HdNode.fromParts({ curve: 'secp256k1', depth, index, parentFingerprint, chainCode, privateKey: keyData.subarray(1) });
    } else {
      if (lead === 0x00) throw invalid(`${prefix} version with private key data (version / key type mismatch)`);
      if (lead !== 0x02 && lead !== 0x03) throw invalid(`public key must start with 0x02 or 0x03, not 0x${lead.toString(16).padStart(2, '0')}`);
      node = HdNode.fromParts({ curve: 'secp256k1', depth, index, parentFingerprint, chainCode, publicKey: keyData });
    }
    return { node, prefix, isPrivate, network: TESTNET_PREFIXES.has(prefix) ? 'testnet' : 'mainnet' };
  } catch (error) {
    if (error instanceof CustodyError && error.code === 'INVALID_INPUT' && !error.message.startsWith('extended key:')) {
      throw new CustodyError('INVALID_INPUT', `extended key: ${error.message}`, { cause: error });
    }
    throw error;
  } finally {
    raw.fill(0);
  }
}
