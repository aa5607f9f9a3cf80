/**
 * BIP-39: every case of test/vectors/bip/bip39_vectors.json (trezor/python-mnemonic, 12 languages
 * × 24, passphrase "TREZOR"), the 24 Japanese vectors with an NFKD-sensitive passphrase
 * (bip32JP), generation from a supplied random source, import normalisation, and the typed
 * errors. Cross-checked with @scure/bip39 and @noble/hashes PBKDF2. See test/vectors/bip/README.md.
 */
import { describe, expect, it } from 'vitest';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha512 } from '@noble/hashes/sha2.js';
import * as scure from '@scure/bip39';
import { wordlist as scureEnglish } from '@scure/bip39/wordlists/english.js';
import { CustodyError } from '../../../../shared/errors.js';
import { codeOf, hex, readVector } from '../../../../test/support.js';
import {
  BIP39_LANGUAGES,
  bip39Wordlist,
  entropyToMnemonic,
  generateMnemonic,
  isValidMnemonic,
  mnemonicToSeed,
  mnemonicToSeedUnsafe,
  parseMnemonic,
  type Bip39Language,
} from './bip39.js';
import { encodeExtendedPrivateKey } from './extended-key.js';
import { masterNodeFromSeed } from './slip10.js';

type Bip39File = Record<string, Array<[entropy: string, mnemonic: string, seed: string, xprv: string]>>;
const VECTORS = readVector<Bip39File>('bip/bip39_vectors.json');
const OFFICIAL = new Set<string>(BIP39_LANGUAGES);

function errorOf(fn: () => unknown): CustodyError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CustodyError) return error;
    throw error;
  }
  throw new Error('expected a CustodyError');
}

const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const rootXprv = (seed: Uint8Array): string => encodeExtendedPrivateKey(masterNodeFromSeed(seed));

describe('trezor/python-mnemonic vectors (every case, passphrase "TREZOR")', () => {
  it('holds 12 languages × 24 vectors = 288, 240 of them in the ten official wordlists', () => {
    expect(Object.keys(VECTORS)).toHaveLength(12);
    expect(Object.values(VECTORS).flat()).toHaveLength(288);
    expect(Object.keys(VECTORS).filter((l) => OFFICIAL.has(l))).toHaveLength(10);
    // Russian and Turkish are python-mnemonic's own lists, not the bips repository's.
    expect(Object.keys(VECTORS).filter((l) => !OFFICIAL.has(l)).sort()).toEqual(['russian', 'turkish']);
  });

  const counts = { seed: 0, entropy: 0, detectedElsewhere: [] as string[], refusals: {} as Record<string, number> };

  for (const [language, cases] of Object.entries(VECTORS)) {
    it(`${language}: seed and root xprv of all 24${OFFICIAL.has(language) ? '; entropy ↔ sentence both ways; detection' : ' (sentence refused: not an official wordlist)'}`, () => {
      for (const [entropyHex, mnemonic, seedHex, xprv] of cases) {
        // The seed direction needs no wordlist: every one of the 288.
        const unchecked = mnemonicToSeedUnsafe(mnemonic, 'TREZOR');
        expect(hex(unchecked)).toBe(seedHex);
        expect(rootXprv(unchecked)).toBe(xprv);
        counts.seed++;
        if (!OFFICIAL.has(language)) {
          const error = errorOf(() => parseMnemonic(mnemonic));
          expect(error.code).toBe('INVALID_INPUT');
          counts.refusals[`${language}: ${error.message}`] = (counts.refusals[`${language}: ${error.message}`] ?? 0) + 1;
          continue;
        }
        const lang = language as Bip39Language;
        expect(entropyToMnemonic(fromHex(entropyHex), lang)).toBe(mnemonic);
        const pinned = parseMnemonic(mnemonic, { language: lang });
        expect(pinned.language).toBe(lang);
        expect(hex(pinned.entropy)).toBe(entropyHex);
        expect(pinned.phrase).toBe(mnemonic);
        const detected = parseMnemonic(mnemonic);
        expect(hex(detected.entropy)).toBe(entropyHex);
        if (detected.language !== lang) counts.detectedElsewhere.push(`${lang}→${detected.language}`);
        expect(hex(mnemonicToSeed(mnemonic, 'TREZOR'))).toBe(seedHex);
        counts.entropy++;
      }
    });
  }

  it('totals: 288 seeds and root keys, 240 round trips, 48 refusals, 4 ambiguous Chinese sentences', () => {
    expect(counts.seed).toBe(288);
    expect(counts.entropy).toBe(240);
    // Deviation pinned: the 48 Russian and Turkish sentences are refused by parseMnemonic (their
    // lists are not official BIP-39 wordlists); their seeds and root keys are checked above through
    // mnemonicToSeedUnsafe. Some Turkish words also occur in official lists, so the message names
    // the list holding most of the sentence.
    expect(counts.refusals).toEqual({
      'russian: mnemonic word 1 is not in any BIP-39 wordlist': 24,
      'turkish: mnemonic word 1 is not in any BIP-39 wordlist': 18,
      'turkish: mnemonic word 1 is not in the english wordlist': 3,
      'turkish: mnemonic word 1 is not in the portuguese wordlist': 2,
      'turkish: mnemonic word 1 is not in the czech wordlist': 1,
    });
    // Deviation pinned: these traditional-Chinese sentences use only characters the simplified
    // list shares at the same indices, so detection (simplified first) reports simplified. The
    // entropy and seed are the same either way; pass { language } to be explicit.
    expect(counts.detectedElsewhere).toEqual(Array(4).fill('chinese_traditional→chinese_simplified'));
  });

  it('@scure/bip39 agrees on the English seeds and validity', () => {
    for (const [, mnemonic, seedHex] of VECTORS.english ?? []) {
      expect(hex(scure.mnemonicToSeedSync(mnemonic, 'TREZOR'))).toBe(seedHex);
      expect(scure.validateMnemonic(mnemonic, scureEnglish)).toBe(true);
    }
  });
});

