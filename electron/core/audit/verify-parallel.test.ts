/**
 * Verification in chunks and on a worker thread gives exactly what one pass on this thread
 * gives: on an intact log, and through the tamper matrix (changed byte, deleted, inserted and
 * reordered events at and across chunk boundaries, a truncated tail, a consistently rewritten
 * chain, a forged checkpoint), the report names the same first bad event, reason and number
 * of verified checkpoints. The worker's results are this thread's, chunk by chunk, and when it
 * cannot start this thread does its share.
 */
import Database from 'better-sqlite3';
import { cpSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCustodian, type Custodian } from '../custodian.js';
import { databasePath } from '../vault/database.js';
import { FAST_KDF, PASSPHRASE, tempDir, unlockedCustodian } from '../../../test/helpers.js';
import { canonicalRowBytes, type AuditRow } from './event.js';
import { chainHash } from './log.js';
import { verifyChunk, type ChunkRequest, type ChunkResult } from './verify-chunk.js';
import { verifyChunks } from './verify-parallel.js';

const EVENTS = 300;
const CHUNK = 40;

/** A closed vault with about EVENTS audit events and a checkpoint every 64 of them (kept for the whole file: tempDir's are removed after each test). */
let fixture: string;
afterAll(() => rmSync(fixture, { recursive: true, force: true }));
beforeAll(async () => {
  fixture = mkdtempSync(join(tmpdir(), 'custos-verify-parallel-'));
  const c = await unlockedCustodian({ dataDir: fixture, audit: { checkpointEveryEvents: 64, checkpointEverySeconds: 3600 } });
  await c.generateKey('default', 'k', 'ed25519');
  const data = new TextEncoder().encode('audited');
  while (c.auditStatus().size < EVENTS) await Promise.all(Array.from({ length: 16 }, () => c.sign({ namespace: 'default', keyId: 'k', data })));
  await c.auditCheckpoint();
  await c.close();
});

function copy(): string {
  const dir = tempDir();
  cpSync(fixture, dir, { recursive: true });
  return dir;
}

function sql(dataDir: string, change: (db: Database.Database) => void): void {
  const db = new Database(databasePath(dataDir));
  try {
    change(db);
  } finally {
    db.close();
  }
}

/** --full verification with the given chunk size (a size beyond the log: one chunk, this thread only). */
async function fullVerify(dataDir: string, chunk: number): Promise<{ ok: boolean; firstBadSeq?: number; reason?: string; checkpointsVerified: number }> {
  const c: Custodian = await openCustodian({ dataDir, kdf: FAST_KDF, audit: { checkpointEveryEvents: 1_000_000, checkpointEverySeconds: 1_000_000, verifyChunkEvents: chunk } });
  try {
    await c.unlock(PASSPHRASE);
    const { ok, firstBadSeq, reason, checkpointsVerified } = await c.auditVerify(true);
    return { ok, firstBadSeq, reason, checkpointsVerified };
  } finally {
    await c.close();
  }
}

function normalise(results: ChunkResult[]): unknown {
  return JSON.parse(JSON.stringify(results, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('hex') : v)));
}

describe('verifyChunks', () => {
  it('the worker thread returns what this thread computes, chunk by chunk', () => {
    const db = new Database(databasePath(fixture), { readonly: true });
    try {
      const size = db.prepare('SELECT max(seq) FROM audit_events').pluck().get() as number;
      const sizes = (db.prepare('SELECT tree_size FROM audit_checkpoints ORDER BY tree_size').pluck().all() as number[]).filter((n) => n <= size);
      const chunks: ChunkRequest[] = [];
      for (let after = 0; after < size; after += CHUNK) {
        const to = Math.min(after + CHUNK, size);
        chunks.push({ afterSeq: after, toSeq: to, start: after === 0 ? new Uint8Array(32) : null, checkpointSizes: sizes.filter((n) => n > after && n <= to), merkle: true });
      }
      const here = chunks.map((c) => verifyChunk(db, c));
      expect(here.every((r) => r.failure === null)).toBe(true);
      expect(here.flatMap((r) => r.snapshots.map((s) => s.size))).toEqual(sizes);
      const stats = { byWorker: 0 };
      expect(normalise(verifyChunks(db, chunks, { worker: true, workerOnly: true, stats }))).toEqual(normalise(here));
      expect(stats.byWorker).toBe(chunks.length);
      expect(normalise(verifyChunks(db, chunks, { worker: true }))).toEqual(normalise(here));
      expect(normalise(verifyChunks(db, chunks, { worker: false }))).toEqual(normalise(here));
    } finally {
      db.close();
    }
  });

  it('when the worker cannot start, this thread verifies every chunk itself', () => {
    const dir = copy();
    const file = databasePath(dir);
    const db = new Database(file, { readonly: true });
    try {
      const size = db.prepare('SELECT max(seq) FROM audit_events').pluck().get() as number;
      const chunks: ChunkRequest[] = [];
      for (let after = 0; after < size; after += CHUNK) chunks.push({ afterSeq: after, toSeq: Math.min(after + CHUNK, size), start: after === 0 ? new Uint8Array(32) : null, checkpointSizes: [], merkle: true });
      const here = chunks.map((c) => verifyChunk(db, c));
      // This connection keeps its open file; the worker finds none under the name.
      renameSync(file, `${file}.moved`);
      const stats = { byWorker: 0 };
      expect(normalise(verifyChunks(db, chunks, { worker: true, workerOnly: true, stats }))).toEqual(normalise(here));
      expect(stats.byWorker).toBe(0);
    } finally {
      db.close();
    }
  });
});

