/**
 * @module core/recovery/shares
 * Shamir M-of-N shares of the vault's master key, and their printable forms.
 *
 * The arithmetic is `shamir-secret-sharing` (Privy's, independently audited): GF(2^8) with the
 * AES polynomial, one random polynomial per secret byte, each coefficient a full byte from the
 * CSPRNG — zero included, so no coefficient bias (README "Recovery"; RUSTSEC-2024-0398 was a
 * crate that drew them from 1..255). We add only the envelope around its output:
 *
 *   byte 0      format version (1)
 *   byte 1      threshold M
 *   byte 2      share number i (1..N, what the holder reads on paper)
 *   byte 3      share count N
 *   bytes 4-7   split id: random per split, so shares of two splits are never mixed
 *   bytes 8-15  fingerprint of the master key (Vault.masterKeyFingerprint: one-way), so shares
 *               of another vault are named as such
 *   bytes 16-48 the library's share: 32 y bytes, then its x coordinate
 *   bytes 49-52 checksum: the first 4 bytes of SHA-256("custos/v1/recovery-share" || bytes 0-48)
 *
 * 53 bytes = 424 bits, printed either as RFC 4648 base32 (no padding) in groups of four behind a
 * readable label, `CUSTOS-2-3of5-XXXX-XXXX-…` (share 2, any 3 of 5), or as 39 BIP-39 English
 * words (11 bits a word, RFC-less but the list people already write on paper; the last word
 * carries 5 zero pad bits). The label is a convenience and must agree with the bytes.
 *
 * Errors name the share by its position in the input ("share 3: …"), never its content: a
 * share is a third of a secret. Trusts the library for the arithmetic; trusts nothing it parses.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import { CustodyError } from '../../../shared/errors.js';
import { bip39Wordlist } from '../chains/hd/bip39.js';

export const SHARE_FORMAT_VERSION = 1;
/** More than 16 pieces of paper is an operational mistake, not a stronger scheme. */
export const MAX_SHARES = 16;
export const SHARE_FORMATS = ['words', 'base32'] as const;
export type ShareFormat = (typeof SHARE_FORMATS)[number];

const SECRET_BYTES = 32;
const HEADER_BYTES = 16;
const CHECKSUM_BYTES = 4;
const BODY_BYTES = HEADER_BYTES + SECRET_BYTES + 1;
const SHARE_BYTES = BODY_BYTES + CHECKSUM_BYTES;
const WORD_COUNT = Math.ceil((SHARE_BYTES * 8) / 11);
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** One share as printed; the strings are the share (JavaScript cannot wipe them — print, then drop). */
export interface PrintedShare {
  readonly number: number;
  readonly total: number;
  readonly threshold: number;
  readonly base32: string;
  readonly words: string;
}

export interface ParsedShare {
  readonly version: number;
  readonly threshold: number;
  readonly number: number;
  readonly total: number;
  readonly splitId: string;
  readonly fingerprint: string;
  /** The library's share: y bytes then x. */
  readonly point: Uint8Array;
}

export interface SplitResult {
  readonly splitId: string;
  readonly shares: PrintedShare[];
}

/** Throws INVALID_INPUT unless 2 ≤ threshold ≤ shares ≤ MAX_SHARES. */
export function assertSplitParameters(shares: number, threshold: number): void {
  if (!Number.isSafeInteger(shares) || shares < 2 || shares > MAX_SHARES) throw new CustodyError('INVALID_INPUT', `the number of shares is 2 to ${MAX_SHARES}`);
  if (!Number.isSafeInteger(threshold) || threshold < 2 || threshold > shares) {
    throw new CustodyError('INVALID_INPUT', `the threshold is 2 to the number of shares (${shares}): a threshold of 1 would make every share a copy of the key`);
  }
}

/**
 * Split a 32-byte master key into `shares` shares, any `threshold` of which rebuild it.
 * `fingerprint` is Vault.masterKeyFingerprint (8 bytes); `random` gives the split id.
 */
