/**
 * @module core/crypto/key-codec
 * Byte-level key and signature encodings shared by the Ed25519, ECDSA and RSA modules:
 * a strict DER reader and a DER writer (X.690 §8/§10), PEM (RFC 7468), base64url (RFC 4648 §5),
 * SPKI (RFC 5280 §4.1.2.7) and PKCS#8 (RFC 5208 / RFC 5958) for Ed25519 (RFC 8410) and EC
 * (RFC 5480, RFC 5915), and the DER form of an ECDSA signature (RFC 3279 §2.2.3).
 *
 * Trusts nothing it parses: every decoder here rejects indefinite or non-minimal lengths,
 * trailing bytes and wrong tags, and throws `CustodyError('INVALID_INPUT')` with a message that
 * names the structure, never the bytes. It does no curve arithmetic and knows no provider:
 * point validation lives in ecdsa.ts / ed25519.ts.
 */
import { CustodyError } from '../../../shared/errors.js';

// ---------------------------------------------------------------------------------------------
// Small byte helpers
// ---------------------------------------------------------------------------------------------

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new CustodyError('INVALID_INPUT', 'invalid hex string');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

/** Unsigned big-endian bytes to bigint (empty → 0n). */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  return BigInt('0x' + bytesToHex(bytes));
}

/** bigint to unsigned big-endian bytes of exactly `length` bytes; throws if it does not fit. */
export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  if (value < 0n) throw new CustodyError('INTERNAL', 'negative integer cannot be encoded unsigned');
  const hex = value.toString(16);
  if (hex.length > length * 2) throw new CustodyError('INTERNAL', 'integer does not fit the requested length');
  return hexToBytes(hex.padStart(length * 2, '0'));
}

/** Left-pad with zeros to `length` (used for JWK/PKCS#8 scalars written without leading zeros). */
export function leftPad(bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length === length) return bytes;
  if (bytes.length > length) throw new CustodyError('INVALID_INPUT', `value longer than ${length} bytes`);
  const out = new Uint8Array(length);
  out.set(bytes, length - bytes.length);
  return out;
}

/**
 * A fresh, plain Uint8Array copy. Also turns a Node Buffer into a Uint8Array that owns its own
 * ArrayBuffer (a Buffer may be a view into node's shared pool; `slice` would keep its species).
 */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

// ---------------------------------------------------------------------------------------------
// base64url (RFC 4648 §5, no padding: the form JWK uses, RFC 7515 §2)
// ---------------------------------------------------------------------------------------------

export function base64UrlEncode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
}

/** Strict: only the URL-safe alphabet, no padding, no whitespace, canonical trailing bits. */
export function base64UrlDecode(text: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new CustodyError('INVALID_INPUT', `${what} is not valid base64url`);
  }
  const bytes = Uint8Array.from(Buffer.from(text, 'base64url'));
  if (base64UrlEncode(bytes) !== text) throw new CustodyError('INVALID_INPUT', `${what} is not canonical base64url`);
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// PEM (RFC 7468)
// ---------------------------------------------------------------------------------------------

const textDecoder = new TextDecoder('utf-8', { fatal: true });
const textEncoder = new TextEncoder();

export function utf8Decode(bytes: Uint8Array, what: string): string {
  try {
    return textDecoder.decode(bytes);
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', `${what} is not valid UTF-8`, { cause });
  }
}

export function utf8Encode(text: string): Uint8Array {
  return textEncoder.encode(text);
}

/** True when the bytes look like PEM text (RFC 7468 §2: "-----BEGIN", optional leading whitespace). */
export function isPem(data: Uint8Array): boolean {
  let i = 0;
  while (i < data.length && (data[i] === 0x20 || data[i] === 0x09 || data[i] === 0x0a || data[i] === 0x0d)) i++;
  const marker = '-----BEGIN';
  if (data.length - i < marker.length) return false;
  for (let j = 0; j < marker.length; j++) if (data[i + j] !== marker.charCodeAt(j)) return false;
  return true;
}

/**
 * Decode one PEM block with the expected label (RFC 7468 §3, "strict" reading: base64 lines,
 * nothing but whitespace around the block). Any other label is refused by name.
 */
