/**
 * @module core/crypto/probe
 * What the running node:crypto can do. Node 20 ships OpenSSL; Electron ships BoringSSL,
 * which lacks secp256k1 and SHA-3 (among others). The registry asks here, once, and falls
 * back to noble/scure for whatever is missing. Trusts only the runtime's own answers.
 */
import { getCiphers, getCurves, getHashes } from 'node:crypto';

export interface RuntimeCapabilities {
  readonly curves: ReadonlySet<string>;
  readonly hashes: ReadonlySet<string>;
  readonly ciphers: ReadonlySet<string>;
}

let cached: RuntimeCapabilities | undefined;

export function probeRuntime(): RuntimeCapabilities {
  cached ??= {
    curves: new Set(getCurves().map((c) => c.toLowerCase())),
    hashes: new Set(getHashes().map((h) => h.toLowerCase())),
    ciphers: new Set(getCiphers().map((c) => c.toLowerCase())),
  };
  return cached;
}

/** Capabilities of a runtime that has nothing: every capability check fails, so noble serves everything it can. */
export const NO_CAPABILITIES: RuntimeCapabilities = {
  curves: new Set(),
  hashes: new Set(),
  ciphers: new Set(),
};
