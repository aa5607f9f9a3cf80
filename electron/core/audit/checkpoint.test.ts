/**
 * checkpoint.ts: C2SP tlog-checkpoint bodies in C2SP signed notes, with the engine's real
 * Ed25519 (node and noble). Published known answers, each cited where it is used:
 *  - Trillian Tessera's test log (a Go implementation): checkpoints of the leaves "one" …
 *    "fivten" signed with a published test key. Ed25519 is deterministic (RFC 8032), so our
 *    roots, key ID, body layout and signature line must reproduce those notes byte for byte.
 *  - A real sum.golang.org checkpoint, verified with the Go checksum database's public key.
 *  - The verifier keys of Go's golang.org/x/mod/sumdb/note tests.
 * Then round trips, every flipped bit of a note, foreign and duplicate signatures, and every
 * malformed shape we could think of.
 */
import { describe, expect, it } from 'vitest';
import { createCryptoEngine } from '../crypto/index.js';
import type { CryptoEngine, Provider } from '../crypto/index.js';
import { codeOf, hex } from '../../../test/support.js';
import { checkpointBody, keyHash, parseCheckpoint, signCheckpoint, verifierKey, verifyCheckpoint } from './checkpoint.js';
import { EMPTY_ROOT, leafHash, rootOf } from './merkle.js';

const PROVIDERS: readonly Provider[] = ['node', 'noble'];
const engines: Record<Provider, CryptoEngine> = { node: createCryptoEngine(), noble: createCryptoEngine({ forceNoble: true }) };
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const b64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

/** An Ed25519 key from the engine: its raw public key and sign/verify bound to it. */
interface TestKey {
  publicKey: Uint8Array;
  sign: (message: Uint8Array) => Uint8Array;
  verify: (message: Uint8Array, signature: Uint8Array) => boolean;
}

function keyFromSeed(engine: CryptoEngine, seed: Uint8Array): TestKey {
  const material = engine.importKey('ed25519', 'raw', seed);
  return bindKey(engine, material.publicKey as Uint8Array, engine.loadPrivateKey(material));
}

async function generatedKey(engine: CryptoEngine): Promise<TestKey> {
  const material = await engine.generateKey('ed25519');
  return bindKey(engine, material.publicKey as Uint8Array, engine.loadPrivateKey(material));
}

function bindKey(engine: CryptoEngine, spki: Uint8Array, priv: ReturnType<CryptoEngine['loadPrivateKey']>): TestKey {
  const pub = engine.loadPublicKey('ed25519', spki);
  return {
    publicKey: engine.exportPublicKey('ed25519', spki, 'raw'),
    sign: (message) => engine.sign(priv, message),
    verify: (message, signature) => engine.verify(pub, message, signature),
  };
}

/** A public-key-only verifier for published keys (raw 32 bytes). */
function publicVerifier(engine: CryptoEngine, raw: Uint8Array): (message: Uint8Array, signature: Uint8Array) => boolean {
  const pub = engine.loadPublicKey('ed25519', engine.parsePublicKey('ed25519', raw));
  return (message, signature) => engine.verify(pub, message, signature);
}

/**
 * Source: https://github.com/transparency-dev/trillian-tessera, `testdata/build_log.sh` (the
 * key pair; the private key is a published test key) and `testdata/log/checkpoint.N` at commit
 * 842b908e3a0dbff055d61f2980f56359ae1f45e9 (N = 0, 1, 2, 3, 15) and
 * a508c5b88d4a0ad5a5a7af4f25302a4ff9a1595b (N = 4, 5). The log's entries are the words below,
 * written with `echo -n`; N is the tree size after the Nth entry.
 */
