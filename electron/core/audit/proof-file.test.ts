/**
 * proof-file.ts: the documents of `custos audit prove` / `custos audit consistency` and the
 * offline `check-proof`, end to end over a small log with checkpoints signed by the engine's
 * Ed25519: every event's inclusion, consistency between checkpoints, the tampering a checker
 * must catch (edited event, wrong checkpoint, forked log, foreign origin), and strict parsing
 * that names the offending field.
 */
import { describe, expect, it } from 'vitest';
import { createCryptoEngine } from '../crypto/index.js';
import { codeOf, hex } from '../../../test/support.js';
import { checkpointBody, signCheckpoint, verifyCheckpoint, type Checkpoint } from './checkpoint.js';
import { consistencyProof, inclusionProof, leafHash, rootOf } from './merkle.js';
import {
  AUDIT_ORIGIN_PREFIX,
  checkConsistencyFile,
  checkInclusionFile,
  parseProofFile,
  type ConsistencyProofFile,
  type InclusionProofFile,
} from './proof-file.js';

const engine = createCryptoEngine();
const ORIGIN = `${AUDIT_ORIGIN_PREFIX}3f2c9a1e-5b7d-4c8e-9f01-23456789abcd`;

/** A log: canonical event bytes (any bytes will do here), its checkpoints, and the two document builders the log will use. */
async function makeLog(events: Uint8Array[], origin = ORIGIN, key?: Awaited<ReturnType<typeof makeKey>>) {
  const k = key ?? (await makeKey());
  const leaves = events.map((e) => leafHash(e));
  const leafAt = (i: number): Uint8Array => leaves[i] as Uint8Array;
  const checkpoint = (size: number): Checkpoint => {
    const note = signCheckpoint(checkpointBody(origin, size, rootOf(size, leafAt)), origin, k.publicKey, k.sign);
    return verifyCheckpoint(note, origin, k.publicKey, k.verify);
  };
  const prove = (seq: number, treeSize: number): InclusionProofFile => ({
    type: 'custos.audit.inclusion.v1',
    seq,
    leafIndex: seq - 1,
    treeSize,
    event: Buffer.from(events[seq - 1] as Uint8Array).toString('base64'),
    leafHash: hex(leafAt(seq - 1)),
    proof: inclusionProof(seq - 1, treeSize, leafAt).map(hex),
  });
  const consistency = (size1: number, size2: number): ConsistencyProofFile => ({
    type: 'custos.audit.consistency.v1',
    size1,
    size2,
    root1: hex(rootOf(size1, leafAt)),
    root2: hex(rootOf(size2, leafAt)),
    proof: consistencyProof(size1, size2, leafAt).map(hex),
  });
  return { key: k, checkpoint, prove, consistency };
}

async function makeKey() {
  const material = await engine.generateKey('ed25519');
  const priv = engine.loadPrivateKey(material);
  const pub = engine.loadPublicKey('ed25519', material.publicKey as Uint8Array);
  return {
    publicKey: engine.exportPublicKey('ed25519', material.publicKey as Uint8Array, 'raw'),
    sign: (m: Uint8Array) => engine.sign(priv, m),
    verify: (m: Uint8Array, s: Uint8Array) => engine.verify(pub, m, s),
  };
}

const events = Array.from({ length: 12 }, (_, i) => new TextEncoder().encode(`["custos.audit.v1",${i + 1},1764331200000,"cli","keys.sign"]`));

/** What `custos audit check-proof` does: the printed JSON goes through parseProofFile first. */
function reparse<T>(file: T): T {
  return parseProofFile(JSON.stringify(file, null, 2)) as T;
}