describe('Japanese vectors with an NFKD-sensitive passphrase (bip32JP test_JP_BIP39.json)', () => {
  interface JpVector {
    entropy: string;
    phrase: string;
    salt: string;
    seed: string;
    bip32_xprv: string;
  }
  const vectors = readVector<JpVector[]>('bip/bip39_japanese_vectors.json');

  it('all 24: sentence from entropy (U+3000 separated), seed with passphrase, root xprv', () => {
    expect(vectors).toHaveLength(24);
    let nfcOnly = 0;
    for (const v of vectors) {
      expect(v.phrase).toContain('\u3000');
      // Deviation pinned: this file writes the words precomposed (NFC, e.g. だ = U+3060); the
      // wordlist, and so our sentence, is NFKD (た + U+3099). Same words, same seed.
      const ours = entropyToMnemonic(fromHex(v.entropy), 'japanese');
      expect(ours.normalize('NFC')).toBe(v.phrase);
      if (ours !== v.phrase) nfcOnly++;
      const parsed = parseMnemonic(v.phrase);
      expect(parsed.language).toBe('japanese');
      expect(hex(parsed.entropy)).toBe(v.entropy);
      const seed = mnemonicToSeed(v.phrase, v.salt);
      expect(hex(seed)).toBe(v.seed);
      expect(rootXprv(seed)).toBe(v.bip32_xprv);
    }
    expect(nfcOnly).toBe(22); // the other 2 (あいこくしん … いってい, われる … らいう) have no (semi-)voiced kana
  });

  it('the passphrase is NFKD-normalised: NFC, NFD and NFKD spellings give one seed, and it is not the raw UTF-8 one', () => {
    const v = vectors[0] as JpVector;
    expect(v.salt.normalize('NFC')).toBe(v.salt);
    expect(v.salt.normalize('NFKD')).not.toBe(v.salt); // ㍍ (U+334D) → メートル, ガ → カ + U+3099 …
    for (const form of ['NFC', 'NFD', 'NFKC', 'NFKD'] as const) {
      expect(hex(mnemonicToSeed(v.phrase.normalize(form), v.salt.normalize(form)))).toBe(v.seed);
    }
    const raw = pbkdf2(sha512, v.phrase, `mnemonic${v.salt}`, { c: 2048, dkLen: 64 });
    expect(hex(raw)).not.toBe(v.seed);
    const nfkd = pbkdf2(sha512, v.phrase.normalize('NFKD'), `mnemonic${v.salt}`.normalize('NFKD'), { c: 2048, dkLen: 64 });
    expect(hex(nfkd)).toBe(v.seed);
  });

  it('an ASCII-space-separated Japanese sentence is the same wallet', () => {
    const v = vectors[1] as JpVector;
    expect(hex(mnemonicToSeed(v.phrase.replaceAll('\u3000', ' '), v.salt))).toBe(v.seed);
  });
});