const TESSERA = {
  signerKey: 'PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg',
  verifierKey: 'example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx',
  name: 'example.com/log/testdata',
  entries: ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eit', 'nain', 'ten', 'ileven', 'twelf', 'threeten', 'fourten', 'fivten'],
  checkpoints: {
    0: 'example.com/log/testdata\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n— example.com/log/testdata M9e0lhxJACzE1KoUdqKuPa+9p6R7dSW8BlEvrg/noo8FkGg6PbJoRNOcdjqjOq89wVvTA60eubCc4oufo5BvIVEgtQc=\n',
    1: 'example.com/log/testdata\n1\n0Nc2CrefWKseHj/mStd+LqC8B+NrX0btIiPt2SmN+ek=\n\n— example.com/log/testdata M9e0lhr9kuLxGdAtaUrhm84TQffVsLdcy808sN0a3WyniNlfcr9+bywoiIke1YYciCNjJGkCgIlQ8b16jhsmg/SChAM=\n',
    2: 'example.com/log/testdata\n2\nT1X2GdkhUjV3iyufF9b0kVsWFxIU0VI4EpNml2Teci4=\n\n— example.com/log/testdata M9e0llH4NKmlf0u7C8tkJioQOmi7l5ELqljXgKRg6R3G5JJ7vx7emDWo5fpqKuA/Dk/jRrI6il+7QCVirNhyUAWGoAk=\n',
    3: 'example.com/log/testdata\n3\nWqx3HImawpLnS/Gv4ubjAvi1WIOy0b8Ze0amvqbavKk=\n\n— example.com/log/testdata M9e0lvAQRtH832pk2RTbeSeZMkp4FZSdJYFBUjO5SKxuRbywPUF3cx+HUrb50kjd3rUWW/fj53Wj1dwcwh9bGQnqVAg=\n',
    4: 'example.com/log/testdata\n4\nzY1lN35vrXYAPixXSd59LsU29xUJtuW4o2dNNg5Y2Co=\n\n— example.com/log/testdata M9e0lnFuWt0cp60moO4jAkeXvMNLIIOGn4WdyeHQurBt9mBi0tWdfkldiAt9k0FpwuZymvttsVn9uwyouXU3vPpeNAc=\n',
    5: 'example.com/log/testdata\n5\ngy5gl3aksFyiCO95a/1vLXz88A3dRq+0l9Sxte8ZqZQ=\n\n— example.com/log/testdata M9e0lmn5eDHyHP10zJObZdFAX2y1V8fdDKBi4IiHbDYf1TCUBwxZOhqwv2QZCqrdda2zTRTrmnwjwscN5RBTEmZUYAs=\n',
    15: 'example.com/log/testdata\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n\n— example.com/log/testdata M9e0luh4jTG+UMBqOUo9/q+yAEvx1ilBEniMvjf1zfcBOhg+CKubMt53MvIt/uEWP6zdkdIQzd/fmwlM/dlPWF74ewI=\n',
  } as Record<number, string>,
};

/** The 32-byte seed of a Go sumdb/note signer key: base64(0x01 ‖ seed) after the fourth '+'. */
function seedOfSignerKey(skey: string): Uint8Array {
  const typed = b64(skey.split('+').slice(4).join('+'));
  expect(typed[0]).toBe(0x01);
  return typed.subarray(1);
}

/** The raw public key of a verifier key: base64(0x01 ‖ key) after the second '+'. */
function publicKeyOfVerifierKey(vkey: string): Uint8Array {
  const typed = b64(vkey.split('+').slice(2).join('+'));
  expect(typed[0]).toBe(0x01);
  return typed.subarray(1);
}

