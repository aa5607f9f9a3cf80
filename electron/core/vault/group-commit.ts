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

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  /**
   * `isolate: false` drops the per-item savepoint: for work that cannot fail on its own (audit
   * appends), where one failure may fail the whole batch (fail closed) and the savepoints cost
   * more than the work.
   */
  constructor(
    private readonly db: Sqlite,
    private readonly options: { isolate: boolean } = { isolate: true },
  ) {}

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
    const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.db
        .transaction(() => {
          for (const item of batch) {
            try {
              // A nested better-sqlite3 transaction is a SAVEPOINT: a failure rolls back this item only.
              results.push({ ok: true, value: this.options.isolate ? this.db.transaction(item.work)() : item.work() });
            } catch (error) {
              if (!this.options.isolate) throw error;
              results.push({ ok: false, error });
            }
          }
        })
        .immediate();
    } catch (error) {
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const r = results[i];
      if (r?.ok === true) item.resolve(r.value);
      else item.reject(r?.error);
    });
  }
}
