/**
 * @module core/chains/solana/offchain
 * Solana off-chain messages, header version 0, in the two layouts that carry that version number:
 *
 *  - `preamble` (default): the off-chain message signing proposal, docs/src/proposals/
 *    off-chain-message-signing.md in anza-xyz/agave ("Message Preamble"): signing domain
 *    b"\xffsolana offchain" ‖ version u8 ‖ application domain (32 bytes) ‖ message format u8 ‖
 *    signer count u8 (≥ 1) ‖ signers (32 bytes each) ‖ message length u16 LE (≥ 1) ‖ body.
 *    Formats: 0 restricted ASCII (0x20–0x7e), 1 UTF-8, both with preamble + body ≤ 1232 bytes;
 *    2 UTF-8 with preamble + body ≤ 65535. This is what @solana/kit's offchain-messages implements.
 *  - `solana-cli`: the earlier layout of solana-sdk's `offchain_message` module, still what
 *    `solana sign-offchain-message` and the Ledger Solana app produce: signing domain ‖ version
 *    u8 ‖ format u8 ‖ length u16 LE ‖ body, body ≤ 1212 bytes for formats 0/1, ≤ 65515 for 2.
 *
 * The signature is Ed25519 over the whole serialized message (domain, header and body). The
 * leading 0xff makes the bytes an invalid transaction message (its version would be 127), so an
 * off-chain signature can never authorize a transaction, and wire.ts refuses to parse one as such.
 * The spec's envelope (signature count ‖ signatures ‖ message) is produced for the preamble layout.
 *
 * Trusts the signer and noble (verification). Pure.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base64 } from '@scure/base';
import { CustodyError } from '../../../../shared/errors.js';
import type { Ed25519Signer } from '../signer.js';
import { encodeAddress, solanaAddress } from './address.js';

export type OffchainLayout = 'preamble' | 'solana-cli';
export type OffchainFormat = 0 | 1 | 2;

export const SIGNING_DOMAIN = Uint8Array.from([0xff, ...new TextEncoder().encode('solana offchain')]);
const PACKET_DATA_SIZE = 1232;
const MAX_EXTENDED = 0xffff;
const CLI_HEADER = SIGNING_DOMAIN.length + 1 + 1 + 2;

export interface OffchainMessageOptions {
  readonly layout?: OffchainLayout;
  /** Preamble layout: 32 bytes naming the requesting application (default: all zero). */
  readonly applicationDomain?: Uint8Array;
  /** Preamble layout: every signer's public key (default: the signing key alone). */
  readonly signers?: readonly Uint8Array[];
  /** Message format; default: the most restrictive one the body fits. */
  readonly format?: OffchainFormat;
}

export interface OffchainMessageSummary {
  readonly layout: OffchainLayout;
  readonly version: 0;
  readonly format: OffchainFormat;
  readonly formatName: 'restricted ASCII' | 'UTF-8 (1232-byte limit)' | 'UTF-8 (extended)';
  /** Base58, as the spec says to show it (preamble layout only). */
  readonly applicationDomain: string | null;
  readonly signers: readonly string[];
  /** The body as text (every format is ASCII or UTF-8). */
  readonly text: string;
  readonly length: number;
}

export interface SignedOffchainMessage {
  /** The serialized message that was signed. */
  readonly message: Uint8Array;
  readonly signature: Uint8Array;
  readonly signatureBase58: string;
  /** Preamble layout: the spec's envelope with our signature in our slot, others zero. */
  readonly envelope: Uint8Array | null;
  readonly envelopeBase64: string | null;
  readonly summary: OffchainMessageSummary;
}

const FORMAT_NAMES = ['restricted ASCII', 'UTF-8 (1232-byte limit)', 'UTF-8 (extended)'] as const;

/** Serialize an off-chain message. INVALID_INPUT when the body does not fit its format. */
export function encodeOffchainMessage(body: string | Uint8Array, options: OffchainMessageOptions & { readonly signers?: readonly Uint8Array[] } = {}): Uint8Array {
  const layout = options.layout ?? 'preamble';
  const bytes = bodyBytes(body);
  if (bytes.length === 0) throw new CustodyError('INVALID_INPUT', 'an off-chain message body must not be empty');
  if (layout === 'solana-cli') {
    const format = options.format ?? pickFormat(bytes, CLI_HEADER);
    checkBody(bytes, format, CLI_HEADER);
    return concat(SIGNING_DOMAIN, Uint8Array.of(0, format, bytes.length & 0xff, bytes.length >> 8), bytes);
  }
  if (layout !== 'preamble') throw new CustodyError('INVALID_INPUT', `unknown off-chain message layout: ${String(layout)}`);
  const domain = options.applicationDomain ?? new Uint8Array(32);
  if (!(domain instanceof Uint8Array) || domain.length !== 32) throw new CustodyError('INVALID_INPUT', 'an application domain is 32 bytes');
  const signers = options.signers ?? [];
  if (signers.length === 0 || signers.length > 255) throw new CustodyError('INVALID_INPUT', 'an off-chain message names 1 to 255 signers');
  for (const s of signers) solanaAddress(s);
  const preambleLength = SIGNING_DOMAIN.length + 1 + 32 + 1 + 1 + 32 * signers.length + 2;
  const format = options.format ?? pickFormat(bytes, preambleLength);
  checkBody(bytes, format, preambleLength);
  return concat(SIGNING_DOMAIN, Uint8Array.of(0), domain, Uint8Array.of(format, signers.length), ...signers, Uint8Array.of(bytes.length & 0xff, bytes.length >> 8), bytes);
}

