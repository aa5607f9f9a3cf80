/**
 * @module core/chains/hd/slip10
 * Hierarchical deterministic keys: BIP-32 over secp256k1 and its generalisation SLIP-0010 over
 * NIST P-256 ("nist256p1"), ed25519 and curve25519. One implementation for all four curves, over
 * @noble/hashes HMAC-SHA512 / HASH160 and @noble/curves arithmetic; secp256k1 results are pinned
 * against the BIP-32 and SLIP-10 vectors and cross-checked with @scure/bip32 in the tests.
 *
 * What it follows, section by section (SLIP-0010 §"Master key generation", §"Child key derivation
 * (CKD) functions", BIP-32 §"Master key generation", §"Child key derivation (CKD) functions"):
 *  - master: I = HMAC-SHA512(Key = curve seed string, Data = S), I_L the key, I_R the chain code.
 *    S must be 16 to 64 bytes (BIP-32 and SLIP-10: 128 to 512 bits).
 *  - hardened child: I = HMAC-SHA512(c_par, 0x00 ‖ ser256(k_par) ‖ ser32(i)); normal child:
 *    I = HMAC-SHA512(c_par, serP(K_par) ‖ ser32(i)).
 *  - ed25519 / curve25519: the child key is I_L itself and only hardened indices exist; a normal
 *    index is refused (`INVALID_INPUT`), for private and public derivation alike.
 *  - invalid keys (I_L ≥ n, or a zero child key): nist256p1 retries as SLIP-10 says (master:
 *    S := I; child: I = HMAC-SHA512(c_par, 0x01 ‖ I_R ‖ ser32(i))). secp256k1 keeps the BIP-32
 *    rule instead, as Bitcoin Core and @scure/bip32 do: the key "is invalid, and one should
 *    proceed with the next value for i", so derivation throws `INVALID_INPUT` naming the index
 *    rather than silently giving a key no other BIP-32 wallet would find. The chance is below
 *    2^-127; no vector exercises it.
 *  - fingerprint: the first 4 bytes of HASH160(serP(K)); serP of an ed25519/curve25519 key is
 *    0x00 ‖ key (SLIP-10 §"Test vectors").
 *
 * Secrets: a node's private key and chain code live in Uint8Arrays that `wipe()` zeroes, and every
 * intermediate buffer this module allocates (HMAC input and output, the child key before it is
 * copied) is zeroed before return. JavaScript cannot wipe the rest: the bigint scalars used for
 * the mod-n addition, noble's internal copies inside the HMAC and the scalar multiplication, and
 * any string a caller makes of a key. Nodes derived but never wiped stay in the heap until the
 * garbage collector reuses the memory.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { p256 } from '@noble/curves/nist.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { CustodyError } from '../../../../shared/errors.js';
import { HARDENED_OFFSET, MAX_PATH_DEPTH, assertChildIndex, isHardened, toIndices } from './path.js';

export type HdCurve = 'secp256k1' | 'nist256p1' | 'ed25519' | 'curve25519';

export const HD_CURVES: readonly HdCurve[] = ['secp256k1', 'nist256p1', 'ed25519', 'curve25519'];

/** The HMAC key of the master key per curve (SLIP-10 §"Master key generation"). */
export const CURVE_SEED_KEYS: Readonly<Record<HdCurve, string>> = {
  secp256k1: 'Bitcoin seed',
  nist256p1: 'Nist256p1 seed',
  ed25519: 'ed25519 seed',
  curve25519: 'curve25519 seed',
};

const encoder = new TextEncoder();
const SEED_KEY_BYTES: Readonly<Record<HdCurve, Uint8Array>> = {
  secp256k1: encoder.encode(CURVE_SEED_KEYS.secp256k1),
  nist256p1: encoder.encode(CURVE_SEED_KEYS.nist256p1),
  ed25519: encoder.encode(CURVE_SEED_KEYS.ed25519),
  curve25519: encoder.encode(CURVE_SEED_KEYS.curve25519),
};

type Weierstrass = typeof secp256k1;
const WEIERSTRASS: Readonly<Record<'secp256k1' | 'nist256p1', Weierstrass>> = { secp256k1, nist256p1: p256 };

function weierstrass(curve: HdCurve): Weierstrass | undefined {
  return curve === 'secp256k1' || curve === 'nist256p1' ? WEIERSTRASS[curve] : undefined;
}

