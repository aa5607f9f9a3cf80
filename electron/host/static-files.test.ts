/**
 * The static-file lookup on its own: decoded segments, refusals, MIME types, and a symlink that
 * points out of the root.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers.js';
import { lookupStatic, mimeType, pathSegments, staticRoot } from './static-files.js';

describe('pathSegments', () => {
  it('decodes each segment on its own', () => {
    expect(pathSegments('/')).toEqual([]);
    expect(pathSegments('/assets/a%20b.js')).toEqual(['assets', 'a b.js']);
    expect(pathSegments('/assets/')).toEqual(['assets']);
  });

  it('refuses dot segments, hidden names, encoded separators, control characters and bad encoding', () => {
    for (const p of ['', 'x', '/..', '/.', '/a/../b', '/%2e%2e/x', '/%2E/x', '/a%2fb', '/a%5cb', '/a\\b', '/.env', '/a//b', '/%00', '/a%0a', '/%zz', '/c:x', '/%2e%2e%2f']) {
      expect(pathSegments(p), p).toBeUndefined();
    }
  });
});

describe('lookupStatic', () => {
  it('finds files under the root, maps / to index.html, and refuses a symlink out of it', () => {
    const dir = tempDir();
    const www = join(dir, 'www');
    mkdirSync(join(www, 'assets'), { recursive: true });
    writeFileSync(join(www, 'index.html'), '<!doctype html>');
    writeFileSync(join(www, 'assets', 'a.js'), '1');
    writeFileSync(join(dir, 'secret.txt'), 'secret');
    symlinkSync(join(dir, 'secret.txt'), join(www, 'assets', 'link.txt'));
    const root = staticRoot(www);
    expect(lookupStatic(root, '/')).toMatchObject({ kind: 'file', mime: 'text/html; charset=utf-8', size: 15 });
    expect(lookupStatic(root, '/assets/a.js')).toMatchObject({ kind: 'file', mime: 'text/javascript; charset=utf-8' });
    expect(lookupStatic(root, '/assets')).toEqual({ kind: 'missing' }); // a directory
    expect(lookupStatic(root, '/nope.js')).toEqual({ kind: 'missing' });
    expect(lookupStatic(root, '/assets/link.txt')).toEqual({ kind: 'refused' });
    expect(lookupStatic(root, '/../secret.txt')).toEqual({ kind: 'refused' });
  });

  it('names MIME types by extension, opaque bytes otherwise', () => {
    expect(mimeType('a.CSS')).toBe('text/css; charset=utf-8');
    expect(mimeType('a.svg')).toBe('image/svg+xml');
    expect(mimeType('a.wasm')).toBe('application/wasm');
    expect(mimeType('Makefile')).toBe('application/octet-stream');
  });
});