describe('published known answers', () => {
  const leaves = TESSERA.entries.map((e) => leafHash(utf8(e)));
  const leafAt = (i: number): Uint8Array => leaves[i] as Uint8Array;

  for (const provider of PROVIDERS) {
    it(`Trillian Tessera test log on ${provider}: root, body, key ID, verifier key and signature line reproduce every published checkpoint byte for byte`, () => {
      const engine = engines[provider];
      const key = keyFromSeed(engine, seedOfSignerKey(TESSERA.signerKey));
      expect(verifierKey(TESSERA.name, key.publicKey)).toBe(TESSERA.verifierKey);
      expect(hex(keyHash(TESSERA.name, key.publicKey))).toBe('33d7b496');
      const sizes = Object.keys(TESSERA.checkpoints).map(Number);
      expect(sizes).toEqual([0, 1, 2, 3, 4, 5, 15]);
      for (const size of sizes) {
        const published = TESSERA.checkpoints[size] as string;
        const body = checkpointBody(TESSERA.name, size, rootOf(size, leafAt));
        expect(signCheckpoint(body, TESSERA.name, key.publicKey, key.sign), `checkpoint.${size}`).toBe(published);
        const verified = verifyCheckpoint(published, TESSERA.name, publicKeyOfVerifierKey(TESSERA.verifierKey), publicVerifier(engine, publicKeyOfVerifierKey(TESSERA.verifierKey)));
        expect(verified.size).toBe(size);
        expect(verified.origin).toBe(TESSERA.name);
        expect(hex(verified.root)).toBe(hex(rootOf(size, leafAt)));
        expect(verified.note).toBe(published);
      }
    });

    it(`a real sum.golang.org checkpoint verifies with the Go checksum database key on ${provider}`, () => {
      // Key: golang/go src/cmd/go/internal/modfetch/key.go (knownGOSUMDB) at commit
      // c674ce87c2e47699bb51e02885fb80519ecbfb27. Note:
      // transparency-dev/trillian-tessera internal/parse/parse_test.go, BenchmarkCheckpointUnsafe,
      // at commit e2588c3b72cfc1cf3798430db5457867c43e6aab. That copy drops the final newline
      // of the signature line, which signed-note requires; it is restored here.
      const vkey = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
      const note = 'go.sum database tree\n31700353\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n\n— sum.golang.org Az3grnmrIUEDFqHzAElIQCPNoRFRAAdFo47fooyWKMHb89k11GJh5zHIfNCOBmwn/C3YI8oW9/C8DJ87F61QqspBYwM=\n';
      const raw = publicKeyOfVerifierKey(vkey);
      expect(verifierKey('sum.golang.org', raw)).toBe(vkey);
      const cp = verifyCheckpoint(note, 'sum.golang.org', raw, publicVerifier(engines[provider], raw));
      expect(cp.origin).toBe('go.sum database tree');
      expect(cp.size).toBe(31700353);
      expect(Buffer.from(cp.root).toString('base64')).toBe('qINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=');
      expect(codeOf(() => verifyCheckpoint(note.replace('31700353', '31700354'), 'sum.golang.org', raw, publicVerifier(engines[provider], raw)))).toBe('TAMPERED');
    });
  }

  it("the key IDs and verifier keys of Go's sumdb/note tests", () => {
    // Source: golang/mod sumdb/note/note_test.go (TestNewVerifier, TestNewSigner, TestVerifierList)
    // at commit 02c991387e35f9e4c0a9b7ce137717055f8d716d.
    const peterSkey = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
    const peterVkey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
    const enochVkey = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
    const peter = keyFromSeed(engines.node, seedOfSignerKey(peterSkey));
    expect(verifierKey('PeterNeumann', peter.publicKey)).toBe(peterVkey);
    expect(verifierKey('EnochRoot', publicKeyOfVerifierKey(enochVkey))).toBe(enochVkey);
    expect(hex(keyHash('PeterNeumann', peter.publicKey))).toBe('c74f20a3');
    // The example note of that package is a signed note but not a checkpoint: strict parsing refuses it.
    const goNote =
      "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
    expect(codeOf(() => parseCheckpoint(goNote))).toBe('INVALID_INPUT');
    expect(codeOf(() => signCheckpoint(goNote.slice(0, goNote.indexOf('\n\n') + 1), 'PeterNeumann', peter.publicKey, peter.sign))).toBe('INVALID_INPUT');
  });
});