function publicKeyOf(curve: HdCurve, privateKey: Uint8Array): Uint8Array {
  switch (curve) {
    case 'secp256k1':
      return secp256k1.getPublicKey(privateKey, true);
    case 'nist256p1':
      return p256.getPublicKey(privateKey, true);
    case 'ed25519':
      return ed25519.getPublicKey(privateKey);
    case 'curve25519':
      return x25519.getPublicKey(privateKey);
  }
}

/** Both SEC1 encodings from one scalar multiplication and one field inversion. */
function weierstrassPublicKeys(curve: Weierstrass, privateKey: Uint8Array): { compressed: Uint8Array; uncompressed: Uint8Array } {
  const point = curve.Point.fromAffine(curve.Point.BASE.multiply(bytesToNumberBE(privateKey)).toAffine());
  return { compressed: point.toBytes(true), uncompressed: point.toBytes(false) };
}

function ser32(index: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, index, false);
  return out;
}

/** HASH160 = RIPEMD-160(SHA-256(x)) (BIP-32 §"Key identifiers"). */
export function hash160(data: Uint8Array): Uint8Array {
  const inner = sha256(data);
  const out = ripemd160(inner);
  inner.fill(0);
  return out;
}

/** Inputs of `HdNode.fromParts`: an extended key's fields (BIP-32 §Serialization format). */
export interface HdNodeParts {
  readonly curve: HdCurve;
  readonly depth: number;
  /** The child number (ser32(i) of the serialization); 0 for a master node. */
  readonly index: number;
  /** First 4 bytes of the parent's identifier, big-endian; 0 for a master node. */
  readonly parentFingerprint: number;
  readonly chainCode: Uint8Array;
  /** 32-byte private key. Given one, the public key is computed from it. */
  readonly privateKey?: Uint8Array;
  /** The public key (33-byte SEC1 compressed, or raw 32 bytes for ed25519/curve25519). Ignored when privateKey is given. */
  readonly publicKey?: Uint8Array;
}

const CONSTRUCT = Symbol('HdNode.construct');

/**
 * One node of an HD tree: curve, position (depth, child index, parent fingerprint), chain code,
 * public key and, unless neutered, private key. Nodes are immutable except for `wipe()`.
 * Build them with `masterNodeFromSeed`, `HdNode.fromParts` or `parseExtendedKey`.
 */
export class HdNode {
  readonly curve: HdCurve;
  readonly depth: number;
  readonly index: number;
  readonly parentFingerprint: number;
  readonly chainCode: Uint8Array;
  #publicKey: Uint8Array | undefined;
  #uncompressedPublicKey: Uint8Array | undefined;
  #privateKey: Uint8Array | undefined;
  #identifier: Uint8Array | undefined;
  #wiped = false;

  /** @internal Use the factories; the fields are taken as they are (already validated and owned). */
  constructor(
    token: typeof CONSTRUCT,
    fields: { curve: HdCurve; depth: number; index: number; parentFingerprint: number; chainCode: Uint8Array; publicKey: Uint8Array | undefined; privateKey: Uint8Array | undefined },
  ) {
    if (token !== CONSTRUCT) throw new CustodyError('INTERNAL', 'HdNode is built by its factories');
    this.curve = fields.curve;
    this.depth = fields.depth;
    this.index = fields.index;
    this.parentFingerprint = fields.parentFingerprint;
    this.chainCode = fields.chainCode;
    this.#publicKey = fields.publicKey;
    this.#privateKey = fields.privateKey;
    if (fields.publicKey === undefined && fields.privateKey === undefined) throw new CustodyError('INTERNAL', 'an HD node needs a key');
  }

