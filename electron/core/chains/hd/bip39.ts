/**
 * @module core/chains/hd/bip39
 * BIP-39 mnemonic sentences: generation from caller-supplied entropy, import with wordlist and
 * checksum validation in the ten official languages (the wordlists @scure/bip39 ships, from the
 * bips repository), and the seed (BIP-39 §"From mnemonic to seed": PBKDF2-HMAC-SHA512, 2048
 * iterations, salt "mnemonic" + passphrase, both NFKD-normalised UTF-8).
 *
 * Choices worth knowing:
 *  - Import is forgiving about the shape of the text and strict about the words: NFKD, lower case,
 *    any run of whitespace (including U+3000, which NFKD turns into a space) separates words.
 *    Every word must be in one wordlist and the checksum (BIP-39 §"Generating the mnemonic":
 *    the first ENT/32 bits of SHA-256(entropy)) must match. The seed is computed from the
 *    canonical sentence (wordlist spelling, single separators), so "Abandon  abandon …" and
 *    "abandon abandon …" give the same seed.
 *  - The language is detected when not given: the first language in BIP39_LANGUAGES whose list
 *    holds every word and whose checksum matches. Chinese simplified and traditional share many
 *    characters; the seed does not depend on the language (it hashes the words), only the
 *    reported language and, rarely, the entropy can.
 *  - Errors name what is wrong and where (word count, the 1-based position of an unknown word,
 *    checksum), never the word: a mistyped word is usually one letter away from the real one, and
 *    error messages reach logs, audit records and the renderer.
 *  - Generation takes `random: (n) => Uint8Array` from the caller (the core's engine), so the
 *    source of entropy is a port, not an import. English by default; 12 or 24 words.
 *
 * Secrets: entropy, seed and the PBKDF2 input buffers are Uint8Arrays this module zeroes when it
 * is done with them (the returned entropy and seed belong to the caller). The sentence itself is a
 * JavaScript string and cannot be wiped; neither can the passphrase string, nor the copies V8 and
 * OpenSSL make inside `pbkdf2Sync`. Keep phrases short-lived and store entropy or seed, not text.
 */
import { pbkdf2Sync } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { wordlist as czech } from '@scure/bip39/wordlists/czech.js';
import { wordlist as english } from '@scure/bip39/wordlists/english.js';
import { wordlist as french } from '@scure/bip39/wordlists/french.js';
import { wordlist as italian } from '@scure/bip39/wordlists/italian.js';
import { wordlist as japanese } from '@scure/bip39/wordlists/japanese.js';
import { wordlist as korean } from '@scure/bip39/wordlists/korean.js';
import { wordlist as portuguese } from '@scure/bip39/wordlists/portuguese.js';
import { wordlist as chineseSimplified } from '@scure/bip39/wordlists/simplified-chinese.js';
import { wordlist as spanish } from '@scure/bip39/wordlists/spanish.js';
import { wordlist as chineseTraditional } from '@scure/bip39/wordlists/traditional-chinese.js';
import { CustodyError } from '../../../../shared/errors.js';

/** The official wordlists (bips repository, bip-0039/), in the order language detection tries them. */
export const BIP39_LANGUAGES = [
  'english',
  'japanese',
  'korean',
  'spanish',
  'chinese_simplified',
  'chinese_traditional',
  'french',
  'italian',
  'czech',
  'portuguese',
] as const;

export type Bip39Language = (typeof BIP39_LANGUAGES)[number];

/** A source of cryptographically secure random bytes, e.g. the engine's `randomBytes`. */
export type RandomSource = (length: number) => Uint8Array;

/** Word counts BIP-39 defines (ENT = 128 to 256 bits in steps of 32). */
export const MNEMONIC_WORD_COUNTS = [12, 15, 18, 21, 24] as const;
export type MnemonicWordCount = (typeof MNEMONIC_WORD_COUNTS)[number];