export async function splitMasterKey(master: Uint8Array, options: { shares: number; threshold: number; fingerprint: Uint8Array; random: (n: number) => Uint8Array }): Promise<SplitResult> {
  assertSplitParameters(options.shares, options.threshold);
  if (master.length !== SECRET_BYTES) throw new CustodyError('INTERNAL', 'the master key is not 32 bytes');
  if (options.fingerprint.length !== 8) throw new CustodyError('INTERNAL', 'a master-key fingerprint is 8 bytes');
  const splitId = options.random(4);
  const points = await split(master, options.shares, options.threshold);
  try {
    const shares = points.map((point, index) => {
      const bytes = new Uint8Array(SHARE_BYTES);
      try {
        bytes.set([SHARE_FORMAT_VERSION, options.threshold, index + 1, options.shares], 0);
        bytes.set(splitId, 4);
        bytes.set(options.fingerprint, 8);
        bytes.set(point, HEADER_BYTES);
        bytes.set(checksum(bytes.subarray(0, BODY_BYTES)), BODY_BYTES);
        return { number: index + 1, total: options.shares, threshold: options.threshold, base32: toBase32Share(bytes), words: toWords(bytes) };
      } finally {
        bytes.fill(0);
      }
    });
    return { splitId: hex(splitId), shares };
  } finally {
    for (const point of points) point.fill(0);
  }
}

/**
 * Parse one share in either printed form. `position` (1-based, in the caller's input) names the
 * share in errors: its own number cannot be trusted until its checksum holds.
 */
export function parseShare(text: string, position: number): ParsedShare {
  const where = `share ${position}`;
  const trimmed = text.trim();
  if (trimmed === '') throw invalid(where, 'is empty');
  const bytes = /^custos-/i.test(trimmed) ? fromBase32Share(trimmed, where) : fromWords(trimmed, where);
  try {
    if (!timingSafeEqual(checksum(bytes.subarray(0, BODY_BYTES)), bytes.subarray(BODY_BYTES))) throw invalid(where, 'checksum does not match (a character or word is wrong)');
    const [version, threshold, number, total] = [bytes[0] as number, bytes[1] as number, bytes[2] as number, bytes[3] as number];
    if (version !== SHARE_FORMAT_VERSION) throw invalid(where, `is format ${version}; this version of Custos reads format ${SHARE_FORMAT_VERSION}`);
    if (total < 2 || total > MAX_SHARES || threshold < 2 || threshold > total || number < 1 || number > total || bytes[BODY_BYTES - 1] === 0) throw invalid(where, 'is not a valid share');
    if (/^custos-/i.test(trimmed)) {
      const label = /^custos-(\d+)-(\d+)of(\d+)[-\s]/i.exec(trimmed);
      if (label === null || Number(label[1]) !== number || Number(label[2]) !== threshold || Number(label[3]) !== total) {
        throw invalid(where, `its label does not match its contents (share ${number}, any ${threshold} of ${total})`);
      }
    }
    return { version, threshold, number, total, splitId: hex(bytes.subarray(4, 8)), fingerprint: hex(bytes.subarray(8, 16)), point: Uint8Array.from(bytes.subarray(HEADER_BYTES, BODY_BYTES)) };
  } finally {
    bytes.fill(0);
  }
}

/**
 * Rebuild the secret from parsed shares (in input order). Refuses, naming the share: shares of
 * different splits or vaults, repeats, and fewer than the threshold — the library would return
 * a wrong key for too few shares rather than fail. The caller wipes the result and still checks
 * it against the vault (Vault.isMasterKey).
 */
export async function combineShares(shares: readonly ParsedShare[]): Promise<{ secret: Uint8Array; threshold: number; total: number; fingerprint: string; splitId: string }> {
  const first = shares[0];
  if (first === undefined) throw new CustodyError('INVALID_INPUT', 'no shares given');
  const byNumber = new Map<number, number>();
  const byX = new Map<number, number>();
  shares.forEach((s, i) => {
    const where = `share ${i + 1}`;
    if (s.fingerprint !== first.fingerprint) throw invalid(where, 'belongs to a different vault (or master key) than share 1');
    if (s.splitId !== first.splitId || s.threshold !== first.threshold || s.total !== first.total) throw invalid(where, 'is from a different split than share 1 (shares of two splits cannot be combined)');
    const x = s.point[SECRET_BYTES] as number;
    const earlier = byNumber.get(s.number) ?? byX.get(x);
    if (earlier !== undefined) throw invalid(where, `repeats share ${earlier} of the input (share ${s.number} of ${s.total})`);
    byNumber.set(s.number, i + 1);
    byX.set(x, i + 1);
  });
  if (shares.length < first.threshold) {
    throw new CustodyError('INVALID_INPUT', `${first.threshold} shares are needed (any ${first.threshold} of ${first.total}); ${shares.length} given`);
  }
  const secret = await combine(shares.map((s) => s.point));
  return { secret, threshold: first.threshold, total: first.total, fingerprint: first.fingerprint, splitId: first.splitId };
}