describe('generateMnemonic', () => {
  const fixed = (byte: number, pattern = false) => (n: number) => Uint8Array.from({ length: n }, (_, i) => (pattern ? (byte + i) & 0xff : byte));

  it('12 words from 16 bytes, 24 from 32, English by default (python-mnemonic vectors as the random bytes)', () => {
    const varied = (size: number) => {
      const found = VECTORS.english?.find(([e]) => e.length === size * 2 && new Set(e.match(/../g)).size > 1);
      expect(found).toBeDefined();
      return found as [string, string, string, string];
    };
    for (const [size, words] of [[16, 12], [32, 24]] as const) {
      const [entropyHex, mnemonic] = varied(size);
      const requested: number[] = [];
      const source = (n: number) => {
        requested.push(n);
        return fromHex(entropyHex);
      };
      expect(generateMnemonic(source, words === 12 ? {} : { words })).toBe(mnemonic);
      expect(requested).toEqual([size]);
      expect(mnemonic.split(' ')).toHaveLength(words);
    }
  });

  it('other languages on request; Japanese joined with U+3000', () => {
    for (const language of BIP39_LANGUAGES) {
      const phrase = generateMnemonic(fixed(9, true), { language });
      expect(parseMnemonic(phrase, { language }).phrase).toBe(phrase);
      expect(phrase.split(language === 'japanese' ? '\u3000' : ' ')).toHaveLength(12);
    }
  });

  it('wipes the buffer the random source returned', () => {
    let handed: Uint8Array | undefined;
    generateMnemonic((n) => (handed = Uint8Array.from({ length: n }, (_, i) => i + 1)));
    expect(handed?.every((b) => b === 0)).toBe(true);
  });

  it('typed errors: word count, language, a broken random source', () => {
    expect(codeOf(() => generateMnemonic(fixed(1, true), { words: 18 as 12 }))).toBe('INVALID_INPUT');
    expect(codeOf(() => generateMnemonic(fixed(1, true), { language: 'klingon' as Bip39Language }))).toBe('INVALID_INPUT');
    expect(codeOf(() => generateMnemonic(() => new Uint8Array(15)))).toBe('INTERNAL');
    expect(codeOf(() => generateMnemonic((() => 'abc') as unknown as (n: number) => Uint8Array))).toBe('INTERNAL');
    expect(errorOf(() => generateMnemonic(fixed(0))).message).toMatch(/constant/);
    expect(codeOf(() => generateMnemonic(undefined as unknown as (n: number) => Uint8Array))).toBe('INVALID_INPUT');
  });

  it('agrees with @scure/bip39 on random entropy in every language and size', () => {
    const lists = { english: scureEnglish } as const;
    for (let i = 0; i < 50; i++) {
      for (const size of [16, 20, 24, 28, 32]) {
        const entropy = Uint8Array.from({ length: size }, () => Math.floor(Math.random() * 256));
        const phrase = entropyToMnemonic(entropy, 'english');
        expect(phrase).toBe(scure.entropyToMnemonic(entropy, lists.english));
        expect(hex(scure.mnemonicToEntropy(phrase, lists.english))).toBe(hex(entropy));
        for (const language of BIP39_LANGUAGES) {
          const p = entropyToMnemonic(entropy, language);
          expect(hex(parseMnemonic(p, { language }).entropy)).toBe(hex(entropy));
        }
      }
    }
  });
});

describe('parseMnemonic: normalisation', () => {
  const canonical = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

  it('case, runs of whitespace, tabs, newlines and U+3000 separate words the same way', () => {
    const seed = hex(mnemonicToSeed(canonical));
    for (const variant of [
      canonical.toUpperCase(),
      `  ${canonical.replaceAll(' ', '   ')}\n`,
      canonical.replaceAll(' ', '\t'),
      canonical.replaceAll(' ', '\n'),
      canonical.replaceAll(' ', '\u3000'),
      canonical.replace('abandon', 'Abandon'),
    ]) {
      expect(parseMnemonic(variant).phrase).toBe(canonical);
      expect(hex(mnemonicToSeed(variant))).toBe(seed);
    }
  });

  it('accented words match in any Unicode normal form (Spanish, French, Czech, Portuguese)', () => {
    for (const language of ['spanish', 'french', 'czech', 'portuguese'] as const) {
      const [, mnemonic, seedHex] = (VECTORS[language] ?? [])[5] as [string, string, string, string];
      for (const form of ['NFC', 'NFD', 'NFKC', 'NFKD'] as const) {
        expect(hex(mnemonicToSeed(mnemonic.normalize(form), 'TREZOR'))).toBe(seedHex);
      }
    }
  });

  it('wordlists are exposed for completion, 2048 words each', () => {
    for (const language of BIP39_LANGUAGES) expect(bip39Wordlist(language)).toHaveLength(2048);
    expect(bip39Wordlist()[0]).toBe('abandon');
  });
});