  /**
   * A node from its parts, validated: depth 0..255, a master node (depth 0) with parent
   * fingerprint 0 and index 0, a 32-byte chain code, a private key in [1, n) for the Weierstrass
   * curves, a public key on the curve. The inputs are copied.
   * @throws CustodyError('INVALID_INPUT') naming the field that is wrong.
   */
  static fromParts(parts: HdNodeParts): HdNode {
    const { curve, depth, index, parentFingerprint, chainCode } = parts;
    if (!HD_CURVES.includes(curve)) throw new CustodyError('INVALID_INPUT', 'unknown HD curve');
    if (!Number.isInteger(depth) || depth < 0 || depth > MAX_PATH_DEPTH) throw new CustodyError('INVALID_INPUT', 'depth must be an integer from 0 to 255');
    assertChildIndex(index);
    if (!Number.isInteger(parentFingerprint) || parentFingerprint < 0 || parentFingerprint > 0xffffffff) {
      throw new CustodyError('INVALID_INPUT', 'parent fingerprint must be a 32-bit unsigned integer');
    }
    if (depth === 0 && parentFingerprint !== 0) throw new CustodyError('INVALID_INPUT', 'a master key (depth 0) must have parent fingerprint 0');
    if (depth === 0 && index !== 0) throw new CustodyError('INVALID_INPUT', 'a master key (depth 0) must have child index 0');
    if (!(chainCode instanceof Uint8Array) || chainCode.length !== 32) throw new CustodyError('INVALID_INPUT', 'chain code must be 32 bytes');
    let privateKey: Uint8Array | undefined;
    let publicKey: Uint8Array;
    if (parts.privateKey !== undefined) {
      privateKey = Uint8Array.from(parts.privateKey);
      assertPrivateKey(curve, privateKey);
      publicKey = publicKeyOf(curve, privateKey);
    } else if (parts.publicKey !== undefined) {
      publicKey = Uint8Array.from(parts.publicKey);
      assertPublicKey(curve, publicKey);
    } else {
      throw new CustodyError('INVALID_INPUT', 'an HD node needs a private or a public key');
    }
    return new HdNode(CONSTRUCT, { curve, depth, index, parentFingerprint, chainCode: Uint8Array.from(chainCode), publicKey, privateKey });
  }

  /**
   * 33-byte compressed SEC1 point (secp256k1, nist256p1) or raw 32-byte key (ed25519, curve25519).
   * Computed from the private key on first use (one scalar multiplication), so a node derived
   * only to sign, or only as a hardened step on a path, never pays for it.
   */
  get publicKey(): Uint8Array {
    this.#assertLive();
    if (this.#publicKey === undefined) {
      const w = weierstrass(this.curve);
      if (w === undefined) {
        this.#publicKey = publicKeyOf(this.curve, this.#privateKey as Uint8Array);
      } else {
        const keys = weierstrassPublicKeys(w, this.#privateKey as Uint8Array);
        this.#publicKey = keys.compressed;
        this.#uncompressedPublicKey = keys.uncompressed;
      }
    }
    return this.#publicKey;
  }

  /**
   * The 65-byte SEC1 uncompressed point 0x04 ‖ x ‖ y (secp256k1 and nist256p1 only), as Ethereum
   * addresses need it. Computed with `publicKey` at no extra multiplication.
   * @throws CustodyError('INVALID_INPUT') for ed25519 and curve25519.
   */
  get uncompressedPublicKey(): Uint8Array {
    const compressed = this.publicKey;
    if (this.#uncompressedPublicKey === undefined) {
      const w = weierstrass(this.curve);
      if (w === undefined) throw new CustodyError('INVALID_INPUT', `${this.curve} keys have no SEC1 uncompressed form`);
      this.#uncompressedPublicKey = w.Point.fromBytes(compressed).toBytes(false);
    }
    return this.#uncompressedPublicKey;
  }

  /** The 32-byte private key, or undefined for a public-only node. Borrowed: `wipe()` zeroes it; do not keep it. */
  get privateKey(): Uint8Array | undefined {
    this.#assertLive();
    return this.#privateKey;
  }

  get hasPrivateKey(): boolean {
    return this.#privateKey !== undefined;
  }

  get isWiped(): boolean {
    return this.#wiped;
  }

  /** serP(K) of BIP-32 / SLIP-10: the 33-byte compressed point, or 0x00 ‖ key for ed25519 and curve25519. */
  get serializedPublicKey(): Uint8Array {
    if (this.publicKey.length === 33) return this.publicKey;
    const out = new Uint8Array(33);
    out.set(this.publicKey, 1);
    return out;
  }

  /** HASH160(serP(K)) (BIP-32 §"Key identifiers"). */
  get identifier(): Uint8Array {
    this.#identifier ??= hash160(this.serializedPublicKey);
    return this.#identifier;
  }

  /** The first 32 bits of the identifier, as the parent fingerprint of this node's children. */
  get fingerprint(): number {
    const id = this.identifier;
    return new DataView(id.buffer, id.byteOffset, 4).getUint32(0, false);
  }

  /** CKDpriv (or CKDpub for a public-only node) to child `index`. Hardened: index ≥ 2^31. */
  derive(index: number): HdNode {
    this.#assertLive();
    assertChildIndex(index);
    if (this.depth >= MAX_PATH_DEPTH) throw new CustodyError('INVALID_INPUT', 'cannot derive below depth 255 (BIP-32 depth is one byte)');
    if (weierstrass(this.curve) === undefined && !isHardened(index)) {
      throw new CustodyError(
        'INVALID_INPUT',
        `${this.curve} derivation is hardened only (SLIP-10): child index ${index} is not hardened; use ${index}' (${index + HARDENED_OFFSET})`,
        { details: { index } },
      );
    }
    return this.#privateKey === undefined ? this.#derivePublic(index) : this.#derivePrivate(index);
  }

  /** Derive a relative path (`m/…` from this node, or indices). `m` returns a copy of this node. */
  derivePath(path: string | readonly number[]): HdNode {
    const indices = toIndices(path);
    if (indices.length === 0) return this.#copy();
    let node = this.derive(indices[0] as number);
    try {
      for (let i = 1; i < indices.length; i++) {
        const next = node.derive(indices[i] as number);
        node.wipe(); // an intermediate node nobody else holds
        node = next;
      }
      return node;
    } catch (error) {
      node.wipe();
      throw error;
    }
  }

  /** A public-only copy (the private key is not copied). */
  neuter(): HdNode {
    this.#assertLive();
    return new HdNode(CONSTRUCT, {
      curve: this.curve,
      depth: this.depth,
      index: this.index,
      parentFingerprint: this.parentFingerprint,
      chainCode: Uint8Array.from(this.chainCode),
      publicKey: Uint8Array.from(this.publicKey),
      privateKey: undefined,
    });
  }

  /** Zero the private key and chain code. The node is unusable afterwards (keys, derivation and serialization throw). */
  wipe(): void {
    this.#privateKey?.fill(0);
    this.chainCode.fill(0);
    this.#wiped = true;
  }

  #copy(): HdNode {
    this.#assertLive();
    return new HdNode(CONSTRUCT, {
      curve: this.curve,
      depth: this.depth,
      index: this.index,
      parentFingerprint: this.parentFingerprint,
      chainCode: Uint8Array.from(this.chainCode),
      publicKey: this.#publicKey === undefined ? undefined : Uint8Array.from(this.#publicKey),
      privateKey: this.#privateKey === undefined ? undefined : Uint8Array.from(this.#privateKey),
    });
  }