/** Parse and check a serialized off-chain message; INVALID_INPUT for anything the spec rejects. */
export function decodeOffchainMessage(message: Uint8Array, layout: OffchainLayout = 'preamble'): OffchainMessageSummary {
  if (!(message instanceof Uint8Array)) throw new CustodyError('INVALID_INPUT', 'an off-chain message is bytes');
  const at = (i: number): number => {
    const b = message[i];
    if (b === undefined) throw new CustodyError('INVALID_INPUT', 'malformed off-chain message: truncated');
    return b;
  };
  for (let i = 0; i < SIGNING_DOMAIN.length; i++) if (at(i) !== SIGNING_DOMAIN[i]) throw new CustodyError('INVALID_INPUT', 'not a Solana off-chain message (signing domain)');
  if (at(16) !== 0) throw new CustodyError('INVALID_INPUT', `off-chain message header version ${at(16)} is not supported (only 0)`);
  let offset: number;
  let format: number;
  let applicationDomain: string | null = null;
  const signers: string[] = [];
  if (layout === 'solana-cli') {
    format = at(17);
    offset = 18;
  } else {
    for (let i = 17; i < 49; i++) at(i);
    applicationDomain = encodeAddress(message.slice(17, 49));
    format = at(49);
    const count = at(50);
    if (count === 0) throw new CustodyError('INVALID_INPUT', 'malformed off-chain message: no signers');
    offset = 51;
    for (let i = 0; i < count; i++) {
      at(offset + 31);
      signers.push(encodeAddress(message.slice(offset, offset + 32)));
      offset += 32;
    }
  }
  const length = at(offset) | (at(offset + 1) << 8);
  offset += 2;
  if (format !== 0 && format !== 1 && format !== 2) throw new CustodyError('INVALID_INPUT', `unknown off-chain message format ${format}`);
  if (message.length !== offset + length) throw new CustodyError('INVALID_INPUT', 'malformed off-chain message: the length does not match the body');
  const body = message.slice(offset);
  if (body.length === 0) throw new CustodyError('INVALID_INPUT', 'an off-chain message body must not be empty');
  checkBody(body, format, offset);
  return {
    layout,
    version: 0,
    format,
    formatName: FORMAT_NAMES[format],
    applicationDomain,
    signers,
    text: new TextDecoder('utf-8', { fatal: true }).decode(body),
    length: body.length,
  };
}

/** Serialize `body` as an off-chain message and sign it with `signer` (listed as a signer). */
export function signOffchainMessage(signer: Ed25519Signer, body: string | Uint8Array, options: OffchainMessageOptions = {}): SignedOffchainMessage {
  const layout = options.layout ?? 'preamble';
  const signers = options.signers ?? [signer.publicKey];
  const message = encodeOffchainMessage(body, { ...options, layout, signers });
  return signSerializedOffchainMessage(signer, message, layout);
}

/** Sign an already-serialized off-chain message, after checking it fully and that `signer` is one of its signers. */
export function signSerializedOffchainMessage(signer: Ed25519Signer, message: Uint8Array, layout: OffchainLayout = 'preamble'): SignedOffchainMessage {
  const summary = decodeOffchainMessage(message, layout);
  const address = solanaAddress(signer.publicKey);
  const slot = summary.signers.indexOf(address);
  if (layout === 'preamble' && slot < 0) throw new CustodyError('INVALID_INPUT', `${address} is not one of this message's signers`);
  const signature = signer.sign(message);
  if (!verifyOffchainMessage(message, signature, signer.publicKey, layout)) throw new CustodyError('INTERNAL', 'the signer returned an Ed25519 signature that does not verify');
  let envelope: Uint8Array | null = null;
  if (layout === 'preamble') {
    const sigs = summary.signers.map((_, i) => (i === slot ? signature : new Uint8Array(64)));
    envelope = concat(Uint8Array.of(sigs.length), ...sigs, message);
  }
  return { message, signature, signatureBase58: encodeAddress(signature), envelope, envelopeBase64: envelope === null ? null : base64.encode(envelope), summary };
}

/** Whether `signature` is `publicKey`'s strict Ed25519 signature of a well-formed off-chain `message`. */
export function verifyOffchainMessage(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array, layout: OffchainLayout = 'preamble'): boolean {
  try {
    decodeOffchainMessage(message, layout);
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

function pickFormat(body: Uint8Array, headerLength: number): OffchainFormat {
  if (headerLength + body.length <= PACKET_DATA_SIZE) return isRestrictedAscii(body) ? 0 : 1;
  return 2;
}

function checkBody(body: Uint8Array, format: number, headerLength: number): void {
  const total = headerLength + body.length;
  if (format === 0 && !isRestrictedAscii(body)) throw new CustodyError('INVALID_INPUT', 'format 0 allows printable ASCII only (0x20–0x7e)');
  if (format !== 0) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch (cause) {
      throw new CustodyError('INVALID_INPUT', 'the message body is not valid UTF-8', { cause });
    }
  }
  const max = format === 2 ? MAX_EXTENDED : PACKET_DATA_SIZE;
  if (total > max) throw new CustodyError('INVALID_INPUT', `format ${format} allows ${max - headerLength} body bytes here, not ${body.length}`);
}

function isRestrictedAscii(body: Uint8Array): boolean {
  return body.every((b) => b >= 0x20 && b <= 0x7e);
}

function bodyBytes(body: string | Uint8Array): Uint8Array {
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  throw new CustodyError('INVALID_INPUT', 'an off-chain message body is a string or bytes');
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
