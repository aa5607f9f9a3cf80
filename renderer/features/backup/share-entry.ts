/**
 * @module renderer/features/backup/share-entry
 * What the recover wizard can tell about a share while it is typed, before anything is sent:
 * which printed form it is (39 BIP-39 words, or base32 behind `CUSTOS-<i>-<M>of<N>-`), whether
 * its checksum holds, and then its number and the M of N it belongs to — so the operator knows
 * how many fields to fill and sees a mistyped word at once. The same layout core/recovery/shares
 * writes (53 bytes: version, M, i, N, split id, fingerprint, point, 4-byte checksum =
 * SHA-256("custos/v1/recovery-share" ‖ bytes 0-48)[0..4]).
 *
 * This is a convenience: the core parses and checks every share again and is the only judge.
 * Nothing here keeps a share; the decoded bytes are wiped after reading the header.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { wordlist } from '@scure/bip39/wordlists/english.js';

const SHARE_BYTES = 53;
const BODY_BYTES = 49;
export const SHARE_WORDS = Math.ceil((SHARE_BYTES * 8) / 11);
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const DOMAIN = new TextEncoder().encode('custos/v1/recovery-share');
let wordIndex: Map<string, number> | undefined;

export type ShareCheck =
  | { readonly kind: 'empty' }
  /** Still being typed, or not a share: `problem` says what is off, if something is. */
  | { readonly kind: 'partial'; readonly form: 'words' | 'base32' | 'unknown'; readonly problem?: string; readonly words?: number }
  | { readonly kind: 'bad'; readonly problem: string }
  | { readonly kind: 'ok'; readonly number: number; readonly threshold: number; readonly total: number; readonly splitId: string; readonly fingerprint: string };

/** Collapse what pasting from paper or a PDF brings in: newlines, numbering (`1.`), extra spaces. */
export function normalizeShare(text: string): string {
  const t = text.trim();
  if (/^custos-/iu.test(t)) return t.replace(/\s+/gu, '').toUpperCase();
  return t
    .toLowerCase()
    .replace(/\b\d+[.)]\s*/gu, ' ')
    .split(/[^a-z]+/u)
    .filter((w) => w !== '')
    .join(' ');
}

export function checkShare(text: string): ShareCheck {
  const t = normalizeShare(text);
  if (t === '') return { kind: 'empty' };
  let bytes: Uint8Array | undefined;
  if (/^custos-/iu.test(t)) {
    const m = /^CUSTOS-(\d+)-(\d+)OF(\d+)-([A-Z2-7-]*)$/u.exec(t);
    if (m === null) return { kind: 'partial', form: 'base32', problem: 'expected CUSTOS-<share>-<M>of<N>- and base32 groups' };
    const body = (m[4] ?? '').replaceAll('-', '');
    if (body.length < Math.ceil((SHARE_BYTES * 8) / 5)) return { kind: 'partial', form: 'base32' };
    if (body.length > Math.ceil((SHARE_BYTES * 8) / 5)) return { kind: 'bad', problem: 'too many characters for a share' };
    bytes = fromBase32(body);
    const label = { number: Number(m[1]), threshold: Number(m[2]), total: Number(m[3]) };
    const r = readShare(bytes);
    if (r.kind === 'ok' && (r.number !== label.number || r.threshold !== label.threshold || r.total !== label.total)) return { kind: 'bad', problem: `its label does not match its contents (share ${r.number}, any ${r.threshold} of ${r.total})` };
    return r;
  }
  const words = t.split(' ');
  wordIndex ??= new Map(wordlist.map((w, i) => [w, i]));
  const unknown = words.findIndex((w) => !wordIndex?.has(w));
  // The last word may still be being typed.
  if (unknown >= 0 && !(unknown === words.length - 1 && words.length < SHARE_WORDS && wordlist.some((w) => w.startsWith(words[unknown] as string)))) {
    return { kind: 'partial', form: words.length > 1 ? 'words' : 'unknown', problem: `word ${unknown + 1} (“${words[unknown]}”) is not a BIP-39 word`, words: words.length };
  }
  if (words.length < SHARE_WORDS) return { kind: 'partial', form: 'words', words: words.length };
  if (words.length > SHARE_WORDS) return { kind: 'bad', problem: `${words.length} words: a share has ${SHARE_WORDS}` };
  bytes = fromWords(words.map((w) => wordIndex?.get(w) ?? 0));
  return readShare(bytes);
}

/** How the checked shares fit together: how many are needed, which are duplicates or of another split. */
export function sharesSummary(checks: readonly ShareCheck[]): { readonly valid: number; readonly needed: number | undefined; readonly problem: string | undefined } {
  const ok = checks.flatMap((c, i) => (c.kind === 'ok' ? [{ ...c, position: i + 1 }] : []));
  const first = ok[0];
  if (first === undefined) return { valid: 0, needed: undefined, problem: undefined };
  for (const c of ok.slice(1)) {
    if (c.splitId !== first.splitId || c.fingerprint !== first.fingerprint) return { valid: ok.length, needed: first.threshold, problem: `share ${c.position} is from another split than share ${first.position}` };
  }
  const seen = new Map<number, number>();
  for (const c of ok) {
    const before = seen.get(c.number);
    if (before !== undefined) return { valid: ok.length, needed: first.threshold, problem: `share ${c.position} repeats share ${before} (both are number ${c.number})` };
    seen.set(c.number, c.position);
  }
  return { valid: ok.length, needed: first.threshold, problem: undefined };
}

function readShare(bytes: Uint8Array): ShareCheck {
  try {
    const sum = sha256(concat(DOMAIN, bytes.subarray(0, BODY_BYTES))).subarray(0, 4);
    if (!sum.every((b, i) => b === bytes[BODY_BYTES + i])) return { kind: 'bad', problem: 'checksum does not match (a word or character is wrong)' };
    const [version, threshold, number, total] = [bytes[0] ?? 0, bytes[1] ?? 0, bytes[2] ?? 0, bytes[3] ?? 0];
    if (version !== 1) return { kind: 'bad', problem: `share format ${version}; this version reads format 1` };
    if (total < 2 || threshold < 2 || threshold > total || number < 1 || number > total) return { kind: 'bad', problem: 'not a valid share' };
    return { kind: 'ok', number, threshold, total, splitId: hex(bytes.subarray(4, 8)), fingerprint: hex(bytes.subarray(8, 16)) };
  } finally {
    bytes.fill(0);
  }
}

function fromWords(indices: readonly number[]): Uint8Array {
  const out = new Uint8Array(SHARE_BYTES);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const i of indices) {
    acc = ((acc << 11) | i) & 0xffffff;
    bits += 11;
    while (bits >= 8 && o < SHARE_BYTES) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

function fromBase32(text: string): Uint8Array {
  const out = new Uint8Array(SHARE_BYTES);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (const ch of text) {
    acc = ((acc << 5) | BASE32.indexOf(ch)) & 0xffff;
    bits += 5;
    if (bits >= 8 && o < SHARE_BYTES) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
