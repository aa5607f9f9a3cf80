/**
 * electron-builder.yml, checked without building: the keys the shipped app's security and
 * start-up rely on (entry point, files, native modules unpacked and rebuilt, targets, hardened
 * runtime) and every Electron fuse, by exact value. A misspelt fuse would be ignored by a packager
 * and ship the default (enabled) — so the fuse block is a closed object here, and its keys must be
 * electron-builder's FuseOptionsV1 names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { PRELOAD_OUTFILE } from '../../scripts/build-preload.js';

const ROOT = join(import.meta.dirname, '..', '..');
const text = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8');

/** electron-builder's FuseOptionsV1 (app-builder-lib), which maps 1:1 onto @electron/fuses' FuseV1Options. */
const FUSE_OPTION_NAMES = [
  'runAsNode',
  'enableCookieEncryption',
  'enableNodeOptionsEnvironmentVariable',
  'enableNodeCliInspectArguments',
  'enableEmbeddedAsarIntegrityValidation',
  'onlyLoadAppFromAsar',
  'loadBrowserProcessSpecificV8Snapshot',
  'grantFileProtocolExtraPrivileges',
] as const;

const targets = z.union([z.string(), z.array(z.string())]).transform((t) => (Array.isArray(t) ? t : [t]));

/** What we rely on; other keys may exist (loose objects), except in the fuse block. */
const config = z.looseObject({
  appId: z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$/, 'reverse-DNS'),
  productName: z.literal('Custos'),
  extraMetadata: z.looseObject({ main: z.literal('dist/electron/main.js') }),
  files: z.array(z.string()).min(1),
  asar: z.literal(true).optional(),
  asarUnpack: z.array(z.string()),
  npmRebuild: z.literal(true),
  electronFuses: z.strictObject({
    runAsNode: z.literal(false),
    enableNodeOptionsEnvironmentVariable: z.literal(false),
    enableNodeCliInspectArguments: z.literal(false),
    enableCookieEncryption: z.literal(true),
    enableEmbeddedAsarIntegrityValidation: z.literal(true),
    onlyLoadAppFromAsar: z.literal(true),
    grantFileProtocolExtraPrivileges: z.literal(false).optional(),
    loadBrowserProcessSpecificV8Snapshot: z.boolean().optional(),
  }),
  linux: z.looseObject({ target: targets }),
  mac: z.looseObject({ target: targets, hardenedRuntime: z.literal(true) }),
  win: z.looseObject({ target: targets }),
});

function load(): z.infer<typeof config> {
  const doc = parseDocument(text, { uniqueKeys: true });
  expect(doc.errors.map((e) => e.message)).toEqual([]);
  return config.parse(doc.toJS());
}

describe('electron-builder.yml', () => {
  it('parses (no duplicate keys) and matches the schema we rely on', () => {
    expect(() => load()).not.toThrow();
  });

  it('flips every fuse the issue names, to the safe value', () => {
    expect(load().electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });

  it('uses only electron-builder fuse names (a typo would silently ship the default)', () => {
    for (const key of Object.keys(load().electronFuses)) expect(FUSE_OPTION_NAMES as readonly string[], key).toContain(key);
  });

  it('refuses a config with a fuse misspelt, missing or flipped the wrong way', () => {
    const good = parseDocument(text).toJS() as { electronFuses: Record<string, boolean> };
    const variants: Record<string, boolean>[] = [
      { ...good.electronFuses, runAsNode: true },
      { ...good.electronFuses, onlyLoadAppFromAsar: false },
      { ...good.electronFuses, enableNodeCliInspectArgument: false },
      Object.fromEntries(Object.entries(good.electronFuses).filter(([k]) => k !== 'enableNodeOptionsEnvironmentVariable')),
    ];
    for (const electronFuses of variants) expect(config.safeParse({ ...good, electronFuses }).success, JSON.stringify(electronFuses)).toBe(false);
  });

  it('starts the app at the compiled main process, and ships it, the preload bundle and the renderer', () => {
    const c = load();
    expect(c.extraMetadata.main).toBe('dist/electron/main.js');
    expect(PRELOAD_OUTFILE.endsWith(join('dist', 'electron', 'preload.cjs'))).toBe(true);
    expect(c.files).toContain('dist/**');
    expect(c.files).toContain('package.json');
    // Exclusions may drop tests and maps, never what runs.
    for (const exclusion of c.files.filter((f) => f.startsWith('!'))) expect(exclusion).toMatch(/\.(test\.js|map)$/);
  });

  it('unpacks native modules from the asar archive and rebuilds them for Electron', () => {
    const c = load();
    for (const name of ['better-sqlite3', 'pkcs11js', 'node-hid']) expect(c.asarUnpack, name).toContain(`**/node_modules/${name}/**`);
    expect(c.npmRebuild).toBe(true);
    expect(c.asar).not.toBe(false);
  });

  it('builds Linux AppImage and deb, a macOS dmg with the hardened runtime, a Windows nsis installer', () => {
    const c = load();
    expect(c.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(c.mac.target).toEqual(['dmg']);
    expect(c.mac.hardenedRuntime).toBe(true);
    expect(c.win.target).toEqual(['nsis']);
  });
});