describe('chunked --full verification reports what one pass reports', () => {
  it('an intact log verifies with every checkpoint', async () => {
    const dir = copy();
    const one = await fullVerify(copy(), 1_000_000);
    expect(one.ok).toBe(true);
    expect(one.checkpointsVerified).toBeGreaterThanOrEqual(4);
    expect(await fullVerify(dir, CHUNK)).toEqual(one);
  });

  const rewriteChain = (db: Database.Database): void => {
    const rows = db.prepare('SELECT * FROM audit_events ORDER BY seq').all() as AuditRow[];
    let prev: Uint8Array = new Uint8Array(32);
    for (const row of rows) {
      const next = chainHash(prev, canonicalRowBytes(row));
      db.prepare('UPDATE audit_events SET chain_hash = ? WHERE seq = ?').run(next, row.seq);
      prev = next;
    }
  };

  it.each<[string, (db: Database.Database) => void]>([
    ['a changed byte in a later chunk', (db) => db.prepare("UPDATE audit_events SET result = 'NOT_FOUND' WHERE seq = 203").run()],
    ['a changed first event of a chunk', (db) => db.prepare("UPDATE audit_events SET principal = 'mallory' WHERE seq = 121").run()],
    ['a changed last event of a chunk', (db) => db.prepare("UPDATE audit_events SET principal = 'mallory' WHERE seq = 160").run()],
    ['a deleted event at a chunk boundary', (db) => db.prepare('DELETE FROM audit_events WHERE seq = 80').run()],
    ['a deleted event after a chunk boundary', (db) => db.prepare('DELETE FROM audit_events WHERE seq = 81').run()],
    [
      'an inserted event',
      (db) => {
        db.prepare('UPDATE audit_events SET seq = seq + 1000 WHERE seq >= 150').run();
        db.prepare('UPDATE audit_events SET seq = seq - 999 WHERE seq >= 1000').run();
        db.prepare('INSERT INTO audit_events SELECT 150, time, principal, namespace, action, key_id, key_version, result, request_id, client, details, chain_hash FROM audit_events WHERE seq = 149').run();
      },
    ],
    [
      'two events reordered across a chunk boundary',
      (db) => {
        db.prepare('UPDATE audit_events SET seq = -1 WHERE seq = 200').run();
        db.prepare('UPDATE audit_events SET seq = 200 WHERE seq = 201').run();
        db.prepare('UPDATE audit_events SET seq = 201 WHERE seq = -1').run();
      },
    ],
    ['a truncated tail', (db) => db.prepare('DELETE FROM audit_events WHERE seq > 250').run()],
    [
      'a consistently rewritten chain (caught by the signed Merkle root)',
      (db) => {
        db.prepare("UPDATE audit_events SET principal = 'mallory' WHERE seq = 170").run();
        rewriteChain(db);
      },
    ],
    ['a stored Merkle root changed', (db) => db.prepare('UPDATE audit_checkpoints SET root = zeroblob(32) WHERE tree_size = (SELECT min(tree_size) FROM audit_checkpoints WHERE tree_size > 100)').run()],
    ['a checkpoint signature broken', (db) => db.prepare("UPDATE audit_checkpoints SET note = replace(note, '—', '-') WHERE tree_size = (SELECT min(tree_size) FROM audit_checkpoints WHERE tree_size > 100)").run()],
    ['a chain hash that is not a blob', (db) => db.prepare("UPDATE audit_events SET chain_hash = 'text' WHERE seq = 99").run()],
  ])('%s', async (_name, tamper) => {
    const chunked = copy();
    const single = copy();
    sql(chunked, tamper);
    sql(single, tamper);
    const one = await fullVerify(single, 1_000_000);
    expect(one.ok).toBe(false);
    expect(await fullVerify(chunked, CHUNK)).toEqual(one);
  });
});
