/**
 * @module core/audit/proof-file
 * The JSON documents that `custos audit prove` and `custos audit consistency` print, and the
 * offline checks that `custos audit check-proof` runs on them with no vault: an RFC 9162
 * §2.1.3 inclusion proof of one event, or an RFC 9162 §2.1.4 consistency proof between two tree
 * sizes, each checked against checkpoints (checkpoint.ts) that the caller has already verified
 * with the audit public key.
 *
 * Trusts: the Checkpoint values it is given (their signatures must have been checked by
 * verifyCheckpoint). Trusts nothing in the proof file: it is parsed strictly (unknown fields,
 * uppercase hex and non-canonical base64 are refused), the leaf hash is recomputed from the
 * event bytes, and the roots that count are the signed ones, never the file's own.
 */
import { z } from 'zod';
import { CustodyError } from '../../../shared/errors.js';
import type { Checkpoint } from './checkpoint.js';
import { leafHash, verifyConsistency, verifyInclusion } from './merkle.js';

/** Checkpoint origin of a vault's audit log: `custos.audit/<vault id>`. */
export const AUDIT_ORIGIN_PREFIX = 'custos.audit/';

export interface InclusionProofFile {
  type: 'custos.audit.inclusion.v1';
  /** Event number, from 1. */
  seq: number;
  /** Leaf index = seq - 1. */
  leafIndex: number;
  treeSize: number;
  /** The canonical event bytes, standard base64. */
  event: string;
  /** SHA-256(0x00 ‖ event bytes), lowercase hex. */
  leafHash: string;
  /** The audit path, leaf level first, lowercase hex. */
  proof: string[];
}

export interface ConsistencyProofFile {
  type: 'custos.audit.consistency.v1';
  size1: number;
  size2: number;
  /** Lowercase hex roots at size1 and size2. */
  root1: string;
  root2: string;
  proof: string[];
}

export type ProofCheck = { ok: true } | { ok: false; reason: string };

/**
 * Parse a proof document printed by `custos audit prove` or `custos audit consistency`.
 * @throws CustodyError INVALID_INPUT naming the field that is wrong.
 */
export function parseProofFile(json: string): InclusionProofFile | ConsistencyProofFile {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', 'the proof file is not JSON', { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CustodyError('INVALID_INPUT', 'the proof file is not a JSON object');
  const type = (value as { type?: unknown }).type;
  if (type === INCLUSION_TYPE) return validate(inclusionSchema, value);
  if (type === CONSISTENCY_TYPE) return validate(consistencySchema, value);
  throw new CustodyError('INVALID_INPUT', `proof file field type: expected "${INCLUSION_TYPE}" or "${CONSISTENCY_TYPE}"`);
}

/**
 * Check an inclusion proof against a verified checkpoint: the checkpoint must be a custos audit
 * checkpoint of the proof's tree size, the leaf hash must be the hash of the event bytes, and
 * the audit path must lead from it to the signed root (RFC 9162 §2.1.3.2).
 * @throws CustodyError INVALID_INPUT when `proof` is not a well-formed InclusionProofFile.
 */
export function checkInclusionFile(proof: InclusionProofFile, checkpoint: Checkpoint): ProofCheck {
  const p = validate(inclusionSchema, proof);
  const originProblem = checkOrigin(checkpoint);
  if (originProblem !== undefined) return fail(originProblem);
  const computed = hex(leafHash(new Uint8Array(Buffer.from(p.event, 'base64'))));
  if (computed !== p.leafHash) return fail(`leafHash ${p.leafHash} is not the leaf hash of the event (${computed})`);
  if (p.treeSize !== checkpoint.size) return fail(`the proof is for tree size ${p.treeSize} but the checkpoint is for ${checkpoint.size}`);
  if (!verifyInclusion(bytes(p.leafHash), p.leafIndex, p.treeSize, p.proof.map(bytes), checkpoint.root)) {
    return fail(`the inclusion proof of event ${p.seq} does not lead to the checkpoint root at size ${checkpoint.size}`);
  }
  return { ok: true };
}

/**
 * Check a consistency proof between two verified checkpoints of the same custos audit log: the
 * sizes and roots in the file must be the checkpoints' own, and the proof must show that the
 * tree at `from` is a prefix of the tree at `to` (RFC 9162 §2.1.4.2).
 * @throws CustodyError INVALID_INPUT when `proof` is not a well-formed ConsistencyProofFile.
 */
