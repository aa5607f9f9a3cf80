/**
 * GroupCommit on a real SQLite file: concurrent work shares one transaction, promises settle
 * only after COMMIT (a second connection sees the rows), a failure rolls back one item or the
 * whole batch depending on `isolate`, `beforeCommit` writes inside the transaction after the
 * last item (and rolls it back by throwing), and `afterTransaction` runs once per transaction,
 * before any promise settles, told whether it committed.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers.js';
import type { Sqlite } from './database.js';
import { GroupCommit } from './group-commit.js';

function open(): { db: Sqlite; file: string } {
  const file = join(tempDir(), 'group.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (n INTEGER PRIMARY KEY, tx INTEGER NOT NULL)');
  return { db, file };
}

/** Rows as another connection sees them: only what has been committed. */
function committed(file: string): number[] {
  const other = new Database(file, { readonly: true });
  try {
    return (other.prepare('SELECT n FROM t ORDER BY n').all() as { n: number }[]).map((r) => r.n);
  } finally {
    other.close();
  }
}

describe('GroupCommit', () => {
  it('runs work queued in one turn in one transaction and resolves after COMMIT', async () => {
    const { db, file } = open();
    let transactions = 0;
    const commits = new GroupCommit(db, { isolate: true, afterTransaction: () => transactions++ });
    const insert = db.prepare('INSERT INTO t (n, tx) VALUES (?, ?)');
    const seen: number[][] = [];
    const results = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        commits.run(() => insert.run(n, transactions)).then(() => {
          seen.push(committed(file));
          return n;
        }),
      ),
    );
    expect(results).toEqual([1, 2, 3, 4]);
    expect(transactions).toBe(1);
    for (const rows of seen) expect(rows).toEqual([1, 2, 3, 4]);
    db.close();
  });

  it('isolate: a failing item is rolled back alone and rejected; the others commit', async () => {
    const { db, file } = open();
    const commits = new GroupCommit(db, { isolate: true });
    const insert = db.prepare('INSERT INTO t (n, tx) VALUES (?, 0)');
    const outcomes = await Promise.allSettled([
      commits.run(() => insert.run(1)),
      commits.run(() => {
        insert.run(2);
        throw new Error('second fails after writing');
      }),
      commits.run(() => insert.run(3)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(committed(file)).toEqual([1, 3]);
    db.close();
  });

  it('without isolation one failure rolls back and rejects the whole batch', async () => {
    const { db, file } = open();
    const commits = new GroupCommit(db, { isolate: false });
    const insert = db.prepare('INSERT INTO t (n, tx) VALUES (?, 0)');
    const outcomes = await Promise.allSettled([
      commits.run(() => insert.run(1)),
      commits.run(() => {
        throw new Error('fails');
      }),
      commits.run(() => insert.run(3)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(committed(file)).toEqual([]);
    expect(db.inTransaction).toBe(false);
    // The next batch starts clean.
    await commits.run(() => insert.run(4));
    expect(committed(file)).toEqual([4]);
    db.close();
  });

  it('afterTransaction runs once per transaction, committed or rolled back, before promises settle', async () => {
    const { db } = open();
    const log: string[] = [];
    const commits = new GroupCommit(db, { isolate: false, afterTransaction: (committed) => log.push(`end committed=${committed} inTransaction=${db.inTransaction}`) });
    const insert = db.prepare('INSERT INTO t (n, tx) VALUES (?, 0)');
    await Promise.all([commits.run(() => insert.run(1)).then(() => log.push('settled 1')), commits.run(() => insert.run(2)).then(() => log.push('settled 2'))]);
    await commits
      .run(() => {
        throw new Error('fails');
      })
      .catch(() => log.push('rejected'));
    // BEGIN itself failing (another connection holds the write lock) still ends it once.
    const other = new Database(db.name);
    other.exec('BEGIN IMMEDIATE');
    db.pragma('busy_timeout = 0');
    await commits.run(() => insert.run(3)).catch((error: { code?: string }) => log.push(`rejected ${error.code}`));
    other.exec('ROLLBACK');
    other.close();
    expect(log).toEqual([
      'end committed=true inTransaction=false',
      'settled 1',
      'settled 2',
      'end committed=false inTransaction=false',
      'rejected',
      'end committed=false inTransaction=false',
      'rejected SQLITE_BUSY',
    ]);
    db.close();
  });

  it('beforeCommit writes inside the transaction after the last item; throwing there rolls back and rejects the batch', async () => {
    const { db, file } = open();
    const pending: number[] = [];
    let fail = false;
    const ends: boolean[] = [];
    const insert = db.prepare('INSERT INTO t (n, tx) VALUES (?, 1)');
    const commits = new GroupCommit(db, {
      isolate: false,
      beforeCommit: () => {
        expect(db.inTransaction).toBe(true);
        for (const n of pending.splice(0)) insert.run(n);
        if (fail) throw new Error('batch write failed');
      },
      afterTransaction: (committed) => ends.push(committed),
    });
    expect(await Promise.all([1, 2, 3].map((n) => commits.run(() => pending.push(n))))).toEqual([1, 2, 3]);
    expect(committed(file)).toEqual([1, 2, 3]);
    fail = true;
    const outcomes = await Promise.allSettled([4, 5].map((n) => commits.run(() => pending.push(n))));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(committed(file)).toEqual([1, 2, 3]);
    expect(ends).toEqual([true, false]);
    db.close();
  });
});
