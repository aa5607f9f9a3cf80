/**
 * @module core/access/rate-limit
 * Token buckets keyed by principal and by namespace: `ratePerSecond` tokens flow in, up to
 * `burst`; each operation takes one. In memory, per process — a limit protects the running
 * service; it is not a security boundary across restarts.
 */
import { CustodyError } from '../../../shared/errors.js';

export interface RateLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly clock: { now(): number }) {}

  /**
   * Take one token from the bucket `key` under `limit`.
   * @throws RATE_LIMITED with `retryAfterMs` when the bucket is empty (and takes nothing).
   */
  take(key: string, limit: RateLimit, what: string): void {
    const now = this.clock.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: limit.burst, updated: now };
      this.buckets.set(key, bucket);
    } else {
      const elapsed = Math.max(0, now - bucket.updated) / 1000;
      bucket.tokens = Math.min(limit.burst, bucket.tokens + elapsed * limit.ratePerSecond);
      bucket.updated = now;
    }
    if (bucket.tokens < 1) {
      const retryAfterMs = Math.ceil(((1 - bucket.tokens) / limit.ratePerSecond) * 1000);
      throw new CustodyError('RATE_LIMITED', `rate limit of ${what} exceeded (${limit.ratePerSecond}/s): retry in ${retryAfterMs} ms`, { details: { retryAfterMs } });
    }
    bucket.tokens -= 1;
  }

  /** Forget every bucket (limits changed, or tests). */
  reset(): void {
    this.buckets.clear();
  }
}
