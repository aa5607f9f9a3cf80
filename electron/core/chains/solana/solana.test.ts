/**
 * Solana against external vectors (test/vectors/solana/README.md) and independent checks:
 *  - solana-web3.js's signed legacy transfer is decoded field by field and reproduced byte for
 *    byte by the engine's Ed25519 signer (Ed25519 is deterministic), on both engine providers;
 *  - the web3.js v0 message-codec vector parses to its published fields (and is refused by the
 *    runtime's sanitization, as it should be: it names more signers than keys);
 *  - v0 transactions with address-table lookups and compute budget, partial signing by two keys;
 *  - every signature is checked with noble's strict Ed25519 verification;
 *  - solana-sdk's off-chain message vectors (serialization and SHA-256), and the spec's preamble
 *    assembled by hand from the proposal's offset table;
 *  - malformed input of every kind is INVALID_INPUT, and random corruption never escapes as
 *    anything else.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58, base64, hex } from '@scure/base';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CustodyError } from '../../../../shared/errors.js';
import { createCryptoEngine } from '../../crypto/index.js';
import { ed25519Signer } from '../engine-signers.js';
import { parseSolanaAddress, solanaAddress } from './address.js';
import { decodeOffchainMessage, encodeOffchainMessage, signOffchainMessage, signSerializedOffchainMessage, verifyOffchainMessage } from './offchain.js';
import { formatSol } from './summary.js';
import { decodeSolanaTransaction, signSolanaTransaction } from './transaction.js';
import { encodeShortvec, parseMessage, parseMessageUnsafe, parseTransaction, serializeMessage, serializeTransaction, type SolanaMessage } from './wire.js';

const v = JSON.parse(readFileSync(new URL('../../../../test/vectors/solana/vectors.json', import.meta.url), 'utf8')) as {
  legacyTransfer: { seed: string; publicKeyHex: string; recipient: string; recentBlockhash: string; lamports: number; signedBase64: string };
  offchainCli: { text: string; serialized?: number[]; format: number; sha256Base58: string }[];
};

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof CustodyError ? e.code : `not a CustodyError: ${String(e)}`;
  }
  return undefined;
}

const fill = (b: number, n = 32) => new Uint8Array(n).fill(b);
const SYSTEM = new Uint8Array(32);
const COMPUTE_BUDGET = base58.decode('ComputeBudget111111111111111111111111111111');

function transferData(lamports: bigint): Uint8Array {
  const d = new Uint8Array(12);
  d[0] = 2;
  new DataView(d.buffer).setBigUint64(4, lamports, true);
  return d;
}

describe.each([false, true])('Solana (forceNoble %s)', (forceNoble) => {
  const engine = createCryptoEngine({ forceNoble });
  const sender = () => ed25519Signer(engine, hex.decode(v.legacyTransfer.seed));

  describe('addresses', () => {
    it('base58 of the Ed25519 public key', () => {
      const s = sender();
      expect(hex.encode(s.publicKey)).toBe(v.legacyTransfer.publicKeyHex);
      expect(solanaAddress(s.publicKey)).toBe(base58.encode(hex.decode(v.legacyTransfer.publicKeyHex)));
      expect(parseSolanaAddress(solanaAddress(s.publicKey))).toEqual(s.publicKey);
      expect(code(() => solanaAddress(new Uint8Array(31)))).toBe('INVALID_INPUT');
      expect(code(() => parseSolanaAddress('0OIl'))).toBe('INVALID_INPUT'); // not in the base58 alphabet
      expect(code(() => parseSolanaAddress(base58.encode(new Uint8Array(33))))).toBe('INVALID_INPUT');
      // 0x02 ‖ 31 × 0: y = 2 has no x on the curve.
      const offCurve = new Uint8Array(32);
      offCurve[0] = 2;
      expect(code(() => solanaAddress(offCurve))).toBe('INVALID_INPUT');
    });
  });

  describe('legacy transaction (solana-web3.js vector)', () => {
    const signed = base64.decode(v.legacyTransfer.signedBase64);
    const unsigned = () => {
      const u = signed.slice();
      u.fill(0, 1, 65);
      return u;
    };

    it('decodes fee payer, signer, program, and the SOL transfer', () => {
      const s = decodeSolanaTransaction(v.legacyTransfer.signedBase64);
      const from = solanaAddress(hex.decode(v.legacyTransfer.publicKeyHex));
      expect(s.version).toBe('legacy');
      expect(s.feePayer).toBe(from);
      expect(s.recentBlockhash).toBe(v.legacyTransfer.recentBlockhash);
      expect(s.signers).toEqual([{ index: 0, address: from, writable: true, signed: true, signatureValid: true }]);
      expect(s.programIds).toEqual(['11111111111111111111111111111111']);
      expect(s.instructions[0]?.program).toBe('System Program');
      expect(s.instructions[0]?.name).toBe('Transfer');
      expect(s.solTransfers).toHaveLength(1);
      const t = s.solTransfers[0];
      expect(t?.from.address).toBe(from);
      expect(t?.to.address).toBe(v.legacyTransfer.recipient);
      expect(t?.to.writable).toBe(true);
      expect(t?.lamports).toBe(49n);
      expect(t?.sol).toBe('0.000000049');
      expect(s.lamportsOutBySigner).toEqual({ [from]: 49n });
      expect(s.fee.baseLamports).toBe(5000n);
      expect(s.fee.totalSol).toBe('0.000005');
      expect(s.durableNonce).toBeNull();
    });

    it('the engine signer reproduces the published signed transaction', () => {
      const before = decodeSolanaTransaction(unsigned());
      expect(before.signers[0]?.signed).toBe(false);
      const out = signSolanaTransaction(unsigned(), sender());
      expect(out.transactionBase64).toBe(v.legacyTransfer.signedBase64);
      expect(out.signerIndex).toBe(0);
      expect(out.complete).toBe(true);
      expect(out.signatureBase58).toBe(base58.encode(signed.subarray(1, 65)));
      // Independent check: noble verifies the signature over the message bytes.
      const tx = parseTransaction(out.transaction);
      expect(ed25519.verify(out.signature, tx.messageBytes, hex.decode(v.legacyTransfer.publicKeyHex), { zip215: false })).toBe(true);
    });

    it('a key that is not a required signer is refused; a tampered signature is reported invalid', () => {
      const stranger = ed25519Signer(engine, fill(9));
      expect(code(() => signSolanaTransaction(unsigned(), stranger))).toBe('INVALID_INPUT');
      const bad = signed.slice();
      bad[10] = (bad[10] as number) ^ 1;
      expect(decodeSolanaTransaction(bad).signers[0]?.signatureValid).toBe(false);
    });
  });

  describe('v0 transactions', () => {
    it('the web3.js v0 codec vector: its fields, then refused by sanitization', () => {
      const bytes = Uint8Array.from([
        128, 3, 2, 1, 2, ...fill(11), ...fill(22), ...fill(33),
        2, 44, 0, 0, 55, 2, 77, 66, 3, 7, 8, 9,
        1, ...fill(44), 2, 66, 55, 1, 77,
      ]);
      const m = parseMessageUnsafe(bytes);
      expect(m.version).toBe(0);
      expect(m.header).toEqual({ numRequiredSignatures: 3, numReadonlySignedAccounts: 2, numReadonlyUnsignedAccounts: 1 });
      expect(m.staticAccountKeys.map((k) => base58.encode(k))).toEqual(['k7FaK87WHGVXzkaoHb7CdVPgkKDQhZ29VLDeBVbDfYn', '2VDW9dFE1ZXz4zWAbaBDQFynNVdRpQ73HyfSHMzBSL6Z']);
      expect(base58.encode(m.recentBlockhash)).toBe('3EKkiwNLWqoUbzFkPrmKbtUB4EweE6f4STzevYUmezeL');
      expect(m.instructions.map((i) => ({ p: i.programIdIndex, a: i.accountIndexes, d: Array.from(i.data) }))).toEqual([
        { p: 44, a: [], d: [] },
        { p: 55, a: [77, 66], d: [7, 8, 9] },
      ]);
      expect(m.addressTableLookups.map((l) => ({ t: base58.encode(l.accountKey), w: l.writableIndexes, r: l.readonlyIndexes }))).toEqual([{ t: '3yS1JFVT284y8z1LC9MRoWxZjzFrdoD5axKsZiyMsfC7', w: [66, 55], r: [77] }]);
      expect(serializeMessage(m)).toEqual(bytes);
      // Three signers but two keys, program ids beyond the static keys: the runtime refuses it.
      expect(code(() => parseMessage(bytes))).toBe('INVALID_INPUT');
    });

    function v0Transaction(payer: Uint8Array, cosigner: Uint8Array): { tx: Uint8Array; message: SolanaMessage } {
      const table = fill(7);
      const recipient = fill(5);
      const limit = Uint8Array.of(2, 0x40, 0x0d, 0x03, 0x00); // SetComputeUnitLimit(200_000)
      const price = Uint8Array.of(3, 0x10, 0x27, 0, 0, 0, 0, 0, 0); // SetComputeUnitPrice(10_000 µlamports)
      const message: SolanaMessage = {
        version: 0,
        header: { numRequiredSignatures: 2, numReadonlySignedAccounts: 1, numReadonlyUnsignedAccounts: 2 },
        // payer (writable signer), cosigner (readonly signer), recipient (writable), system, compute budget (readonly)
        staticAccountKeys: [payer, cosigner, recipient, SYSTEM, COMPUTE_BUDGET],
        recentBlockhash: fill(0xbb),
        instructions: [
          { programIdIndex: 4, accountIndexes: [], data: limit },
          { programIdIndex: 4, accountIndexes: [], data: price },
          { programIdIndex: 3, accountIndexes: [0, 2], data: transferData(1_500_000_000n) },
          // To an account loaded from the table: writable index 5 of the combined list.
          { programIdIndex: 3, accountIndexes: [0, 5], data: transferData(25n) },
          { programIdIndex: 3, accountIndexes: [0, 6], data: Uint8Array.of(9, 9) }, // unknown System instruction
        ],
        addressTableLookups: [{ accountKey: table, writableIndexes: [3], readonlyIndexes: [8] }],
      };
      const m = serializeMessage(message);
      return { tx: serializeTransaction([new Uint8Array(64), new Uint8Array(64)], m), message };
    }

    it('decodes roles, lookups, transfers in SOL and the priority fee; two signers sign in their own slots', () => {
      const payer = ed25519Signer(engine, fill(1));
      const cosigner = ed25519Signer(engine, fill(2));
      const { tx } = v0Transaction(payer.publicKey, cosigner.publicKey);
      const s = decodeSolanaTransaction(tx);
      expect(s.version).toBe(0);
      expect(s.feePayer).toBe(solanaAddress(payer.publicKey));
      expect(s.signers.map((x) => [x.writable, x.signed])).toEqual([
        [true, false],
        [false, false],
      ]);
      expect(s.programIds).toEqual(['ComputeBudget111111111111111111111111111111', '11111111111111111111111111111111']);
      expect(s.instructions.map((i) => i.name)).toEqual(['SetComputeUnitLimit', 'SetComputeUnitPrice', 'Transfer', 'Transfer', null]);
      expect(s.solTransfers.map((t) => [t.to.address, t.to.lookup, t.sol])).toEqual([
        [base58.encode(fill(5)), undefined, '1.5'],
        [null, { table: base58.encode(fill(7)), index: 3 }, '0.000000025'],
      ]);
      expect(s.lamportsOutBySigner).toEqual({ [solanaAddress(payer.publicKey)]: 1_500_000_025n });
      expect(s.instructions[4]?.accounts[1]).toEqual({ index: 6, address: null, lookup: { table: base58.encode(fill(7)), index: 8 }, signer: false, writable: false });
      expect(s.fee).toEqual({ baseLamports: 10_000n, microLamportsPerComputeUnit: 10_000n, computeUnitLimit: 200_000, priorityLamports: 2_000n, totalLamports: 12_000n, totalSol: '0.000012' });

      // The co-signer first: slot 1; the payer's slot stays empty.
      const first = signSolanaTransaction(tx, cosigner);
      expect(first.signerIndex).toBe(1);
      expect(first.complete).toBe(false);
      expect(first.summary.signers.map((x) => x.signatureValid)).toEqual([null, true]);
      const second = signSolanaTransaction(first.transactionBase64, payer);
      expect(second.signerIndex).toBe(0);
      expect(second.complete).toBe(true);
      const parsed = parseTransaction(second.transaction);
      expect(ed25519.verify(parsed.signatures[0] as Uint8Array, parsed.messageBytes, payer.publicKey, { zip215: false })).toBe(true);
      expect(ed25519.verify(parsed.signatures[1] as Uint8Array, parsed.messageBytes, cosigner.publicKey, { zip215: false })).toBe(true);
    });

    it('a durable-nonce transaction is flagged', () => {
      const payer = ed25519Signer(engine, fill(1));
      const nonce = fill(3);
      const sysvar = base58.decode('SysvarRecentB1ockHashes11111111111111111111');
      const message: SolanaMessage = {
        version: 'legacy',
        header: { numRequiredSignatures: 1, numReadonlySignedAccounts: 0, numReadonlyUnsignedAccounts: 2 },
        staticAccountKeys: [payer.publicKey, nonce, sysvar, SYSTEM],
        recentBlockhash: fill(0xcc),
        instructions: [{ programIdIndex: 3, accountIndexes: [1, 2, 0], data: Uint8Array.of(4, 0, 0, 0) }],
        addressTableLookups: [],
      };
      const s = decodeSolanaTransaction(serializeTransaction([new Uint8Array(64)], serializeMessage(message)));
      expect(s.instructions[0]?.name).toBe('AdvanceNonceAccount');
      expect(s.durableNonce?.nonceAccount.address).toBe(base58.encode(nonce));
      expect(s.durableNonce?.authority.address).toBe(solanaAddress(payer.publicKey));
    });
  });

  describe('malformed input is INVALID_INPUT, nothing signed', () => {
    const good = base64.decode(v.legacyTransfer.signedBase64);
    const msg = good.slice(65);
    const withMessage = (m: Uint8Array, sigs = 1) => serializeTransaction(Array.from({ length: sigs }, () => new Uint8Array(64)), m);

    it('layout errors', () => {
      expect(code(() => decodeSolanaTransaction(good.subarray(0, good.length - 1)))).toBe('INVALID_INPUT'); // truncated
      expect(code(() => decodeSolanaTransaction(Uint8Array.from([...good, 0])))).toBe('INVALID_INPUT'); // trailing byte
      expect(code(() => decodeSolanaTransaction(Uint8Array.from([0x81, 0x00, ...good.subarray(1)])))).toBe('INVALID_INPUT'); // non-canonical shortvec
      expect(code(() => decodeSolanaTransaction(withMessage(msg, 2)))).toBe('INVALID_INPUT'); // 2 slots, 1 signer
      expect(code(() => decodeSolanaTransaction(withMessage(Uint8Array.from([0x81, ...msg]))))).toBe('INVALID_INPUT'); // version 1
      expect(code(() => decodeSolanaTransaction(new Uint8Array(0)))).toBe('INVALID_INPUT');
      expect(code(() => decodeSolanaTransaction('%%%'))).toBe('INVALID_INPUT');
      expect(code(() => decodeSolanaTransaction(42 as never))).toBe('INVALID_INPUT');
      expect(encodeShortvec(0x3fff)).toEqual(Uint8Array.of(0xff, 0x7f));
      expect(encodeShortvec(0x4000)).toEqual(Uint8Array.of(0x80, 0x80, 0x01));
    });

    it('sanitization errors (what the runtime rejects)', () => {
      const base = parseMessage(msg);
      const variants: [string, SolanaMessage][] = [
        ['readonly signers ≥ signers', { ...base, header: { ...base.header, numReadonlySignedAccounts: 1 } }],
        ['header beyond the keys', { ...base, header: { ...base.header, numReadonlyUnsignedAccounts: 3 } }],
        ['fee payer as program', { ...base, instructions: [{ programIdIndex: 0, accountIndexes: [], data: new Uint8Array(0) }] }],
        ['account index out of range', { ...base, instructions: [{ programIdIndex: 2, accountIndexes: [0, 3], data: new Uint8Array(0) }] }],
        ['duplicate keys', { ...base, staticAccountKeys: [base.staticAccountKeys[0] as Uint8Array, base.staticAccountKeys[0] as Uint8Array, base.staticAccountKeys[2] as Uint8Array] }],
        ['program id from a lookup table', { ...base, version: 0, addressTableLookups: [{ accountKey: fill(7), writableIndexes: [], readonlyIndexes: [0] }], instructions: [{ programIdIndex: 3, accountIndexes: [], data: new Uint8Array(0) }] }],
        ['unused lookup table', { ...base, version: 0, addressTableLookups: [{ accountKey: fill(7), writableIndexes: [], readonlyIndexes: [] }] }],
      ];
      for (const [why, m] of variants) expect(code(() => decodeSolanaTransaction(withMessage(serializeMessage(m)))), why).toBe('INVALID_INPUT');
      expect(code(() => signSolanaTransaction(withMessage(serializeMessage(variants[0]?.[1] as SolanaMessage)), sender()))).toBe('INVALID_INPUT');
    });

    it('an off-chain message is never a transaction message', () => {
      const off = encodeOffchainMessage('hello', { signers: [sender().publicKey] });
      expect(code(() => parseMessage(off))).toBe('INVALID_INPUT');
      expect(code(() => signSolanaTransaction(withMessage(off), sender()))).toBe('INVALID_INPUT');
    });

    it('random corruption: parsed or INVALID_INPUT, never another failure', () => {
      let seed = 12345;
      const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
      let refused = 0;
      for (let i = 0; i < 2000; i++) {
        const bytes = good.slice(0, rand() % 4 === 0 ? rand() % good.length : good.length);
        for (let k = 0; k < 1 + (rand() % 3); k++) if (bytes.length > 0) bytes[rand() % bytes.length] = rand() & 0xff;
        const c = code(() => decodeSolanaTransaction(bytes));
        if (c !== undefined) {
          expect(c).toBe('INVALID_INPUT');
          refused++;
        }
      }
      expect(refused).toBeGreaterThan(500);
    });
  });

  describe('off-chain messages', () => {
    it('solana-cli layout: solana-sdk serialization and hash vectors', () => {
      for (const c of v.offchainCli) {
        const bytes = encodeOffchainMessage(c.text, { layout: 'solana-cli' });
        if (c.serialized !== undefined) expect(Array.from(bytes)).toEqual(c.serialized);
        expect(base58.encode(sha256(bytes))).toBe(c.sha256Base58);
        const d = decodeOffchainMessage(bytes, 'solana-cli');
        expect(d.format).toBe(c.format);
        expect(d.text).toBe(c.text);
        const signed = signOffchainMessage(sender(), c.text, { layout: 'solana-cli' });
        expect(signed.message).toEqual(bytes);
        expect(ed25519.verify(signed.signature, bytes, sender().publicKey, { zip215: false })).toBe(true);
        expect(signed.envelope).toBeNull();
      }
    });

    it('preamble layout: the bytes of the proposal’s table, signed and enveloped', () => {
      const s = sender();
      const domain = fill(1);
      const expected = Uint8Array.from([
        0xff, ...new TextEncoder().encode('solana offchain'), // signing domain @0x00, 16 bytes
        0x00, // header version
        ...domain, // application domain @0x11
        0x00, // format @0x31: restricted ASCII
        0x01, // signer count @0x32
        ...s.publicKey, // signers @0x33
        0x05, 0x00, // length, u16 LE
        ...new TextEncoder().encode('Hello'),
      ]);
      expect(expected.length).toBe(0x33 + 32 + 2 + 5);
      expect(encodeOffchainMessage('Hello', { applicationDomain: domain, signers: [s.publicKey] })).toEqual(expected);
      const out = signOffchainMessage(s, 'Hello', { applicationDomain: domain });
      expect(out.message).toEqual(expected);
      expect(out.summary).toEqual({ layout: 'preamble', version: 0, format: 0, formatName: 'restricted ASCII', applicationDomain: base58.encode(domain), signers: [solanaAddress(s.publicKey)], text: 'Hello', length: 5 });
      expect(ed25519.verify(out.signature, expected, s.publicKey, { zip215: false })).toBe(true);
      expect(verifyOffchainMessage(expected, out.signature, s.publicKey)).toBe(true);
      expect(verifyOffchainMessage(expected, out.signature, fill(9))).toBe(false);
      expect(out.envelope).toEqual(Uint8Array.from([1, ...out.signature, ...expected]));
      // Two signers: ours goes to its own slot of the envelope.
      const other = ed25519Signer(engine, fill(4));
      const two = signOffchainMessage(s, 'Hello', { signers: [other.publicKey, s.publicKey] });
      expect(Array.from((two.envelope as Uint8Array).subarray(0, 129))).toEqual([2, ...new Uint8Array(64), ...two.signature]);
      expect(signSerializedOffchainMessage(other, two.message).signature).toEqual(other.sign(two.message));
      expect(code(() => signSerializedOffchainMessage(ed25519Signer(engine, fill(5)), two.message))).toBe('INVALID_INPUT');
    });

    it('formats: chosen from the body, enforced both ways', () => {
      const s = sender();
      expect(signOffchainMessage(s, 'plain').summary.format).toBe(0);
      expect(signOffchainMessage(s, 'déjà vu').summary.format).toBe(1);
      expect(signOffchainMessage(s, 'x'.repeat(2000)).summary.format).toBe(2);
      expect(code(() => signOffchainMessage(s, 'line\nbreak', { format: 0 }))).toBe('INVALID_INPUT');
      expect(signOffchainMessage(s, 'line\nbreak').summary.format).toBe(1);
      expect(code(() => signOffchainMessage(s, 'é', { format: 0 }))).toBe('INVALID_INPUT');
      expect(code(() => signOffchainMessage(s, 'x'.repeat(2000), { format: 1 }))).toBe('INVALID_INPUT');
      expect(code(() => signOffchainMessage(s, Uint8Array.of(0xc3, 0x28)))).toBe('INVALID_INPUT'); // invalid UTF-8
      expect(code(() => signOffchainMessage(s, ''))).toBe('INVALID_INPUT');
      expect(code(() => signOffchainMessage(s, 'x'.repeat(70_000)))).toBe('INVALID_INPUT');
      expect(code(() => signOffchainMessage(s, 'x', { applicationDomain: new Uint8Array(31) }))).toBe('INVALID_INPUT');
      const good = encodeOffchainMessage('Hello', { signers: [s.publicKey] });
      const bad = (i: number, b: number) => {
        const c = good.slice();
        c[i] = b;
        return c;
      };
      expect(code(() => decodeOffchainMessage(bad(0, 0xfe)))).toBe('INVALID_INPUT'); // domain
      expect(code(() => decodeOffchainMessage(bad(16, 1)))).toBe('INVALID_INPUT'); // version
      expect(code(() => decodeOffchainMessage(bad(0x31, 3)))).toBe('INVALID_INPUT'); // format
      expect(code(() => decodeOffchainMessage(bad(0x32, 0)))).toBe('INVALID_INPUT'); // no signers
      expect(code(() => decodeOffchainMessage(good.subarray(0, good.length - 1)))).toBe('INVALID_INPUT'); // length
      expect(code(() => decodeOffchainMessage(bad(good.length - 1, 0x0a)))).toBe('INVALID_INPUT'); // format 0 with a newline
      expect(formatSol(1_000_000_000n)).toBe('1');
      expect(formatSol(1n)).toBe('0.000000001');
    });
  });
});