  #assertLive(): void {
    if (this.#wiped) throw new CustodyError('INVALID_INPUT', 'this HD node was wiped');
  }

  #child(index: number, chainCode: Uint8Array, publicKey: Uint8Array | undefined, privateKey: Uint8Array | undefined): HdNode {
    return new HdNode(CONSTRUCT, { curve: this.curve, depth: this.depth + 1, index, parentFingerprint: this.fingerprint, chainCode, publicKey, privateKey });
  }

  // SLIP-10 §"Private parent key → private child key" (BIP-32 CKDpriv).
  #derivePrivate(index: number): HdNode {
    const parentKey = this.#privateKey as Uint8Array;
    const data = new Uint8Array(37);
    if (isHardened(index)) data.set(parentKey, 1); // 0x00 ‖ ser256(k_par)
    else data.set(this.publicKey, 0); // serP(point(k_par)); only Weierstrass curves get here
    data.set(ser32(index), 33);
    let I: Uint8Array = hmac(sha512, this.chainCode, data);
    data.fill(0);
    const curve = weierstrass(this.curve);
    try {
      if (curve === undefined) {
        const childKey = I.slice(0, 32);
        return this.#child(index, I.slice(32), undefined, childKey);
      }
      const n = curve.Point.Fn.ORDER;
      const kPar = bytesToNumberBE(parentKey);
      for (;;) {
        const IL = bytesToNumberBE(I.subarray(0, 32));
        const k = (IL + kPar) % n;
        if (IL < n && k !== 0n) {
          const childKey = numberToBytesBE(k, 32);
          return this.#child(index, I.slice(32), undefined, childKey);
        }
        I = this.#retry(I, index);
      }
    } finally {
      I.fill(0);
    }
  }

  // SLIP-10 §"Public parent key → public child key" (BIP-32 CKDpub). Normal indices only.
  #derivePublic(index: number): HdNode {
    const curve = weierstrass(this.curve);
    if (curve === undefined || isHardened(index)) {
      throw new CustodyError('INVALID_INPUT', `a public-only ${this.curve} node cannot derive hardened child ${index - HARDENED_OFFSET}' (BIP-32 CKDpub is for normal indices)`, {
        details: { index },
      });
    }
    const data = new Uint8Array(37);
    data.set(this.publicKey, 0);
    data.set(ser32(index), 33);
    let I: Uint8Array = hmac(sha512, this.chainCode, data);
    const n = curve.Point.Fn.ORDER;
    const parent = curve.Point.fromBytes(this.publicKey);
    try {
      for (;;) {
        const IL = bytesToNumberBE(I.subarray(0, 32));
        if (IL < n) {
          const point = IL === 0n ? parent : curve.Point.BASE.multiply(IL).add(parent);
          if (!point.is0()) return this.#child(index, I.slice(32), point.toBytes(true), undefined);
        }
        I = this.#retry(I, index);
      }
    } finally {
      I.fill(0);
    }
  }

  /** An invalid child key: SLIP-10 retry for nist256p1, the BIP-32 "skip this index" error for secp256k1. */
  #retry(I: Uint8Array, index: number): Uint8Array {
    if (this.curve === 'secp256k1') {
      throw new CustodyError('INVALID_INPUT', `child index ${index} gives an invalid key (BIP-32: proceed with the next index)`, { details: { index } });
    }
    const data = new Uint8Array(37);
    data[0] = 0x01;
    data.set(I.subarray(32), 1);
    data.set(ser32(index), 33);
    const next = hmac(sha512, this.chainCode, data);
    data.fill(0);
    I.fill(0);
    return next;
  }
}

