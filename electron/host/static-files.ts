/**
 * @module host/static-files
 * Maps a request path onto a file of the built renderer (dist/renderer), and nothing outside it.
 *
 * Trusts the contents of `root` (our own build output). Trusts nothing in the path: every
 * segment is percent-decoded on its own and refused if it is `.` or `..`, hidden (leading dot),
 * or contains a slash, backslash, NUL or control character once decoded — so `/../x`,
 * `/%2e%2e/x`, `/..%2fx`, `/..%5cx` and the like never leave `root`. As a second, independent
 * check, the real path of the file (symlinks resolved) must lie inside the real path of `root`.
 */
import { realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { mimeTypeOf as mimeType } from '../core/api/mime-types.js';

/** The content type of a file we serve (one table with Electron's app:// protocol). */
export { mimeType };

export type StaticLookup =
  | { readonly kind: 'file'; readonly path: string; readonly size: number; readonly mime: string }
  /** The path is well formed but names no file. */
  | { readonly kind: 'missing' }
  /** The path tries to leave the root, or is not a path we would ever serve. */
  | { readonly kind: 'refused' };

/** The root's real path, resolved once (the host refuses to start without an index.html in it). */
export function staticRoot(dir: string): string {
  return realpathSync(dir);
}

/**
 * The segments of a raw request path (`req.url` before `?`), percent-decoded one by one, or
 * undefined when any segment is unacceptable. An empty last segment (a trailing slash) is dropped.
 */
export function pathSegments(rawPath: string): string[] | undefined {
  if (!rawPath.startsWith('/')) return undefined;
  const parts = rawPath.slice(1).split('/');
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  const out: string[] = [];
  for (const part of parts) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return undefined; // malformed percent-encoding
    }
    // eslint-disable-next-line no-control-regex
    if (decoded === '' || decoded.startsWith('.') || /[/\\\u0000-\u001f\u007f]/.test(decoded) || decoded.includes(':')) return undefined;
    out.push(decoded);
  }
  return out;
}

/** Finds the file for `rawPath` under `root` (a real path from staticRoot). `/` is `/index.html`. */
export function lookupStatic(root: string, rawPath: string): StaticLookup {
  const segments = pathSegments(rawPath);
  if (segments === undefined) return { kind: 'refused' };
  if (segments.length === 0) segments.push('index.html');
  const candidate = join(root, ...segments);
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    return { kind: 'missing' };
  }
  if (!real.startsWith(root + sep)) return { kind: 'refused' };
  let size: number;
  try {
    const st = statSync(real);
    if (!st.isFile()) return { kind: 'missing' };
    size = st.size;
  } catch {
    return { kind: 'missing' };
  }
  return { kind: 'file', path: real, size, mime: mimeType(real) };
}
