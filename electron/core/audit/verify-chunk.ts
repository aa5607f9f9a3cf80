/**
 * @module core/audit/verify-chunk
 * Verification of one chunk of consecutive audit events: the unit full verification splits a
 * log into, so that two threads can share the work (see verify-parallel.ts).
 *
 * A chunk (afterSeq, toSeq] checks, for every event, that it is there in order and that
 * SHA-256(previous chain hash ‖ canonical bytes) is its stored chain hash, and hashes its
 * leaves into a MerkleRange. Its first event chains from a hash it is given (the verified
 * state, or genesis) or, for later chunks, from the chain hash stored at afterSeq. Checking
 * event by event against the stored hash of the event before is the sequential check: the
 * chunk before proves that stored hash equal to the computed one (the caller compares
 * `endChain` of a chunk with `startChain` of the next), so the first bad event is the same.
 *
 * Pure over a better-sqlite3 connection: the main one, or a worker's read-only one. Trusts
 * nothing it reads.
 */
import type { Database } from 'better-sqlite3';
import { CANONICAL_COLUMNS, rawRowText, type RawRow } from './event.js';
import { hashEventHex } from './event-hash.js';
import { MerkleRange, type Subtree } from './merkle.js';

export interface ChunkRequest {
  readonly afterSeq: number;
  readonly toSeq: number;
  /** The chain hash before the first event when it is known (first chunk); null: read the one stored at afterSeq. */
  readonly start: Uint8Array | null;
  /** Checkpoint sizes inside (afterSeq, toSeq]: the Merkle range is reported at each. */
  readonly checkpointSizes: readonly number[];
  /** Hash the leaves into a Merkle range (false when the tree before the chunk cannot be known). */
  readonly merkle: boolean;
}

export interface ChunkResult {
  readonly afterSeq: number;
  readonly toSeq: number;
  /** The chain hash the first event was checked against; null when none is stored at afterSeq. */
  readonly startChain: Uint8Array | null;
  /** The chain hash of the last event that verified (startChain when none did). */
  readonly endChain: Uint8Array | null;
  /** The first event that is missing, out of place or off the chain. Nothing after it was checked. */
  readonly failure: { readonly seq: number; readonly reason: string } | null;
  /** The leaves (afterSeq, size] as subtrees, at each checkpoint size whose event verified. */
  readonly snapshots: readonly { readonly size: number; readonly subtrees: readonly Subtree[] }[];
  /** The leaves (afterSeq, last verified event] as subtrees. */
  readonly subtrees: readonly Subtree[];
}

const PAGE = 4096;
/** The stored chain hash as lowercase hex, or NULL when it is not a blob: a string costs far less than a Buffer per row. */
const CHAIN_HEX = "iif(typeof(chain_hash) = 'blob', lower(hex(chain_hash)), NULL)";

export function chainMismatch(seq: number): string {
  return `event ${seq} does not match the hash chain (altered, inserted or reordered)`;
}

export function missingEvent(seq: number): string {
  return `event ${seq} is missing`;
}

/** Verify one chunk. Rows are read a page at a time; no statement stays open between pages. */
export function verifyChunk(db: Database, request: ChunkRequest): ChunkResult {
  const { afterSeq, toSeq } = request;
  let startChain: Uint8Array | null = request.start;
  if (startChain === null) {
    const stored = (db.prepare('SELECT chain_hash FROM audit_events WHERE seq = ?').pluck().get(afterSeq) as unknown) ?? null;
    startChain = Buffer.isBuffer(stored) ? stored : null;
  }
  const range = request.merkle ? new MerkleRange(afterSeq) : null;
  const snapshots: { size: number; subtrees: Subtree[] }[] = [];
  const result = (endChain: string | null, failure: ChunkResult['failure']): ChunkResult => ({
    afterSeq,
    toSeq,
    startChain,
    endChain: endChain === null ? null : Uint8Array.from(Buffer.from(endChain, 'hex')),
    failure,
    snapshots,
    subtrees: range?.subtrees() ?? [],
  });
  // Without the hash before it the first event cannot be checked: the caller reports it off the chain.
  if (startChain === null) return result(null, { seq: afterSeq + 1, reason: chainMismatch(afterSeq + 1) });

  const sizes = request.checkpointSizes;
  let nextCheckpoint = 0;
  let prev = Buffer.from(startChain.buffer, startChain.byteOffset, startChain.byteLength).toString('hex');
  let expected = afterSeq + 1;
  const page = db.prepare(`SELECT ${CANONICAL_COLUMNS}, ${CHAIN_HEX} FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ${PAGE}`).raw(true);
  for (;;) {
    const rows = page.all(expected - 1, toSeq) as RawRow[];
    if (rows.length === 0) break;
    for (const row of rows) {
      const seq = row[0];
      if (seq !== expected) return result(prev, { seq: expected, reason: seq > expected ? missingEvent(expected) : `event ${seq} is out of place` });
      const { chain, leaf } = hashEventHex(prev, rawRowText(row));
      const stored = row[11];
      if (stored !== chain) return result(prev, { seq, reason: chainMismatch(seq) });
      range?.appendBinary(leaf);
      prev = chain;
      while (nextCheckpoint < sizes.length && (sizes[nextCheckpoint] as number) <= seq) {
        if (sizes[nextCheckpoint] === seq) snapshots.push({ size: seq, subtrees: range?.subtrees() ?? [] });
        nextCheckpoint++;
      }
      expected++;
    }
  }
  if (expected !== toSeq + 1) return result(prev, { seq: expected, reason: missingEvent(expected) });
  return result(prev, null);
}
