/**
 * @module core/audit/checkpoint
 * Signed tree heads of the audit log as C2SP tlog-checkpoint bodies (c2sp.org/tlog-checkpoint)
 * inside C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures (signature type 0x01),
 * the format of Go's sumdb, Trillian Tessera, Sigstore and the witness network:
 *
 *     custos.audit/<vault id>            origin
 *     1234                               tree size, decimal, no leading zeros
 *     <base64 of the 32-byte root>       RFC 9162 §2.1.1 Merkle tree head
 *                                        blank line
 *     — <key name> <base64(key ID[4] ‖ Ed25519 signature[64])>
 *
 * The signature covers the three body lines including the final newline, not the blank line.
 *
 * Trusts: nothing it parses. It holds no key: the caller passes `sign` / `verify` callbacks
 * bound to the audit key (the crypto engine), and the raw 32-byte public key used for the key
 * ID. The caller must bind both to the same key; this module cannot check that they match.
 * Parsing is strict (canonical decimal and base64, no extension lines, no stray bytes), so a
 * note that parses has exactly one spelling and re-serialises to the bytes that were signed.
 */
import { createHash } from 'node:crypto';
import { CustodyError } from '../../../shared/errors.js';
import { HASH_SIZE } from './merkle.js';

/** c2sp.org/signed-note §Signature types: 0x01 = Ed25519. */
const ED25519_SIGNATURE_TYPE = 0x01;
const ED25519_PUBLIC_KEY_SIZE = 32;
const ED25519_SIGNATURE_SIZE = 64;
const KEY_ID_SIZE = 4;
/** Em dash (U+2014) and a space open every signature line. */
const SIGNATURE_LINE_PREFIX = '\u2014 ';
/** Go's sumdb/note caps a note at 100 signatures; signed-note requires accepting at least 16. */
const MAX_SIGNATURES = 100;
/** Our notes are ~200 bytes; this bounds the work a hostile file can cause. */
const MAX_NOTE_LENGTH = 64 * 1024;

/** A checkpoint whose signature by the audit key has been verified. */
export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  /** The complete signed note, exactly as verified. */
  note: string;
}

/** One signature line of a note, not verified. */
export interface NoteSignature {
  name: string;
  /** The 4-byte key ID (big-endian uint32 in the spec). */
  keyHash: Uint8Array;
  signature: Uint8Array;
}

/** A parsed checkpoint note, signatures not yet verified. */
export interface ParsedCheckpoint {
  origin: string;
  size: number;
  root: Uint8Array;
  signatures: NoteSignature[];
}

/**
 * The checkpoint body, c2sp.org/tlog-checkpoint §Note text: origin, tree size, base64 root,
 * each ending in a newline.
 * @throws CustodyError INVALID_INPUT for an empty origin or one with a newline or other control
 *   character, a size that is not a non-negative safe integer, or a root that is not 32 bytes.
 */
export function checkpointBody(origin: string, size: number, root: Uint8Array): string {
  assertOrigin(origin);
  if (!Number.isSafeInteger(size) || size < 0) throw invalid('the tree size must be a non-negative safe integer');
  if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE) throw invalid(`the root hash must be ${HASH_SIZE} bytes`);
  return `${origin}\n${size}\n${toBase64(root)}\n`;
}

/**
 * The signed-note Ed25519 key ID: SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key)[:4]
 * (c2sp.org/signed-note §Ed25519 signatures).
 * @throws CustodyError INVALID_INPUT for an invalid key name or a public key that is not 32 bytes.
 */
export function keyHash(keyName: string, publicKey: Uint8Array): Uint8Array {
  assertKeyName(keyName);
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_SIZE) {
    throw invalid(`an Ed25519 public key must be ${ED25519_PUBLIC_KEY_SIZE} raw bytes`);
  }
  const digest = createHash('sha256')
    .update(new TextEncoder().encode(keyName))
    .update(Uint8Array.of(0x0a, ED25519_SIGNATURE_TYPE))
    .update(publicKey)
    .digest();
  return Uint8Array.from(digest.subarray(0, KEY_ID_SIZE));
}

/**
 * The verifier key a witness or monitor is given: `<name>+<hex key ID>+<base64(0x01 ‖ key)>`
 * (the vkey encoding of Go's sumdb/note, used by the transparency-dev tools).
 * @throws CustodyError INVALID_INPUT as keyHash.
 */