describe('inclusion proof files', () => {
  it('every event of the log is proven included in the checkpoints that cover it', async () => {
    const log = await makeLog(events);
    for (const size of [1, 5, 12]) {
      const cp = log.checkpoint(size);
      for (let seq = 1; seq <= size; seq++) {
        const file = reparse(log.prove(seq, size));
        expect(file).toEqual(log.prove(seq, size));
        expect(checkInclusionFile(file, cp), `event ${seq} in ${size}`).toEqual({ ok: true });
      }
    }
  });

  it('catches an edited event, a matching edited leaf hash, a flipped proof node, a wrong checkpoint and a foreign origin', async () => {
    const log = await makeLog(events);
    const cp12 = log.checkpoint(12);
    const good = log.prove(7, 12);
    const reasonOf = (file: InclusionProofFile, cp: Checkpoint = cp12): string => {
      const result = checkInclusionFile(file, cp);
      expect(result.ok).toBe(false);
      return result.ok ? '' : result.reason;
    };

    const edited = new TextEncoder().encode('["custos.audit.v1",7,1764331200000,"cli","keys.export"]');
    expect(reasonOf({ ...good, event: Buffer.from(edited).toString('base64') })).toMatch(/is not the leaf hash of the event/);
    expect(reasonOf({ ...good, event: Buffer.from(edited).toString('base64'), leafHash: hex(leafHash(edited)) })).toMatch(/does not lead to the checkpoint root/);
    const flipped = [...good.proof];
    flipped[1] = `${(flipped[1] as string).slice(0, 63)}${(flipped[1] as string).endsWith('0') ? '1' : '0'}`;
    expect(reasonOf({ ...good, proof: flipped })).toMatch(/does not lead/);
    expect(reasonOf({ ...good, proof: good.proof.slice(1) })).toMatch(/does not lead/);
    // The proof's tree size must be the signed one: a proof for 12 against the checkpoint of 5 ...
    expect(reasonOf(good, log.checkpoint(5))).toMatch(/tree size 12 but the checkpoint is for 5/);
    // ... and relabelling it does not help.
    expect(reasonOf({ ...log.prove(3, 12), treeSize: 5 }, log.checkpoint(5))).toMatch(/does not lead/);
    // Another event's proof under this event's bytes.
    expect(reasonOf({ ...log.prove(8, 12), seq: 7, leafIndex: 6, event: good.event, leafHash: good.leafHash })).toMatch(/does not lead/);

    const foreign = await makeLog(events, 'example.com/log');
    expect(reasonOf(foreign.prove(7, 12), foreign.checkpoint(12))).toMatch(/not a custos audit log/);
    const bare = await makeLog(events, AUDIT_ORIGIN_PREFIX.slice(0, -1));
    expect(reasonOf(bare.prove(7, 12), bare.checkpoint(12))).toMatch(/not a custos audit log/);
  });

  it('a malformed proof object is INVALID_INPUT, not a failed check', async () => {
    const log = await makeLog(events);
    const cp = log.checkpoint(12);
    const good = log.prove(2, 12);
    expect(codeOf(() => checkInclusionFile({ ...good, leafIndex: 5 }, cp))).toBe('INVALID_INPUT');
    expect(codeOf(() => checkInclusionFile({ ...good, proof: ['zz'] }, cp))).toBe('INVALID_INPUT');
  });
});

describe('consistency proof files', () => {
  it('checkpoints of one log are consistent, including equal sizes', async () => {
    const log = await makeLog(events);
    for (const [a, b] of [[1, 12], [5, 12], [8, 12], [11, 12], [12, 12], [1, 1], [4, 8]] as const) {
      const file = reparse(log.consistency(a, b));
      expect(checkConsistencyFile(file, log.checkpoint(a), log.checkpoint(b)), `${a} → ${b}`).toEqual({ ok: true });
    }
  });

  it('catches a forked log, swapped or mismatched checkpoints, edited roots, flipped nodes and another log', async () => {
    const log = await makeLog(events);
    const from = log.checkpoint(5);
    const to = log.checkpoint(12);
    const good = log.consistency(5, 12);
    const reasonOf = (file: ConsistencyProofFile, a: Checkpoint, b: Checkpoint): string => {
      const result = checkConsistencyFile(file, a, b);
      expect(result.ok).toBe(false);
      return result.ok ? '' : result.reason;
    };

    // A fork: the same key signs a tree where event 3 was rewritten. Its own proof names its own
    // root at 5, which is not the one we hold; claiming ours instead fails the proof.
    const forkedEvents = events.map((e, i) => (i === 2 ? new TextEncoder().encode('["custos.audit.v1",3,1764331200000,"cli","rewritten"]') : e));
    const fork = await makeLog(forkedEvents, ORIGIN, log.key);
    const forkTo = fork.checkpoint(12);
    expect(reasonOf(fork.consistency(5, 12), from, forkTo)).toMatch(/root1 is not the root of the first checkpoint/);
    expect(reasonOf({ ...fork.consistency(5, 12), root1: good.root1 }, from, forkTo)).toMatch(/is a prefix/);
    expect(reasonOf({ ...good, root2: hex(forkTo.root) }, from, forkTo)).toMatch(/is a prefix/);

    expect(reasonOf(good, to, from)).toMatch(/size1 is 5 but the first checkpoint is for size 12/);
    expect(reasonOf(good, from, log.checkpoint(11))).toMatch(/size2 is 12 but the second checkpoint is for size 11/);
    expect(reasonOf({ ...good, root2: good.root1 }, from, to)).toMatch(/root2 is not the root/);
    const flipped = good.proof.map((p, i) => (i === 0 ? `${p.slice(0, 10)}${p[10] === 'a' ? 'b' : 'a'}${p.slice(11)}` : p));
    expect(reasonOf({ ...good, proof: flipped }, from, to)).toMatch(/is a prefix/);
    expect(reasonOf({ ...good, proof: [] }, from, to)).toMatch(/is a prefix/);

    const other = await makeLog(events, `${AUDIT_ORIGIN_PREFIX}another-vault`, log.key);
    expect(reasonOf(good, from, other.checkpoint(12))).toMatch(/two different logs/);
    const foreign = await makeLog(events, 'sum.example/log', log.key);
    expect(reasonOf(foreign.consistency(5, 12), foreign.checkpoint(5), foreign.checkpoint(12))).toMatch(/not a custos audit log/);
  });
});

