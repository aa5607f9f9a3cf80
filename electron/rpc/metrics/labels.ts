/**
 * @module rpc/metrics/labels
 * Label values are bounded here, whatever the source says. Every Prometheus series costs memory
 * in this process and in the server that scrapes it, and a label is printed on an
 * unauthenticated loopback port: so a label value is either from a closed set (error codes,
 * algorithms, key states), or matches a strict pattern and fits under a per-label cap of
 * distinct values; anything else becomes `other`. Nothing here ever sees a key id or principal:
 * the source does not hand them over.
 */
import { isErrorCode } from '../../../shared/errors.js';
import { KEY_ALGORITHMS } from '../../../shared/algorithms.js';

/** The value a label takes when the real one is not allowed or the cap is reached. */
export const OTHER = 'other';

/** Audit action names: `domain.verb`, lower case, e.g. `key.sign`, `hd.derive-range`. */
const ACTION_PATTERN = /^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)+$/;
/** Namespace names as the core validates them (keys/key-store.ts). */
const NAMESPACE_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
/** Key states (keys/key-store.ts KEY_STATES) and HD wallet states. */
const KEY_STATES: ReadonlySet<string> = new Set(['active', 'disabled', 'pending-deletion', 'destroyed']);
/** Key algorithms, plus the HD wallet's BIP-39 seed. */
const ALGORITHMS: ReadonlySet<string> = new Set<string>([...KEY_ALGORITHMS, 'bip39-seed']);

/** Caps on distinct values: far above what the code produces (about 120 actions), far below harm. */
export const MAX_OPERATIONS = 256;
export const MAX_NAMESPACES = 512;

/** Remembers the values it allowed, up to `cap`; new values after that are `other`. */
class BoundedValues {
  private readonly seen = new Set<string>();
  constructor(
    private readonly pattern: RegExp,
    private readonly cap: number,
  ) {}

  has(value: string): boolean {
    return this.seen.has(value);
  }

  of(value: string): string {
    if (this.seen.has(value)) return value;
    if (value.length > 128 || !this.pattern.test(value) || value === OTHER || this.seen.size >= this.cap) return OTHER;
    this.seen.add(value);
    return value;
  }
}

/** The label values of one metrics registry (each registry keeps its own caps). */
export class LabelBounds {
  private readonly operations = new BoundedValues(ACTION_PATTERN, MAX_OPERATIONS);
  private readonly namespaces = new BoundedValues(NAMESPACE_PATTERN, MAX_NAMESPACES);
  private known: ReadonlySet<string> = new Set();

  /** The namespaces that exist, as of the latest snapshot. */
  setKnownNamespaces(names: readonly string[]): void {
    this.known = new Set(names);
  }

  operation(action: string): string {
    return this.operations.of(action);
  }

  /**
   * No namespace (vault and sign-in operations) is the empty label value, which Prometheus reads
   * as "absent". An untrusted name (what a failed request asked for: anyone, even unauthenticated,
   * can ask for any name) is kept only if that namespace exists or a succeeded operation named
   * it before; a succeeded operation's was checked by the core.
   */
  namespace(namespace: string | null, trusted = true): string {
    if (namespace === null) return '';
    if (!trusted && !this.known.has(namespace) && !this.namespaces.has(namespace)) return OTHER;
    return this.namespaces.of(namespace);
  }

  result(result: string): string {
    return result === 'ok' || isErrorCode(result) ? result : OTHER;
  }

  algorithm(algorithm: string): string {
    return ALGORITHMS.has(algorithm) ? algorithm : OTHER;
  }

  state(state: string): string {
    return KEY_STATES.has(state) ? state : OTHER;
  }
}