describe('sign, parse, verify', () => {
  const ORIGIN = 'custos.audit/8f14e45f-ceea-467f-a0e6-7fbd0e1d3b4a';
  const root = rootOf(3, (i) => leafHash(Uint8Array.of(i)));

  for (const provider of PROVIDERS) {
    it(`round trip with a generated key on ${provider}`, async () => {
      const key = await generatedKey(engines[provider]);
      const body = checkpointBody(ORIGIN, 3, root);
      expect(body).toBe(`${ORIGIN}\n3\n${Buffer.from(root).toString('base64')}\n`);
      const note = signCheckpoint(body, ORIGIN, key.publicKey, key.sign);
      const lines = note.split('\n');
      expect(lines).toHaveLength(6);
      expect(lines.slice(0, 4)).toEqual([ORIGIN, '3', Buffer.from(root).toString('base64'), '']);
      expect(lines[4]?.startsWith(`\u2014 ${ORIGIN} `)).toBe(true);
      expect(lines[5]).toBe('');

      const parsed = parseCheckpoint(note);
      expect(parsed.origin).toBe(ORIGIN);
      expect(parsed.size).toBe(3);
      expect(hex(parsed.root)).toBe(hex(root));
      expect(parsed.signatures).toHaveLength(1);
      expect(parsed.signatures[0]?.name).toBe(ORIGIN);
      expect(hex(parsed.signatures[0]?.keyHash ?? new Uint8Array(0))).toBe(hex(keyHash(ORIGIN, key.publicKey)));
      // The signature covers the UTF-8 body, final newline included, and nothing else.
      expect(key.verify(utf8(body), parsed.signatures[0]?.signature ?? new Uint8Array(0))).toBe(true);

      const cp = verifyCheckpoint(note, ORIGIN, key.publicKey, key.verify);
      expect(cp).toEqual({ origin: ORIGIN, size: 3, root, note });
    });
  }

  it('an empty tree and a key name that differs from the origin', async () => {
    const key = await generatedKey(engines.node);
    const note = signCheckpoint(checkpointBody(ORIGIN, 0, EMPTY_ROOT), 'custos-audit-key', key.publicKey, key.sign);
    const cp = verifyCheckpoint(note, 'custos-audit-key', key.publicKey, key.verify);
    expect(cp.size).toBe(0);
    expect(hex(cp.root)).toBe(hex(EMPTY_ROOT));
    expect(codeOf(() => verifyCheckpoint(note, ORIGIN, key.publicKey, key.verify))).toBe('TAMPERED');
  });

  it('a flipped bit anywhere in the note, body or signature, never verifies', async () => {
    // A deterministic key and note (the Tessera test key), so the counts below are stable.
    const key = keyFromSeed(engines.node, seedOfSignerKey(TESSERA.signerKey));
    const note = signCheckpoint(checkpointBody(ORIGIN, 1234567, root), ORIGIN, key.publicKey, key.sign);
    const bytes = utf8(note);
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const outcomes = { notUtf8: 0, INVALID_INPUT: 0, TAMPERED: 0 };
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const mutated = Uint8Array.from(bytes);
        mutated[i] = (mutated[i] as number) ^ (1 << bit);
        let text: string;
        try {
          text = fatal.decode(mutated);
        } catch {
          outcomes.notUtf8++; // the CLI reads files with a fatal decoder: refused before parsing
          continue;
        }
        const code = codeOf(() => verifyCheckpoint(text, ORIGIN, key.publicKey, key.verify));
        expect(code, `byte ${i} bit ${bit}`).not.toBe('OK');
        outcomes[code as 'INVALID_INPUT' | 'TAMPERED']++;
      }
    }
    expect(outcomes.notUtf8 + outcomes.INVALID_INPUT + outcomes.TAMPERED).toBe(bytes.length * 8);
    expect(outcomes).toEqual({ notUtf8: 257, INVALID_INPUT: 406, TAMPERED: 1345 });
  });

  it('a wrong key name, a wrong key, or a verify bound to another key is TAMPERED', async () => {
    const key = await generatedKey(engines.node);
    const other = await generatedKey(engines.node);
    const note = signCheckpoint(checkpointBody(ORIGIN, 3, root), ORIGIN, key.publicKey, key.sign);
    expect(codeOf(() => verifyCheckpoint(note, `${ORIGIN}x`, key.publicKey, key.verify))).toBe('TAMPERED');
    expect(codeOf(() => verifyCheckpoint(note, ORIGIN, other.publicKey, other.verify))).toBe('TAMPERED');
    expect(codeOf(() => verifyCheckpoint(note, ORIGIN, key.publicKey, other.verify))).toBe('TAMPERED');
    expect(codeOf(() => verifyCheckpoint(note, ORIGIN, key.publicKey, () => false))).toBe('TAMPERED');
  });

  it('signatures by other keys are ignored; every signature by our key must verify', async () => {
    const key = await generatedKey(engines.node);
    const witness = await generatedKey(engines.node);
    const sameName = await generatedKey(engines.node);
    const body = checkpointBody(ORIGIN, 3, root);
    const line = (note: string): string => note.slice(body.length + 1);
    const ours = line(signCheckpoint(body, ORIGIN, key.publicKey, key.sign));
    const theirs = line(signCheckpoint(body, 'witness.example/w1', witness.publicKey, witness.sign));
    // Same name, different key: a different key ID, so not "our" signature (signed-note §Signatures).
    const rotated = line(signCheckpoint(body, ORIGIN, sameName.publicKey, sameName.sign));
    const verify = (note: string): string => codeOf(() => verifyCheckpoint(note, ORIGIN, key.publicKey, key.verify));

    expect(verify(`${body}\n${theirs}${ours}`)).toBe('OK');
    expect(verify(`${body}\n${rotated}${ours}`)).toBe('OK');
    expect(verify(`${body}\n${ours}${ours}`)).toBe('OK');
    expect(parseCheckpoint(`${body}\n${theirs}${ours}`).signatures.map((s) => s.name)).toEqual(['witness.example/w1', ORIGIN]);
    expect(verify(`${body}\n${theirs}`)).toBe('TAMPERED');
    expect(verify(`${body}\n${rotated}`)).toBe('TAMPERED');
    // Our key ID with a signature that does not verify rejects the whole note (fail closed).
    const forged = `\u2014 ${ORIGIN} ${Buffer.concat([keyHash(ORIGIN, key.publicKey), new Uint8Array(64)]).toString('base64')}\n`;
    expect(verify(`${body}\n${ours}${forged}`)).toBe('TAMPERED');
    // Our key ID with a signature of the wrong length is not a valid Ed25519 signature.
    const short = `\u2014 ${ORIGIN} ${Buffer.concat([keyHash(ORIGIN, key.publicKey), new Uint8Array(10)]).toString('base64')}\n`;
    expect(verify(`${body}\n${ours}${short}`)).toBe('TAMPERED');
    // A foreign signature line with garbage (but well-formed) bytes is ignored.
    const garbage = `\u2014 witness.example/w2 ${Buffer.alloc(20, 7).toString('base64')}\n`;
    expect(verify(`${body}\n${garbage}${ours}`)).toBe('OK');
  });

  describe('malformed notes are INVALID_INPUT, naming what is wrong', () => {
    const seed = seedOfSignerKey(TESSERA.signerKey);
    const key = keyFromSeed(engines.node, seed);
    const body = checkpointBody(ORIGIN, 3, root);
    const note = signCheckpoint(body, ORIGIN, key.publicKey, key.sign);
    const sigLine = note.slice(body.length + 1);
    const rootB64 = Buffer.from(root).toString('base64');
    const sigB64 = sigLine.slice(`\u2014 ${ORIGIN} `.length, -1);
    const withBody = (b: string): string => `${b}\n${sigLine}`;
    // 32 bytes are 44 base64 characters; the 43rd carries 4 data bits and 2 zero bits. Set one.
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const nonCanonicalRoot = `${rootB64.slice(0, 42)}${ALPHABET[ALPHABET.indexOf(rootB64[42] as string) | 1] as string}=`;

    const cases: [string, string, RegExp][] = [
      ['empty', '', /blank line/],
      ['no blank line or signature', body, /blank line/],
      ['blank line, no signature', `${body}\n`, /no signature lines/],
      ['no final newline', note.slice(0, -1), /does not end in a newline/],
      ['CRLF line ends', note.replace(/\n/g, '\r\n'), /control character/],
      ['a control character', note.replace('custos', 'cus\u0007tos'), /control character/],
      ['a tab in the origin', note.replace('custos', 'cus\ttos'), /control character/],
      ['an unpaired surrogate', note.replace('custos', 'cus\ud800tos'), /unpaired surrogate/],
      ['two body lines', withBody(`${ORIGIN}\n${rootB64}\n`), /three lines/],
      ['an extension line', withBody(`${body}extension\n`), /extension lines/],
      ['a blank line inside the body', withBody(`${ORIGIN}\n\n3\n${rootB64}\n`), /extension lines/],
      ['empty origin', withBody(`\n3\n${rootB64}\n`), /origin must not be empty/],
      ['size with a leading zero', withBody(`${ORIGIN}\n03\n${rootB64}\n`), /leading zeros/],
      ['negative size', withBody(`${ORIGIN}\n-3\n${rootB64}\n`), /decimal/],
      ['size with a plus sign', withBody(`${ORIGIN}\n+3\n${rootB64}\n`), /decimal/],
      ['size with a space', withBody(`${ORIGIN}\n 3\n${rootB64}\n`), /decimal/],
      ['fractional size', withBody(`${ORIGIN}\n3.0\n${rootB64}\n`), /decimal/],
      ['empty size', withBody(`${ORIGIN}\n\n${rootB64}\n`), /decimal/],
      ['size 2^53', withBody(`${ORIGIN}\n9007199254740992\n${rootB64}\n`), /larger than 2\^53/],
      ['31-byte root', withBody(`${ORIGIN}\n3\n${Buffer.from(root.subarray(1)).toString('base64')}\n`), /31 bytes/],
      ['33-byte root', withBody(`${ORIGIN}\n3\n${Buffer.concat([root, Uint8Array.of(0)]).toString('base64')}\n`), /33 bytes/],
      ['root without padding', withBody(`${ORIGIN}\n3\n${rootB64.replace('=', '')}\n`), /canonical base64/],
      ['root in base64url', withBody(`${ORIGIN}\n3\n${Buffer.from(root).toString('base64url')}=\n`), /canonical base64/],
      ['root as hex (valid base64 of 48 bytes)', withBody(`${ORIGIN}\n3\n${hex(root)}\n`), /48 bytes/],
      ['root with non-zero padding bits', withBody(`${ORIGIN}\n3\n${nonCanonicalRoot}\n`), /canonical base64/],
      ['hyphen instead of em dash', note.replace('\u2014 ', '- '), /em dash/],
      ['two hyphens instead of em dash', note.replace('\u2014 ', '-- '), /em dash/],
      ['en dash instead of em dash', note.replace('\u2014 ', '\u2013 '), /em dash/],
      ['no space after the dash', note.replace('\u2014 ', '\u2014'), /em dash/],
      ['no signature after the name', `${body}\n\u2014 ${ORIGIN}\n`, /no signature after/],
      ['a plus in the key name', `${body}\n\u2014 a+b ${sigB64}\n`, /invalid key name/],
      ['an empty key name', `${body}\n\u2014  ${sigB64}\n`, /invalid key name/],
      ['a no-break space in the key name', `${body}\n\u2014 a\u00a0b ${sigB64}\n`, /invalid key name/],
      ['two spaces before the signature', `${body}\n\u2014 ${ORIGIN}  ${sigB64}\n`, /canonical base64/],
      ['a signature of 4 bytes', `${body}\n\u2014 ${ORIGIN} AAAAAA==\n`, /shorter than a key ID/],
      ['an empty signature', `${body}\n\u2014 ${ORIGIN} \n`, /canonical base64/],
      ['a signature without padding', `${body}\n\u2014 ${ORIGIN} ${sigB64.replace(/=+$/, '')}\n`, /canonical base64/],
      ['a text line among the signatures', `${note}Unexpected line.\n`, /em dash/],
      ['a blank line after the signatures', `${note}\n`, /no signature lines/],
      ['101 signatures', `${body}\n${sigLine.repeat(101)}`, /more than 100/],
      ['longer than 64 KiB', `${body}\n${`\u2014 ${'x'.repeat(200)} ${sigB64}\n`.repeat(400)}`, /longer than/],
    ];

    for (const [label, text, message] of cases) {
      it(label, () => {
        expect(() => parseCheckpoint(text)).toThrow(message);
        expect(codeOf(() => parseCheckpoint(text))).toBe('INVALID_INPUT');
        expect(codeOf(() => verifyCheckpoint(text, ORIGIN, key.publicKey, key.verify))).toBe('INVALID_INPUT');
      });
    }

    it('100 signatures are accepted', () => {
      expect(parseCheckpoint(`${body}\n${sigLine.repeat(100)}`).signatures).toHaveLength(100);
      expect(verifyCheckpoint(`${body}\n${sigLine.repeat(100)}`, ORIGIN, key.publicKey, key.verify).size).toBe(3);
    });

    it('counts the cases', () => {
      expect(cases).toHaveLength(41);
    });
  });
});