const WORDLISTS: Readonly<Record<Bip39Language, readonly string[]>> = {
  english,
  japanese,
  korean,
  spanish,
  chinese_simplified: chineseSimplified,
  chinese_traditional: chineseTraditional,
  french,
  italian,
  czech,
  portuguese,
};

/** BIP-39 §Wordlists: Japanese sentences are joined with the ideographic space U+3000. */
const IDEOGRAPHIC_SPACE = '\u3000';

const indexCache = new Map<Bip39Language, ReadonlyMap<string, number>>();

/** NFKD spelling → index, built on first use of a language. */
function wordIndex(language: Bip39Language): ReadonlyMap<string, number> {
  let map = indexCache.get(language);
  if (map === undefined) {
    const list = WORDLISTS[language];
    const built = new Map<string, number>();
    list.forEach((word, i) => built.set(word.normalize('NFKD'), i));
    if (list.length !== 2048 || built.size !== 2048) throw new CustodyError('SELF_TEST_FAILED', `the ${language} BIP-39 wordlist is not 2048 distinct words`);
    map = built;
    indexCache.set(language, map);
  }
  return map;
}

function assertLanguage(language: unknown): asserts language is Bip39Language {
  if (!(BIP39_LANGUAGES as readonly unknown[]).includes(language)) {
    throw new CustodyError('INVALID_INPUT', `unknown BIP-39 language; expected one of ${BIP39_LANGUAGES.join(', ')}`);
  }
}

/** The 2048 words of an official list, in order (for completion in a UI). */
export function bip39Wordlist(language: Bip39Language = 'english'): readonly string[] {
  assertLanguage(language);
  return WORDLISTS[language];
}

/** True if the text has no lone UTF-16 surrogate (which UTF-8, and so PBKDF2, cannot encode). */
function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}

function assertText(text: unknown, what: string): asserts text is string {
  if (typeof text !== 'string') throw new CustodyError('INVALID_INPUT', `${what} must be a string`);
  if (!isWellFormed(text)) throw new CustodyError('INVALID_INPUT', `${what} is not well-formed Unicode (lone surrogate)`);
}

// BIP-39 §"Generating the mnemonic": CS = ENT / 32 bits of SHA-256(ENT), appended to ENT.
function checksumBits(entropy: Uint8Array): number {
  const digest = sha256(entropy);
  const bits = entropy.length / 4;
  const out = (digest[0] as number) >> (8 - bits);
  digest.fill(0);
  return out;
}

function assertEntropy(entropy: Uint8Array): void {
  if (!(entropy instanceof Uint8Array) || entropy.length < 16 || entropy.length > 32 || entropy.length % 4 !== 0) {
    throw new CustodyError('INVALID_INPUT', 'BIP-39 entropy must be 16, 20, 24, 28 or 32 bytes');
  }
}

/** The 11-bit word indices of ENT ‖ CS. */
function entropyToIndices(entropy: Uint8Array): number[] {
  const indices: number[] = [];
  const cs = checksumBits(entropy);
  let acc = 0;
  let bits = 0;
  const take = (value: number, width: number): void => {
    acc = ((acc << width) | value) & 0x3fffff; // at most 10 + 8 bits pending
    bits += width;
    while (bits >= 11) {
      bits -= 11;
      indices.push((acc >>> bits) & 0x7ff);
    }
  };
  for (const byte of entropy) take(byte, 8);
  take(cs, entropy.length / 4);
  acc = 0;
  return indices;
}

/** ENT from the word indices, or undefined if the checksum does not match. */
function indicesToEntropy(indices: readonly number[]): Uint8Array | undefined {
  const entropy = new Uint8Array((indices.length * 11 * 32) / 33 / 8);
  const csWidth = indices.length / 3;
  let acc = 0;
  let bits = 0;
  let pos = 0;
  for (const index of indices) {
    acc = ((acc << 11) | index) & 0x7ffff;
    bits += 11;
    while (bits >= 8 && pos < entropy.length) {
      bits -= 8;
      entropy[pos++] = (acc >>> bits) & 0xff;
    }
  }
  const cs = acc & ((1 << csWidth) - 1);
  acc = 0;
  if (bits !== csWidth || cs !== checksumBits(entropy)) {
    entropy.fill(0);
    return undefined;
  }
  return entropy;
}