export function verifierKey(keyName: string, publicKey: Uint8Array): string {
  const id = keyHash(keyName, publicKey);
  const typed = new Uint8Array(1 + ED25519_PUBLIC_KEY_SIZE);
  typed[0] = ED25519_SIGNATURE_TYPE;
  typed.set(publicKey, 1);
  return `${keyName}+${toHex(id)}+${toBase64(typed)}`;
}

/**
 * Sign a checkpoint body: the body, a blank line, and one signature line
 * `— <name> base64(key ID ‖ signature)`. `sign` receives the UTF-8 bytes of the body (final
 * newline included) and must return a 64-byte Ed25519 signature by the key whose raw public
 * key is `publicKey`.
 * @throws CustodyError INVALID_INPUT if the body is not a valid checkpoint body (as parsed by
 *   parseCheckpoint: exactly three lines), the key name or key is invalid, or `sign` does not
 *   return 64 bytes.
 */
export function signCheckpoint(body: string, keyName: string, publicKey: Uint8Array, sign: (message: Uint8Array) => Uint8Array): string {
  parseBody(body);
  const id = keyHash(keyName, publicKey);
  const signature = sign(new TextEncoder().encode(body));
  if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_SIZE) {
    throw invalid(`the signer returned ${signature instanceof Uint8Array ? signature.length : 'no'} bytes; an Ed25519 signature is ${ED25519_SIGNATURE_SIZE}`);
  }
  const blob = new Uint8Array(KEY_ID_SIZE + ED25519_SIGNATURE_SIZE);
  blob.set(id, 0);
  blob.set(signature, KEY_ID_SIZE);
  return `${body}\n${SIGNATURE_LINE_PREFIX}${keyName} ${toBase64(blob)}\n`;
}

/**
 * Parse a signed checkpoint note without verifying any signature. Strict: valid UTF-8 text with
 * no control character but newline (signed-note §Format); the body is exactly origin, size and
 * root (extension lines are refused: custos never writes them, and a verifier that ignored them
 * would accept signed text it never shows); the text is separated from the signature lines by
 * the last blank line; each signature line is `— <name> <canonical base64 of ≥ 5 bytes>`;
 * at most 100 signatures.
 * @throws CustodyError INVALID_INPUT naming what is wrong.
 */
export function parseCheckpoint(note: string): ParsedCheckpoint {
  const { origin, size, root, signatures } = parseNote(note);
  return { origin, size, root, signatures };
}

/**
 * Parse `note` and verify it was signed by the Ed25519 key (`keyName`, `publicKey`). Signatures
 * by other keys (another name, or the same name with another key ID) are ignored, as
 * signed-note requires. Every signature line by this key must verify (signed-note: a failed
 * signature from a known key SHOULD reject the whole note); at least one must be present.
 * `verify(message, signature)` must check an Ed25519 signature by `publicKey`.
 * @throws CustodyError INVALID_INPUT for a malformed note or an invalid key name or key;
 *   TAMPERED when the note carries no signature by this key or a signature by it fails.
 */
export function verifyCheckpoint(
  note: string,
  keyName: string,
  publicKey: Uint8Array,
  verify: (message: Uint8Array, signature: Uint8Array) => boolean,
): Checkpoint {
  const id = keyHash(keyName, publicKey);
  const parsed = parseNote(note);
  const label = `${keyName}+${toHex(id)}`;
  const ours = parsed.signatures.filter((s) => s.name === keyName && bytesEqual(s.keyHash, id));
  if (ours.length === 0) throw new CustodyError('TAMPERED', `the checkpoint carries no signature by the key ${label}`);
  const message = new TextEncoder().encode(parsed.text);
  for (const s of ours) {
    if (s.signature.length !== ED25519_SIGNATURE_SIZE || !verify(message, s.signature)) {
      throw new CustodyError('TAMPERED', `the checkpoint signature by the key ${label} does not verify`);
    }
  }
  return { origin: parsed.origin, size: parsed.size, root: parsed.root, note };
}

// ------------------------------------------------------------------ internals

const DECIMAL = /^(0|[1-9][0-9]*)$/;
/** Standard base64 (RFC 4648 §4) with padding; canonical form is checked by re-encoding. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** A UTF-16 string with an unpaired surrogate has no UTF-8 encoding. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Unicode spaces (Go's unicode.IsSpace, plus U+FEFF, which JavaScript's \s includes) and plus. */
const NOT_IN_KEY_NAME = /[\s\u0085+]/;

