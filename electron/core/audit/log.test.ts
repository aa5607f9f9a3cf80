/**
 * The audit log through the facade: one event per operation (success and failure), signed
 * checkpoints, verification, the TAMPERED state, proofs, and the tamper matrix on the database
 * and on an export.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openCustodian, type Custodian } from '../custodian.js';
import { databasePath } from '../vault/database.js';
import { FAST_KDF, PASSPHRASE, tempDir, unlockedCustodian } from '../../../test/helpers.js';
import { codeOfAsync } from '../../../test/support.js';
import { parseCheckpoint, verifyCheckpoint } from './checkpoint.js';
import { verifyExport } from './export-verify.js';
import { canonicalRowBytes, type AuditRow } from './event.js';
import { chainHash, DEFAULT_AUDIT_OPTIONS } from './log.js';
import { checkConsistencyFile, checkInclusionFile } from './proof-file.js';

const MSG = new TextEncoder().encode('audited message');

async function populated(dataDir: string, events = 12): Promise<Custodian> {
  const c = await unlockedCustodian({ dataDir });
  await c.generateKey('default', 'k', 'ed25519');
  while ((await c.auditQuery({ limit: 10_000 })).length < events) await c.sign({ namespace: 'default', keyId: 'k', data: MSG });
  return c;
}

function exportOf(c: Custodian): Promise<string[]> {
  const lines: string[] = [];
  return c.auditExport((l) => lines.push(l)).then(() => lines);
}

function sql(dataDir: string, statement: string, ...args: unknown[]): void {
  const db = new Database(databasePath(dataDir));
  db.prepare(statement).run(...args);
  db.close();
}

async function reopenAndVerify(dataDir: string): Promise<{ report: Awaited<ReturnType<Custodian['unlock']>>; c: Custodian }> {
  const c = await openCustodian({ dataDir, kdf: FAST_KDF });
  const report = await c.unlock(PASSPHRASE);
  return { report, c };
}

describe('audit events', () => {
  it('records every operation, success and failure, without secrets', async () => {
    const c = await unlockedCustodian();
    await c.generateKey('default', 'k', 'ecdsa-p256');
    await c.sign({ namespace: 'default', keyId: 'k', data: MSG });
    expect(await codeOfAsync(c.sign({ namespace: 'default', keyId: 'missing', data: MSG }))).toBe('NOT_FOUND');
    await c.disableKey('default', 'k');
    const events = await c.auditQuery({ limit: 100 });
    const summary = events.map((e) => [e.action, e.result, e.keyId]);
    expect(summary).toEqual([
      ['vault.init', 'ok', null],
      ['key.generate', 'ok', 'k'],
      ['crypto.sign', 'ok', 'k'],
      ['crypto.sign', 'NOT_FOUND', 'missing'],
      ['key.disable', 'ok', 'k'],
    ]);
    const sign = events[2]!;
    expect(sign).toMatchObject({ principal: 'admin', namespace: 'default', keyVersion: 1, client: { transport: 'cli' } });
    expect(sign.details.dataSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(sign.details.algorithm).toBe('ecdsa-p256');
    expect(new Set(events.map((e) => e.seq)).size).toBe(events.length);
    expect(events.map((e) => e.requestId).every((r) => /^[0-9a-f]{24}$/.test(r))).toBe(true);
    // Filters and paging.
    expect((await c.auditQuery({ action: 'crypto.sign', result: 'ok' })).map((e) => e.seq)).toEqual([3]);
    expect((await c.auditQuery({ afterSeq: 3, limit: 1 })).map((e) => e.seq)).toEqual([4]);
    await c.close();
  });

  it('a key state change and its event commit together', async () => {
    const dataDir = tempDir();
    const c = await unlockedCustodian({ dataDir });
    await c.generateKey('default', 'k', 'ed25519');
    await c.rotateKey('default', 'k');
    const rotate = (await c.auditQuery({ action: 'key.rotate' }))[0];
    expect(rotate).toMatchObject({ result: 'ok', keyVersion: 2 });
    await c.close();
  });
});

describe('checkpoints and proofs', () => {
  it('signed C2SP checkpoints; inclusion and consistency proofs verify offline', async () => {
    const dataDir = tempDir();
    const c = await populated(dataDir, 10);
    const cp1 = await c.auditCheckpoint();
    expect(cp1).not.toBeNull();
    for (let i = 0; i < 7; i++) await c.sign({ namespace: 'default', keyId: 'k', data: MSG });
    const cp2 = (await c.auditCheckpoint())!;
    const status = c.auditStatus();
    const pem = status.publicKey!;
    expect(pem).toMatch(/BEGIN PUBLIC KEY/);
    const parsed = parseCheckpoint(cp2.note);
    expect(parsed.origin).toBe(status.origin);
    expect(parsed.size).toBe(cp2.size);

    const { proof, checkpoint } = await c.auditInclusionProof(5, cp2.size);
    const { createPublicKey, verify } = await import('node:crypto');
    const key = createPublicKey(pem);
    const raw = Uint8Array.from(Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url'));
    const name = `custos-audit-${Buffer.from(raw.subarray(0, 4)).toString('hex')}`;
    const cp = verifyCheckpoint(checkpoint, name, raw, (m, s) => verify(null, m, key, s));
    expect(checkInclusionFile(proof, cp)).toEqual({ ok: true });
    expect(checkInclusionFile({ ...proof, event: Buffer.from('forged').toString('base64') }, cp).ok).toBe(false);

    const cons = await c.auditConsistencyProof(cp1!.size, cp2.size);
    const from = verifyCheckpoint(cons.from, name, raw, (m, s) => verify(null, m, key, s));
    const to = verifyCheckpoint(cons.to, name, raw, (m, s) => verify(null, m, key, s));
    expect(checkConsistencyFile(cons.proof, from, to)).toEqual({ ok: true });

    const report = await c.auditVerify(true);
    expect(report).toMatchObject({ ok: true });
    expect(report.checkpointsVerified).toBeGreaterThanOrEqual(2);
    await c.close();
  });
});

describe('tamper matrix (database)', () => {
  // Build a log, checkpoint it, close (which checkpoints again), then tamper behind Custos's back.
  async function tampered(change: (dataDir: string) => void): Promise<{ report: Awaited<ReturnType<Custodian['unlock']>>; c: Custodian }> {
    const dataDir = tempDir();
    const c = await populated(dataDir, 12);
    await c.auditCheckpoint();
    await c.close();
    change(dataDir);
    return reopenAndVerify(dataDir);
  }

  it.each([
    ['a changed byte', (d: string) => sql(d, "UPDATE audit_events SET request_id = (CASE WHEN substr(request_id, 1, 1) = 'f' THEN 'e' ELSE 'f' END) || substr(request_id, 2) WHERE seq = 3"), 3],
    ['a changed result', (d: string) => sql(d, "UPDATE audit_events SET result = 'NOT_FOUND' WHERE seq = 5"), 5],
    ['a deleted event', (d: string) => sql(d, 'DELETE FROM audit_events WHERE seq = 6'), 6],
    [
      'an inserted event',
      (d: string) => {
        sql(d, 'UPDATE audit_events SET seq = seq + 1000 WHERE seq >= 4');
        sql(d, 'UPDATE audit_events SET seq = seq - 999 WHERE seq >= 1000');
        sql(d, "INSERT INTO audit_events SELECT 4, time, principal, namespace, action, key_id, key_version, result, request_id, client, details, chain_hash FROM audit_events WHERE seq = 3");
      },
      4,
    ],
    [
      'two events reordered',
      (d: string) => {
        sql(d, 'UPDATE audit_events SET seq = -7 WHERE seq = 7');
        sql(d, 'UPDATE audit_events SET seq = 7 WHERE seq = 8');
        sql(d, 'UPDATE audit_events SET seq = 8 WHERE seq = -7');
      },
      7,
    ],
  ])('%s is detected at the first bad sequence number', async (_name, change, seq) => {
    const { report, c } = await tampered(change);
    expect(report.ok).toBe(false);
    expect(report.firstBadSeq).toBe(seq);
    // Signing and decryption are refused until an Admin acknowledges; the acknowledgement is audited.
    expect(await codeOfAsync(c.sign({ namespace: 'default', keyId: 'k', data: MSG }))).toBe('TAMPERED');
    expect(c.auditStatus().violations).toBeGreaterThanOrEqual(1);
    await c.auditAcknowledge();
    expect((await c.sign({ namespace: 'default', keyId: 'k', data: MSG })).signature.length).toBe(64);
    expect((await c.auditQuery({ action: 'audit.acknowledge' })).map((e) => e.result)).toEqual(['ok']);
    await c.close();
  });

  it('a truncated tail is detected against the signed checkpoint', async () => {
    const { report, c } = await tampered((d) => {
      const db = new Database(databasePath(d));
      const max = (db.prepare('SELECT max(seq) AS m FROM audit_events').get() as { m: number }).m;
      db.prepare('DELETE FROM audit_events WHERE seq > ?').run(max - 3);
      db.close();
    });
    expect(report.ok).toBe(false);
    expect(report.reason).toMatch(/truncated|deleted/);
    await c.close();
  });

  it('a consistently rewritten chain is caught by the signed Merkle root', async () => {
    const { report, c } = await tampered((d) => {
      // Rewrite event 3 and recompute every chain hash after it, as an attacker with the file could.
      const db = new Database(databasePath(d));
      db.prepare("UPDATE audit_events SET principal = 'mallory' WHERE seq = 3").run();
      const rows = db.prepare('SELECT * FROM audit_events ORDER BY seq').all() as AuditRow[];
      let prev: Uint8Array = new Uint8Array(32);
      for (const row of rows) {
        const next = chainHash(prev, canonicalRowBytes(row));
        db.prepare('UPDATE audit_events SET chain_hash = ? WHERE seq = ?').run(next, row.seq);
        prev = next;
      }
      db.close();
    });
    expect(report.ok).toBe(false);
    expect(report.reason).toMatch(/Merkle root/);
    expect(report.firstBadSeq).toBeLessThanOrEqual(3);
    await c.close();
  });
});

describe('checkpoint origin', () => {
  it('is the configured one for new checkpoints; older checkpoints keep theirs and still verify', async () => {
    const dataDir = tempDir();
    const c = await unlockedCustodian({ dataDir });
    await c.generateKey('default', 'k', 'ed25519');
    const before = await c.auditCheckpoint();
    expect(before?.note.split('\n')[0]).toMatch(/^custos\.audit\/[0-9a-f]{16}$/);
    await c.close();
    const d = await openCustodian({ dataDir, kdf: FAST_KDF, audit: { ...DEFAULT_AUDIT_OPTIONS, origin: 'custos.example/ops' } });
    await d.unlock(PASSPHRASE);
    await d.sign({ namespace: 'default', keyId: 'k', data: MSG });
    const after = await d.auditCheckpoint();
    expect(after?.note.split('\n')[0]).toBe('custos.example/ops');
    expect(d.auditStatus().origin).toBe('custos.example/ops');
    expect((await d.auditVerify(true)).ok).toBe(true);
    await d.close();
  });
});

describe('tamper matrix (export)', () => {
  it.each([
    ['changed byte', (l: string[]) => l.map((x, i) => (i === 3 ? x.replace('admin', 'admiN') : x)), 3],
    ['deleted event', (l: string[]) => l.filter((_x, i) => i !== 5), 5],
    ['inserted event', (l: string[]) => [...l.slice(0, 4), l[3]!, ...l.slice(4)], 4],
    ['reordered events', (l: string[]) => l.map((x, i) => (i === 6 ? l[7]! : i === 7 ? l[6]! : x)), 6],
  ])('%s is detected offline', async (_name, mutate, seq) => {
    const c = await populated(tempDir(), 12);
    await c.auditCheckpoint();
    const lines = await exportOf(c);
    const pem = c.auditStatus().publicKey!;
    await c.close();
    expect(verifyExport(lines, pem)).toMatchObject({ ok: true });
    const report = verifyExport(mutate(lines), pem);
    expect(report.ok).toBe(false);
    expect(report.firstBadSeq).toBe(seq);
  });

  it('a truncated export and a wrong key are refused', async () => {
    const c = await populated(tempDir(), 12);
    await c.auditCheckpoint();
    const lines = await exportOf(c);
    const pem = c.auditStatus().publicKey!;
    await c.close();
    const events = lines.filter((l) => l.includes('"type":"event"'));
    const checkpoints = lines.filter((l) => l.includes('"type":"checkpoint"'));
    expect(verifyExport([lines[0]!, ...events.slice(0, events.length - 2), ...checkpoints], pem).ok).toBe(false);
    const { generateKeyPairSync } = await import('node:crypto');
    const other = generateKeyPairSync('ed25519', { publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }).publicKey;
    expect(verifyExport(lines, other)).toMatchObject({ ok: false });
  });
});

describe('resuming verification', () => {
  it('unlock resumes from the saved tree (no rehash of verified events); checkpoints stay correct; --full still sees old tampering', async () => {
    const dataDir = tempDir();
    const c = await populated(dataDir, 40);
    await c.close(); // verified at unlock, checkpointed at close
    const first = await openCustodian({ dataDir, kdf: FAST_KDF });
    expect((await first.unlock(PASSPHRASE)).checkedFrom).toBe(1); // never verified before (created by init)
    await first.close();
    const again = await openCustodian({ dataDir, kdf: FAST_KDF });
    expect((await again.unlock(PASSPHRASE)).checkedFrom).toBeGreaterThan(40);
    await again.sign({ namespace: 'default', keyId: 'k', data: MSG });
    expect(await again.auditCheckpoint()).not.toBeNull();
    expect(await again.auditVerify(true)).toMatchObject({ ok: true });
    await again.close();
    sql(dataDir, "UPDATE audit_events SET principal = 'mallory' WHERE seq = 5");
    const third = await openCustodian({ dataDir, kdf: FAST_KDF });
    expect((await third.unlock(PASSPHRASE)).ok).toBe(true); // event 5 was verified before: incremental verification starts later
    const full = await third.auditVerify(true);
    expect(full).toMatchObject({ ok: false, firstBadSeq: 5 });
    await third.close();
  });
});
