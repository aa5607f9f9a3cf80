/**
 * The app:// protocol handler against real files in a temporary directory: path resolution
 * (traversal refused in every spelling we know), CSP and nosniff on every response, content
 * types, methods.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SCHEME_PRIVILEGES, createAppProtocolHandler, mimeTypeOf, resolveAppPath } from './protocol.js';
import { CONTENT_SECURITY_POLICY } from './window.js';

let parent: string;
let root: string;

beforeAll(() => {
  parent = mkdtempSync(join(tmpdir(), 'custos-protocol-'));
  root = join(parent, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Custos</title>');
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(root, 'assets', 'index-abc.css'), 'body{}');
  writeFileSync(join(root, 'assets', 'inter.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
  writeFileSync(join(root, 'assets', 'blob.bin'), Buffer.from([1, 2, 3]));
  // Beside the served directory, with a name that shares its prefix: must stay unreachable.
  writeFileSync(join(parent, 'secret.txt'), 'secret');
  mkdirSync(join(parent, 'renderer-other'));
  writeFileSync(join(parent, 'renderer-other', 'x.js'), 'secret');
});

afterAll(() => rmSync(parent, { recursive: true, force: true }));

describe('the app:// scheme', () => {
  it('is registered standard and secure, and bypasses nothing', () => {
    expect(APP_SCHEME_PRIVILEGES.scheme).toBe('app');
    expect(APP_SCHEME_PRIVILEGES.privileges).toMatchObject({ standard: true, secure: true });
    expect(APP_SCHEME_PRIVILEGES.privileges?.bypassCSP).toBeUndefined();
    expect(APP_SCHEME_PRIVILEGES.privileges?.allowServiceWorkers).toBeUndefined();
  });
});

describe('resolveAppPath', () => {
  it('maps our URLs onto files under the root, / to index.html', () => {
    expect(resolveAppPath(root, 'app://custos/')).toBe(join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://custos')).toBe(join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://custos/index.html')).toBe(join(root, 'index.html'));
    expect(resolveAppPath(root, 'app://custos/assets/index-abc.js?v=1#x')).toBe(join(root, 'assets', 'index-abc.js'));
    expect(resolveAppPath(root, 'app://custos/assets//index-abc.js')).toBe(join(root, 'assets', 'index-abc.js'));
    expect(resolveAppPath(root, 'app://custos/a%20b.js')).toBe(join(root, 'a b.js'));
  });

  it('refuses path traversal in every spelling', () => {
    for (const url of [
      'app://custos/..%2fsecret.txt',
      'app://custos/assets/..%2f..%2fsecret.txt',
      'app://custos/%2E%2E%2Fsecret.txt',
      'app://custos/..%5csecret.txt',
      'app://custos/assets%5c..%5c..%5csecret.txt',
      'app://custos/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      'app://custos/index.html%00.js',
      'app://custos/.%2findex.html',
      'app://custos/%2fetc%2fpasswd/..%2f..',
      'app://custos/%E0%A4%A', // malformed percent-encoding
    ]) {
      expect(resolveAppPath(root, url), url).toBeNull();
    }
  });

  it('leaves literal and %2e dot segments to URL, which clamps them at the root (as Chromium does)', () => {
    expect(resolveAppPath(root, 'app://custos/../secret.txt')).toBe(join(root, 'secret.txt'));
    expect(resolveAppPath(root, 'app://custos/%2e%2e/%2e%2e/secret.txt')).toBe(join(root, 'secret.txt'));
    expect(resolveAppPath(root, 'app://custos/%2e/index.html')).toBe(join(root, 'index.html'));
  });

  it('never resolves to a sibling directory sharing the root as a prefix', () => {
    // resolve() alone would accept <parent>/renderer-other as "starting with" <parent>/renderer.
    expect(resolveAppPath(root, 'app://custos/..%2frenderer-other%2fx.js')).toBeNull();
  });

  it('decodes once: a double-encoded %252e%252e is a file literally named %2e%2e inside the root', () => {
    expect(resolveAppPath(root, 'app://custos/%252e%252e/secret.txt')).toBe(join(root, '%2e%2e', 'secret.txt'));
  });

  it('refuses URLs that are not ours', () => {
    for (const url of ['app://other/index.html', 'https://custos/index.html', 'file:///etc/passwd', 'app://custos:1/index.html', 'app://u:p@custos/index.html', 'junk']) {
      expect(resolveAppPath(root, url), url).toBeNull();
    }
  });
});

describe('content types', () => {
  it('come from a fixed table; unknown is opaque bytes', () => {
    expect(mimeTypeOf('a/index.html')).toBe('text/html; charset=utf-8');
    expect(mimeTypeOf('a/x.js')).toBe('text/javascript; charset=utf-8');
    expect(mimeTypeOf('a/x.MJS')).toBe('text/javascript; charset=utf-8');
    expect(mimeTypeOf('a/x.css')).toBe('text/css; charset=utf-8');
    expect(mimeTypeOf('a/x.svg')).toBe('image/svg+xml');
    expect(mimeTypeOf('a/x.woff2')).toBe('font/woff2');
    expect(mimeTypeOf('a/x.wasm')).toBe('application/wasm');
    expect(mimeTypeOf('a/x.bin')).toBe('application/octet-stream');
    expect(mimeTypeOf('a/Makefile')).toBe('application/octet-stream');
  });
});

describe('the handler', () => {
  const handle = (url: string, method = 'GET') => createAppProtocolHandler(root)({ url, method });

  function expectSecurityHeaders(response: Response): void {
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  }

  it('serves files with their content type and the CSP', async () => {
    const index = await handle('app://custos/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<title>Custos</title>');
    expectSecurityHeaders(index);

    for (const [path, type] of [
      ['assets/index-abc.js', 'text/javascript; charset=utf-8'],
      ['assets/index-abc.css', 'text/css; charset=utf-8'],
      ['assets/inter.woff2', 'font/woff2'],
      ['assets/blob.bin', 'application/octet-stream'],
    ] as const) {
      const r = await handle(`app://custos/${path}`);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toBe(type);
      expectSecurityHeaders(r);
    }
    expect(new Uint8Array(await (await handle('app://custos/assets/blob.bin')).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('answers 404 with the CSP for traversal, missing files and directories', async () => {
    for (const url of ['app://custos/..%2fsecret.txt', 'app://custos/../secret.txt', 'app://custos/%2e%2e/secret.txt', 'app://custos/missing.js', 'app://custos/assets', 'app://custos/assets/', 'app://evil/index.html']) {
      const r = await handle(url);
      expect(r.status, url).toBe(404);
      expect(await r.text(), url).not.toContain('secret');
      expectSecurityHeaders(r);
    }
  });

  it('answers HEAD without a body and refuses other methods with 405', async () => {
    const head = await handle('app://custos/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const r = await handle('app://custos/index.html', method);
      expect(r.status, method).toBe(405);
      expectSecurityHeaders(r);
    }
  });
});
