/**
 * merkle.ts: every transparency-dev/merkle probe (inclusion and consistency, happy paths and
 * mutations), the RFC 6962 reference tree (roots 0–8, all 36 inclusion and 36 consistency
 * proofs reproduced and verified), random trees with mutated proofs, the accumulator against
 * rootOf, bounded leaf reads, sizes beyond 2^32, and the typed errors.
 * Vectors: test/vectors/merkle (see test/vectors/README.md, "RFC 6962/9162 Merkle vectors").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codeOf, hex, readVector } from '../../../test/support.js';
import {
  EMPTY_ROOT,
  HASH_SIZE,
  MerkleAccumulator,
  MerkleRange,
  consistencyProof,
  inclusionProof,
  leafHash,
  nodeHash,
  rootOf,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';

const MERKLE_VECTORS = fileURLToPath(new URL('../../../test/vectors/merkle/', import.meta.url));

function jsonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? jsonFiles(join(dir, entry.name)) : entry.name.endsWith('.json') ? [join(dir, entry.name)] : []))
    .sort();
}

/** Go []byte in JSON is standard base64; Go's nil proof is JSON null. */
const b64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));
const unhex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

interface InclusionProbe {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyProbe {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

type Outcome = 'accepted' | 'rejected' | 'INVALID_INPUT';

/** Run a verifier: true → accepted, false → rejected, a CustodyError → its code. */
function outcome(fn: () => boolean): Outcome {
  let result = false;
  const code = codeOf(() => {
    result = fn();
  });
  if (code === 'OK') return result ? 'accepted' : 'rejected';
  expect(code).toBe('INVALID_INPUT');
  return 'INVALID_INPUT';
}

function loadProbes<T>(kind: 'inclusion' | 'consistency'): { name: string; probe: T }[] {
  const dir = join(MERKLE_VECTORS, kind);
  return jsonFiles(dir).map((path) => ({ name: relative(dir, path), probe: JSON.parse(readFileSync(path, 'utf8')) as T }));
}

describe('transparency-dev/merkle probes', () => {
  const inclusion = loadProbes<InclusionProbe>('inclusion');
  const consistency = loadProbes<ConsistencyProbe>('consistency');

  const runInclusion = (p: InclusionProbe): Outcome =>
    outcome(() => verifyInclusion(b64(p.leafHash), p.leafIdx, p.treeSize, (p.proof ?? []).map(b64), b64(p.root)));
  const runConsistency = (p: ConsistencyProbe): Outcome =>
    outcome(() => verifyConsistency(p.size1, p.size2, (p.proof ?? []).map(b64), b64(p.root1), b64(p.root2)));

  for (const { name, probe } of inclusion) {
    it(`inclusion/${name}: ${probe.desc}`, () => {
      const result = runInclusion(probe);
      if (probe.wantErr) expect(result).not.toBe('accepted');
      else expect(result).toBe('accepted');
    });
  }

  for (const { name, probe } of consistency) {
    it(`consistency/${name}: ${probe.desc}`, () => {
      const result = runConsistency(probe);
      if (probe.wantErr) expect(result).not.toBe('accepted');
      else expect(result).toBe('accepted');
    });
  }

  it('pins the counts: 98 probes per folder, 6 happy and 92 rejected, and how they are rejected', () => {
    expect(inclusion).toHaveLength(98);
    expect(consistency).toHaveLength(98);
    expect(inclusion.filter((p) => !p.probe.wantErr)).toHaveLength(6);
    expect(consistency.filter((p) => !p.probe.wantErr)).toHaveLength(6);
    expect(inclusion.filter((p) => p.probe.wantErr)).toHaveLength(92);
    expect(consistency.filter((p) => p.probe.wantErr)).toHaveLength(92);

    // Deviation, pinned: two probes set leafIdx to 0 - 1 as a Go uint64 (2^64 - 1). That is not
    // a safe integer in JavaScript (JSON.parse rounds it), so verifyInclusion throws
    // INVALID_INPUT instead of returning false. Every other bad probe returns false.
    const thrown = inclusion.filter((p) => runInclusion(p.probe) === 'INVALID_INPUT').map((p) => p.name);
    expect(thrown).toEqual(['0/leafIdx-sub-@1.json', '1/leafIdx-sub-@1.json']);
    expect(inclusion.filter((p) => runInclusion(p.probe) === 'rejected')).toHaveLength(90);
    expect(consistency.filter((p) => runConsistency(p.probe) === 'INVALID_INPUT')).toHaveLength(0);
    expect(consistency.filter((p) => runConsistency(p.probe) === 'rejected')).toHaveLength(92);
  });

  it('the transparency-dev rules: 32-byte leaf hash, exact proof length, size1 = 0 rejected, equal sizes', () => {
    const byName = (name: string): InclusionProbe | ConsistencyProbe | undefined =>
      [...inclusion, ...consistency].find((p) => p.name === name)?.probe;
    expect(byName('single-entry/empty-root-and-leaf.json')?.wantErr).toBe(true);
    expect(verifyInclusion(new Uint8Array(0), 0, 1, [], new Uint8Array(0))).toBe(false);
    expect(byName('additional/sizes-are-equal-zero-and-proof-is-empty.json')?.wantErr).toBe(true);
    expect(verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)).toBe(false);
    // Equal sizes compare the roots as opaque bytes (upstream's happy probe uses 12-byte roots).
    const opaque = new TextEncoder().encode("don't care 2");
    expect(verifyConsistency(1, 1, [], opaque, opaque)).toBe(true);
    expect(verifyConsistency(1, 1, [EMPTY_ROOT], opaque, opaque)).toBe(false);
  });
});

interface ReferenceTree {
  emptyTreeRoot: string;
  leaves: { index: number; data: string; leafHash: string }[];
  roots: { treeSize: number; root: string }[];
  inclusionProofs: { leafIndex: number; treeSize: number; proof: string[] }[];
  consistencyProofs: { size1: number; size2: number; proof: string[] }[];
}

describe('RFC 6962 reference tree (test/vectors/merkle/rfc6962_reference_tree.json)', () => {
  const ref = readVector<ReferenceTree>('merkle/rfc6962_reference_tree.json');
  const leaves = ref.leaves.map((l) => leafHash(unhex(l.data)));
  const leafAt = (i: number): Uint8Array => leaves[i] as Uint8Array;
  const rootAt = (size: number): Uint8Array => unhex(ref.roots.find((r) => r.treeSize === size)?.root ?? '');

  it('holds 8 leaves, 9 roots, 36 inclusion and 36 consistency proofs', () => {
    expect(ref.leaves).toHaveLength(8);
    expect(ref.roots.map((r) => r.treeSize)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ref.inclusionProofs).toHaveLength(36);
    expect(ref.consistencyProofs).toHaveLength(36);
  });

  it('leaf hashes: SHA-256(0x00 ‖ data)', () => {
    expect(ref.leaves.map((l) => l.leafHash)).toEqual(leaves.map(hex));
  });

  it('roots of sizes 0..8, by rootOf and by the accumulator; the empty root is SHA-256("")', () => {
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(EMPTY_ROOT)).toBe(ref.emptyTreeRoot);
    const acc = new MerkleAccumulator();
    for (const { treeSize, root } of ref.roots) {
      expect(hex(rootOf(treeSize, leafAt)), `size ${treeSize}`).toBe(root);
      while (acc.size < treeSize) acc.append(leafAt(acc.size));
      expect(hex(acc.root()), `accumulator size ${treeSize}`).toBe(root);
    }
    // The README's abbreviated values, as a check on the file itself.
    expect(hex(rootAt(8)).startsWith('5dc9da79')).toBe(true);
    expect(hex(rootAt(1)).endsWith('a01d')).toBe(true);
  });

  it('every inclusion proof is reproduced by inclusionProof and verifies', () => {
    for (const p of ref.inclusionProofs) {
      const generated = inclusionProof(p.leafIndex, p.treeSize, leafAt);
      expect(generated.map(hex), `PATH(${p.leafIndex}, ${p.treeSize})`).toEqual(p.proof);
      expect(verifyInclusion(leafAt(p.leafIndex), p.leafIndex, p.treeSize, p.proof.map(unhex), rootAt(p.treeSize))).toBe(true);
    }
  });

  it('every consistency proof is reproduced by consistencyProof and verifies', () => {
    for (const p of ref.consistencyProofs) {
      const generated = consistencyProof(p.size1, p.size2, leafAt);
      expect(generated.map(hex), `PROOF(${p.size1}, ${p.size2})`).toEqual(p.proof);
      expect(verifyConsistency(p.size1, p.size2, p.proof.map(unhex), rootAt(p.size1), rootAt(p.size2))).toBe(true);
    }
  });

  it('the happy probes of the five base cases are proofs over these same leaves, reproduced by the generators', () => {
    // An independent check of the self-generated file: the upstream probes agree with it.
    for (const base of ['0', '1', '2', '3', '4']) {
      const inc = JSON.parse(readFileSync(join(MERKLE_VECTORS, 'inclusion', base, 'happy-path.json'), 'utf8')) as InclusionProbe;
      expect(hex(rootOf(inc.treeSize, leafAt))).toBe(hex(b64(inc.root)));
      expect(inclusionProof(inc.leafIdx, inc.treeSize, leafAt).map(hex)).toEqual((inc.proof ?? []).map((s) => hex(b64(s))));
      const con = JSON.parse(readFileSync(join(MERKLE_VECTORS, 'consistency', base, 'happy-path.json'), 'utf8')) as ConsistencyProbe;
      expect(hex(rootOf(con.size2, leafAt))).toBe(hex(b64(con.root2)));
      expect(consistencyProof(con.size1, con.size2, leafAt).map(hex)).toEqual((con.proof ?? []).map((s) => hex(b64(s))));
    }
  });
});

