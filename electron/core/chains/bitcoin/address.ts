/**
 * @module core/chains/bitcoin/address
 * Addresses and output scripts for one secp256k1 public key: P2PKH (BIP-44 accounts), P2SH-P2WPKH
 * (BIP-49), P2WPKH (BIP-84, BIP-173) and P2TR key-path only (BIP-86: the internal key tweaked with
 * an empty script tree, BIP-341 §"Constructing and spending Taproot outputs", bech32m BIP-350).
 *
 * Also the reverse direction the PSBT decoder needs: an output script shown as an address, and an
 * address parsed back to its script with its network checked.
 *
 * Public data only. Trusts @scure/btc-signer's payment templates and bech32/base58check coders;
 * checks that every public key is a valid compressed SEC1 point (uncompressed keys are not
 * standard in segwit, BIP-143 §"Restrictions on public key type").
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bech32m, hex } from '@scure/base';
import { Address, OutScript, p2pkh, p2sh, p2tr, p2wpkh } from '@scure/btc-signer';
import { CustodyError } from '../../../../shared/errors.js';
import { networkParams, type BitcoinNetwork } from './network.js';

export type BitcoinAddressType = 'p2pkh' | 'p2sh-p2wpkh' | 'p2wpkh' | 'p2tr';

export const BITCOIN_ADDRESS_TYPES: readonly BitcoinAddressType[] = ['p2pkh', 'p2sh-p2wpkh', 'p2wpkh', 'p2tr'];

export interface BitcoinAddress {
  readonly type: BitcoinAddressType;
  readonly network: BitcoinNetwork;
  readonly address: string;
  /** The scriptPubKey an output paying this address carries. */
  readonly script: Uint8Array;
  /** P2SH-P2WPKH only: the witness program the P2SH hash commits to. */
  readonly redeemScript?: Uint8Array;
  /** P2TR only: the untweaked x-only internal key (BIP-341). */
  readonly internalKey?: Uint8Array;
  /** P2TR only: the tweaked x-only output key in the script. */
  readonly outputKey?: Uint8Array;
}

/** Throws INVALID_INPUT unless `publicKey` is a 33-byte compressed point on secp256k1. */
export function assertCompressedPublicKey(publicKey: Uint8Array): void {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 33 || (publicKey[0] !== 2 && publicKey[0] !== 3)) {
    throw new CustodyError('INVALID_INPUT', 'a Bitcoin public key here is a 33-byte compressed SEC1 point');
  }
  try {
    secp256k1.Point.fromBytes(publicKey);
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', 'the public key is not a point on secp256k1', { cause });
  }
}

/** BIP-340 x-only form of a compressed key: the x coordinate (its even-y lift is the key). */
export function xOnly(publicKey: Uint8Array): Uint8Array {
  assertCompressedPublicKey(publicKey);
  return publicKey.slice(1);
}

/** The address of `type` for `publicKey` on `network`. */
export function bitcoinAddress(publicKey: Uint8Array, type: BitcoinAddressType, network: BitcoinNetwork): BitcoinAddress {
  assertCompressedPublicKey(publicKey);
  const net = networkParams(network);
  switch (type) {
    case 'p2pkh': {
      const p = p2pkh(publicKey, net);
      return { type, network, address: p.address, script: p.script };
    }
    case 'p2wpkh': {
      const p = p2wpkh(publicKey, net);
      return { type, network, address: required(p.address), script: p.script };
    }
    case 'p2sh-p2wpkh': {
      const p = p2sh(p2wpkh(publicKey, net), net);
      return { type, network, address: p.address, script: p.script, redeemScript: p.redeemScript };
    }
    case 'p2tr': {
      const p = p2tr(publicKey.slice(1), undefined, net);
      return { type, network, address: required(p.address), script: p.script, internalKey: p.tapInternalKey, outputKey: p.tweakedPubkey };
    }
    default:
      throw new CustodyError('INVALID_INPUT', `unknown Bitcoin address type: ${String(type)}`);
  }
}

/** The four output scripts one key can be paid to (the same on every network). */
export function ownScriptsOf(publicKey: Uint8Array): { readonly type: BitcoinAddressType; readonly script: Uint8Array }[] {
  return BITCOIN_ADDRESS_TYPES.map((type) => ({ type, script: bitcoinAddress(publicKey, type, 'mainnet').script }));
}

/** Parse an address of `network` into its output script; INVALID_INPUT for another network's or a malformed one. */
export function addressToScript(address: string, network: BitcoinNetwork): Uint8Array {
  if (typeof address !== 'string') throw new CustodyError('INVALID_INPUT', 'an address is a string');
  try {
    return OutScript.encode(Address(networkParams(network)).decode(address));
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', `not a ${network} Bitcoin address: ${address}`, { cause });
  }
}

/**
 * How an output script is shown: its standard address on `network`, or null for scripts without
 * one (bare multisig, OP_RETURN, non-standard). Witness versions 2–16 are encoded as bech32m
 * (BIP-350) even though no template exists for them yet, so a person still sees where coins go.
 */
export function scriptToAddress(script: Uint8Array, network: BitcoinNetwork): string | null {
  const net = networkParams(network);
  try {
    const decoded = OutScript.decode(script);
    if (decoded.type === 'pkh' || decoded.type === 'sh' || decoded.type === 'wpkh' || decoded.type === 'wsh' || decoded.type === 'tr') {
      return Address(net).encode(decoded);
    }
  } catch {
    // Not a template the library knows: fall through to the generic witness-program check.
  }
  // BIP-141 witness program: OP_n (n = 1..16) followed by one push of 2..40 bytes.
  const op = script[0];
  const len = script[1];
  if (op !== undefined && len !== undefined && op >= 0x51 && op <= 0x60 && len >= 2 && len <= 40 && script.length === len + 2) {
    const version = op - 0x50;
    return bech32m.encode(net.bech32, [version, ...bech32m.toWords(script.subarray(2))], 90);
  }
  return null;
}

/** The template name of an output script, as shown in summaries. */
export function scriptType(script: Uint8Array): string {
  try {
    const decoded = OutScript.decode(script);
    switch (decoded.type) {
      case 'pkh':
        return 'p2pkh';
      case 'sh':
        return 'p2sh';
      case 'wpkh':
        return 'p2wpkh';
      case 'wsh':
        return 'p2wsh';
      case 'tr':
        return 'p2tr';
      case 'pk':
        return 'p2pk';
      case 'ms':
        return 'multisig';
      case 'unknown':
        return script[0] === 0x6a ? 'op_return' : 'unknown';
      default:
        return decoded.type;
    }
  } catch {
    return script[0] === 0x6a ? 'op_return' : 'unknown';
  }
}

export function scriptHex(script: Uint8Array): string {
  return hex.encode(script);
}

function required(address: string | undefined): string {
  if (address === undefined) throw new CustodyError('INTERNAL', 'the address template produced no address');
  return address;
}
