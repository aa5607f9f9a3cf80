/**
 * The audit log's append caches against the cases that could make them lie: the chain head a
 * group transaction carries from event to event, the batch's rows inserted together before
 * COMMIT, and the leaf hashes kept for checkpoints. A rolled-back append, a failing group batch,
 * a batch whose INSERT fails, and another connection appending (also at seqs this process had
 * hashed and lost) must each leave a chain and checkpoints that --full verification, which
 * reads every row, accepts.
 */
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openCustodian, type Custodian } from '../custodian.js';
import { FAST_KDF, tempDir, unlockedCustodian } from '../../../test/helpers.js';

describe('append caches (chain head per group transaction, leaf hashes for checkpoints)', () => {
  type Internals = { audit: { appendInTransaction(e: object): number; appendDurable(e: object): Promise<number>; checkpoint(): { size: number } | undefined }; db: Database.Database };
  const event = (requestId: string, principal = 'operator') => ({ principal, namespace: 'default', action: 'test.append', keyId: null, keyVersion: null, result: 'ok', requestId, client: { transport: 'cli' }, details: {} });

  it('a rolled-back append leaves no trace: the next event takes its seq, checkpoints and --full verify agree', async () => {
    const c = await unlockedCustodian();
    const { audit, db } = c as unknown as Internals;
    const before = c.auditStatus().size;
    expect(() =>
      db.transaction(() => {
        audit.appendInTransaction(event('rolled-back-1'));
        audit.appendInTransaction(event('rolled-back-2'));
        throw new Error('the state change failed');
      })(),
    ).toThrow('the state change failed');
    expect(await audit.appendDurable(event('kept'))).toBe(before + 1);
    expect(audit.checkpoint()?.size).toBe(before + 1);
    expect(await c.auditVerify(true)).toMatchObject({ ok: true });
    await c.close();
  });

  it('a group batch that fails drops its cached head; the next batch reads it again', async () => {
    const c = await unlockedCustodian();
    const { audit } = c as unknown as Internals;
    const before = c.auditStatus().size;
    const outcomes = await Promise.allSettled([audit.appendDurable(event('a')), audit.appendDurable(event('b', 'not printable\n')), audit.appendDurable(event('c'))]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(c.auditStatus().size).toBe(before);
    expect(await Promise.all([audit.appendDurable(event('d')), audit.appendDurable(event('e'))])).toEqual([before + 1, before + 2]);
    expect(audit.checkpoint()?.size).toBe(before + 2);
    expect(await c.auditVerify(true)).toMatchObject({ ok: true });
    await c.close();
  });

  it('another connection appending between batches, and at a seq this process rolled back, is chained and checkpointed from its rows', async () => {
    const dataDir = tempDir();
    const c = await unlockedCustodian({ dataDir });
    const mine = c as unknown as Internals;
    const other = (await openCustodian({ dataDir, kdf: FAST_KDF })) as unknown as Internals & Custodian;
    await mine.audit.appendDurable(event('mine-1'));
    // This process computes a leaf for the next seq, then rolls back; the other process takes that seq with another event.
    expect(() =>
      mine.db.transaction(() => {
        mine.audit.appendInTransaction(event('mine-rolled-back'));
        throw new Error('rollback');
      })(),
    ).toThrow('rollback');
    other.db.transaction(() => other.audit.appendInTransaction(event('other-1', 'other')))();
    await Promise.all([mine.audit.appendDurable(event('mine-2')), mine.audit.appendDurable(event('mine-3'))]);
    other.db.transaction(() => other.audit.appendInTransaction(event('other-2', 'other')))();
    await mine.audit.appendDurable(event('mine-4'));
    const size = c.auditStatus().size;
    expect(mine.audit.checkpoint()?.size).toBe(size);
    const report = await c.auditVerify(true);
    expect(report).toMatchObject({ ok: true });
    expect(report.checkpointsVerified).toBeGreaterThanOrEqual(2);
    expect((await c.auditQuery({ action: 'test.append', limit: 100 })).map((e) => e.requestId)).toEqual(['mine-1', 'other-1', 'mine-2', 'mine-3', 'other-2', 'mine-4']);
    await other.close();
    await c.close();
  });

  it('a batch whose INSERT fails before COMMIT leaves no leaf that a checkpoint would trust', async () => {
    const dataDir = tempDir();
    const c = await unlockedCustodian({ dataDir });
    const mine = c as unknown as Internals;
    const other = (await openCustodian({ dataDir, kdf: FAST_KDF })) as unknown as Internals & Custodian;
    const before = c.auditStatus().size;
    // The batch's rows go in together just before COMMIT; make that statement fail on this connection only.
    mine.db.exec("CREATE TEMP TRIGGER fail_boom BEFORE INSERT ON audit_events WHEN NEW.request_id = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END");
    const outcomes = await Promise.allSettled([mine.audit.appendDurable(event('a')), mine.audit.appendDurable(event('b')), mine.audit.appendDurable(event('boom'))]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    mine.db.exec('DROP TRIGGER fail_boom');
    expect(c.auditStatus().size).toBe(before);
    // This process takes the first of those seqs again; another process takes the next two.
    expect(await mine.audit.appendDurable(event('c'))).toBe(before + 1);
    other.db.transaction(() => {
      other.audit.appendInTransaction(event('other-1', 'other'));
      other.audit.appendInTransaction(event('other-2', 'other'));
    })();
    expect(mine.audit.checkpoint()?.size).toBe(before + 3);
    expect(await c.auditVerify(true)).toMatchObject({ ok: true });
    await other.close();
    await c.close();
  });

  it('batches of 1 to 150 events go in whole (INSERTs of 64, 16, 4 and 1 rows) and verify', async () => {
    const c = await unlockedCustodian();
    const { audit } = c as unknown as Internals;
    let next = c.auditStatus().size + 1;
    for (const n of [1, 2, 3, 4, 5, 15, 16, 17, 63, 64, 65, 85, 127, 150]) {
      const seqs = await Promise.all(Array.from({ length: n }, (_, i) => audit.appendDurable(event(`batch-${n}-${i}`))));
      expect(seqs).toEqual(Array.from({ length: n }, (_, i) => next + i));
      next += n;
    }
    expect(c.auditStatus().size).toBe(next - 1);
    expect(await c.auditVerify(true)).toMatchObject({ ok: true });
    await c.close();
  });
});
