/**
 * @module core/vault/group-commit
 * Group commit: writes queued during one event-loop turn run in a single SQLite transaction
 * (one fsync for the lot), each inside its own savepoint so one failing write does not undo
 * the others. A caller's promise settles only after the transaction has committed, so nothing
 * is ever reported done that a crash could take back. Throughput grows with concurrency.
 */
import type { Sqlite } from './database.js';

interface Pending {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface GroupCommitOptions {
  /**
   * `false` drops the per-item savepoint: for work that cannot fail on its own (audit appends),
   * where one failure may fail the whole batch (fail closed) and the savepoints cost more than
   * the work.
   */
  readonly isolate: boolean;
  /**
   * Called inside each group transaction after the last item's work, before COMMIT: work can
   * leave its writes to one statement for the batch here (the audit log inserts its rows in
   * multi-row INSERTs). If it throws, the transaction rolls back and every item rejects.
   */
  readonly beforeCommit?: () => void;
  /**
   * Called once after each group transaction has ended, with whether it committed, before any
   * caller's promise settles. Lets work cache what it read inside the transaction (the audit
   * chain head) for the rest of the batch and drop it before anyone else can write, and learn
   * which of its writes are durable.
   */
  readonly afterTransaction?: (committed: boolean) => void;
}

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  /** Compiled once: better-sqlite3 builds a wrapper (and BEGIN/COMMIT statements) per `transaction` call. */
  private readonly transact: { immediate: (batch: readonly Pending[], results: Outcome[]) => void };
  /** A nested better-sqlite3 transaction is a SAVEPOINT: a failure rolls back that item only. */
  private readonly savepoint: (work: () => unknown) => unknown;

  constructor(
    private readonly db: Sqlite,
    private readonly options: GroupCommitOptions = { isolate: true },
  ) {
    this.savepoint = db.transaction((work: () => unknown) => work());
    this.transact = db.transaction((batch: readonly Pending[], results: Outcome[]) => {
      for (const item of batch) {
        try {
          results.push({ ok: true, value: this.options.isolate ? this.savepoint(item.work) : item.work() });
        } catch (error) {
          if (!this.options.isolate) throw error;
          results.push({ ok: false, error });
        }
      }
      this.options.beforeCommit?.();
    });
  }

  /** Run `work` inside the next group transaction; resolves with its result after COMMIT. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    const results: Outcome[] = [];
    let failed: { error: unknown } | undefined;
    try {
      this.transact.immediate(batch, results);
    } catch (error) {
      failed = { error };
    } finally {
      this.options.afterTransaction?.(failed === undefined);
    }
    if (failed !== undefined) {
      for (const item of batch) item.reject(failed.error);
      return;
    }
    batch.forEach((item, i) => {
      const r = results[i];
      if (r?.ok === true) item.resolve(r.value);
      else item.reject(r?.error);
    });
  }
}
