/**
 * @module core/audit/merkle
 * The Merkle hash tree of the audit log, RFC 9162 §2.1 (= RFC 6962 §2.1) with SHA-256: leaf and
 * node hashes, an incremental accumulator for the append path, ranges of leaves hashed apart
 * and joined back (verification in chunks), tree heads of any prefix, and inclusion and
 * consistency proofs with their verifiers.
 *
 * Pure and storage-free: leaves arrive as leaf hashes through a getter, so the caller decides
 * where they live (the SQLite event table). Every function holds O(log n) hashes at most and
 * nothing recurses, so a log of millions of events needs no more memory than its getter does.
 * Generating a root or a proof costs O(n) hashes of the covered range (each leaf is read once),
 * since no interior nodes are stored.
 *
 * Trusts: node:crypto's SHA-256 (OpenSSL in Node, BoringSSL in Electron). Trusts nothing it is
 * given: verifiers answer false for any proof that does not check out, and apply the two
 * strictness rules of transparency-dev/merkle (see test/vectors/README.md).
 *
 * Sizes and indices are JavaScript numbers and must be safe integers (< 2^53): all tree
 * arithmetic below is done with division and remainder, never with 32-bit bitwise operators.
 */
import { CustodyError } from '../../../shared/errors.js';
import { sha256, sha256Binary } from './sha256.js';

/** SHA-256 output length: every leaf hash, node hash and root is this long. */
export const HASH_SIZE = 32;

/** Domain separation prefixes, RFC 9162 §2.1.1: a leaf can never pass for an interior node. */
const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;

/** Leaf hash, RFC 9162 §2.1.1: SHA-256(0x00 ‖ data). */
export function leafHash(data: Uint8Array): Uint8Array {
  const input = new Uint8Array(1 + data.length);
  input[0] = LEAF_PREFIX;
  input.set(data, 1);
  return plain(sha256(input));
}

/** Interior node hash, RFC 9162 §2.1.1: SHA-256(0x01 ‖ left ‖ right). Both children are 32 bytes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  assertHash(left, 'left child');
  assertHash(right, 'right child');
  return nodeHashUnsafe(left, right);
}

/** The root of the empty tree, RFC 9162 §2.1.1: MTH({}) = SHA-256() = e3b0c442…b855. Shared: never mutate it. */
export const EMPTY_ROOT: Uint8Array = plain(sha256(new Uint8Array(0)));

/**
 * The tree head of an append-only sequence of leaf hashes, kept as its "compact range": the roots
 * of the perfect subtrees that the binary digits of `size` describe, largest (leftmost) first.
 * An append costs one SHA-256 amortised (a carry chain, like a binary counter); `root()` costs
 * one per set bit of `size` beyond the first. Memory: at most 53 hashes.
 */
export class MerkleAccumulator {
  #size = 0;
  /** Perfect-subtree roots, left to right: one per set bit of #size, the largest first. */
  readonly #stack: Uint8Array[] = [];

