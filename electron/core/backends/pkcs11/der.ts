/**
 * @module core/backends/pkcs11/der
 * The few DER shapes a token speaks that Custos needs in other forms: EC parameters as curve OIDs
 * (PKCS#11 v2.40 §2.3.3, RFC 5480 §2.1.1.1), CKA_EC_POINT as an OCTET STRING around the SEC1
 * point (v2.40 §2.3.3; some tokens return the bare point), SubjectPublicKeyInfo for EC (RFC 5480)
 * and Ed25519 (RFC 8410 §4), ECDSA r‖s to the DER SEQUENCE of two INTEGERs (RFC 3279 §2.2.3), and
 * the DigestInfo prefixes of PKCS#1 v1.5 (RFC 8017 §9.2 note 1). Hand-written because each is a
 * handful of bytes; inputs come from the token or from our own code.
 */

function length(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function tlv(tag: number, ...content: readonly Uint8Array[]): Uint8Array {
  const body = Buffer.concat(content);
  return Buffer.concat([Uint8Array.of(tag), length(body.length), body]);
}

const hex = (h: string): Uint8Array => Buffer.from(h, 'hex');

/** Named-curve OIDs as DER (the CKA_EC_PARAMS value). */
export const EC_PARAMS = {
  'ecdsa-p256': hex('06082a8648ce3d030107'),
  'ecdsa-p384': hex('06052b81040022'),
  'ecdsa-p521': hex('06052b81040023'),
  'ecdsa-secp256k1': hex('06052b8104000a'),
} as const;
export type EcAlgorithm = keyof typeof EC_PARAMS;

/** id-Ed25519, 1.3.101.112 (RFC 8410 §3): SoftHSM 2.6 accepts it and the PrintableString "edwards25519" alike; the OID is what X.509 tooling expects. */
export const ED25519_PARAMS = hex('06032b6570');
/** The PrintableString form PKCS#11 v3.0 §2.3.5 also allows (other tools write it). */
const ED25519_PRINTABLE = Buffer.concat([Uint8Array.of(0x13, 12), Buffer.from('edwards25519')]);

/** Field size in bytes per curve (the length of r and of s). */
export const EC_FIELD_BYTES: Readonly<Record<EcAlgorithm, number>> = { 'ecdsa-p256': 32, 'ecdsa-p384': 48, 'ecdsa-p521': 66, 'ecdsa-secp256k1': 32 };

/** The algorithm named by a CKA_EC_PARAMS value, or null for a curve Custos does not use. */
export function ecAlgorithmOf(params: Uint8Array): EcAlgorithm | 'ed25519' | null {
  const p = Buffer.from(params);
  for (const [alg, oid] of Object.entries(EC_PARAMS)) if (p.equals(oid)) return alg as EcAlgorithm;
  if (p.equals(ED25519_PARAMS) || p.equals(ED25519_PRINTABLE)) return 'ed25519';
  return null;
}

/** The bare point inside CKA_EC_POINT: v2.40 says DER OCTET STRING, some tokens return the point itself. */
export function unwrapEcPoint(value: Uint8Array, pointLength: number): Uint8Array {
  if (value.length === pointLength) return Uint8Array.from(value);
  if (value[0] === 0x04) {
    const short = value[1]! < 0x80 ? 2 : 2 + (value[1]! & 0x7f);
    if (value.length - short === pointLength) return Uint8Array.from(value.subarray(short));
  }
  throw new Error(`CKA_EC_POINT of ${value.length} bytes is neither a ${pointLength}-byte point nor an OCTET STRING around one`);
}

const OID_EC_PUBLIC_KEY = hex('06072a8648ce3d0201');

/** SubjectPublicKeyInfo of an EC public key (RFC 5480 §2): the uncompressed point under its curve OID. */
export function ecSpki(alg: EcAlgorithm, point: Uint8Array): Uint8Array {
  return tlv(0x30, tlv(0x30, OID_EC_PUBLIC_KEY, EC_PARAMS[alg]), tlv(0x03, Uint8Array.of(0), point));
}

/** SubjectPublicKeyInfo of an Ed25519 key (RFC 8410 §4): no parameters. */
export function ed25519Spki(raw: Uint8Array): Uint8Array {
  return tlv(0x30, tlv(0x30, ED25519_PARAMS), tlv(0x03, Uint8Array.of(0), raw));
}

function derInteger(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const body = bytes.subarray(i);
  return tlv(0x02, body[0]! & 0x80 ? Buffer.concat([Uint8Array.of(0), body]) : body);
}

/** ECDSA r‖s (each `size` bytes, as CKM_ECDSA returns it, v2.40 §2.3.1) as DER Ecdsa-Sig-Value. */
export function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const size = raw.length / 2;
  return tlv(0x30, derInteger(raw.subarray(0, size)), derInteger(raw.subarray(size)));
}

/** DigestInfo prefixes (RFC 8017 §9.2 note 1) for CKM_RSA_PKCS over a digest computed here. */
export const DIGEST_INFO_PREFIX = {
  sha256: hex('3031300d060960864801650304020105000420'),
  sha384: hex('3041300d060960864801650304020205000430'),
  sha512: hex('3051300d060960864801650304020305000440'),
} as const;