function joinWords(indices: readonly number[], language: Bip39Language): string {
  const list = WORDLISTS[language];
  return indices.map((i) => list[i] as string).join(language === 'japanese' ? IDEOGRAPHIC_SPACE : ' ');
}

/**
 * The sentence of `entropy` (16 to 32 bytes) in `language`.
 * @throws CustodyError('INVALID_INPUT') for entropy of the wrong size or an unknown language.
 */
export function entropyToMnemonic(entropy: Uint8Array, language: Bip39Language = 'english'): string {
  assertEntropy(entropy);
  assertLanguage(language);
  return joinWords(entropyToIndices(entropy), language);
}

/**
 * A fresh sentence: 12 words (128 bits) or 24 (256 bits) of `random`, English unless told.
 * The entropy buffer is wiped before return; the sentence is the only copy of the secret.
 * @throws CustodyError('INVALID_INPUT') for another word count; CustodyError('INTERNAL') if the
 *   random source returns the wrong length or a constant buffer.
 */
export function generateMnemonic(random: RandomSource, options: { words?: 12 | 24; language?: Bip39Language } = {}): string {
  const words = options.words ?? 12;
  if (words !== 12 && words !== 24) throw new CustodyError('INVALID_INPUT', 'a new mnemonic has 12 or 24 words');
  const language = options.language ?? 'english';
  assertLanguage(language);
  if (typeof random !== 'function') throw new CustodyError('INVALID_INPUT', 'a random source is required');
  const length = words === 12 ? 16 : 32;
  const supplied = random(length);
  if (!(supplied instanceof Uint8Array) || supplied.length !== length) {
    throw new CustodyError('INTERNAL', `the random source returned ${supplied instanceof Uint8Array ? supplied.length : 'no'} bytes, not ${length}`);
  }
  const entropy = Uint8Array.from(supplied);
  supplied.fill(0);
  try {
    // Fail closed on a stuck generator (all bytes equal has probability 2^-120 for 16 real bytes).
    if (entropy.every((b) => b === entropy[0])) throw new CustodyError('INTERNAL', 'the random source returned a constant buffer');
    return entropyToMnemonic(entropy, language);
  } finally {
    entropy.fill(0);
  }
}

export interface ParsedMnemonic {
  /** Canonical sentence: wordlist spelling (NFKD), one separator (U+3000 for Japanese, else a space). */
  readonly phrase: string;
  readonly language: Bip39Language;
  readonly wordCount: MnemonicWordCount;
  /** ENT: 16 to 32 bytes. The caller owns it and should wipe it. */
  readonly entropy: Uint8Array;
}

/** NFKD, lower case, split on whitespace. */
function splitWords(phrase: string): string[] {
  const text = phrase.normalize('NFKD').toLowerCase().normalize('NFKD').trim();
  return text === '' ? [] : text.split(/\s+/u);
}

/**
 * Validate a sentence: word count, every word in one official wordlist (or in `language`), checksum.
 * @throws CustodyError('INVALID_INPUT') naming the problem: the word count, the position (1-based)
 *   of the first unknown word, or the checksum. `details` carries `position` / `wordCount`.
 */
