/**
 * Crash safety: a child generating and rotating keys is killed with SIGKILL at random moments,
 * 50 times. After each kill the vault opens, `PRAGMA integrity_check` says ok, and every
 * operation the child reported as committed is there (and its key still works).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openCustodian } from '../../electron/core/custodian.js';
import { FAST_KDF, PASSPHRASE, tempDir } from '../helpers.js';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const KILLS = 50;

function runAndKill(dataDir: string, prefix: string, delayMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (timer === undefined && out.includes('ready\n')) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited on its own: ${err}`));
      else resolve(out.split('\n').filter((l) => l !== '' && l !== 'ready'));
    });
  });
}

describe('crash safety', () => {
  it(`survives ${KILLS} SIGKILLs mid-write with every reported operation intact`, { timeout: 600_000 }, async () => {
    const dataDir = tempDir();
    const init = await openCustodian({ dataDir, kdf: FAST_KDF });
    await init.init(PASSPHRASE);
    await init.close();

    const expectedVersion = new Map<string, number>();
    let reported = 0;
    for (let i = 0; i < KILLS; i++) {
      const delay = 20 + Math.floor(Math.random() * 300);
      const lines = await runAndKill(dataDir, `c${i}`, delay);
      for (const line of lines) {
        const [op, id, version] = line.split(' ') as [string, string, string | undefined];
        if (op === 'generate') expectedVersion.set(id, Math.max(expectedVersion.get(id) ?? 0, 1));
        else if (op === 'rotate') expectedVersion.set(id, Math.max(expectedVersion.get(id) ?? 0, Number(version)));
        reported++;
      }

      const c = await openCustodian({ dataDir, kdf: FAST_KDF });
      expect(c.integrityCheck()).toBe('ok');
      await c.unlock(PASSPHRASE);
      const present = new Map((await c.listKeys()).map((k) => [k.id, k]));
      for (const [id, version] of expectedVersion) {
        const k = present.get(id);
        expect(k, `reported key ${id} is missing after kill ${i}`).toBeDefined();
        expect(k!.primaryVersion).toBeGreaterThanOrEqual(version);
      }
      // Every key present (reported or not) is whole: its primary version loads and works.
      for (const k of present.values()) {
        if (k.kind === 'secret') (await c.encrypt({ namespace: 'default', keyId: k.id, data: new Uint8Array([1]) }));
        else (await c.sign({ namespace: 'default', keyId: k.id, data: new Uint8Array([1]) }));
      }
      await c.close();
    }
    // The test means something only if the children got real work done between kills.
    console.log(`crash safety: ${KILLS} kills, ${reported} operations reported committed, all present`);
    expect(reported).toBeGreaterThan(KILLS);
  });
});