export function pemDecode(data: Uint8Array, expectedLabel: string): Uint8Array {
  const text = utf8Decode(data, 'PEM text').trim();
  const match = /^-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]*?)\r?\n?-----END ([A-Z0-9 ]+)-----$/.exec(text);
  if (match === null) throw new CustodyError('INVALID_INPUT', 'malformed PEM block');
  const [, label, body, endLabel] = match as unknown as [string, string, string, string];
  if (label !== endLabel) throw new CustodyError('INVALID_INPUT', 'PEM BEGIN and END labels differ');
  if (label !== expectedLabel) {
    const hint = label === 'ENCRYPTED PRIVATE KEY' ? ' (encrypted PKCS#8 is not supported: decrypt it first)' : '';
    throw new CustodyError('INVALID_INPUT', `expected a PEM "${expectedLabel}" block, got "${label}"${hint}`);
  }
  const b64 = body.replace(/\r?\n/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
    throw new CustodyError('INVALID_INPUT', 'PEM body is not valid base64');
  }
  return Uint8Array.from(Buffer.from(b64, 'base64'));
}

/** PEM text (RFC 7468 §2: 64-character lines, trailing newline), as UTF-8 bytes. */
export function pemEncode(der: Uint8Array, label: string): Uint8Array {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.length).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return utf8Encode(`-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`);
}

// ---------------------------------------------------------------------------------------------
// DER (X.690): a strict reader and a writer
// ---------------------------------------------------------------------------------------------

export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_NULL = 0x05;
export const TAG_OID = 0x06;
export const TAG_SEQUENCE = 0x30;
/** [0] and [1] EXPLICIT, constructed (RFC 5915 ECPrivateKey parameters / publicKey). */
export const TAG_CONTEXT_0 = 0xa0;
export const TAG_CONTEXT_1 = 0xa1;
/** [1] IMPLICIT BIT STRING, primitive (RFC 5958 OneAsymmetricKey publicKey). */
export const TAG_CONTEXT_1_PRIMITIVE = 0x81;

export interface DerElement {
  readonly tag: number;
  /** The content octets (a subarray of the input). */
  readonly value: Uint8Array;
  /** The whole TLV (a subarray of the input). */
  readonly raw: Uint8Array;
}

function derError(what: string, reason: string): CustodyError {
  return new CustodyError('INVALID_INPUT', `malformed ${what}: ${reason}`);
}

/**
 * Read one TLV at `offset`. DER only (X.690 §10.1): definite lengths in the shortest form,
 * single-byte tags (all this module needs). Returns the element and the offset after it.
 */