function parseNote(note: string): ParsedCheckpoint & { text: string } {
  if (typeof note !== 'string') throw invalid('a checkpoint note must be text');
  if (note.length > MAX_NOTE_LENGTH) throw invalid(`the checkpoint note is longer than ${MAX_NOTE_LENGTH} characters`);
  assertNoteText(note, 'the checkpoint note');
  // signed-note §Format: the text is separated from the signatures by the last blank line.
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw invalid('the checkpoint note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '') throw invalid('the checkpoint note has no signature lines');
  if (!block.endsWith('\n')) throw invalid('the last signature line of the checkpoint note does not end in a newline');
  const { origin, size, root } = parseBody(text);
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw invalid(`the checkpoint note has more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line, i) => parseSignatureLine(line, i + 1));
  return { origin, size, root, signatures, text };
}

/** c2sp.org/tlog-checkpoint §Note text, without extension lines. */
function parseBody(body: string): { origin: string; size: number; root: Uint8Array } {
  if (typeof body !== 'string') throw invalid('a checkpoint body must be text');
  assertNoteText(body, 'the checkpoint body');
  if (!body.endsWith('\n')) throw invalid('the checkpoint body does not end in a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw invalid('the checkpoint body needs three lines: origin, tree size and root hash');
  if (lines.length > 3) throw invalid('the checkpoint body has extension lines, which custos does not accept');
  const [origin, sizeText, rootText] = lines as [string, string, string];
  assertOrigin(origin);
  if (!DECIMAL.test(sizeText)) throw invalid('the checkpoint tree size is not a decimal number without leading zeros');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw invalid('the checkpoint tree size is larger than 2^53 - 1');
  const root = fromBase64Strict(rootText);
  if (root === undefined) throw invalid('the checkpoint root hash is not canonical base64');
  if (root.length !== HASH_SIZE) throw invalid(`the checkpoint root hash is ${root.length} bytes, not ${HASH_SIZE}`);
  return { origin, size, root };
}

/** signed-note §Signatures: `— <key name> base64(key ID ‖ signature)`. */
function parseSignatureLine(line: string, number: number): NoteSignature {
  if (!line.startsWith(SIGNATURE_LINE_PREFIX)) throw invalid(`signature line ${number} does not start with an em dash (U+2014) and a space`);
  const rest = line.slice(SIGNATURE_LINE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) throw invalid(`signature line ${number} has no signature after the key name`);
  const name = rest.slice(0, space);
  if (!isValidKeyName(name)) throw invalid(`signature line ${number} has an invalid key name`);
  const bytes = fromBase64Strict(rest.slice(space + 1));
  if (bytes === undefined) throw invalid(`signature line ${number}: the signature is not canonical base64`);
  if (bytes.length <= KEY_ID_SIZE) throw invalid(`signature line ${number}: the signature is shorter than a key ID and a signature`);
  return { name, keyHash: bytes.slice(0, KEY_ID_SIZE), signature: bytes.slice(KEY_ID_SIZE) };
}

function assertNoteText(text: string, what: string): void {
  if (LONE_SURROGATE.test(text)) throw invalid(`${what} is not valid Unicode text (unpaired surrogate)`);
  if (hasControlCharacter(text)) throw invalid(`${what} contains a control character other than newline (a CR of CRLF line ends counts)`);
}

/** C0 controls except newline: signed-note §Format forbids them anywhere in a note. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
  }
  return false;
}

function assertOrigin(origin: string): void {
  if (typeof origin !== 'string' || origin === '') throw invalid('the checkpoint origin must not be empty');
  if (origin.includes('\n')) throw invalid('the checkpoint origin must not contain a newline');
  assertNoteText(origin, 'the checkpoint origin');
}

/** signed-note §Format: non-empty, no Unicode space, no '+'. */
function isValidKeyName(name: string): boolean {
  return typeof name === 'string' && name !== '' && !NOT_IN_KEY_NAME.test(name) && !hasControlCharacter(name) && !LONE_SURROGATE.test(name);
}

function assertKeyName(name: string): void {
  if (!isValidKeyName(name)) throw invalid('a key name must be non-empty, without spaces, control characters or "+"');
}

/** Decode standard base64 only in its one canonical spelling (padding present, zero pad bits). */
function fromBase64Strict(text: string): Uint8Array | undefined {
  if (text === '' || !BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return undefined;
  return Uint8Array.from(bytes);
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function invalid(message: string): CustodyError {
  return new CustodyError('INVALID_INPUT', message);
}