function assertPrivateKey(curve: HdCurve, key: Uint8Array): void {
  if (key.length !== 32) throw new CustodyError('INVALID_INPUT', 'private key must be 32 bytes');
  const w = weierstrass(curve);
  if (w === undefined) return;
  const k = bytesToNumberBE(key);
  if (k === 0n || k >= w.Point.Fn.ORDER) throw new CustodyError('INVALID_INPUT', `private key is not in [1, n-1] for ${curve}`);
}

function assertPublicKey(curve: HdCurve, key: Uint8Array): void {
  const w = weierstrass(curve);
  if (w !== undefined) {
    if (key.length !== 33 || (key[0] !== 0x02 && key[0] !== 0x03)) {
      throw new CustodyError('INVALID_INPUT', `public key must be a 33-byte compressed ${curve} point (prefix 02 or 03)`);
    }
    if (!w.utils.isValidPublicKey(key, true)) throw new CustodyError('INVALID_INPUT', `public key is not a point on ${curve}`);
    return;
  }
  if (key.length !== 32) throw new CustodyError('INVALID_INPUT', `public key must be 32 bytes for ${curve}`);
  if (curve === 'ed25519') {
    try {
      ed25519.Point.fromBytes(key);
    } catch (cause) {
      throw new CustodyError('INVALID_INPUT', 'public key is not an ed25519 point', { cause });
    }
  }
}

/**
 * The master node of `curve` from a seed (BIP-39 seed, or any 16 to 64 bytes).
 * @throws CustodyError('INVALID_INPUT') for a seed of the wrong size, or (secp256k1, chance
 *   below 2^-127) a seed whose master key is invalid under BIP-32.
 */
export function masterNodeFromSeed(seed: Uint8Array, curve: HdCurve = 'secp256k1'): HdNode {
  if (!(seed instanceof Uint8Array) || seed.length < 16 || seed.length > 64) {
    throw new CustodyError('INVALID_INPUT', 'seed must be 16 to 64 bytes (BIP-32 / SLIP-10: 128 to 512 bits)');
  }
  if (!HD_CURVES.includes(curve)) throw new CustodyError('INVALID_INPUT', 'unknown HD curve');
  let I: Uint8Array = hmac(sha512, SEED_KEY_BYTES[curve], seed);
  try {
    const w = weierstrass(curve);
    if (w !== undefined) {
      for (;;) {
        const IL = bytesToNumberBE(I.subarray(0, 32));
        if (IL !== 0n && IL < w.Point.Fn.ORDER) break;
        if (curve === 'secp256k1') throw new CustodyError('INVALID_INPUT', 'this seed gives an invalid BIP-32 master key');
        // SLIP-10 §"Master key generation" step 4: S := I and continue at step 2.
        const next = hmac(sha512, SEED_KEY_BYTES[curve], I);
        I.fill(0);
        I = next;
      }
    }
    const privateKey = I.slice(0, 32);
    return new HdNode(CONSTRUCT, {
      curve,
      depth: 0,
      index: 0,
      parentFingerprint: 0,
      chainCode: I.slice(32),
      publicKey: undefined,
      privateKey,
    });
  } finally {
    I.fill(0);
  }
}

/** Convenience: master node from `seed`, then `path`. Intermediate nodes are wiped. */
export function deriveFromSeed(seed: Uint8Array, path: string | readonly number[], curve: HdCurve = 'secp256k1'): HdNode {
  const master = masterNodeFromSeed(seed, curve);
  try {
    return master.derivePath(path);
  } finally {
    master.wipe();
  }
}