describe('parseProofFile', () => {
  const h = 'ab'.repeat(32);
  const inclusion: InclusionProofFile = { type: 'custos.audit.inclusion.v1', seq: 3, leafIndex: 2, treeSize: 5, event: 'AAEC', leafHash: h, proof: [h, h, h] };
  const consistency: ConsistencyProofFile = { type: 'custos.audit.consistency.v1', size1: 3, size2: 5, root1: h, root2: h, proof: [h] };

  it('accepts both document types and returns them unchanged', () => {
    expect(parseProofFile(JSON.stringify(inclusion))).toEqual(inclusion);
    expect(parseProofFile(JSON.stringify(consistency))).toEqual(consistency);
  });

  const cases: [string, string, RegExp][] = [
    ['not JSON', '{"type":', /not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['null', 'null', /not a JSON object/],
    ['no type', JSON.stringify({ ...inclusion, type: undefined }), /field type/],
    ['an unknown type', JSON.stringify({ ...inclusion, type: 'custos.audit.inclusion.v2' }), /field type/],
    ['a missing field', JSON.stringify({ ...inclusion, event: undefined }), /field event/],
    ['an unknown field', JSON.stringify({ ...inclusion, root: h }), /field root: not a field/],
    ['seq 0', JSON.stringify({ ...inclusion, seq: 0, leafIndex: -1 }), /field seq/],
    ['a fractional seq', JSON.stringify({ ...inclusion, seq: 2.5 }), /field seq: expected a safe integer/],
    ['a seq beyond 2^53', JSON.stringify({ ...inclusion, seq: 2 ** 53, leafIndex: 2 ** 53 - 1 }), /field seq/],
    ['a seq as a string', JSON.stringify({ ...inclusion, seq: '3' }), /field seq/],
    ['leafIndex other than seq - 1', JSON.stringify({ ...inclusion, leafIndex: 3 }), /field leafIndex: expected seq - 1/],
    ['leafIndex beyond the tree', JSON.stringify({ ...inclusion, seq: 6, leafIndex: 5 }), /field leafIndex: expected less than treeSize/],
    ['treeSize 0', JSON.stringify({ ...inclusion, treeSize: 0 }), /field treeSize/],
    ['an empty event', JSON.stringify({ ...inclusion, event: '' }), /field event/],
    ['an event in base64url', JSON.stringify({ ...inclusion, event: 'AA-_' }), /field event: expected standard base64/],
    ['an event without padding', JSON.stringify({ ...inclusion, event: 'AAE' }), /field event/],
    ['an event with non-zero padding bits', JSON.stringify({ ...inclusion, event: 'AAF=' }), /field event: expected canonical base64/],
    ['an uppercase leafHash', JSON.stringify({ ...inclusion, leafHash: h.toUpperCase() }), /field leafHash: expected a SHA-256 hash/],
    ['a short leafHash', JSON.stringify({ ...inclusion, leafHash: h.slice(2) }), /field leafHash/],
    ['a bad proof node', JSON.stringify({ ...inclusion, proof: [h, 'xyz', h] }), /field proof\[1\]/],
    ['proof not an array', JSON.stringify({ ...inclusion, proof: h }), /field proof/],
    ['129 proof nodes', JSON.stringify({ ...inclusion, proof: Array.from({ length: 129 }, () => h) }), /field proof: expected at most 128/],
    ['size1 0', JSON.stringify({ ...consistency, size1: 0 }), /field size1/],
    ['size2 below size1', JSON.stringify({ ...consistency, size2: 2 }), /field size2: expected at least size1/],
    ['a bad root1', JSON.stringify({ ...consistency, root1: 'ab' }), /field root1/],
    ['a consistency file with an inclusion field', JSON.stringify({ ...consistency, seq: 1 }), /field seq: not a field/],
  ];

  for (const [label, json, message] of cases) {
    it(`${label}: INVALID_INPUT naming the field`, () => {
      expect(codeOf(() => parseProofFile(json))).toBe('INVALID_INPUT');
      expect(() => parseProofFile(json)).toThrow(message);
    });
  }

  it('counts the cases', () => {
    expect(cases).toHaveLength(27);
  });
});