describe('input checks', () => {
  const root = EMPTY_ROOT;
  const key = new Uint8Array(32).fill(9);

  it('checkpointBody: origin non-empty without newline or control characters, size a non-negative safe integer, root 32 bytes', () => {
    expect(checkpointBody('a', 0, root)).toBe(`a\n0\n${Buffer.from(root).toString('base64')}\n`);
    expect(checkpointBody('go.sum database tree', 1, root).startsWith('go.sum database tree\n1\n')).toBe(true);
    for (const origin of ['', 'a\nb', 'a\rb', 'a\u0000b', 'a\udc00']) expect(codeOf(() => checkpointBody(origin, 1, root)), JSON.stringify(origin)).toBe('INVALID_INPUT');
    for (const size of [-1, 1.5, Number.NaN, 2 ** 53]) expect(codeOf(() => checkpointBody('a', size, root)), String(size)).toBe('INVALID_INPUT');
    expect(codeOf(() => checkpointBody('a', 1, root.subarray(1)))).toBe('INVALID_INPUT');
    expect(codeOf(() => checkpointBody('a', 1, new Uint8Array(33)))).toBe('INVALID_INPUT');
  });

  it('keyHash and verifierKey: a valid key name and a 32-byte key', () => {
    expect(keyHash('a', key)).toHaveLength(4);
    for (const name of ['', 'a b', 'a+b', 'a\tb', 'a\u00a0b', 'a\u2003b', 'a\u3000b', 'a\u0085b', 'a\nb', 'a\u0001b']) {
      expect(codeOf(() => keyHash(name, key)), JSON.stringify(name)).toBe('INVALID_INPUT');
      expect(codeOf(() => verifierKey(name, key)), JSON.stringify(name)).toBe('INVALID_INPUT');
    }
    expect(codeOf(() => keyHash('a', key.subarray(1)))).toBe('INVALID_INPUT');
    expect(codeOf(() => keyHash('a', new Uint8Array(33)))).toBe('INVALID_INPUT');
    // Non-ASCII names are allowed and hashed as UTF-8.
    expect(hex(keyHash('caf\u00e9.example', key))).not.toBe(hex(keyHash('cafe\u0301.example', key)));
  });

  it('signCheckpoint: the body must be a checkpoint body and the signer must return 64 bytes', () => {
    const body = checkpointBody('a', 1, root);
    const sign64 = (): Uint8Array => new Uint8Array(64);
    expect(signCheckpoint(body, 'a', key, sign64).startsWith(`${body}\n\u2014 a `)).toBe(true);
    expect(codeOf(() => signCheckpoint(body.slice(0, -1), 'a', key, sign64))).toBe('INVALID_INPUT');
    expect(codeOf(() => signCheckpoint(`${body}ext\n`, 'a', key, sign64))).toBe('INVALID_INPUT');
    expect(codeOf(() => signCheckpoint(body, 'a b', key, sign64))).toBe('INVALID_INPUT');
    expect(codeOf(() => signCheckpoint(body, 'a', key.subarray(1), sign64))).toBe('INVALID_INPUT');
    expect(codeOf(() => signCheckpoint(body, 'a', key, () => new Uint8Array(63)))).toBe('INVALID_INPUT');
  });

  it('verifyCheckpoint: an invalid key name or key is INVALID_INPUT, not TAMPERED', () => {
    const note = signCheckpoint(checkpointBody('a', 1, root), 'a', key, () => new Uint8Array(64));
    expect(codeOf(() => verifyCheckpoint(note, 'a b', key, () => true))).toBe('INVALID_INPUT');
    expect(codeOf(() => verifyCheckpoint(note, 'a', key.subarray(1), () => true))).toBe('INVALID_INPUT');
    expect(verifyCheckpoint(note, 'a', key, () => true).size).toBe(1);
  });
});
