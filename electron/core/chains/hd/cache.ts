/**
 * @module core/chains/hd/cache
 * A derivation cache: the interior nodes of a tree (e.g. the Ethereum parent m/44'/60'/0'/0) are
 * derived once and kept, so each further address costs one CKD step instead of five. BIP-32 makes
 * this sound: a child depends only on its parent's key and chain code (§"Child key derivation").
 *
 * Ownership: the cache holds a copy of the root and its own interior nodes; `derive` returns a
 * fresh node that the caller owns (and should `wipe()`), never a cached one, so wiping the cache
 * can never pull a key out from under a caller. Interior nodes are kept in least-recently-used
 * order up to `maxEntries` and wiped when evicted, on `clear()` and on `wipe()`.
 *
 * Secrets: cached private keys (and memoised signers) stay in memory for the life of the cache; that
 * is the trade-off.
 * Build the cache when a vault is unlocked and `wipe()` it when it locks. JavaScript cannot zero
 * what the derivations leave behind (see slip10.ts).
 */
import { CustodyError } from '../../../../shared/errors.js';
import { toIndices } from './path.js';
import type { HdNode } from './slip10.js';

export interface DerivationCache {
  /**
   * The node at `path`, relative to the root (`m` is the root). Every interior node on the way is
   * cached; the result is a new node the caller owns.
   */
  derive(path: string | readonly number[]): HdNode;
  /** Number of cached interior nodes (the root not counted). */
  readonly size: number;
  /**
   * Something built from a derived key and kept with the cache (e.g. a leaf's signer, whose setup
   * costs more than the signature): made once per `key`, least-recently-used beyond
   * `maxMemos`, and disposed when evicted, on `clear()` and on `wipe()`.
   */
  memo<T>(key: string, make: () => T, dispose: (value: T) => void): T;
  /** Wipe and drop the cached interior nodes and memos; the root stays. */
  clear(): void;
  /** Wipe everything, the root copy included. Any later call throws. */
  wipe(): void;
}

export const DEFAULT_CACHE_ENTRIES = 64;
export const DEFAULT_CACHE_MEMOS = 256;

/**
 * @param root the node paths are relative to (usually a master node); it is copied, so the
 *   caller may wipe its own.
 */
export function createDerivationCache(root: HdNode, options: { maxEntries?: number; maxMemos?: number } = {}): DerivationCache {
  const maxEntries = options.maxEntries ?? DEFAULT_CACHE_ENTRIES;
  const maxMemos = options.maxMemos ?? DEFAULT_CACHE_MEMOS;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new CustodyError('INVALID_INPUT', 'maxEntries must be a positive integer');
  if (!Number.isInteger(maxMemos) || maxMemos < 1) throw new CustodyError('INVALID_INPUT', 'maxMemos must be a positive integer');
  const memos = new Map<string, { value: unknown; dispose: (value: unknown) => void }>();
  let base: HdNode | undefined = root.derivePath('m');
  const nodes = new Map<string, HdNode>();

  function live(): HdNode {
    if (base === undefined) throw new CustodyError('INVALID_INPUT', 'this derivation cache was wiped');
    return base;
  }

  function remember(key: string, node: HdNode): void {
    nodes.set(key, node);
    while (nodes.size > maxEntries) {
      const oldest = nodes.keys().next().value as string;
      nodes.get(oldest)?.wipe();
      nodes.delete(oldest);
    }
  }

  /** The cached node for indices[0..depth), deriving and caching what is missing. */
  function interior(indices: readonly number[], depth: number): HdNode {
    let node = live();
    let start = 0;
    for (let d = depth; d > 0; d--) {
      const key = indices.slice(0, d).join('/');
      const hit = nodes.get(key);
      if (hit !== undefined) {
        nodes.delete(key); // refresh its place in LRU order
        nodes.set(key, hit);
        node = hit;
        start = d;
        break;
      }
    }
    for (let d = start; d < depth; d++) {
      node = node.derive(indices[d] as number);
      remember(indices.slice(0, d + 1).join('/'), node);
    }
    return node;
  }

  function clear(): void {
    for (const node of nodes.values()) node.wipe();
    nodes.clear();
    for (const m of memos.values()) m.dispose(m.value);
    memos.clear();
  }

  return {
    derive(path) {
      const indices = toIndices(path);
      if (indices.length === 0) return live().derivePath('m');
      const parent = interior(indices, indices.length - 1);
      return parent.derive(indices[indices.length - 1] as number);
    },
    get size() {
      return nodes.size;
    },
    memo<T>(key: string, make: () => T, dispose: (value: T) => void): T {
      live();
      const hit = memos.get(key);
      if (hit !== undefined) {
        memos.delete(key); // refresh its place in LRU order
        memos.set(key, hit);
        return hit.value as T;
      }
      const value = make();
      memos.set(key, { value, dispose: dispose as (value: unknown) => void });
      while (memos.size > maxMemos) {
        const oldest = memos.keys().next().value as string;
        const m = memos.get(oldest);
        memos.delete(oldest);
        m?.dispose(m.value);
      }
      return value;
    },
    clear,
    wipe() {
      clear();
      base?.wipe();
      base = undefined;
    },
  };
}
