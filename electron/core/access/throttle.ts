/**
 * @module core/access/throttle
 * Failed authentications, counted per principal in the database so that a restart forgives
 * nothing. After `freeAttempts` failures inside `windowMs` the principal is locked out for
 * `baseDelayMs`, doubling with every further failure up to `maxDelayMs`; a success clears the
 * count, and a window that passes without a lockout starts the count again.
 *
 * The counters are not MACed: they guard against online guessing only. Anyone who can write
 * the file can also copy it and guess offline, which is what Argon2id is for.
 */
import { CustodyError } from '../../../shared/errors.js';
import type { Sqlite } from '../vault/database.js';

export interface ThrottleSettings {
  /** Failures allowed before the lockout starts. */
  readonly freeAttempts: number;
  /** The first lockout; each further failure doubles it. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Failures older than this (with no lockout in force) are forgotten. */
  readonly windowMs: number;
}

export interface ThrottleState {
  readonly failures: number;
  /** Epoch ms until which attempts are refused; 0 when not locked out. */
  readonly lockedUntil: number;
}

interface Row {
  failures: number;
  window_start: number;
  locked_until: number;
}

export class AuthThrottle {
  constructor(
    private readonly db: Sqlite,
    private readonly clock: { now(): number },
    private readonly settings: ThrottleSettings,
  ) {}

  state(principal: string): ThrottleState {
    const row = this.read(principal);
    if (row === undefined) return { failures: 0, lockedUntil: 0 };
    const now = this.clock.now();
    const failures = this.expired(row, now) ? 0 : row.failures;
    return { failures, lockedUntil: row.locked_until > now ? row.locked_until : 0 };
  }

  /** @throws LOCKED_OUT with `retryAfterMs` while a lockout is in force. */
  assertNotLocked(principal: string, what: string): void {
    const row = this.read(principal);
    const now = this.clock.now();
    if (row !== undefined && row.locked_until > now) {
      const retryAfterMs = row.locked_until - now;
      throw new CustodyError('LOCKED_OUT', `${what}: try again in ${Math.ceil(retryAfterMs / 1000)} s`, {
        details: { retryAfterMs, consecutiveFailures: row.failures },
      });
    }
  }

  /** Count one failure (before the slow check runs); returns the failures now in the window. */
  fail(principal: string): number {
    const now = this.clock.now();
    const row = this.read(principal);
    const fresh = row === undefined || this.expired(row, now);
    const failures = fresh ? 1 : row.failures + 1;
    const windowStart = fresh ? now : row.window_start;
    const lockedUntil = this.lockedUntilAfter(failures, now);
    this.db
      .prepare('INSERT INTO auth_failures (principal, failures, window_start, locked_until) VALUES (?, ?, ?, ?) ON CONFLICT (principal) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start, locked_until = excluded.locked_until')
      .run(principal, failures, windowStart, lockedUntil);
    return failures;
  }

  succeed(principal: string): void {
    this.db.prepare('DELETE FROM auth_failures WHERE principal = ?').run(principal);
  }

  private read(principal: string): Row | undefined {
    return this.db.prepare('SELECT failures, window_start, locked_until FROM auth_failures WHERE principal = ?').get(principal) as Row | undefined;
  }

  /** A window that ended with no lockout in force starts over. */
  private expired(row: Row, now: number): boolean {
    return row.locked_until <= now && now - row.window_start >= this.settings.windowMs && row.failures < this.settings.freeAttempts;
  }

  private lockedUntilAfter(failures: number, now: number): number {
    if (failures < this.settings.freeAttempts) return 0;
    const exponent = failures - this.settings.freeAttempts;
    return now + Math.min(this.settings.baseDelayMs * 2 ** Math.min(exponent, 40), this.settings.maxDelayMs);
  }
}
