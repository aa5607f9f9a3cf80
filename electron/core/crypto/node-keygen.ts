/**
 * @module core/crypto/node-keygen
 * EC and Ed25519 key generation through node:crypto, returning the private key as a JWK that
 * the keygen job encoded itself.
 *
 * Why not `generateKeyPairSync(...).privateKey.export({ format: 'jwk' })`: on Node 20 that export
 * can deadlock the process. The export holds the key's mutex while allocating a string; the
 * allocation can trigger GC; GC finalises the (now unreferenced) KeyGenJob, whose destructor
 * takes the same mutex (seen here in gdb: ExportJWKEdKey → GC → ~KeyGenJob → uv_mutex_lock,
 * reproduced within seconds under --max-semi-space-size=1). With encoding options no KeyObject
 * is handed out and the encoding happens while the job is still alive.
 */
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';

// @types/node 20 lacks the 'jwk' encoding overloads that Node has supported since 15.9.
const generate = generateKeyPairSync as unknown as (type: string, options: object) => { privateKey: JsonWebKey };

const JWK_ENCODING = { publicKeyEncoding: { type: 'spki', format: 'jwk' }, privateKeyEncoding: { type: 'pkcs8', format: 'jwk' } } as const;

/** A fresh private key as a JWK (RFC 7517; members d, x and, for EC, y). */
export function nodeGenerateJwk(type: 'ed25519'): JsonWebKey;
export function nodeGenerateJwk(type: 'ec', namedCurve: string): JsonWebKey;
export function nodeGenerateJwk(type: 'ed25519' | 'ec', namedCurve?: string): JsonWebKey {
  return generate(type, namedCurve === undefined ? JWK_ENCODING : { namedCurve, ...JWK_ENCODING }).privateKey;
}
