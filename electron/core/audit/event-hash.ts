/**
 * @module core/audit/event-hash
 * The two hashes over one event's canonical bytes: the chain hash SHA-256(previous chain hash ‖
 * bytes) and the RFC 9162 §2.1.1 leaf hash SHA-256(0x00 ‖ bytes). Both come from one UTF-8
 * encoding of the canonical text into a reused buffer laid out as [previous (32) | bytes], with
 * byte 31 overwritten by the leaf prefix once the chain hash is taken. The result is byte for
 * byte `chainHash(prev, canonicalRowBytes(row))` and `leafHash(canonicalRowBytes(row))` (pinned
 * by event-hash.test.ts), without the TextEncoder copy, the prefix copy and the two hash objects:
 * this runs once per appended event and once per verified event. The hot paths take and give
 * chain hashes as hex and leaves as binary strings (hashEventHex), which cost less than a
 * Buffer each.
 *
 * Trusts node:crypto's SHA-256. Not reentrant (one shared buffer; JavaScript is single-threaded
 * and nothing here yields).
 */
import { createHash } from 'node:crypto';
import { leafHash } from './merkle.js';
import { sha256, sha256Binary, sha256Hex } from './sha256.js';

const CHAIN_SIZE = 32;

/** [previous chain hash | canonical bytes]; grown when an event needs more. */
let scratch = Buffer.allocUnsafe(4096);

export interface EventHashes {
  /** SHA-256(previous ‖ canonical bytes). */
  readonly chain: Buffer;
  /** SHA-256(0x00 ‖ canonical bytes), the event's Merkle leaf. */
  readonly leaf: Uint8Array;
}

/** Chain and leaf hash of the event whose canonical text is `canonical`, after `previous`. */
export function hashEvent(previous: Uint8Array, canonical: string): EventHashes {
  // A chain hash read from a damaged table may have another length: hash it as the slow path would.
  if (previous.length !== CHAIN_SIZE) {
    const bytes = new TextEncoder().encode(canonical);
    return { chain: createHash('sha256').update(previous).update(bytes).digest(), leaf: leafHash(bytes) };
  }
  const end = encode(canonical);
  scratch.set(previous, 0);
  const chain = sha256(scratch.subarray(0, end));
  return { chain, leaf: leafFromScratch(end) };
}

/**
 * hashEvent in the forms verification compares and passes on, which need no Buffer: the
 * previous and the new chain hash as lowercase hex (SQLite hands the stored ones out as hex
 * for a fraction of the cost of a Buffer each), the leaf as a binary string for MerkleRange
 * (one code unit per byte, see sha256Binary).
 */
export function hashEventHex(previousHex: string, canonical: string): { readonly chain: string; readonly leaf: string } {
  const end = encode(canonical);
  // Hex of a chain hash read from a damaged table may not be 32 bytes: hash those bytes as they are.
  if (previousHex.length !== 2 * CHAIN_SIZE || scratch.write(previousHex, 0, 'hex') !== CHAIN_SIZE) {
    const { chain, leaf } = hashEvent(Buffer.from(previousHex, 'hex'), canonical);
    return { chain: chain.toString('hex'), leaf: Buffer.from(leaf.buffer, leaf.byteOffset, leaf.byteLength).toString('latin1') };
  }
  const chain = sha256Hex(scratch.subarray(0, end));
  scratch[CHAIN_SIZE - 1] = 0x00;
  return { chain, leaf: sha256Binary(scratch.subarray(CHAIN_SIZE - 1, end)) };
}

/** The leaf hash alone, SHA-256(0x00 ‖ canonical bytes), as a binary string: for rebuilding the Merkle tree without the chain. */
export function leafOfEvent(canonical: string): string {
  const end = encode(canonical);
  scratch[CHAIN_SIZE - 1] = 0x00;
  return sha256Binary(scratch.subarray(CHAIN_SIZE - 1, end));
}

/** Write the UTF-8 bytes of `canonical` after the chain slot; returns where they end. */
function encode(canonical: string): number {
  // UTF-8 needs at most 3 bytes per UTF-16 code unit (a surrogate pair is 4 bytes for 2 units).
  const capacity = CHAIN_SIZE + 3 * canonical.length;
  if (capacity > scratch.length) scratch = Buffer.allocUnsafe(capacity);
  // Buffer's UTF-8 encoder replaces lone surrogates with U+FFFD exactly as TextEncoder does.
  return CHAIN_SIZE + scratch.write(canonical, CHAIN_SIZE, 'utf8');
}

/** SHA-256(0x00 ‖ bytes) over the encoded bytes, RFC 9162 §2.1.1: the prefix goes in the chain slot's last byte. */
function leafFromScratch(end: number): Uint8Array {
  scratch[CHAIN_SIZE - 1] = 0x00;
  const leaf = sha256(scratch.subarray(CHAIN_SIZE - 1, end));
  return new Uint8Array(leaf.buffer, leaf.byteOffset, leaf.byteLength);
}
