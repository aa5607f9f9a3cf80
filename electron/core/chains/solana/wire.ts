/**
 * @module core/chains/solana/wire
 * The Solana transaction wire format, parsed and re-serialized here (no Solana SDK in Custos):
 *
 *   transaction = shortvec(signature count) ‖ 64-byte signatures ‖ message
 *   message     = [0x80 | version]   (v0 only; absent for legacy — the first byte then is the
 *                                     header's signature count, whose top bit is never set)
 *                 header (num_required_signatures, num_readonly_signed, num_readonly_unsigned: u8)
 *                 shortvec(n) ‖ n × 32-byte static account keys
 *                 32-byte recent blockhash (or durable nonce)
 *                 shortvec(m) ‖ m × instruction (program index u8, shortvec(k) ‖ k × account
 *                                                 index u8, shortvec(d) ‖ d data bytes)
 *                 v0 only: shortvec(l) ‖ l × lookup (32-byte table, shortvec(w) ‖ w × u8
 *                                                     writable, shortvec(r) ‖ r × u8 readonly)
 *
 * "shortvec" is compact-u16: 7 bits per byte, little-endian, high bit = more, at most 3 bytes,
 * canonical (no trailing zero byte), value ≤ 0xffff (solana-short-vec).
 *
 * After the layout comes sanitization, as the runtime does it (solana-message `Message::sanitize`
 * and `v0::Message::sanitize`, `VersionedTransaction::sanitize`): header counts within the keys,
 * a writable fee payer, program ids static and never the fee payer, account indexes in range, at
 * most 256 accounts, every lookup table used, one signature slot per required signer, no
 * duplicate static keys. Anything else is INVALID_INPUT. Untrusted input; pure.
 */
import { hex } from '@scure/base';
import { CustodyError } from '../../../../shared/errors.js';

export type SolanaMessageVersion = 'legacy' | 0;

export interface MessageHeader {
  readonly numRequiredSignatures: number;
  readonly numReadonlySignedAccounts: number;
  readonly numReadonlyUnsignedAccounts: number;
}

export interface CompiledInstruction {
  readonly programIdIndex: number;
  readonly accountIndexes: readonly number[];
  readonly data: Uint8Array;
}

export interface AddressTableLookup {
  readonly accountKey: Uint8Array;
  readonly writableIndexes: readonly number[];
  readonly readonlyIndexes: readonly number[];
}

export interface SolanaMessage {
  readonly version: SolanaMessageVersion;
  readonly header: MessageHeader;
  readonly staticAccountKeys: readonly Uint8Array[];
  readonly recentBlockhash: Uint8Array;
  readonly instructions: readonly CompiledInstruction[];
  /** Empty for legacy messages. */
  readonly addressTableLookups: readonly AddressTableLookup[];
}

export interface SolanaTransaction {
  readonly signatures: readonly Uint8Array[];
  readonly message: SolanaMessage;
  /** The exact message bytes the signatures cover. */
  readonly messageBytes: Uint8Array;
}

const MAX_ACCOUNTS = 256;

class Reader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  u8(what: string): number {
    const b = this.bytes[this.offset];
    if (b === undefined) throw malformed(`truncated: ${what}`);
    this.offset++;
    return b;
  }

  take(n: number, what: string): Uint8Array {
    if (this.offset + n > this.bytes.length) throw malformed(`truncated: ${what}`);
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** compact-u16 (solana-short-vec): canonical, ≤ 3 bytes, ≤ 0xffff. */
  shortvec(what: string): number {
    let value = 0;
    for (let i = 0; i < 3; i++) {
      const b = this.u8(what);
      value |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) {
        if (i > 0 && b === 0) throw malformed(`non-canonical length encoding: ${what}`);
        if (value > 0xffff) throw malformed(`length out of range: ${what}`);
        return value;
      }
      if (i === 2) throw malformed(`length longer than 3 bytes: ${what}`);
    }
    throw malformed(`bad length: ${what}`);
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }
}