export function derReadElement(bytes: Uint8Array, offset: number, what: string): { element: DerElement; next: number } {
  if (offset + 2 > bytes.length) throw derError(what, 'truncated');
  const tag = bytes[offset] as number;
  if ((tag & 0x1f) === 0x1f) throw derError(what, 'multi-byte tags are not supported');
  const first = bytes[offset + 1] as number;
  let length: number;
  let header: number;
  if (first < 0x80) {
    length = first;
    header = 2;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw derError(what, 'indefinite length is not DER');
    if (count > 4) throw derError(what, 'length too large');
    if (offset + 2 + count > bytes.length) throw derError(what, 'truncated length');
    if (bytes[offset + 2] === 0) throw derError(what, 'non-minimal length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (bytes[offset + 2 + i] as number);
    if (length < 0x80) throw derError(what, 'non-minimal length');
    header = 2 + count;
  }
  const start = offset + header;
  const end = start + length;
  if (end > bytes.length) throw derError(what, 'truncated');
  return { element: { tag, value: bytes.subarray(start, end), raw: bytes.subarray(offset, end) }, next: end };
}

/** Parse the entire input as exactly one element with the given tag. */
export function derReadSingle(bytes: Uint8Array, tag: number, what: string): DerElement {
  const { element, next } = derReadElement(bytes, 0, what);
  if (element.tag !== tag) throw derError(what, `unexpected tag 0x${element.tag.toString(16)}`);
  if (next !== bytes.length) throw derError(what, 'trailing bytes');
  return element;
}

/** All elements of a constructed value's content, in order. */
export function derReadChildren(content: Uint8Array, what: string): DerElement[] {
  const out: DerElement[] = [];
  let offset = 0;
  while (offset < content.length) {
    const { element, next } = derReadElement(content, offset, what);
    out.push(element);
    offset = next;
  }
  return out;
}

/** A non-negative DER INTEGER's value, minimal encoding required (X.690 §8.3.2). */
export function derReadUnsignedInteger(element: DerElement, what: string): bigint {
  if (element.tag !== TAG_INTEGER) throw derError(what, 'expected INTEGER');
  const v = element.value;
  if (v.length === 0) throw derError(what, 'empty INTEGER');
  if ((v[0] as number) & 0x80) throw derError(what, 'negative INTEGER');
  if (v.length > 1 && v[0] === 0 && ((v[1] as number) & 0x80) === 0) throw derError(what, 'non-minimal INTEGER');
  return bytesToBigInt(v);
}

export function derLength(length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(length);
  const bytes: number[] = [];
  for (let l = length; l > 0; l = Math.floor(l / 256)) bytes.unshift(l & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function derTlv(tag: number, ...content: readonly Uint8Array[]): Uint8Array {
  const value = concatBytes(...content);
  return concatBytes(Uint8Array.of(tag), derLength(value.length), value);
}

/** DER INTEGER of a non-negative bigint (minimal, with a 0x00 sign byte when the top bit is set). */
export function derUnsignedInteger(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  let bytes = hexToBytes(hex);
  if (((bytes[0] as number) & 0x80) !== 0) bytes = concatBytes(Uint8Array.of(0), bytes);
  return derTlv(TAG_INTEGER, bytes);
}

// ---------------------------------------------------------------------------------------------
// Object identifiers (DER-encoded, tag and length included)
// ---------------------------------------------------------------------------------------------

/** id-ecPublicKey 1.2.840.10045.2.1 (RFC 5480 §2.1.1). */
export const OID_EC_PUBLIC_KEY = hexToBytes('06072a8648ce3d0201');
/** id-Ed25519 1.3.101.112 (RFC 8410 §3). */
export const OID_ED25519 = hexToBytes('06032b6570');
/** rsaEncryption 1.2.840.113549.1.1.1 (RFC 8017 Appendix C); only used to name a wrong key type. */
export const OID_RSA_ENCRYPTION = hexToBytes('06092a864886f70d010101');
/** Named curves (RFC 5480 §2.1.1.1; secp256k1 from SEC 2 §A.2.1). */
export const OID_PRIME256V1 = hexToBytes('06082a8648ce3d030107');
export const OID_SECP384R1 = hexToBytes('06052b81040022');
export const OID_SECP521R1 = hexToBytes('06052b81040023');
export const OID_SECP256K1 = hexToBytes('06052b8104000a');

const OID_NAMES: ReadonlyArray<readonly [Uint8Array, string]> = [
  [OID_EC_PUBLIC_KEY, 'EC'],
  [OID_ED25519, 'Ed25519'],
  [OID_RSA_ENCRYPTION, 'RSA'],
  [hexToBytes('06092a864886f70d01010a'), 'RSA-PSS'],
  [hexToBytes('06032b6571'), 'Ed448'],
  [hexToBytes('06032b656e'), 'X25519'],
  [hexToBytes('06032b656f'), 'X448'],
  [OID_PRIME256V1, 'P-256'],
  [OID_SECP384R1, 'P-384'],
  [OID_SECP521R1, 'P-521'],
  [OID_SECP256K1, 'secp256k1'],
];

/** A human name for a DER OID TLV, for error messages ("got an RSA key"). */
export function describeOid(oid: Uint8Array): string {
  for (const [known, name] of OID_NAMES) if (bytesEqual(known, oid)) return name;
  return 'an unknown algorithm';
}

// ---------------------------------------------------------------------------------------------
// SPKI and PKCS#8 structure (algorithm-independent parts)
// ---------------------------------------------------------------------------------------------

export interface ParsedSpki {
  /** AlgorithmIdentifier.algorithm, as a DER OID TLV. */
  readonly algorithm: Uint8Array;
  /** AlgorithmIdentifier.parameters TLV, if any. */
  readonly parameters?: Uint8Array;
  /** subjectPublicKey BIT STRING content without the unused-bits byte. */
  readonly publicKey: Uint8Array;
}

function readAlgorithmIdentifier(element: DerElement, what: string): { algorithm: Uint8Array; parameters?: Uint8Array } {
  if (element.tag !== TAG_SEQUENCE) throw derError(what, 'expected AlgorithmIdentifier');
  const parts = derReadChildren(element.value, what);
  const [algorithm, parameters] = parts;
  if (algorithm === undefined || algorithm.tag !== TAG_OID || parts.length > 2) throw derError(what, 'bad AlgorithmIdentifier');
  return parameters === undefined ? { algorithm: algorithm.raw } : { algorithm: algorithm.raw, parameters: parameters.raw };
}

function readBitStringBytes(element: DerElement, what: string): Uint8Array {
  if (element.tag !== TAG_BIT_STRING && element.tag !== TAG_CONTEXT_1_PRIMITIVE) throw derError(what, 'expected BIT STRING');
  if (element.value.length < 1 || element.value[0] !== 0) throw derError(what, 'BIT STRING with unused bits');
  return element.value.subarray(1);
}

/** SubjectPublicKeyInfo (RFC 5280 §4.1.2.7). */
export function parseSpki(der: Uint8Array): ParsedSpki {
  const what = 'SubjectPublicKeyInfo';
  const top = derReadSingle(der, TAG_SEQUENCE, what);
  const parts = derReadChildren(top.value, what);
  if (parts.length !== 2) throw derError(what, 'expected 2 fields');
  const alg = readAlgorithmIdentifier(parts[0] as DerElement, what);
  return { ...alg, publicKey: readBitStringBytes(parts[1] as DerElement, what) };
}

export interface ParsedPkcs8 {
  readonly algorithm: Uint8Array;
  readonly parameters?: Uint8Array;
  /** privateKey OCTET STRING content. */
  readonly privateKey: Uint8Array;
  /** OneAsymmetricKey [1] publicKey (RFC 5958 §2), if present. */
  readonly publicKey?: Uint8Array;
}

/** PrivateKeyInfo (RFC 5208 §5) / OneAsymmetricKey v1 or v2 (RFC 5958 §2). */
export function parsePkcs8(der: Uint8Array): ParsedPkcs8 {
  const what = 'PKCS#8 PrivateKeyInfo';
  const top = derReadSingle(der, TAG_SEQUENCE, what);
  const parts = derReadChildren(top.value, what);
  const [versionEl, algEl, keyEl, ...rest] = parts;
  if (versionEl === undefined || algEl === undefined || keyEl === undefined) throw derError(what, 'missing fields');
  const version = derReadUnsignedInteger(versionEl, what);
  if (version !== 0n && version !== 1n) throw derError(what, 'unsupported version');
  const alg = readAlgorithmIdentifier(algEl, what);
  if (keyEl.tag !== TAG_OCTET_STRING) throw derError(what, 'expected privateKey OCTET STRING');
  let publicKey: Uint8Array | undefined;
  for (const el of rest) {
    if (el.tag === TAG_CONTEXT_0) continue; // attributes: ignored
    if (el.tag === TAG_CONTEXT_1_PRIMITIVE && version === 1n && publicKey === undefined) {
      publicKey = readBitStringBytes(el, what);
      continue;
    }
    throw derError(what, 'unexpected trailing field');
  }
  return { ...alg, privateKey: keyEl.value, ...(publicKey === undefined ? {} : { publicKey }) };
}

// ---------------------------------------------------------------------------------------------
// Ed25519 (RFC 8410)
// ---------------------------------------------------------------------------------------------

/** SPKI prefix for Ed25519: SEQUENCE { SEQUENCE { id-Ed25519 }, BIT STRING (0 unused) } (RFC 8410 §4). */
const ED25519_SPKI_PREFIX = hexToBytes('302a300506032b6570032100');
/** PKCS#8 v1 prefix: version 0, id-Ed25519, OCTET STRING { CurvePrivateKey OCTET STRING (32) } (RFC 8410 §7). */
const ED25519_PKCS8_PREFIX = hexToBytes('302e020100300506032b657004220420');

export function ed25519SpkiFromRaw(raw: Uint8Array): Uint8Array {
  if (raw.length !== 32) throw new CustodyError('INVALID_INPUT', 'an Ed25519 public key is 32 bytes');
  return concatBytes(ED25519_SPKI_PREFIX, raw);
}

export function ed25519Pkcs8FromSeed(seed: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new CustodyError('INVALID_INPUT', 'an Ed25519 private key is a 32-byte seed');
  return concatBytes(ED25519_PKCS8_PREFIX, seed);
}

function wrongKeyType(expected: string, gotAlgorithm: Uint8Array, gotParameters?: Uint8Array): CustodyError {
  let got = describeOid(gotAlgorithm);
  if (got === 'EC' && gotParameters !== undefined) got = `EC ${describeOid(gotParameters)}`;
  return new CustodyError('WRONG_KEY_TYPE', `expected ${expected} key, got ${got === 'an unknown algorithm' ? got : `a ${got} key`}`);
}

/** The raw 32-byte public key from an Ed25519 SPKI. Refuses other key types with WRONG_KEY_TYPE. */
export function ed25519RawFromSpki(spki: Uint8Array): Uint8Array {
  const parsed = parseSpki(spki);
  if (!bytesEqual(parsed.algorithm, OID_ED25519)) throw wrongKeyType('an Ed25519', parsed.algorithm, parsed.parameters);
  if (parsed.parameters !== undefined) throw derError('Ed25519 SubjectPublicKeyInfo', 'parameters must be absent (RFC 8410 §3)');
  if (parsed.publicKey.length !== 32) throw derError('Ed25519 SubjectPublicKeyInfo', 'public key is not 32 bytes');
  return parsed.publicKey;
}

/** The 32-byte seed (and the optional embedded public key) from an Ed25519 PKCS#8. */
export function ed25519SeedFromPkcs8(der: Uint8Array): { seed: Uint8Array; publicKey?: Uint8Array } {
  const parsed = parsePkcs8(der);
  if (!bytesEqual(parsed.algorithm, OID_ED25519)) throw wrongKeyType('an Ed25519', parsed.algorithm, parsed.parameters);
  if (parsed.parameters !== undefined) throw derError('Ed25519 PKCS#8', 'parameters must be absent (RFC 8410 §3)');
  // CurvePrivateKey ::= OCTET STRING, wrapped in the privateKey OCTET STRING (RFC 8410 §7).
  const inner = derReadSingle(parsed.privateKey, TAG_OCTET_STRING, 'Ed25519 CurvePrivateKey');
  if (inner.value.length !== 32) throw derError('Ed25519 CurvePrivateKey', 'seed is not 32 bytes');
  return parsed.publicKey === undefined ? { seed: inner.value } : { seed: inner.value, publicKey: parsed.publicKey };
}

// ---------------------------------------------------------------------------------------------
// EC keys (RFC 5480, RFC 5915)
// ---------------------------------------------------------------------------------------------

export interface EcCurveCodec {
  /** For messages: "ecdsa-p256 (P-256)". */
  readonly label: string;
  /** namedCurve OID TLV. */
  readonly oid: Uint8Array;
  /** Field and scalar length in bytes (32 / 48 / 66). */
  readonly size: number;
}

/** SPKI with the uncompressed point 0x04‖x‖y (RFC 5480 §2: uncompressed MUST be supported). */
export function ecSpkiFromPoint(curve: EcCurveCodec, uncompressed: Uint8Array): Uint8Array {
  if (uncompressed.length !== 1 + 2 * curve.size || uncompressed[0] !== 0x04) {
    throw new CustodyError('INTERNAL', 'ecSpkiFromPoint expects an uncompressed point');
  }
  return derTlv(TAG_SEQUENCE, derTlv(TAG_SEQUENCE, OID_EC_PUBLIC_KEY, curve.oid), derTlv(TAG_BIT_STRING, Uint8Array.of(0), uncompressed));
}

/**
 * PKCS#8 v1 wrapping ECPrivateKey { version 1, privateKey, [1] publicKey } (RFC 5915 §3), with
 * the curve in the AlgorithmIdentifier and ECPrivateKey.parameters omitted: the exact layout
 * OpenSSL emits, so node and noble keys export to identical bytes.
 */
export function ecPkcs8FromScalar(curve: EcCurveCodec, scalar: Uint8Array, uncompressed: Uint8Array): Uint8Array {
  if (scalar.length !== curve.size) throw new CustodyError('INTERNAL', 'ecPkcs8FromScalar expects a fixed-length scalar');
  const ecPrivateKey = derTlv(
    TAG_SEQUENCE,
    derTlv(TAG_INTEGER, Uint8Array.of(1)),
    derTlv(TAG_OCTET_STRING, scalar),
    derTlv(TAG_CONTEXT_1, derTlv(TAG_BIT_STRING, Uint8Array.of(0), uncompressed)),
  );
  return derTlv(
    TAG_SEQUENCE,
    derTlv(TAG_INTEGER, Uint8Array.of(0)),
    derTlv(TAG_SEQUENCE, OID_EC_PUBLIC_KEY, curve.oid),
    derTlv(TAG_OCTET_STRING, ecPrivateKey),
  );
}

function assertEcAlgorithm(curve: EcCurveCodec, algorithm: Uint8Array, parameters: Uint8Array | undefined): void {
  if (!bytesEqual(algorithm, OID_EC_PUBLIC_KEY) || parameters === undefined || !bytesEqual(parameters, curve.oid)) {
    throw wrongKeyType(`an ${curve.label}`, algorithm, parameters);
  }
}

/** The SEC1 point bytes (compressed or not, not yet validated) from an EC SPKI for this curve. */
export function ecPointFromSpki(curve: EcCurveCodec, spki: Uint8Array): Uint8Array {
  const parsed = parseSpki(spki);
  assertEcAlgorithm(curve, parsed.algorithm, parsed.parameters);
  return parsed.publicKey;
}

/**
 * The private scalar (left-padded to the curve size) and the optional embedded public point
 * from an EC PKCS#8. The range 1..n-1 is checked by the caller, which knows n.
 */
export function ecScalarFromPkcs8(curve: EcCurveCodec, der: Uint8Array): { scalar: Uint8Array; publicPoint?: Uint8Array } {
  const parsed = parsePkcs8(der);
  assertEcAlgorithm(curve, parsed.algorithm, parsed.parameters);
  const what = 'ECPrivateKey';
  const seq = derReadSingle(parsed.privateKey, TAG_SEQUENCE, what);
  const [versionEl, keyEl, ...rest] = derReadChildren(seq.value, what);
  if (versionEl === undefined || keyEl === undefined) throw derError(what, 'missing fields');
  if (derReadUnsignedInteger(versionEl, what) !== 1n) throw derError(what, 'version must be 1 (RFC 5915 §3)');
  if (keyEl.tag !== TAG_OCTET_STRING || keyEl.value.length === 0 || keyEl.value.length > curve.size) {
    throw derError(what, `privateKey must be an OCTET STRING of at most ${curve.size} bytes`);
  }
  let publicPoint = parsed.publicKey;
  let last = 0;
  for (const el of rest) {
    if (el.tag === TAG_CONTEXT_0 && last < 1) {
      // ECParameters: when present it must name the same curve (RFC 5915 §3).
      const params = derReadSingle(el.value, TAG_OID, what);
      if (!bytesEqual(params.raw, curve.oid)) throw new CustodyError('WRONG_KEY_TYPE', `expected an ${curve.label} key, ECPrivateKey parameters name ${describeOid(params.raw)}`);
      last = 1;
    } else if (el.tag === TAG_CONTEXT_1 && last < 2) {
      const bits = derReadSingle(el.value, TAG_BIT_STRING, what);
      const point = readBitStringBytes(bits, what);
      if (publicPoint !== undefined && !bytesEqual(point, publicPoint)) throw derError(what, 'two different public keys');
      publicPoint = point;
      last = 2;
    } else {
      throw derError(what, 'unexpected field');
    }
  }
  const scalar = leftPad(keyEl.value, curve.size);
  return publicPoint === undefined ? { scalar } : { scalar, publicPoint };
}

// ---------------------------------------------------------------------------------------------
// ECDSA signatures: DER (RFC 3279 §2.2.3) and raw r‖s (IEEE P1363, RFC 7518 §3.4)
// ---------------------------------------------------------------------------------------------

export interface EcdsaRS {
  readonly r: bigint;
  readonly s: bigint;
}

/** Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }, minimal DER. */
export function encodeEcdsaDer(sig: EcdsaRS): Uint8Array {
  return derTlv(TAG_SEQUENCE, derUnsignedInteger(sig.r), derUnsignedInteger(sig.s));
}

/**
 * Strict DER decode. Returns null (never throws) for anything that is not exactly one minimal
 * SEQUENCE of two non-negative minimal INTEGERs: callers turn that into "invalid signature".
 * Range checks against the group order are the caller's (it knows n).
 */
export function decodeEcdsaDer(bytes: Uint8Array, maxIntegerBytes: number): EcdsaRS | null {
  try {
    const seq = derReadSingle(bytes, TAG_SEQUENCE, 'ECDSA signature');
    const parts = derReadChildren(seq.value, 'ECDSA signature');
    if (parts.length !== 2) return null;
    const [rEl, sEl] = parts as [DerElement, DerElement];
    // One extra byte for the 0x00 sign pad.
    if (rEl.value.length > maxIntegerBytes + 1 || sEl.value.length > maxIntegerBytes + 1) return null;
    return { r: derReadUnsignedInteger(rEl, 'r'), s: derReadUnsignedInteger(sEl, 's') };
  } catch {
    return null;
  }
}

/** r‖s, each exactly `size` bytes. */
export function encodeEcdsaRaw(sig: EcdsaRS, size: number): Uint8Array {
  return concatBytes(bigIntToBytes(sig.r, size), bigIntToBytes(sig.s, size));
}

/** Returns null unless the input is exactly 2·size bytes. */
export function decodeEcdsaRaw(bytes: Uint8Array, size: number): EcdsaRS | null {
  if (bytes.length !== 2 * size) return null;
  return { r: bytesToBigInt(bytes.subarray(0, size)), s: bytesToBigInt(bytes.subarray(size)) };
}

// ---------------------------------------------------------------------------------------------
// JWK (RFC 7517) parsing helpers
// ---------------------------------------------------------------------------------------------

export type JwkObject = Readonly<Record<string, unknown>>;

/** Parse UTF-8 JSON bytes into a JWK object (RFC 7517 §4); refuses JWK Sets and non-objects. */
export function parseJwk(data: Uint8Array): JwkObject {
  let value: unknown;
  try {
    value = JSON.parse(utf8Decode(data, 'JWK'));
  } catch (cause) {
    if (cause instanceof CustodyError) throw cause;
    throw new CustodyError('INVALID_INPUT', 'JWK is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CustodyError('INVALID_INPUT', 'JWK must be a JSON object');
  }
  if ('keys' in value) throw new CustodyError('INVALID_INPUT', 'a JWK Set is not accepted: pass one key');
  return value as JwkObject;
}

export function jwkString(jwk: JwkObject, member: string): string | undefined {
  const v = jwk[member];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new CustodyError('INVALID_INPUT', `JWK member "${member}" must be a string`);
  return v;
}

export function jwkRequiredString(jwk: JwkObject, member: string): string {
  const v = jwkString(jwk, member);
  if (v === undefined) throw new CustodyError('INVALID_INPUT', `JWK member "${member}" is missing`);
  return v;
}

/** A base64url member decoded to exactly `length` bytes (RFC 7518 §6.2.1.2 requires full length). */
export function jwkBytes(jwk: JwkObject, member: string, length: number): Uint8Array {
  const bytes = base64UrlDecode(jwkRequiredString(jwk, member), `JWK member "${member}"`);
  if (bytes.length !== length) throw new CustodyError('INVALID_INPUT', `JWK member "${member}" must be ${length} bytes`);
  return bytes;
}

/** JSON of a JWK with members in the given order, as UTF-8 bytes. */
export function encodeJwk(members: ReadonlyArray<readonly [string, string]>): Uint8Array {
  const obj: Record<string, string> = {};
  for (const [k, v] of members) obj[k] = v;
  return utf8Encode(JSON.stringify(obj));
}
