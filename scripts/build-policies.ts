/**
 * `npm run build:policies`: compile the AssemblyScript example policies (policies/examples/*.ts,
 * with the SDK in policies/sdk) to dist/policies/<name>.wasm, and check each one the way Custos
 * checks a module at install (no floats, the ABI's exports, only env.log/env.reason imported).
 *
 * `compilePolicy` is also what the example tests use, into memory, so CI builds them every run.
 * Options: --runtime stub (a bump allocator: each evaluation runs on a fresh instance), -O3 with
 * no shrinking, the start function exported as _initialize (the host runs it metered, after the
 * limits are set; a start section would run before), abort routed to the SDK's (reason, then trap).
 */
import asc from 'assemblyscript/asc';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validatePolicyModule } from '../electron/core/policy/wasm/instrument.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const EXAMPLES_DIR = join(ROOT, 'policies', 'examples');
export const BUILD_DIR = join(ROOT, 'dist', 'policies');

/** The example sources, by name (file name without .ts). */
export function examplePolicies(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => basename(f, '.ts'))
    .sort();
}

/** Compile one AssemblyScript policy file (absolute path) to WebAssembly bytes. */
export async function compilePolicy(file: string): Promise<Uint8Array> {
  let binary: Uint8Array | null = null;
  const errors: string[] = [];
  const { error } = await asc.main(
    [
      relative(ROOT, file),
      '--outFile', 'policy.wasm',
      '--runtime', 'stub',
      '--optimizeLevel', '3',
      '--shrinkLevel', '0',
      '--noAssert',
      '--exportStart', '_initialize',
      '--use', 'abort=policies/sdk/index/abort',
      '--noColors',
    ],
    {
      readFile: async (name, baseDir) => {
        const { readFile } = await import('node:fs/promises');
        try {
          return await readFile(join(baseDir, name), 'utf8');
        } catch {
          return null;
        }
      },
      writeFile: (name, contents) => {
        if (name.endsWith('.wasm') && typeof contents !== 'string') binary = contents;
      },
      listFiles: () => [],
      stdout: { write: () => true } as never,
      stderr: { write: (text: string | Uint8Array) => (errors.push(String(text)), true) } as never,
    },
  );
  if (error !== null || binary === null) throw new Error(`${relative(ROOT, file)} does not compile: ${error?.message ?? 'no output'}\n${errors.join('')}`);
  return binary;
}

async function main(): Promise<void> {
  mkdirSync(BUILD_DIR, { recursive: true });
  for (const name of examplePolicies()) {
    const bytes = await compilePolicy(join(EXAMPLES_DIR, `${name}.ts`));
    const facts = await validatePolicyModule(bytes);
    writeFileSync(join(BUILD_DIR, `${name}.wasm`), bytes);
    console.log(`${name}.wasm  ${bytes.length} bytes, ${facts.functions} functions, imports: ${facts.imports.join(', ') || 'none'}${facts.initialize ? ', _initialize' : ''}`);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