  /** Append one leaf hash (32 bytes; `leafHash(event)`, not the event itself). */
  append(leafHashValue: Uint8Array): void {
    assertHash(leafHashValue, 'leaf hash');
    if (this.#size >= Number.MAX_SAFE_INTEGER) throw new CustodyError('INVALID_INPUT', 'the tree cannot grow beyond 2^53 - 1 leaves');
    let node = leafHashValue;
    // Each trailing 1 bit of the old size is a perfect subtree as large as what we carry: merge.
    for (let s = this.#size; s % 2 === 1; s = (s - 1) / 2) {
      node = nodeHashUnsafe(this.#stack.pop() as Uint8Array, node);
    }
    // Keep our own copy of a leaf we store as is: the caller may reuse its buffer.
    this.#stack.push(node === leafHashValue ? Uint8Array.from(node) : node);
    this.#size += 1;
  }

  /**
   * Append a perfect subtree of 2^height leaves by its root (from a MerkleRange that starts at
   * this size): the same carries as appending its leaves one by one.
   * @throws CustodyError INVALID_INPUT for a bad hash or height, or when the subtree would not be
   * aligned (size must be a multiple of 2^height).
   */
  appendSubtree(hash: Uint8Array, height: number): void {
    assertHash(hash, 'subtree root');
    if (!Number.isSafeInteger(height) || height < 0 || height > 52) throw new CustodyError('INVALID_INPUT', 'a subtree height must be an integer from 0 to 52');
    const width = 2 ** height;
    if (this.#size % width !== 0) throw new CustodyError('INVALID_INPUT', `a subtree of ${width} leaves cannot start at ${this.#size}: it must be aligned`);
    if (this.#size > Number.MAX_SAFE_INTEGER - width) throw new CustodyError('INVALID_INPUT', 'the tree cannot grow beyond 2^53 - 1 leaves');
    let node = hash;
    for (let s = this.#size / width; s % 2 === 1; s = (s - 1) / 2) {
      node = nodeHashUnsafe(this.#stack.pop() as Uint8Array, node);
    }
    this.#stack.push(node === hash ? Uint8Array.from(node) : node);
    this.#size += width;
  }

  /** An independent copy: for roots at several sizes past this one. */
  clone(): MerkleAccumulator {
    const copy = new MerkleAccumulator();
    copy.#stack.push(...this.#stack);
    copy.#size = this.#size;
    return copy;
  }

  get size(): number {
    return this.#size;
  }

  /** MTH(D[0:size]) per RFC 9162 §2.1.1: fold the compact range from the right. */
  root(): Uint8Array {
    const last = this.#stack.length - 1;
    if (last < 0) return EMPTY_ROOT.slice();
    let root = this.#stack[last] as Uint8Array;
    for (let i = last - 1; i >= 0; i--) root = nodeHashUnsafe(this.#stack[i] as Uint8Array, root);
    return last === 0 ? root.slice() : root;
  }

  /** The compact range as hex, largest subtree first: enough to resume appending without rehashing. */
  toState(): { size: number; hashes: string[] } {
    return { size: this.#size, hashes: this.#stack.map((h) => Buffer.from(h).toString('hex')) };
  }

  /**
   * Resume from `toState()`. Checks the shape (one 32-byte lowercase-hex hash per set bit of
   * `size`); it cannot check the hashes themselves, so the caller must hold the state where it is
   * authenticated (the vault's MAC) or compare `root()` with a signed checkpoint.
   * @throws CustodyError INVALID_INPUT for a malformed state.
   */
  static fromState(state: { size: number; hashes: string[] }): MerkleAccumulator {
    assertSize(state.size, 'state size');
    if (!Array.isArray(state.hashes)) throw new CustodyError('INVALID_INPUT', 'accumulator state: hashes must be an array');
    const expected = popcount(state.size);
    if (state.hashes.length !== expected) {
      throw new CustodyError('INVALID_INPUT', `accumulator state: size ${state.size} needs ${expected} hashes, got ${state.hashes.length}`);
    }
    const acc = new MerkleAccumulator();
    state.hashes.forEach((hex, i) => {
      if (typeof hex !== 'string' || !HEX_HASH.test(hex)) throw new CustodyError('INVALID_INPUT', `accumulator state: hashes[${i}] is not 64 lowercase hex characters`);
      acc.#stack.push(Uint8Array.from(Buffer.from(hex, 'hex')));
    });
    acc.#size = state.size;
    return acc;
  }
}

/** A perfect subtree: the root of 2^height consecutive leaves, aligned to a multiple of 2^height. */
export interface Subtree {
  readonly hash: Uint8Array;
  readonly height: number;
}

/**
 * The leaves [start, end) of a tree whose first `start` leaves are hashed elsewhere (by another
 * thread, or in another chunk), kept as the aligned perfect subtrees that cover them, left to
 * right. Appending those, in order, to the accumulator of the first `start` leaves
 * (`appendSubtree`) gives the accumulator of the first `end`: this is how verification splits
 * the tree into chunks that are hashed independently. Subtrees whose left sibling lies before
 * `start` cannot be merged here and stay on the left edge; the rest is an ordinary compact
 * range. Memory: at most about 2 × 53 subtrees.
 */
export class MerkleRange {
  readonly #start: number;
  #end: number;
  /**
   * The covering subtrees, left to right, their roots as binary strings (one code unit per
   * byte): verification appends a leaf per event, and strings cost less than a Buffer each.
   */
  readonly #hashes: string[] = [];
  readonly #heights: number[] = [];

  constructor(start: number) {
    assertSize(start, 'range start');
    this.#start = start;
    this.#end = start;
  }

  get start(): number {
    return this.#start;
  }

  get end(): number {
    return this.#end;
  }

  /** Append the leaf hash of leaf `end` (32 bytes). */
  append(leafHashValue: Uint8Array): void {
    assertHash(leafHashValue, 'leaf hash');
    this.appendBinary(Buffer.from(leafHashValue.buffer, leafHashValue.byteOffset, HASH_SIZE).toString('latin1'));
  }

  /** `append` for a leaf hash as a binary string of 32 code units 0-255 (sha256Binary's output). */
  appendBinary(leafHashValue: string): void {
    if (leafHashValue.length !== HASH_SIZE) throw new CustodyError('INVALID_INPUT', `leaf hash must be ${HASH_SIZE} bytes`);
    if (this.#end >= Number.MAX_SAFE_INTEGER) throw new CustodyError('INVALID_INPUT', 'the tree cannot grow beyond 2^53 - 1 leaves');
    let node = leafHashValue;
    let height = 0;
    let first = this.#end; // the first leaf under `node`
    // While `node` is a right child whose left sibling lies in the range, that sibling is the
    // subtree pushed last (everything after it is under `node`): merge, as an accumulator would.
    for (let width = 1; (first / width) % 2 === 1 && first - width >= this.#start; width *= 2) {
      if (this.#heights.pop() !== height) throw new CustodyError('INTERNAL', 'Merkle range: the left sibling is not on top of the stack');
      node = nodeHashBinary(this.#hashes.pop() as string, node);
      first -= width;
      height += 1;
    }
    this.#hashes.push(node);
    this.#heights.push(height);
    this.#end += 1;
  }

  /** The covering subtrees of [start, end), left to right (fresh copies). */
  subtrees(): Subtree[] {
    return this.#hashes.map((hash, i) => ({ hash: Uint8Array.from(Buffer.from(hash, 'latin1')), height: this.#heights[i] as number }));
  }
}

/**
 * MTH(D[0:size]), RFC 9162 §2.1.1, reading each leaf hash once, in increasing index order,
 * through `leafAt`.
 * @throws CustodyError INVALID_INPUT for a bad size or a leafAt result that is not 32 bytes.
 */
export function rootOf(size: number, leafAt: (index: number) => Uint8Array): Uint8Array {
  assertSize(size, 'tree size');
  return subtreeRoot(0, size, leafAt);
}

/**
 * The audit path of leaf `index` in the tree of `size` leaves, RFC 9162 §2.1.3.1 (PATH(m, D[n])),
 * ordered from the leaf's sibling up to the child of the root. Reads every other leaf once, in
 * increasing index order, and never leaf `index` itself.
 * @throws CustodyError INVALID_INPUT unless 0 ≤ index < size.
 */
export function inclusionProof(index: number, size: number, leafAt: (index: number) => Uint8Array): Uint8Array[] {
  assertSize(index, 'leaf index');
  assertSize(size, 'tree size');
  if (index >= size) throw new CustodyError('INVALID_INPUT', `leaf index ${index} is outside a tree of size ${size}`);
  // PATH(m, D[lo:hi]) = PATH(m, left) : MTH(right) when m is in the left part, and so on. Walk
  // down from the root, collecting the sibling subtree at each level; the proof lists them from
  // the bottom up, so reverse at the end.
  const siblings: Range[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (index < lo + k) {
      siblings.push([lo + k, hi]);
      hi = lo + k;
    } else {
      siblings.push([lo, lo + k]);
      lo += k;
    }
  }
  return rangeRoots(siblings.reverse(), leafAt);
}

/**
 * The consistency proof between the trees of `size1` and `size2` leaves, RFC 9162 §2.1.4.1
 * (PROOF(m, D[n]) = SUBPROOF(m, D[n], true)), ordered as the RFC lists it. Empty when the sizes
 * are equal. A proof from the empty tree is refused, as verifyConsistency would refuse it.
 * Reads each leaf of [0, size2) at most once, in increasing index order.
 * @throws CustodyError INVALID_INPUT unless 1 ≤ size1 ≤ size2.
 */
export function consistencyProof(size1: number, size2: number, leafAt: (index: number) => Uint8Array): Uint8Array[] {
  assertSize(size1, 'first tree size');
  assertSize(size2, 'second tree size');
  if (size1 === 0) throw new CustodyError('INVALID_INPUT', 'a consistency proof from the empty tree proves nothing: size1 must be at least 1');
  if (size1 > size2) throw new CustodyError('INVALID_INPUT', `size1 ${size1} is larger than size2 ${size2}`);
  // SUBPROOF(m, D[lo:hi], b): while m < n, descend into the part that holds the first m leaves
  // and remember the other part's root; at m = n, add MTH(D[lo:hi]) unless this is the original
  // (b = true) tree. The RFC lists the deepest node first.
  const siblings: Range[] = [];
  let lo = 0;
  let hi = size2;
  let m = size1;
  let original = true;
  while (m < hi - lo) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (m <= k) {
      siblings.push([lo + k, hi]);
      hi = lo + k;
    } else {
      siblings.push([lo, lo + k]);
      lo += k;
      m -= k;
      original = false;
    }
  }
  const ranges: Range[] = original ? [] : [[lo, hi]];
  for (let i = siblings.length - 1; i >= 0; i--) ranges.push(siblings[i] as Range);
  return rangeRoots(ranges, leafAt);
}

/**
 * Verify an inclusion proof, RFC 9162 §2.1.3.2, plus the transparency-dev rules: the leaf hash
 * must be 32 bytes, and the proof must have exactly the length the (index, size) pair implies.
 * Returns false for every bad proof, including index ≥ size.
 * @throws CustodyError INVALID_INPUT only when index or size is not a non-negative safe integer.
 */
export function verifyInclusion(leafHashValue: Uint8Array, index: number, size: number, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  assertSize(index, 'leaf index');
  assertSize(size, 'tree size');
  if (index >= size) return false;
  if (!isHash(leafHashValue) || !isHash(root) || !proof.every(isHash)) return false;
  if (proof.length !== inclusionProofLength(index, size)) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHashValue;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHashUnsafe(p, r);
      // fn = sn and even: the last node of its level, with no right sibling. Climb the levels
      // where it is promoted unchanged ("until LSB(fn) is set or fn is 0").
      while (fn % 2 === 0 && fn !== 0) {
        fn = fn / 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHashUnsafe(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(r, root);
}

/**
 * Verify a consistency proof, RFC 9162 §2.1.4.2, plus the transparency-dev rules: size1 = 0 is
 * always rejected; size1 = size2 needs an empty proof and equal roots; size2 < size1 is rejected.
 * Returns false for every bad proof.
 * @throws CustodyError INVALID_INPUT only when a size is not a non-negative safe integer.
 */
export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): boolean {
  assertSize(size1, 'first tree size');
  assertSize(size2, 'second tree size');
  if (size1 === 0 || size2 < size1) return false;
  // Equal sizes: the roots are compared as opaque bytes, before any length check, as
  // transparency-dev does (its probe `sizes-are-equal-one-and-proof-is-empty` uses 12-byte roots).
  if (size1 === size2) return proof.length === 0 && bytesEqual(root1, root2);
  if (!isHash(root1) || !isHash(root2) || !proof.every(isHash)) return false;
  if (proof.length === 0) return false;
  // §2.1.4.2 step 2: when size1 is a power of two its root is a node of the new tree and the
  // proof omits it; put it back in front.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHashUnsafe(c, fr);
      sr = nodeHashUnsafe(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = fn / 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHashUnsafe(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(fr, root1) && bytesEqual(sr, root2);
}

// ------------------------------------------------------------------ internals

const HEX_HASH = /^[0-9a-f]{64}$/;
const NODE_INPUT = new Uint8Array(1 + 2 * HASH_SIZE);
NODE_INPUT[0] = NODE_PREFIX;
const NODE_INPUT_BUFFER = Buffer.from(NODE_INPUT.buffer, NODE_INPUT.byteOffset, NODE_INPUT.byteLength);

/** nodeHashUnsafe over binary strings (one code unit per byte), for MerkleRange. */
function nodeHashBinary(left: string, right: string): string {
  NODE_INPUT_BUFFER.write(left, 1, 'latin1');
  NODE_INPUT_BUFFER.write(right, 1 + HASH_SIZE, 'latin1');
  return sha256Binary(NODE_INPUT_BUFFER);
}

/** nodeHash without the length checks, for callers that checked already. Reuses one input buffer. */
function nodeHashUnsafe(left: Uint8Array, right: Uint8Array): Uint8Array {
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 1 + HASH_SIZE);
  return plain(sha256(NODE_INPUT));
}

/** A half-open leaf range [lo, hi). */
type Range = readonly [lo: number, hi: number];

/**
 * The roots of disjoint leaf ranges, returned in the order given but computed in ascending
 * order of their leaves, so that leafAt sees strictly increasing indices (a caller can serve it
 * from one forward database cursor).
 */
function rangeRoots(ranges: readonly Range[], leafAt: (index: number) => Uint8Array): Uint8Array[] {
  const roots: Uint8Array[] = new Array<Uint8Array>(ranges.length);
  const order = ranges.map((_, i) => i).sort((a, b) => (ranges[a] as Range)[0] - (ranges[b] as Range)[0]);
  for (const i of order) {
    const [lo, hi] = ranges[i] as Range;
    roots[i] = subtreeRoot(lo, hi, leafAt);
  }
  return roots;
}

/**
 * MTH(D[lo:hi]) read left to right through an on-stack compact range: O(log n) memory, one
 * leafAt call per leaf, and no recursion.
 */
function subtreeRoot(lo: number, hi: number, leafAt: (index: number) => Uint8Array): Uint8Array {
  const acc = new MerkleAccumulator();
  for (let i = lo; i < hi; i++) {
    const h = leafAt(i);
    if (!isHash(h)) throw new CustodyError('INVALID_INPUT', `leafAt(${i}) did not return a ${HASH_SIZE}-byte leaf hash`);
    acc.append(h);
  }
  return acc.root();
}

/** Length of PATH(index, D[size]): the levels below the split of index and size-1, plus the right-border levels above. */
function inclusionProofLength(index: number, size: number): number {
  // inner = bit length of (index XOR (size - 1)): the levels where the leaf has a full sibling;
  // border = set bits of index above them: the right-border levels that still take a left sibling.
  let inner = 0;
  let bit = 0;
  for (let a = index, b = size - 1; a > 0 || b > 0; a = Math.floor(a / 2), b = Math.floor(b / 2)) {
    bit += 1;
    if (a % 2 !== b % 2) inner = bit;
  }
  return inner + popcount(Math.floor(index / 2 ** inner));
}

/** The largest power of two strictly less than n (n ≥ 2): the RFC 9162 §2.1.1 split point k. */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && largestPowerOfTwoBelow(n + 1) === n;
}

function popcount(n: number): number {
  let count = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) count += x % 2;
  return count;
}

function assertSize(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new CustodyError('INVALID_INPUT', `${what} must be a non-negative safe integer`);
}

function isHash(value: Uint8Array): boolean {
  return value instanceof Uint8Array && value.length === HASH_SIZE;
}

function assertHash(value: Uint8Array, what: string): void {
  if (!isHash(value)) throw new CustodyError('INVALID_INPUT', `${what} must be ${HASH_SIZE} bytes`);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A plain Uint8Array view of a Buffer, so callers and tests never see Buffer-specific behaviour. */
function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
