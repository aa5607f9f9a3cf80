/**
 * @module ipc/protocol
 * Serves the built renderer (dist/renderer) to the window through the custom `app://custos/`
 * protocol instead of file://: a file:// page's origin is every file on disk, an app:// page's is
 * only itself. Every response (errors too) carries the CSP and nosniff; content types come from a
 * fixed table, never from sniffing.
 *
 * Trusts the files under the renderer directory (our own build output) and nothing in the request
 * URL: a path that decodes to `..`, a backslash or NUL, or anything resolving outside the directory
 * is refused with 404.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { mimeTypeOf } from '../core/api/mime-types.js';
import type { CustomScheme } from 'electron';
import { APP_SCHEME, CONTENT_SECURITY_POLICY, isAppUrl } from './window.js';

/**
 * Registered before app 'ready' (protocol.registerSchemesAsPrivileged). `standard` gives the scheme
 * real origins and relative URL resolution; `secure` makes it a secure context like https;
 * `supportFetchAPI` and `corsEnabled` let Chromium load the bundle's `<script type="module"
 * crossorigin>` from it (we send no Access-Control-* header, so no other origin can read us);
 * `codeCache` lets V8 cache the compiled bundle. Not `bypassCSP`, not `allowServiceWorkers`.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true },
};

/** The content type of a file we serve (one table with the browser host). */
export { mimeTypeOf };

/** Headers on every app:// response, whatever its status. */
export function responseHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  };
}

/**
 * The file under `root` that `url` names, or null when it names none we would serve.
 * `app://custos/` is index.html. The path is percent-decoded once, then refused if any segment is
 * `.` or `..` (an encoded `%2e%2e` or `..%2f` survives URL's own dot-segment removal), or if it
 * holds a backslash (a separator on Windows) or NUL; what remains must resolve inside `root`.
 */
export function resolveAppPath(root: string, url: string): string | null {
  if (!isAppUrl(url)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null; // malformed percent-encoding
  }
  if (pathname.includes('\\') || pathname.includes('\0')) return null;
  const segments = pathname.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) return null;
  const base = resolve(root);
  const full = resolve(base, segments.length === 0 ? 'index.html' : segments.join('/'));
  return full.startsWith(base + sep) ? full : null;
}

/** What protocol.handle gives us: the parts we read. */
export interface AppRequest {
  readonly url: string;
  readonly method: string;
}

function errorResponse(status: number, text: string): Response {
  return new Response(text, { status, headers: responseHeaders('text/plain; charset=utf-8') });
}

/**
 * The app:// handler: GET and HEAD of files under `root`, 404 for anything else we will not serve,
 * 405 for other methods. Never throws (protocol.handle would turn a throw into a network error
 * without our headers).
 */
export function createAppProtocolHandler(root: string): (request: AppRequest) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return errorResponse(405, 'method not allowed');
    const path = resolveAppPath(root, request.url);
    if (path === null) return errorResponse(404, 'not found');
    try {
      if (!(await stat(path)).isFile()) return errorResponse(404, 'not found');
      const body = await readFile(path);
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: responseHeaders(mimeTypeOf(path)) });
    } catch {
      return errorResponse(404, 'not found');
    }
  };
}
