/**
 * Test helpers: temporary data directories and a facade with fast Argon2id parameters
 * (the production defaults are exercised by the benchmark and one vault test).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openCustodian, type CoreOptions, type Custodian } from '../electron/core/custodian.js';
import type { KdfSettings } from '../electron/core/vault/vault.js';

export const FAST_KDF: KdfSettings = { algorithm: 'argon2id', memoryKiB: 1024, iterations: 1, parallelism: 1 };
export const PASSPHRASE = new TextEncoder().encode('correct horse battery staple');

const dirs: string[] = [];

export function tempDir(prefix = 'custos-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export class FakeClock {
  constructor(public t = Date.UTC(2026, 10, 28, 12, 0, 0)) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** A fresh vault, initialised and unlocked. */
export async function unlockedCustodian(options: Partial<CoreOptions> = {}): Promise<Custodian> {
  const c = await openCustodian({ dataDir: options.dataDir ?? tempDir(), kdf: FAST_KDF, ...options });
  await c.init(PASSPHRASE);
  return c;
}