/** A deterministic PRNG (mulberry32), so a failure names a reproducible tree. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomLeaves(count: number, seed: number): Uint8Array[] {
  const next = prng(seed);
  return Array.from({ length: count }, (_, i) => leafHash(Uint8Array.from({ length: 1 + (i % 7) }, () => Math.floor(next() * 256))));
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[Math.floor(bit / 8) % copy.length] = (copy[Math.floor(bit / 8) % copy.length] as number) ^ (1 << (bit % 8));
  return copy;
}

describe('random trees', () => {
  const leaves = randomLeaves(3101, 0xc057);
  const leafAt = (i: number): Uint8Array => leaves[i] as Uint8Array;
  const roots = new Map<number, Uint8Array>();
  const rootAt = (size: number): Uint8Array => {
    let r = roots.get(size);
    if (r === undefined) roots.set(size, (r = rootOf(size, leafAt)));
    return r;
  };

  it('every inclusion and consistency proof of every tree up to 64 leaves verifies', () => {
    let inclusions = 0;
    let consistencies = 0;
    for (let n = 1; n <= 64; n++) {
      for (let i = 0; i < n; i++) {
        expect(verifyInclusion(leafAt(i), i, n, inclusionProof(i, n, leafAt), rootAt(n)), `PATH(${i}, ${n})`).toBe(true);
        inclusions++;
      }
      for (let m = 1; m <= n; m++) {
        expect(verifyConsistency(m, n, consistencyProof(m, n, leafAt), rootAt(m), rootAt(n)), `PROOF(${m}, ${n})`).toBe(true);
        consistencies++;
      }
    }
    expect([inclusions, consistencies]).toEqual([2080, 2080]);
  });

  /** Sizes around powers of two and random ones up to 3100. */
  const next = prng(42);
  const sizes = [1, 2, 3, 5, 7, 8, 9, 31, 32, 33, 255, 256, 257, 1023, 1024, 1025, 2047, 2048, 2049, 3000, 3100, ...Array.from({ length: 8 }, () => 1 + Math.floor(next() * 3100))];

  it('mutated inclusion proofs fail: flipped bit in any node, leaf or root; wrong index; wrong size; dropped, extra or swapped nodes', () => {
    let mutations = 0;
    const reject = (label: string, accepted: boolean): void => {
      expect(accepted, label).toBe(false);
      mutations++;
    };
    for (const n of sizes) {
      for (const i of [0, n - 1, Math.floor(next() * n), Math.floor(next() * n)]) {
        const proof = inclusionProof(i, n, leafAt);
        const leaf = leafAt(i);
        const root = rootAt(n);
        expect(verifyInclusion(leaf, i, n, proof, root), `PATH(${i}, ${n})`).toBe(true);
        const at = `PATH(${i}, ${n})`;
        proof.forEach((_, k) => reject(`${at} node ${k} flipped`, verifyInclusion(leaf, i, n, proof.map((p, j) => (j === k ? flipBit(p, Math.floor(next() * 256)) : p)), root)));
        reject(`${at} leaf flipped`, verifyInclusion(flipBit(leaf, 7), i, n, proof, root));
        reject(`${at} root flipped`, verifyInclusion(leaf, i, n, proof, flipBit(root, 200)));
        if (i > 0) reject(`${at} index - 1`, verifyInclusion(leaf, i - 1, n, proof, root));
        reject(`${at} index + 1`, verifyInclusion(leaf, i + 1, n, proof, root));
        // A wrong size is checked against that size's real root (see "size is bound by the
        // signed checkpoint" below for why the root must change with it).
        if (n - 1 > i) reject(`${at} size - 1`, verifyInclusion(leaf, i, n - 1, proof, rootAt(n - 1)));
        reject(`${at} size + 1`, verifyInclusion(leaf, i, n + 1, proof, rootAt(n + 1)));
        if (proof.length > 0) {
          reject(`${at} last node dropped`, verifyInclusion(leaf, i, n, proof.slice(0, -1), root));
          reject(`${at} first node dropped`, verifyInclusion(leaf, i, n, proof.slice(1), root));
        }
        reject(`${at} extra node`, verifyInclusion(leaf, i, n, [...proof, leaf], root));
        reject(`${at} extra node first`, verifyInclusion(leaf, i, n, [root, ...proof], root));
        if (proof.length > 1) reject(`${at} nodes swapped`, verifyInclusion(leaf, i, n, [proof[1] as Uint8Array, proof[0] as Uint8Array, ...proof.slice(2)], root));
        reject(`${at} node of wrong length`, verifyInclusion(leaf, i, n, proof.length > 0 ? [(proof[0] as Uint8Array).subarray(1), ...proof.slice(1)] : [new Uint8Array(31)], root));
      }
    }
    expect(mutations).toBeGreaterThan(1000);
  });

  it('mutated consistency proofs fail: flipped bit, wrong sizes, wrong or swapped roots, dropped or extra nodes', () => {
    let mutations = 0;
    const reject = (label: string, accepted: boolean): void => {
      expect(accepted, label).toBe(false);
      mutations++;
    };
    for (const n of sizes) {
      for (const m of [1, n, Math.max(1, n - 1), 1 + Math.floor(next() * n), 1 + Math.floor(next() * n)]) {
        const proof = consistencyProof(m, n, leafAt);
        const r1 = rootAt(m);
        const r2 = rootAt(n);
        const at = `PROOF(${m}, ${n})`;
        expect(verifyConsistency(m, n, proof, r1, r2), at).toBe(true);
        proof.forEach((_, k) => reject(`${at} node ${k} flipped`, verifyConsistency(m, n, proof.map((p, j) => (j === k ? flipBit(p, Math.floor(next() * 256)) : p)), r1, r2)));
        reject(`${at} root1 flipped`, verifyConsistency(m, n, proof, flipBit(r1, 3), r2));
        reject(`${at} root2 flipped`, verifyConsistency(m, n, proof, r1, flipBit(r2, 250)));
        if (m !== n) reject(`${at} roots swapped`, verifyConsistency(m, n, proof, r2, r1));
        if (m > 1) reject(`${at} size1 - 1`, verifyConsistency(m - 1, n, proof, rootAt(m - 1), r2));
        if (m < n) reject(`${at} size1 + 1`, verifyConsistency(m + 1, n, proof, rootAt(m + 1), r2));
        reject(`${at} size2 + 1`, verifyConsistency(m, n + 1, proof, r1, rootAt(n + 1)));
        if (n - 1 >= m && n > 1) reject(`${at} size2 - 1`, verifyConsistency(m, n - 1, proof, r1, rootAt(n - 1)));
        if (proof.length > 0) {
          reject(`${at} last node dropped`, verifyConsistency(m, n, proof.slice(0, -1), r1, r2));
          reject(`${at} first node dropped`, verifyConsistency(m, n, proof.slice(1), r1, r2));
        }
        reject(`${at} extra node`, verifyConsistency(m, n, [...proof, r2], r1, r2));
        if (proof.length > 1) reject(`${at} nodes swapped`, verifyConsistency(m, n, [proof[1] as Uint8Array, proof[0] as Uint8Array, ...proof.slice(2)], r1, r2));
      }
    }
    expect(mutations).toBeGreaterThan(500);
  });

  it('the size is bound by the signed checkpoint, not by the proof: RFC 9162 verification of (leaf 0, size 4) accepts the size-3 path against the size-3 root', () => {
    // PATH(0, 3) = [h1, h2] and PATH(0, 4) = [h1, h23] have the same shape, so a verifier told
    // "size 4" computes the size-3 root. This is RFC 9162 semantics, and why proof-file.ts
    // requires the proof's tree size to equal the signed checkpoint's size.
    expect(verifyInclusion(leafAt(0), 0, 4, inclusionProof(0, 3, leafAt), rootAt(3))).toBe(true);
    expect(verifyInclusion(leafAt(0), 0, 4, inclusionProof(0, 3, leafAt), rootAt(4))).toBe(false);
  });
});

