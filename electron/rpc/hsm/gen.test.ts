/**
 * The committed TypeScript of proto/hsm.proto (electron/rpc/hsm/gen/) is what buf and
 * protoc-gen-es make of the proto today: regenerate into a temporary directory and compare
 * byte for byte. When this fails, run `npm run gen:proto` and commit the result.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const GEN = join(ROOT, 'electron/rpc/hsm/gen');

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe('generated code', () => {
  it('is up to date with proto/hsm.proto (npm run gen:proto)', () => {
    const out = mkdtempSync(join(tmpdir(), 'custos-gen-'));
    try {
      const bin = join(ROOT, 'node_modules/.bin');
      execFileSync(join(bin, 'buf'), ['generate', '--output', out], { cwd: ROOT, env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` }, stdio: ['ignore', 'pipe', 'pipe'] });
      const fresh = join(out, 'electron/rpc/hsm/gen');
      expect(files(fresh)).toEqual(files(GEN));
      for (const f of files(GEN)) expect(readFileSync(join(fresh, f), 'utf8'), f).toBe(readFileSync(join(GEN, f), 'utf8'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
