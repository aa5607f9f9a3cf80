/**
 * @module core/access/settings
 * Access settings the facade takes from the configuration file (security.* and namespaces.*).
 */

export interface NamespaceLimits {
  readonly description?: string;
  /** Overrides the quota stored with the namespace. */
  readonly maxKeys?: number;
  readonly rateLimitPerS?: number;
}

export interface AccessSettings {
  /** An operator session ends after this long without a call (default 15 minutes). */
  readonly sessionIdleMs?: number;
  /** Operations per second per principal (a token bucket with `principalBurst`); absent = unlimited. */
  readonly principalRatePerS?: number;
  readonly principalBurst?: number;
  /** Per-namespace limits from the configuration file. */
  readonly namespaces?: Readonly<Record<string, NamespaceLimits>>;
}

