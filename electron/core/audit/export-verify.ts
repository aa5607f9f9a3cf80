/**
 * @module core/audit/export-verify
 * Offline verification of an audit export (`custos audit export`): the hash chain from genesis,
 * the Merkle root at every checkpoint, and every checkpoint's Ed25519 signature against a public
 * key the verifier already trusts. Needs no vault. Trusts only that public key.
 */
import { createHash, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { CustodyError } from '../../../shared/errors.js';
import { verifyCheckpoint } from './checkpoint.js';
import { leafHash, MerkleAccumulator } from './merkle.js';

export interface ExportReport {
  readonly ok: boolean;
  readonly events: number;
  readonly checkpointsVerified: number;
  readonly firstBadSeq?: number;
  readonly reason?: string;
}

interface EventLine {
  type: 'event';
  seq: number;
  event: string;
  chainHash: string;
}

/** Verify export lines against an Ed25519 public key (SPKI PEM). */
export function verifyExport(lines: readonly string[], publicKeyPem: string): ExportReport {
  let key: KeyObject;
  try {
    key = createPublicKey(publicKeyPem);
  } catch (cause) {
    throw new CustodyError('INVALID_INPUT', 'the public key is not a PEM public key', { cause });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new CustodyError('INVALID_INPUT', 'the audit public key must be an Ed25519 key');
  const raw = Uint8Array.from(Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url'));
  const keyName = `custos-audit-${Buffer.from(raw.subarray(0, 4)).toString('hex')}`;
  const verifySig = (message: Uint8Array, signature: Uint8Array): boolean => {
    try {
      return nodeVerify(null, message, key, signature);
    } catch {
      return false;
    }
  };

  const events: EventLine[] = [];
  const checkpoints: { size: number; note: string }[] = [];
  for (const [i, text] of lines.entries()) {
    if (text.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      return { ok: false, events: events.length, checkpointsVerified: 0, firstBadSeq: events.length + 1, reason: `line ${i + 1} is not JSON` };
    }
    const o = obj as Record<string, unknown>;
    if (o.type === 'event' && typeof o.seq === 'number' && typeof o.event === 'string' && typeof o.chainHash === 'string') events.push(o as unknown as EventLine);
    else if (o.type === 'checkpoint' && typeof o.size === 'number' && typeof o.note === 'string') checkpoints.push({ size: o.size, note: o.note });
    else if (o.type !== 'custos.audit.export.v1') return { ok: false, events: events.length, checkpointsVerified: 0, firstBadSeq: events.length + 1, reason: `line ${i + 1} is not an export record` };
  }
  checkpoints.sort((a, b) => a.size - b.size);
  const last = checkpoints[checkpoints.length - 1];
  if (last !== undefined && last.size > events.length) {
    return { ok: false, events: events.length, checkpointsVerified: 0, firstBadSeq: events.length + 1, reason: `a signed checkpoint covers ${last.size} events but the export has ${events.length}: events were removed or the tail truncated` };
  }
  const tree = new MerkleAccumulator();
  let prev: Uint8Array = new Uint8Array(32);
  let cp = 0;
  let verified = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as EventLine;
    const seq = i + 1;
    if (e.seq !== seq) return { ok: false, events: events.length, checkpointsVerified: verified, firstBadSeq: seq, reason: `event ${seq} is missing or out of order (found ${e.seq})` };
    const bytes = new TextEncoder().encode(e.event);
    const chain = createHash('sha256').update(prev).update(bytes).digest();
    if (chain.toString('hex') !== e.chainHash) return { ok: false, events: events.length, checkpointsVerified: verified, firstBadSeq: seq, reason: `event ${seq} does not match the hash chain` };
    prev = chain;
    tree.append(leafHash(bytes));
    while (cp < checkpoints.length && (checkpoints[cp] as { size: number }).size === seq) {
      const note = (checkpoints[cp] as { note: string }).note;
      try {
        const signed = verifyCheckpoint(note, keyName, raw, verifySig);
        if (signed.size !== seq || !Buffer.from(signed.root).equals(Buffer.from(tree.root()))) {
          return { ok: false, events: events.length, checkpointsVerified: verified, firstBadSeq: seq, reason: `the Merkle root at size ${seq} does not match its signed checkpoint` };
        }
      } catch {
        return { ok: false, events: events.length, checkpointsVerified: verified, firstBadSeq: seq, reason: `the checkpoint at size ${seq} has no valid signature by this key` };
      }
      verified++;
      cp++;
    }
  }
  return { ok: true, events: events.length, checkpointsVerified: verified };
}
