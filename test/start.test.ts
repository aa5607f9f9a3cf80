/**
 * scripts/start.mjs, the launcher behind `npm start`: without an Electron binary it says so,
 * points to `npm run serve` and exits 1 (as it does here, where the binary cannot be downloaded);
 * with one it runs it on dist/electron/main.js and passes its exit code on. The second case runs
 * a copy of the launcher in a scratch tree with a stand-in `electron` package and binary.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const LAUNCHER = join(import.meta.dirname, '..', 'scripts', 'start.mjs');

/** A tree shaped like the repository: scripts/start.mjs, node_modules/electron, optionally dist/. */
function scratchTree(options: { binary: boolean; built: boolean }): string {
  const root = tempDir('custos-start-');
  mkdirSync(join(root, 'scripts'));
  copyFileSync(LAUNCHER, join(root, 'scripts', 'start.mjs'));
  const pkg = join(root, 'node_modules', 'electron');
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), '{"name":"electron","main":"index.js"}');
  // Like the real package: exports the binary's path (whether or not it was downloaded).
  writeFileSync(join(pkg, 'index.js'), "module.exports = require('path').join(__dirname, 'dist', 'electron');\n");
  if (options.binary) {
    const bin = join(pkg, 'dist', 'electron');
    writeFileSync(bin, `#!/bin/sh\nprintf '%s\\n' "$@" > "${join(root, 'args.txt')}"\nprintf '%s' "\${ELECTRON_RUN_AS_NODE:-unset}" > "${join(root, 'env.txt')}"\nexit 7\n`);
    chmodSync(bin, 0o755);
  }
  if (options.built) {
    mkdirSync(join(root, 'dist', 'electron'), { recursive: true });
    mkdirSync(join(root, 'dist', 'renderer'), { recursive: true });
    for (const f of ['dist/electron/main.js', 'dist/electron/preload.cjs', 'dist/renderer/index.html']) writeFileSync(join(root, f), '');
  }
  return root;
}

const run = (script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });

describe('npm start (scripts/start.mjs)', () => {
  it('here, with no Electron binary: explains, points to npm run serve, exits 1', () => {
    const r = run(LAUNCHER);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Electron binary is not installed');
    expect(r.stderr).toContain('npm run serve');
    expect(r.stdout).toBe('');
  });

  it('with the package but no binary in a scratch tree: the same', () => {
    const root = scratchTree({ binary: false, built: true });
    const r = run(join(root, 'scripts', 'start.mjs'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('npm run serve');
  });

  it('with a binary: runs it on dist/electron/main.js with the arguments, without ELECTRON_RUN_AS_NODE, and passes the exit code on', () => {
    const root = scratchTree({ binary: true, built: true });
    const r = run(join(root, 'scripts', 'start.mjs'), ['--flag'], { ELECTRON_RUN_AS_NODE: '1' });
    expect(r.status).toBe(7);
    expect(readFileSync(join(root, 'args.txt'), 'utf8').trim().split('\n')).toEqual([join(root, 'dist', 'electron', 'main.js'), '--flag']);
    expect(readFileSync(join(root, 'env.txt'), 'utf8')).toBe('unset');
  });

  it('with a binary but nothing built: says what is missing, exits 1', () => {
    const root = scratchTree({ binary: true, built: false });
    const r = run(join(root, 'scripts', 'start.mjs'));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('dist/electron/main.js');
  });
});
