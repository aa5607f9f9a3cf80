/**
 * @module core/audit/sha256
 * One-shot SHA-256 for the audit log's hot paths (a chain hash and a leaf hash per event, about
 * one Merkle node hash per event), where the cost of a call, not of the compression function,
 * dominates: inputs are 65 to a few hundred bytes.
 *
 * `crypto.hash(…, 'binary')` (latin1) then `Buffer.from(…, 'latin1')` gives the same 32 bytes as
 * `crypto.hash(…, 'buffer')` (latin1 maps each byte to one UTF-16 code unit and back) and is
 * about twice as fast on Node 20 (measured 0.45 µs against 0.88 µs for 65 bytes): the
 * 'buffer' output goes through a slow encoding-name lookup and a slower allocation in Node.
 * `createHash` is the fallback for runtimes without the one-shot `crypto.hash` (Node < 20.12).
 *
 * Trusts node:crypto's SHA-256 (OpenSSL in Node, BoringSSL in Electron).
 */
import * as nodeCrypto from 'node:crypto';

/** SHA-256 of `data` as a Buffer (often a view into Node's shared pool: copy it before transferring its ArrayBuffer). */
export const sha256: (data: Uint8Array) => Buffer =
  typeof nodeCrypto.hash === 'function'
    ? (data) => Buffer.from(nodeCrypto.hash('sha256', data, 'binary'), 'latin1')
    : (data) => nodeCrypto.createHash('sha256').update(data).digest();
