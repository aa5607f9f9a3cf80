/**
 * Regression: key generation must not deadlock under garbage-collection pressure. Exporting a
 * KeyObject returned by generateKeyPairSync can deadlock Node 20 (node-keygen.ts); the engine
 * therefore never does. A hang here shows up as a timeout, not as a slow test.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./keygen-gc-child.ts', import.meta.url));

describe('key generation under GC pressure', () => {
  it('generates 20,000 EC and Ed25519 keys with a 1 MiB young generation without hanging', { timeout: 120_000 }, () => {
    const r = spawnSync(process.execPath, ['--max-semi-space-size=1', '--import', 'tsx', CHILD, '20000'], { encoding: 'utf8', timeout: 90_000, killSignal: 'SIGKILL' });
    expect(r.signal, 'the child hung and was killed').toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('generated 20000');
  });
});
