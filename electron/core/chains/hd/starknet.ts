/**
 * @module core/chains/hd/starknet
 * StarkNet private keys from a BIP-32 secp256k1 tree: the EIP-2645 path
 * (`m/2645'/layer'/application'/eth_address_1'/eth_address_2'/index`, EIP-2645 §Specification)
 * and StarkWare's key grinding, which maps the 32-byte secp256k1 private key of that node to a
 * uniform scalar of the Stark curve. Also the `m/44'/9004'/0'/0/i` layout Argent X and Braavos use
 * (SLIP-0044 coin type 9004), ground the same way.
 *
 * Grinding (StarkWare `grindKey`, starkware-crypto-utils key_derivation; @scure/starknet
 * `grindKey` is the same algorithm): for i = 0, 1, …: key = SHA-256(seed ‖ i as minimal
 * big-endian bytes, 0 as one zero byte); accept the first key < 2^256 − (2^256 mod n) and return
 * key mod n, where n is the Stark curve order. The rejection bound removes the modulo bias.
 * Unlike @scure/starknet (which returns unpadded hex), this returns 32 bytes; a ground key of 0
 * (probability about 2^-251) is refused rather than returned.
 *
 * Secrets: the seed and the result are Uint8Arrays; the hash inputs are zeroed. The bigint form
 * of each candidate key cannot be wiped.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { CustodyError } from '../../../../shared/errors.js';
import { COIN_TYPE, PURPOSE, addressPath } from './accounts.js';
import { assertUnhardenedIndex, formatPath, hardened } from './path.js';
import type { HdNode } from './slip10.js';

/** Order of the Stark curve's generator (StarkWare "STARK curve" parameters, EC_ORDER). */
export const STARK_CURVE_ORDER = 0x0800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2fn;

/** EIP-2645 §Specification: purpose 2645. */
export const EIP2645_PURPOSE = 2645;

const MASK_31 = 0x7fffffffn;
const TWO_256 = 1n << 256n;
const GRIND_LIMIT = TWO_256 - (TWO_256 % STARK_CURVE_ORDER);
/** StarkWare sets no limit; @scure/starknet gives up after 100,000 rounds. A round is rejected with probability below 2^-5. */
const MAX_GRIND_ROUNDS = 100_000;

/** EIP-2645: the 31 least significant bits of SHA-256(name), for the `layer` and `application` levels. */
export function eip2645Segment(name: string): number {
  if (typeof name !== 'string' || name.length === 0) throw new CustodyError('INVALID_INPUT', 'EIP-2645 layer and application names must be non-empty strings');
  const digest = sha256(new TextEncoder().encode(name));
  return Number(bytesToNumberBE(digest) & MASK_31);
}

function parseEthAddress(address: string | Uint8Array): bigint {
  if (address instanceof Uint8Array) {
    if (address.length !== 20) throw new CustodyError('INVALID_INPUT', 'Ethereum address must be 20 bytes');
    return bytesToNumberBE(address);
  }
  if (typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address)) {
    throw new CustodyError('INVALID_INPUT', 'Ethereum address must be 0x followed by 40 hex digits');
  }
  return BigInt(address);
}

/**
 * The EIP-2645 path `m/2645'/layer'/application'/eth_address_1'/eth_address_2'/index`, where
 * layer and application are `eip2645Segment` of their names, eth_address_1 is the 31 least
 * significant bits of the address and eth_address_2 the next 31.
 */
export function eip2645Path(options: { layer: string; application: string; ethAddress: string | Uint8Array; index: number }): string {
  assertUnhardenedIndex(options.index, 'EIP-2645 index');
  const eth = parseEthAddress(options.ethAddress);
  return `${formatPath([
    hardened(EIP2645_PURPOSE),
    hardened(eip2645Segment(options.layer)),
    hardened(eip2645Segment(options.application)),
    hardened(Number(eth & MASK_31)),
    hardened(Number((eth >> 31n) & MASK_31)),
  ])}/${options.index}`;
}

/** Argent X / Braavos: `m/44'/9004'/0'/0/index`. */
export function starknetAccountPath(index: number): string {
  return addressPath(PURPOSE.bip44, COIN_TYPE.starknet, 0, 0, index);
}

/** Minimal big-endian bytes of i; 0 → one zero byte (StarkWare's `sanitizeBytes(numberToHex(i), 2)`). */
function indexBytes(i: number): Uint8Array {
  const out: number[] = [];
  let v = i;
  do {
    out.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  return Uint8Array.from(out);
}

/**
 * StarkWare key grinding of `seed` (normally the 32-byte private key of a secp256k1 node) to a
 * Stark private key: 32 bytes, big-endian, in [1, n).
 * @throws CustodyError('INVALID_INPUT') for an empty or over-long seed; CustodyError('INTERNAL')
 *   if grinding does not end (the first round is accepted with probability above 0.96).
 */
export function grindStarkKey(seed: Uint8Array): Uint8Array {
  if (!(seed instanceof Uint8Array) || seed.length === 0 || seed.length > 64) throw new CustodyError('INVALID_INPUT', 'grinding seed must be 1 to 64 bytes');
  for (let i = 0; i < MAX_GRIND_ROUNDS; i++) {
    const suffix = indexBytes(i);
    const input = new Uint8Array(seed.length + suffix.length);
    input.set(seed);
    input.set(suffix, seed.length);
    const digest = sha256(input);
    input.fill(0);
    const candidate = bytesToNumberBE(digest);
    digest.fill(0);
    if (candidate < GRIND_LIMIT) {
      const key = candidate % STARK_CURVE_ORDER;
      if (key === 0n) throw new CustodyError('INTERNAL', 'key grinding produced zero');
      return numberToBytesBE(key, 32);
    }
  }
  throw new CustodyError('INTERNAL', 'key grinding did not terminate');
}

/**
 * The Stark private key of a secp256k1 node: `grindStarkKey(node.privateKey)`.
 * @throws CustodyError('INVALID_INPUT') for a node of another curve or without a private key.
 */
export function starkKeyFromNode(node: HdNode): Uint8Array {
  if (node.curve !== 'secp256k1') throw new CustodyError('INVALID_INPUT', 'StarkNet keys are ground from a secp256k1 node');
  const privateKey = node.privateKey;
  if (privateKey === undefined) throw new CustodyError('INVALID_INPUT', 'a public-only node has no key to grind');
  return grindStarkKey(privateKey);
}