export function parseMnemonic(phrase: string, options: { language?: Bip39Language } = {}): ParsedMnemonic {
  assertText(phrase, 'mnemonic');
  if (options.language !== undefined) assertLanguage(options.language);
  const words = splitWords(phrase);
  if (!(MNEMONIC_WORD_COUNTS as readonly number[]).includes(words.length)) {
    throw new CustodyError('INVALID_INPUT', `mnemonic has ${words.length} words; BIP-39 uses 12, 15, 18, 21 or 24`, {
      details: { wordCount: words.length },
    });
  }
  const languages: readonly Bip39Language[] = options.language === undefined ? BIP39_LANGUAGES : [options.language];
  let best: { language: Bip39Language; known: number; firstUnknown: number } | undefined;
  let sawCandidate = false;
  for (const language of languages) {
    const map = wordIndex(language);
    const indices: number[] = [];
    let firstUnknown = -1;
    let known = 0;
    for (let i = 0; i < words.length; i++) {
      const index = map.get(words[i] as string);
      if (index === undefined) {
        if (firstUnknown < 0) firstUnknown = i;
      } else {
        known++;
        indices.push(index);
      }
    }
    if (firstUnknown >= 0) {
      if (best === undefined || known > best.known) best = { language, known, firstUnknown };
      continue;
    }
    sawCandidate = true;
    const entropy = indicesToEntropy(indices);
    if (entropy !== undefined) {
      return { phrase: joinWords(indices, language), language, wordCount: words.length as MnemonicWordCount, entropy };
    }
  }
  if (sawCandidate) {
    throw new CustodyError('INVALID_INPUT', 'mnemonic checksum does not match: a word is wrong or the words are out of order');
  }
  const miss = best as { language: Bip39Language; known: number; firstUnknown: number };
  const position = miss.firstUnknown + 1;
  const where = options.language !== undefined || miss.known > 0 ? `the ${miss.language} wordlist` : 'any BIP-39 wordlist';
  throw new CustodyError('INVALID_INPUT', `mnemonic word ${position} is not in ${where}`, { details: { position } });
}

/** `parseMnemonic` as a boolean (the entropy is wiped). */
export function isValidMnemonic(phrase: string, options: { language?: Bip39Language } = {}): boolean {
  try {
    parseMnemonic(phrase, options).entropy.fill(0);
    return true;
  } catch (error) {
    if (error instanceof CustodyError && error.code === 'INVALID_INPUT') return false;
    throw error;
  }
}

function pbkdf2Seed(sentence: string, passphrase: string): Uint8Array {
  const password = Buffer.from(sentence.normalize('NFKD'), 'utf8');
  const salt = Buffer.from(`mnemonic${passphrase}`.normalize('NFKD'), 'utf8');
  const derived = pbkdf2Sync(password, salt, 2048, 64, 'sha512');
  const seed = Uint8Array.from(derived);
  derived.fill(0);
  password.fill(0);
  salt.fill(0);
  return seed;
}

/**
 * The 64-byte seed of a valid sentence and optional passphrase (BIP-39 §"From mnemonic to seed").
 * The sentence is validated first (`parseMnemonic`); the passphrase is used as given, NFKD.
 * @throws CustodyError('INVALID_INPUT') for an invalid sentence or a malformed passphrase.
 */
export function mnemonicToSeed(phrase: string, passphrase = '', options: { language?: Bip39Language } = {}): Uint8Array {
  assertText(passphrase, 'passphrase');
  const parsed = parseMnemonic(phrase, options);
  parsed.entropy.fill(0);
  return pbkdf2Seed(parsed.phrase, passphrase);
}

/**
 * The seed of any sentence, without wordlist or checksum validation: BIP-39 §"From mnemonic to
 * seed" applied to the text as given (NFKD only, whitespace untouched). For sentences from
 * wordlists outside the official ten (e.g. the Russian and Turkish lists of trezor/python-mnemonic);
 * a typo here silently gives another wallet.
 */
export function mnemonicToSeedUnsafe(phrase: string, passphrase = ''): Uint8Array {
  assertText(phrase, 'mnemonic');
  assertText(passphrase, 'passphrase');
  return pbkdf2Seed(phrase, passphrase);
}
