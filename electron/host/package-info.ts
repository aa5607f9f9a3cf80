/**
 * @module host/package-info
 * Where the Custos package is on disk (to find dist/renderer) and its version (Settings →
 * About), found the same way whether this file runs from source (electron/host/, under tsx or
 * vitest) or from the build (dist/electron/host/). Trusts our own package.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'custos';

let cached: { root: string; version: string } | undefined;

function find(): { root: string; version: string } {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') {
        cached = { root: dir, version: pkg.version };
        return cached;
      }
    }
    dir = dirname(dir);
  }
  throw new Error(`cannot find the ${PACKAGE_NAME} package.json above ${fileURLToPath(import.meta.url)}`);
}

/** The directory holding Custos's package.json. */
export function packageRoot(): string {
  return find().root;
}

export function packageVersion(): string {
  return find().version;
}

/** Where `npm run build:renderer` puts the renderer. */
export function defaultRendererDir(): string {
  return join(packageRoot(), 'dist', 'renderer');
}