describe('MerkleAccumulator', () => {
  const leaves = randomLeaves(301, 7);
  const leafAt = (i: number): Uint8Array => leaves[i] as Uint8Array;

  it('root() equals rootOf() for every size 0..300, and after toState/fromState at every size', () => {
    const acc = new MerkleAccumulator();
    for (let n = 0; n <= 300; n++) {
      const expected = hex(rootOf(n, leafAt));
      expect(acc.size).toBe(n);
      expect(hex(acc.root()), `size ${n}`).toBe(expected);
      const state = acc.toState();
      expect(state.hashes).toHaveLength(n.toString(2).split('').filter((b) => b === '1').length);
      const resumed = MerkleAccumulator.fromState(JSON.parse(JSON.stringify(state)) as typeof state);
      expect(resumed.size).toBe(n);
      expect(hex(resumed.root()), `resumed at ${n}`).toBe(expected);
      // Resuming and appending gives the same tree as never stopping.
      resumed.append(leafAt(n));
      expect(hex(resumed.root())).toBe(hex(rootOf(n + 1, leafAt)));
      acc.append(leafAt(n));
    }
  });

  it('keeps exactly one hash per set bit of the size (1024 leaves: one; 1025: two)', () => {
    const acc = new MerkleAccumulator();
    for (let n = 0; n < 1024; n++) acc.append(leafAt(n % 301));
    expect(acc.toState().hashes).toHaveLength(1);
    acc.append(leafAt(0));
    expect(acc.toState().hashes).toHaveLength(2);
  });

  it('copies what it is given and what it returns', () => {
    const leaf = Uint8Array.from(leafAt(0));
    const acc = new MerkleAccumulator();
    acc.append(leaf);
    leaf.fill(0);
    expect(hex(acc.root())).toBe(hex(leafAt(0)));
    acc.root().fill(0);
    expect(hex(acc.root())).toBe(hex(leafAt(0)));
    const empty = new MerkleAccumulator().root();
    empty.fill(0);
    expect(hex(new MerkleAccumulator().root())).toBe(hex(EMPTY_ROOT));
  });

  it('fromState refuses malformed states with INVALID_INPUT', () => {
    const good = { size: 5, hashes: [hex(leafAt(0)), hex(leafAt(1))] };
    expect(codeOf(() => MerkleAccumulator.fromState(good))).toBe('OK');
    expect(codeOf(() => MerkleAccumulator.fromState({ size: 5, hashes: [hex(leafAt(0))] }))).toBe('INVALID_INPUT');
    expect(codeOf(() => MerkleAccumulator.fromState({ size: 4, hashes: good.hashes }))).toBe('INVALID_INPUT');
    expect(codeOf(() => MerkleAccumulator.fromState({ size: -1, hashes: [] }))).toBe('INVALID_INPUT');
    expect(codeOf(() => MerkleAccumulator.fromState({ size: 1.5, hashes: [] }))).toBe('INVALID_INPUT');
    expect(codeOf(() => MerkleAccumulator.fromState({ size: 1, hashes: [hex(leafAt(0)).toUpperCase()] }))).toBe('INVALID_INPUT');
    expect(codeOf(() => MerkleAccumulator.fromState({ size: 1, hashes: [hex(leafAt(0)).slice(2)] }))).toBe('INVALID_INPUT');
    expect(codeOf(() => MerkleAccumulator.fromState({ size: 0, hashes: [] }))).toBe('OK');
  });

  it('append refuses anything but a 32-byte leaf hash', () => {
    const acc = new MerkleAccumulator();
    expect(codeOf(() => acc.append(new Uint8Array(31)))).toBe('INVALID_INPUT');
    expect(codeOf(() => acc.append(new Uint8Array(33)))).toBe('INVALID_INPUT');
    expect(acc.size).toBe(0);
  });
});