function malformed(message: string): CustodyError {
  return new CustodyError('INVALID_INPUT', `malformed Solana transaction: ${message}`);
}

/** compact-u16 encoding (solana-short-vec). */
export function encodeShortvec(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new CustodyError('INVALID_INPUT', `shortvec value out of range: ${n}`);
  const out: number[] = [];
  let v = n;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if (v === 0) {
      out.push(b);
      return Uint8Array.from(out);
    }
    out.push(b | 0x80);
  }
}

/**
 * Parse the message layout only, with no sanity checks (`Unsafe`): for tests and tools that must
 * see a structurally well-formed but invalid message. Everything that signs uses `parseMessage`.
 */
export function parseMessageUnsafe(bytes: Uint8Array): SolanaMessage {
  const r = new Reader(bytes);
  const first = r.u8('message');
  let version: SolanaMessageVersion = 'legacy';
  let numRequiredSignatures = first;
  if ((first & 0x80) !== 0) {
    const v = first & 0x7f;
    if (v !== 0) throw malformed(`message version ${v} is not supported (only legacy and v0)`);
    version = 0;
    numRequiredSignatures = r.u8('header');
  }
  const header: MessageHeader = { numRequiredSignatures, numReadonlySignedAccounts: r.u8('header'), numReadonlyUnsignedAccounts: r.u8('header') };
  const keyCount = r.shortvec('account key count');
  const staticAccountKeys: Uint8Array[] = [];
  for (let i = 0; i < keyCount; i++) staticAccountKeys.push(r.take(32, 'account keys'));
  const recentBlockhash = r.take(32, 'recent blockhash');
  const instructionCount = r.shortvec('instruction count');
  const instructions: CompiledInstruction[] = [];
  for (let i = 0; i < instructionCount; i++) {
    const programIdIndex = r.u8(`instruction ${i}`);
    const n = r.shortvec(`instruction ${i} accounts`);
    const accountIndexes = Array.from(r.take(n, `instruction ${i} accounts`));
    const dataLength = r.shortvec(`instruction ${i} data`);
    instructions.push({ programIdIndex, accountIndexes, data: r.take(dataLength, `instruction ${i} data`) });
  }
  const addressTableLookups: AddressTableLookup[] = [];
  if (version === 0) {
    const lookupCount = r.shortvec('lookup count');
    for (let i = 0; i < lookupCount; i++) {
      const accountKey = r.take(32, `lookup ${i}`);
      const writableIndexes = Array.from(r.take(r.shortvec(`lookup ${i} writable`), `lookup ${i} writable`));
      const readonlyIndexes = Array.from(r.take(r.shortvec(`lookup ${i} readonly`), `lookup ${i} readonly`));
      addressTableLookups.push({ accountKey, writableIndexes, readonlyIndexes });
    }
  }
  if (r.remaining !== 0) throw malformed(`${r.remaining} trailing bytes after the message`);
  return { version, header, staticAccountKeys, recentBlockhash, instructions, addressTableLookups };
}

/** Parse and sanitize a message as the runtime would; INVALID_INPUT for anything it would reject. */
export function parseMessage(bytes: Uint8Array): SolanaMessage {
  const message = parseMessageUnsafe(bytes);
  sanitizeMessage(message);
  return message;
}

/** Parse and sanitize a whole transaction (signatures + message). */
export function parseTransaction(bytes: Uint8Array): SolanaTransaction {
  if (!(bytes instanceof Uint8Array)) throw new CustodyError('INVALID_INPUT', 'a Solana transaction is bytes');
  const r = new Reader(bytes);
  const count = r.shortvec('signature count');
  const signatures: Uint8Array[] = [];
  for (let i = 0; i < count; i++) signatures.push(r.take(64, 'signatures'));
  const messageBytes = bytes.slice(r.position);
  const message = parseMessage(messageBytes);
  if (signatures.length !== message.header.numRequiredSignatures) {
    throw malformed(`${signatures.length} signature slots for ${message.header.numRequiredSignatures} required signers`);
  }
  return { signatures, message, messageBytes };
}