function checksum(body: Uint8Array): Buffer {
  return createHash('sha256').update('custos/v1/recovery-share').update(body).digest().subarray(0, CHECKSUM_BYTES);
}

function invalid(where: string, what: string): CustodyError {
  return new CustodyError('INVALID_INPUT', `${where}: ${what}`, { details: { share: Number(where.slice('share '.length)) } });
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

// ---------------------------------------------------------------- base32 (RFC 4648 §6, no padding)

function toBase32Share(bytes: Uint8Array): string {
  const groups = base32Encode(bytes).match(/.{1,4}/g) ?? [];
  return `CUSTOS-${bytes[2]}-${bytes[1]}of${bytes[3]}-${groups.join('-')}`;
}

function fromBase32Share(text: string, where: string): Uint8Array {
  const label = /^custos-\d+-\d+of\d+[-\s]/i.exec(text);
  if (label === null) throw invalid(where, 'does not start with a label like CUSTOS-1-3of5-');
  const body = text.slice(label[0].length).replace(/[\s-]/g, '').toUpperCase();
  const expected = Math.ceil((SHARE_BYTES * 8) / 5);
  if (body.length !== expected) throw invalid(where, `has ${body.length} base32 characters after its label; a share has ${expected}`);
  const bad = [...body].findIndex((c) => !BASE32.includes(c));
  if (bad !== -1) throw invalid(where, `character ${bad + 1} after the label is not base32 (A-Z, 2-7)`);
  const bytes = base32Decode(body, SHARE_BYTES);
  if (bytes === undefined) throw invalid(where, 'checksum does not match (a character or word is wrong)');
  return bytes;
}

function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(acc << (5 - bits)) & 31];
  return out;
}

/** The bytes, or undefined when the pad bits of the last character are not zero (one encoding per share). */
function base32Decode(text: string, length: number): Uint8Array | undefined {
  const out = new Uint8Array(length);
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (const c of text) {
    acc = ((acc << 5) | BASE32.indexOf(c)) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      if (n < length) out[n] = (acc >>> (bits - 8)) & 0xff;
      n += 1;
      bits -= 8;
    }
  }
  return (acc & ((1 << bits) - 1)) === 0 ? out : undefined;
}

// ---------------------------------------------------------------- BIP-39 English words, 11 bits each

function toWords(bytes: Uint8Array): string {
  const list = bip39Wordlist('english');
  const words: string[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xfffff;
    bits += 8;
    if (bits >= 11) {
      words.push(list[(acc >>> (bits - 11)) & 0x7ff] as string);
      bits -= 11;
    }
  }
  if (bits > 0) words.push(list[(acc << (11 - bits)) & 0x7ff] as string);
  return words.join(' ');
}

function fromWords(text: string, where: string): Uint8Array {
  const list = bip39Wordlist('english');
  const words = text.normalize('NFKD').toLowerCase().split(/\s+/u);
  if (words.length !== WORD_COUNT) throw invalid(where, `has ${words.length} words; a share has ${WORD_COUNT} (or is base32 starting with CUSTOS-)`);
  const out = new Uint8Array(SHARE_BYTES);
  let acc = 0;
  let bits = 0;
  let n = 0;
  words.forEach((word, i) => {
    const index = list.indexOf(word);
    // The word itself is not repeated: it is most of the way to the right one.
    if (index === -1) throw invalid(where, `word ${i + 1} is not in the BIP-39 English wordlist`);
    acc = ((acc << 11) | index) & 0xfffff;
    bits += 11;
    while (bits >= 8) {
      if (n < SHARE_BYTES) out[n] = (acc >>> (bits - 8)) & 0xff;
      n += 1;
      bits -= 8;
    }
  });
  // The last word's pad bits must be zero, so that each share has one spelling.
  if ((acc & ((1 << bits) - 1)) !== 0) throw invalid(where, 'checksum does not match (a character or word is wrong)');
  return out;
}