export function checkConsistencyFile(proof: ConsistencyProofFile, from: Checkpoint, to: Checkpoint): ProofCheck {
  const p = validate(consistencySchema, proof);
  const originProblem = checkOrigin(from) ?? checkOrigin(to);
  if (originProblem !== undefined) return fail(originProblem);
  if (from.origin !== to.origin) return fail(`the checkpoints come from two different logs ("${from.origin}" and "${to.origin}")`);
  if (p.size1 !== from.size) return fail(`size1 is ${p.size1} but the first checkpoint is for size ${from.size}`);
  if (p.size2 !== to.size) return fail(`size2 is ${p.size2} but the second checkpoint is for size ${to.size}`);
  if (p.root1 !== hex(from.root)) return fail(`root1 is not the root of the first checkpoint`);
  if (p.root2 !== hex(to.root)) return fail(`root2 is not the root of the second checkpoint`);
  if (!verifyConsistency(p.size1, p.size2, p.proof.map(bytes), from.root, to.root)) {
    return fail(`the consistency proof does not show that the tree of size ${p.size1} is a prefix of the tree of size ${p.size2}`);
  }
  return { ok: true };
}

// ------------------------------------------------------------------ internals

const INCLUSION_TYPE = 'custos.audit.inclusion.v1';
const CONSISTENCY_TYPE = 'custos.audit.consistency.v1';
/** An inclusion path has at most 53 nodes and a consistency proof at most 2·53 + 1 for safe-integer sizes. */
const MAX_PROOF_NODES = 128;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const hexHash = z.string().regex(/^[0-9a-f]{64}$/, 'expected a SHA-256 hash as 64 lowercase hex characters');
const treeSize = z.number().int('expected a safe integer').min(1, 'expected at least 1');
const proofNodes = z.array(hexHash).max(MAX_PROOF_NODES, `expected at most ${MAX_PROOF_NODES} nodes`);
const canonicalBase64 = z
  .string()
  .min(1, 'expected the event bytes, not an empty string')
  .regex(BASE64, 'expected standard base64 with padding')
  .refine((s) => Buffer.from(s, 'base64').toString('base64') === s, 'expected canonical base64 (zero padding bits)');

const inclusionSchema = z
  .strictObject({
    type: z.literal(INCLUSION_TYPE),
    seq: treeSize,
    leafIndex: z.number().int('expected a safe integer').min(0, 'expected at least 0'),
    treeSize,
    event: canonicalBase64,
    leafHash: hexHash,
    proof: proofNodes,
  })
  .refine((p) => p.leafIndex === p.seq - 1, { path: ['leafIndex'], message: 'expected seq - 1 (events are numbered from 1, leaves from 0)' })
  .refine((p) => p.leafIndex < p.treeSize, { path: ['leafIndex'], message: 'expected less than treeSize' });

const consistencySchema = z
  .strictObject({
    type: z.literal(CONSISTENCY_TYPE),
    size1: treeSize,
    size2: treeSize,
    root1: hexHash,
    root2: hexHash,
    proof: proofNodes,
  })
  .refine((p) => p.size2 >= p.size1, { path: ['size2'], message: 'expected at least size1' });

/** Parse with `schema`, or throw INVALID_INPUT naming the first offending field. */
function validate<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    throw new CustodyError('INVALID_INPUT', `proof file field ${fieldName([...issue.path, issue.keys[0] ?? ''])}: not a field of this proof type`);
  }
  const field = issue === undefined || issue.path.length === 0 ? '(document)' : fieldName(issue.path);
  throw new CustodyError('INVALID_INPUT', `proof file field ${field}: ${issue?.message ?? 'invalid'}`);
}

function fieldName(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

function checkOrigin(checkpoint: Checkpoint): string | undefined {
  if (!checkpoint.origin.startsWith(AUDIT_ORIGIN_PREFIX) || checkpoint.origin.length === AUDIT_ORIGIN_PREFIX.length) {
    return `the checkpoint origin "${checkpoint.origin}" is not a custos audit log (${AUDIT_ORIGIN_PREFIX}<vault id>)`;
  }
  return undefined;
}

function fail(reason: string): ProofCheck {
  return { ok: false, reason };
}

function hex(value: Uint8Array): string {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
}

function bytes(hexText: string): Uint8Array {
  return new Uint8Array(Buffer.from(hexText, 'hex'));
}