/** Wire bytes of a transaction: the signatures in front of the untouched message bytes. */
export function serializeTransaction(signatures: readonly Uint8Array[], messageBytes: Uint8Array): Uint8Array {
  const prefix = encodeShortvec(signatures.length);
  const out = new Uint8Array(prefix.length + 64 * signatures.length + messageBytes.length);
  out.set(prefix, 0);
  signatures.forEach((s, i) => {
    if (s.length !== 64) throw new CustodyError('INVALID_INPUT', 'a Solana signature is 64 bytes');
    out.set(s, prefix.length + 64 * i);
  });
  out.set(messageBytes, prefix.length + 64 * signatures.length);
  return out;
}

/** Serialize a message (for building test and tool messages; signing never re-serializes). */
export function serializeMessage(message: SolanaMessage): Uint8Array {
  const parts: Uint8Array[] = [];
  if (message.version === 0) parts.push(Uint8Array.of(0x80));
  const h = message.header;
  parts.push(Uint8Array.of(h.numRequiredSignatures, h.numReadonlySignedAccounts, h.numReadonlyUnsignedAccounts));
  parts.push(encodeShortvec(message.staticAccountKeys.length), ...message.staticAccountKeys, message.recentBlockhash);
  parts.push(encodeShortvec(message.instructions.length));
  for (const ix of message.instructions) {
    parts.push(Uint8Array.of(ix.programIdIndex), encodeShortvec(ix.accountIndexes.length), Uint8Array.from(ix.accountIndexes), encodeShortvec(ix.data.length), ix.data);
  }
  if (message.version === 0) {
    parts.push(encodeShortvec(message.addressTableLookups.length));
    for (const l of message.addressTableLookups) {
      parts.push(l.accountKey, encodeShortvec(l.writableIndexes.length), Uint8Array.from(l.writableIndexes), encodeShortvec(l.readonlyIndexes.length), Uint8Array.from(l.readonlyIndexes));
    }
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The runtime's message sanity checks (see module header). */
export function sanitizeMessage(m: SolanaMessage): void {
  const h = m.header;
  const staticCount = m.staticAccountKeys.length;
  if (h.numRequiredSignatures + h.numReadonlyUnsignedAccounts > staticCount) throw malformed('the header describes more accounts than the message has');
  // At least one writable signer: the fee payer.
  if (h.numReadonlySignedAccounts >= h.numRequiredSignatures) throw malformed('no writable fee payer (readonly signers ≥ required signers)');
  let dynamicCount = 0;
  for (const [i, l] of m.addressTableLookups.entries()) {
    const n = l.writableIndexes.length + l.readonlyIndexes.length;
    if (n === 0) throw malformed(`address table lookup ${i} loads no account`);
    dynamicCount += n;
  }
  const total = staticCount + dynamicCount;
  if (total > MAX_ACCOUNTS) throw malformed(`${total} accounts, more than ${MAX_ACCOUNTS}`);
  for (const [i, ix] of m.instructions.entries()) {
    // Program ids must be static keys (never loaded from a table) and never the fee payer.
    if (ix.programIdIndex >= staticCount) throw malformed(`instruction ${i}: program id index ${ix.programIdIndex} is not a static account`);
    if (ix.programIdIndex === 0) throw malformed(`instruction ${i}: the fee payer cannot be a program`);
    for (const a of ix.accountIndexes) if (a >= total) throw malformed(`instruction ${i}: account index ${a} out of range`);
  }
  const seen = new Set<string>();
  for (const k of m.staticAccountKeys) {
    const s = hex.encode(k);
    if (seen.has(s)) throw malformed('an account key appears twice');
    seen.add(s);
  }
}