describe('parseMnemonic: typed errors name what is wrong, never the word', () => {
  const twelve = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

  it('bad word count', () => {
    for (const text of ['', '   ', 'abandon', twelve.split(' ').slice(0, 11).join(' '), `${twelve} abandon`]) {
      const error = errorOf(() => parseMnemonic(text));
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.message).toMatch(/^mnemonic has \d+ words; BIP-39 uses 12, 15, 18, 21 or 24$/);
      expect(error.details.wordCount).toBe(text.trim() === '' ? 0 : text.trim().split(/\s+/).length);
    }
  });

  it('unknown word: its 1-based position and the list, not the word', () => {
    const words = twelve.split(' ');
    words[6] = 'abandom'; // a typo one letter from the real word
    const error = errorOf(() => parseMnemonic(words.join(' ')));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toBe('mnemonic word 7 is not in the english wordlist');
    expect(error.details).toEqual({ position: 7 });
    expect(error.message).not.toContain('abandom');
    expect(JSON.stringify(error.toInfo())).not.toContain('abandom');

    const pinned = errorOf(() => parseMnemonic(twelve, { language: 'french' }));
    // "abandon" is a French word too (English and French share 100 words); "about" is not.
    expect(pinned.message).toBe('mnemonic word 12 is not in the french wordlist');
    expect(errorOf(() => parseMnemonic(Array(12).fill('xyzzy').join(' '))).message).toBe('mnemonic word 1 is not in any BIP-39 wordlist');
  });

  it('a word from another language counts as unknown in the list most of the sentence is in', () => {
    const words = twelve.split(' ');
    words[3] = 'ábaco';
    expect(errorOf(() => parseMnemonic(words.join(' '))).message).toBe('mnemonic word 4 is not in the english wordlist');
  });

  it('bad checksum', () => {
    const error = errorOf(() => parseMnemonic(twelve.replace(/about$/, 'abandon')));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toBe('mnemonic checksum does not match: a word is wrong or the words are out of order');
    expect(isValidMnemonic(twelve)).toBe(true);
    expect(isValidMnemonic(twelve.replace(/about$/, 'abandon'))).toBe(false);
    // Every last word but the right ones fails: 2048 candidates, 2^(11-4) = 128 valid for 12 words.
    const valid = bip39Wordlist().filter((w) => isValidMnemonic(`${twelve.split(' ').slice(0, 11).join(' ')} ${w}`, { language: 'english' }));
    expect(valid).toHaveLength(128);
  });

  it('malformed text, passphrase or language', () => {
    expect(codeOf(() => parseMnemonic(`${twelve}\ud800`))).toBe('INVALID_INPUT');
    expect(codeOf(() => parseMnemonic(42 as unknown as string))).toBe('INVALID_INPUT');
    expect(codeOf(() => mnemonicToSeed(twelve, 'pass\udc00word'))).toBe('INVALID_INPUT');
    expect(codeOf(() => mnemonicToSeedUnsafe(twelve, 7 as unknown as string))).toBe('INVALID_INPUT');
    expect(codeOf(() => parseMnemonic(twelve, { language: 'russian' as Bip39Language }))).toBe('INVALID_INPUT');
    expect(codeOf(() => entropyToMnemonic(new Uint8Array(17)))).toBe('INVALID_INPUT');
    expect(codeOf(() => entropyToMnemonic(new Uint8Array(36)))).toBe('INVALID_INPUT');
  });

  it('the passphrase is used as given (no trimming, case kept)', () => {
    const a = hex(mnemonicToSeed(twelve, 'TREZOR'));
    expect(hex(mnemonicToSeed(twelve, ' TREZOR'))).not.toBe(a);
    expect(hex(mnemonicToSeed(twelve, 'trezor'))).not.toBe(a);
    expect(hex(mnemonicToSeed(twelve))).toBe(hex(mnemonicToSeedUnsafe(twelve, '')));
  });
});