describe('MerkleRange (chunks hashed apart, joined with appendSubtree)', () => {
  const leaves = randomLeaves(301, 11);
  const leafAt = (i: number): Uint8Array => leaves[i] as Uint8Array;

  function accumulatorOf(size: number): MerkleAccumulator {
    const acc = new MerkleAccumulator();
    for (let i = 0; i < size; i++) acc.append(leafAt(i));
    return acc;
  }

  it('for every start 0..130 and end start..start+170: the accumulator of start plus the range is the tree of end', () => {
    const expected: string[] = [];
    const prefix = new MerkleAccumulator();
    for (let n = 0; n <= 300; n++) {
      expected.push(hex(prefix.root()));
      if (n < 300) prefix.append(leafAt(n));
    }
    for (let start = 0; start <= 130; start++) {
      const base = accumulatorOf(start);
      const range = new MerkleRange(start);
      for (let end = start; end <= start + 170; end++) {
        expect(range.end).toBe(end);
        const acc = base.clone();
        for (const t of range.subtrees()) acc.appendSubtree(t.hash, t.height);
        expect(acc.size).toBe(end);
        if (hex(acc.root()) !== expected[end]) expect.fail(`start ${start}, end ${end}`);
        if (end < start + 170) range.append(leafAt(end));
      }
    }
  });

  it('a tree cut into chunks of any size joins back: 300 leaves in chunks of 1 to 40', () => {
    const expected = hex(rootOf(300, leafAt));
    for (let chunk = 1; chunk <= 40; chunk++) {
      const acc = new MerkleAccumulator();
      for (let start = 0; start < 300; start += chunk) {
        const range = new MerkleRange(start);
        for (let i = start; i < Math.min(start + chunk, 300); i++) range.append(leafAt(i));
        for (const t of range.subtrees()) acc.appendSubtree(t.hash, t.height);
      }
      expect(hex(acc.root()), `chunks of ${chunk}`).toBe(expected);
    }
  });

  it('subtrees stay aligned and few: a range of 2^16 - 1 leaves after 1 has 16', () => {
    const range = new MerkleRange(1);
    for (let i = 1; i < 2 ** 16; i++) range.append(leafAt(i % 301));
    const subtrees = range.subtrees();
    expect(subtrees.map((t) => t.height)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    let at = 1;
    for (const t of subtrees) {
      expect(at % 2 ** t.height).toBe(0);
      at += 2 ** t.height;
    }
    expect(at).toBe(2 ** 16);
  });

  it('appendSubtree refuses a subtree that is not aligned, a bad height or a bad hash; clone is independent', () => {
    const acc = accumulatorOf(6);
    expect(codeOf(() => acc.appendSubtree(leafAt(0), 2))).toBe('INVALID_INPUT'); // 6 is not a multiple of 4
    expect(codeOf(() => acc.appendSubtree(leafAt(0), -1))).toBe('INVALID_INPUT');
    expect(codeOf(() => acc.appendSubtree(leafAt(0), 1.5))).toBe('INVALID_INPUT');
    expect(codeOf(() => acc.appendSubtree(new Uint8Array(31), 1))).toBe('INVALID_INPUT');
    expect(acc.size).toBe(6);
    const copy = acc.clone();
    copy.append(leafAt(6));
    expect(acc.size).toBe(6);
    expect(hex(acc.root())).toBe(hex(rootOf(6, leafAt)));
    expect(hex(copy.root())).toBe(hex(rootOf(7, leafAt)));
    expect(codeOf(() => new MerkleRange(-1))).toBe('INVALID_INPUT');
    expect(codeOf(() => new MerkleRange(0).append(new Uint8Array(33)))).toBe('INVALID_INPUT');
  });
});

describe('bounded work and memory', () => {
  const leaves = randomLeaves(1000, 99);

  /** A getter that counts reads per index. */
  function counting(): { leafAt: (i: number) => Uint8Array; reads: Map<number, number>; order: number[] } {
    const reads = new Map<number, number>();
    const order: number[] = [];
    return {
      reads,
      order,
      leafAt: (i) => {
        reads.set(i, (reads.get(i) ?? 0) + 1);
        order.push(i);
        return leaves[i] as Uint8Array;
      },
    };
  }

  it('rootOf reads each leaf once, in order', () => {
    const c = counting();
    rootOf(1000, c.leafAt);
    expect(c.order).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  const increasing = (order: number[]): boolean => order.every((v, i) => i === 0 || v > (order[i - 1] as number));

  it('inclusionProof reads every other leaf once, in increasing order, and never the proven leaf', () => {
    for (const index of [0, 1, 499, 998, 999]) {
      const c = counting();
      inclusionProof(index, 1000, c.leafAt);
      expect(c.reads.has(index)).toBe(false);
      expect(c.reads.size).toBe(999);
      expect(increasing(c.order)).toBe(true);
    }
  });

  it('consistencyProof reads each leaf of the larger tree at most once, in increasing order', () => {
    for (const [m, n] of [[1, 1000], [512, 1000], [999, 1000], [1000, 1000], [3, 7], [6, 7]] as const) {
      const c = counting();
      consistencyProof(m, n, c.leafAt);
      expect(c.reads.size).toBeLessThanOrEqual(n);
      expect(increasing(c.order)).toBe(true);
    }
  });
});

/**
 * Trees of identical leaves have closed-form subtree roots, so proofs for sizes up to 2^53 - 1
 * can be built here from the RFC 6962 §2.1.1 / §2.1.2 recursive definitions (depth ≤ 53) and
 * given to the verifiers. This checks that no tree arithmetic truncates to 32 bits.
 */
describe('sizes beyond 2^32 (a tree of identical leaves)', () => {
  const U = leafHash(new TextEncoder().encode('custos'));
  const perfect: Uint8Array[] = [U];
  for (let h = 1; h <= 53; h++) perfect.push(nodeHash(perfect[h - 1] as Uint8Array, perfect[h - 1] as Uint8Array));
  const splitOf = (n: number): { k: number; height: number } => {
    let k = 1;
    let height = 0;
    while (k * 2 < n) {
      k *= 2;
      height++;
    }
    return { k, height };
  };
  const mth = (n: number): Uint8Array => {
    if (n === 0) return EMPTY_ROOT;
    if (n === 1) return U;
    const { k, height } = splitOf(n);
    return nodeHash(perfect[height] as Uint8Array, mth(n - k));
  };
  const path = (m: number, n: number): Uint8Array[] => {
    if (n === 1) return [];
    const { k } = splitOf(n);
    return m < k ? [...path(m, k), mth(n - k)] : [...path(m - k, n - k), mth(k)];
  };
  const subproof = (m: number, n: number, original: boolean): Uint8Array[] => {
    if (m === n) return original ? [] : [mth(n)];
    const { k } = splitOf(n);
    return m <= k ? [...subproof(m, k, original), mth(n - k)] : [...subproof(m - k, n - k, false), mth(k)];
  };

  it('the closed forms agree with the generators on small trees', () => {
    const same = (): Uint8Array => U;
    for (let n = 1; n <= 40; n++) {
      expect(hex(mth(n))).toBe(hex(rootOf(n, same)));
      for (let m = 0; m < n; m++) expect(path(m, n).map(hex)).toEqual(inclusionProof(m, n, same).map(hex));
      for (let m = 1; m <= n; m++) expect(subproof(m, n, true).map(hex)).toEqual(consistencyProof(m, n, same).map(hex));
    }
  });

  const big = [2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 33 + 5, 2 ** 40 + 12345, 2 ** 52 + 3, Number.MAX_SAFE_INTEGER];

  it('inclusion proofs in trees of up to 2^53 - 1 leaves verify, and fail with a wrong size or a flipped bit', () => {
    for (const n of big) {
      for (const m of [0, 1, 2 ** 31 + 7, Math.floor(n / 2), n - 2, n - 1]) {
        const proof = path(m, n);
        expect(verifyInclusion(U, m, n, proof, mth(n)), `PATH(${m}, ${n})`).toBe(true);
        expect(verifyInclusion(U, m, n, proof.map((p, j) => (j === 0 ? flipBit(p, 9) : p)), mth(n))).toBe(proof.length === 0);
        if (m < n - 1) expect(verifyInclusion(U, m, n - 1, proof, mth(n - 1)), `PATH(${m}, ${n}) at size ${n - 1}`).toBe(false);
      }
    }
  });

  it('consistency proofs between trees of up to 2^53 - 1 leaves verify, and fail with a wrong size', () => {
    for (const n of big) {
      for (const m of [1, 2 ** 31, 2 ** 32 - 1, Math.floor(n / 3), n - 1, n]) {
        if (m > n) continue;
        const proof = subproof(m, n, true);
        expect(verifyConsistency(m, n, proof, mth(m), mth(n)), `PROOF(${m}, ${n})`).toBe(true);
        if (m > 1 && m < n) expect(verifyConsistency(m - 1, n, proof, mth(m - 1), mth(n)), `PROOF(${m}, ${n}) as ${m - 1}`).toBe(false);
      }
    }
  });
});

describe('typed errors', () => {
  const leaves = randomLeaves(8, 1);
  const leafAt = (i: number): Uint8Array => leaves[i] as Uint8Array;
  const root = rootOf(8, leafAt);
  const proof = inclusionProof(2, 8, leafAt);

  it('verifiers throw INVALID_INPUT only for sizes and indices that are not non-negative safe integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, 2 ** 64]) {
      expect(codeOf(() => verifyInclusion(leafAt(2), bad, 8, proof, root)), `index ${bad}`).toBe('INVALID_INPUT');
      expect(codeOf(() => verifyInclusion(leafAt(2), 2, bad, proof, root)), `size ${bad}`).toBe('INVALID_INPUT');
      expect(codeOf(() => verifyConsistency(bad, 8, [], root, root)), `size1 ${bad}`).toBe('INVALID_INPUT');
      expect(codeOf(() => verifyConsistency(1, bad, [], root, root)), `size2 ${bad}`).toBe('INVALID_INPUT');
    }
  });

  it('verifiers return false, never throw, for any bad proof', () => {
    expect(verifyInclusion(leafAt(2), 8, 8, proof, root)).toBe(false);
    expect(verifyInclusion(leafAt(2), 2, 0, proof, root)).toBe(false);
    expect(verifyInclusion(leafAt(2), 2, 8, proof, root.subarray(1))).toBe(false);
    expect(verifyInclusion(leafAt(2).subarray(0, 31), 2, 8, proof, root)).toBe(false);
    expect(verifyInclusion(leafAt(2), 2, 8, [...proof.slice(0, 2), new Uint8Array(64)], root)).toBe(false);
    expect(verifyConsistency(8, 3, [], root, root)).toBe(false);
    expect(verifyConsistency(3, 8, [], rootOf(3, leafAt), root)).toBe(false);
    expect(verifyConsistency(3, 8, [new Uint8Array(5)], rootOf(3, leafAt), root)).toBe(false);
  });

  it('generators and hashing refuse impossible requests with INVALID_INPUT', () => {
    expect(codeOf(() => inclusionProof(8, 8, leafAt))).toBe('INVALID_INPUT');
    expect(codeOf(() => inclusionProof(0, 0, leafAt))).toBe('INVALID_INPUT');
    expect(codeOf(() => inclusionProof(-1, 8, leafAt))).toBe('INVALID_INPUT');
    expect(codeOf(() => consistencyProof(0, 8, leafAt))).toBe('INVALID_INPUT');
    expect(codeOf(() => consistencyProof(5, 4, leafAt))).toBe('INVALID_INPUT');
    expect(consistencyProof(8, 8, leafAt)).toEqual([]);
    expect(codeOf(() => rootOf(-1, leafAt))).toBe('INVALID_INPUT');
    expect(codeOf(() => rootOf(2, () => new Uint8Array(31)))).toBe('INVALID_INPUT');
    expect(codeOf(() => nodeHash(new Uint8Array(32), new Uint8Array(31)))).toBe('INVALID_INPUT');
    expect(hex(rootOf(0, leafAt))).toBe(hex(EMPTY_ROOT));
  });

  it('leaf and node hashes are domain-separated (RFC 9162 §2.1.1)', () => {
    const l = leafAt(0);
    const r = leafAt(1);
    const concatenated = new Uint8Array(2 * HASH_SIZE);
    concatenated.set(l, 0);
    concatenated.set(r, HASH_SIZE);
    expect(hex(leafHash(concatenated))).not.toBe(hex(nodeHash(l, r)));
    expect(hex(leafHash(new Uint8Array(0)))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    expect(leafHash(new Uint8Array(0))).toBeInstanceOf(Uint8Array);
  });
});
